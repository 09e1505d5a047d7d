# workflows/common.smk - what the WaveEmotion workflows share: where the
# tools and pipeline scripts are, and the per-rule resources.
#
# Paths given in --config are made absolute, so a job runs the same from
# any working folder (a Slurm job starts in the submit folder). Every rule
# declares threads and resources: mem_mb, runtime (minutes) and gpus (0 or
# more; profiles/slurm/submit.py asks Slurm for --gres=gpu:N). Defaults may
# be changed per run: --config GPUS=1 EDIT_MEM_MB=4000 ...
import os

REPO = os.path.abspath(os.path.join(workflow.basedir, ".."))
PIPE = os.path.join(REPO, "pipelines")


def cfg(key, default):
    return config.get(key, default)


def path(key, default=None):
    v = config.get(key, default)
    if v is None:
        raise WorkflowError(f"set {key}=... (snakemake --config {key}=PATH)")
    return os.path.abspath(str(v))


BIN = path("BIN", os.path.join(REPO, "bin"))
GPUS = int(cfg("GPUS", 0))  # per GPU-capable job (wdenoise, wsample)
