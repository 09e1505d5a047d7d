/* we_unet_config.c - the UNet's config: defaults, checks and the
 * checkpoint metadata it is stored in (see we_unet.h). */
#include "we_unet.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "we_wavelet.h"

void we_unet_config_init(we_unet_config *c)
{
    memset(c, 0, sizeof *c);
    c->S = 64;
    c->C = 3;
    c->J = 1;
    c->K = 0;
    c->nf = 64;
    c->nlevels = 4;
    c->mult[0] = 1, c->mult[1] = 2, c->mult[2] = 2, c->mult[3] = 2;
    c->num_res = 2;
    c->nattn = 1;
    c->attn[0] = 2;
    c->T = 1000;
    c->schedule = WE_SCHED_LINEAR;
    c->region = WE_REGION_ALL;
    strcpy(c->wavelet, "haar");
    c->data_scale = 0.5f;
}

we_status we_unet_config_validate(const we_unet_config *c)
{
    if (c->C != 1 && c->C != 3) return we_err_set(WE_EUSAGE, "model: C must be 1 or 3, not %d", c->C);
    if (c->J < 1 || c->J > 4) return we_err_set(WE_EUSAGE, "model: J (data levels) %d out of range 1..4", c->J);
    if (c->K < 0 || c->K > 64) return we_err_set(WE_EUSAGE, "model: K (heatmap channels) %d out of range 0..64", c->K);
    if (c->nf < 4 || c->nf > 1024 || c->nf % 4) return we_err_set(WE_EUSAGE, "model: nf %d must be a multiple of 4 in 4..1024", c->nf);
    if (c->nlevels < 1 || c->nlevels > WE_UNET_MAX_LEVELS) return we_err_set(WE_EUSAGE, "model: 1..%d levels, not %d", WE_UNET_MAX_LEVELS, c->nlevels);
    for (int l = 0; l < c->nlevels; l++)
        if (c->mult[l] < 1 || c->mult[l] > 16) return we_err_set(WE_EUSAGE, "model: channel multiplier %d out of range 1..16", c->mult[l]);
    if (c->num_res < 1 || c->num_res > 8) return we_err_set(WE_EUSAGE, "model: num_res %d out of range 1..8", c->num_res);
    for (int i = 0; i < c->nattn; i++)
        if (c->attn[i] < 0 || c->attn[i] >= c->nlevels) return we_err_set(WE_EUSAGE, "model: attention level %d not in 0..%d", c->attn[i], c->nlevels - 1);
    /* the network runs at S/2^J and halves nlevels-1 times, then once more in the bottleneck */
    int need = 1 << (c->nlevels + c->J);
    if (c->S < need || c->S % need || c->S > 4096)
        return we_err_set(WE_EUSAGE, "model: S %d must be a multiple of %d (2^(levels+J)) and <= 4096", c->S, need);
    if (c->T < 2 || c->T > 100000) return we_err_set(WE_EUSAGE, "model: T %d out of range 2..100000", c->T);
    if (!(c->data_scale > 0) || !isfinite(c->data_scale)) return we_err_set(WE_EUSAGE, "model: data_scale must be finite and > 0");
    const we_wavelet *wv;
    if (we_wavelet_parse(c->wavelet, &wv) != WE_OK)
        return we_err_set(WE_EUSAGE, "model: unknown wavelet '%.32s' (dwt --help lists them)", c->wavelet);
    return WE_OK;
}

int we_unet_parse_intlist(const char *s, int *arr, int max)
{
    int n = 0;
    if (!*s) return 0;
    while (*s) {
        char *e;
        long v = strtol(s, &e, 10);
        if (e == s || n >= max || v < -1000000 || v > 1000000) return -1;
        arr[n++] = (int)v;
        s = e;
        if (*s == ',') s++;
        else if (*s) return -1;
    }
    return n;
}

static we_status meta_int(const we_st_file *f, const char *k, int *out)
{
    const char *v = we_st_meta(f, k);
    if (!v) return we_err_set(WE_EDATA, "checkpoint metadata lacks '%s'", k);
    char *e;
    errno = 0;
    long x = strtol(v, &e, 10);
    if (e == v || *e) return we_err_set(WE_EDATA, "checkpoint metadata '%s' = '%.40s' is not an integer", k, v);
    if (errno == ERANGE || x < INT_MIN || x > INT_MAX)
        return we_err_set(WE_EDATA, "checkpoint metadata '%s' = '%.40s' is out of the int range", k, v);
    *out = (int)x;
    return WE_OK;
}

