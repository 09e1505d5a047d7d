# doc/long12/native_res.py - how much of the 64 px model's bands the aligned
# training faces really hold (README, "Low-resolution training faces").
# Reads the shards of pipelines/dataset.mk with numpy only (the README's
# stream reader); run from the repository root:
#   python3 doc/long12/native_res.py [data/train]
# For each set: the source pixels a 64 px crop spans (the affine frame's
# scale x 64, times 48 / the file's side for fer2013, whose 224 px files
# are 48 px faces enlarged) and the finest Haar band's share of a crop's
# variance. An analysis script, not part of any tool.
import glob, sys
import numpy as np

SIZES = {'f32': ('<f4', 4), 'u8': ('u1', 1), 'u16': ('<u2', 2), 'i32': ('<i4', 4), 'f16': ('<f2', 2)}

def frames(path):
    with open(path, 'rb') as f:
        while True:
            line = f.readline()
            if not line:
                return
            _, name, dt, *shape = line.decode().split()
            shape = [int(x) for x in shape]
            meta = {}
            while True:
                kv = f.readline().decode().rstrip('\n')
                if not kv:
                    break
                k, v = kv.split('=', 1)
                meta[k] = v
            np_dt, size = SIZES[dt]
            n = int(np.prod(shape))
            yield name, meta, np.frombuffer(f.read(n * size), dtype=np_dt).reshape(shape)

work = sys.argv[1] if len(sys.argv) > 1 else 'data/train'
for s in ['fer2013', 'facial_expressions']:
    span, share = [], []
    for p in sorted(glob.glob('%s/%s/train-*.wes' % (work, s))):
        aff = None
        for name, meta, d in frames(p):
            if name == 'affine':
                aff = d
            if name != 'image':
                continue
            img = d[0].astype(np.float64)
            a, b, c, e = img[0::2, 0::2], img[0::2, 1::2], img[1::2, 0::2], img[1::2, 1::2]
            det = ((a + b - c - e) / 2) ** 2 + ((a - b + c - e) / 2) ** 2 + ((a - b - c + e) / 2) ** 2
            var = ((img - img.mean()) ** 2).sum()
            if var > 0:
                share.append(det.sum() / var)
            if aff is not None:
                side = int(meta['photo'].split('x')[0])
                native = 48.0 / side if s == 'fer2013' else 1.0
                span.append(64 * float(np.hypot(aff[0, 0], aff[1, 0])) * native)
            aff = None
    span, share = np.array(span), np.array(share)
    print('%s: %d crops; source pixels per 64 px crop: median %.1f, 10th pct %.1f, 90th %.1f; below 32: %.3f; '
          'finest-band share of variance: median %.4f' % (s, len(share), np.median(span), *np.percentile(span, [10, 90]),
                                                          (span < 32).mean(), np.median(share)))
