/* we_serve_http.c - weserve's HTTP front on libmicrohttpd (we_serve.h):
 * one thread per connection (bounded), the upload read through MHD's
 * multipart post processor or taken raw, refused past the limit while it
 * arrives, then handed to we_serve_handle as plain data. */
#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "we_serve_priv.h"

#define MAX_FIELDS 24
#define MAX_FIELD 1024 /* bytes of a form field other than the photo */

typedef struct {
    we_server *srv;
    struct MHD_PostProcessor *pp;
    int multipart, too_big, bad;
    uint8_t *body;          /* the photo (the "photo" field, or the raw body) */
    size_t len, cap;
    char *fk[MAX_FIELDS], *fv[MAX_FIELDS];  /* other form fields */
    int nf;
} conn_ctx;

static void ctx_free(conn_ctx *c)
{
    if (c->pp) MHD_destroy_post_processor(c->pp);
    free(c->body);
    for (int i = 0; i < c->nf; i++) free(c->fk[i]), free(c->fv[i]);
    free(c);
}

static int append(conn_ctx *c, const char *data, size_t n)
{
    if (c->too_big) return 0;
    size_t max = we_serve_max_upload(c->srv);
    if (n > max - c->len) { /* past the limit: keep reading, keep nothing */
        c->too_big = 1;
        free(c->body);
        c->body = NULL, c->len = c->cap = 0;
        return 0;
    }
    if (c->len + n > c->cap) {
        size_t cap = c->cap ? c->cap : 65536;
        while (cap < c->len + n) cap *= 2;
        if (cap > max) cap = max;
        uint8_t *b = realloc(c->body, cap);
        if (!b) { c->bad = 1; return -1; }
        c->body = b, c->cap = cap;
    }
    memcpy(c->body + c->len, data, n);
    c->len += n;
    return 0;
}

static enum MHD_Result post_field(void *cls, enum MHD_ValueKind kind, const char *key, const char *filename,
                                  const char *type, const char *enc, const char *data, uint64_t off, size_t size)
{
    conn_ctx *c = cls;
    if (!strcmp(key, "photo")) return append(c, data, size) < 0 ? MHD_NO : MHD_YES;
    int i = 0;
    while (i < c->nf && strcmp(c->fk[i], key)) i++;
    if (i == c->nf) {
        if (c->nf == MAX_FIELDS || !(c->fk[i] = strdup(key)) || !(c->fv[i] = calloc(1, 1))) { c->bad = 1; return MHD_NO; }
        c->nf++;
    }
    size_t have = strlen(c->fv[i]);
    if (have + size > MAX_FIELD) { c->bad = 1; return MHD_NO; }
    char *v = realloc(c->fv[i], have + size + 1);
    if (!v) { c->bad = 1; return MHD_NO; }
    memcpy(v + have, data, size);
    v[have + size] = 0;
    c->fv[i] = v;
    return MHD_YES;
}

typedef struct {
    struct MHD_Connection *conn;
    conn_ctx *c;
} arg_src;

static const char *get_arg(void *ctx, const char *name)
{
    arg_src *a = ctx;
    for (int i = 0; a->c && i < a->c->nf; i++)
        if (!strcmp(a->c->fk[i], name)) return a->c->fv[i];
    return MHD_lookup_connection_value(a->conn, MHD_GET_ARGUMENT_KIND, name);
}

static enum MHD_Result reply(struct MHD_Connection *conn, we_serve_resp *rs, int head)
{
    struct MHD_Response *r =
        MHD_create_response_from_buffer(head ? 0 : rs->len, head ? NULL : rs->body, MHD_RESPMEM_MUST_COPY);
    free(rs->body);
    if (!r) return MHD_NO;
    MHD_add_response_header(r, "Content-Type", rs->type ? rs->type : "application/octet-stream");
    MHD_add_response_header(r, "Cache-Control", "no-store");
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(r, "Content-Security-Policy",
                            "default-src 'self'; img-src 'self' blob: data:; frame-ancestors 'none'");
    if (rs->disposition[0]) MHD_add_response_header(r, "Content-Disposition", rs->disposition);
    if (rs->retry_after > 0) {
        char v[16];
        snprintf(v, sizeof v, "%d", rs->retry_after);
        MHD_add_response_header(r, "Retry-After", v);
    }
    enum MHD_Result ok = MHD_queue_response(conn, (unsigned)rs->status, r);
    MHD_destroy_response(r);
    return ok;
}

