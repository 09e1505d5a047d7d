/* we_serve_routes.c - we_serve_handle: one request in, one answer out
 * (the routes of we_serve.h). Arguments are checked here, before anything
 * is queued: a bad one is a 400 naming it. */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "we_emotion.h"
#include "we_file.h"
#include "we_prompt.h"
#include "we_serve_priv.h"

static const char *arg(const we_serve_req *rq, const char *name)
{
    const char *v = rq->arg ? rq->arg(rq->arg_ctx, name) : NULL;
    return v && *v ? v : NULL;
}

/* A number argument in [lo, hi]; absent leaves *out. 0, or -1 after answering 400. */
static int num_arg(const we_serve_req *rq, we_serve_resp *rs, const char *name, double lo, double hi, double *out)
{
    const char *v = arg(rq, name);
    if (!v) return 0;
    char *end;
    errno = 0;
    double d = strtod(v, &end);
    if (errno || *end || end == v || !(d >= lo && d <= hi)) {
        we_serve_error(rs, 400, "%s: '%.40s' is not a number in %g..%g", name, v, lo, hi);
        return -1;
    }
    *out = d;
    return 0;
}

static void answer_static(we_server *s, we_serve_resp *rs, int i, const char *type)
{
    uint8_t *b = malloc(s->web_len[i] + 1);
    if (!b) { we_serve_error(rs, 503, "out of memory"); return; }
    memcpy(b, s->web[i], s->web_len[i]);
    we_serve_answer(rs, 200, type, b, s->web_len[i]);
}

static void route_info(we_server *s, we_serve_resp *rs)
{
    we_sbuf b = {0};
    const we_model *m = &s->e->model;
    we_sb_printf(&b, "{\"model\": ");
    we_sb_str(&b, m->name);
    we_sb_printf(&b, ", \"model_size\": %d, \"face_size\": %d, \"guidance\": %.4g, \"steps\": %d, "
                     "\"max_upload\": %zu, \"max_pixels\": %llu, \"max_steps\": %d, \"max_queue\": %d, "
                     "\"emotions\": [",
                 m->cfg.S, s->e->p.size, m->def_guidance > 0 ? m->def_guidance : 4.0,
                 s->p.default_steps > 0 ? s->p.default_steps : 40, s->p.max_upload,
                 (unsigned long long)s->p.max_pixels, s->p.max_steps, s->p.max_queue);
    for (int k = 0; k < WE_EMOTION_COUNT; k++) we_sb_printf(&b, "%s\"%s\"", k ? ", " : "", we_emotion_names[k]);
    we_sb_printf(&b, "], \"demos\": [");
    for (int k = 0; k < s->ndemos; k++) {
        we_sb_printf(&b, k ? ", " : "");
        we_sb_str(&b, s->demos[k]);
    }
    we_sb_printf(&b, "]}");
    we_serve_answer_json(rs, 200, &b);
}

