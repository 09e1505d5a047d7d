/* test_serve.c - weserve's handler (lib/serve/we_serve.h): good and bad
 * requests straight to we_serve_handle (no socket), concurrent requests
 * from threads, and the HTTP front on a loopback socket (huge body,
 * truncated multipart, a body past the limit without a length). Runs with
 * the shipped model, dlib's predictor and face-api's weights and demo
 * photos (scripts/setup.sh); skips with a line when one is missing. Edits
 * use 1-2 DDIM steps to stay quick. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "check.h"
#include "we_file.h"
#include "we_image.h"
#include "we_serve.h"

#define PHOTO "third_party/face-api/demo/sample1.jpg"

/* query arguments as "k=v&k=v" (no escaping needed here); a value stays
 * valid for the next 7 lookups on the thread, as MHD's for the request */
static const char *qarg(void *ctx, const char *name)
{
    static __thread char vals[8][256];
    static __thread int next;
    char *val = vals[next++ % 8];
    const char *q = ctx;
    size_t n = strlen(name);
    for (const char *p = q; p && *p;) {
        const char *amp = strchr(p, '&');
        size_t len = amp ? (size_t)(amp - p) : strlen(p);
        if (len > n && !strncmp(p, name, n) && p[n] == '=') {
            snprintf(val, 256, "%.*s", (int)(len - n - 1), p + n + 1);
            return val;
        }
        p = amp ? amp + 1 : NULL;
    }
    return NULL;
}

static int call(we_server *s, const char *method, const char *path, const char *query, const char *client,
                const uint8_t *body, size_t n, we_serve_resp *rs)
{
    we_serve_req rq = {method, path, qarg, (void *)query, client, body, n};
    we_serve_handle(s, &rq, rs);
    return rs->status;
}

static int has(const we_serve_resp *rs, const char *text)
{
    return rs->body && memmem(rs->body, rs->len, text, strlen(text)) != NULL;
}

/* the value of "key": "..." in a JSON answer */
static void json_str(const we_serve_resp *rs, const char *key, char *out, size_t cap)
{
    char pat[64];
    snprintf(pat, sizeof pat, "\"%s\": \"", key);
    out[0] = 0;
    const char *p = rs->body ? memmem(rs->body, rs->len, pat, strlen(pat)) : NULL;
    if (!p) return;
    p += strlen(pat);
    size_t k = 0;
    while (k + 1 < cap && p[k] && p[k] != '"') out[k] = p[k], k++;
    out[k] = 0;
}

/* a PNG whose header says w x h (the rest missing): the decoder's limit must refuse it */
static size_t png_header(uint8_t *b, uint32_t w, uint32_t h)
{
    static const uint8_t sig[8] = {0x89, 'P', 'N', 'G', 13, 10, 26, 10};
    memcpy(b, sig, 8);
    uint8_t ihdr[25] = {0, 0, 0, 13, 'I', 'H', 'D', 'R', (uint8_t)(w >> 24), (uint8_t)(w >> 16), (uint8_t)(w >> 8),
                        (uint8_t)w, (uint8_t)(h >> 24), (uint8_t)(h >> 16), (uint8_t)(h >> 8), (uint8_t)h, 8, 2, 0, 0, 0};
    uint32_t c = 0xffffffffu; /* CRC-32 of type + data */
    for (int i = 4; i < 21; i++) {
        c ^= ihdr[i];
        for (int k = 0; k < 8; k++) c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1)));
    }
    c ^= 0xffffffffu;
    ihdr[21] = (uint8_t)(c >> 24), ihdr[22] = (uint8_t)(c >> 16), ihdr[23] = (uint8_t)(c >> 8), ihdr[24] = (uint8_t)c;
    memcpy(b + 8, ihdr, 25);
    return 33;
}

/* wait for a job; returns its last answer's state in st */
static void wait_job(we_server *s, const char *job, char *st, size_t cap, we_serve_resp *rs)
{
    char q[64];
    snprintf(q, sizeof q, "job=%s", job);
    for (int i = 0; i < 1200; i++) {
        call(s, "GET", "/api/job", q, "t", NULL, 0, rs);
        json_str(rs, "state", st, cap);
        if (!strcmp(st, "done") || !strcmp(st, "failed") || !*st) return;
        free(rs->body);
        usleep(100000);
    }
}

