#!/usr/bin/env python3
"""profiles/slurm/submit.py JOBSCRIPT - submit one Snakemake job to Slurm.

Reads the job's rule, threads and resources (mem_mb, runtime in minutes,
gpus) from the properties Snakemake writes into the job script and runs
    sbatch --parsable --job-name=we-RULE --cpus-per-task=T --mem=Mm
           --time=MIN [--gres=gpu:G] [--partition/--account] [$WE_SLURM_ARGS]
           --output=.snakemake/slurm/RULE-%j.log JOBSCRIPT
printing the job id for status.py. See profiles/slurm/config.yaml."""
import json
import os
import shlex
import subprocess
import sys

jobscript = sys.argv[-1]
props = {}
with open(jobscript) as f:  # the "# properties = {json}" line (no snakemake import)
    for line in f:
        if line.startswith("# properties = "):
            props = json.loads(line[len("# properties = "):])
            break
res = props.get("resources", {})
rule = props.get("rule") or "group-" + str(props.get("groupid", "job"))
logdir = os.path.join(os.getcwd(), ".snakemake", "slurm")
os.makedirs(logdir, exist_ok=True)
args = ["sbatch", "--parsable", f"--job-name=we-{rule}",
        f"--cpus-per-task={int(props.get('threads', 1))}",
        f"--mem={int(res.get('mem_mb', 1000))}M",
        f"--time={int(res.get('runtime', 60))}",
        f"--output={logdir}/{rule}-%j.log"]
gpus = int(res.get("gpus", 0) or 0)
if gpus > 0:
    args.append(f"--gres=gpu:{gpus}")
for env, opt in (("WE_SLURM_PARTITION", "--partition"), ("WE_SLURM_ACCOUNT", "--account")):
    if os.environ.get(env):
        args.append(f"{opt}={os.environ[env]}")
args += shlex.split(os.environ.get("WE_SLURM_ARGS", ""))
args.append(jobscript)
r = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
if r.returncode != 0:
    sys.exit(f"submit.py: sbatch failed ({r.returncode}): {r.stderr.strip()}")
print(r.stdout.strip().split(";")[0])
