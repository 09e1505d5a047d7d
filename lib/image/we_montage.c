/* we_montage.c - contact sheets (see we_montage.h). */
#include "we_montage.h"

#include <stdlib.h>
#include <string.h>

#include "we_image.h"
#include "we_limits.h"

void we_montage_params_init(we_montage_params *p)
{
    p->tile = 0;
    p->gap = 2;
    p->per_row = 0;
    p->scale = 0;
    p->bg = 255;
    p->fg = 0;
}

void we_montage_init(we_montage *m, const we_montage_params *p)
{
    memset(m, 0, sizeof *m);
    if (p) m->p = *p;
    else we_montage_params_init(&m->p);
}

void we_montage_free(we_montage *m)
{
    for (int i = 0; i < m->n; i++) {
        we_tensor_free(&m->tile[i]);
        free(m->label[i]);
    }
    for (int r = 0; r < m->nrows; r++) {
        free(m->rowkey[r]);
        free(m->rowlabel[r]);
    }
    free(m->tile); free(m->label); free(m->row); free(m->col);
    free(m->rowkey); free(m->rowlabel); free(m->rowlen);
    memset(m, 0, sizeof *m);
}

static int font_scale(const we_montage *m)
{
    if (m->p.scale > 0) return m->p.scale;
    int s = m->p.tile / 64;
    return s < 1 ? 1 : s;
}

static char *dup_or_null(const char *s) { return s ? strdup(s) : NULL; }

/* Geometry of the sheet for the current contents. */
typedef struct {
    int C, cols, rows, fs, lab_h, rowlab_w, W, H;
} geom;

static int has_labels(const we_montage *m)
{
    for (int i = 0; i < m->n; i++)
        if (m->label[i] && *m->label[i]) return 1;
    return 0;
}

static void geometry(const we_montage *m, geom *g)
{
    g->C = 1;
    for (int i = 0; i < m->n; i++)
        if (m->tile[i].shape[0] == 3) g->C = 3;
    g->cols = 0;
    for (int r = 0; r < m->nrows; r++)
        if (m->rowlen[r] > g->cols) g->cols = m->rowlen[r];
    g->rows = m->nrows;
    g->fs = font_scale(m);
    g->lab_h = has_labels(m) ? 7 * g->fs + 2 * g->fs + 1 : 0;
    int maxc = 0;
    for (int r = 0; r < m->nrows; r++)
        if (m->rowlabel[r]) {
            int c = (int)strlen(m->rowlabel[r]);
            if (c > maxc) maxc = c;
        }
    if (maxc > 24) maxc = 24;
    g->rowlab_w = maxc ? maxc * 6 * g->fs + 2 * g->fs : 0;
    int gap = m->p.gap, t = m->p.tile;
    g->W = gap + g->rowlab_w + g->cols * (t + gap);
    g->H = gap + g->rows * (t + g->lab_h + gap);
}

static we_status grow(we_montage *m)
{
    if (m->n < m->cap) return WE_OK;
    int cap = m->cap ? m->cap * 2 : 16;
    we_tensor *t = realloc(m->tile, (size_t)cap * sizeof *t);
    if (t) m->tile = t;
    char **l = realloc(m->label, (size_t)cap * sizeof *l);
    if (l) m->label = l;
    int *r = realloc(m->row, (size_t)cap * sizeof *r);
    if (r) m->row = r;
    int *c = realloc(m->col, (size_t)cap * sizeof *c);
    if (c) m->col = c;
    if (!t || !l || !r || !c) return we_err_set(WE_ENOMEM, "out of memory (montage of %d images)", m->n);
    m->cap = cap;
    return WE_OK;
}

static int find_row(we_montage *m, const char *key, const char *row_label)
{
    if (key) {
        for (int r = m->nrows - 1; r >= 0; r--)
            if (m->rowkey[r] && !strcmp(m->rowkey[r], key)) return r;
    } else if (m->nrows && (m->p.per_row <= 0 || m->rowlen[m->nrows - 1] < m->p.per_row)) {
        return m->nrows - 1;
    }
    if (m->nrows == m->rowcap) {
        int cap = m->rowcap ? m->rowcap * 2 : 16;
        char **k = realloc(m->rowkey, (size_t)cap * sizeof *k);
        if (k) m->rowkey = k;
        char **l = realloc(m->rowlabel, (size_t)cap * sizeof *l);
        if (l) m->rowlabel = l;
        int *n = realloc(m->rowlen, (size_t)cap * sizeof *n);
        if (n) m->rowlen = n;
        if (!k || !l || !n) return -1;
        m->rowcap = cap;
    }
    int r = m->nrows++;
    m->rowkey[r] = dup_or_null(key);
    m->rowlabel[r] = NULL;
    m->rowlen[r] = 0;
    if ((key && !m->rowkey[r])) return -1;
    return r;
}

