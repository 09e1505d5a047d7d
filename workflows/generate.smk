# workflows/generate.smk - pipelines/generate.mk as a Snakemake workflow: a
# synthetic face set sampled with wsample, SHARDS jobs of N faces per
# emotion (the GPU jobs when GPUS > 0), and a summary.
#
#   snakemake -s workflows/generate.smk --cores N --config MODEL=ckpt OUT=data/gen \
#       [EMOTIONS="happy sad"] [SHARDS=4] [N=64] [BATCH=16] [STEPS=50] [SEED=1] [GPUS=1]
#   snakemake -s workflows/generate.smk --profile /abs/path/profiles/slurm --config ...
#
# Same files as the Makefile: OUT/E-KK.wes (seed SEED + 1000 I + K, I the
# emotion's index in EMOTIONS) and OUT/summary.txt (pipelines/generate.sh).
include: "common.smk"

MODEL = path("MODEL")
OUT = path("OUT", "data/gen")
EMOTIONS = str(cfg("EMOTIONS", "neutral happy sad surprise fear disgust anger contempt")).split()
SHARDS = int(cfg("SHARDS", 4))
ENV = (f"BIN={BIN} MODEL={MODEL} N={cfg('N', 64)} BATCH={cfg('BATCH', 16)} STEPS={cfg('STEPS', 50)} "
       f"SEED={cfg('SEED', 1)} WSAMPLE_FLAGS='{cfg('WSAMPLE_FLAGS', '')}' OPENBLAS_NUM_THREADS={{threads}}")
G = f"sh {PIPE}/generate.sh"
WES = [os.path.join(OUT, f"{e}-{k:02d}.wes") for e in EMOTIONS for k in range(SHARDS)]

wildcard_constraints:
    emotion="[a-z]+",
    k="[0-9]+",


rule all:
    input:
        os.path.join(OUT, "summary.txt"),


rule sample:
    input:
        MODEL,
    output:
        os.path.join(OUT, "{emotion}-{k}.wes"),
    params:
        i=lambda w: EMOTIONS.index(w.emotion),
        k=lambda w: int(w.k),
    threads: int(cfg("SAMPLE_THREADS", 1))
    resources:
        mem_mb=int(cfg("SAMPLE_MEM_MB", 2000)),
        runtime=int(cfg("SAMPLE_RUNTIME", 240)),
        gpus=GPUS,
    shell:
        ENV + " " + G + " shard {OUT:q} {wildcards.emotion} {params.i} {params.k}"


rule summary:
    input:
        WES,
    output:
        os.path.join(OUT, "summary.txt"),
    threads: 1
    resources:
        mem_mb=200,
        runtime=10,
        gpus=0,
    shell:
        ENV + " " + G + " summary {OUT:q} {input:q}"
