#!/bin/sh
# bench/bench_cluster.sh - the cluster path on this machine (issue 15):
# 1. dataset preparation (workflows/dataset.smk, facealign | lmheat per
#    shard) through a single-node Slurm cluster started here
#    (scripts/slurm_local.sh): faces/s with 1 and with 2 Slurm jobs at a
#    time (snakemake --jobs), the same 2 shards;
# 2. data-parallel training: wtrain steps/s at K = 1 and K = 2 processes
#    (mpirun, 1 BLAS thread each) at equal total batch, the scaling
#    efficiency (steps/s at K=2) / (2 x steps/s at K=1) and the measured
#    all-reduce time per step;
# 3. on paper: the expected efficiency on N nodes from the all-reduce bytes
#    per step (ring: 2 (N-1)/N x 4 P per node) over a link bandwidth,
#    against the compute per step measured in 2.
# BENCH_CLUSTER_COPIES (default 3) copies of the six demo photos make the
# face set; BENCH_CLUSTER_STEPS (default 6) training steps per run.
cd "$(dirname "$0")/.." || exit 70
export PATH="$PWD/bin:$PATH" WE_PROGRESS=0 CI=true OPENBLAS_NUM_THREADS=1
# OpenMPI as root; idle ranks yield the core (they poll otherwise)
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_btl_vader_single_copy_mechanism=none
export OMPI_MCA_mpi_yield_when_idle=1
DEMO=third_party/face-api/demo
[ -f "$DEMO/sample1.jpg" ] || { echo "bench_cluster: demo photos missing (sh scripts/setup.sh)"; exit 1; }
tmp=$(mktemp -d) && trap 'sh scripts/slurm_local.sh stop "$tmp/slurm" 2>/dev/null; rm -rf "$tmp"' EXIT
now() { date +%s.%N; }
copies=${BENCH_CLUSTER_COPIES:-3}
steps=${BENCH_CLUSTER_STEPS:-6}

# 1. dataset preparation through Slurm
mkdir -p "$tmp/set/images" "$tmp/slurm"
for c in $(seq 1 "$copies"); do
    for i in 1 2 3 4 5 6; do cp "$DEMO/sample$i.jpg" "$tmp/set/images/c${c}_sample$i.jpg"; done
done
echo "image,emotion" > "$tmp/set/labels.csv"
nfiles=$(ls "$tmp/set/images" | wc -l)
if command -v snakemake >/dev/null 2>&1 && sh scripts/slurm_local.sh start "$tmp/slurm" > "$tmp/env" 2> "$tmp/err"; then
    . "$tmp/env"
    for j in 1 2; do
        t0=$(now)
        snakemake -q --profile "$PWD/profiles/slurm" --jobs $j -d "$tmp/w$j" -s workflows/dataset.smk \
            --config SRC="$tmp/set" OUT="$tmp/ds$j" S=128 C=1 SHARDS=2 TEST_PCT=0 > "$tmp/log$j" 2>&1 \
            || { echo "bench_cluster: dataset workflow failed"; tail -n 5 "$tmp/log$j"; exit 1; }
        t1=$(now)
        faces=$(sed -n 's/^faces: \([0-9]*\).*/\1/p' "$tmp/ds$j/stats.txt")
        awk -v a="$t0" -v b="$t1" -v f="$faces" -v j=$j -v n="$nfiles" 'BEGIN {
            printf "dataset prep, Slurm, %d job%s at a time: %d files, %d faces in %.1f s wall = %.2f faces/s\n",
                   j, (j > 1 ? "s" : ""), n, f, b - a, f / (b - a) }' | tee -a "$tmp/ds.txt"
    done
    awk '{ for (i = 1; i <= NF; i++) if ($i == "faces/s") r[NR] = $(i - 1) }
         END { if (r[1] > 0) printf "dataset prep: 2 jobs / 1 job = %.2fx (2 shards, %s cores)\n", r[2] / r[1], "'"$(nproc)"'" }' "$tmp/ds.txt"
    echo "sacct: $(sacct -c -n -P -o JobName,State | sort | uniq -c | tr -s ' ' | tr '\n' ';')"
    sh scripts/slurm_local.sh stop "$tmp/slurm"
else
    echo "dataset prep via Slurm: skipped ($(cat "$tmp/err" 2>/dev/null))"
fi

# 2. data-parallel training, equal total batch
if ! command -v mpirun >/dev/null 2>&1 || ! ldd bin/wtrain | grep -q libmpi; then
    echo "training K=1/K=2: skipped (wtrain built without MPI or no mpirun)"; exit 0
