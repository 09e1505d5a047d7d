#!/usr/bin/python3
"""Write N random `image` frames (f32 C x H x W in [-1,1], ids gen#i) to a
file, for bench/bench_dwt.sh (which cats the file repeatedly into the pipe,
so the generator is never the bottleneck).
Usage: bench_dwt_gen.py OUT N C H W"""
import sys

import numpy as np


def main():
    out, n, c, h, w = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
    rng = np.random.default_rng(1)
    with open(out, "wb") as f:
        for i in range(n):
            x = rng.uniform(-1, 1, size=(c, h, w)).astype("<f4")
            f.write(("WES1 image f32 %d %d %d\nid=gen#%d\n\n" % (c, h, w, i)).encode())
            f.write(x.tobytes())


if __name__ == "__main__":
    main()
