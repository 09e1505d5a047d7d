/* test_model.c - lib/diffusion/we_model.c without a network: the default-model
 * lookup, the guidance rules (model default, -g, per band, per condition,
 * intensity) and their refusals, the source rule, the wavelet-frame check;
 * and wtrain's data reader (lib/diffusion/we_train_data.c) with a labels CSV looked
 * up by item id (we_face_labels_find_key). The entry points that run the
 * network are covered by test_edit and the wdenoise / wtrain shell tests.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "we_model.h"

/* A model struct with just what the set-up and the checks read. */
static void fake_model(we_model *m, float def_guidance, int has_va)
{
    memset(m, 0, sizeof *m);
    we_unet_config_init(&m->cfg);
    m->cfg.S = 16, m->cfg.C = 1, m->cfg.T = 100;
    m->h = 8;
    m->def_guidance = def_guidance;
    m->has_va = has_va;
    snprintf(m->name, sizeof m->name, "fake.st");
}

static void test_path(void)
{
    char path[4096];
    setenv("WE_MODEL", "/x/y.safetensors", 1);
    CHECK(we_model_path(path, sizeof path, NULL) == 1 && !strcmp(path, "/x/y.safetensors"), "$WE_MODEL");
    CHECK(we_model_path(path, sizeof path, "a.st") == 1 && !strcmp(path, "a.st"), "-m wins over $WE_MODEL");
    setenv("WE_MODEL", "", 1);
    /* build/tests/../share/... and build/tests/../models/... do not exist */
    CHECK(we_model_path(path, sizeof path, NULL) == 0 && !strcmp(path, WE_MODEL_DEFAULT),
          "empty $WE_MODEL, nothing beside the executable: relative to the cwd");
    unsetenv("WE_MODEL");
}

static void test_guidance(void)
{
    we_model m;
    we_edit_request r;
    we_guidance g;
    fake_model(&m, 0, 0);
    we_edit_request_init(&r);
    CHECK(we_model_edit_setup(&m, NULL, &r) == WE_OK && r.p.g_low == 4 && r.p.g_high == 4 && !r.p.per_cond,
          "no scale, no model default: 4 on both bands");
    CHECK(r.intensity < 0, "no intensity");
    fake_model(&m, 2, 0);
    we_edit_request_init(&r);
    we_guidance_init(&g);
    CHECK(we_model_edit_setup(&m, &g, &r) == WE_OK && r.p.g_low == 2 && r.p.g_high == 2, "model's edit.guidance");
    we_edit_request_init(&r);
    g.g = 3;
    CHECK(we_model_edit_setup(&m, &g, &r) == WE_OK && r.p.g_low == 3 && r.p.g_high == 3, "-g wins");
    we_edit_request_init(&r);
    we_guidance_init(&g);
    g.g_high = 5;
    CHECK(we_model_edit_setup(&m, &g, &r) == WE_OK && r.p.g_low == 4 && r.p.g_high == 5,
          "--g-high alone: LL keeps the built-in 4 (not the model's default)");
    we_edit_request_init(&r);
    we_guidance_init(&g);
    g.g_cond[2] = 1.5;
    CHECK(we_model_edit_setup(&m, &g, &r) == WE_OK && r.p.per_cond && r.p.cond_scales[0] == 2 &&
          r.p.cond_scales[1] == 0 && r.p.cond_scales[2] == 1.5f, "per condition: label = default, va 0, heat given");
    we_edit_request_init(&r);
    we_guidance_init(&g);
    g.g = 4, g.intensity = 1;
    CHECK(we_model_edit_setup(&m, &g, &r) == WE_OK, "intensity 1");
    CHECK_CLOSE(r.p.g_low, 7, 1e-12, "intensity 1: g = 2g - 1");
    CHECK_CLOSE(r.p.strength, 0.75, 1e-12, "intensity 1: strength x 1.5");
    CHECK_CLOSE(r.intensity, 1, 1e-12, "intensity recorded");
    we_edit_request_init(&r);
    r.p.t0 = 40, r.p.steps = 10;
    g.intensity = 0;
    CHECK(we_model_edit_setup(&m, &g, &r) == WE_OK && r.p.t0 == 20 && r.p.g_low == 1, "intensity 0 on t0 and g");

    /* refusals: all WE_EUSAGE */
    we_edit_request_init(&r);
    we_guidance_init(&g);
    g.g = 3, g.g_low = 2;
    CHECK(we_model_edit_setup(&m, &g, &r) == WE_EUSAGE, "-g with --g-low refused");
    we_guidance_init(&g);
    g.g_low = 2, g.g_cond[0] = 3;
    CHECK(we_model_edit_setup(&m, &g, &r) == WE_EUSAGE, "per condition with per band refused");
    we_guidance_init(&g);
    g.g_cond[1] = 1;
    CHECK(we_model_edit_setup(&m, &g, &r) == WE_EUSAGE, "--g-va without a va target refused");
    we_guidance_init(&g);
    r.have_va = 1;
    CHECK(we_model_edit_setup(&m, &g, &r) == WE_EUSAGE, "va target on a model without va refused");
    fake_model(&m, 0, 1);
    CHECK(we_model_edit_setup(&m, &g, &r) == WE_OK, "va target on a va model accepted");
    we_edit_request_init(&r);
    r.p.steps = 80;
    CHECK(we_model_edit_setup(&m, &g, &r) == WE_EUSAGE, "steps above t0 + 1 refused");
}

