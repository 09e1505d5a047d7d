/* we_faceapi.h - face-api's three pretrained networks in C (CPU reference,
 * CUDA twins in kernels/faceapi*.cu): faceExpressionNet (7 classes),
 * faceLandmark68Net (68 points) and faceRecognitionNet (128-d identity).
 *
 * Everything follows doc/design/faceapi.md (vendored summary in
 * man/man1/femo.1): the weights come from @vladmandic/face-api 1.7.15's model/
 * folder (TF.js manifest JSON + .bin), fetched by scripts/setup.sh and never
 * committed. Internally tensors are planar C x H x W (outermost first); the
 * HWIO filters of the files are repacked at load time.
 *
 * Modules:
 *   we_json.c             the JSON parser (we_json.h), shared with safetensors
 *   we_faceapi_weights.c  manifest + .bin loader, uint8/uint16/f16 dequantisation
 *   we_faceapi_ops.c      layers, forward and backward w.r.t. the input (llm.c style)
 *   we_faceapi_prep.c     pad-to-square, TF legacy bilinear, normalise (+ backward)
 *   we_faceapi_nets.c     the three nets, with their saved activations
 */
#ifndef WE_FACEAPI_H
#define WE_FACEAPI_H

#include <stddef.h>
#include <stdint.h>

#include "we_device.h"
#include "we_err.h"
#include "we_json.h"
#include "we_tensor.h"

/* ---- weights (we_faceapi_weights.c) --------------------------------------- */

typedef struct {
    char *name;          /* e.g. "dense1/conv2/pointwise_filter" */
    int rank;            /* 0..4 */
    int shape[4];        /* logical (HWIO for filters) */
    size_t n;            /* element count */
    float *data;         /* dequantised values, owned */
} we_fa_tensor;

typedef struct {
    int n;
    we_fa_tensor *t;
} we_fa_weights;

/* Decode a manifest (JSON text) whose groups' files, concatenated in order,
 * are `bin` (blen bytes). uint8/uint16: q*scale+min computed in double then
 * rounded to float (bit-identical to tfjs); float16; float32 LE. WE_EDATA
 * (detail names the tensor) on any mismatch, including bin not fully used. */
we_status we_fa_weights_parse(const char *json, size_t jlen, const uint8_t *bin, size_t blen,
                              we_fa_weights *w);
/* Load <dir>/<model>-weights_manifest.json and its paths. WE_ENOINPUT with a
 * hint ("run sh scripts/setup.sh") when the files are missing. */
we_status we_fa_weights_load(const char *dir, const char *model, we_fa_weights *w);
void we_fa_weights_free(we_fa_weights *w);
/* Tensor by name with the expected shape (rank dims), or NULL with
 * WE_EDATA set ("missing tensor x" / "tensor x has shape ..., want ..."). */
const we_fa_tensor *we_fa_weights_get(const we_fa_weights *w, const char *name, int rank,
                                      const int *shape);

/* The model folder: $WE_FACEAPI_DIR, else third_party/face-api/model next to
 * the executable (../third_party/... from bin/), else relative to the
 * current directory. Returns a static string (the first that exists, or the
 * last candidate so the error message names it). */
const char *we_fa_model_dir(void);

/* ---- layers (we_faceapi_ops.c) ------------------------------------------- *
 * Planar layouts: activations C x H x W, conv weights Co x Ci x k x k,
 * depthwise C x 3 x 3, pointwise/fc as given. A layer never allocates;
 * scratch buffers are passed in. Backward functions compute the gradient
 * w.r.t. the input only (the nets are frozen) and OVERWRITE dinp unless
 * the name says _acc (then they add). */

/* TF 'same' padding: output size and padding before (top/left). */
void we_fa_same_pad(int in, int k, int stride, int *out, int *pad_before);

/* The convolutions below are the nn conv layer (we_nn_conv2d_geom_*, algo
 * WE_CONV2D_PLAIN) with the padding before given and the padding after
 * implied by OH x OW.
 * Floats of col/dcol scratch a conv with this geometry needs (at least
 * (Ci*k*k) x (OH*OW); the CUDA twins need no more). */
size_t we_fa_conv_scratch_size(int Ci, int H, int W, int Co, int k, int stride, int pad_t, int pad_l, int OH,
                               int OW);
/* col: we_fa_conv_scratch_size(...) floats. out[Co][OH][OW] = conv(inp) + bias (bias may be NULL). */
void we_fa_conv_forward(float *out, float *col, const float *inp, const float *w, const float *bias,
                        int Ci, int H, int W, int Co, int k, int stride, int pad_t, int pad_l,
                        int OH, int OW);
