#!/bin/sh
# tests/sh/test_wtrain_mpi.sh - data-parallel wtrain under mpirun (OpenMPI,
# CPU path and the CUDA path under the emulator): K processes give the
# weights of one process with the whole batch (float-summation tolerance),
# a rerun is bit-identical, resume works with the same or another K.
. tests/sh/lib.sh
TINY="--nf 8 --mult 1,2 --num-res 1 --attn 1 -T 1 --log-every 0 -b 8"
# Skips, with the reason, only where MPI is missing from this build.
if ! command -v mpirun >/dev/null 2>&1; then echo "skip: no mpirun (sh scripts/setup.sh)"; summary; exit; fi
if ! ldd bin/wtrain 2>/dev/null | grep -q libmpi; then echo "skip: wtrain built without MPI (no mpicc at make time)"; summary; exit; fi
# OpenMPI refuses root without these; more ranks than cores is fine here
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_btl_vader_single_copy_mechanism=none
export OMPI_MCA_mpi_yield_when_idle=1   # waiting ranks give the core back
MPI="mpirun --oversubscribe -np"
PY=/usr/bin/python3
maxdiff() { $PY tests/sh/st_maxdiff.py "$1" "$2"; }
# close: |a - b| <= 1e-5 everywhere (the K = 1 vs 2 difference is ~1e-7
# after 4 steps; one step more moves the weights by ~1e-4)
close() { d=$(maxdiff "$2" "$3"); awk -v d="$d" 'BEGIN { exit !(d <= 1e-5) }'; r=$?
    [ $r -eq 0 ] || echo "     max |diff| $d"; _report $r "$1 (max |diff| $d)"; }

# three shards of 5 faces each, sampled from a tiny model of the fixture
ok "tiny model" wtrain -m "$T/m0.st" -n 2 $TINY tests/fixtures/model_train.wes
S=""
for e in happy sad angry; do
    ok "shard $e" sh -c "wsample -m '$T/m0.st' -n 5 -b 5 --steps 2 -e $e -S 7 > '$T/$e.wes'"
    S="$S $T/$e.wes"
done

ok "K=1 (no mpirun), 3 shards" wtrain -m "$T/k1.st" -n 4 $TINY $S
ok "shards as files == the same stream on stdin" sh -c "cat $S | wtrain -m '$T/kc.st' -n 4 $TINY && cmp '$T/kc.st' '$T/k1.st'"
ok "mpirun -np 1 == no mpirun (cmp)" sh -c "$MPI 1 wtrain -m '$T/m1.st' -n 4 $TINY $S && cmp '$T/m1.st' '$T/k1.st'"
ok "mpirun -np 2" sh -c "$MPI 2 wtrain -m '$T/k2.st' -n 4 $TINY --csv '$T/k2.csv' $S 2> '$T/k2.err'"
close "K=2 weights == K=1 weights" "$T/k2.st" "$T/k1.st"
is "rank 0 alone logs" "$(grep -c 'processes (mpi), 3 shards' "$T/k2.err")" 1
is "rank 0 alone writes the csv" "$(wc -l < "$T/k2.csv" | tr -d ' ')" 5
ok "K=2 rerun is bit-identical" sh -c "$MPI 2 wtrain -m '$T/k2b.st' -n 4 $TINY $S 2>/dev/null && cmp '$T/k2b.st' '$T/k2.st'"
ok "the tolerance has teeth: 3 steps != 4 steps" sh -c "wtrain -m '$T/k3s.st' -n 3 $TINY $S 2>/dev/null"
d=$(maxdiff "$T/k3s.st" "$T/k1.st")
ok "  (max |diff| $d > 1e-4)" awk -v d="$d" 'BEGIN { exit !(d > 1e-4) }'
ok "K=4 > shards (a rank holds none)" sh -c "$MPI 4 wtrain -m '$T/k4.st' -n 4 $TINY $S 2>/dev/null"
close "K=4 weights == K=1 weights" "$T/k4.st" "$T/k1.st"
is "no temp file left" "$(ls "$T" | grep -c tmp)" 0
# heatmaps, va and labels travel with the batch; K=3 splits 8 as 2,3,3
FX=tests/fixtures/model_train.wes
ok "heatmaps K=1" wtrain -m "$T/h1.st" -n 3 --heatmaps $TINY $FX $FX
ok "heatmaps K=3" sh -c "$MPI 3 wtrain -m '$T/h3.st' -n 3 --heatmaps $TINY $FX $FX 2>/dev/null"
close "heatmaps K=3 == K=1" "$T/h3.st" "$T/h1.st"

# resume: 2 steps at K=2, then to 4 at K=2 (bit-exact) or at K=1 (close)
ok "K=2, 2 steps" sh -c "$MPI 2 wtrain -m '$T/r.st' -n 2 $TINY $S 2>/dev/null && cp '$T/r.st' '$T/r1.st'"
ok "resume K=2 -> 4 steps == K=2 straight (cmp)" sh -c "$MPI 2 wtrain -m '$T/r.st' -r -n 4 $TINY $S 2>/dev/null && cmp '$T/r.st' '$T/k2.st'"
ok "resume at K=1" wtrain -m "$T/r1.st" -r -n 4 $TINY $S
close "resumed at K=1 == K=1 straight" "$T/r1.st" "$T/k1.st"
fails 64 "aux losses need one process" $MPI 2 wtrain -m "$T/x.st" -n 1 --lambda-wav 1 $TINY $S

# the CUDA path under the emulator: host-staged all-reduce of the device grads
E=build/emu/bin/wtrain
if [ -x $E ] && ldd $E | grep -q libmpi; then
    ok "emu cuda K=1" $E -d cuda -m "$T/g1.st" -n 2 $TINY $S
    ok "emu cuda K=2" sh -c "$MPI 2 $E -d cuda -m '$T/g2.st' -n 2 $TINY $S 2>/dev/null"
    close "emu cuda K=2 == K=1" "$T/g2.st" "$T/g1.st"
else
    echo "skip emu: build/emu/bin/wtrain missing or without MPI"
fi
summary
