/* we_train_opt.c - wtrain's auxiliary loss options (see we_train.h). */
#include "we_train.h"

#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

const char we_train_aux_usage[] =
    "      --lambda-wav=F    weight of L_wav, subband-weighted L1 x0_hat - x0 (default 0)\n"
    "      --wav-weights=LOW,HIGH  L_wav weights of LL and LH/HL/HH (default 0.1,1)\n"
    "      --lambda-expr=F   weight of L_expr, our classifier's cross-entropy on IWT(x0_hat)\n"
    "                        (default 0; models/fexpr.safetensors or $WE_FEXPR, an\n"
    "                        orthogonal wavelet; face-api's net only judges)\n"
    "      --lambda-va=F     weight of L_VA, the classifier's valence/arousal squared error\n"
    "                        on IWT(x0_hat) against the item's (default 0)\n"
    "      --lambda-lm=F     weight of L_lm, NME of face-api's landmark net on IWT(x0_hat)\n"
    "                        against the item's `landmarks` frame (default 0)\n"
    "      --lambda-id=F     weight of L_id, 1 - cosine of face-api's identity descriptors\n"
    "                        of x0 and x0_hat (default 0)\n"
    "      --lambda-bg=F     weight of L_bg, L1 of x0_hat - x0 outside the landmark hull\n"
    "                        (default 0)\n"
    "      --aux-items=K     L_lm and L_id use at most K samples of a batch (default 0 = all)\n"
    "      --aux-tmax=N      auxiliary terms only for timesteps t < N (default 400)\n";

static we_status number(const char *name, const char *arg, double lo, double hi, double *out)
{
    char *end;
    double v = strtod(arg, &end);
    if (end == arg || *end || !(v >= lo && v <= hi))
        return we_err_set(WE_EUSAGE, "--%s: '%s' is not a number in %g..%g", name, arg, lo, hi);
    *out = v;
    return WE_OK;
}

we_status we_train_aux_option(const char *name, const char *arg, we_train_params *hp, unsigned *given)
{
    static const struct {
        const char *name;
        size_t off;     /* offsetof the float (or int when integer) in we_train_params */
        unsigned bit;
        int integer;
        double max;
    } t[] = {
        {"lambda-wav", offsetof(we_train_params, lambda_wav), WE_AUX_LAMBDA_WAV, 0, 1e6},
        {"lambda-expr", offsetof(we_train_params, lambda_expr), WE_AUX_LAMBDA_EXPR, 0, 1e6},
        {"lambda-va", offsetof(we_train_params, lambda_va), WE_AUX_LAMBDA_VA, 0, 1e6},
        {"lambda-lm", offsetof(we_train_params, lambda_lm), WE_AUX_LAMBDA_LM, 0, 1e6},
        {"lambda-id", offsetof(we_train_params, lambda_id), WE_AUX_LAMBDA_ID, 0, 1e6},
        {"lambda-bg", offsetof(we_train_params, lambda_bg), WE_AUX_LAMBDA_BG, 0, 1e6},
        {"aux-tmax", offsetof(we_train_params, aux_tmax), WE_AUX_TMAX, 1, 1e6},
        {"aux-items", offsetof(we_train_params, aux_items), WE_AUX_ITEMS, 1, 4096},
    };
    double v;
    we_status s;
    if (!strcmp(name, "wav-weights")) {
        const char *c = strchr(arg, ',');
        char lo[64];
        double w2;
        if (!c || (size_t)(c - arg) >= sizeof lo) return we_err_set(WE_EUSAGE, "--wav-weights: want LOW,HIGH, e.g. 0.1,1");
        memcpy(lo, arg, (size_t)(c - arg));
        lo[c - arg] = 0;
        if ((s = number(name, lo, 0, 1e6, &v)) || (s = number(name, c + 1, 0, 1e6, &w2))) return s;
        hp->wav_w_low = (float)v, hp->wav_w_high = (float)w2;
        *given |= WE_AUX_WAV_WEIGHTS;
        return WE_OK;
    }
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        if (strcmp(name, t[i].name)) continue;
        if ((s = number(name, arg, 0, t[i].max, &v))) return s;
        if (t[i].integer && v != floor(v)) return we_err_set(WE_EUSAGE, "--%s: '%s' is not an integer", name, arg);
        char *p = (char *)hp + t[i].off;
        if (t[i].integer) *(int *)p = (int)v;
        else *(float *)p = (float)v;
        *given |= t[i].bit;
        return WE_OK;
    }
    return we_err_set(WE_EUSAGE, "--%s: not an auxiliary loss option", name);
}
