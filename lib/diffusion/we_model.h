/* we_model.h - one trained WaveEmotion model and what the tools do with it
 * (doc/design/model.md): the only place that loads and validates a checkpoint
 * (config from the metadata, `conditions`, EMA or raw weights,
 * `edit.guidance`), builds the UNet on the chosen device, owns the noise
 * schedule, the conditions and the guidance rules, and offers the three
 * entry points over a batch the tools call:
 *
 *   generate  - sample faces from noise (wsample)
 *   edit      - invert and re-generate wavelet items toward a target
 *               emotion (wdenoise; the algorithm is we_model_edit_batch);
 *               faces larger than the model's S (S * 2^k) go through the
 *               cascade (lib/diffusion/we_cascade.h): the model edits the
 *               coarse face, the photo's own detail is rebuilt around the
 *               change, with the file's detail net when it has one
 *   train     - set up a new or resumed training run from a config or a
 *               checkpoint and take steps on batches drawn from a data set
 *               (wtrain; the trainer is we_train.h)
 *
 * Guidance rules, in one place (we_model_guidance): the scale on both bands
 * is -g if given, else the model's metadata edit.guidance, else 4;
 * --g-low/--g-high replace it per band; per-condition scales (label, va,
 * heat) replace the band scales (label defaults to -g or the model's
 * default, the others to 0); an intensity I in [0, 1] then scales every
 * scale g to 1 + 2 I (g - 1) and the strength (or t0) by 0.5 + I.
 */
#ifndef WE_MODEL_H
#define WE_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "we_cascade.h"
#include "we_cond.h"
#include "we_detail.h"
#include "we_device.h"
#include "we_edit.h"
#include "we_err.h"
#include "we_layout_wavelet.h"
#include "we_sched.h"
#include "we_stream.h"
#include "we_train.h"
#include "we_train_data.h"
#include "we_train_rng.h"
#include "we_unet.h"
#include "we_unet_cuda.h"

/* The default model, relative to the source tree or the current directory,
 * and relative to an installation prefix. */
#define WE_MODEL_DEFAULT "models/default.safetensors"
#define WE_MODEL_INSTALLED "share/waveemotion/models/default.safetensors"

/* Model path into buf (cap bytes): request if not NULL, else $WE_MODEL if
 * set and not empty, else <dir of the executable>/../WE_MODEL_INSTALLED,
 * else <dir of the executable>/../WE_MODEL_DEFAULT (the first of the two
 * that exists), else WE_MODEL_DEFAULT relative to the current directory.
 * Returns 1 when the path came from request or $WE_MODEL, 0 for a default. */
int we_model_path(char *buf, size_t cap, const char *request);

struct we_fa_net;

typedef struct we_model {
    we_unet m;
    we_unet_config cfg;
    we_sched sch;
    we_cond cond;
    char name[256];         /* base name of the checkpoint file (edit.model) */
    int maxN;               /* batch capacity of the buffers below */
    int has_va;             /* the checkpoint's metadata lists "va" in `conditions` */
    float def_guidance;     /* metadata edit.guidance: the model's recommended scale, 0 = none */
    double ema_init;        /* the share of the random initial weights still in the EMA copy loaded
                               (train.ema ^ train.step; 0 = raw weights or unknown): a short run's
                               EMA is mostly noise, the tools warn above 0.05 */
    long ema_steps;         /* train.step behind it */
    int h;                  /* S/2 */
    size_t per;             /* 4C h h floats per item (model channels) */
    float *x, *heat, *va;   /* batch buffers: [maxN, 4C, h, h], [maxN, K, h, h], [maxN, 2] */
    float *theat;           /* [maxN, K, h, h]: target heatmaps (`target_heatmap` frames) */
    int32_t *tgt, *src, *vk;  /* [maxN] each */
    float *keep;            /* [maxN, 8 h h] CbCr of RGB items through a luminance model */
    we_unet_cuda *gpu;      /* the device twin, NULL on the CPU */
    struct we_fa_net *net;  /* face-api's expression net (edit source "net"), loaded on first use */
    we_train *train;        /* training state (we_model_train_start), NULL otherwise */
    we_st_file ck;          /* the checkpoint of a resumed run, between prepare and start */
    int resumed;
    we_detail *detail;      /* the file's detail net (tensors detail.*), NULL = none */
    we_cascade_params cas;  /* the file's cascade.* metadata, else we_cascade_params_init */
    float *coef;            /* [12 h h] one cascade item's coarse coefficients (edit) */
    float *xr, *coefr;      /* the batch's reconstruction [maxN, 4C, h, h] and one item's [12 h h] (cascade) */
    /* Called after each network evaluation of an edit (we_model_edit_batch)
     * with the evaluations so far in this batch (1, 2, ...; the batch makes
     * we_model_edit_calls of them); a status other than WE_OK stops the edit
     * and is returned (a server's cancel or time limit). NULL = none. */
    we_status (*tick)(void *ctx, long calls);
    void *tick_ctx;
} we_model;

