#!/bin/sh
# tests/sh/test_workflows.sh - the Snakemake workflows (workflows/*.smk) give
# the files of the Makefile pipelines (pipelines/dataset.mk, photos.mk,
# generate.mk) on a tiny fixture, run locally and through a real
# single-node Slurm cluster (scripts/slurm_local.sh: munge, slurmctld and
# slurmd started here under a temporary folder, stopped after), whose job
# records (sacct) show the shards went through the scheduler.
. tests/sh/lib.sh
DEMO=third_party/face-api/demo
if ! command -v snakemake >/dev/null 2>&1; then echo "skip: no snakemake (sh scripts/setup.sh)"; summary; exit; fi
if [ ! -f "$DEMO/sample2.jpg" ]; then echo "skip: demo photos missing (sh scripts/setup.sh)"; summary; exit; fi
trap 'sh scripts/slurm_local.sh stop "$T/slurm" 2>/dev/null; rm -rf "$T"' EXIT
export OPENBLAS_NUM_THREADS=1   # the same sums in every job, however it is run
# snakemake polls cluster jobs every 10 s, every 1 s when CI=true
export CI=true
SMK="snakemake -q --cores 2 --config"
# same "dir A dir B": the same files, bookkeeping of either engine aside
same() { diff -r -x logs -x .snakemake_timestamp -x shards.mk -x params -x parts.mk -x '*.sum' -x labels.csv "$2" "$3" > "$T/.diff" 2>&1
    r=$?; [ $r -eq 0 ] || head -n 5 "$T/.diff"; _report $r "$1"; }

# the fixture: three faces from the demo photos and a file that is no image
D="$T/set"
mkdir -p "$D/images"
convert "$DEMO/sample2.jpg" -crop 300x300+1388+154 +repage "$D/images/a.jpg" 2>/dev/null
convert "$DEMO/sample3.jpg" -crop 300x300+525+334 +repage -colorspace Gray "$D/images/b.png" 2>/dev/null
convert "$DEMO/sample6.jpg" -crop 300x300+1109+334 +repage "$D/images/c.jpg" 2>/dev/null
printf 'not an image' > "$D/images/d.jpg"
printf 'image,emotion\na.jpg,happiness\nb.png,neutral\nc.jpg,Surprise\nd.jpg,sad\n' > "$D/labels.csv"
# dlib's HOG detector (loads in a fraction of SSD's time) finds these faces
DS="S=64 C=1 SHARDS=2 TEST_PCT=50"
HOG="-D hog"
ok "tiny model" wtrain -m "$T/tiny.st" -n 2 --nf 8 --mult 1,2 --num-res 1 --attn 1 -b 4 -T 1 --log-every 0 \
    tests/fixtures/model_train.wes
PH="MODEL=$T/tiny.st SHARDS=2 S=16 C=1"
GEN="MODEL=$T/tiny.st SHARDS=2 N=3 BATCH=3 STEPS=3"
E="happy sad"

# 1. local: the Makefile pipelines and snakemake --cores 2
ok "dataset.mk" make -s -f pipelines/dataset.mk SRC="$D" OUT="$T/mk/ds" $DS FACEALIGN_FLAGS="--whole-frame $HOG" BIN=bin -j2
ok "dataset.smk" $SMK SRC="$D" OUT="$T/sm/ds" $DS FACEALIGN_FLAGS="--whole-frame $HOG" -s workflows/dataset.smk -d "$T/w/ds"
same "dataset: snakemake == make" "$T/mk/ds" "$T/sm/ds"
nds=$(ls "$T/sm/ds" | grep -c '\.wes$')
ok "dataset: $nds shards, train and test" sh -c "ls '$T/sm/ds' | grep -q train && ls '$T/sm/ds' | grep -q test"
ok "photos.mk" make -s -f pipelines/photos.mk SRC="$D/images" OUT="$T/mk/ph" $PH EMOTIONS="$E" FACEALIGN_FLAGS="$HOG" -j2
ok "edit.smk" $SMK SRC="$D/images" OUT="$T/sm/ph" $PH EMOTIONS="$E" FACEALIGN_FLAGS="$HOG" -s workflows/edit.smk -d "$T/w/ph"
same "edit: snakemake == make" "$T/mk/ph" "$T/sm/ph"
is "edit: 3 photos per emotion" "$(ls "$T/sm/ph/photos/sad" | grep -c '\.\(jpg\|png\)$')" 3
is "edit: table rows happy, sad, all" "$(cut -d, -f1,2 "$T/sm/ph/table.csv" | tr '\n' ' ')" "emotion,n happy,3 sad,3 all,6 "
ok "generate.mk" make -s -f pipelines/generate.mk OUT="$T/mk/gen" $GEN EMOTIONS="$E" -j2
ok "generate.smk" $SMK OUT="$T/sm/gen" $GEN EMOTIONS="$E" -s workflows/generate.smk -d "$T/w/gen"
same "generate: snakemake == make" "$T/mk/gen" "$T/sm/gen"
is "generate: 12 faces" "$(tail -n 1 "$T/sm/gen/summary.txt")" "all: 12 faces"
ok "generate: shards differ (own seeds)" sh -c "! cmp -s '$T/sm/gen/happy-00.wes' '$T/sm/gen/happy-01.wes'"

# 2. the same workflows as Slurm jobs (profiles/slurm), on a cluster of this machine
mkdir -p "$T/slurm"
sh scripts/slurm_local.sh start "$T/slurm" > "$T/slurm.env" 2> "$T/slurm.err"
rc=$?
if [ $rc -ne 0 ]; then
    echo "skip slurm: the daemons do not run here (exit $rc): $(cat "$T/slurm.err")"
    summary; exit
fi
. "$T/slurm.env"
SL="snakemake -q --profile $PWD/profiles/slurm --config"
# (the edit workflow's jobs are the same kind of shell jobs; it stays local
# to keep the suite short)
ok "dataset.smk on slurm" $SL SRC="$D" OUT="$T/sl/ds" $DS FACEALIGN_FLAGS="--whole-frame $HOG" -s workflows/dataset.smk -d "$T/w/sl-ds"
same "dataset: slurm == local" "$T/sm/ds" "$T/sl/ds"
ok "generate.smk on slurm" $SL OUT="$T/sl/gen" $GEN EMOTIONS="$E" -s workflows/generate.smk -d "$T/w/sl-gen"
same "generate: slurm == local" "$T/sm/gen" "$T/sl/gen"
# the scheduler's completion records: every job, by rule, all COMPLETED on this node
sacct -c -n -P -o JobID,JobName,State,NodeList > "$T/sacct" 2>&1
cat "$T/sacct"
jobs() { awk -F'|' -v n="we-$1" '$2 == n && $3 == "COMPLETED"' "$T/sacct" | wc -l | tr -d ' '; }
is "sacct: $nds dataset shard jobs" "$(jobs shard)" $nds
is "sacct: 4 sample jobs" "$(jobs sample)" 4
is "sacct: one lists, stats and summary job" "$(jobs lists)$(jobs stats)$(jobs summary)" 111
is "sacct: no job failed" "$(awk -F'|' '$3 != "COMPLETED"' "$T/sacct" | wc -l | tr -d ' ')" 0
is "sacct: on this machine's node" "$(cut -d'|' -f4 "$T/sacct" | sort -u)" "$(hostname -s)"
summary