fi
facealign -a -s 64 -c 1 "$DEMO"/sample*.jpg 2>/dev/null > "$tmp/faces.wes"
mkdir -p "$tmp/sh"
tssplit -q -k id -d "$tmp/sh" "$tmp/faces.wes"   # one face per shard file
shards=$(ls "$tmp"/sh/*.wes)
nfaces=$(ls "$tmp"/sh/*.wes | wc -l)
NET="--nf 32 --mult 1,2,2,2 --num-res 2 --attn 2 -b 16 -T 1 --log-every 0"
rate() { awk -F, 'NR == 2 { a = $5 } END { print ($1 - 1) / ($5 - a) }' "$1"; } # steps/s after the first step
# CPU seconds (user + sys, all processes) as well as wall: on a shared,
# loaded machine the wall-clock ratio says little, the work ratio holds
/usr/bin/time -f "%U %S" -o "$tmp/c1" wtrain -m "$tmp/k1.st" -n "$steps" $NET --csv "$tmp/k1.csv" $shards 2> "$tmp/k1.err" \
    || { cat "$tmp/k1.err"; exit 1; }
/usr/bin/time -f "%U %S" -o "$tmp/c2" mpirun --oversubscribe -np 2 wtrain -m "$tmp/k2.st" -n "$steps" $NET \
    --csv "$tmp/k2.csv" $shards 2> "$tmp/k2.err" || { tail -n 5 "$tmp/k2.err"; exit 1; }
c1=$(awk '{ print $1 + $2 }' "$tmp/c1"); c2=$(awk '{ print $1 + $2 }' "$tmp/c2")
P=$(sed -n 's/.*nf=32 \([0-9]*\) params.*/\1/p' "$tmp/k1.err")
gf=$(sed -n 's/.* \([0-9.]*\) GFLOP\/sample.*/\1/p' "$tmp/k1.err")
ar=$(sed -n 's/.*all-reduce \([0-9.]*\) ms\/step.*/\1/p' "$tmp/k2.err")
r1=$(rate "$tmp/k1.csv"); r2=$(rate "$tmp/k2.csv")
awk -v r1="$r1" -v r2="$r2" -v P="$P" -v gf="$gf" -v ar="$ar" -v n="$nfaces" -v c1="$c1" -v c2="$c2" -v st="$steps" 'BEGIN {
    printf "training (nf 32, %d params, %.2f GFLOP/sample fwd, batch 16, %d faces in %d shards, 1 BLAS thread per process):\n", P, gf, n, n
    printf "  K=1: %.3f steps/s   K=2: %.3f steps/s   speed-up %.2fx, scaling efficiency %.0f%%\n", r1, r2, r2 / r1, 50 * r2 / r1
    printf "  all-reduce at K=2: %s ms/step (%.1f MB of gradients; includes waiting for the slower rank)\n", ar, 4 * P / 1e6
    printf "  CPU time (all processes, whole run incl. start): K=1 %.1f s, K=2 %.1f s: work efficiency %.0f%% (= the speed-up on 2 idle cores / 2)\n",
           c1, c2, 100 * c1 / c2
    # 3. on paper: N nodes, global batch B; a CPU node = this process (t_s
    # s per sample, measured), a GPU node = 3 x the forward FLOPs at an
    # assumed effective 20 TFLOP/s
    B = 256; t_cpu = 1 / (r1 * 16); t_gpu = 3 * gf * 1e9 / 20e12
    printf "expected efficiency on N nodes, global batch %d, ring all-reduce of %.1f MB (2 (N-1)/N of it per node per step, latency 2 (N-1) x 10 us):\n", B, 4 * P / 1e6
    printf "  %-4s %-28s %-28s\n", "N", "CPU node (" sprintf("%.3f", t_cpu) " s/sample)", "GPU node (" sprintf("%.2f", t_gpu * 1e3) " ms/sample, assumed)"
    printf "  %-4s %-9s %-9s %-9s %-9s %-9s %-9s\n", "", "compute", "1.25GB/s", "12.5GB/s", "compute", "1.25GB/s", "12.5GB/s"
    for (N = 2; N <= 64; N *= 2) {
        bytes = 2 * (N - 1) / N * 4 * P; lat = 2 * (N - 1) * 10e-6
        line = sprintf("  %-4d", N)
        for (g = 0; g < 2; g++) {
            tc = (g ? t_gpu : t_cpu) * B / N
            line = line sprintf(" %-9s %-9s %-9s", sprintf("%.3gs", tc), sprintf("%.0f%%", 100 * tc / (tc + bytes / 1.25e9 + lat)),
                                sprintf("%.0f%%", 100 * tc / (tc + bytes / 12.5e9 + lat)))
        }
        print line
    } }'