/* Load the checkpoint at path for batches of up to maxN items, with the EMA
 * weights when the file has them and use_ema, and build the network on dev
 * (WE_DEV_CPU or WE_DEV_CUDA; resolve auto with we_device_resolve first).
 * WE_ENOINPUT if the file is missing, WE_EDATA for a file that is not a
 * valid WaveEmotion checkpoint, WE_EDEVICE without a GPU for WE_DEV_CUDA.
 * m is zeroed on failure. Free with we_model_free. */
we_status we_model_open(we_model *m, const char *path, int maxN, int use_ema, we_device dev);
/* A warning for the tools when the EMA copy loaded still holds more than
 * 5% of the random initial weights (a short run: its edits and samples are
 * mostly noise), written into buf and returned; NULL when there is none. */
const char *we_model_ema_warning(const we_model *m, char *buf, size_t cap);
void we_model_free(we_model *m);

/* ---- guidance --------------------------------------------------------- */

/* The guidance a user asked for; NAN = not given. */
typedef struct {
    double g;                        /* both bands (-g) */
    double g_low, g_high;            /* per band (--g-low, --g-high) */
    double g_cond[WE_COND_COUNT];    /* per condition: label, va, heat */
    double intensity;                /* in [0, 1] (-i or a prompt), NAN = none */
} we_guidance;

/* All NAN. */
void we_guidance_init(we_guidance *g);
/* Scale guidance and strength by an intensity I in [0, 1]:
 * *g = 1 + 2 I (*g - 1) (g may be NULL), *strength = min(1, *strength (0.5 + I))
 * (strength may be NULL). I = 0.5 leaves both as they are. */
void we_guidance_intensity(double I, double *g, double *strength);

/* ---- edit (wdenoise) -------------------------------------------------- */

enum { WE_SOURCE_KEY, WE_SOURCE_NET, WE_SOURCE_FIXED };

/* An edit: the target and everything that applies to all items. */
typedef struct {
    we_edit_params p;       /* sampler settings; guidance resolved by we_model_edit_setup */
    int target;             /* target label 0..8 (8 = NULL) */
    int have_va;
    float va[2];            /* target valence, arousal when have_va */
    int source;             /* WE_SOURCE_* */
    int source_label;       /* the label for WE_SOURCE_FIXED */
    int no_heat;            /* ignore heatmap frames: NULL heatmap condition */
    double intensity;       /* < 0: none (from we_model_edit_setup) */
    const char *prompt;     /* recorded as edit.prompt, or NULL; not owned */
} we_edit_request;

/* Defaults: we_edit_params_init, target NULL, source key, no va. */
void we_edit_request_init(we_edit_request *r);
/* The item's source: "key" (the frame's emotion key), "net" (face-api's
 * expression net) or an emotion name / "null" (fixed). WE_EUSAGE. */
