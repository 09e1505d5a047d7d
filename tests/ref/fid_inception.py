#!/usr/bin/python3
"""tests/ref/fid_inception.py - pytorch-fid's FID Inception-v3 (pool3) in
plain PyTorch (torch 1.13, no torchvision), for lib/eval/we_fid_inception.c.

    /usr/bin/python3 tests/ref/fid_inception.py golden
        Builds the network with synthetic weights (the formula of
        we_inc_synthetic: a hash of the tensor name and index, so no weights
        file is needed), runs it on a small fixed image and writes
        tests/golden/fid/inception_in.wes (u8 3x37x45) and
        tests/golden/fid/inception_out.txt (2048 features).

    /usr/bin/python3 tests/ref/fid_inception.py convert pt_inception-2015-12-05-6726825d.pth out.safetensors
        Converts pytorch-fid's FID weights (the .pth its InceptionV3 downloads
        from github.com/mseitzer/pytorch-fid/releases) to the safetensors file
        `fid --features=inception --inception=out.safetensors` reads: every
        BasicConv2d's conv.weight and bn.{weight,bias,running_mean,running_var}
        as F32, names unchanged; fc.* and num_batches_tracked are dropped.

The architecture follows pytorch-fid (src/pytorch_fid/inception.py,
fid_inception_v3): torchvision's Inception3 stem, FIDInceptionA (avg pool
count_include_pad=False), InceptionB, FIDInceptionC, InceptionD,
FIDInceptionE_1 (avg pool, count_include_pad=False), FIDInceptionE_2 (max
pool 3x3 s1 p1), adaptive average pool; BasicConv2d = conv (no bias) + BN
(eps 0.001) + ReLU; input resized to 299 with F.interpolate(bilinear,
align_corners=False) and mapped from [0,1] to [-1,1]. It was checked against
torchvision's inception_v3 only by reading: torchvision is not installed
here, so this module is its own reference (see fid(1)).
"""
import json
import os
import struct
import sys

import numpy as np
import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
GOLD = os.path.join(HERE, '..', 'golden', 'fid')

A = lambda p, cin, pf: [(p + '.branch1x1', cin, 64, 1, 1, 1, 0, 0), (p + '.branch5x5_1', cin, 48, 1, 1, 1, 0, 0),
                        (p + '.branch5x5_2', 48, 64, 5, 5, 1, 2, 2), (p + '.branch3x3dbl_1', cin, 64, 1, 1, 1, 0, 0),
                        (p + '.branch3x3dbl_2', 64, 96, 3, 3, 1, 1, 1), (p + '.branch3x3dbl_3', 96, 96, 3, 3, 1, 1, 1),
                        (p + '.branch_pool', cin, pf, 1, 1, 1, 0, 0)]
C = lambda p, c7: [(p + '.branch1x1', 768, 192, 1, 1, 1, 0, 0), (p + '.branch7x7_1', 768, c7, 1, 1, 1, 0, 0),
                   (p + '.branch7x7_2', c7, c7, 1, 7, 1, 0, 3), (p + '.branch7x7_3', c7, 192, 7, 1, 1, 3, 0),
                   (p + '.branch7x7dbl_1', 768, c7, 1, 1, 1, 0, 0), (p + '.branch7x7dbl_2', c7, c7, 7, 1, 1, 3, 0),
                   (p + '.branch7x7dbl_3', c7, c7, 1, 7, 1, 0, 3), (p + '.branch7x7dbl_4', c7, c7, 7, 1, 1, 3, 0),
                   (p + '.branch7x7dbl_5', c7, 192, 1, 7, 1, 0, 3), (p + '.branch_pool', 768, 192, 1, 1, 1, 0, 0)]
E = lambda p, cin: [(p + '.branch1x1', cin, 320, 1, 1, 1, 0, 0), (p + '.branch3x3_1', cin, 384, 1, 1, 1, 0, 0),
                    (p + '.branch3x3_2a', 384, 384, 1, 3, 1, 0, 1), (p + '.branch3x3_2b', 384, 384, 3, 1, 1, 1, 0),
                    (p + '.branch3x3dbl_1', cin, 448, 1, 1, 1, 0, 0), (p + '.branch3x3dbl_2', 448, 384, 3, 3, 1, 1, 1),
                    (p + '.branch3x3dbl_3a', 384, 384, 1, 3, 1, 0, 1), (p + '.branch3x3dbl_3b', 384, 384, 3, 1, 1, 1, 0),
                    (p + '.branch_pool', cin, 192, 1, 1, 1, 0, 0)]
