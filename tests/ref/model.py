"""tests/ref/model.py - PyTorch reference of the WaveEmotion UNet (doc/design/model.md).

This file is the oracle for lib/diffusion/we_unet.c: the same network, the same
parameter names (the state_dict keys are the safetensors tensor names used
everywhere), the same loss. Debian /usr/bin/python3 with torch 1.13 (CPU);
never a runtime dependency.

Architecture (WaveDiff's WaveletNCSNpp where doc/design/model.md is silent):
  data        x: (N, 4C, S/2, S/2) wavelet coefficients already scaled by
              data_scale (1/2) -- the scale is applied outside the network.
  input       conv_in: 3x3, (4C + K) -> ch[0]; heatmaps (K channels at S/2)
              concatenated to x, NULL heatmap = zeros.
  encoder     per level l (resolution S/2 / 2^l, ch[l] = nf*mult[l]):
              num_res ResBlocks (attention after each at attention levels);
              then, except at the last level, a down ResBlock:
                a = silu(adagn0(h)); u = conv0(a) at full resolution;
                (uLL, uH) = haar_dwt(u); main = uLL/2, the three high bands
                uH are stored for the decoder; main = conv1(silu(adagn1(main)));
                shortcut = LL(haar_dwt(skip1x1(h)))/2; out = (shortcut+main)/sqrt2
              frequency residual: pyr_{l+1} = pyr_conv(cat(dwt(pyr_l))/2)
              (3x3 conv, running pyramid, pyr_0 = x without heatmaps);
              h = (h + pyr_{l+1})/sqrt2.
  bottleneck  (LL, H) = haar_dwt(h); m = LL/2; m = res0(m); m = attn(m);
              m = res1(m); h = haar_iwt(2m, H)   (highs pass untouched)
  decoder     per level l (reversed): num_res+1 ResBlocks on cat(h, skip);
              attention once at attention levels; for l > 0 an up ResBlock:
                a = silu(adagn0(h)); Hp = convH(cat(highs)/2)*2 (grouped 3x3,
                3 groups, one per band); a = haar_iwt(2a, Hp);
                s = haar_iwt(2h, Hp); main = conv1(silu(adagn1(conv0(a))));
                out = (s + main)/sqrt2
  output      conv_out(silu(group_norm(h))) -> 4C channels, no tanh (epsilon).
  ResBlock    AdaGN (ADM style, both norms): GroupNorm(h, no affine) *
              (1 + gamma) + beta, [gamma, beta] = Linear(silu(e)).
              Residual sums scaled by 1/sqrt2; conv1 of every block, the
              attention projection, every AdaGN linear and conv_out start at 0.
  conditioning e = temb(t) + label_emb[label] + va_term:
              temb = lin2(silu(lin1(sinusoidal(t, nf)))) (width E = 4 nf);
              label_emb: 9 x E (8 emotions + NULL = index 8);
              va_term = lin2(silu(lin1(va))) or the learned NULL vector va.null.
  groups      GroupNorm groups = min(C/4, 32), eps = 1e-6.
  attention   single head over H*W tokens: GroupNorm (affine), qkv 1x1,
              softmax(q k^T / sqrt(C)) v, proj 1x1, (x + out)/sqrt2.

Haar DWT (pywt 'haar', periodization) on 2x2 blocks [[a, b], [c, d]]:
  LL = (a+b+c+d)/2, LH = (a+b-c-d)/2, HL = (a-b+c-d)/2, HH = (a-b-c+d)/2
and the output is subband-major: [LL x D, LH x D, HL x D, HH x D].
"""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

EMOTIONS = ["neutral", "happy", "sad", "surprise", "fear", "disgust", "anger", "contempt"]
NULL_LABEL = len(EMOTIONS)  # 8
GN_EPS = 1e-6
RS2 = 1.0 / math.sqrt(2.0)


def default_config(**kw):
    cfg = dict(S=64, C=3, K=0, nf=64, mult=(1, 2, 2, 2), num_res=2, attn_levels=(2,),
               T=1000, schedule="linear", noise_region="all", wavelet="haar", data_scale=0.5)
    cfg.update(kw)
    return cfg


