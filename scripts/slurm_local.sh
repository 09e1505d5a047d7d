#!/bin/sh
# scripts/slurm_local.sh - a throwaway single-node Slurm cluster on this
# machine, for tests and benchmarks of the Snakemake Slurm profile.
#
#   sh scripts/slurm_local.sh start DIR [CPUS]   munge + slurmctld + slurmd, config and
#                                                state under DIR; prints the lines to eval
#   sh scripts/slurm_local.sh stop DIR           stop them (by their pid files)
#
# Everything lives under DIR (an empty temporary folder): slurm.conf, a
# fresh munge key and socket, state and spool folders, logs, pid files, and
# free TCP ports picked here, so it neither needs nor touches /etc/slurm,
# /etc/munge or a system Slurm. Accounting without slurmdbd: job completion
# records in DIR/jobcomp.txt (JobCompType=jobcomp/filetxt), read by
# `sacct -c`. Runs as root (SlurmUser=root) or as the user who starts it.
#
# start prints `export SLURM_CONF=DIR/slurm.conf` on stdout; exits 0 when
# the node is idle and a test job ran, 77 with the reason on stderr when
# the daemons cannot run here (missing programs, no munge), 70 otherwise.
set -u
cmd=${1:-}; D=${2:-}
[ -n "$cmd" ] && [ -n "$D" ] || { echo "usage: slurm_local.sh start|stop DIR [CPUS]" >&2; exit 64; }
D=$(cd "$D" 2>/dev/null && pwd) || { echo "slurm_local: no folder $2" >&2; exit 66; }

stop() {
    for p in slurmd slurmctld munged; do
        [ -f "$D/$p.pid" ] || continue
        pid=$(cat "$D/$p.pid")
        kill "$pid" 2>/dev/null
        i=0; while kill -0 "$pid" 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
        kill -9 "$pid" 2>/dev/null
        rm -f "$D/$p.pid"
    done
    # job steps slurmd left behind (slurmstepd of a killed job)
    for f in "$D"/spool/*.pid; do [ -f "$f" ] && kill "$(cat "$f")" 2>/dev/null; done
    return 0
}
[ "$cmd" = stop ] && { stop; exit 0; }
[ "$cmd" = start ] || { echo "slurm_local: unknown command $cmd" >&2; exit 64; }

skip() { echo "slurm_local: $*" >&2; stop; exit 77; }
for p in munged mungekey slurmctld slurmd sbatch sinfo sacct; do
    command -v $p >/dev/null 2>&1 || [ -x /usr/sbin/$p ] || skip "$p not installed (sh scripts/setup.sh)"
done
PATH=$PATH:/usr/sbin
CPUS=${3:-$(nproc)}
USER_NAME=$(id -un)
HOST=$(hostname -s)
MEM=$(awk '/MemTotal/ { printf "%d", $2 / 1024 * 0.8 }' /proc/meminfo)

# two free ports (ss lists the ones in use; start from a pid-derived base)
used=$(ss -Htan 2>/dev/null | awk '{ n = split($4, a, ":"); print a[n] }')
free_port() {
    p=$1
    while echo "$used" | grep -qx "$p" || [ "$p" = "${2:-}" ]; do p=$((p + 1)); done
    echo $p
}
base=$((20000 + ($$ * 7) % 20000))
CPORT=$(free_port $base)
DPORT=$(free_port $((CPORT + 1)) "$CPORT")

mkdir -p "$D/state" "$D/spool" "$D/log" "$D/munge"
chmod 700 "$D/munge"
mungekey -c -k "$D/munge/munge.key" 2>"$D/log/mungekey.log" ||
    dd if=/dev/urandom of="$D/munge/munge.key" bs=1024 count=1 2>/dev/null
chmod 600 "$D/munge/munge.key"
munged --force -S "$D/munge/munge.sock" --key-file="$D/munge/munge.key" --pid-file="$D/munged.pid" \
    --log-file="$D/log/munged.log" --seed-file="$D/munge/munged.seed" 2>>"$D/log/munged.log" ||
    skip "munged does not start: $(tail -n 1 "$D/log/munged.log")"

cat > "$D/slurm.conf" <<CONF
# written by scripts/slurm_local.sh: a one-node cluster under $D
ClusterName=we$$
SlurmctldHost=$HOST(127.0.0.1)
SlurmctldPort=$CPORT
SlurmdPort=$DPORT
SlurmUser=$USER_NAME
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$D/munge/munge.sock
StateSaveLocation=$D/state
SlurmdSpoolDir=$D/spool
SlurmctldPidFile=$D/slurmctld.pid
SlurmdPidFile=$D/slurmd.pid
SlurmctldLogFile=$D/log/slurmctld.log
SlurmdLogFile=$D/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/filetxt
JobCompLoc=$D/jobcomp.txt
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU_Memory
MpiDefault=none
ReturnToService=2
SlurmctldTimeout=30
SlurmdTimeout=30
InactiveLimit=0
KillWait=5
MinJobAge=300
SchedulerParameters=sched_interval=1
DefMemPerCPU=500
NodeName=$HOST NodeAddr=127.0.0.1 CPUs=$CPUS RealMemory=$MEM State=UNKNOWN
PartitionName=debug Nodes=$HOST Default=YES MaxTime=INFINITE State=UP
CONF
export SLURM_CONF="$D/slurm.conf"
slurmctld -i -f "$D/slurm.conf" 2>>"$D/log/slurmctld.err" ||
    { echo "slurm_local: slurmctld does not start: $(tail -n 2 "$D/log/slurmctld.log" "$D/log/slurmctld.err" 2>/dev/null | tr '\n' ' ')" >&2; stop; exit 70; }
slurmd -f "$D/slurm.conf" 2>>"$D/log/slurmd.err" ||
    { echo "slurm_local: slurmd does not start: $(tail -n 2 "$D/log/slurmd.log" "$D/log/slurmd.err" 2>/dev/null | tr '\n' ' ')" >&2; stop; exit 70; }
# wait for the node to be idle (at most 30 s)
i=0
until sinfo -h -N -o '%T' 2>/dev/null | grep -q '^idle'; do
    i=$((i + 1))
    if [ $i -gt 60 ]; then
        echo "slurm_local: the node never became idle: $(sinfo -h -N -o '%T %E' 2>&1 | head -n 1); $(tail -n 3 "$D/log/slurmd.log" | tr '\n' ' ')" >&2
        stop; exit 70
    fi
    sleep 0.5
done
echo "export SLURM_CONF=$D/slurm.conf"
