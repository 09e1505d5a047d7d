#!/usr/bin/python3
"""PyWavelets baseline for bench/bench_dwt.sh: dwt2 + idwt2 (mode
periodization, over all channels of each item, axes=(-2,-1)) on the
`image` frames of a WES1 file, cycling through them for N items.
Usage: bench_dwt_pywt.py FILE WAVELET N
Prints: "<items/s> <wall seconds per item> <CPU seconds per item>"."""
import sys
import time

import numpy as np
import pywt


def read_frames(path):
    out = []
    with open(path, "rb") as f:
        data = f.read()
    pos = 0
    while pos < len(data):
        end = data.index(b"\n\n", pos)
        head = data[pos:end].decode().split("\n")
        dims = [int(d) for d in head[0].split()[3:]]
        n = int(np.prod(dims)) * 4
        out.append(np.frombuffer(data, "<f4", n // 4, end + 2).reshape(dims))
        pos = end + 2 + n
    return out


def main():
    path, wname, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
    frames = read_frames(path)
    w = pywt.Wavelet(wname)
    for x in frames[:5]:  # warm-up
        pywt.idwt2(pywt.dwt2(x, w, mode="periodization"), w, mode="periodization")
    t0 = time.perf_counter()
    c0 = time.process_time()
    for i in range(n):
        x = frames[i % len(frames)]
        c = pywt.dwt2(x, w, mode="periodization", axes=(-2, -1))
        y = pywt.idwt2(c, w, mode="periodization", axes=(-2, -1))
    dt = time.perf_counter() - t0
    cpu = time.process_time() - c0
    assert y.shape == x.shape
    print("%.1f %.9f %.9f" % (n / dt, dt / n, cpu / n))


if __name__ == "__main__":
    main()