/* dinp (Ci x H x W) += conv^T(dout); dcol scratch like col. */
void we_fa_conv_backward_acc(float *dinp, float *dcol, const float *dout, const float *w,
                             int Ci, int H, int W, int Co, int k, int stride, int pad_t, int pad_l,
                             int OH, int OW);
/* 3x3 depthwise, channel multiplier 1, no bias. */
void we_fa_dw_forward(float *out, const float *inp, const float *w, int C, int H, int W, int stride,
                      int pad_t, int pad_l, int OH, int OW);
void we_fa_dw_backward(float *dinp, const float *dout, const float *w, int C, int H, int W, int stride,
                       int pad_t, int pad_l, int OH, int OW);
/* out[Co][P] = w[Co][Ci] . inp[Ci][P] + bias[Co]. */
void we_fa_pw_forward(float *out, const float *inp, const float *w, const float *bias, int Ci, int P,
                      int Co);
/* dinp[Ci][P] (+)= w^T . dout; acc = 0 overwrites. */
void we_fa_pw_backward(float *dinp, const float *dout, const float *w, int Ci, int P, int Co, int acc);
/* Pooling, 'valid': out size (H-k)/s+1. maxpool saves the argmax (flat
 * index into the input plane) for the backward. */
void we_fa_maxpool_forward(float *out, int *argmax, const float *inp, int C, int H, int W, int k, int s,
                           int OH, int OW);
void we_fa_maxpool_backward(float *dinp, const float *dout, const int *argmax, int C, int H, int W,
                            int OH, int OW);
void we_fa_avgpool_forward(float *out, const float *inp, int C, int H, int W, int k, int s, int OH, int OW);
void we_fa_avgpool_backward(float *dinp, const float *dout, int C, int H, int W, int k, int s, int OH,
                            int OW);
/* Mean over H*W per channel: out[C]. */
void we_fa_gmean_forward(float *out, const float *inp, int C, int P);
void we_fa_gmean_backward(float *dinp, const float *dout, int C, int P);
/* Fully connected, W stored [in][out] as in the files: out = x.W + b (b may be NULL). */
void we_fa_fc_forward(float *out, const float *inp, const float *w, const float *bias, int in, int nout);
void we_fa_fc_backward(float *dinp, const float *dout, const float *w, int in, int nout);
/* In place ReLU; backward masks d by (pre > 0). */
void we_fa_relu(float *x, size_t n);
void we_fa_relu_backward(float *d, const float *pre, size_t n);
/* Softmax over n; backward: dlogits = p * (dp - sum(dp*p)). */
void we_fa_softmax_forward(float *p, const float *logits, int n);
void we_fa_softmax_backward(float *dlogits, const float *dp, const float *p, int n);

/* ---- input preparation (we_faceapi_prep.c) -------------------------------- */

/* face-api's per-channel mean (R, G, B), in 0..255 pixel units. */
extern const float we_fa_mean[3];

/* Geometry of pad-to-square + resize for an h x w crop to size x size. */
typedef struct {
    int h, w, size, L;       /* L = max(h, w) */
    int pad_t, pad_l;        /* zero rows/cols before the image in the square */
} we_fa_geom;
void we_fa_geom_init(we_fa_geom *g, int h, int w, int size);

/* img: C x h x w pixels in 0..255 (C = 3 RGB or 1 gray, replicated), as
 * floats. out: 3 x size x size, normalised ((v - mean)/255). sq: scratch of
 * 3*L*L floats. */
void we_fa_prep_forward(float *out, float *sq, const float *img, int C, const we_fa_geom *g);
/* dimg (C x h x w, overwritten) from dout (3 x size x size); gray sums the
 * three channels. sq: scratch 3*L*L. Gradient w.r.t. the 0..255 pixels. */
void we_fa_prep_backward(float *dimg, float *sq, const float *dout, int C, const we_fa_geom *g);

/* Any image tensor (u8 0..255, or f32 in [-1,1] as on `image` frames) to
 * a new f32 C x H x W tensor in 0..255. WE_EDATA for a wrong rank/C. */
we_status we_fa_image_to_pixels(const we_tensor *img, we_tensor *out);

/* ---- networks (we_faceapi_nets.c) ----------------------------------------- */

typedef enum { WE_FA_EXPR, WE_FA_LANDMARK, WE_FA_RECOG, WE_FA_NET_COUNT } we_fa_kind;

