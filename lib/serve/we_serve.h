/* we_serve.h - weserve's request handler and its HTTP front (weserve(1)).
 *
 * Two halves:
 *   we_serve_handle   routing, argument parsing, photo sessions and the
 *                     edit queue; sees a request as plain data (method,
 *                     path, arguments, the uploaded file), so tests call it
 *                     without a socket (lib/serve/we_serve.c);
 *   we_serve_listen   libmicrohttpd's daemon: reads requests (the multipart
 *                     upload through MHD's post processor), enforces the
 *                     upload limit while the body arrives, calls the
 *                     handler, writes its answer (lib/serve/we_serve_http.c).
 *
 * The API (JSON answers; errors are {"error": "..."} with a 4xx/5xx status):
 *   GET  /  /app.js  /app.css         the page (files read once at start)
 *   GET  /api/info                    model, limits, emotions, demo photos
 *   POST /api/photo                   upload (multipart field "photo", or
 *                                     the raw file), or ?demo=NAME: decode,
 *                                     find the faces -> {photo, faces: [...]}
 *   GET  /api/image?photo=P           the photo as decoded (the "before")
 *   POST /api/edit?photo=P&faces=all|0,2&emotion=E|prompt=T[&intensity=
 *        &g_low=&g_high=&strength=&steps=&seed=&faith=]   -> 202 {job}
 *   POST /api/sheet?photo=P&face=F[&settings as edit]  the six emotions -> 202 {job}
 *   GET  /api/job?job=J               {state, position, done, total, error, result}
 *   GET  /api/result?job=J&what=photo|face|source|sheet[&download=1]   images
 *                                     (edited photo; first face edited / before; sheet)
 *
 * Safety: photos and results live in memory only (bounded: max_photos
 * sessions, max_jobs jobs, the oldest finished dropped first); no request
 * names a file; one job queued or running per client (X-WE-Client header,
 * else the peer address) and at most max_queue waiting in all (429 / 503
 * beyond); a job waits at most wait_timeout s and runs at most
 * job_timeout s (then it fails with a message); the upload is refused
 * above max_upload bytes (413) and the image above max_pixels before it is
 * decoded (413). One worker thread runs the jobs, in order.
 */
#ifndef WE_SERVE_H
#define WE_SERVE_H

#include <stddef.h>
#include <stdint.h>

#include "we_photo.h"

typedef struct {
    const char *web_dir;    /* the page's files: index.html, app.js, app.css */
    const char *demo_dir;   /* demo photos offered by name (*.jpg, *.png), NULL = none */
    size_t max_upload;      /* upload bytes (20 MiB) */
    uint64_t max_pixels;    /* decoded pixels (40 M) */
    int max_queue;          /* jobs waiting, all clients (4) */
    int max_photos;         /* photos held (16) */
    int max_jobs;           /* jobs held, finished ones included (64) */
    int max_steps;          /* steps a request may ask for (100) */
    double job_timeout;     /* s a job may run (300) */
    double wait_timeout;    /* s a job may wait (600) */
    int conn_timeout;       /* s an idle connection is kept (30) */
    int default_steps;      /* steps when the request gives none (0: the model's default, 40) */
} we_serve_params;

void we_serve_params_init(we_serve_params *p);

typedef struct we_server we_server;

/* A server over the engine e (not owned; kept until we_serve_free). Reads
 * the page's files from p->web_dir and lists p->demo_dir. Starts the
 * worker thread. WE_ENOINPUT for a missing page file. */
we_status we_serve_create(we_server **srv, we_photo_engine *e, const we_serve_params *p);
/* Stops the HTTP daemon (if listening) and the worker (a running job is
 * stopped at its next network call), frees everything. */
void we_serve_free(we_server *srv);

/* One request as the HTTP front hands it over. */
typedef struct {
    const char *method, *path;  /* "GET", "/api/job" (no query) */
    /* Query or form argument, NULL when absent. */
    const char *(*arg)(void *ctx, const char *name);
    void *arg_ctx;
    const char *client;         /* who asks (one job at a time each) */
    const uint8_t *body;        /* the uploaded file, or NULL */
    size_t body_len;
} we_serve_req;

typedef struct {
    int status;                 /* HTTP status */
    const char *type;           /* Content-Type (static string) */
    uint8_t *body;              /* malloc'd, len bytes */
    size_t len;
    char disposition[128];      /* Content-Disposition, "" = none */
    int retry_after;            /* > 0: Retry-After seconds (429, 503) */
} we_serve_resp;

/* Answer rq into rs (always: a failure is a 4xx/5xx answer with a JSON
 * message; never exits). Thread-safe. Free rs->body with free(). */
void we_serve_handle(we_server *srv, const we_serve_req *rq, we_serve_resp *rs);

/* The limit on uploads (the HTTP front refuses larger bodies early). */
size_t we_serve_max_upload(const we_server *srv);

/* Counters for the load benchmark and the tests. */
typedef struct {
    long photos, jobs_done, jobs_failed, refused_busy, refused_client, queued, running;
} we_serve_stats;
void we_serve_get_stats(we_server *srv, we_serve_stats *st);

/* Listen on addr:port (IPv4 or IPv6 literal; port 0 picks a free one,
 * written to *bound). WE_EIO when the address cannot be bound (detail
 * says why), WE_EUSAGE for a bad address. Serves until we_serve_free. */
we_status we_serve_listen(we_server *srv, const char *addr, int port, int *bound);

/* The page's folder for an executable: <exe dir>/../share/waveemotion/web
 * if it exists, else <exe dir>/../web (the source tree), else "web".
 * Written to buf (cap bytes). */
void we_serve_web_dir(char *buf, size_t cap);
/* The demo photos: <exe dir>/../third_party/face-api/demo when it exists
 * (a source tree after scripts/setup.sh), else "" (none). */
void we_serve_demo_dir(char *buf, size_t cap);

#endif
