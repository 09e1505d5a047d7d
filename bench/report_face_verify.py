"""bench/report_face_verify.py - helper of bench/report_face_verify.sh.

  negatives SRC... OUTDIR   hard negatives from WES u8 photos (imgread output
                            files): each photo, its mirror, and square crops
                            around the centre and the thirds at 3 scales
  measure POS_DIR NEG_DIR   the verification signals of every detection and
                            the trade-off table (faces lost vs false faces)

Each DIR holds auto.wes (facealign -a), hog.wes (facealign -a -D hog) and
femo.wes (femo -l -i of auto.wes). Signals per detection:
  score   the detector's confidence (SSD; HOG's are 0..~3)
  fit     facealign's landmark fit residual (key fit)
  lmdev   mean distance between dlib's 68 landmarks and face-api's
          landmark68 net on the same crop, / the crop's side
  hog     1 if dlib's HOG detector found a box overlapping it (IoU >= 0.3)
  desc    distance of face-api's 128-d recognition descriptor to the mean
          descriptor of the positive set (leave-one-out for positives; the
          mean is the table in lib/face/we_face_align.c); a non-face's
          descriptor is featureless, near the mean
numpy only (a test oracle here, never a runtime dependency).
"""
import os
import struct
import sys
import zlib

import numpy as np

DT = dict(u8='u1', u16='<u2', i32='<i4', f16='<f2', f32='<f4')


def frames(path):
    with open(path, 'rb') as f:
        while (line := f.readline()):
            _, name, dt, *shape = line.decode().split()
            keys = {}
            while (kv := f.readline().decode().rstrip('\n')):
                k, v = kv.split('=', 1)
                keys[k] = v
            shape = [int(d) for d in shape]
            n = int(np.prod(shape)) * np.dtype(DT[dt]).itemsize
            yield name, keys, np.frombuffer(f.read(n), DT[dt]).reshape(shape)


def write_png(path, img):
    """img: u8 C x H x W, C = 1 or 3."""
    c, h, w = img.shape
    raw = np.ascontiguousarray(img.transpose(1, 2, 0)).reshape(h, w * c)
    rows = b''.join(b'\x00' + raw[y].tobytes() for y in range(h))

    def chunk(t, d):
        return struct.pack('>I', len(d)) + t + d + struct.pack('>I', zlib.crc32(t + d) & 0xffffffff)
    hdr = struct.pack('>IIBBBBB', w, h, 8, 2 if c == 3 else 0, 0, 0, 0)
    with open(path, 'wb') as f:
        f.write(b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', hdr) + chunk(b'IDAT', zlib.compress(rows, 6)) +
                chunk(b'IEND', b''))


def negatives(srcs, out):
    n = 0
    for src in srcs:
        for _, keys, a in frames(src):
            base = os.path.splitext(os.path.basename(keys.get('src', src)))[0]
            views = {'full': a, 'mirror': a[:, :, ::-1]}
            _, h, w = a.shape
            for frac in (0.35, 0.5, 0.7):
                s = int(min(h, w) * frac)
                if s < 96:
                    continue
                for cy, cx in ((0.5, 0.5), (0.35, 0.35), (0.35, 0.65), (0.65, 0.5)):
                    y0 = min(max(int(cy * h - s / 2), 0), h - s)
                    x0 = min(max(int(cx * w - s / 2), 0), w - s)
                    views['c%02d_%02d%02d' % (frac * 100, cy * 100, cx * 100)] = a[:, y0:y0 + s, x0:x0 + s]
            for k, v in views.items():
                write_png(os.path.join(out, '%s_%s.png' % (base, k)), np.ascontiguousarray(v))
                n += 1
    print('negatives: %d images from %d photos' % (n, len(srcs)), file=sys.stderr)


def box(keys):
    return [float(v) for v in keys['box'].split(',')]


def iou(a, b):
    ax0, ay0, ax1, ay1 = a[0], a[1], a[0] + a[2], a[1] + a[3]
    bx0, by0, bx1, by1 = b[0], b[1], b[0] + b[2], b[1] + b[3]
    iw, ih = max(0, min(ax1, bx1) - max(ax0, bx0)), max(0, min(ay1, by1) - max(ay0, by0))
    inter = iw * ih
    return inter / max(a[2] * a[3] + b[2] * b[3] - inter, 1e-9)


def load(d):
    """Detections of d: list of dicts (id, src, detector, score, fit, lmdev, hog, descriptor)."""
    det, lm = {}, {}
    for name, keys, a in frames(os.path.join(d, 'auto.wes')):
        if name == 'image':
            det[keys['id']] = dict(id=keys['id'], src=keys['src'], detector=keys.get('detector', '?'),
                                   score=float(keys.get('score', 'nan')), fit=float(keys.get('fit', 'nan')),
                                   box=box(keys), size=a.shape[1])
        elif name == 'landmarks':
            lm[keys['id']] = a.astype(np.float64)
    hogs = {}
    for name, keys, a in frames(os.path.join(d, 'hog.wes')):
        if name == 'image':
            hogs.setdefault(keys['src'], []).append(box(keys))
    for name, keys, a in frames(os.path.join(d, 'femo.wes')):
        r = det.get(keys.get('id'))
        if r is None:
            continue
        if name == 'landmarks':
            r['lmdev'] = float(np.mean(np.linalg.norm(a - lm[r['id']], axis=1))) / r['size']
        elif name == 'identity':
            r['descriptor'] = a.astype(np.float64)
    out = []
    for r in det.values():
        r['hog'] = int(any(iou(r['box'], b) >= 0.3 for b in hogs.get(r['src'], [])))
        out.append(r)
    return out


