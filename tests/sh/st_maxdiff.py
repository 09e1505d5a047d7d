#!/usr/bin/python3
# tests/sh/st_maxdiff.py A B - the largest |a - b| over the F32 tensors two
# safetensors checkpoints share (weights and EMA; not the AdamW moments),
# printed as one number. A test oracle (numpy), never a runtime dependency.
import json, struct, sys
import numpy as np


def load(path):
    b = open(path, 'rb').read()
    n = struct.unpack('<Q', b[:8])[0]
    h = json.loads(b[8:8 + n])
    h.pop('__metadata__', None)
    return {k: np.frombuffer(b[8 + n + v['data_offsets'][0]:8 + n + v['data_offsets'][1]], dtype=np.float32)
            for k, v in h.items() if v['dtype'] == 'F32' and not k.startswith('train.')}


a, b = load(sys.argv[1]), load(sys.argv[2])
if a.keys() != b.keys():
    sys.exit('st_maxdiff: the checkpoints hold different tensors')
print('%.3g' % max(float(np.max(np.abs(a[k] - b[k]))) if a[k].size else 0.0 for k in a))