/* POST /api/photo: the upload (or a demo by name) decoded, its faces found. */
static void route_photo(we_server *s, const we_serve_req *rq, we_serve_resp *rs)
{
    const char *demo = arg(rq, "demo");
    uint8_t *own = NULL;
    const uint8_t *buf = rq->body;
    size_t n = rq->body_len;
    char name[80] = "photo";
    if (demo) {
        int k = 0;
        while (k < s->ndemos && strcmp(s->demos[k], demo)) k++;
        if (k == s->ndemos) { we_serve_error(rs, 404, "no demo photo called '%.60s'", demo); return; }
        char path[4200];
        snprintf(path, sizeof path, "%s/%s", s->demo_dir, s->demos[k]); /* a name from our own listing */
        we_status st = we_file_read_all(path, s->p.max_upload, &own, &n);
        if (st) { we_serve_error_status(rs, st, "demo photo"); return; }
        buf = own;
        snprintf(name, sizeof name, "%.*s", (int)(strrchr(demo, '.') - demo), demo);
    } else if (!buf || !n) {
        we_serve_error(rs, 400, "no photo in the request (send a JPEG or PNG as the form field 'photo')");
        return;
    } else if (n > s->p.max_upload) {
        we_serve_error(rs, 413, "the photo is %zu bytes, the limit is %zu", n, s->p.max_upload);
        return;
    }
    photo_sess *p = calloc(1, sizeof *p);
    if (!p) { free(own); we_serve_error(rs, 503, "out of memory"); return; }
    we_err_clear();
    we_status st = we_photo_load(s->e, buf, n, s->p.max_pixels, &p->ph);
    free(own);
    if (!st) st = we_photo_encode(&p->ph.img, p->ph.fmt, &p->before, &p->before_len, &p->before_mime);
    if (st) {
        char d[300];
        snprintf(d, sizeof d, "%s", *we_err_detail() ? we_err_detail() : we_err_str(st));
        we_photo_free(&p->ph);
        free(p->before);
        free(p);
        if (st == WE_ELIMIT || st == WE_EUNSUPP || st == WE_EDATA || st == WE_ETRUNC)
            we_serve_error(rs, we_serve_http_status(st), "not a photo we can read: %s", d);
        else
            we_serve_error(rs, we_serve_http_status(st), "%s", d);
        return;
    }
    snprintf(p->name, sizeof p->name, "%s", name);
    we_serve_new_id(p->id);
    p->refs = 1;
    pthread_mutex_lock(&s->lock);
    we_serve_photos_make_room(s);
    p->used = we_serve_now();
    s->photos[s->nphotos++] = p;
    s->nphotos_loaded++;
    pthread_mutex_unlock(&s->lock);
    we_sbuf b = {0};
    int W = (int)p->ph.img.shape[2], H = (int)p->ph.img.shape[1];
    we_sb_printf(&b, "{\"photo\": \"%s\", \"width\": %d, \"height\": %d, \"faces\": [", p->id, W, H);
    for (int i = 0; i < p->ph.nfaces; i++) {
        const we_face_aligned *a = &p->ph.faces[i];
        /* the outline: the crop square's corners in photo pixels (affine of crop -> photo) */
        double S = (double)a->image.shape[1] - 1, cx[4] = {0, S, S, 0}, cy[4] = {0, 0, S, S};
        we_sb_printf(&b, "%s{\"index\": %d, \"method\": \"%s\", \"score\": %.3f, \"box\": [%.1f, %.1f, %.1f, %.1f], "
                         "\"quad\": [", i ? ", " : "", i, we_face_method_name(a->method), a->box.score, a->box.x0,
                     a->box.y0, a->box.x1 - a->box.x0, a->box.y1 - a->box.y0);
        for (int k = 0; k < 4; k++)
            we_sb_printf(&b, "%s%.1f, %.1f", k ? ", " : "", a->affine[0] * cx[k] + a->affine[1] * cy[k] + a->affine[2],
                         a->affine[3] * cx[k] + a->affine[4] * cy[k] + a->affine[5]);
        we_sb_printf(&b, "]}");
    }
    we_sb_printf(&b, "]}");
    we_serve_answer_json(rs, 200, &b);
}

/* The faces argument: "all" or a comma list of indices. 0, or -1 after answering. */
static int parse_faces(const char *v, const photo_sess *p, int *faces, int *n, we_serve_resp *rs)
{
    *n = 0;
    if (!p->ph.nfaces) { we_serve_error(rs, 400, "no face was found in this photo: nothing to edit"); return -1; }
    if (!v || !strcmp(v, "all")) {
        for (int i = 0; i < p->ph.nfaces; i++) faces[(*n)++] = i;
        return 0;
    }
    for (const char *c = v; *c;) {
        char *end;
        errno = 0;
        long k = strtol(c, &end, 10);
        if (end == c || errno || k < 0 || k >= p->ph.nfaces || *n == WE_MAX_FACES || (*end && *end != ',')) {
            we_serve_error(rs, 400, "faces: '%.40s' is not 'all' or face numbers 0..%d separated by commas", v,
                           p->ph.nfaces - 1);
            return -1;
        }
        int dup = 0;
        for (int i = 0; i < *n; i++) dup |= faces[i] == (int)k;
        if (!dup) faces[(*n)++] = (int)k;
        c = *end ? end + 1 : end;
    }
    if (!*n) { we_serve_error(rs, 400, "faces: none given"); return -1; }
    return 0;
}