CONVS = ([('Conv2d_1a_3x3', 3, 32, 3, 3, 2, 0, 0), ('Conv2d_2a_3x3', 32, 32, 3, 3, 1, 0, 0),
          ('Conv2d_2b_3x3', 32, 64, 3, 3, 1, 1, 1), ('Conv2d_3b_1x1', 64, 80, 1, 1, 1, 0, 0),
          ('Conv2d_4a_3x3', 80, 192, 3, 3, 1, 0, 0)]
         + A('Mixed_5b', 192, 32) + A('Mixed_5c', 256, 64) + A('Mixed_5d', 288, 64)
         + [('Mixed_6a.branch3x3', 288, 384, 3, 3, 2, 0, 0), ('Mixed_6a.branch3x3dbl_1', 288, 64, 1, 1, 1, 0, 0),
            ('Mixed_6a.branch3x3dbl_2', 64, 96, 3, 3, 1, 1, 1), ('Mixed_6a.branch3x3dbl_3', 96, 96, 3, 3, 2, 0, 0)]
         + C('Mixed_6b', 128) + C('Mixed_6c', 160) + C('Mixed_6d', 160) + C('Mixed_6e', 192)
         + [('Mixed_7a.branch3x3_1', 768, 192, 1, 1, 1, 0, 0), ('Mixed_7a.branch3x3_2', 192, 320, 3, 3, 2, 0, 0),
            ('Mixed_7a.branch7x7x3_1', 768, 192, 1, 1, 1, 0, 0), ('Mixed_7a.branch7x7x3_2', 192, 192, 1, 7, 1, 0, 3),
            ('Mixed_7a.branch7x7x3_3', 192, 192, 7, 1, 1, 3, 0), ('Mixed_7a.branch7x7x3_4', 192, 192, 3, 3, 2, 0, 0)]
         + E('Mixed_7b', 1280) + E('Mixed_7c', 2048))
GEOM = {c[0]: c for c in CONVS}

M64 = (1 << 64) - 1


def synthetic(name, count, fan_in):
    """Same values as we_inc_synthetic (lib/eval/we_fid_inception.c)."""
    h = 1469598103934665603
    for ch in name.encode():
        h = ((h ^ ch) * 1099511628211) & M64
    i = np.arange(count, dtype=np.uint64)
    with np.errstate(over='ignore'):
        x = np.uint64(h) ^ (i * np.uint64(0x9E3779B97F4A7C15))
        x = x + np.uint64(0x9E3779B97F4A7C15)
        x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        x = x ^ (x >> np.uint64(31))
    u = (x >> np.uint64(11)).astype(np.float64) * (1.0 / 9007199254740992.0)
    if name.endswith('.conv.weight'):
        v = (u - 0.5) * 2 * np.sqrt(6.0 / fan_in)
    elif name.endswith('.bn.weight') or name.endswith('.bn.running_var'):
        v = 0.5 + u
    else:
        v = (u - 0.5) * 0.2
    return v.astype(np.float32)


def synthetic_state():
    sd = {}
    for (n, ci, co, kh, kw, s, ph, pw) in CONVS:
        sd[n + '.conv.weight'] = torch.from_numpy(synthetic(n + '.conv.weight', co * ci * kh * kw, ci * kh * kw)
                                                  .reshape(co, ci, kh, kw))
        for b in ('weight', 'bias', 'running_mean', 'running_var'):
            sd['%s.bn.%s' % (n, b)] = torch.from_numpy(synthetic('%s.bn.%s' % (n, b), co, 0))
    return sd


def bc(sd, name, x):
    _, ci, co, kh, kw, s, ph, pw = GEOM[name]
    x = F.conv2d(x, sd[name + '.conv.weight'], stride=s, padding=(ph, pw))
    x = F.batch_norm(x, sd[name + '.bn.running_mean'], sd[name + '.bn.running_var'], sd[name + '.bn.weight'],
                     sd[name + '.bn.bias'], training=False, eps=0.001)
    return F.relu(x)


