#!/usr/bin/python3
"""layers_golden.py - PyTorch goldens for the nn layers (lib/nn/we_nn.h) and
AdamW (lib/nn/we_optim.h).

Run once with Debian's python3 (torch 1.13, CPU) from the repo root:
    /usr/bin/python3 tests/ref/layers_golden.py
It writes tests/golden/nn/<case>.wes, one WES1 stream per case. Each stream
holds the inputs and weights (f32, drawn with a fixed seed), the forward
output and every gradient for a random upstream gradient `dout`, computed
by autograd in float64 from the stored float32 inputs and stored as f32.
The first frame carries the case's sizes as keys. tests/unit/test_nn.c reads
them. Names: inp, weight, bias, ..., out, dout, d<tensor> for each gradient.
"""
import math
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F

OUT_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "golden", "nn")
torch.manual_seed(1234)
np.random.seed(1234)


def write_stream(path, frames, keys):
    """frames: list of (name, np.ndarray); keys go on the first frame."""
    with open(path + ".tmp", "wb") as f:
        for i, (name, arr) in enumerate(frames):
            if arr.dtype == np.int32 or arr.dtype == np.int64:
                a, dt = np.ascontiguousarray(arr, dtype="<i4"), "i32"
            else:
                a, dt = np.ascontiguousarray(arr, dtype="<f4"), "f32"
            shape = a.shape if a.ndim > 0 else (1,)
            head = "WES1 %s %s %s\n" % (name, dt, " ".join(str(d) for d in shape))
            if i == 0:
                for k, v in keys.items():
                    head += "%s=%s\n" % (k, v)
            head += "\n"
            f.write(head.encode("ascii"))
            f.write(a.tobytes())
    os.replace(path + ".tmp", path)


def rnd(*shape, scale=1.0):
    """float32 random values, returned as a float64 leaf tensor with grad."""
    x = (torch.randn(*shape) * scale).float()
    return x.double().requires_grad_(True)


def case(name, keys, inputs, fn, nondiff=None):
    """inputs: ordered dict name -> float64 leaf tensors (stored and
    differentiated); nondiff: extra stored tensors (ids...)."""
    out = fn(**inputs, **(nondiff or {}))
    dout = torch.randn(out.shape).float().double()
    (out * dout).sum().backward()
    frames = []
    for k, v in (nondiff or {}).items():
        frames.append((k, v.numpy()))
    for k, v in inputs.items():
        frames.append((k, v.detach().numpy()))
    frames.append(("out", out.detach().numpy()))
    frames.append(("dout", dout.numpy()))
    for k, v in inputs.items():
        if v.grad is not None:
            frames.append(("d" + k, v.grad.numpy()))
    write_stream(os.path.join(OUT_DIR, name + ".wes"), frames, keys)