def groups_for(c):
    return max(1, min(c // 4, 32))


def haar_dwt(x):
    """(N, D, H, W) -> (N, 4D, H/2, W/2), subband-major, pywt conventions."""
    a = x[:, :, 0::2, 0::2]
    b = x[:, :, 0::2, 1::2]
    c = x[:, :, 1::2, 0::2]
    d = x[:, :, 1::2, 1::2]
    ll = (a + b + c + d) * 0.5
    lh = (a + b - c - d) * 0.5
    hl = (a - b + c - d) * 0.5
    hh = (a - b - c + d) * 0.5
    return torch.cat([ll, lh, hl, hh], dim=1)


def haar_iwt(y):
    """(N, 4D, h, w) subband-major -> (N, D, 2h, 2w); exact inverse of haar_dwt."""
    n, c4, h, w = y.shape
    d = c4 // 4
    ll, lh, hl, hh = y[:, :d], y[:, d:2 * d], y[:, 2 * d:3 * d], y[:, 3 * d:]
    a = (ll + lh + hl + hh) * 0.5
    b = (ll + lh - hl - hh) * 0.5
    c = (ll - lh + hl - hh) * 0.5
    dd = (ll - lh - hl + hh) * 0.5
    # assemble with stack to stay differentiable
    top = torch.stack([a, b], dim=-1).reshape(n, d, h, 2 * w)
    bot = torch.stack([c, dd], dim=-1).reshape(n, d, h, 2 * w)
    out = torch.stack([top, bot], dim=-2).reshape(n, d, 2 * h, 2 * w)
    return out


def timestep_embedding(t, dim, max_positions=10000):
    """NCSN++ positional embedding: [sin(t f_i), cos(t f_i)], f_i = exp(-i log(maxpos)/(half-1))."""
    half = dim // 2
    freqs = torch.exp(torch.arange(half, dtype=torch.float32) * -(math.log(max_positions) / (half - 1)))
    args = t.float()[:, None] * freqs[None, :]
    return torch.cat([torch.sin(args), torch.cos(args)], dim=1)


class AdaGN(nn.Module):
    """GroupNorm(h) * (1 + gamma) + beta, [gamma, beta] = Linear(silu(e))."""

    def __init__(self, c, e):
        super().__init__()
        self.c = c
        self.lin = nn.Linear(e, 2 * c)
        nn.init.zeros_(self.lin.weight)
        nn.init.zeros_(self.lin.bias)

    def forward(self, h, se):
        gb = self.lin(se)
        g, b = gb[:, :self.c], gb[:, self.c:]
        hn = F.group_norm(h, groups_for(self.c), eps=GN_EPS)
        return hn * (1 + g[:, :, None, None]) + b[:, :, None, None]


class ResBlock(nn.Module):
    """mode: 'none', 'down' (returns (out, highs)) or 'up' (takes highs)."""

    def __init__(self, cin, cout, e, mode="none", hi_ch=0):
        super().__init__()
        self.mode = mode
        self.cin, self.cout = cin, cout
        self.ada0 = AdaGN(cin, e)
        self.conv0 = nn.Conv2d(cin, cout, 3, padding=1)
        self.ada1 = AdaGN(cout, e)
        self.conv1 = nn.Conv2d(cout, cout, 3, padding=1)
        nn.init.zeros_(self.conv1.weight)
        nn.init.zeros_(self.conv1.bias)
        if mode == "down" or cin != cout:
            self.skip = nn.Conv2d(cin, cout, 1)
        else:
            self.skip = None
        if mode == "up":
            assert cin == cout
            self.convH = nn.Conv2d(3 * hi_ch, 3 * cin, 3, padding=1, groups=3)

    def forward(self, x, se, highs=None):
        a = F.silu(self.ada0(x, se))
        if self.mode == "down":
            u = haar_dwt(self.conv0(a))
            co = self.cout
            main, hi = u[:, :co] * 0.5, u[:, co:]
            s = haar_dwt(self.skip(x))[:, :co] * 0.5
        elif self.mode == "up":
            hp = self.convH(highs * 0.5) * 2.0
            a = haar_iwt(torch.cat([2.0 * a, hp], dim=1))
            s = haar_iwt(torch.cat([2.0 * x, hp], dim=1))
            main = self.conv0(a)
            hi = None
        else:
            main = self.conv0(a)
            s = self.skip(x) if self.skip is not None else x
            hi = None
        main = self.conv1(F.silu(self.ada1(main, se)))
        out = (s + main) * RS2
        return (out, hi) if self.mode == "down" else out


class Attn(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.c = c
        self.norm = nn.GroupNorm(groups_for(c), c, eps=GN_EPS)
        self.qkv = nn.Conv2d(c, 3 * c, 1)
        self.proj = nn.Conv2d(c, c, 1)
        nn.init.zeros_(self.proj.weight)
        nn.init.zeros_(self.proj.bias)

    def forward(self, x):
        n, c, h, w = x.shape
        qkv = self.qkv(self.norm(x)).reshape(n, 3, c, h * w)
        q, k, v = qkv[:, 0], qkv[:, 1], qkv[:, 2]          # (n, c, L)
        att = torch.softmax(torch.einsum("ncl,ncm->nlm", q, k) / math.sqrt(c), dim=-1)
        o = torch.einsum("nlm,ncm->ncl", att, v).reshape(n, c, h, w)
        return (x + self.proj(o)) * RS2


class MLP2(nn.Module):
    def __init__(self, i, e):
        super().__init__()
        self.lin1 = nn.Linear(i, e)
        self.lin2 = nn.Linear(e, e)

    def forward(self, x):
        return self.lin2(F.silu(self.lin1(x)))


class WaveUNet(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.cfg = cfg
        C, K, nf = cfg["C"], cfg["K"], cfg["nf"]
        mult, nr, attn = list(cfg["mult"]), cfg["num_res"], set(cfg["attn_levels"])
        E = 4 * nf
        self.E = E
        L = len(mult)
        ch = [nf * m for m in mult]
        self.ch, self.L, self.nr, self.attn = ch, L, nr, attn
        xc = 4 * C
        self.temb = MLP2(nf, E)
        self.temb.lin1 = nn.Linear(nf, E)  # sinusoidal width nf -> E
        self.label_emb = nn.Embedding(NULL_LABEL + 1, E)
        self.va = MLP2(2, E)
        self.va.null = nn.Parameter(torch.zeros(E))
        self.conv_in = nn.Conv2d(xc + K, ch[0], 3, padding=1)
        enc = nn.ModuleList()
        hs_ch = [ch[0]]
        c = ch[0]
        pc = xc
        for l in range(L):
            lev = nn.Module()
            lev.res = nn.ModuleList()
            lev.attn = nn.ModuleList()
            for b in range(nr):
                lev.res.append(ResBlock(c, ch[l], E))
                c = ch[l]
                if l in attn:
                    lev.attn.append(Attn(c))
                hs_ch.append(c)
            if l != L - 1:
                lev.down = ResBlock(c, c, E, mode="down")
                lev.pyr = nn.Conv2d(4 * pc, c, 3, padding=1)
                pc = c
                hs_ch.append(c)
            enc.append(lev)
        self.enc = enc
        self.mid = nn.Module()
        self.mid.res0 = ResBlock(c, c, E)
        self.mid.attn = Attn(c)
        self.mid.res1 = ResBlock(c, c, E)
        dec = [None] * L
        for l in reversed(range(L)):
            lev = nn.Module()
            lev.res = nn.ModuleList()
            for b in range(nr + 1):
                sc = hs_ch.pop()
                lev.res.append(ResBlock(c + sc, ch[l], E))
                c = ch[l]
            if l in attn:
                lev.attn = Attn(c)
            if l > 0:
                lev.up = ResBlock(c, c, E, mode="up", hi_ch=ch[l - 1])
            dec[l] = lev
        self.dec = nn.ModuleList(dec)
        assert not hs_ch
        self.out_norm = nn.GroupNorm(groups_for(c), c, eps=GN_EPS)
        self.conv_out = nn.Conv2d(c, xc, 3, padding=1)
        nn.init.zeros_(self.conv_out.weight)
        nn.init.zeros_(self.conv_out.bias)

    def embed(self, t, label, va, va_null):
        """e (N, E). label: long (N) with 8 = NULL; va (N, 2); va_null (N) 1 = NULL."""
        e = self.temb(timestep_embedding(t, self.cfg["nf"]).to(self.label_emb.weight.dtype))
        e = e + self.label_emb(label)
        m = va_null.to(e.dtype)[:, None]
        e = e + (1 - m) * self.va(va) + m * self.va.null[None, :]
        return e

    def forward(self, x, t, label, va, va_null, heat=None):
        se = F.silu(self.embed(t, label, va, va_null))
        inp = torch.cat([x, heat], dim=1) if heat is not None and heat.shape[1] > 0 else x
        h = self.conv_in(inp)
        hs = [h]
        highs = []
        pyr = x
        for l in range(self.L):
            lev = self.enc[l]
            for b in range(self.nr):
                h = lev.res[b](h, se)
                if l in self.attn:
                    h = lev.attn[b](h)
                hs.append(h)
            if l != self.L - 1:
                h, hi = lev.down(h, se)
                highs.append(hi)
                pyr = lev.pyr(haar_dwt(pyr) * 0.5)
                h = (h + pyr) * RS2
                hs.append(h)
        u = haar_dwt(h)
        c = h.shape[1]
        m = u[:, :c] * 0.5
        m = self.mid.res0(m, se)
        m = self.mid.attn(m)
        m = self.mid.res1(m, se)
        h = haar_iwt(torch.cat([2.0 * m, u[:, c:]], dim=1))
        for l in reversed(range(self.L)):
            lev = self.dec[l]
            for b in range(self.nr + 1):
                h = lev.res[b](torch.cat([h, hs.pop()], dim=1), se)
            if l in self.attn:
                h = lev.attn(h)
            if l > 0:
                h = lev.up(h, se, highs.pop())
        h = F.silu(self.out_norm(h))
        return self.conv_out(h)


# ---- diffusion ------------------------------------------------------------

def alphas_cumprod(T=1000, schedule="linear"):
    """float64 tensor (T,): linear beta 1e-4..0.02, or cosine (s = 0.008, beta <= 0.999)."""
    if schedule == "linear":
        betas = torch.linspace(1e-4, 0.02, T, dtype=torch.float64)
    elif schedule == "cosine":
        s = 0.008
        f = lambda u: math.cos((u / T + s) / (1 + s) * math.pi / 2) ** 2
        betas = torch.tensor([min(1 - f(i + 1) / f(i), 0.999) for i in range(T)], dtype=torch.float64)
    else:
        raise ValueError(schedule)
    return torch.cumprod(1 - betas, dim=0)


def region_mask(C, region):
    """(4C,) 1 for the noised channels: all, high (LH,HL,HH) or low (LL)."""
    m = torch.zeros(4 * C)
    if region == "all":
        m[:] = 1
    elif region == "high":
        m[C:] = 1
    elif region == "low":
        m[:C] = 1
    else:
        raise ValueError(region)
    return m


def ddpm_loss(model, x0, t, noise, label, va, va_null, heat, region, acp):
    """MSE between predicted and true epsilon over the noised channels.
    x_t = sqrt(acp_t) x0 + sqrt(1 - acp_t) noise on noised channels, x0 elsewhere."""
    C = x0.shape[1] // 4
    m = region_mask(C, region).to(x0.dtype)[None, :, None, None]
    a = acp[t].to(x0.dtype)[:, None, None, None]
    xt = torch.sqrt(a) * x0 + torch.sqrt(1 - a) * noise
    xt = m * xt + (1 - m) * x0
    eps = model(xt, t, label, va, va_null, heat)
    d = (eps - noise) * m
    cnt = m.sum() * x0.shape[0] * x0.shape[2] * x0.shape[3]
    return (d * d).sum() / cnt, eps, xt
