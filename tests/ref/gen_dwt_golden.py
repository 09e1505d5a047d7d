#!/usr/bin/python3
"""Golden streams for the DWT: tests/golden/dwt/<wavelet>_J<levels>.wes.

Run once with Debian's python3 (pywt 1.1.1, numpy) from the repo root:
    /usr/bin/python3 tests/ref/gen_dwt_golden.py
Output is deterministic (fixed seed) and committed.

Each file is a WES1 stream of items (frames sharing `id`):
  id=fwd_CxHxW : `image` f32 C x H x W in [-1,1], then `wavelet` f32, the
                 expected forward transform (pywt in float64 of the f32
                 input, rounded to f32).
  id=inv_CxHxW : `wavelet` f32 random coefficients, then `image` f32, the
                 expected inverse (pywt.idwt2 / WaveletPacket2D.reconstruct).
Channel order of `wavelet` (see man/man1/dwt.1): J = 1 is [cA x C, cH x C,
cV x C, cD x C]; for J levels the packet node with path p_1..p_J (p_1 the
first level, letters a h v d = 0 1 2 3) of input channel c is channel
(sum_l b(p_l) * 4^(l-1)) * C + c.
"""
import os
import struct

import numpy as np
import pywt

WAVELETS = ["haar", "db2", "db3", "db4", "bior1.5", "bior2.2", "bior4.4", "sym4", "coif1", "bior3.9"]
SIZES = [(3, 16, 24), (1, 32, 32)]
BAND = {"a": 0, "h": 1, "v": 2, "d": 3}


def frame(name, arr, keys):
    arr = np.ascontiguousarray(arr, dtype="<f4")
    head = "WES1 %s f32 %s\n" % (name, " ".join(str(d) for d in arr.shape))
    for k, v in keys:
        head += "%s=%s\n" % (k, v)
    return head.encode() + b"\n" + arr.tobytes()


def paths(J):
    """Node paths at level J in channel-group order (group g = sum b_l 4^(l-1))."""
    out = []
    for g in range(4 ** J):
        p = ""
        for l in range(J):
            p += "ahvd"[(g >> (2 * l)) & 3]
        out.append(p)
    return out


def forward(x, w, J):
    C, H, W = x.shape
    if J == 1:
        cA, (cH, cV, cD) = pywt.dwt2(x, w, mode="periodization", axes=(-2, -1))
        return np.concatenate([cA, cH, cV, cD], axis=0)
    groups = []
    per_c = [pywt.WaveletPacket2D(x[c], w, mode="periodization", maxlevel=J) for c in range(C)]
    for p in paths(J):
        for c in range(C):
            groups.append(per_c[c][p].data)
    return np.stack(groups, axis=0)


def inverse(coef, w, J, C):
    if J == 1:
        cA, cH, cV, cD = np.split(coef, 4, axis=0)
        return pywt.idwt2((cA, (cH, cV, cD)), w, mode="periodization", axes=(-2, -1))
    h, wd = coef.shape[1:]
    H, W = h << J, wd << J
    out = []
    for c in range(C):
        wp = pywt.WaveletPacket2D(np.zeros((H, W)), w, mode="periodization", maxlevel=J)
        for g, p in enumerate(paths(J)):
            wp[p] = coef[g * C + c]
        out.append(wp.reconstruct(update=False))
    return np.stack(out, axis=0)


def main():
    root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
    outdir = os.path.join(root, "tests", "golden", "dwt")
    os.makedirs(outdir, exist_ok=True)
    rng = np.random.default_rng(20261122)
    total = 0
    for name in WAVELETS:
        for J in ([1, 2, 3] if name == "haar" else [1, 2]):
            wkeys = [("wavelet", name), ("levels", J), ("mode", "periodization")]
            data = b""
            for (C, H, W) in SIZES:
                sid = "%dx%dx%d" % (C, H, W)
                x = rng.uniform(-1, 1, size=(C, H, W)).astype(np.float32)
                y = forward(x.astype(np.float64), name, J)
                assert y.shape == (C << (2 * J), H >> J, W >> J), y.shape
                # sanity: the packet reconstructs the input
                assert np.abs(inverse(y, name, J, C) - x).max() < 1e-9
                data += frame("image", x, [("id", "fwd_" + sid)])
                data += frame("wavelet", y, [("id", "fwd_" + sid)] + wkeys)
            C, H, W = SIZES[0]
            sid = "%dx%dx%d" % (C, H, W)
            coef = rng.uniform(-2, 2, size=(C << (2 * J), H >> J, W >> J)).astype(np.float32)
            img = inverse(coef.astype(np.float64), name, J, C)
            data += frame("wavelet", coef, [("id", "inv_" + sid)] + wkeys)
            data += frame("image", img, [("id", "inv_" + sid)])
            path = os.path.join(outdir, "%s_J%d.wes" % (name, J))
            with open(path, "wb") as f:
                f.write(data)
            total += len(data)
    print("wrote %s (%d bytes in all)" % (outdir, total))


if __name__ == "__main__":
    main()
