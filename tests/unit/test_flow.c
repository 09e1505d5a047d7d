/* test_flow.c - Horn-Schunck flow on known motions, the coarse-to-fine
 * warp, and the cascade edit with the source moved along its change
 * (cascade flow_alpha): a feature the model moves keeps its sharp detail
 * at the new place and leaves no ghost of it at the old one, while
 * outside the change the pixels stay the source's bit for bit; and the
 * simpler detail_fade, which drops the source's texture where the coarse
 * band changed a lot instead of moving it. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "we_cascade.h"
#include "we_flow.h"
#include "we_nn.h"
#include "we_warp.h"

/* A dark disc of radius r at (cx, cy) with a sharp ring texture, on a
 * smooth background; value in [-1,1]. scale: pixel size (1 = fine). */
static float face_px(double x, double y, double cx, double cy, double r)
{
    double d = hypot(x - cx, y - cy);
    double bg = 0.3 + 0.1 * sin(x * 0.05) * cos(y * 0.04);
    double disc = d < r ? -0.8 + 0.15 * sin(d * 2.5) : 0; /* the ring texture is the fine detail */
    return (float)(bg + disc);
}

static void draw(float *img, int S, double cx, double cy, double r)
{
    for (int y = 0; y < S; y++)
        for (int x = 0; x < S; x++) img[(size_t)y * S + x] = face_px(x + 0.5, y + 0.5, cx, cy, r);
}

/* Finest-level Haar detail energy of img [S,S] in the box [x0,x1) x [y0,y1) (fine px). */
static double detail_energy(const float *img, int S, int x0, int y0, int x1, int y1)
{
    double e = 0;
    for (int y = y0 / 2; y < y1 / 2; y++)
        for (int x = x0 / 2; x < x1 / 2; x++) {
            float a = img[(size_t)(2 * y) * S + 2 * x], b = img[(size_t)(2 * y) * S + 2 * x + 1];
            float c = img[(size_t)(2 * y + 1) * S + 2 * x], d = img[(size_t)(2 * y + 1) * S + 2 * x + 1];
            double lh = (a + b - c - d) / 2, hl = (a - b + c - d) / 2, hh = (a - b - c + d) / 2;
            e += lh * lh + hl * hl + hh * hh;
        }
    return e;
}

