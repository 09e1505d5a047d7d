#!/usr/bin/env python3
"""profiles/slurm/status.py JOBID - a Slurm job's state for Snakemake:
prints running, success or failed. Asks scontrol (the controller keeps
finished jobs for MinJobAge seconds), then sacct (accounting), then
sacct -c (job completion records, clusters without slurmdbd)."""
import subprocess
import sys

jobid = sys.argv[1]
RUNNING = {"PENDING", "CONFIGURING", "RUNNING", "COMPLETING", "SUSPENDED", "REQUEUED", "RESIZING", "STAGE_OUT"}


def run(args):
    r = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    return r.stdout if r.returncode == 0 else ""


state = ""
for word in run(["scontrol", "show", "job", "-o", jobid]).split():
    if word.startswith("JobState="):
        state = word.split("=", 1)[1]
if not state:
    for args in (["sacct", "-X", "-n", "-P", "-o", "State", "-j", jobid],
                 ["sacct", "-c", "-n", "-P", "-o", "State", "-j", jobid]):
        out = run(args).split()
        if out:
            state = out[0]
            break
state = state.split()[0] if state else ""
if not state or state in RUNNING:
    print("running")  # unknown yet (just submitted): ask again later
elif state == "COMPLETED":
    print("success")
else:
    print("failed")
