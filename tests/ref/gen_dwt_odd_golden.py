#!/usr/bin/python3
"""Golden files for odd image sizes: tests/golden/dwt/odd_in.wes (an `image`
f32 3x7x9 in [-1,1]) and odd_<wavelet>.wes (the `wavelet` frame pywt.dwt2
gives for it in mode periodization, which repeats the last row/column of an
odd-length signal). Run once from the repo root with Debian's python3:
    /usr/bin/python3 tests/ref/gen_dwt_odd_golden.py
"""
import numpy as np
import pywt

import os, sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gen_dwt_golden import frame  # same WES1 writer (its generation runs only as a script)

rng = np.random.default_rng(7)
x = rng.uniform(-1, 1, (3, 7, 9)).astype("<f4")
with open("tests/golden/dwt/odd_in.wes", "wb") as f:
    f.write(frame("image", x, [("id", "odd")]))
for w in ["haar", "bior4.4"]:
    cA, (cH, cV, cD) = pywt.dwt2(x.astype(np.float64), w, mode="periodization", axes=(-2, -1))
    with open("tests/golden/dwt/odd_%s.wes" % w, "wb") as f:
        f.write(frame("wavelet", np.concatenate([cA, cH, cV, cD], axis=0), [("id", "odd")]))
