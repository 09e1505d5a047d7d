# workflows/dataset.smk - pipelines/dataset.mk as a Snakemake workflow: a
# labelled folder of face images -> sharded, aligned training streams
# (facealign | lmheat per shard) -> train/test splits by file -> stats.
#
#   snakemake -s workflows/dataset.smk --cores N --config SRC=/path/to/set OUT=data/set [S=128 C=3 SHARDS=16 TEST_PCT=10]
#   snakemake -s workflows/dataset.smk --profile profiles/slurm --config ...   (each shard a Slurm job)
#
# Same steps (pipelines/dataset_lists.sh, dataset_shard.sh, dataset_stats.sh)
# and the same outputs under OUT as the Makefile: lists/*.txt, <split>-NN.wes,
# reports/*.tsv, logs/*.log, rejected-names.txt, stats.txt. The shard
# lists are a checkpoint: which shards exist is known once the folder is
# listed.
include: "common.smk"

SRC = path("SRC")
OUT = path("OUT", "data/dataset")
IMAGES = path("IMAGES", os.path.join(SRC, "images"))
LABELS = path("LABELS", os.path.join(SRC, "labels.csv"))
S, C = int(cfg("S", 128)), int(cfg("C", 3))
SHARDS, TEST_PCT = int(cfg("SHARDS", 16)), int(cfg("TEST_PCT", 10))
FACEALIGN_FLAGS = cfg("FACEALIGN_FLAGS", "--whole-frame")
LMHEAT_FLAGS = cfg("LMHEAT_FLAGS", "")

wildcard_constraints:
    shard="(train|test)-[0-9]+",


def shard_names(wildcards=None):
    lists = checkpoints.lists.get().output.lists
    return sorted(glob_wildcards(os.path.join(lists, "{shard}.txt")).shard)


rule all:
    input:
        os.path.join(OUT, "stats.txt"),


checkpoint lists:
    input:
        IMAGES,
    output:
        lists=directory(os.path.join(OUT, "lists")),
        rejected=os.path.join(OUT, "rejected-names.txt"),
    threads: 1
    resources:
        mem_mb=200,
        runtime=10,
        gpus=0,
    shell:
        "sh {PIPE}/dataset_lists.sh {OUT:q} {IMAGES:q} {SHARDS} {TEST_PCT}"


rule shard:
    input:
        lst=os.path.join(OUT, "lists", "{shard}.txt"),
        labels=LABELS,
    output:
        wes=os.path.join(OUT, "{shard}.wes"),
        report=os.path.join(OUT, "reports", "{shard}.tsv"),
    log:
        os.path.join(OUT, "logs", "{shard}.log"),
    threads: 1
    resources:
        mem_mb=int(cfg("SHARD_MEM_MB", 1000)),
        runtime=int(cfg("SHARD_RUNTIME", 120)),
        gpus=0,
    params:
        fa=FACEALIGN_FLAGS,
        lm=LMHEAT_FLAGS,
    shell:
        "FACEALIGN_FLAGS={params.fa:q} LMHEAT_FLAGS={params.lm:q} sh {PIPE}/dataset_shard.sh {BIN:q} {S} {C} "
        "{input.labels:q} {input.lst:q} {output.wes:q} {output.report:q} {log:q}"


rule stats:
    input:
        wes=lambda w: expand(os.path.join(OUT, "{shard}.wes"), shard=shard_names()),
        rejected=os.path.join(OUT, "rejected-names.txt"),
    output:
        os.path.join(OUT, "stats.txt"),
    params:
        names=lambda w: " ".join(shard_names()),
    threads: 1
    resources:
        mem_mb=200,
        runtime=10,
        gpus=0,
    shell:
        "sh {PIPE}/dataset_stats.sh {OUT:q} {SRC:q} {S} {C} {params.names} > {output:q}.tmp && mv {output:q}.tmp {output:q}"