/* ---- concurrent clients ---- */
typedef struct {
    we_server *s;
    const char *photo;
    int i, status;
    char job[32];
} thr;

static void *edit_thread(void *arg)
{
    thr *t = arg;
    char q[160], client[16];
    snprintf(q, sizeof q, "photo=%s&faces=%d&emotion=sad&steps=1", t->photo, t->i % 3);
    snprintf(client, sizeof client, "client%d", t->i);
    we_serve_resp rs;
    t->status = call(t->s, "POST", "/api/edit", q, client, NULL, 0, &rs);
    json_str(&rs, "job", t->job, sizeof t->job);
    free(rs.body);
    return NULL;
}

static uint8_t *photo_bytes;
static size_t photo_len;

static void *upload_thread(void *arg)
{
    thr *t = arg;
    we_serve_resp rs;
    t->status = call(t->s, "POST", "/api/photo", "", "up", photo_bytes, photo_len, &rs);
    free(rs.body);
    return NULL;
}

/* ---- loopback HTTP ---- */
/* send req (len bytes; shut the write side when shut), read the answer's status */
static int http_raw(int port, const char *req, size_t len, int shut, char *body, size_t cap)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {0};
    a.sin_family = AF_INET;
    a.sin_port = htons((uint16_t)port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    struct timeval tv = {20, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    if (connect(fd, (struct sockaddr *)&a, sizeof a)) { close(fd); return -1; }
    for (size_t off = 0; off < len;) {
        ssize_t k = send(fd, req + off, len - off, MSG_NOSIGNAL);
        if (k <= 0) break; /* the server may answer and close before reading everything */
        off += (size_t)k;
    }
    if (shut) shutdown(fd, SHUT_WR);
    size_t n = 0;
    for (ssize_t k; n + 1 < cap && (k = recv(fd, body + n, cap - 1 - n, 0)) > 0;) n += (size_t)k;
    body[n] = 0;
    close(fd);
    int status = -1;
    if (sscanf(body, "HTTP/1.%*d %d", &status) != 1) status = -1;
    return status;
}

static void http_tests(we_server *s)
{
    int port = -1;
    we_status st = we_serve_listen(s, "127.0.0.1", 0, &port);
    CHECK(st == WE_OK && port > 0, "listen on a free loopback port");
    if (st) return;
    char *req = malloc(1 << 20), *ans = malloc(1 << 16);
    int n = snprintf(req, 1 << 20, "GET /api/info HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    CHECK(http_raw(port, req, (size_t)n, 0, ans, 1 << 16) == 200 && strstr(ans, "\"emotions\""), "GET /api/info over HTTP");
    n = snprintf(req, 1 << 20, "DELETE /api/job HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    CHECK(http_raw(port, req, (size_t)n, 0, ans, 1 << 16) == 405, "wrong method over HTTP: 405");
    /* a body announced far past the limit: refused from its header */
    n = snprintf(req, 1 << 20, "POST /api/photo HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: "
                 "multipart/form-data; boundary=XyZ\r\nContent-Length: 1073741824\r\n\r\n--XyZ\r\n");
    int code = http_raw(port, req, (size_t)n, 1, ans, 1 << 16);
    CHECK(code == 413 && strstr(ans, "limit"), "huge Content-Length: 413 with a message, before the body");
    /* a chunked body with no length that passes the limit while it arrives */
    n = snprintf(req, 1 << 20, "POST /api/photo HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: "
                 "image/jpeg\r\nTransfer-Encoding: chunked\r\n\r\n");
    for (int k = 0; k < 40; k++) { /* 40 chunks of 16 KiB = 640 KiB > 512 KiB */
        n += snprintf(req + n, (1 << 20) - (size_t)n, "4000\r\n");
        memset(req + n, 'x', 16384);
        n += 16384;
        n += snprintf(req + n, (1 << 20) - (size_t)n, "\r\n");
    }
    n += snprintf(req + n, (1 << 20) - (size_t)n, "0\r\n\r\n");
    code = http_raw(port, req, (size_t)n, 1, ans, 1 << 16);
    CHECK(code == 413, "chunked body past the limit: 413");
    /* a truncated multipart form: the photo part never ends */
    const char *head = "--XyZ\r\nContent-Disposition: form-data; name=\"photo\"; filename=\"a.jpg\"\r\n"
                       "Content-Type: image/jpeg\r\n\r\n";
    size_t half = photo_len / 2, blen = strlen(head) + half;
    n = snprintf(req, 1 << 20, "POST /api/photo HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: "
                 "multipart/form-data; boundary=XyZ\r\nContent-Length: %zu\r\n\r\n%s", blen, head);
    memcpy(req + n, photo_bytes, half);
    code = http_raw(port, req, (size_t)n + half, 0, ans, 1 << 16);
    CHECK(code == 400 && strstr(ans, "truncated"), "truncated multipart: 400 naming it");
    /* a body cut off by the client (fewer bytes than its length): the server drops it and lives */
    n = snprintf(req, 1 << 20, "POST /api/photo HTTP/1.1\r\nHost: x\r\nContent-Type: image/jpeg\r\n"
                 "Content-Length: 100000\r\n\r\nshort");
    http_raw(port, req, (size_t)n, 1, ans, 1 << 16);
    /* a whole multipart form: the photo and its faces */
    const char *tail = "\r\n--XyZ--\r\n";
    blen = strlen(head) + photo_len + strlen(tail);
    n = snprintf(req, 1 << 20, "POST /api/photo HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: "
                 "multipart/form-data; boundary=XyZ\r\nContent-Length: %zu\r\n\r\n%s", blen, head);
    memcpy(req + n, photo_bytes, photo_len);
    memcpy(req + n + photo_len, tail, strlen(tail));
    code = http_raw(port, req, (size_t)n + photo_len + strlen(tail), 0, ans, 1 << 16);
    CHECK(code == 200 && strstr(ans, "\"faces\": [{"), "a whole multipart upload: 200 with faces");
    n = snprintf(req, 1 << 20, "GET /api/info HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    CHECK(http_raw(port, req, (size_t)n, 0, ans, 1 << 16) == 200, "the server still answers after the bad requests");
    free(req);
    free(ans);
}

int main(void)
{
    if (access(PHOTO, R_OK) || access("/usr/share/dlib/shape_predictor_68_face_landmarks.dat", R_OK)) {
        printf("skip: %s or dlib's predictor missing (run sh scripts/setup.sh)\n", PHOTO);
        return check_summary();
    }
    CHECK(we_file_read_all(PHOTO, 1 << 24, &photo_bytes, &photo_len) == WE_OK, "read the demo photo");
    we_photo_engine_params ep;
    we_photo_engine_params_init(&ep);
    ep.model = "models/default.safetensors";
    we_photo_engine e;
    we_status st = we_photo_engine_open(&e, &ep);
    CHECK(st == WE_OK, "open the engine (model, predictor, face-api nets)");
    if (st) { printf("     %s\n", we_err_detail()); return check_summary(); }
    we_serve_params sp;
    we_serve_params_init(&sp);
    sp.web_dir = "web";
    sp.demo_dir = "third_party/face-api/demo";
    sp.max_upload = 512 * 1024;
    sp.max_queue = 3;
    sp.max_steps = 4;
    we_server *s;
    CHECK(we_serve_create(&s, &e, &sp) == WE_OK, "create the server");
    we_serve_resp rs;
    char photo[32], job[32], state[32];

    /* routes and methods */
    CHECK(call(s, "GET", "/", "", "t", NULL, 0, &rs) == 200 && has(&rs, "<html"), "GET / is the page");
    free(rs.body);
    CHECK(call(s, "GET", "/api/info", "", "t", NULL, 0, &rs) == 200 && has(&rs, "\"sad\"") && has(&rs, "sample1.jpg"),
          "GET /api/info lists emotions and demos");
    free(rs.body);
    CHECK(call(s, "PUT", "/api/photo", "", "t", NULL, 0, &rs) == 405 && has(&rs, "wants POST"), "PUT /api/photo: 405");
    free(rs.body);
    CHECK(call(s, "GET", "/api/edit", "", "t", NULL, 0, &rs) == 405, "GET /api/edit: 405");
    free(rs.body);
    CHECK(call(s, "GET", "/../../etc/passwd", "", "t", NULL, 0, &rs) == 404, "a path outside the routes: 404");
    free(rs.body);

    /* bad uploads */
    CHECK(call(s, "POST", "/api/photo", "", "t", NULL, 0, &rs) == 400 && has(&rs, "no photo"), "no photo: 400");
    free(rs.body);
    const char *text = "this is not an image, just some text";
    CHECK(call(s, "POST", "/api/photo", "", "t", (const uint8_t *)text, strlen(text), &rs) == 415 &&
              has(&rs, "not a photo we can read"),
          "a text file: 415 with a message");
    free(rs.body);
    uint8_t bomb[64];
    size_t bn = png_header(bomb, 60000, 60000);
    CHECK(call(s, "POST", "/api/photo", "", "t", bomb, bn, &rs) == 413 && has(&rs, "not a photo we can read"),
          "a 60000x60000 PNG header: 413 before decoding");
    printf("     %.*s\n", (int)rs.len, (const char *)rs.body);
    free(rs.body);
    CHECK(call(s, "POST", "/api/photo", "", "t", photo_bytes, photo_len / 3, &rs) / 100 == 4,
          "a truncated JPEG: 4xx");
    free(rs.body);
    CHECK(call(s, "POST", "/api/photo", "demo=../../etc/passwd", "t", NULL, 0, &rs) == 404, "a demo name not listed: 404");
    free(rs.body);

    /* a good upload, then bad edits */
    CHECK(call(s, "POST", "/api/photo", "demo=sample1.jpg", "t", NULL, 0, &rs) == 200 && has(&rs, "\"index\": 2"),
          "demo sample1.jpg: 200, three faces");
    json_str(&rs, "photo", photo, sizeof photo);
    free(rs.body);
    char q[256];
    snprintf(q, sizeof q, "photo=%s&faces=0&emotion=grumpy", photo);
    CHECK(call(s, "POST", "/api/edit", q, "t", NULL, 0, &rs) == 400 && has(&rs, "unknown emotion"), "unknown emotion: 400");
    free(rs.body);
    snprintf(q, sizeof q, "photo=%s&faces=7&emotion=sad", photo);
    CHECK(call(s, "POST", "/api/edit", q, "t", NULL, 0, &rs) == 400 && has(&rs, "faces"), "face 7 of 3: 400");
    free(rs.body);
    snprintf(q, sizeof q, "photo=%s&faces=0&emotion=sad&steps=1000", photo);
    CHECK(call(s, "POST", "/api/edit", q, "t", NULL, 0, &rs) == 400 && has(&rs, "steps"), "steps above the limit: 400");
    free(rs.body);
    snprintf(q, sizeof q, "photo=%s&faces=0", photo);
    CHECK(call(s, "POST", "/api/edit", q, "t", NULL, 0, &rs) == 400 && has(&rs, "no target"), "no target: 400");
    free(rs.body);
    CHECK(call(s, "POST", "/api/edit", "photo=0123456789abcdef&emotion=sad", "t", NULL, 0, &rs) == 404,
          "an unknown photo id: 404");
    free(rs.body);
    CHECK(call(s, "GET", "/api/job", "job=nope", "t", NULL, 0, &rs) == 404, "an unknown job: 404");
    free(rs.body);

    /* a good edit (prompt in Vietnamese), one at a time per client */
    snprintf(q, sizeof q, "photo=%s&faces=1&prompt=buồn&steps=2", photo);
    CHECK(call(s, "POST", "/api/edit", q, "alice", NULL, 0, &rs) == 202, "edit face 1 by a Vietnamese prompt: 202");
    json_str(&rs, "job", job, sizeof job);
    free(rs.body);
    CHECK(call(s, "POST", "/api/edit", q, "alice", NULL, 0, &rs) == 429 && rs.retry_after > 0,
          "a second edit by the same client while the first runs: 429");
    free(rs.body);
    wait_job(s, job, state, sizeof state, &rs);
    CHECK(!strcmp(state, "done"), "the edit finishes");
    CHECK(has(&rs, "\"target\": \"sad\"") && has(&rs, "\"identity\": 0.") && has(&rs, "\"after\": {"),
          "its metrics: target from the prompt, judge probabilities, identity");
    char done[16] = "", total[16] = "";
    const char *pd = rs.body ? strstr((char *)rs.body, "\"done\": ") : NULL, *pt = rs.body ? strstr((char *)rs.body, "\"total\": ") : NULL;
    if (pd && pt) sscanf(pd, "\"done\": %15[0-9]", done), sscanf(pt, "\"total\": %15[0-9]", total);
    CHECK(*done && !strcmp(done, total), "progress reached its total");
    printf("     steps done %s of %s\n", done, total);
    free(rs.body);
    snprintf(q, sizeof q, "job=%s&what=photo&download=1", job);
    int code = call(s, "GET", "/api/result", q, "t", NULL, 0, &rs);
    printf("     %d %s %s\n", code, rs.type, rs.disposition);
    CHECK(code == 200 && !strcmp(rs.type, "image/jpeg") && strstr(rs.disposition, "edited-sad.jpg"),
          "download: the edited photo as JPEG, named");
    we_tensor img = {0};
    CHECK(we_image_decode(rs.body, rs.len, &img) == WE_OK && img.shape[1] == 1280 && img.shape[2] == 1920,
          "the download decodes at the photo's full 1920x1280");
    we_tensor_free(&img);
    free(rs.body);
    snprintf(q, sizeof q, "job=%s&what=source", job);
    CHECK(call(s, "GET", "/api/result", q, "t", NULL, 0, &rs) == 200 && we_image_decode(rs.body, rs.len, &img) == WE_OK &&
              img.shape[1] == 256 && img.shape[2] == 256,
          "the face before, as aligned: a 256 px PNG");
    we_tensor_free(&img);
    free(rs.body);
    snprintf(q, sizeof q, "job=%s&what=sheet", job);
    CHECK(call(s, "GET", "/api/result", q, "t", NULL, 0, &rs) == 404, "an edit job has no sheet: 404");
    free(rs.body);

    /* concurrent uploads (the face model is shared behind a lock) */
    thr t[8];
    pthread_t th[8];
    for (int i = 0; i < 4; i++) t[i] = (thr){s, photo, i, 0, ""}, pthread_create(&th[i], NULL, upload_thread, &t[i]);
    int ok = 1;
    for (int i = 0; i < 4; i++) pthread_join(th[i], NULL), ok &= t[i].status == 200;
    CHECK(ok, "4 concurrent uploads: all 200");
    /* 8 clients edit at once: 1 runs, 3 wait, the rest are refused as busy */
    for (int i = 0; i < 8; i++) t[i] = (thr){s, photo, i, 0, ""}, pthread_create(&th[i], NULL, edit_thread, &t[i]);
    int acc = 0, busy = 0;
    for (int i = 0; i < 8; i++) {
        pthread_join(th[i], NULL);
        acc += t[i].status == 202;
        busy += t[i].status == 503;
    }
    printf("     accepted %d, busy %d\n", acc, busy);
    CHECK(acc + busy == 8 && acc >= 1 && acc <= 4 && busy >= 4, "8 concurrent edits: <= 4 accepted, the rest 503");
    int all_done = 1;
    for (int i = 0; i < 8; i++) {
        if (t[i].status != 202) continue;
        wait_job(s, t[i].job, state, sizeof state, &rs);
        all_done &= !strcmp(state, "done");
        free(rs.body);
    }
    CHECK(all_done, "every accepted edit finishes");
    we_serve_stats ss;
    we_serve_get_stats(s, &ss);
    CHECK(ss.jobs_failed == 0 && ss.queued == 0 && ss.running == 0, "no job failed, none left");

    /* the contact sheet */
    snprintf(q, sizeof q, "photo=%s&face=1&steps=1", photo);
    CHECK(call(s, "POST", "/api/sheet", q, "bob", NULL, 0, &rs) == 202, "six emotions of face 1: 202");
    json_str(&rs, "job", job, sizeof job);
    free(rs.body);
    wait_job(s, job, state, sizeof state, &rs);
    CHECK(!strcmp(state, "done") && has(&rs, "\"target\": \"anger\""), "the sheet finishes with six judged faces");
    free(rs.body);
    snprintf(q, sizeof q, "job=%s&what=sheet", job);
    CHECK(call(s, "GET", "/api/result", q, "t", NULL, 0, &rs) == 200 && we_image_decode(rs.body, rs.len, &img) == WE_OK &&
              img.shape[2] > 6 * img.shape[1] / 2,
          "the sheet is one wide PNG");
    we_tensor_free(&img);
    free(rs.body);

    http_tests(s);
    we_serve_free(s);
    we_photo_engine_free(&e);
    free(photo_bytes);
    return check_summary();
}
