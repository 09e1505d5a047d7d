#!/usr/bin/python3
"""bench/bench_unet_torch.py - the PyTorch reference side of bench_unet.sh.

Loads the weights and inputs bench_unet (C) wrote to DIR, runs the same
network (tests/ref/model.py) with the same thread count: forward and
forward+backward at the same batch, one 40-step guided DDIM edit of one face
(same grid, same guidance), prints timings, then compares with the C
outputs (eps, loss, every gradient, the edit result).

    bench_unet_torch.py DIR THREADS [reps] [cpu|cuda]

With cuda the same network runs eagerly on the GPU (PyTorch's default
kernels, cuDNN convolutions); BENCH_TF32=1 allows TF32 in matmuls and
convolutions, otherwise both are strict FP32.
"""
import json
import math
import os
import statistics
import struct
import sys
import time

import numpy as np
import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "ref"))
import model as M  # noqa: E402


def read_st(path):
    with open(path, "rb") as f:
        buf = f.read()
    hl = struct.unpack("<Q", buf[:8])[0]
    hdr = json.loads(buf[8:8 + hl])
    meta = hdr.pop("__metadata__", {})
    base = 8 + hl
    dt = {"F32": np.float32, "I32": np.int32, "F64": np.float64}
    out = {}
    for k, v in hdr.items():
        b, e = v["data_offsets"]
        out[k] = np.frombuffer(buf[base + b:base + e], dtype=dt[v["dtype"]]).reshape(v["shape"])
    return out, meta


def main():
    d, threads = sys.argv[1], int(sys.argv[2])
    reps = int(sys.argv[3]) if len(sys.argv) > 3 else 3
    dev = sys.argv[4] if len(sys.argv) > 4 else "cpu"
    torch.set_num_threads(threads)
    if dev == "cuda":
        if not torch.cuda.is_available():
            print("torch: no CUDA device")
            sys.exit(69)
        tf32 = os.environ.get("BENCH_TF32", "0") not in ("", "0")
        torch.backends.cuda.matmul.allow_tf32 = tf32
        torch.backends.cudnn.allow_tf32 = tf32
        torch.backends.cudnn.benchmark = True

    def sync():
        if dev == "cuda":
            torch.cuda.synchronize()
    W, meta = read_st(os.path.join(d, "weights.safetensors"))
    O, _ = read_st(os.path.join(d, "ours.safetensors"))
    cfg = M.default_config(S=int(meta["S"]), C=int(meta["C"]), K=int(meta["K"]), nf=int(meta["nf"]),
                           mult=tuple(int(v) for v in meta["mult"].split(",")),
                           num_res=int(meta["num_res"]),
                           attn_levels=tuple(int(v) for v in meta["attn_levels"].split(",") if v),
                           T=int(meta["T"]), schedule=meta["schedule"])
    net = M.WaveUNet(cfg)
    net.load_state_dict({k: torch.from_numpy(v.copy()) for k, v in W.items()})
    net.to(dev)
    T_ = lambda a: torch.from_numpy(a).to(dev)
    x0 = T_(O["x0"].copy())
    noise = T_(O["noise"].copy())
    t = T_(O["t"].astype(np.int64))
    lab = T_(O["label"].astype(np.int64))
    va = T_(O["va"].copy())
    vn = T_(O["va_null"].astype(np.int64))
    acp = M.alphas_cumprod(cfg["T"], cfg["schedule"])

    # warm-up, untimed (allocator, thread pool), as the C side does
    with torch.no_grad():
        net(x0, t, lab, va, vn, None)
    net.zero_grad()
    lw, _, _ = M.ddpm_loss(net, x0, t, noise, lab, va, vn, None, "all", acp)
    lw.backward()
    sync()
    tf = []
    with torch.no_grad():
        for _ in range(reps):
            t0 = time.perf_counter()
            eps = net(x0, t, lab, va, vn, None)
            sync()
            tf.append(time.perf_counter() - t0)
    tb = []
    for _ in range(reps):
        net.zero_grad()
        t0 = time.perf_counter()
        loss, _, _ = M.ddpm_loss(net, x0, t, noise, lab, va, vn, None, "all", acp)
        loss.backward()
        sync()
        tb.append(time.perf_counter() - t0)
    mf, mb = statistics.median(tf), statistics.median(tb)

    # one guided 40-step DDIM edit, same grid and rules as lib/diffusion/we_sampler.c
    steps, t0e, C = 40, 500, cfg["C"]
    g = [-1] + [int(math.floor(k * t0e / steps + 0.5)) for k in range(1, steps + 1)]
    a = lambda tt: 1.0 if tt < 0 else float(acp[tt])

    def ddim(x, e, at, ap):
        c0 = math.sqrt(ap) / math.sqrt(at)
        ce = math.sqrt(1 - ap) - c0 * math.sqrt(1 - at)
        return (c0 * x.double() + ce * e.double()).float()

    one_t = lambda tt: torch.tensor([tt], device=dev)
    null_va = torch.ones(1, dtype=torch.int64, device=dev)
    va1 = torch.zeros(1, 2, device=dev)
    lab0, lab1 = torch.tensor([0], device=dev), torch.tensor([1], device=dev)
    labn = torch.tensor([M.NULL_LABEL], device=dev)
    x = x0[:1].clone()
    t0 = time.perf_counter()
    with torch.no_grad():
        for k in range(1, steps + 1):
            e = net(x, one_t(g[k]), lab0, va1, null_va, None)
            x = ddim(x, e, a(g[k - 1]), a(g[k]))
        for k in range(steps, 0, -1):
            en = net(x, one_t(g[k]), labn, va1, null_va, None)
            ec = net(x, one_t(g[k]), lab1, va1, null_va, None)
            s = torch.ones(1, 4 * C, 1, 1, device=dev)
            s[:, :C] = 1.0
            s[:, C:] = 3.0
            e = en + s * (ec - en)
            x = ddim(x, e, a(g[k]), a(g[k - 1]))
    sync()
    te = time.perf_counter() - t0
    print("torch device=%s forward_s=%.4f fwd_bwd_s=%.4f edit40_s=%.4f threads=%d version=%s loss=%.7f"
          % (dev, mf, mb, te, threads, torch.__version__, loss.item()))
    if dev == "cuda":
        print("torch gpu=%s" % torch.cuda.get_device_name(0).replace(" ", "_"))
    eps, x = eps.cpu(), x.cpu()

    # numerical agreement
    ce = O["eps"]
    de = np.abs(eps.numpy() - ce).max()
    print("agree eps max_abs=%.3g rel=%.3g" % (de, de / np.abs(eps.numpy()).max()))
    print("agree loss ours=%.7f torch=%.7f rel=%.3g" % (O["loss"][0], loss.item(),
                                                        abs(O["loss"][0] - loss.item()) / abs(loss.item())))
    worst, wname = 0.0, ""
    for name, p in net.named_parameters():
        gr = p.grad.cpu().numpy()
        gc = O["grad." + name]
        r = np.abs(gr - gc).max() / max(np.abs(gr).max(), 1e-12)
        if r > worst:
            worst, wname = r, name
    print("agree grads tensors=%d worst_rel=%.3g (%s)" % (len(list(net.parameters())), worst, wname))
    dx = np.abs(x.numpy() - O["edit"]).max()
    print("agree edit max_abs=%.3g (edit output range %.3g)" % (dx, np.abs(x.numpy()).max()))


if __name__ == "__main__":
    main()