we_status we_edit_source_parse(const char *s, we_edit_request *r);
/* Check the request against the model once and resolve its guidance: the
 * rules of the header comment from g (NULL = nothing given) and the model's
 * default. WE_EUSAGE (detail says why) for -g with --g-low/--g-high,
 * per-condition with per-band scales, a va scale without a va target, a
 * va target on a model trained without va, or sampler settings out of
 * range (we_edit_params_check). */
we_status we_model_edit_setup(const we_model *m, const we_guidance *g, we_edit_request *r);
/* Check an item's `wavelet` frame against the model: f32 [4 or 12, h, h],
 * one level, the model's wavelet (the keys levels, wavelet). id names the
 * item in the message. WE_EDATA. (The one reader of wavelet-frame keys.) */
we_status we_model_check_wavelet(const we_model *m, const we_frame *w, const char *id);
/* Check one item as we_model_edit will: its `wavelet` frame (the model's
 * size, or a larger face for the cascade: we_model_cascade_levels) and,
 * for a model with heatmaps and unless r->no_heat, its `heatmap` and
 * `target_heatmap` frames.
 * WE_OK for an item without a wavelet frame; WE_EDATA naming the item
 * otherwise, so a tool can skip a bad item before it joins a batch. */
we_status we_model_check_item(const we_model *m, const we_edit_request *r, we_item *it);
/* Edit the items of it[0..n) that have a `wavelet` frame (at most m->maxN,
 * each checked with we_model_check_wavelet), in place: the coefficients,
 * and the keys emotion, source_emotion, valence/arousal and edit.*. Items
 * without one are left alone. A model with heatmaps inverts under the
 * item's `heatmap` (its own landmarks) and denoises under its
 * `target_heatmap` when it has one (lmtarget -k | lmheat -t: the landmarks
 * the target emotion is expected to give), else under `heatmap` again.
 * *noheat (may be NULL) is set to the index of
 * the first item the model wanted a heatmap frame for and that had none
 * (edited with the NULL heatmap), else -1. rng for eta > 0. WE_EDATA
 * when an edited item's coefficients come out NaN/Inf (input far outside
 * dwt's range): the non-finite policy of wes(5). */
we_status we_model_edit(we_model *m, const we_edit_request *r, we_item *it, int n, int *noheat, we_rng *rng);

/* Network evaluations one we_model_edit_batch makes with p (guidance
 * resolved) and, when recon, the reconstruction pass of a cascade batch:
 * steps (inversion) + steps per guided step (1 unguided, 2 with band
 * guidance, 1 + the non-zero condition scales per-condition) + steps
 * (reconstruction). What m->tick counts up to. */
long we_model_edit_calls(const we_edit_params *p, int recon);

/* ---- cascade: faces of S * 2^k px (lib/diffusion/we_model_cascade.c) ---
 *
 * A `wavelet` frame of a square S_face = S * 2^k face (k = 1..
 * WE_CASCADE_MAX_J; any wavelet and levels dwt wrote) is edited by
 * we_model_edit in three steps: the face (inverted here; Y of an RGB face
 * for a luminance model) gives the coarse face x = we_cascade_coarse(., J
 * = k) of the model's size, which joins the batch like any S x S item
 * (same sampler, guidance, source rule; heatmaps at the model's size);
 * we_cascade_edit with the model's detail net (or none) rebuilds the face
 * around the edited coarse face; the change goes back into the frame's own
 * coefficients (same wavelet, levels and keys). A luminance model changes
 * R, G and B by the same dY, so the photo's CbCr stay; where the cascade's
 * mask is 0 every coefficient keeps its bits. */

/* Read the cascade settings (metadata cascade.mask_sigma, mask_lo,
 * mask_hi, mask_dilate, mask_feather, tone_sigma, tone_mean, flow_alpha,
 * detail_fade, region; defaults for
 * those absent) into m->cas and, when f has detail.* tensors (metadata
 * detail.format), the detail net into m->detail (owned; we_model_free).
 * WE_EDATA for a bad value or detail net, WE_ENOMEM. */
