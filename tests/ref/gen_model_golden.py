#!/usr/bin/python3
"""tests/ref/gen_model_golden.py - golden files for tests/unit/test_unet.c.

Run once with Debian's /usr/bin/python3 (torch 1.13 CPU); the outputs are
committed in tests/golden/model/:
  weights.safetensors  every parameter of a TINY WaveUNet (names = state_dict
                       keys), config in __metadata__ (as lib/diffusion/we_unet.c reads it)
  batch.safetensors    x0, t, noise, label, va, va_null, heat (after condition
                       dropout: the drop masks are applied and also stored)
  out.safetensors      eps (network output), xt, loss (1), grad.<name> for
                       every parameter, acp_linear/acp_cosine (f64, T=1000)
The network is computed in float64 and stored as float32, so the files hold
the exact answer to float32 rounding. Every parameter (including the ones
doc/design/model.md zero-initialises) is re-drawn at random so that no gradient is
trivially zero.
"""
import json
import os
import struct
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import model as M  # noqa: E402

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "golden", "model")

CFG = M.default_config(S=16, C=1, K=2, nf=8, mult=(1, 2), num_res=1, attn_levels=(1,),
                       T=1000, schedule="linear", noise_region="all", wavelet="haar")


def cfg_metadata(cfg):
    """The __metadata__ strings lib/diffusion/we_unet.c parses (we_unet_config_from_meta)."""
    return {
        "format": "waveemotion-unet",
        "S": str(cfg["S"]), "C": str(cfg["C"]), "K": str(cfg["K"]), "nf": str(cfg["nf"]),
        "mult": ",".join(str(m) for m in cfg["mult"]), "num_res": str(cfg["num_res"]),
        "attn_levels": ",".join(str(a) for a in cfg["attn_levels"]),
        "T": str(cfg["T"]), "schedule": cfg["schedule"], "noise_region": cfg["noise_region"],
        "wavelet": cfg["wavelet"], "data_scale": repr(cfg["data_scale"]),
    }


def save_safetensors(path, tensors, metadata=None):
    """Minimal safetensors writer (the package is not installed here)."""
    dt = {np.float32: "F32", np.float64: "F64", np.int32: "I32"}
    header = {}
    blobs = []
    off = 0
    for name, a in tensors.items():
        a = np.ascontiguousarray(a)
        code = dt[a.dtype.type]
        b = a.astype(a.dtype.newbyteorder("<")).tobytes()
        header[name] = {"dtype": code, "shape": list(a.shape), "data_offsets": [off, off + len(b)]}
        blobs.append(b)
        off += len(b)
    if metadata:
        header["__metadata__"] = metadata
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path + ".tmp", "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)
    os.replace(path + ".tmp", path)


def main():
    torch.manual_seed(1234)
    net = M.WaveUNet(CFG).double()
    g = torch.Generator().manual_seed(99)
    with torch.no_grad():
        for name, p in net.named_parameters():
            fan_in = p[0].numel() if p.dim() >= 2 else 10
            p.copy_(torch.randn(p.shape, generator=g, dtype=torch.float64) / np.sqrt(fan_in))
    # round the weights to float32 so C (float32) and the reference start equal
    with torch.no_grad():
        for p in net.parameters():
            p.copy_(p.float().double())

    N, C, K, S = 2, CFG["C"], CFG["K"], CFG["S"]
    h = S // 2
    x0 = torch.randn(N, 4 * C, h, h, generator=g).double().float().double()
    noise = torch.randn(N, 4 * C, h, h, generator=g).float().double()
    t = torch.tensor([37, 811])
    label = torch.tensor([1, 6])
    va = torch.tensor([[0.5, -0.25], [-0.7, 0.9]], dtype=torch.float64).float().double()
    heat = torch.rand(N, K, h, h, generator=g).float().double()
    drop_label = torch.tensor([0, 1])
    drop_va = torch.tensor([1, 0])
    drop_heat = torch.tensor([0, 1])
    label_in = torch.where(drop_label.bool(), torch.full_like(label, M.NULL_LABEL), label)
    va_null = drop_va.clone()
    heat_in = heat * (1 - drop_heat.double())[:, None, None, None]

    acp = M.alphas_cumprod(CFG["T"], CFG["schedule"])
    loss, eps, xt = M.ddpm_loss(net, x0, t, noise, label_in, va, va_null, heat_in,
                                CFG["noise_region"], acp)
    net.zero_grad()
    loss.backward()

    os.makedirs(OUT, exist_ok=True)
    f32 = lambda x: x.detach().float().numpy()
    sd = net.state_dict()
    save_safetensors(os.path.join(OUT, "weights.safetensors"),
                     {k: f32(v) for k, v in sd.items()}, cfg_metadata(CFG))
    save_safetensors(os.path.join(OUT, "batch.safetensors"), {
        "x0": f32(x0), "noise": f32(noise), "t": t.numpy().astype(np.int32),
        "label": label_in.numpy().astype(np.int32), "label_raw": label.numpy().astype(np.int32),
        "va": f32(va), "va_null": va_null.numpy().astype(np.int32), "heat": f32(heat_in),
        "heat_raw": f32(heat), "drop_label": drop_label.numpy().astype(np.int32),
        "drop_va": drop_va.numpy().astype(np.int32), "drop_heat": drop_heat.numpy().astype(np.int32),
    })
    outs = {"eps": f32(eps), "xt": f32(xt), "loss": np.array([loss.item()], dtype=np.float32),
            "acp_linear": M.alphas_cumprod(1000, "linear").numpy(),
            "acp_cosine": M.alphas_cumprod(1000, "cosine").numpy()}
    for name, p in net.named_parameters():
        outs["grad." + name] = f32(p.grad)
    with torch.no_grad():
        for region in ("high", "low"):
            lr, _, _ = M.ddpm_loss(net, x0, t, noise, label_in, va, va_null, heat_in, region, acp)
            outs["loss_" + region] = np.array([lr.item()], dtype=np.float32)
    save_safetensors(os.path.join(OUT, "out.safetensors"), outs)
    npar = sum(p.numel() for p in net.parameters())
    print("params %d, loss %.9g, tensors %d" % (npar, loss.item(), len(sd)))


def write_fixture():
    """tests/fixtures/model_train.wes: 8 tiny items (1x16x16 f32 image in
    [-1,1], 2x8x8 heatmap frame) with emotion keys, two with valence/arousal,
    for the wtrain / wsample shell tests."""
    rng = np.random.RandomState(5)
    emos = ["happy", "sad", "anger", "neutral", "surprise", "fear", "disgust", "happy"]
    out = bytearray()
    yy, xx = np.mgrid[0:16, 0:16]
    for i in range(8):
        face = np.exp(-((yy - 8) ** 2 + (xx - 8) ** 2) / (20.0 + 3 * i)) * 1.6 - 0.8
        img = np.clip(face + 0.1 * rng.randn(16, 16), -1, 1).astype("<f4")[None]
        keys = ["id=item%d" % i, "emotion=%s" % emos[i]]
        if i < 2:
            keys += ["valence=%.2f" % (0.5 - i), "arousal=%.2f" % (0.25 * i)]
        hdr = "WES1 image f32 1 16 16\n" + "".join(k + "\n" for k in keys) + "\n"
        out += hdr.encode() + img.tobytes()
        heat = rng.rand(2, 8, 8).astype("<f4")
        hdr = "WES1 heatmap f32 2 8 8\nid=item%d\nregions=eyes,mouth\n\n" % i
        out += hdr.encode() + heat.tobytes()
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures", "model_train.wes")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(out)


if __name__ == "__main__":
    main()
    write_fixture()
