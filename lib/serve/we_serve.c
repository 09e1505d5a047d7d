/* we_serve.c - weserve's handler: routes, photo sessions, the edit queue
 * and its worker (we_serve.h). Everything is held in memory; one mutex
 * guards the tables, the worker runs a job with it released. */
#include "we_serve_priv.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "we_emotion.h"
#include "we_file.h"
#include "we_montage.h"
#include "we_prompt.h"


#define NSHEET 6 /* the contact sheet's emotions: happy sad surprise fear disgust anger */
static const int sheet_emotions[NSHEET] = {WE_EMO_HAPPY, WE_EMO_SAD, WE_EMO_SURPRISE,
                                           WE_EMO_FEAR, WE_EMO_DISGUST, WE_EMO_ANGER};
static const char *const web_files[][2] = {
    {"index.html", "text/html; charset=utf-8"},
    {"app.js", "text/javascript; charset=utf-8"},
    {"app.css", "text/css; charset=utf-8"},
};
#define NWEB (int)(sizeof web_files / sizeof web_files[0])

void we_serve_params_init(we_serve_params *p)
{
    memset(p, 0, sizeof *p);
    p->max_upload = 20u << 20;
    p->max_pixels = 40000000;
    p->max_queue = 4;
    p->max_photos = 16;
    p->max_jobs = 64;
    p->max_steps = 100;
    p->job_timeout = 300;
    p->wait_timeout = 600;
    p->conn_timeout = 30;
}

double we_serve_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* ---- growable text ------------------------------------------------------ */

void we_sb_printf(we_sbuf *b, const char *fmt, ...)
{
    if (b->oom) return;
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int k = vsnprintf(b->s + b->n, b->cap - b->n, fmt, ap);
        va_end(ap);
        if (k < 0) { b->oom = 1; return; }
        if (b->n + (size_t)k < b->cap) { b->n += (size_t)k; return; }
        size_t cap = (b->cap + (size_t)k + 1) * 2;
        char *s = realloc(b->s, cap);
        if (!s) { b->oom = 1; return; }
        b->s = s, b->cap = cap;
    }
}

/* A JSON string (quoted, escaped; bytes >= 0x80 pass: the text is UTF-8). */
void we_sb_str(we_sbuf *b, const char *s)
{
    we_sb_printf(b, "\"");
    for (; s && *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') we_sb_printf(b, "\\%c", c);
        else if (c < 0x20) we_sb_printf(b, "\\u%04x", c);
        else we_sb_printf(b, "%c", c);
    }
    we_sb_printf(b, "\"");
}

void we_sb_num(we_sbuf *b, double v)
{
    if (isfinite(v)) we_sb_printf(b, "%.4g", v);
    else we_sb_printf(b, "null");
}

/* ---- answers -------------------------------------------------------------- */

void we_serve_answer(we_serve_resp *rs, int status, const char *type, uint8_t *body, size_t len)
{
    rs->status = status;
    rs->type = type;
    rs->body = body;
    rs->len = len;
}

void we_serve_answer_json(we_serve_resp *rs, int status, we_sbuf *b)
{
    if (b->oom) {
        free(b->s);
        static const char msg[] = "{\"error\": \"out of memory\"}";
        we_serve_answer(rs, 500, "application/json", (uint8_t *)strdup(msg), sizeof msg - 1);
        return;
    }
    we_serve_answer(rs, status, "application/json", (uint8_t *)b->s, b->n);
}

void we_serve_error(we_serve_resp *rs, int status, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    we_sbuf b = {0};
    we_sb_printf(&b, "{\"error\": ");
    we_sb_str(&b, msg);
    we_sb_printf(&b, "}");
    we_serve_answer_json(rs, status, &b);
}

/* HTTP status for a library status on the request's data. */
int we_serve_http_status(we_status s)
{
    switch (s) {
    case WE_EUSAGE: case WE_EDATA: case WE_ETRUNC: return 400;
    case WE_ELIMIT: return 413;
    case WE_EUNSUPP: return 415;
    case WE_ENOMEM: return 503;
    default: return 500;
    }
}

void we_serve_error_status(we_serve_resp *rs, we_status s, const char *what)
{
    const char *d = we_err_detail();
    we_serve_error(rs, we_serve_http_status(s), "%s: %s", what, *d ? d : we_err_str(s));
}

