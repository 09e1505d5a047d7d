/* weserve - a web page for editing the emotion of faces on photos: upload,
 * pick a face and an emotion, watch it work, compare, download. The
 * handler and the HTTP front are lib/serve/we_serve.h; this is options
 * and the signal wait. See man/man1/weserve.1. */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "we_cli.h"
#include "we_file.h"
#include "we_nn.h"
#include "we_serve.h"

#define DEFAULT_PORT 8642

static void usage(void)
{
    printf("Usage: weserve [-p PORT] [-a ADDR] [-m MODEL] [OPTION]...\n"
           "Serve a web page that edits the emotion of the faces on a photo: upload a JPEG or\n"
           "PNG (or pick a demo photo), choose a face and a target emotion or prompt, follow the\n"
           "edit's progress, compare before and after, download the edited photo. The page\n"
           "shows what the judge (face-api's expression and recognition nets) says of the\n"
           "result. Binds to loopback unless told otherwise.\n"
           "\n"
           "  -p, --port=PORT         TCP port (default %d; 0 = any free one, see --port-file)\n"
           "  -a, --addr=ADDR         address to listen on (default 127.0.0.1; 0.0.0.0 or ::\n"
           "                          exposes the page to the network)\n"
           "  -m, --model=CKPT        checkpoint (default $WE_MODEL, else %s)\n"
           "  -w, --web=DIR           the page's files (default: share/waveemotion/web of the\n"
           "                          installation, else web/ of the source tree)\n"
           "  -D, --demos=DIR         demo photos offered on the page (default: the face-api\n"
           "                          demo photos of a source tree, if present; '' = none)\n"
           "      --port-file=FILE    write the port listened on to FILE (atomically)\n"
           "Limits:\n"
           "      --max-upload=MB     largest upload in MiB (default 20)\n"
           "      --max-pixels=MPX    largest photo in megapixels, refused before decoding\n"
           "                          (default 40)\n"
           "  -q, --queue=N           edits waiting, all clients together (default 4)\n"
           "      --photos=N          photos held in memory (default 16)\n"
           "      --max-steps=N       most DDIM steps a request may ask for (default 100)\n"
           "  -s, --steps=N           DDIM steps when the page asks for none (default 40)\n"
           "  -t, --timeout=S         seconds an edit may run (default 300)\n"
           "      --wait-timeout=S    seconds an edit may wait in the queue (default 600)\n"
           "  -T, --threads=N         BLAS threads, 0 = library default (default 0)\n"
           "  -h, --help              show this help and exit\n",
           DEFAULT_PORT, WE_MODEL_DEFAULT);
}

typedef struct {
    const char *addr, *model, *web, *demos, *port_file;
    int port, threads;
    we_serve_params sp;
} opts;

