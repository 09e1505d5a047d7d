/* we_serve_priv.h - what the parts of lib/serve/ share (not an API):
 * the server's tables (we_serve.c), the routes (we_serve_routes.c) and
 * the HTTP front (we_serve_http.c). */
#ifndef WE_SERVE_PRIV_H
#define WE_SERVE_PRIV_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "we_serve.h"

#define WE_ID_LEN 16       /* hex characters of a photo or job id (64 random bits) */
#define WE_MAX_FACES 16    /* faces one edit may name */
#define WE_MAX_DEMOS 32
#define WE_CLIENT_LEN 64

/* A growing text buffer; oom latches. */
typedef struct {
    char *s;
    size_t n, cap;
    int oom;
} we_sbuf;
void we_sb_printf(we_sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void we_sb_str(we_sbuf *b, const char *s);   /* a quoted, escaped JSON string */
void we_sb_num(we_sbuf *b, double v);        /* a number, null when not finite */

typedef struct {
    char id[WE_ID_LEN + 1];
    we_photo ph;
    uint8_t *before;        /* the decoded photo, encoded again (the page's "before") */
    size_t before_len;
    const char *before_mime;
    char name[80];          /* upload's name for downloads ("photo", or the demo's) */
    double used;            /* last use (we_serve_now) */
    int refs;               /* the table + each job that uses it */
} photo_sess;

enum { JOB_QUEUED, JOB_RUNNING, JOB_DONE, JOB_FAILED };
enum { JOB_EDIT, JOB_SHEET };

struct we_server;
typedef struct {
    char id[WE_ID_LEN + 1];
    struct we_server *srv;
    char client[WE_CLIENT_LEN + 1];
    int kind, state, cancel;
    long seq;               /* queue order */
    photo_sess *photo;      /* referenced until the job ends */
    int faces[WE_MAX_FACES], nfaces;
    we_photo_edit_params p;
    char prompt[256];
    long done, total, tick_base;
    double t_queued, t_start, t_end;
    char error[256];
    uint8_t *result, *face, *source, *sheet; /* edited photo; first face edited and before (PNG); sheet (PNG) */
    size_t result_len, face_len, source_len, sheet_len;
    const char *mime;
    char *metrics;          /* JSON of the judge and settings */
} job;

struct we_server {
    we_photo_engine *e;
    we_serve_params p;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    pthread_t worker;
    int have_worker, stopping;
    photo_sess **photos;
    int nphotos;
    job **jobs;
    int njobs;
    long seq, ndone, nfailed, nbusy, nclient, nphotos_loaded;
    char web_dir[4096], demo_dir[4096];
    uint8_t *web[3];
    size_t web_len[3];
    char *demos[WE_MAX_DEMOS];
    int ndemos;
    void *http;             /* struct MHD_Daemon *, NULL when not listening */
};

double we_serve_now(void);
void we_serve_answer(we_serve_resp *rs, int status, const char *type, uint8_t *body, size_t len);
void we_serve_answer_json(we_serve_resp *rs, int status, we_sbuf *b);
void we_serve_error(we_serve_resp *rs, int status, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int we_serve_http_status(we_status s);
void we_serve_error_status(we_serve_resp *rs, we_status s, const char *what);
void we_serve_new_id(char id[WE_ID_LEN + 1]);
void we_serve_photo_unref(photo_sess *p);
photo_sess *we_serve_find_photo(struct we_server *s, const char *id);
job *we_serve_find_job(struct we_server *s, const char *id);
void we_serve_photos_make_room(struct we_server *s);
int we_serve_jobs_make_room(struct we_server *s);
/* Stop the HTTP daemon if one runs (we_serve_http.c). */
void we_serve_http_stop(struct we_server *s);

#endif