/* The edit settings of a request into j; 0, or -1 after answering 400. */
static int parse_settings(we_server *s, const we_serve_req *rq, we_serve_resp *rs, job *j, int need_target)
{
    we_photo_edit_params *p = &j->p;
    we_photo_edit_params_init(p);
    const char *emo = arg(rq, "emotion"), *prompt = arg(rq, "prompt");
    if (need_target && !emo && !prompt) {
        we_serve_error(rs, 400, "no target: give emotion=NAME or prompt=TEXT");
        return -1;
    }
    if (emo && prompt) { we_serve_error(rs, 400, "give emotion or prompt, not both"); return -1; }
    if (emo && (we_emotion_label_parse(emo, &p->target) || p->target >= WE_EMOTION_COUNT)) {
        we_serve_error(rs, 400, "unknown emotion '%.40s' (neutral happy sad surprise fear disgust anger contempt)", emo);
        return -1;
    }
    if (prompt) {
        if (strlen(prompt) >= sizeof j->prompt) { we_serve_error(rs, 400, "the prompt is too long"); return -1; }
        we_prompt_result pr;
        we_err_clear();
        we_status st = we_prompt_parse(prompt, &pr);
        if (st) { we_serve_error(rs, 400, "prompt: %s", *we_err_detail() ? we_err_detail() : we_err_str(st)); return -1; }
        p->target = pr.emotion;
        p->intensity = pr.intensity;
        snprintf(j->prompt, sizeof j->prompt, "%s", prompt);
    }
    double steps = s->p.default_steps > 0 ? s->p.default_steps : 0, seed = 1;
    if (num_arg(rq, rs, "intensity", 0, 1, &p->intensity) || num_arg(rq, rs, "g_low", -20, 20, &p->g_low) ||
        num_arg(rq, rs, "g_high", -20, 20, &p->g_high) || num_arg(rq, rs, "strength", 0.01, 1, &p->strength) ||
        num_arg(rq, rs, "steps", 1, s->p.max_steps, &steps) || num_arg(rq, rs, "seed", 0, 2147483647, &seed) ||
        num_arg(rq, rs, "faith", 0, 1, &p->faith))
        return -1;
    p->steps = (int)steps;
    p->seed = (long)seed;
    if (p->seed != 1) p->eta = 1; /* a seed only matters with noise: eta 1 */
    we_edit_request r;
    long calls;
    we_err_clear();
    if (we_photo_edit_plan(s->e, p, 1, &r, &calls)) {
        we_serve_error(rs, 400, "settings: %s", we_err_detail());
        return -1;
    }
    return 0;
}