#define WE_FA_NCLASS 7
/* face-api's class order. */
extern const char *const we_fa_expr_names[WE_FA_NCLASS];
/* The project's vocabulary for the same classes (angry->anger, ...). */
extern const char *const we_fa_expr_vocab[WE_FA_NCLASS];

typedef struct we_fa_net we_fa_net;

/* Load a net from the model folder (NULL = we_fa_model_dir()). */
we_status we_fa_net_load(we_fa_net **net, we_fa_kind kind, const char *dir);
void we_fa_net_free(we_fa_net *net);
/* Move the net to a device: WE_DEV_CUDA uploads the weights and every
 * buffer (kernels/faceapi.cu); forward/backward keep taking host pointers
 * and copy in and out. WE_DEV_CPU (or a net already there) does nothing.
 * WE_EDEVICE when CUDA is missing or out of memory (then free the net). */
we_status we_fa_net_to_device(we_fa_net *net, we_device dev);
we_fa_kind we_fa_net_kind(const we_fa_net *net);
/* Input side (112 or 150) and output length (7, 136, 128). */
int we_fa_net_input_size(const we_fa_net *net);
int we_fa_net_output_len(const we_fa_net *net);

/* Forward on one prepared input (3 x S x S, normalised). out: expression:
 * 7 logits; landmarks: 136 values x0,y0,... as fractions of the padded
 * square; recognition: 128-d descriptor. Activations are kept in the net
 * for a following backward (a net is not thread-safe). */
we_status we_fa_net_forward(we_fa_net *net, float *out, const float *inp);
/* Gradient w.r.t. the prepared input (3 x S x S, overwritten) of the last
 * forward, given dout (length output_len; for expression: d logits). */
we_status we_fa_net_backward(we_fa_net *net, float *dinp, const float *dout);

/* Whole-crop convenience: pixels (C x h x w floats 0..255) -> prepared ->
 * forward. out as above, except landmarks are converted to crop pixels
 * (x, y pairs; face-api's postProcess) and expression gets softmax
 * probabilities. */
we_status we_fa_run_pixels(we_fa_net *net, float *out, const float *pix, int C, int h, int w);

/* ---- crops and the whole pipeline (we_faceapi_run.c) ---------------------- */

/* A box in integer image pixels (face-api's Box after clipAtImageBorders
 * and floor). */
typedef struct { int x, y, w, h; } we_fa_box;

/* Clip a box to a W x H image and floor it; w or h may become <= 0. */
we_fa_box we_fa_box_clip(double x, double y, double w, double h, int W, int H);
/* face-api's alignedRect for expressions: min/max box of the 68 points
 * (x,y pairs, image pixels) grown by 20% of its size, clipped. */
we_fa_box we_fa_box_minbbox(const float *lm, int W, int H);
/* face-api's alignDlib box for descriptors (eyes, mouth; doc/design/faceapi.md 6). */
we_fa_box we_fa_box_dlib(const float *lm, int W, int H);
/* Copy a box (inside the image) of C x H x W pixels into out (C x b.h x b.w). */
void we_fa_crop(float *out, const float *pix, int C, int H, int W, we_fa_box b);

typedef enum { WE_FA_CROP_WHOLE, WE_FA_CROP_ALIGN } we_fa_crop_mode;
/* Parse "whole" or "align" (the tools' --crop option); WE_EUSAGE otherwise. */
we_status we_fa_crop_parse(const char *s, we_fa_crop_mode *out);

typedef struct {
    int have_expr, have_lm, have_id;
    float expr[WE_FA_NCLASS]; /* probabilities, face-api order */
    float lm[136];            /* x,y pairs in the image's pixels */
    float id[128];            /* descriptor (not normalised) */
} we_fa_result;

/* Run whichever nets are non-NULL on one image (C x H x W floats 0..255).
 * WHOLE: each net gets the whole image. ALIGN (needs lm): landmarks on the
 * whole image, expression on we_fa_box_minbbox, identity on we_fa_box_dlib
 * (face-api's own pipeline after detection). */
we_status we_fa_analyse(we_fa_net *expr, we_fa_net *lm, we_fa_net *rec, we_fa_crop_mode mode,
                        const float *pix, int C, int H, int W, we_fa_result *r);
/* Index of the largest probability. */
int we_fa_expr_top(const float *p);
/* Map a label (project vocabulary or face-api's) to the class index, or -1
 * ("contempt" and unknown words). */
int we_fa_expr_index(const char *label);

#endif
