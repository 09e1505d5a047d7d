/* we_sched.c - linear and cosine DDPM schedules (see we_sched.h). */
#include "we_sched.h"
#include "we_names.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char *names[] = {
#define WE_X_SCH(e, s) s,
    WE_SCHED_LIST(WE_X_SCH)
#undef WE_X_SCH
};

const char *we_sched_name(we_sched_kind k)
{
    return (unsigned)k < WE_SCHED_COUNT ? names[k] : "?";
}

we_status we_sched_parse(const char *s, we_sched_kind *out)
{
    int i = we_name_index(names, WE_SCHED_COUNT, s);
    if (i >= 0) { *out = (we_sched_kind)i; return WE_OK; }
    return we_err_set(WE_EUSAGE, "unknown schedule '%s' (linear, cosine)", s);
}

static const char *region_names[] = {
#define WE_X_REG(e, s) s,
    WE_REGION_LIST(WE_X_REG)
#undef WE_X_REG
};

const char *we_region_name(we_region r)
{
    return (unsigned)r < WE_REGION_COUNT ? region_names[r] : "?";
}

we_status we_region_parse(const char *s, we_region *out)
{
    int i = we_name_index(region_names, WE_REGION_COUNT, s);
    if (i >= 0) { *out = (we_region)i; return WE_OK; }
    return we_err_set(WE_EUSAGE, "unknown noise region '%s' (all, high, low)", s);
}

static double cosf_(double u, int T)
{
    const double s = 0.008;
    double c = cos((u / T + s) / (1 + s) * M_PI / 2);
    return c * c;
}

we_status we_sched_init(we_sched *s, we_sched_kind kind, int T)
{
    memset(s, 0, sizeof *s);
    if (T < 2 || T > 100000) return we_err_set(WE_EUSAGE, "schedule length %d out of range 2..100000", T);
    if ((unsigned)kind >= WE_SCHED_COUNT) return we_err_set(WE_EUSAGE, "bad schedule kind");
    s->betas = malloc(sizeof(double) * (size_t)T);
    s->acp = malloc(sizeof(double) * (size_t)T);
    if (!s->betas || !s->acp) { we_sched_free(s); return we_err_set(WE_ENOMEM, "schedule: out of memory"); }
    s->kind = kind;
    s->T = T;
    for (int i = 0; i < T; i++) {
        if (kind == WE_SCHED_LINEAR) {
            /* torch.linspace: start + i*step for the first half, end - (T-1-i)*step after */
            double step = (0.02 - 1e-4) / (T - 1);
            s->betas[i] = i < T / 2 ? 1e-4 + step * i : 0.02 - step * (T - 1 - i);
        } else {
            double b = 1 - cosf_(i + 1, T) / cosf_(i, T);
            s->betas[i] = b < 0.999 ? b : 0.999;
        }
    }
    double p = 1;
    for (int i = 0; i < T; i++) {
        p *= 1 - s->betas[i];
        s->acp[i] = p;
    }
    return WE_OK;
}

void we_sched_free(we_sched *s)
{
    free(s->betas);
    free(s->acp);
    memset(s, 0, sizeof *s);
}

double we_sched_acp(const we_sched *s, int t)
{
    if (t < 0) return 1.0;
    if (t >= s->T) t = s->T - 1;
    return s->acp[t];
}