/* POST /api/edit and /api/sheet: queue a job. */
static void route_queue(we_server *s, const we_serve_req *rq, we_serve_resp *rs, int kind)
{
    job *j = calloc(1, sizeof *j);
    if (!j) { we_serve_error(rs, 503, "out of memory"); return; }
    if (parse_settings(s, rq, rs, j, kind == JOB_EDIT)) { free(j); return; }
    pthread_mutex_lock(&s->lock);
    photo_sess *p = we_serve_find_photo(s, arg(rq, "photo"));
    int err = 0;
    if (!p) {
        we_serve_error(rs, 404, "no such photo (it may have been dropped to make room: upload it again)");
        err = 1;
    } else if (kind == JOB_EDIT) {
        err = parse_faces(arg(rq, "faces"), p, j->faces, &j->nfaces, rs);
    } else {
        err = parse_faces(arg(rq, "face") ? arg(rq, "face") : "0", p, j->faces, &j->nfaces, rs);
        if (!err && j->nfaces != 1) { we_serve_error(rs, 400, "face: give one face for the sheet"); err = 1; }
    }
    int waiting = 0, mine = 0;
    for (int i = 0; !err && i < s->njobs; i++) {
        const job *o = s->jobs[i];
        waiting += o->state == JOB_QUEUED;
        mine += o->state <= JOB_RUNNING && !strcmp(o->client, rq->client ? rq->client : "");
    }
    if (!err && mine) {
        s->nclient++;
        we_serve_error(rs, 429, "you already have an edit running: one at a time (wait for it to finish)");
        rs->retry_after = 5;
        err = 1;
    } else if (!err && (waiting >= s->p.max_queue || !we_serve_jobs_make_room(s))) {
        s->nbusy++;
        we_serve_error(rs, 503, "the server is busy (%d edits waiting); try again in a minute", waiting);
        rs->retry_after = 30;
        err = 1;
    }
    if (err) {
        pthread_mutex_unlock(&s->lock);
        free(j);
        return;
    }
    we_edit_request r;
    long calls = 0;
    we_photo_edit_plan(s->e, &j->p, kind == JOB_SHEET ? 1 : j->nfaces, &r, &calls); /* checked above */
    we_serve_new_id(j->id);
    j->srv = s;
    j->kind = kind;
    j->state = JOB_QUEUED;
    j->total = kind == JOB_SHEET ? 6 * calls : calls;
    j->seq = ++s->seq;
    j->t_queued = p->used = we_serve_now();
    snprintf(j->client, sizeof j->client, "%s", rq->client ? rq->client : "");
    j->photo = p;
    p->refs++;
    s->jobs[s->njobs++] = j;
    pthread_cond_signal(&s->cond);
    we_sbuf b = {0};
    we_sb_printf(&b, "{\"job\": \"%s\", \"position\": %d, \"total\": %ld}", j->id, waiting + 1, j->total);
    pthread_mutex_unlock(&s->lock);
    we_serve_answer_json(rs, 202, &b);
}

static void route_job(we_server *s, const we_serve_req *rq, we_serve_resp *rs)
{
    static const char *const states[] = {"queued", "running", "done", "failed"};
    pthread_mutex_lock(&s->lock);
    job *j = we_serve_find_job(s, arg(rq, "job"));
    if (!j) {
        pthread_mutex_unlock(&s->lock);
        we_serve_error(rs, 404, "no such job (finished jobs are kept for a while only)");
        return;
    }
    int ahead = 0;
    for (int i = 0; i < s->njobs; i++)
        ahead += s->jobs[i]->state <= JOB_RUNNING && s->jobs[i]->seq < j->seq;
    double now = we_serve_now();
    double el = j->state == JOB_QUEUED ? 0 : (j->state == JOB_RUNNING ? now : j->t_end) - j->t_start;
    we_sbuf b = {0};
    we_sb_printf(&b, "{\"job\": \"%s\", \"kind\": \"%s\", \"state\": \"%s\", \"ahead\": %d, \"done\": %ld, "
                     "\"total\": %ld, \"seconds\": %.2f, \"waited\": %.2f, \"error\": ",
                 j->id, j->kind == JOB_SHEET ? "sheet" : "edit", states[j->state], j->state == JOB_QUEUED ? ahead : 0,
                 j->done, j->total, el, (j->state == JOB_QUEUED ? now : j->t_start) - j->t_queued);
    if (j->state == JOB_FAILED) we_sb_str(&b, j->error);
    else we_sb_printf(&b, "null");
    we_sb_printf(&b, ", \"result\": %s}", j->state == JOB_DONE && j->metrics ? j->metrics : "null");
    pthread_mutex_unlock(&s->lock);
    we_serve_answer_json(rs, 200, &b);
}