def conv_case(name, N, Cin, H, W, Cout, k, stride, pad, groups, bias=True):
    inputs = {"inp": rnd(N, Cin, H, W), "weight": rnd(Cout, Cin // groups, k, k, scale=0.3)}
    if bias:
        inputs["bias"] = rnd(Cout, scale=0.5)
    keys = dict(n=N, cin=Cin, h=H, w=W, cout=Cout, k=k, stride=stride, pad=pad, groups=groups,
                bias=int(bias))

    def fn(inp, weight, bias=None):
        return F.conv2d(inp, weight, bias, stride=stride, padding=pad, groups=groups)
    case(name, keys, inputs, fn)


def haar_dwt(x):
    a, b = x[:, :, 0::2, 0::2], x[:, :, 0::2, 1::2]
    c, e = x[:, :, 1::2, 0::2], x[:, :, 1::2, 1::2]
    return torch.cat([(a + b + c + e) / 2, (a + b - c - e) / 2,
                      (a - b + c - e) / 2, (a - b - c + e) / 2], dim=1)


def haar_iwt(y, C):
    A, B, Cv, D = y[:, :C], y[:, C:2 * C], y[:, 2 * C:3 * C], y[:, 3 * C:]
    N, _, h, w = A.shape
    x = torch.zeros(N, C, 2 * h, 2 * w, dtype=y.dtype)
    x = x.clone()
    x[:, :, 0::2, 0::2] = (A + B + Cv + D) / 2
    x[:, :, 0::2, 1::2] = (A + B - Cv - D) / 2
    x[:, :, 1::2, 0::2] = (A - B + Cv - D) / 2
    x[:, :, 1::2, 1::2] = (A - B - Cv + D) / 2
    return x


def check_haar_against_pywt():
    import pywt
    x = np.random.randn(2, 3, 6, 8)
    y = haar_dwt(torch.from_numpy(x)).numpy()
    for n in range(2):
        for c in range(3):
            cA, (cH, cV, cD) = pywt.dwt2(x[n, c], "haar", mode="periodization")
            for i, band in enumerate((cA, cH, cV, cD)):
                assert np.allclose(y[n, i * 3 + c], band, atol=1e-12), "dwt != pywt"
    z = haar_iwt(torch.from_numpy(y), 3).numpy()
    assert np.allclose(z, x, atol=1e-12), "iwt(dwt(x)) != x"


def attention(inp, wqkv, bqkv, wproj, bproj, heads):
    N, C, T = inp.shape
    d = C // heads
    qkv = torch.einsum("oc,nct->not", wqkv, inp) + bqkv[None, :, None]
    q, k, v = qkv.chunk(3, dim=1)
    q = q.reshape(N * heads, d, T)
    k = k.reshape(N * heads, d, T)
    v = v.reshape(N * heads, d, T)
    att = torch.softmax(torch.einsum("bct,bcs->bts", q, k) / math.sqrt(d), dim=-1)
    a = torch.einsum("bts,bcs->bct", att, v).reshape(N, C, T)
    return torch.einsum("oc,nct->not", wproj, a) + bproj[None, :, None]


def temb(t, D, max_period, kind):
    half = D // 2
    if kind == "wavediff":
        f = torch.exp(-math.log(max_period) * torch.arange(half, dtype=torch.float64) / (half - 1))
        a = t[:, None] * f[None]
        e = torch.cat([torch.sin(a), torch.cos(a)], dim=1)
    else:
        f = torch.exp(-math.log(max_period) * torch.arange(half, dtype=torch.float64) / half)
        a = t[:, None] * f[None]
        e = torch.cat([torch.cos(a), torch.sin(a)], dim=1)
    if D % 2:
        e = torch.cat([e, torch.zeros(len(t), 1, dtype=torch.float64)], dim=1)
    return e


def main():
    os.makedirs(OUT_DIR, exist_ok=True)
    torch.set_default_dtype(torch.float64)
    check_haar_against_pywt()

    conv_case("conv3x3", 2, 6, 5, 7, 4, 3, 1, 1, 1)
    conv_case("conv3x3_s2", 2, 6, 5, 7, 4, 3, 2, 1, 1)
    conv_case("conv3x3_g3", 2, 6, 5, 7, 9, 3, 1, 1, 3)
    conv_case("conv1x1", 2, 6, 5, 7, 5, 1, 1, 0, 1)
    conv_case("conv5x5_s2_nobias", 2, 4, 7, 6, 3, 5, 2, 2, 1, bias=False)
    conv_case("conv5x5_same_g2", 2, 4, 6, 7, 6, 5, 1, 2, 2)

    N, C, H, W, G, eps = 2, 6, 5, 7, 3, 1e-5
    case("groupnorm", dict(n=N, c=C, hw=H * W, g=G, eps=eps),
         {"inp": rnd(N, C, H, W, scale=2.0), "weight": rnd(C), "bias": rnd(C)},
         lambda inp, weight, bias: F.group_norm(inp, G, weight, bias, eps))

    def adagn(inp, weight, bias, ss):
        h = F.group_norm(inp, G, weight, bias, eps)
        return h * (1 + ss[:, :C, None, None]) + ss[:, C:, None, None]
    case("adagn", dict(n=N, c=C, hw=H * W, g=G, eps=eps),
         {"inp": rnd(N, C, H, W, scale=2.0), "weight": rnd(C), "bias": rnd(C),
          "ss": rnd(N, 2 * C, scale=0.5)}, adagn)

    case("silu", dict(n=2 * 6 * 35), {"inp": rnd(2, 6, 5, 7, scale=3.0)},
         lambda inp: F.silu(inp))
    case("linear", dict(b=3, in_=7, out=5),
         {"inp": rnd(3, 7), "weight": rnd(5, 7, scale=0.4), "bias": rnd(5)},
         lambda inp, weight, bias: F.linear(inp, weight, bias))
    ids = torch.tensor([3, 0, 8, 3, 5], dtype=torch.int32)
    case("embedding", dict(b=5, v=9, d=6), {"table": rnd(9, 6)},
         lambda table, ids: table[ids.long()], nondiff={"ids": ids})

    for heads in (1, 2):
        Na, Ca, Ha, Wa = 2, 6, 3, 5
        case("attention_h%d" % heads, dict(n=Na, c=Ca, t=Ha * Wa, heads=heads),
             {"inp": rnd(Na, Ca, Ha * Wa), "wqkv": rnd(3 * Ca, Ca, scale=0.5),
              "bqkv": rnd(3 * Ca, scale=0.3), "wproj": rnd(Ca, Ca, scale=0.4),
              "bproj": rnd(Ca, scale=0.3)},
             lambda inp, wqkv, bqkv, wproj, bproj: attention(inp, wqkv, bqkv, wproj, bproj, heads))

    case("dwt", dict(n=2, c=3, h=6, w=8), {"inp": rnd(2, 3, 6, 8)}, lambda inp: haar_dwt(inp))
    case("iwt", dict(n=2, c=3, h=3, w=4), {"inp": rnd(2, 12, 3, 4)}, lambda inp: haar_iwt(inp, 3))
    case("concat", dict(n=2, ca=2, cb=3, hw=35), {"a": rnd(2, 2, 5, 7), "b": rnd(2, 3, 5, 7)},
         lambda a, b: torch.cat([a, b], dim=1))
    s = 1 / math.sqrt(2)
    case("add", dict(n=70, s="%.9g" % s), {"a": rnd(2, 35), "b": rnd(2, 35)},
         lambda a, b: (a + b) * float(np.float32(s)))
    case("mse", dict(n=2 * 12 * 15), {"pred": rnd(2, 12, 3, 5), "target": rnd(2, 12, 3, 5)},
         lambda pred, target: F.mse_loss(pred, target).reshape(1))

    t = torch.tensor([0.0, 1.0, 17.0, 250.0, 999.0])
    frames = [("t", t.numpy())]
    for D in (16, 11):
        for kind in ("wavediff", "adm"):
            frames.append(("%s_d%d" % (kind, D), temb(t, D, 10000.0, kind).numpy()))
    write_stream(os.path.join(OUT_DIR, "temb.wes"), frames, dict(b=5, max_period=10000))

    # AdamW: torch.optim.AdamW in float32, 3 steps with fresh gradients.
    torch.set_default_dtype(torch.float32)
    p = torch.randn(40).float().requires_grad_(True)
    frames = [("param0", p.detach().numpy().copy())]
    opt = torch.optim.AdamW([p], lr=1e-2, betas=(0.9, 0.99), eps=1e-8, weight_decay=0.1)
    for step in range(1, 4):
        g = torch.randn(40).float() * (0.1 * step)
        p.grad = g.clone()
        opt.step()
        frames.append(("grad%d" % step, g.numpy()))
        frames.append(("param%d" % step, p.detach().numpy().copy()))
    st = opt.state[p]
    frames.append(("exp_avg", st["exp_avg"].numpy()))
    frames.append(("exp_avg_sq", st["exp_avg_sq"].numpy()))
    write_stream(os.path.join(OUT_DIR, "adamw.wes"), frames,
                 dict(n=40, lr=1e-2, beta1=0.9, beta2=0.99, eps=1e-8, weight_decay=0.1, steps=3))

    # Gradient clipping (torch.nn.utils.clip_grad_norm_, two tensors as one buffer).
    a = torch.zeros(30, requires_grad=True)
    b = torch.zeros(20, requires_grad=True)
    a.grad = torch.randn(30)
    b.grad = torch.randn(20)
    before = torch.cat([a.grad, b.grad]).numpy().copy()
    total = torch.nn.utils.clip_grad_norm_([a, b], max_norm=0.5)
    after = torch.cat([a.grad, b.grad]).numpy()
    write_stream(os.path.join(OUT_DIR, "clip.wes"),
                 [("grad", before), ("clipped", after), ("total", np.array([float(total)]))],
                 dict(n=50, max_norm=0.5))
    total_kb = sum(os.path.getsize(os.path.join(OUT_DIR, f)) for f in os.listdir(OUT_DIR)) / 1024
    print("wrote %s (%.1f KiB)" % (OUT_DIR, total_kb), file=sys.stderr)


if __name__ == "__main__":
    main()