def measure(pos_dir, neg_dir):
    pos, neg = load(pos_dir), load(neg_dir)
    d = np.array([r['descriptor'] for r in pos])
    mu = d.mean(axis=0)
    for i, r in enumerate(pos):  # leave-one-out mean for the positives
        r['desc'] = float(np.linalg.norm(r['descriptor'] - (mu * len(pos) - r['descriptor']) / (len(pos) - 1)))
    for r in neg:
        r['desc'] = float(np.linalg.norm(r['descriptor'] - mu))
    print('detections: %d on the face sets, %d on the photos without faces (%d of those from the SSD)' %
          (len(pos), len(neg), sum(r['detector'] == 'ssd' for r in neg)))
    print('\n%-8s %10s %10s %10s %10s' % ('signal', 'pos p01', 'pos p50', 'neg p50', 'neg max'))
    for k in ('score', 'fit', 'lmdev', 'desc'):
        p = np.array([r[k] for r in pos])
        q = np.array([r[k] for r in neg]) if neg else np.array([np.nan])
        lo = np.percentile(p, 99 if k != 'score' else 1)
        print('%-8s %10.4f %10.4f %10.4f %10.4f' % (k, lo, np.median(p), np.median(q), np.max(q)))
    print('hog      pos %.3f agree, neg %.3f agree' % (np.mean([r['hog'] for r in pos]),
                                                        np.mean([r['hog'] for r in neg]) if neg else 0))
    # the trade-off: reject when the signal is beyond t (larger = worse,
    # except score); faces lost vs false faces kept, at thresholds that
    # lose 0, 1, 2 % of the face set's detections
    print('\n%-26s %12s %12s %12s' % ('rule (reject if ...)', 'faces lost', 'false kept', 'threshold'))
    rules = [('lmdev', 1), ('desc', -1), ('fit', 1), ('score', -1)]
    for k, sgn in rules:
        p = np.array([sgn * r[k] for r in pos])
        q = np.array([sgn * r[k] for r in neg])
        for lose in (0, 1, 2):
            t = np.percentile(p, 100 - lose) if lose else p.max()
            print('%-26s %6d/%-5d %6d/%-5d %12.4f' % ('%s %s t' % (k, '>' if sgn > 0 else '<'), np.sum(p > t),
                                                     len(p), np.sum(q <= t), len(q), sgn * t))
    # the two together: suspect to the landmark net and featureless to the recognition net
    for a, b in ((0.05, 0.52), (0.06, 0.52), (0.066, 0.52), (0.07, 0.50)):
        lost = sum(r['lmdev'] > a and r['desc'] < b for r in pos)
        kept = sum(not (r['lmdev'] > a and r['desc'] < b) for r in neg)
        print('%-26s %6d/%-5d %6d/%-5d' % ('lmdev > %.3f and desc < %.2f' % (a, b), lost, len(pos), kept, len(neg)))
    print('%-26s %6d/%-5d %6d/%-5d' % ('no hog agreement', sum(1 - r['hog'] for r in pos), len(pos),
                                       sum(r['hog'] for r in neg), len(neg)))
    lost = [r for r in pos if r['lmdev'] > LMDEV_T and r['desc'] < DESC_T]
    kept = [r for r in neg if not (r['lmdev'] > LMDEV_T and r['desc'] < DESC_T)]
    print('\nthe rule in lib (lmdev > %.3f and desc < %.3f): faces lost %d/%d, false faces kept %d/%d' %
          (LMDEV_T, DESC_T, len(lost), len(pos), len(kept), len(neg)))
    for r in lost:
        print('  lost: %s (lmdev %.4f, desc %.4f, %s)' % (r['id'], r['lmdev'], r['desc'], r['detector']))
    for r in kept:
        print('  kept: %s (lmdev %.4f, desc %.4f, %s)' % (r['id'], r['lmdev'], r['desc'], r['detector']))
    for r in sorted(neg, key=lambda r: r['lmdev'])[:5]:
        print('  closest negative: %s (lmdev %.4f, desc %.4f, score %.3f)' % (r['id'], r['lmdev'], r['desc'],
                                                                             r['score']))


LMDEV_T = float(os.environ.get('LMDEV_T', '0.05'))  # WE_FACE_VERIFY_MAX
DESC_T = float(os.environ.get('DESC_T', '0.52'))    # WE_FACE_VERIFY_DESC

if __name__ == '__main__':
    if sys.argv[1] == 'negatives':
        negatives(sys.argv[2:-1], sys.argv[-1])
    else:
        measure(sys.argv[2], sys.argv[3])