we_status we_montage_add(we_montage *m, const we_tensor *img, const char *row_key, const char *label,
                         const char *row_label)
{
    if (img->rank != 3 || (img->shape[0] != 1 && img->shape[0] != 3) || (img->dtype != WE_U8 && img->dtype != WE_F32))
        return we_err_set(WE_EDATA, "montage needs u8 or f32 C x H x W images with C = 1 or 3");
    if (m->p.tile <= 0) {
        if (img->shape[1] > 4096) return we_err_set(WE_ELIMIT, "first image is %lld pixels high; give a tile size",
                                                    (long long)img->shape[1]);
        m->p.tile = (int)img->shape[1];
    }
    we_status s = grow(m);
    if (s) return s;
    we_tensor u8, sq, rs;
    s = we_image_to_u8(img, &u8);
    if (s) return s;
    if (u8.shape[1] != u8.shape[2]) {
        s = we_image_crop_square(&u8, &sq);
        we_tensor_free(&u8);
        if (s) return s;
        u8 = sq;
    }
    if (u8.shape[1] != m->p.tile) {
        s = we_image_resize(&u8, m->p.tile, m->p.tile, &rs);
        we_tensor_free(&u8);
        if (s) return s;
        u8 = rs;
    }
    int r = find_row(m, row_key, row_label);
    if (r < 0) {
        we_tensor_free(&u8);
        return we_err_set(WE_ENOMEM, "out of memory (montage rows)");
    }
    if (row_label && !m->rowlabel[r]) m->rowlabel[r] = strdup(row_label);
    int i = m->n++;
    m->tile[i] = u8;
    m->label[i] = dup_or_null(label);
    m->row[i] = r;
    m->col[i] = m->rowlen[r]++;
    geom g;
    geometry(m, &g);
    we_status ls = we_limit_image((uint64_t)g.C, (uint64_t)g.H, (uint64_t)g.W, "contact sheet");
    if (ls) {
        m->rowlen[r]--;
        we_tensor_free(&m->tile[i]);
        free(m->label[i]);
        m->n--;
        return ls;
    }
    return WE_OK;
}

int we_montage_text(we_tensor *img, int x, int y, int s, int maxw, const char *text, uint8_t v)
{
    int C = (int)img->shape[0], H = (int)img->shape[1], W = (int)img->shape[2];
    uint8_t *d = img->data;
    int cx = x;
    for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
        unsigned ch = *p;
        if (ch >= 0x80) {            /* one '?' per UTF-8 sequence */
            while ((p[1] & 0xC0) == 0x80) p++;
            ch = '?';
        }
        if (ch < 32 || ch > 126) ch = '?';
        if (cx + 5 * s > x + maxw) break;
        const unsigned char *gl = we_montage_font[ch - 32];
        for (int r = 0; r < 7; r++)
            for (int c = 0; c < 5; c++) {
                if (!(gl[r] & (0x10 >> c))) continue;
                for (int dy = 0; dy < s; dy++)
                    for (int dx = 0; dx < s; dx++) {
                        int yy = y + r * s + dy, xx = cx + c * s + dx;
                        if (yy < 0 || yy >= H || xx < 0 || xx >= W) continue;
                        for (int k = 0; k < C; k++) d[((size_t)k * H + yy) * W + xx] = v;
                    }
            }
        cx += 6 * s;
    }
    return cx - x;
}

we_status we_montage_render(const we_montage *m, we_tensor *out)
{
    if (!m->n) return we_err_set(WE_EDATA, "no images to lay out");
    geom g;
    geometry(m, &g);
    we_status s = we_tensor_alloc3(out, WE_U8, g.C, g.H, g.W);
    if (s) return s;
    uint8_t *d = out->data;
    memset(d, m->p.bg, (size_t)g.C * g.H * g.W);
    int t = m->p.tile, gap = m->p.gap;
    for (int i = 0; i < m->n; i++) {
        const we_tensor *tl = &m->tile[i];
        int x0 = gap + g.rowlab_w + m->col[i] * (t + gap);
        int y0 = gap + m->row[i] * (t + g.lab_h + gap);
        const uint8_t *src = tl->data;
        int tc = (int)tl->shape[0];
        for (int k = 0; k < g.C; k++) {
            const uint8_t *sp = src + (size_t)(tc == 3 ? k : 0) * t * t;
            for (int y = 0; y < t; y++)
                memcpy(d + ((size_t)k * g.H + y0 + y) * g.W + x0, sp + (size_t)y * t, (size_t)t);
        }
        if (m->label[i] && *m->label[i])
            we_montage_text(out, x0 + g.fs, y0 + t + g.fs, g.fs, t - g.fs, m->label[i], m->p.fg);
    }
    for (int r = 0; r < m->nrows; r++)
        if (m->rowlabel[r]) {
            int y0 = gap + r * (t + g.lab_h + gap) + (t - 7 * g.fs) / 2;
            we_montage_text(out, gap + g.fs, y0, g.fs, g.rowlab_w - 2 * g.fs, m->rowlabel[r], m->p.fg);
        }
    return WE_OK;
}
