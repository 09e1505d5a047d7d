/* we_nn_haar.c - one-level orthonormal Haar DWT / IWT layers on feature maps
 * (pywt periodization conventions, subband-major channels): CPU reference.
 * Both transforms are orthonormal, so each one's backward is the other. */
#include "we_nn.h"

/* Analysis of one [H,W] plane into 4 planes of [H/2,W/2] (ll, lh, hl, hh),
 * written (acc = 0) or added (acc = 1). */
static void haar_analysis(float *ll, float *lh, float *hl, float *hh, const float *x,
                          int H, int W, int acc)
{
    const int h = H / 2, w = W / 2;
    for (int i = 0; i < h; i++) {
        const float *r0 = x + (size_t)(2 * i) * W, *r1 = r0 + W;
        for (int j = 0; j < w; j++) {
            float a = r0[2 * j], b = r0[2 * j + 1], c = r1[2 * j], e = r1[2 * j + 1];
            size_t o = (size_t)i * w + j;
            float vll = 0.5f * (a + b + c + e), vlh = 0.5f * (a + b - c - e);
            float vhl = 0.5f * (a - b + c - e), vhh = 0.5f * (a - b - c + e);
            if (acc) {
                ll[o] += vll; lh[o] += vlh; hl[o] += vhl; hh[o] += vhh;
            } else {
                ll[o] = vll; lh[o] = vlh; hl[o] = vhl; hh[o] = vhh;
            }
        }
    }
}

/* Synthesis of 4 [h,w] planes into one [2h,2w] plane (written or added). */
static void haar_synthesis(float *x, const float *ll, const float *lh, const float *hl,
                           const float *hh, int h, int w, int acc)
{
    const int W = 2 * w;
    for (int i = 0; i < h; i++) {
        float *r0 = x + (size_t)(2 * i) * W, *r1 = r0 + W;
        for (int j = 0; j < w; j++) {
            size_t o = (size_t)i * w + j;
            float A = ll[o], B = lh[o], Cv = hl[o], D = hh[o];
            float a = 0.5f * (A + B + Cv + D), b = 0.5f * (A + B - Cv - D);
            float c = 0.5f * (A - B + Cv - D), e = 0.5f * (A - B - Cv + D);
            if (acc) {
                r0[2 * j] += a; r0[2 * j + 1] += b; r1[2 * j] += c; r1[2 * j + 1] += e;
            } else {
                r0[2 * j] = a; r0[2 * j + 1] = b; r1[2 * j] = c; r1[2 * j + 1] = e;
            }
        }
    }
}

void we_nn_dwt_forward(float *out, const float *inp, int N, int C, int H, int W)
{
    const size_t hw = (size_t)(H / 2) * (W / 2), band = (size_t)C * hw;
    for (int n = 0; n < N; n++) {
        float *o = out + (size_t)n * 4 * band;
        for (int c = 0; c < C; c++)
            haar_analysis(o + c * hw, o + band + c * hw, o + 2 * band + c * hw,
                          o + 3 * band + c * hw, inp + ((size_t)n * C + c) * H * W, H, W, 0);
    }
}

void we_nn_dwt_backward(float *dinp, const float *dout, int N, int C, int H, int W)
{
    const int h = H / 2, w = W / 2;
    const size_t hw = (size_t)h * w, band = (size_t)C * hw;
    for (int n = 0; n < N; n++) {
        const float *o = dout + (size_t)n * 4 * band;
        for (int c = 0; c < C; c++)
            haar_synthesis(dinp + ((size_t)n * C + c) * H * W, o + c * hw, o + band + c * hw,
                           o + 2 * band + c * hw, o + 3 * band + c * hw, h, w, 1);
    }
}

void we_nn_iwt_forward(float *out, const float *inp, int N, int C, int h, int w)
{
    const size_t hw = (size_t)h * w, band = (size_t)C * hw;
    for (int n = 0; n < N; n++) {
        const float *i = inp + (size_t)n * 4 * band;
        for (int c = 0; c < C; c++)
            haar_synthesis(out + ((size_t)n * C + c) * 4 * hw, i + c * hw, i + band + c * hw,
                           i + 2 * band + c * hw, i + 3 * band + c * hw, h, w, 0);
    }
}

void we_nn_iwt_backward(float *dinp, const float *dout, int N, int C, int h, int w)
{
    const size_t hw = (size_t)h * w, band = (size_t)C * hw;
    for (int n = 0; n < N; n++) {
        float *o = dinp + (size_t)n * 4 * band;
        for (int c = 0; c < C; c++)
            haar_analysis(o + c * hw, o + band + c * hw, o + 2 * band + c * hw,
                          o + 3 * band + c * hw, dout + ((size_t)n * C + c) * 4 * hw,
                          2 * h, 2 * w, 1);
    }
}