/* ---- ids, sessions, jobs -------------------------------------------------- */

void we_serve_new_id(char id[WE_ID_LEN + 1])
{
    uint8_t r[WE_ID_LEN / 2];
    if (getrandom(r, sizeof r, 0) != (ssize_t)sizeof r) { /* never on Linux >= 3.17; a clock fallback */
        uint64_t t = (uint64_t)(we_serve_now() * 1e9) ^ (uint64_t)getpid() * 0x9e3779b97f4a7c15ull;
        for (size_t i = 0; i < sizeof r; i++) r[i] = (uint8_t)(t >> (8 * (i % 8))) ^ (uint8_t)(i * 77);
    }
    for (size_t i = 0; i < sizeof r; i++) sprintf(id + 2 * i, "%02x", r[i]);
}

void we_serve_photo_unref(photo_sess *p)
{
    if (p && --p->refs == 0) {
        we_photo_free(&p->ph);
        free(p->before);
        free(p);
    }
}

photo_sess *we_serve_find_photo(we_server *s, const char *id)
{
    for (int i = 0; id && i < s->nphotos; i++)
        if (!strcmp(s->photos[i]->id, id)) return s->photos[i];
    return NULL;
}

job *we_serve_find_job(we_server *s, const char *id)
{
    for (int i = 0; id && i < s->njobs; i++)
        if (!strcmp(s->jobs[i]->id, id)) return s->jobs[i];
    return NULL;
}

static void job_free(job *j)
{
    we_serve_photo_unref(j->photo);
    free(j->result);
    free(j->face);
    free(j->source);
    free(j->sheet);
    free(j->metrics);
    free(j);
}

/* Room for one more photo: drop the least recently used (its running jobs keep it alive). */
void we_serve_photos_make_room(we_server *s)
{
    while (s->nphotos >= s->p.max_photos) {
        int old = 0;
        for (int i = 1; i < s->nphotos; i++)
            if (s->photos[i]->used < s->photos[old]->used) old = i;
        we_serve_photo_unref(s->photos[old]);
        s->photos[old] = s->photos[--s->nphotos];
    }
}

/* Room for one more job: drop the oldest finished one. 0 when none is finished. */
int we_serve_jobs_make_room(we_server *s)
{
    while (s->njobs >= s->p.max_jobs) {
        int old = -1;
        for (int i = 0; i < s->njobs; i++)
            if (s->jobs[i]->state >= JOB_DONE && (old < 0 || s->jobs[i]->t_queued < s->jobs[old]->t_queued)) old = i;
        if (old < 0) return 0;
        job_free(s->jobs[old]);
        memmove(s->jobs + old, s->jobs + old + 1, sizeof *s->jobs * (size_t)(s->njobs - old - 1));
        s->njobs--;
    }
    return 1;
}

/* ---- the worker ------------------------------------------------------------ */

static we_status job_tick(void *ctx, long calls)
{
    job *j = ctx;
    we_server *s = j->srv;
    pthread_mutex_lock(&s->lock);
    j->done = calls;
    int stop = s->stopping || j->cancel;
    pthread_mutex_unlock(&s->lock);
    if (stop) return we_err_set(WE_EINTERNAL, "the server is stopping");
    if (we_serve_now() - j->t_start > s->p.job_timeout)
        return we_err_set(WE_ELIMIT, "the edit took longer than the server's limit of %.0f s", s->p.job_timeout);
    return WE_OK;
}

static void judge_json(we_sbuf *b, const we_photo_judgement *jd)
{
    we_sb_printf(b, "{\"before\": {");
    for (int k = 0; k < WE_FA_NCLASS; k++) we_sb_printf(b, "%s\"%s\": %.4f", k ? ", " : "", we_fa_expr_vocab[k], jd->before[k]);
    we_sb_printf(b, "}, \"after\": {");
    for (int k = 0; k < WE_FA_NCLASS; k++) we_sb_printf(b, "%s\"%s\": %.4f", k ? ", " : "", we_fa_expr_vocab[k], jd->after[k]);
    we_sb_printf(b, "}, \"top\": \"%s\", \"identity\": ", we_fa_expr_vocab[we_fa_expr_top(jd->after)]);
    we_sb_num(b, jd->identity);
    we_sb_printf(b, "}");
}

