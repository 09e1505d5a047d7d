/* we_heatmap.c - boundary heatmaps of the 68 landmarks' regions. */
#include "we_heatmap.h"

#include <math.h>
#include <string.h>

#include "we_affine.h"

typedef struct {
    const char *name;
    int first[2], last[2]; /* up to two polylines (the nose has two) */
    int closed;
} region;

static const region regions[WE_HEATMAP_REGIONS] = {
    {"jaw", {0, -1}, {16, -1}, 0},
    {"brow_l", {22, -1}, {26, -1}, 0},
    {"brow_r", {17, -1}, {21, -1}, 0},
    {"nose", {27, 31}, {30, 35}, 0},
    {"eye_l", {42, -1}, {47, -1}, 1},
    {"eye_r", {36, -1}, {41, -1}, 1},
    {"lips_outer", {48, -1}, {59, -1}, 1},
    {"lips_inner", {60, -1}, {67, -1}, 1},
};

const char *we_heatmap_region_name(int k)
{
    if (k >= 0 && k < WE_HEATMAP_REGIONS) return regions[k].name;
    if (k == WE_HEATMAP_REGIONS) return "mask";
    return NULL;
}

const char *we_heatmap_regions_key(int with_mask)
{
    return with_mask ? "jaw,brow_l,brow_r,nose,eye_l,eye_r,lips_outer,lips_inner,mask"
                     : "jaw,brow_l,brow_r,nose,eye_l,eye_r,lips_outer,lips_inner";
}

/* Squared distance from (x,y) to segment a-b. */
static double seg_d2(double x, double y, const double *a, const double *b)
{
    double ex = b[0] - a[0], ey = b[1] - a[1];
    double l2 = ex * ex + ey * ey;
    double t = l2 > 0 ? ((x - a[0]) * ex + (y - a[1]) * ey) / l2 : 0;
    if (t < 0) t = 0;
    if (t > 1) t = 1;
    double dx = x - (a[0] + t * ex), dy = y - (a[1] + t * ey);
    return dx * dx + dy * dy;
}

static double cross3(const double *o, const double *a, const double *b)
{
    return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0]);
}

void we_heatmap_forward(float *out, const float *pts, int src_h, int src_w,
                        int H, int W, float sigma, int with_mask)
{
    double p[68][2];
    double sx = (double)W / src_w, sy = (double)H / src_h;
    for (int i = 0; i < 68; i++) {
        p[i][0] = (pts[2 * i] + 0.5) * sx - 0.5;
        p[i][1] = (pts[2 * i + 1] + 0.5) * sy - 0.5;
    }
    double inv2s2 = 1.0 / (2.0 * (double)sigma * sigma);
    size_t plane = (size_t)H * W;
    /* Each segment only reaches pixels within 5 sigma (exp(-12.5) ~ 4e-6,
     * below that the value is 0): visit its bounding box, keep the max. */
    double reach = 5.0 * sigma;
    for (int k = 0; k < WE_HEATMAP_REGIONS; k++) {
        const region *r = &regions[k];
        float *o = out + k * plane;
        memset(o, 0, plane * sizeof *o);
        for (int l = 0; l < 2 && r->first[l] >= 0; l++) {
            int a = r->first[l], b = r->last[l];
            int nseg = b - a + (r->closed ? 1 : 0);
            for (int sgi = 0; sgi < nseg; sgi++) {
                const double *pa = p[a + sgi], *pb = p[sgi == b - a ? a : a + sgi + 1];
                int x0, x1, y0, y1;
                if (!we_affine_span(fmin(pa[0], pb[0]) - reach, fmax(pa[0], pb[0]) + reach, W, &x0, &x1) ||
                    !we_affine_span(fmin(pa[1], pb[1]) - reach, fmax(pa[1], pb[1]) + reach, H, &y0, &y1))
                    continue;
                for (int y = y0; y <= y1; y++)
                    for (int x = x0; x <= x1; x++) {
                        double d2 = seg_d2(x, y, pa, pb);
                        if (d2 > reach * reach) continue;
                        float v = (float)exp(-d2 * inv2s2);
                        float *q = &o[(size_t)y * W + x];
                        if (v > *q) *q = v;
                    }
            }
        }
    }
    if (!with_mask) return;
    /* Convex hull of the 68 points (monotone chain on an index order). */
    int idx[68];
    for (int i = 0; i < 68; i++) idx[i] = i;
    for (int i = 1; i < 68; i++) { /* insertion sort by (x, y): 68 points */
        int v = idx[i], j = i - 1;
        while (j >= 0 && (p[idx[j]][0] > p[v][0] || (p[idx[j]][0] == p[v][0] && p[idx[j]][1] > p[v][1]))) {
            idx[j + 1] = idx[j];
            j--;
        }
        idx[j + 1] = v;
    }
    int hull[137], k = 0;
    for (int i = 0; i < 68; i++) {
        while (k >= 2 && cross3(p[hull[k - 2]], p[hull[k - 1]], p[idx[i]]) <= 0) k--;
        hull[k++] = idx[i];
    }
    for (int i = 66, t = k + 1; i >= 0; i--) {
        while (k >= t && cross3(p[hull[k - 2]], p[hull[k - 1]], p[idx[i]]) <= 0) k--;
        hull[k++] = idx[i];
    }
    k--;
    float *o = out + WE_HEATMAP_REGIONS * plane;
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++) {
            double dmin = INFINITY; /* signed distance to the hull, > 0 inside */
            for (int e = 0; e < k; e++) {
                const double *a = p[hull[e]], *b = p[hull[(e + 1) % k]];
                double ex = b[0] - a[0], ey = b[1] - a[1], len = sqrt(ex * ex + ey * ey);
                if (len <= 0) continue;
                double d = (ex * (y - a[1]) - ey * (x - a[0])) / len;
                if (d < dmin) dmin = d;
            }
            if (k < 3) dmin = -INFINITY;
            /* Gaussian-smoothed edge: the CDF at the signed distance. */
            o[(size_t)y * W + x] = (float)(0.5 * erfc(-dmin / (sigma * sqrt(2.0))));
        }
}
