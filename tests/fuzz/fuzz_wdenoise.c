/* fuzz_wdenoise.c - libFuzzer harness for wdenoise's frame reading: the
 * input's items go through we_model_edit with a tiny random model (S 16,
 * C 1, K 8; written once to a temp file), 1 DDIM step, the source from
 * the emotion key: every wavelet and heatmap frame is checked against the
 * model before use. An edit that succeeds must leave finite coefficients
 * (non-finite input is refused by the reader, wes(5)). */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "../tiny_model.h"
#include "we_model.h"
#include "we_stream.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static we_model model;
static we_edit_request req;
static int ready = -1;

static int setup(void)
{
    char path[64];
    snprintf(path, sizeof path, "/tmp/fuzz_wdenoise.%d.st", (int)getpid());
    if (write_model(path, 1, 8, 0, 0)) return 0;
    we_status s = we_model_open(&model, path, 4, 0, WE_DEV_CPU);
    unlink(path);
    if (s) return 0;
    we_edit_request_init(&req);
    req.target = 3;
    req.p.steps = 1;
    return we_model_edit_setup(&model, NULL, &req) == WE_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (ready < 0) ready = setup();
    if (!ready) { fprintf(stderr, "fuzz_wdenoise setup: %s\n", we_err_detail()); abort(); }
    if (size == 0) return 0;
    FILE *f = fmemopen((void *)data, size, "rb");
    if (!f) return 0;
    we_reader r;
    we_reader_init(&r, f, "fuzz");
    r.max_bytes = 1 << 16;
    we_item it[4];
    int n = 0;
    while (n < 4) {
        we_item_init(&it[n]);
        if (we_reader_item(&r, &it[n]) != WE_OK) break;
        n++;
    }
    we_rng rng;
    we_rng_seed(&rng, 1);
    if (n && we_model_edit(&model, &req, it, n, NULL, &rng) == WE_OK)
        for (int i = 0; i < n; i++) {
            we_frame *w = we_item_find(&it[i], "wavelet");
            if (w && we_tensor_nonfinite(&w->t) >= 0) abort();
        }
    for (int i = 0; i <= n && i < 4; i++) we_item_free(&it[i]);
    we_reader_free(&r);
    fclose(f);
    return 0;
}