we_status we_model_cascade_load(we_model *m, const we_st_file *f);
/* Rewrite the model file at model_path (atomically) with the detail net of
 * the file at detail_path (its detail.* tensors: a wdtrain checkpoint's
 * EMA weights) and the settings p (NULL = defaults) as cascade.* metadata,
 * replacing any it had. WE_ENOINPUT, WE_EDATA (detail says which file). */
we_status we_model_add_detail(const char *model_path, const char *detail_path, const we_cascade_params *p);

/* wtrain --export: the checkpoint ckpt's EMA weights and config alone to
 * out (we_train_export: float16 when f16, edit.guidance when > 0), then,
 * when detail is not NULL, that wdtrain checkpoint's net bundled
 * (we_model_add_detail). Errors of either step; out is written atomically
 * by each. */
we_status we_model_export(const char *ckpt, const char *out, int f16, float edit_guidance, const char *detail);
/* Read w's layout into L and the cascade levels into *J: 0 for a frame of
 * the model's size (check it with we_model_check_wavelet), k >= 1 for an
 * unpadded square face of S * 2^k px with 1 or 3 channels and a wavelet
 * key. WE_EDATA otherwise, "item ID: ..." naming the sizes accepted and
 * the facealign -s that gives one. */
we_status we_model_cascade_levels(const we_model *m, const we_frame *w, const char *id, we_wavelet_layout *L, int *J);
/* Channels of the coarse face the model sees for a face of C channels:
 * 1 for a luminance model, else C (we_edit_to_model adapts them). */
int we_model_cascade_channels(const we_model *m, int C);
/* Step 1: coef [4 Cc, h, h] (Cc = we_model_cascade_channels, true
 * coefficients, one level of the model's wavelet) of the coarse face of
 * the cascade item w (layout L, levels J from we_model_cascade_levels). */
we_status we_model_cascade_coarse(const we_model *m, const we_frame *w, const we_wavelet_layout *L, int J, float *coef);
/* Steps 2-3: w's coefficients += the cascade's change, from coef, the
 * edited coarse coefficients (as step 1 gave them, edited), and recon,
 * the same coarse face reconstructed (we_sampler_edit_recon) or NULL: the
 * cascade then sees the coarse face source + (edit - recon), so that the
 * inversion's round-trip drift, which edit - source holds everywhere,
 * neither enters the photo nor spreads the change mask. lm: the item's
 * 68 landmarks in the face's pixels, or NULL; with cascade.region > 0 the
 * change stays within those landmark regions (we_face_region.h).
 * WE_ENOMEM, WE_EDATA (bad landmarks). */
we_status we_model_cascade_apply(we_model *m, we_frame *w, const we_wavelet_layout *L, int J, const float *coef,
                                 const float *recon, const float *lm);

/* ---- generate (wsample) ----------------------------------------------- */

typedef struct {
    int label;              /* 0..8 (8 = NULL, unconditional) */
    int have_va;
    double va[2];           /* valence, arousal when have_va */
    int ddpm;               /* 0: DDIM, 1: DDPM ancestral */
    int steps;              /* reverse steps, <= 0: 50 for DDIM, T for DDPM */
    double eta;             /* DDIM eta (0) */
    double g_low, g_high;   /* guidance per band (1, 1 = none) */
    double clip;            /* clamp predicted x0 to [-clip, clip], 0 = off (1) */
    int wavelet_out;        /* `wavelet` frames instead of `image` frames */
    long seed;              /* recorded as the seed key (1) */
    const float *given;     /* a model that diffuses only some bands (region high or low) takes
                               the others from real faces: [n_given, 4C, h, h] in model units
                               (we_model_given_read); sample i uses item i % n_given. NULL = none */
    int n_given;
} we_gen_params;

void we_gen_params_init(we_gen_params *p);
/* Check p against the model and fill in the default steps: steps <= T,
 * eta only with DDIM, a va target only for a model trained with va, a
 * model that diffuses all bands or given faces for the others. WE_EUSAGE. */