/* The edit's settings as the model resolved them: what the page shows. */
static void settings_json(we_sbuf *b, const we_server *s, const job *j, const we_edit_request *r)
{
    we_sb_printf(b, "\"settings\": {\"target\": \"%s\", \"prompt\": ", we_emotion_names[j->p.target]);
    if (*j->prompt) we_sb_str(b, j->prompt);
    else we_sb_printf(b, "null");
    we_sb_printf(b, ", \"intensity\": ");
    we_sb_num(b, j->p.intensity);
    we_sb_printf(b, ", \"g_low\": %.4g, \"g_high\": %.4g, \"strength\": %.4g, \"t0\": %d, \"steps\": %d, "
                 "\"seed\": %ld, \"faith\": %.4g, \"model\": ",
              r->p.g_low, r->p.g_high, r->p.strength, we_edit_t0(&r->p, s->e->model.cfg.T), r->p.steps, j->p.seed,
              r->p.faith);
    we_sb_str(b, s->e->model.name);
    we_sb_printf(b, ", \"face_size\": %d, \"model_size\": %d}", s->e->p.size, s->e->model.cfg.S);
}

static we_status run_edit(we_server *s, job *j, we_sbuf *mb)
{
    we_photo_engine *e = s->e;
    we_photo_judgement jd[WE_MAX_FACES];
    we_tensor out = {0}, crops[WE_MAX_FACES];
    we_edit_request r;
    long calls;
    we_status st = we_photo_edit_plan(e, &j->p, j->nfaces, &r, &calls);
    if (!st) st = we_photo_edit(e, &j->photo->ph, j->faces, j->nfaces, &j->p, &out, crops, jd);
    if (st) return st;
    st = we_photo_encode(&out, j->photo->ph.fmt, &j->result, &j->result_len, &j->mime);
    if (!st) st = we_image_encode_png(&crops[0], &j->face, &j->face_len);
    we_tensor src = {0};
    if (!st) st = we_image_f32_to_u8(&j->photo->ph.faces[j->faces[0]].image, &src);
    if (!st) st = we_image_encode_png(&src, &j->source, &j->source_len);
    we_tensor_free(&src);
    we_tensor_free(&out);
    for (int k = 0; k < j->nfaces; k++) we_tensor_free(&crops[k]);
    we_sb_printf(mb, "{\"kind\": \"edit\", ");
    settings_json(mb, s, j, &r);
    we_sb_printf(mb, ", \"faces\": [");
    for (int k = 0; k < j->nfaces; k++) {
        we_sb_printf(mb, "%s{\"face\": %d, \"judge\": ", k ? ", " : "", j->faces[k]);
        judge_json(mb, &jd[k]);
        we_sb_printf(mb, "}");
    }
    we_sb_printf(mb, "]}");
    return st;
}

static we_status run_sheet(we_server *s, job *j, we_sbuf *mb)
{
    we_photo_engine *e = s->e;
    we_montage_params mp;
    we_montage_params_init(&mp);
    mp.tile = 192;
    we_montage m;
    we_montage_init(&m, &mp);
    we_tensor src = {0};
    we_status st = we_image_f32_to_u8(&j->photo->ph.faces[j->faces[0]].image, &src);
    if (!st) st = we_montage_add(&m, &src, NULL, "source", NULL);
    we_tensor_free(&src);
    we_edit_request r;
    long calls;
    if (!st) st = we_photo_edit_plan(e, &j->p, 1, &r, &calls);
    we_sb_printf(mb, "{\"kind\": \"sheet\", ");
    settings_json(mb, s, j, &r);
    we_sb_printf(mb, ", \"faces\": [");
    for (int k = 0; k < NSHEET && !st; k++) {
        we_photo_edit_params p = j->p;
        p.target = sheet_emotions[k];
        we_tensor crop = {0};
        we_photo_judgement jd;
        long base = k * calls;
        j->tick_base = base;
        st = we_photo_edit(e, &j->photo->ph, j->faces, 1, &p, NULL, &crop, &jd);
        if (!st) st = we_montage_add(&m, &crop, NULL, we_emotion_names[p.target], NULL);
        we_tensor_free(&crop);
        if (st) break;
        we_sb_printf(mb, "%s{\"face\": %d, \"target\": \"%s\", \"judge\": ", k ? ", " : "", j->faces[0],
                  we_emotion_names[p.target]);
        judge_json(mb, &jd);
        we_sb_printf(mb, "}");
    }
    we_sb_printf(mb, "]}");
    we_tensor sheet = {0};
    if (!st) st = we_montage_render(&m, &sheet);
    if (!st) st = we_image_encode_png(&sheet, &j->sheet, &j->sheet_len);
    we_tensor_free(&sheet);
    we_montage_free(&m);
    return st;
}