we_status we_unet_config_from_meta(we_unet_config *c, const we_st_file *f)
{
    we_unet_config_init(c);
    const char *fmt = we_st_meta(f, "format");
    if (!fmt || strcmp(fmt, "waveemotion-unet")) return we_err_set(WE_EDATA, "not a WaveEmotion model checkpoint (metadata format is not waveemotion-unet)");
    we_status s;
    if ((s = meta_int(f, "S", &c->S)) || (s = meta_int(f, "C", &c->C)) || (s = meta_int(f, "K", &c->K)) ||
        (s = meta_int(f, "nf", &c->nf)) || (s = meta_int(f, "num_res", &c->num_res)) || (s = meta_int(f, "T", &c->T)))
        return s;
    const char *v = we_st_meta(f, "mult");
    if (!v || (c->nlevels = we_unet_parse_intlist(v, c->mult, WE_UNET_MAX_LEVELS)) < 1)
        return we_err_set(WE_EDATA, "checkpoint metadata 'mult' missing or bad");
    v = we_st_meta(f, "attn_levels");
    if (!v || (c->nattn = we_unet_parse_intlist(v, c->attn, WE_UNET_MAX_LEVELS)) < 0)
        return we_err_set(WE_EDATA, "checkpoint metadata 'attn_levels' missing or bad");
    v = we_st_meta(f, "schedule");
    if (!v || we_sched_parse(v, &c->schedule)) return we_err_set(WE_EDATA, "checkpoint metadata 'schedule' missing or bad");
    v = we_st_meta(f, "noise_region");
    if (!v || we_region_parse(v, &c->region)) return we_err_set(WE_EDATA, "checkpoint metadata 'noise_region' missing or bad");
    v = we_st_meta(f, "wavelet");
    if (!v || strlen(v) >= sizeof c->wavelet) return we_err_set(WE_EDATA, "checkpoint metadata 'wavelet' missing or bad");
    strcpy(c->wavelet, v);
    v = we_st_meta(f, "data_scale");
    if (v) c->data_scale = strtof(v, NULL);
    if (we_st_meta(f, "J") && (s = meta_int(f, "J", &c->J))) return s; /* absent: one level (older models) */
    s = we_unet_config_validate(c);
    if (s) return we_err_set(WE_EDATA, "checkpoint config: %s", we_err_detail());
    return WE_OK;
}

we_status we_unet_config_to_meta(const we_unet_config *c, we_st_writer *w)
{
    char buf[128];
    int k = 0;
    we_status s = we_st_writer_meta(w, "format", "waveemotion-unet");
    s = s ? s : we_st_writer_metaf(w, "S", "%d", c->S);
    s = s ? s : we_st_writer_metaf(w, "C", "%d", c->C);
    if (c->J != 1) s = s ? s : we_st_writer_metaf(w, "J", "%d", c->J); /* one level: files as before */
    s = s ? s : we_st_writer_metaf(w, "K", "%d", c->K);
    s = s ? s : we_st_writer_metaf(w, "nf", "%d", c->nf);
    for (int i = 0; i < c->nlevels; i++) k += snprintf(buf + k, sizeof buf - (size_t)k, i ? ",%d" : "%d", c->mult[i]);
    s = s ? s : we_st_writer_meta(w, "mult", buf);
    s = s ? s : we_st_writer_metaf(w, "num_res", "%d", c->num_res);
    k = 0;
    buf[0] = 0;
    for (int i = 0; i < c->nattn; i++) k += snprintf(buf + k, sizeof buf - (size_t)k, i ? ",%d" : "%d", c->attn[i]);
    s = s ? s : we_st_writer_meta(w, "attn_levels", buf);
    s = s ? s : we_st_writer_metaf(w, "T", "%d", c->T);
    s = s ? s : we_st_writer_meta(w, "schedule", we_sched_name(c->schedule));
    s = s ? s : we_st_writer_meta(w, "noise_region", we_region_name(c->region));
    s = s ? s : we_st_writer_meta(w, "wavelet", c->wavelet);
    s = s ? s : we_st_writer_metaf(w, "data_scale", "%.9g", c->data_scale);
    return s;
}