static void parse(int argc, char **argv, opts *o)
{
    memset(o, 0, sizeof *o);
    o->addr = "127.0.0.1";
    o->port = DEFAULT_PORT;
    we_serve_params_init(&o->sp);
    enum { O_PF = 256, O_MU, O_MP, O_PH, O_MS, O_WT };
    static const struct option lo[] = {
        {"port", 1, 0, 'p'}, {"addr", 1, 0, 'a'}, {"model", 1, 0, 'm'}, {"web", 1, 0, 'w'},
        {"demos", 1, 0, 'D'}, {"port-file", 1, 0, O_PF}, {"max-upload", 1, 0, O_MU},
        {"max-pixels", 1, 0, O_MP}, {"queue", 1, 0, 'q'}, {"photos", 1, 0, O_PH},
        {"max-steps", 1, 0, O_MS}, {"steps", 1, 0, 's'}, {"timeout", 1, 0, 't'},
        {"wait-timeout", 1, 0, O_WT}, {"threads", 1, 0, 'T'}, {"help", 0, 0, 'h'}, {0, 0, 0, 0}};
    int c;
    while ((c = getopt_long(argc, argv, "p:a:m:w:D:q:s:t:T:h", lo, NULL)) != -1) {
        switch (c) {
        case 'p': o->port = (int)we_cli_parse_long("--port", optarg, 0, 65535); break;
        case 'a': o->addr = optarg; break;
        case 'm': o->model = optarg; break;
        case 'w': o->web = optarg; break;
        case 'D': o->demos = optarg; break;
        case O_PF: o->port_file = optarg; break;
        case O_MU: o->sp.max_upload = (size_t)(we_cli_parse_double("--max-upload", optarg, 0.001, 1024) * 1048576); break;
        case O_MP: o->sp.max_pixels = (uint64_t)(we_cli_parse_double("--max-pixels", optarg, 0.001, 268) * 1e6); break;
        case 'q': o->sp.max_queue = (int)we_cli_parse_long("--queue", optarg, 1, 1000); break;
        case O_PH: o->sp.max_photos = (int)we_cli_parse_long("--photos", optarg, 1, 10000); break;
        case O_MS: o->sp.max_steps = (int)we_cli_parse_long("--max-steps", optarg, 1, 1000); break;
        case 's': o->sp.default_steps = (int)we_cli_parse_long("--steps", optarg, 1, 1000); break;
        case 't': o->sp.job_timeout = we_cli_parse_double("--timeout", optarg, 0.1, 86400); break;
        case O_WT: o->sp.wait_timeout = we_cli_parse_double("--wait-timeout", optarg, 0.1, 86400); break;
        case 'T': o->threads = (int)we_cli_parse_long("--threads", optarg, 0, 1024); break;
        case 'h': usage(); exit(0);
        default: we_cli_usage_error("unknown option");
        }
    }
    if (optind < argc) we_cli_usage_error("unexpected argument '%s'", argv[optind]);
    if (o->sp.default_steps > o->sp.max_steps)
        we_cli_usage_error("--steps %d above --max-steps %d", o->sp.default_steps, o->sp.max_steps);
}

int main(int argc, char **argv)
{
    we_cli_init(argv[0]);
    opts o;
    parse(argc, argv, &o);
    if (o.threads) we_nn_set_threads(o.threads);
    /* SIGINT/SIGTERM are waited for below; every thread started after this
     * inherits the mask, so they arrive here only */
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop, NULL);
    signal(SIGPIPE, SIG_IGN);

    char web[4096], demos[4096];
    if (o.web) snprintf(web, sizeof web, "%s", o.web);
    else we_serve_web_dir(web, sizeof web);
    if (o.demos) snprintf(demos, sizeof demos, "%s", o.demos);
    else we_serve_demo_dir(demos, sizeof demos);
    o.sp.web_dir = web;
    o.sp.demo_dir = demos;

    we_photo_engine_params ep;
    we_photo_engine_params_init(&ep);
    ep.model = o.model;
    we_photo_engine e;
    we_err_clear();
    we_status s = we_photo_engine_open(&e, &ep);
    if (s == WE_ENOINPUT)
        we_cli_die(s, "%s (the model: -m or $WE_MODEL; dlib's predictor and face-api's weights: "
                      "sh scripts/setup.sh)", we_err_detail());
    if (s) we_cli_die_status(s, "loading");
    we_server *srv;
    if ((s = we_serve_create(&srv, &e, &o.sp))) we_cli_die(s, "%s (-w DIR names the page's folder)", we_err_detail());
    int port;
    if ((s = we_serve_listen(srv, o.addr, o.port, &port))) we_cli_die(s, "%s", we_err_detail());
    if (o.port_file) {
        char line[32];
        int n = snprintf(line, sizeof line, "%d\n", port);
        if ((s = we_file_write_atomic(o.port_file, line, (size_t)n))) we_cli_die_status(s, o.port_file);
    }
    const char *host = o.addr;
    int v6 = strchr(host, ':') != NULL;
    fprintf(stderr, "weserve: http://%s%s%s:%d/ (model %s, %d px faces; Ctrl-C stops)\n", v6 ? "[" : "", host,
            v6 ? "]" : "", port, e.model.name, e.p.size);
    if (strcmp(host, "127.0.0.1") && strcmp(host, "::1"))
        we_cli_warn("listening on %s: anyone who can reach this machine can use the page", host);
    int sig = 0;
    sigwait(&stop, &sig);
    fprintf(stderr, "weserve: %s, stopping\n", sig == SIGINT ? "interrupted" : "terminated");
    we_serve_free(srv);
    we_photo_engine_free(&e);
    return 0;
}