static void test_source_and_wavelet(void)
{
    we_edit_request r;
    we_edit_request_init(&r);
    CHECK(we_edit_source_parse("net", &r) == WE_OK && r.source == WE_SOURCE_NET, "-s net");
    CHECK(we_edit_source_parse("sad", &r) == WE_OK && r.source == WE_SOURCE_FIXED && r.source_label == 2, "-s sad");
    CHECK(we_edit_source_parse("null", &r) == WE_OK && r.source_label == WE_UNET_NULL_LABEL, "-s null");
    CHECK(we_edit_source_parse("key", &r) == WE_OK && r.source == WE_SOURCE_KEY, "-s key");
    CHECK(we_edit_source_parse("maybe", &r) == WE_EUSAGE, "-s maybe refused");

    we_model m;
    fake_model(&m, 0, 0);
    we_frame w;
    we_frame_init(&w);
    CHECK(we_tensor_alloc3(&w.t, WE_F32, 12, 8, 8) == WE_OK, "frame");
    we_frame_set(&w, "wavelet", "haar");
    we_frame_set(&w, "levels", "1");
    CHECK(we_model_check_wavelet(&m, &w, "a") == WE_OK, "12 x 8 x 8 haar accepted (RGB through luminance)");
    we_frame_set(&w, "wavelet", "bior4.4");
    CHECK(we_model_check_wavelet(&m, &w, "a") == WE_EDATA, "another wavelet refused");
    we_frame_set(&w, "wavelet", "haar");
    we_frame_set(&w, "levels", "2");
    CHECK(we_model_check_wavelet(&m, &w, "a") == WE_EDATA, "two levels refused");
    we_frame_free(&w);
    we_frame_init(&w);
    we_tensor_alloc3(&w.t, WE_F32, 4, 16, 16);
    CHECK(we_model_check_wavelet(&m, &w, "a") == WE_EDATA, "another size refused");
    we_frame_free(&w);
}

/* A stream of three 1 x 4 x 4 images: ids dir/a.png#1 (no emotion key),
 * b.png (emotion happy, valence/arousal) and c.png (no key, not in the CSV). */
static void test_train_data(void)
{
    char st[] = "/tmp/test_model_XXXXXX", csv[] = "/tmp/test_model_csv_XXXXXX";
    int fd = mkstemp(st), fc = mkstemp(csv);
    CHECK(fd >= 0 && fc >= 0, "temporary files");
    FILE *f = fdopen(fd, "w+b");
    const char *ids[3] = {"dir/a.png#1", "b.png", "c.png"};
    for (int i = 0; i < 3; i++) {
        we_frame fr;
        we_frame_init(&fr);
        we_tensor_alloc3(&fr.t, WE_F32, 1, 4, 4);
        float *p = fr.t.data;
        for (int k = 0; k < 16; k++) p[k] = (float)(k + i) / 20.0f;
        we_frame_set_name(&fr, "image");
        we_frame_set(&fr, "id", ids[i]);
        if (i == 1) {
            we_frame_set(&fr, "emotion", "happy");
            we_frame_set(&fr, "valence", "0.5");
            we_frame_set(&fr, "arousal", "-0.25");
        }
        CHECK(we_frame_write(f, &fr) == WE_OK, "write an item");
        we_frame_free(&fr);
    }
    rewind(f);
    FILE *c = fdopen(fc, "w");
    fputs("image,emotion\nother/a.png,sad\nb.png,anger\n", c);
    fclose(c);
    we_face_labels *lab;
    CHECK(we_face_labels_load(csv, &lab) == WE_OK, "labels load");
    CHECK(we_face_labels_find_key(lab, "x/a.png#7") && !strcmp(we_face_labels_find_key(lab, "x/a.png#7"), "sad"),
          "find_key: base name up to '#'");
    CHECK(we_face_labels_find_key(lab, NULL) == NULL, "find_key: NULL key");
    const we_wavelet *wl;
    we_wavelet_parse("haar", &wl);
    we_train_data ds;
    CHECK(we_train_data_read(&ds, f, "test", wl, 0.5f, lab, 0) == WE_OK, "read the data");
    CHECK(ds.n == 3 && ds.S == 4 && ds.C == 1 && ds.K == 0 && ds.xsize == 16, "3 items 4x4 C 1");
    CHECK(ds.label[0] == 2, "item 1: emotion from the CSV by id (sad)");
    CHECK(ds.label[1] == 1, "item 2: the stream's emotion key wins over the CSV (happy)");
    CHECK(ds.label[2] == WE_UNET_NULL_LABEL && ds.unknown_emotion == 1, "item 3: NULL, counted");
    CHECK(ds.va_known[1] && !ds.va_known[0] && ds.any_va, "valence/arousal known on item 2 only");
    CHECK_CLOSE(ds.va[3], -0.25, 1e-7, "arousal read");
    /* the LL coefficient of a haar level is the 2x2 block sum / 2, times scale */
    float want = 0.5f * (0.0f + 1 + 4 + 5) / 20.0f / 2.0f;
    CHECK_CLOSE(ds.x[0], want, 1e-6, "image transformed and scaled");
    we_train_data_free(&ds);
    rewind(f);
    CHECK(we_train_data_read(&ds, f, "test", wl, 0.5f, NULL, 1) == WE_EDATA, "--heatmaps without heatmap frames");
    we_train_data_free(&ds);
    fclose(f);
    we_face_labels_free(lab);
    unlink(st);
    unlink(csv);
}

int main(void)
{
    test_path();
    test_guidance();
    test_source_and_wavelet();
    test_train_data();
    return check_summary();
}