int main(void)
{
    we_nn_set_threads(1);
    enum { n = 32, S = 128, J = 2 };
    size_t n2 = (size_t)n * n, S2 = (size_t)S * S;
    float *a = malloc(n2 * sizeof(float)), *b = malloc(n2 * sizeof(float));
    float *u = malloc(n2 * sizeof(float)), *v = malloc(n2 * sizeof(float));
    float *work = malloc(we_flow_work_size(n, n) * sizeof(float));
    we_flow_params fp;
    we_flow_params_init(&fp);

    /* a smooth blob moved by (+1.5, -1): b(p) = a(p - (1.5, -1)), so the
     * flow at the blob is (-1.5, +1) */
    for (int y = 0; y < n; y++)
        for (int x = 0; x < n; x++) {
            double dx = x - 15.0, dy = y - 16.0, ex = x - 16.5, ey = y - 15.0;
            a[y * n + x] = (float)(0.8 * exp(-(dx * dx + dy * dy) / 18.0) - 0.3);
            b[y * n + x] = (float)(0.8 * exp(-(ex * ex + ey * ey) / 18.0) - 0.3);
        }
    we_flow_estimate(u, v, work, a, b, n, n, &fp);
    int c = 16 * n + 16;
    printf("     flow at the blob: (%.3f, %.3f), expected (-1.5, 1)\n", u[c], v[c]);
    CHECK(fabsf(u[c] + 1.5f) < 0.3f && fabsf(v[c] - 1.0f) < 0.3f, "flow recovers a known motion of a blob");
    double res0 = 0, res1 = 0;
    for (int y = 0; y < n; y++)
        for (int x = 0; x < n; x++) {
            size_t i = (size_t)y * n + x;
            double r0 = b[i] - a[i], r1 = b[i] - we_warp_sample(a, n, n, x + u[i], y + v[i], WE_BORDER_CLAMP);
            res0 += r0 * r0, res1 += r1 * r1;
        }
    CHECK(res1 < 0.05 * res0, "warping a by the flow explains b (residual < 5% of the plain difference)");

    we_flow_estimate(u, v, work, a, a, n, n, &fp);
    int zero = 1;
    for (size_t i = 0; i < n2; i++) zero &= u[i] == 0 && v[i] == 0;
    CHECK(zero, "identical planes: the flow is exactly zero");

    /* the warp: zero flow copies bit for bit; a constant coarse flow of 1 px
     * moves the fine image by f px */
    float *img = malloc(S2 * sizeof(float)), *out = malloc(S2 * sizeof(float));
    for (size_t i = 0; i < S2; i++) img[i] = (float)sin(0.37 * (double)i) * 0.5f;
    memset(u, 0, n2 * sizeof(float)), memset(v, 0, n2 * sizeof(float));
    we_flow_warp_up(out, img, u, v, n, n, 4);
    CHECK(!memcmp(out, img, S2 * sizeof(float)), "zero flow: the warp copies bit for bit");
    for (size_t i = 0; i < n2; i++) u[i] = 1, v[i] = 0;
    we_flow_warp_up(out, img, u, v, n, n, 4);
    CHECK(out[50 * S + 60] == img[50 * S + 64], "a coarse flow of 1 px moves a 4x finer image by 4 px");

    /* the cascade: the model moves a dark disc by 2 coarse px (8 fine px) */
    float *src = malloc(S2 * sizeof(float)), *moved = malloc(S2 * sizeof(float));
    float *x = malloc(n2 * sizeof(float)), *xe = malloc(n2 * sizeof(float));
    float *o_flow = malloc(S2 * sizeof(float)), *o_plain = malloc(S2 * sizeof(float));
    draw(src, S, 60, 64, 14);
    draw(moved, S, 68, 64, 14);
    CHECK(we_cascade_coarse(x, src, S, J) == WE_OK && we_cascade_coarse(xe, moved, S, J) == WE_OK, "coarse faces");
    we_cascade_params p;
    we_cascade_params_init(&p);
    p.tone_sigma = 0; /* the move is the whole change: keep it all */
    p.tone_mean = 0;
    CHECK(we_cascade_edit(o_plain, NULL, src, xe, NULL, S, J, NULL, &p) == WE_OK, "cascade edit, no flow");
    p.flow_alpha = 0.05f;
    we_cascade_pyr mk;
    CHECK(we_cascade_pyr_alloc(&mk, S, J) == WE_OK, "mask pyramid");
    CHECK(we_cascade_edit(o_flow, &mk, src, xe, NULL, S, J, NULL, &p) == WE_OK, "cascade edit with flow");
    int same = 1, inside = 0;
    for (size_t i = 0; i < S2; i++) {
        if (mk.ll[0][i] == 0) same &= o_flow[i] == src[i];
        else inside++;
    }
    CHECK(same && inside > 0, "with flow, outside the mask the pixels are the source's bit for bit");
    /* the disc's ring texture: its old left edge (x 46..54) should lose it,
     * the new right edge (x 74..82) should have it, as the true moved image */
    double ghost_plain = detail_energy(o_plain, S, 44, 56, 54, 72), ghost_flow = detail_energy(o_flow, S, 44, 56, 54, 72);
    double ghost_true = detail_energy(moved, S, 44, 56, 54, 72);
    double new_plain = detail_energy(o_plain, S, 74, 56, 84, 72), new_flow = detail_energy(o_flow, S, 74, 56, 84, 72);
    double new_true = detail_energy(moved, S, 74, 56, 84, 72);
    printf("     detail at the old edge: plain %.4f flow %.4f true %.4f; at the new edge: plain %.4f flow %.4f true %.4f\n",
           ghost_plain, ghost_flow, ghost_true, new_plain, new_flow, new_true);
    CHECK(fabs(ghost_flow - ghost_true) < fabs(ghost_plain - ghost_true), "flow: less ghost detail at the old place");
    CHECK(fabs(new_flow - new_true) < fabs(new_plain - new_true), "flow: the detail arrives at the new place");
    double e_plain = 0, e_flow = 0;
    for (size_t i = 0; i < S2; i++) {
        e_plain += fabs(o_plain[i] - moved[i]);
        e_flow += fabs(o_flow[i] - moved[i]);
    }
    printf("     L1 to the truly moved image: plain %.2f, flow %.2f\n", e_plain, e_flow);
    CHECK(e_flow < 0.7 * e_plain, "flow: the result is closer to the truly moved image");

    /* detail_fade (step 3b): no flow, the source's texture gives way where
     * the coarse band changed a lot: less ghost at the old edge than the
     * plain rebuild, the pixels outside the mask still the source's */
    float *o_fade = malloc(S2 * sizeof(float));
    p.flow_alpha = 0;
    p.detail_fade = 0.1f;
    CHECK(we_cascade_edit(o_fade, &mk, src, xe, NULL, S, J, NULL, &p) == WE_OK, "cascade edit with detail_fade");
    double ghost_fade = detail_energy(o_fade, S, 44, 56, 54, 72);
    printf("     detail at the old edge with detail_fade 0.1: %.4f (plain %.4f)\n", ghost_fade, ghost_plain);
    CHECK(ghost_fade < 0.5 * ghost_plain, "detail_fade: the ghost detail at the old place mostly gone");
    same = 1;
    for (size_t i = 0; i < S2; i++)
        if (mk.ll[0][i] == 0) same &= o_fade[i] == src[i];
    CHECK(same, "detail_fade: outside the mask the pixels are the source's bit for bit");
    free(o_fade);
    we_cascade_pyr_free(&mk);
    free(a), free(b), free(u), free(v), free(work), free(img), free(out);
    free(src), free(moved), free(x), free(xe), free(o_flow), free(o_plain);
    return check_summary();
}
