#!/usr/bin/python3
"""tests/ref/gen_fid_golden.py - golden values for lib/eval/we_fid.c (run once with
Debian's python3 + scipy; the outputs are committed in tests/golden/fid/).

    /usr/bin/python3 tests/ref/gen_fid_golden.py

Writes two feature sets per case as WES1 frames `features` f32 N x D (the
values are float32, the statistics below are computed in float64 from those
float32 values) and golden.txt with one line per case:
    name fid kid precision recall
FID is pytorch-fid's formula: |mu1-mu2|^2 + tr(S1) + tr(S2) - 2 tr(sqrtm(S1 S2))
with scipy.linalg.sqrtm and np.cov (N-1). KID is the unbiased MMD^2 with the
kernel (x.y/D + 1)^3 over the whole sets (one subset). Precision/recall are
Kynkaenniemi et al. 2019 with k = 3 (radius = distance to the 3rd nearest
other sample of the same set, inclusive comparison).

It also writes tests/fixtures/metrics_edited.wes (see edited_fixture) and tests/golden/metrics/: two small u8 images and their PSNR and
SSIM (the definition is in ssim() below) for lib/eval/we_metrics.c.
"""
import os
import numpy as np
from scipy import linalg

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'golden', 'fid')


def write_wes(path, x):
    x = np.ascontiguousarray(x, dtype='<f4')
    with open(path, 'wb') as f:
        f.write(('WES1 features f32 %d %d\nsrc=gen_fid_golden.py\n\n' % x.shape).encode())
        f.write(x.tobytes())


def fid(a, b):
    mu1, mu2 = a.mean(0), b.mean(0)
    s1, s2 = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    covmean, _ = linalg.sqrtm(s1.dot(s2), disp=False)
    if np.iscomplexobj(covmean):
        covmean = covmean.real
    d = mu1 - mu2
    return d.dot(d) + np.trace(s1) + np.trace(s2) - 2 * np.trace(covmean)


def kid(a, b):
    d = a.shape[1]
    k = lambda x, y: (x @ y.T / d + 1) ** 3
    kxx, kyy, kxy = k(a, a), k(b, b), k(a, b)
    m, n = len(a), len(b)
    return ((kxx.sum() - np.trace(kxx)) / (m * (m - 1)) + (kyy.sum() - np.trace(kyy)) / (n * (n - 1))
            - 2 * kxy.mean())


def prec_recall(real, fake, k=3):
    def dist(x, y):
        return np.sqrt(np.maximum(((x[:, None, :] - y[None, :, :]) ** 2).sum(-1), 0))
    rr, ff, rf = dist(real, real), dist(fake, fake), dist(real, fake)
    r_rad = np.sort(rr, axis=1)[:, k]   # column 0 is the sample itself
    f_rad = np.sort(ff, axis=1)[:, k]
    precision = (rf <= r_rad[:, None]).any(0).mean()
    recall = (rf <= f_rad[None, :]).any(1).mean()
    return precision, recall


def main():
    os.makedirs(OUT, exist_ok=True)
    rng = np.random.default_rng(20261122)
    cases = []
    # a: 64-d, 300 vs 250 samples, correlated, shifted and rescaled
    mix = rng.normal(size=(64, 64)) / 8
    a = (rng.normal(size=(300, 64)) @ (np.eye(64) + mix)).astype(np.float32)
    b = (rng.normal(size=(250, 64)) @ (np.eye(64) + 1.3 * mix) * 0.9 + 0.15).astype(np.float32)
    cases.append(('d64', a, b))
    # b: 8-d, small sets, large mean offset
    c = rng.normal(size=(40, 8)).astype(np.float32)
    d = (rng.normal(size=(30, 8)) * 1.5 + 1.0).astype(np.float32)
    cases.append(('d8', c, d))
    lines = []
    for name, x, y in cases:
        write_wes(os.path.join(OUT, '%s_a.wes' % name), x)
        write_wes(os.path.join(OUT, '%s_b.wes' % name), y)
        x64, y64 = x.astype(np.float64), y.astype(np.float64)
        p, r = prec_recall(x64, y64)
        lines.append('%s %.17g %.17g %.17g %.17g' % (name, fid(x64, y64), kid(x64, y64), p, r))
    with open(os.path.join(OUT, 'golden.txt'), 'w') as f:
        f.write('# name fid kid precision recall (tests/ref/gen_fid_golden.py)\n')
        f.write('\n'.join(lines) + '\n')
    print('\n'.join(lines))
    metrics_golden(rng)
    edited_fixture(rng)