static enum MHD_Result refuse(struct MHD_Connection *conn, int status, const char *msg)
{
    we_serve_resp rs;
    memset(&rs, 0, sizeof rs);
    we_serve_error(&rs, status, "%s", msg);
    return reply(conn, &rs, 0);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
                                  const char *version, const char *upload, size_t *upload_size, void **con_cls)
{
    we_server *s = cls;
    conn_ctx *c = *con_cls;
    size_t max = we_serve_max_upload(s);
    char msg[160];
    if (!c) { /* first call: headers only */
        if (!(c = calloc(1, sizeof *c))) return MHD_NO;
        c->srv = s;
        *con_cls = c;
        const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
        if (cl && strtoull(cl, NULL, 10) > max + 65536) { /* the form's own bytes on top of the photo */
            snprintf(msg, sizeof msg, "the upload is %llu bytes, the limit is %zu", strtoull(cl, NULL, 10), max);
            return refuse(conn, 413, msg);
        }
        const char *ct = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE);
        if (ct && !strncasecmp(ct, "multipart/form-data", 19)) {
            c->multipart = 1;
            if (!(c->pp = MHD_create_post_processor(conn, 65536, post_field, c)))
                return refuse(conn, 400, "bad multipart header (no boundary?)");
        }
        return MHD_YES;
    }
    if (*upload_size) { /* a piece of the body */
        if (c->multipart) {
            if (!c->bad && !c->too_big && MHD_post_process(c->pp, upload, *upload_size) != MHD_YES) c->bad = 1;
        } else {
            append(c, upload, *upload_size);
        }
        *upload_size = 0;
        return MHD_YES;
    }
    if (c->too_big) {
        snprintf(msg, sizeof msg, "the upload is above the limit of %zu bytes", max);
        return refuse(conn, 413, msg);
    }
    if (c->multipart) {
        int done = MHD_destroy_post_processor(c->pp) == MHD_YES;
        c->pp = NULL;
        if (c->bad || !done)
            return refuse(conn, 400, "the upload is truncated or not a well-formed multipart form");
    }
    /* the peer address names the client unless the page sent its own id */
    char peer[INET6_ADDRSTRLEN + 8] = "";
    const union MHD_ConnectionInfo *ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    if (ci && ci->client_addr) {
        const struct sockaddr *sa = ci->client_addr;
        if (sa->sa_family == AF_INET) inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, peer, sizeof peer);
        else if (sa->sa_family == AF_INET6)
            inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, peer, sizeof peer);
    }
    char client[WE_CLIENT_LEN + 1];
    const char *hid = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "X-WE-Client");
    size_t hl = hid ? strlen(hid) : 0;
    int ok = hl >= 8 && hl <= 40 && strspn(hid, "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-_") == hl;
    snprintf(client, sizeof client, "%s%s%s", peer, ok ? "/" : "", ok ? hid : "");
    arg_src as = {conn, c};
    we_serve_req rq = {method, url, get_arg, &as, client, c->body, c->len};
    we_serve_resp rs;
    we_serve_handle(s, &rq, &rs);
    return reply(conn, &rs, !strcmp(method, "HEAD"));
}

static void on_done(void *cls, struct MHD_Connection *conn, void **con_cls, enum MHD_RequestTerminationCode toe)
{
    if (*con_cls) ctx_free(*con_cls);
    *con_cls = NULL;
}

we_status we_serve_listen(we_server *s, const char *addr, int port, int *bound)
{
    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof ss);
    struct sockaddr_in *a4 = (struct sockaddr_in *)&ss;
    struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&ss;
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION;
    if (port < 0 || port > 65535) return we_err_set(WE_EUSAGE, "port %d not in 0..65535", port);
    if (inet_pton(AF_INET, addr, &a4->sin_addr) == 1) {
        a4->sin_family = AF_INET;
        a4->sin_port = htons((uint16_t)port);
    } else if (inet_pton(AF_INET6, addr, &a6->sin6_addr) == 1) {
        a6->sin6_family = AF_INET6;
        a6->sin6_port = htons((uint16_t)port);
        flags |= MHD_USE_IPv6;
    } else {
        return we_err_set(WE_EUSAGE, "address '%s' is not an IPv4 or IPv6 address", addr);
    }
    struct MHD_Daemon *d = MHD_start_daemon(
        flags, (uint16_t)port, NULL, NULL, on_request, s, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
        MHD_OPTION_NOTIFY_COMPLETED, on_done, s, MHD_OPTION_CONNECTION_LIMIT, (unsigned)64,
        MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)48, MHD_OPTION_CONNECTION_TIMEOUT,
        (unsigned)(s->p.conn_timeout > 0 ? s->p.conn_timeout : 30), MHD_OPTION_CONNECTION_MEMORY_LIMIT,
        (size_t)(128 * 1024), MHD_OPTION_END);
    if (!d) return we_err_set(WE_EIO, "cannot listen on %s port %d (in use, or not an address of this machine)", addr, port);
    const union MHD_DaemonInfo *di = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
    if (bound) *bound = di ? di->port : port;
    s->http = d;
    return WE_OK;
}

void we_serve_http_stop(we_server *s)
{
    if (s->http) MHD_stop_daemon(s->http);
    s->http = NULL;
}
