/* tests/tiny_model.h - a tiny random WaveEmotion model written to a file,
 * shared by the unit tests that edit with one (test_edit, test_model_cascade).
 * Header-only on purpose: each test is one translation unit. */
#ifndef TESTS_TINY_MODEL_H
#define TESTS_TINY_MODEL_H

#include "we_safetensors.h"
#include "we_train_rng.h"
#include "we_unet.h"

/* A tiny model: S 16, nf 8, mult 1,2, one res block, attention at level 1,
 * T 100. Every parameter gets small noise on top of the initialisation so
 * the zero-initialised output layer does not make eps identically 0. */
static int write_model(const char *path, int C, int K, int with_va, int full)
{
    we_unet_config cfg;
    we_unet_config_init(&cfg);
    cfg.C = C, cfg.K = K;
    if (!full) {  /* full: doc/design/model.md's default size (S 64, nf 64, T 1000), for timings */
        cfg.S = 16, cfg.nf = 8, cfg.nlevels = 2;
        cfg.mult[0] = 1, cfg.mult[1] = 2;
        cfg.num_res = 1, cfg.nattn = 1, cfg.attn[0] = 1, cfg.T = 100;
    }
    if (we_unet_config_validate(&cfg)) return -1;
    we_unet m;
    if (we_unet_create(&m, &cfg, 1)) return -1;
    we_rng r;
    we_rng_seed(&r, 1234);
    we_unet_init_params(&m, &r);
    for (size_t i = 0; i < m.nparams; i++) m.params[i] += 0.05f * (float)we_rng_normal(&r);
    we_st_writer w;
    we_st_writer_init(&w);
    we_status s = we_unet_config_to_meta(&cfg, &w);
    s = s ? s : we_st_writer_meta(&w, "conditions", with_va ? "label,va" : "label");
    s = s ? s : we_unet_add_tensors(&m, &w, "", m.params);
    s = s ? s : we_st_writer_save(&w, path);
    we_st_writer_free(&w);
    we_unet_free(&m);
    return s ? -1 : 0;
}

#endif