def ssim(a, b):
    """Wang et al. 2004 with an 11x11 Gaussian (sigma 1.5), 'valid' positions,
    mean over positions then channels; a, b: C x H x W in 0..255."""
    from scipy.signal import correlate2d
    g = np.exp(-((np.arange(11) - 5) ** 2) / (2 * 1.5 ** 2))
    g /= g.sum()
    win = np.outer(g, g)
    f = lambda x: correlate2d(x, win, mode='valid')
    c1, c2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2
    out = []
    for x, y in zip(a, b):
        mx, my = f(x), f(y)
        vx, vy, cv = f(x * x) - mx * mx, f(y * y) - my * my, f(x * y) - mx * my
        out.append((((2 * mx * my + c1) * (2 * cv + c2)) / ((mx * mx + my * my + c1) * (vx + vy + c2))).mean())
    return float(np.mean(out))


def metrics_golden(rng):
    """Two u8 3 x 24 x 20 images for PSNR and SSIM (tests/golden/metrics/)."""
    out = os.path.join(OUT, '..', 'metrics')
    os.makedirs(out, exist_ok=True)
    yy, xx = np.mgrid[0:24, 0:20]
    a = np.stack([100 + 80 * np.sin(xx / 3.0 + c) * np.cos(yy / 4.0) for c in range(3)])
    a = np.clip(np.round(a + rng.normal(scale=5, size=a.shape)), 0, 255).astype(np.uint8)
    b = np.clip(np.round(a.astype(np.float64) * 0.9 + 12 + rng.normal(scale=9, size=a.shape)), 0, 255).astype(np.uint8)
    for name, im in (('a', a), ('b', b)):
        with open(os.path.join(out, 'img_%s.wes' % name), 'wb') as f:
            f.write(('WES1 image u8 3 24 20\nid=img\nsrc=gen_fid_golden.py\n\n').encode())
            f.write(im.tobytes())
    a64, b64 = a.astype(np.float64), b.astype(np.float64)
    mse = ((a64 - b64) ** 2).mean()
    with open(os.path.join(out, 'golden.txt'), 'w') as f:
        f.write('# psnr ssim of img_a.wes vs img_b.wes (tests/ref/gen_fid_golden.py)\n')
        f.write('%.17g %.17g\n' % (10 * np.log10(255.0 ** 2 / mse), ssim(a64, b64)))
    print(open(os.path.join(out, 'golden.txt')).read())


def edited_fixture(rng):
    """tests/fixtures/metrics_edited.wes: face-api golden crops 0 and 5 with
    +-6 noise and an `emotion` target key, for femetrics' shell test (the
    source stream is tests/golden/faceapi/crop_0.wes + crop_5.wes)."""
    gold = os.path.join(OUT, '..', 'faceapi')
    fix = os.path.join(OUT, '..', '..', 'fixtures')
    os.makedirs(fix, exist_ok=True)
    out = b''
    for name, emo in (('crop_0', 'happy'), ('crop_5', 'neutral')):
        data = open(os.path.join(gold, name + '.wes'), 'rb').read()
        j = data.index(b'\n\n')
        head = data[:j + 1].decode()
        shape = [int(v) for v in head.split('\n')[0].split()[3:]]
        px = np.frombuffer(data[j + 2:], dtype=np.uint8).astype(np.int16)
        assert px.size == np.prod(shape)
        px = np.clip(px + rng.integers(-6, 7, size=px.shape), 0, 255).astype(np.uint8)
        out += (head + 'emotion=%s\n\n' % emo).encode() + px.tobytes()
    open(os.path.join(fix, 'metrics_edited.wes'), 'wb').write(out)


if __name__ == '__main__':
    main()