static we_status sheet_tick(void *ctx, long calls)
{
    job *j = ctx;
    return job_tick(j, j->tick_base + calls);
}

static void *worker(void *arg)
{
    we_server *s = arg;
    pthread_mutex_lock(&s->lock);
    for (;;) {
        job *j = NULL;
        while (!s->stopping) {
            for (int i = 0; i < s->njobs; i++)
                if (s->jobs[i]->state == JOB_QUEUED && (!j || s->jobs[i]->seq < j->seq)) j = s->jobs[i];
            if (j) break;
            pthread_cond_wait(&s->cond, &s->lock);
        }
        if (s->stopping) break;
        double now = we_serve_now();
        if (now - j->t_queued > s->p.wait_timeout || j->cancel) {
            j->state = JOB_FAILED;
            snprintf(j->error, sizeof j->error, "the edit waited longer than the server's limit of %.0f s",
                     s->p.wait_timeout);
            s->nfailed++;
            continue;
        }
        j->state = JOB_RUNNING;
        j->t_start = now;
        pthread_mutex_unlock(&s->lock);

        s->e->model.tick = j->kind == JOB_SHEET ? sheet_tick : job_tick;
        s->e->model.tick_ctx = j;
        we_sbuf mb = {0};
        we_err_clear();
        we_status st = j->kind == JOB_SHEET ? run_sheet(s, j, &mb) : run_edit(s, j, &mb);
        char detail[256];
        snprintf(detail, sizeof detail, "%s", *we_err_detail() ? we_err_detail() : we_err_str(st));
        s->e->model.tick = NULL;

        pthread_mutex_lock(&s->lock);
        j->t_end = we_serve_now();
        if (st || mb.oom) {
            j->state = JOB_FAILED;
            snprintf(j->error, sizeof j->error, "%s", mb.oom ? "out of memory" : detail);
            free(mb.s);
            s->nfailed++;
        } else {
            j->state = JOB_DONE;
            j->done = j->total;
            j->metrics = mb.s;
            s->ndone++;
        }
        we_serve_photo_unref(j->photo); /* the result is kept; the photo may go */
        j->photo = NULL;
    }
    pthread_mutex_unlock(&s->lock);
    return NULL;
}

/* ---- create / free ------------------------------------------------------- */

