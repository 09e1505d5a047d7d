#!/usr/bin/python3
"""gen_fexpr_golden.py - PyTorch golden for the expression classifier
(lib/face/we_fexpr.h): forward logits, the input gradient and the parameter
gradients for a random upstream gradient, computed by autograd in float64.

Run once with Debian's python3 (torch 1.13, CPU) from the repo root:
    /usr/bin/python3 tests/ref/gen_fexpr_golden.py
It writes tests/golden/fexpr/fexpr.wes (read by tests/unit/test_fexpr.c).
The weights are not stored: both sides make them from the hash below
(tensor t, element i -> u in [0,1)), so the file stays small. Frames: x
[2,1,64,64], logits [2,8], dlogits [2,8], dx, then d<name> for every
tensor: the whole gradient when it has at most 20000 elements, else its
elements 0, 37, 74, ... (stride 37); frame names have _ for the dot.
"""
import os

import numpy as np
import torch
import torch.nn.functional as F

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "golden", "fexpr", "fexpr.wes")
CH = [1, 16, 32, 48, 48, 96, 96, 128]
ST = [2, 1, 2, 1, 2, 1, 2]
NCLASS, GROUPS, STRIDE, FULL = 8, 8, 37, 20000


def hash_u(t, n):
    """u[i] = ((i * 2654435761 + (t + 1) * 40503) mod 2^32) / 2^32, then
    one xorshift32 round, as in test_fexpr.c."""
    i = np.arange(n, dtype=np.uint64)
    h = (i * np.uint64(2654435761) + np.uint64((t + 1) * 40503)) & np.uint64(0xFFFFFFFF)
    h ^= (h << np.uint64(13)) & np.uint64(0xFFFFFFFF)
    h ^= h >> np.uint64(17)
    h ^= (h << np.uint64(5)) & np.uint64(0xFFFFFFFF)
    return (h.astype(np.float64) / 4294967296.0)


def tensors():
    """(name, shape, kind) in file order; kind: w (fan-in bound), g (1 +- 0.1), b (+- 0.1)."""
    out = []
    for l in range(len(ST)):
        ci, co = CH[l], CH[l + 1]
        out += [("conv%d.weight" % l, (co, ci, 3, 3), ci * 9), ("conv%d.bias" % l, (co,), ci * 9),
                ("norm%d.weight" % l, (co,), "g"), ("norm%d.bias" % l, (co,), "b")]
    out += [("fc.weight", (NCLASS, 2048), 2048), ("fc.bias", (NCLASS,), 2048)]
    return out


def make_params():
    p = {}
    for t, (name, shape, kind) in enumerate(tensors()):
        u = hash_u(t, int(np.prod(shape))) * 2 - 1
        if kind == "g":
            v = 1 + 0.1 * u
        elif kind == "b":
            v = 0.1 * u
        else:
            v = u / np.sqrt(kind)
        p[name] = torch.tensor(v.astype(np.float32).astype(np.float64).reshape(shape), requires_grad=True)
    return p


def forward(p, x):
    h = x
    for l in range(len(ST)):
        h = F.conv2d(h, p["conv%d.weight" % l], p["conv%d.bias" % l], stride=ST[l], padding=1)
        h = F.group_norm(h, GROUPS, p["norm%d.weight" % l], p["norm%d.bias" % l], eps=1e-5)
        h = F.silu(h)
    return F.linear(h.reshape(h.shape[0], -1), p["fc.weight"], p["fc.bias"])


def write_stream(path, frames):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path + ".tmp", "wb") as f:
        for name, arr in frames:
            a = np.ascontiguousarray(arr, dtype="<f4")
            head = "WES1 %s f32 %s\n\n" % (name, " ".join(str(d) for d in a.shape))
            f.write(head.encode("ascii"))
            f.write(a.tobytes())
    os.replace(path + ".tmp", path)


def main():
    torch.manual_seed(1234)
    p = make_params()
    x = (torch.rand(2, 1, 64, 64) * 2 - 1).double().requires_grad_(True)
    logits = forward(p, x)
    dlogits = torch.randn(2, NCLASS).float().double()
    (logits * dlogits).sum().backward()
    frames = [("x", x.detach().numpy()), ("logits", logits.detach().numpy()), ("dlogits", dlogits.numpy()),
              ("dx", x.grad.numpy())]
    for name, shape, _ in tensors():
        g = p[name].grad.numpy().reshape(-1)
        frames.append(("d" + name.replace(".", "_"), g if g.size <= FULL else g[::STRIDE]))
    write_stream(OUT, frames)
    print("wrote", OUT)


if __name__ == "__main__":
    main()
