/* fuzz_lmheat.c - libFuzzer harness for lmheat's frame reading: items with
 * a `landmarks` frame are checked (we_layout_landmarks_check), given their
 * image size (the image frame or the size key) and drawn as heatmaps of
 * half that size, as lmheat does, under a small pixel budget. A heatmap
 * must be finite and in [0, 1]. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "we_heatmap.h"
#include "we_layout_face.h"
#include "we_stream.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0) return 0;
    setenv("WE_MAX_PIXELS", "16384", 1); /* heatmaps of at most ~64 x 64 x 18 */
    FILE *f = fmemopen((void *)data, size, "rb");
    if (!f) return 0;
    we_reader r;
    we_reader_init(&r, f, "fuzz");
    r.max_bytes = 1 << 16;
    we_item it;
    we_item_init(&it);
    int mask = size & 1, K = WE_HEATMAP_REGIONS + mask;
    for (int n = 0; n < 8 && we_reader_item(&r, &it) == WE_OK; n++) {
        we_frame *lm = we_item_find(&it, "landmarks");
        int sh, sw;
        if (!lm || we_layout_landmarks_check(lm) || we_layout_landmarks_image_size(&it, lm, &sh, &sw)) continue;
        int H = sh / 2 > 0 ? sh / 2 : 1, W = sw / 2 > 0 ? sw / 2 : 1;
        we_frame hm;
        we_frame_init(&hm);
        if (we_layout_heatmap_new(&hm, K, H, W) == WE_OK) {
            we_heatmap_forward(hm.t.data, lm->t.data, sh, sw, H, W, 2.0f, mask);
            const float *v = hm.t.data;
            for (size_t i = 0; i < (size_t)K * H * W; i++)
                if (!(v[i] >= 0 && v[i] <= 1)) abort();
        }
        we_frame_free(&hm);
    }
    we_item_free(&it);
    we_reader_free(&r);
    fclose(f);
    return 0;
}