def forward(sd, img):
    """img: 1 x 3 x H x W in [0,1] -> 2048 pool3 features."""
    x = F.interpolate(img, size=(299, 299), mode='bilinear', align_corners=False)
    x = 2 * x - 1
    for n in ('Conv2d_1a_3x3', 'Conv2d_2a_3x3', 'Conv2d_2b_3x3'):
        x = bc(sd, n, x)
    x = F.max_pool2d(x, 3, 2)
    x = bc(sd, 'Conv2d_4a_3x3', bc(sd, 'Conv2d_3b_1x1', x))
    x = F.max_pool2d(x, 3, 2)
    for p in ('Mixed_5b', 'Mixed_5c', 'Mixed_5d'):       # FIDInceptionA
        b1 = bc(sd, p + '.branch1x1', x)
        b5 = bc(sd, p + '.branch5x5_2', bc(sd, p + '.branch5x5_1', x))
        b3 = bc(sd, p + '.branch3x3dbl_3', bc(sd, p + '.branch3x3dbl_2', bc(sd, p + '.branch3x3dbl_1', x)))
        bp = bc(sd, p + '.branch_pool', F.avg_pool2d(x, 3, 1, 1, count_include_pad=False))
        x = torch.cat([b1, b5, b3, bp], 1)
    p = 'Mixed_6a'                                        # InceptionB
    b3 = bc(sd, p + '.branch3x3', x)
    bd = bc(sd, p + '.branch3x3dbl_3', bc(sd, p + '.branch3x3dbl_2', bc(sd, p + '.branch3x3dbl_1', x)))
    x = torch.cat([b3, bd, F.max_pool2d(x, 3, 2)], 1)
    for p in ('Mixed_6b', 'Mixed_6c', 'Mixed_6d', 'Mixed_6e'):  # FIDInceptionC
        b1 = bc(sd, p + '.branch1x1', x)
        b7 = x
        for k in (1, 2, 3):
            b7 = bc(sd, '%s.branch7x7_%d' % (p, k), b7)
        bd = x
        for k in (1, 2, 3, 4, 5):
            bd = bc(sd, '%s.branch7x7dbl_%d' % (p, k), bd)
        bp = bc(sd, p + '.branch_pool', F.avg_pool2d(x, 3, 1, 1, count_include_pad=False))
        x = torch.cat([b1, b7, bd, bp], 1)
    p = 'Mixed_7a'                                        # InceptionD
    b3 = bc(sd, p + '.branch3x3_2', bc(sd, p + '.branch3x3_1', x))
    b7 = x
    for k in (1, 2, 3, 4):
        b7 = bc(sd, '%s.branch7x7x3_%d' % (p, k), b7)
    x = torch.cat([b3, b7, F.max_pool2d(x, 3, 2)], 1)
    for p, mx in (('Mixed_7b', False), ('Mixed_7c', True)):  # FIDInceptionE_1, E_2
        b1 = bc(sd, p + '.branch1x1', x)
        t = bc(sd, p + '.branch3x3_1', x)
        b3 = torch.cat([bc(sd, p + '.branch3x3_2a', t), bc(sd, p + '.branch3x3_2b', t)], 1)
        t = bc(sd, p + '.branch3x3dbl_2', bc(sd, p + '.branch3x3dbl_1', x))
        bd = torch.cat([bc(sd, p + '.branch3x3dbl_3a', t), bc(sd, p + '.branch3x3dbl_3b', t)], 1)
        pl = F.max_pool2d(x, 3, 1, 1) if mx else F.avg_pool2d(x, 3, 1, 1, count_include_pad=False)
        x = torch.cat([b1, b3, bd, bc(sd, p + '.branch_pool', pl)], 1)
    return F.adaptive_avg_pool2d(x, 1).reshape(-1)


def golden():
    rng = np.random.default_rng(7)
    yy, xx = np.mgrid[0:37, 0:45]
    img = np.stack([128 + 100 * np.sin(xx / (4.0 + c) + yy / 7.0) for c in range(3)])
    img = np.clip(np.round(img + rng.normal(scale=10, size=img.shape)), 0, 255).astype(np.uint8)
    with open(os.path.join(GOLD, 'inception_in.wes'), 'wb') as f:
        f.write(b'WES1 image u8 3 37 45\nid=inception_in\nsrc=fid_inception.py\n\n')
        f.write(img.tobytes())
    with torch.no_grad():
        feat = forward(synthetic_state(), torch.from_numpy(img.astype(np.float32) / 255.0)[None])
    with open(os.path.join(GOLD, 'inception_out.txt'), 'w') as f:
        f.write('# 2048 pool3 features of inception_in.wes, synthetic weights (tests/ref/fid_inception.py)\n')
        f.write('\n'.join('%.9g' % v for v in feat.numpy()) + '\n')
    print('features: mean %.4f max %.4f' % (feat.mean(), feat.max()))


def convert(src, dst):
    sd = torch.load(src, map_location='cpu')
    out, hdr, off = [], {}, 0
    for (n, *_rest) in CONVS:
        for key in [n + '.conv.weight'] + ['%s.bn.%s' % (n, b) for b in ('weight', 'bias', 'running_mean', 'running_var')]:
            a = sd[key].detach().float().contiguous().numpy()
            b = a.astype('<f4').tobytes()
            hdr[key] = {'dtype': 'F32', 'shape': list(a.shape), 'data_offsets': [off, off + len(b)]}
            out.append(b)
            off += len(b)
    h = json.dumps(hdr).encode()
    h += b' ' * ((8 - len(h) % 8) % 8)
    with open(dst + '.tmp', 'wb') as f:
        f.write(struct.pack('<Q', len(h)) + h)
        for b in out:
            f.write(b)
    os.replace(dst + '.tmp', dst)
    print('wrote %s (%d tensors)' % (dst, len(hdr)))


if __name__ == '__main__':
    if len(sys.argv) >= 2 and sys.argv[1] == 'golden':
        golden()
    elif len(sys.argv) == 4 and sys.argv[1] == 'convert':
        convert(sys.argv[2], sys.argv[3])
    else:
        sys.exit(__doc__)