static void route_result(we_server *s, const we_serve_req *rq, we_serve_resp *rs)
{
    const char *what = arg(rq, "what") ? arg(rq, "what") : "photo";
    if (strcmp(what, "photo") && strcmp(what, "face") && strcmp(what, "source") && strcmp(what, "sheet")) {
        we_serve_error(rs, 400, "what: '%.20s' is not photo, face, source or sheet", what);
        return;
    }
    pthread_mutex_lock(&s->lock);
    job *j = we_serve_find_job(s, arg(rq, "job"));
    const uint8_t *src = NULL;
    size_t n = 0;
    const char *type = "image/png";
    if (j && j->state == JOB_DONE) {
        if (!strcmp(what, "photo")) src = j->result, n = j->result_len, type = j->mime;
        else if (!strcmp(what, "face")) src = j->face, n = j->face_len;
        else if (!strcmp(what, "source")) src = j->source, n = j->source_len;
        else src = j->sheet, n = j->sheet_len;
    }
    uint8_t *copy = src ? malloc(n) : NULL;
    if (copy) memcpy(copy, src, n);
    if (copy && arg(rq, "download"))
        snprintf(rs->disposition, sizeof rs->disposition, "attachment; filename=\"edited-%s.%s\"",
                 we_emotion_names[j->p.target], !strcmp(type, "image/jpeg") ? "jpg" : "png");
    pthread_mutex_unlock(&s->lock);
    if (!j) we_serve_error(rs, 404, "no such job");
    else if (!src) we_serve_error(rs, 404, "this job has no %s image (not finished, or another kind)", what);
    else if (!copy) we_serve_error(rs, 503, "out of memory");
    else we_serve_answer(rs, 200, type, copy, n);
}

static void route_image(we_server *s, const we_serve_req *rq, we_serve_resp *rs)
{
    pthread_mutex_lock(&s->lock);
    photo_sess *p = we_serve_find_photo(s, arg(rq, "photo"));
    uint8_t *copy = p ? malloc(p->before_len) : NULL;
    const char *type = p ? p->before_mime : NULL;
    size_t n = p ? p->before_len : 0;
    if (copy) memcpy(copy, p->before, n), p->used = we_serve_now();
    pthread_mutex_unlock(&s->lock);
    if (!p) we_serve_error(rs, 404, "no such photo");
    else if (!copy) we_serve_error(rs, 503, "out of memory");
    else we_serve_answer(rs, 200, type, copy, n);
}

void we_serve_handle(we_server *s, const we_serve_req *rq, we_serve_resp *rs)
{
    memset(rs, 0, sizeof *rs);
    const char *m = rq->method ? rq->method : "", *path = rq->path ? rq->path : "";
    int get = !strcmp(m, "GET") || !strcmp(m, "HEAD"), post = !strcmp(m, "POST");
    static const struct {
        const char *path;
        int post;  /* 0 GET, 1 POST */
    } routes[] = {{"/", 0}, {"/index.html", 0}, {"/app.js", 0}, {"/app.css", 0}, {"/api/info", 0},
                  {"/api/photo", 1}, {"/api/image", 0}, {"/api/edit", 1}, {"/api/sheet", 1},
                  {"/api/job", 0}, {"/api/result", 0}};
    int r = -1;
    for (int i = 0; i < (int)(sizeof routes / sizeof routes[0]); i++)
        if (!strcmp(path, routes[i].path)) r = i;
    if (r < 0) { we_serve_error(rs, 404, "no such page: %.80s", path); return; }
    if (routes[r].post ? !post : !get) {
        we_serve_error(rs, 405, "%s wants %s, not %.10s", path, routes[r].post ? "POST" : "GET", m);
        return;
    }
    switch (r) {
    case 0: case 1: answer_static(s, rs, 0, "text/html; charset=utf-8"); break;
    case 2: answer_static(s, rs, 1, "text/javascript; charset=utf-8"); break;
    case 3: answer_static(s, rs, 2, "text/css; charset=utf-8"); break;
    case 4: route_info(s, rs); break;
    case 5: route_photo(s, rq, rs); break;
    case 6: route_image(s, rq, rs); break;
    case 7: route_queue(s, rq, rs, JOB_EDIT); break;
    case 8: route_queue(s, rq, rs, JOB_SHEET); break;
    case 9: route_job(s, rq, rs); break;
    default: route_result(s, rq, rs); break;
    }
}