static int demo_name_ok(const char *n)
{
    size_t k = strlen(n);
    if (k < 5 || k > 64 || n[0] == '.') return 0;
    for (size_t i = 0; i < k; i++)
        if (!(n[i] == '-' || n[i] == '_' || n[i] == '.' || (n[i] >= '0' && n[i] <= '9') ||
              (n[i] >= 'a' && n[i] <= 'z') || (n[i] >= 'A' && n[i] <= 'Z')))
            return 0;
    const char *dot = strrchr(n, '.');
    return dot && (!strcmp(dot, ".jpg") || !strcmp(dot, ".png") || !strcmp(dot, ".jpeg"));
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

we_status we_serve_create(we_server **out, we_photo_engine *e, const we_serve_params *p)
{
    *out = NULL;
    we_server *s = calloc(1, sizeof *s);
    if (!s) return we_err_set(WE_ENOMEM, "out of memory");
    s->e = e;
    s->p = *p;
    if (s->p.max_photos < 1) s->p.max_photos = 1;
    if (s->p.max_jobs < s->p.max_queue + 2) s->p.max_jobs = s->p.max_queue + 2;
    snprintf(s->web_dir, sizeof s->web_dir, "%s", p->web_dir ? p->web_dir : "web");
    we_status st = WE_OK;
    for (int i = 0; i < NWEB && !st; i++) {
        char path[PATH_MAX + 32];
        snprintf(path, sizeof path, "%s/%s", s->web_dir, web_files[i][0]);
        if ((st = we_file_read_all(path, 1u << 22, &s->web[i], &s->web_len[i])))
            st = we_err_set(st, "the page's file %s: %s", path, *we_err_detail() ? we_err_detail() : we_err_str(st));
    }
    if (!st && p->demo_dir && *p->demo_dir) {
        snprintf(s->demo_dir, sizeof s->demo_dir, "%s", p->demo_dir);
        DIR *d = opendir(p->demo_dir);
        for (struct dirent *de; d && (de = readdir(d)) && s->ndemos < WE_MAX_DEMOS;)
            if (demo_name_ok(de->d_name) && !(s->demos[s->ndemos] = strdup(de->d_name))) st = WE_ENOMEM;
            else if (demo_name_ok(de->d_name)) s->ndemos++;
        if (d) closedir(d);
        qsort(s->demos, (size_t)s->ndemos, sizeof *s->demos, cmp_str);
    }
    s->photos = calloc((size_t)s->p.max_photos, sizeof *s->photos);
    s->jobs = calloc((size_t)s->p.max_jobs, sizeof *s->jobs);
    if (!st && (!s->photos || !s->jobs)) st = we_err_set(WE_ENOMEM, "out of memory");
    pthread_mutex_init(&s->lock, NULL);
    pthread_cond_init(&s->cond, NULL);
    if (!st && pthread_create(&s->worker, NULL, worker, s)) st = we_err_set(WE_EINTERNAL, "cannot start the worker thread");
    else if (!st) s->have_worker = 1;
    if (st) {
        we_serve_free(s);
        return st;
    }
    *out = s;
    return WE_OK;
}

void we_serve_free(we_server *s)
{
    if (!s) return;
    we_serve_http_stop(s);
    pthread_mutex_lock(&s->lock);
    s->stopping = 1;
    pthread_cond_broadcast(&s->cond);
    pthread_mutex_unlock(&s->lock);
    if (s->have_worker) pthread_join(s->worker, NULL);
    for (int i = 0; i < s->njobs; i++) job_free(s->jobs[i]);
    for (int i = 0; i < s->nphotos; i++) we_serve_photo_unref(s->photos[i]);
    for (int i = 0; i < NWEB; i++) free(s->web[i]);
    for (int i = 0; i < s->ndemos; i++) free(s->demos[i]);
    free(s->jobs);
    free(s->photos);
    pthread_mutex_destroy(&s->lock);
    pthread_cond_destroy(&s->cond);
    free(s);
}

size_t we_serve_max_upload(const we_server *s)
{
    return s->p.max_upload;
}

void we_serve_get_stats(we_server *s, we_serve_stats *st)
{
    pthread_mutex_lock(&s->lock);
    memset(st, 0, sizeof *st);
    st->photos = s->nphotos;
    st->jobs_done = s->ndone;
    st->jobs_failed = s->nfailed;
    st->refused_busy = s->nbusy;
    st->refused_client = s->nclient;
    for (int i = 0; i < s->njobs; i++) {
        st->queued += s->jobs[i]->state == JOB_QUEUED;
        st->running += s->jobs[i]->state == JOB_RUNNING;
    }
    pthread_mutex_unlock(&s->lock);
}

static void exe_rel(char *buf, size_t cap, const char *const *rel, int nrel, const char *fallback)
{
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n > 0) {
        exe[n] = 0;
        char *sl = strrchr(exe, '/');
        if (sl) *sl = 0;
        for (int i = 0; sl && i < nrel; i++) {
            char cand[PATH_MAX + 64];
            snprintf(cand, sizeof cand, "%s/../%s", exe, rel[i]);
            if (access(cand, F_OK) == 0) { snprintf(buf, cap, "%s", cand); return; }
        }
    }
    snprintf(buf, cap, "%s", fallback);
}

void we_serve_web_dir(char *buf, size_t cap)
{
    static const char *const rel[] = {"share/waveemotion/web", "web"};
    exe_rel(buf, cap, rel, 2, "web");
}

void we_serve_demo_dir(char *buf, size_t cap)
{
    static const char *const rel[] = {"third_party/face-api/demo"};
    exe_rel(buf, cap, rel, 1, "");
}