we_status we_model_generate_setup(const we_model *m, we_gen_params *p);
/* Sample N <= maxN faces into out[0..N) (initialised here): `image`
 * frames C x S x S in [-1, 1] (or `wavelet` frames 4C x h x h, true
 * coefficients) with the keys id (sample<first+i>), emotion, valence,
 * arousal, sampler, steps, seed, g_low/g_high. */
we_status we_model_generate(we_model *m, const we_gen_params *p, int first, int N, we_frame *out, we_rng *rng);
/* The faces that give a region model's clean bands (we_gen_params.given):
 * the first `max` items of r with a `wavelet` frame of the model's own
 * size, layout and wavelet (as wdenoise takes them; RGB for a luminance
 * model goes through its luma), scaled to model units, into *x (malloc'd,
 * [*n, 4C, h, h]); the rest of the stream is not read (memory stays
 * bounded by max). WE_EDATA for a frame of another size or wavelet, or no
 * such frame at all; WE_ENOMEM. */
we_status we_model_given_read(const we_model *m, we_reader *r, int max, float **x, int *n);

/* ---- train (wtrain) --------------------------------------------------- */

/* `given` for we_model_train_start: WE_SET_* bits (we_train.h); the
 * auxiliary settings among them replace a resumed run's. */

/* Step 1 of a run: the config. resume_path NULL: *cfg is the new run's (S,
 * C and K are taken from the data later); else the checkpoint there is read
 * (kept in m for step 2) and *cfg becomes its config. WE_ENOINPUT,
 * WE_EDATA. m is initialised here. */
we_status we_model_train_prepare(we_model *m, we_unet_config *cfg, const char *resume_path);
/* Between steps 1 and 2 of a resumed run: reconcile hp and run (the
 * settings this command line asks for; `given` the WE_AUX_* / WE_SET_* bits
 * of the options it gave) with those stored in the checkpoint
 * (we_train_settings, we_runset_resume): options not given take the stored
 * values, a given one that differs is WE_EUSAGE unless allow. note as
 * we_runset_resume (what changed or was not stored, for a warning). */
we_status we_model_train_reconcile(we_model *m, we_train_params *hp, we_train_run *run, unsigned given, int allow,
                                   char *note, size_t cap);
/* Step 2: fit the data (a new run takes S, C, K from it; a resumed one must
 * match), validate the config (WE_EUSAGE), build the UNet for batches of
 * run->batch, initialise it from run->seed (new run) or restore weights,
 * optimizer, step and random state (resumed; then the auxiliary settings of
 * hp named in `given` replace the stored ones), and move to dev. m->train
 * is the trainer; it saves *run with its checkpoints. */
we_status we_model_train_start(we_model *m, const we_unet_config *cfg, const we_train_data *ds,
                               const we_train_run *run, const we_train_params *hp, unsigned given, we_device dev);
/* One optimizer step on N <= maxN items of ds drawn uniformly with the
 * trainer's (saved) random state; loss and gradient norm as we_train_step. */
we_status we_model_train_step(we_model *m, const we_train_data *ds, int N, float *loss, float *gnorm);

/* Edit N <= maxN items of the model em in place: the algorithm behind
 * we_model_edit (lib/diffusion/we_model_edit.c). x: [N, 4C, h, h] true
 * coefficients with C the model's channels (use we_edit_to_model first).
 * recon: NULL, or [N, 4C, h, h] out: the reconstruction of each item
 * (we_sampler_edit_recon; the cascade's reference). src_label [N]
 * (8 = NULL); tgt_label for all; va: target (valence, arousal) or NULL;
 * heat: [N, K, h, h] or NULL (NULL heatmaps): the target's; heat_src: the
 * source's for the inversion, or NULL (heat for both). rng for eta > 0. */
we_status we_model_edit_batch(we_model *em, const we_edit_params *p, float *x, float *recon,
                              const int32_t *src_label, int tgt_label, const float *va, const float *heat,
                              const float *heat_src, int N, we_rng *rng);

#endif
