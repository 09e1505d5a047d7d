# workflows/edit.smk - pipelines/photos.mk as a Snakemake workflow: every
# face of a folder of photos edited to each of a set of emotions and pasted
# back, with the metrics table (femetrics --photo).
#
#   snakemake -s workflows/edit.smk --cores N --config SRC=folder OUT=out/photos \
#       [MODEL=models/default.safetensors] [EMOTIONS="happy sad"] [SHARDS=4] [S=256] [C=3] [GPUS=1]
#   snakemake -s workflows/edit.smk --profile /abs/path/profiles/slurm --config ...
#
# Jobs: one facealign per shard (align), one dwt | wdenoise | iwt -t +
# facepaste per shard and emotion (edit: the GPU job when GPUS > 0), one
# femetrics per shard and emotion (metrics), then the table; the same steps
# (pipelines/photos.sh) and files under OUT as the Makefile.
include: "common.smk"

SRC = path("SRC")
OUT = path("OUT", "out/photos")
MODEL = path("MODEL", os.path.join(REPO, "models", "default.safetensors"))
EMOTIONS = str(cfg("EMOTIONS", "happy sad surprise anger fear disgust")).split()
SHARDS, S, C = int(cfg("SHARDS", 4)), int(cfg("S", 256)), int(cfg("C", 3))
ENV = (f"BIN={BIN} S={S} C={C} MODEL={MODEL} FACEALIGN_FLAGS='{cfg('FACEALIGN_FLAGS', '')}' "
       f"WDENOISE_FLAGS='{cfg('WDENOISE_FLAGS', '')}' OPENBLAS_NUM_THREADS={{threads}}")
P = f"sh {PIPE}/photos.sh"

wildcard_constraints:
    part="part-[0-9]+",
    emotion="[a-z]+",


def parts():
    lists = checkpoints.lists.get().output.lists
    return sorted(glob_wildcards(os.path.join(lists, "{part}.txt")).part)


rule all:
    input:
        os.path.join(OUT, "table.csv"),


checkpoint lists:
    input:
        SRC,
    output:
        lists=directory(os.path.join(OUT, "lists")),
    threads: 1
    resources:
        mem_mb=200,
        runtime=10,
        gpus=0,
    shell:
        P + " lists {OUT:q} {SRC:q} {SHARDS}"


rule align:
    input:
        os.path.join(OUT, "lists", "{part}.txt"),
    output:
        wes=os.path.join(OUT, "faces", "{part}.wes"),
        report=os.path.join(OUT, "faces", "{part}.tsv"),
    threads: 1
    resources:
        mem_mb=int(cfg("ALIGN_MEM_MB", 2000)),
        runtime=int(cfg("ALIGN_RUNTIME", 120)),
        gpus=0,
    shell:
        ENV + " " + P + " align {OUT:q} {wildcards.part}"


rule edit:
    input:
        faces=os.path.join(OUT, "faces", "{part}.wes"),
        model=MODEL,
    output:
        wes=os.path.join(OUT, "edits", "{emotion}", "{part}.wes"),
        photos=os.path.join(OUT, "photos", "{emotion}", "{part}.txt"),
    threads: int(cfg("EDIT_THREADS", 1))
    resources:
        mem_mb=int(cfg("EDIT_MEM_MB", 4000)),
        runtime=int(cfg("EDIT_RUNTIME", 240)),
        gpus=GPUS,
    shell:
        ENV + " " + P + " edit {OUT:q} {wildcards.part} {wildcards.emotion}"


rule metrics:
    input:
        edits=os.path.join(OUT, "edits", "{emotion}", "{part}.wes"),
        faces=os.path.join(OUT, "faces", "{part}.wes"),
    output:
        os.path.join(OUT, "metrics", "{emotion}", "{part}.csv"),
    threads: 1
    resources:
        mem_mb=int(cfg("METRICS_MEM_MB", 2000)),
        runtime=int(cfg("METRICS_RUNTIME", 120)),
        gpus=0,
    shell:
        ENV + " " + P + " metrics {OUT:q} {wildcards.part} {wildcards.emotion}"


rule table:
    input:
        lambda w: [os.path.join(OUT, "metrics", e, p + ".csv") for e in EMOTIONS for p in parts()],
    output:
        os.path.join(OUT, "table.csv"),
    threads: 1
    resources:
        mem_mb=200,
        runtime=10,
        gpus=0,
    shell:
        P + " table {OUT:q} {input:q}"
