/* test_layout.c - typed frame layouts: image, wavelet, landmarks, affine,
 * heatmap; read, check, write, and the messages that name what is wrong. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "we_face_paste.h"
#include "we_file.h"
#include "we_layout_image.h"
#include "we_layout_wavelet.h"
#include "we_layout_face.h"

static int detail_has(const char *s)
{
    return strstr(we_err_detail(), s) != NULL;
}

/* A frame `name` with a zeroed f32 (or dt) tensor of the given shape. */
static void make(we_frame *fr, const char *name, we_dtype dt, int rank, const int64_t *shape)
{
    we_frame_init(fr);
    we_frame_set_name(fr, name);
    we_tensor_alloc(&fr->t, dt, rank, shape);
}

static void test_image(void)
{
    we_frame fr;
    we_image_layout L;
    make(&fr, "image", WE_U8, 3, (int64_t[]){3, 4, 5});
    CHECK(we_layout_image_read(&fr, &L) == WE_OK && L.dtype == WE_U8 && L.C == 3 && L.H == 4 && L.W == 5,
          "image: u8 3x4x5 read");
    CHECK(we_layout_image_read_face(&fr, &L) == WE_EDATA && detail_has("C x S x S"), "image: not square is no face");
    we_frame_free(&fr);
    make(&fr, "image", WE_F32, 2, (int64_t[]){4, 4});
    CHECK(we_layout_image_read(&fr, &L) == WE_EDATA && detail_has("got rank 2"), "image: rank 2 named");
    we_frame_free(&fr);
    make(&fr, "image", WE_I32, 3, (int64_t[]){1, 4, 4});
    CHECK(we_layout_image_read(&fr, &L) == WE_EDATA && detail_has("dtype i32"), "image: dtype named");
    CHECK(we_layout_image_read_face(&fr, &L) == WE_EDATA && detail_has("f32 or u8"), "image face: dtype named");
    we_frame_free(&fr);

    we_tensor t;
    we_tensor_alloc(&t, WE_F32, 3, (int64_t[]){1, 6, 6});
    we_frame_init(&fr);
    CHECK(we_layout_image_new(&fr, &t) == WE_OK && !strcmp(fr.name, "image") && t.data == NULL && fr.t.data,
          "image new: named, tensor moved in");
    CHECK(we_layout_image_read_face(&fr, &L) == WE_OK && L.C == 1 && L.H == 6, "image face: 1x6x6");
    we_frame_free(&fr);
    we_tensor_alloc(&t, WE_F32, 2, (int64_t[]){6, 6});
    we_frame_init(&fr);
    CHECK(we_layout_image_new(&fr, &t) == WE_EDATA && t.data != NULL, "image new: rank 2 refused, kept by caller");
    we_tensor_free(&t);
    we_frame_free(&fr);
}

static void test_wavelet(void)
{
    const we_wavelet *haar;
    we_wavelet_parse("haar", &haar);
    we_wavelet_layout L, R;
    /* an odd-sized u8 image of 3 x 7 x 9, two levels: padded to 8 x 12 */
    CHECK(we_layout_wavelet_make(&L, haar, NULL, 2, 3, 7, 9, WE_U8) == WE_OK, "wavelet make");
    CHECK(L.H == 8 && L.W == 12 && L.height == 7 && L.width == 9 && !strcmp(L.name, "haar"), "wavelet make: padded");
    int64_t sh[3];
    we_layout_wavelet_shape(&L, sh);
    CHECK(sh[0] == 48 && sh[1] == 2 && sh[2] == 3, "wavelet shape: 4^2*3 x 2 x 3");
    we_frame fr;
    we_frame_init(&fr);
    we_frame_set(&fr, "id", "x");
    CHECK(we_layout_wavelet_new(&fr, &L) == WE_OK && we_layout_wavelet_set_keys(&fr, &L) == WE_OK, "wavelet new");
    char *h = we_frame_header_string(&fr);
    CHECK(h && strstr(h, "WES1 wavelet f32 48 2 3\nid=x\nwavelet=haar\nlevels=2\nmode=periodization\n"
                         "image.dtype=u8\nimage.height=7\nimage.width=9\n") != NULL,
          "wavelet keys: fixed order");
    free(h);
    CHECK(we_layout_wavelet_read(&fr, WE_LAYOUT_STRICT, &R) == WE_OK && R.wavelet == haar && R.levels == 2 &&
              R.C == 3 && R.H == 8 && R.W == 12 && R.height == 7 && R.width == 9 && R.image_dtype == WE_U8 && R.N == 1,
          "wavelet read back");
    we_wavelet_want want = {"haar", 2, 3, 8, 12, 0};
    CHECK(we_layout_wavelet_check(&R, &want) == WE_OK, "wavelet check: matches");
    want.levels = 1;
    CHECK(we_layout_wavelet_check(&R, &want) == WE_EDATA && detail_has("2 levels, want 1"), "check: levels named");
    want = (we_wavelet_want){"bior4.4", 0, 0, 0, 0, 0};
    CHECK(we_layout_wavelet_check(&R, &want) == WE_EDATA && detail_has("is haar, want bior4.4"), "check: wavelet");
    want = (we_wavelet_want){NULL, 0, 1, 0, 0, 0};
    CHECK(we_layout_wavelet_check(&R, &want) == WE_EDATA && detail_has("3 image channels"), "check: channels");
    want = (we_wavelet_want){NULL, 0, 0, 0, 0, 1};
    CHECK(we_layout_wavelet_check(&R, &want) == WE_EDATA && detail_has("8x12 image, want a square"), "check: square");

    we_frame_set(&fr, "image.height", "9");
    CHECK(we_layout_wavelet_read(&fr, 0, &R) == WE_EDATA && detail_has("image.height/image.width"),
          "image.height beyond the padded size");
    we_frame_unset(&fr, "image.height");
    CHECK(we_layout_wavelet_read(&fr, 0, &R) == WE_EDATA, "image.width without image.height");
    we_layout_wavelet_unset_keys(&fr);
    CHECK(fr.nkv == 1, "unset: only id is left");
    CHECK(we_layout_wavelet_read(&fr, WE_LAYOUT_STRICT, &R) == WE_EDATA && detail_has("no 'wavelet' key"),
          "strict: wavelet key required");
    we_frame_set(&fr, "wavelet", "haar");
    CHECK(we_layout_wavelet_read(&fr, WE_LAYOUT_STRICT, &R) == WE_EDATA && detail_has("no 'levels' key"),
          "strict: levels key required");
    CHECK(we_layout_wavelet_read(&fr, 0, &R) == WE_OK && R.levels == 1 && R.C == 12 && R.H == 4 && R.W == 6 &&
              R.image_dtype == -1,
          "lenient: levels default 1");
    we_frame_set(&fr, "levels", "0");
    CHECK(we_layout_wavelet_read(&fr, 0, &R) == WE_EDATA && detail_has("levels=0"), "levels 0 named");
    we_frame_set(&fr, "levels", "3");
    CHECK(we_layout_wavelet_read(&fr, 0, &R) == WE_EDATA && detail_has("multiple of 4^3"), "channels vs 4^J");
    we_frame_set(&fr, "levels", "1");
    we_frame_set(&fr, "mode", "symmetric");
    CHECK(we_layout_wavelet_read(&fr, 0, &R) == WE_EDATA && detail_has("mode=symmetric"), "mode named");
    we_frame_set(&fr, "mode", "periodization");
    we_frame_set(&fr, "wavelet", "db99");
    CHECK(we_layout_wavelet_read(&fr, 0, &R) == WE_EDATA, "unknown wavelet");
    we_frame_free(&fr);

    make(&fr, "wavelet", WE_F32, 4, (int64_t[]){2, 12, 4, 4});
    we_frame_set(&fr, "wavelet", "haar");
    we_frame_set(&fr, "levels", "1");
    CHECK(we_layout_wavelet_read(&fr, 0, &R) == WE_EDATA && detail_has("3 dims, got f32 with 4"), "rank 4 refused");
    CHECK(we_layout_wavelet_read(&fr, WE_LAYOUT_BATCH, &R) == WE_OK && R.N == 2 && R.C == 3 && R.H == 8,
          "rank 4 with WE_LAYOUT_BATCH");
    we_frame_free(&fr);
    CHECK(we_layout_wavelet_make(&L, haar, "haar", 1, 0, 8, 8, -1) != WE_OK, "make: 0 channels refused");
}

static void test_face(void)
{
    float pts[2 * WE_FACE_NPTS], A[6] = {2, 0, 10, 0, 2, 20};
    for (int i = 0; i < 2 * WE_FACE_NPTS; i++) pts[i] = (float)i;
    we_frame lm, af, img;
    we_frame_init(&lm);
    we_frame_init(&af);
    CHECK(we_layout_landmarks_new(&lm, pts) == WE_OK && we_layout_landmarks_check(&lm) == WE_OK &&
              ((float *)lm.t.data)[135] == 135.f,
          "landmarks: new, check");
    CHECK(we_layout_affine_new(&af, A) == WE_OK, "affine: new");
    we_face_keys k = {"p.jpg#0", "p.jpg", 0, "hog", 0.5, 0.02, {1, 2, 3, 4, 0.5}, 640, 480, 64, 0.3, "happy"};
    CHECK(we_layout_face_set_keys(&af, &k) == WE_OK, "face keys set");
    char *h = we_frame_header_string(&af);
    CHECK(h && strstr(h, "id=p.jpg#0\nsrc=p.jpg\nface=0\ndetector=hog\nscore=0.5000\nfit=0.0200\n"
                         "box=1.0,2.0,3.0,4.0\nphoto=640x480\nsize=64\nmargin=0.3\nemotion=happy\n") != NULL,
          "face keys: fixed order and formats");
    free(h);
    we_affine_layout L;
    CHECK(we_layout_affine_read(&af, &L) == WE_OK && L.A[2] == 10 && L.have_photo && L.photo_w == 640 &&
              L.photo_h == 480 && L.size == 64,
          "affine read: matrix, photo, size");
    we_frame_set(&af, "photo", "big");
    CHECK(we_layout_affine_read(&af, &L) == WE_OK && !L.have_photo, "affine read: unreadable photo key ignored");

    we_item it;
    we_item_init(&it);
    int hh, ww;
    we_frame_set(&lm, "size", "64");
    CHECK(we_layout_landmarks_image_size(&it, &lm, &hh, &ww) == WE_OK && hh == 64 && ww == 64,
          "landmarks size: from the size key");
    make(&img, "image", WE_U8, 3, (int64_t[]){3, 32, 30});
    we_item_push(&it, &img);
    CHECK(we_layout_landmarks_image_size(&it, &lm, &hh, &ww) == WE_OK && hh == 32 && ww == 30,
          "landmarks size: the item's image first");
    we_item_free(&it);
    we_frame_unset(&lm, "size");
    CHECK(we_layout_landmarks_image_size(&it, &lm, &hh, &ww) == WE_EDATA && detail_has("image size"),
          "landmarks size: none");
    we_frame_free(&lm);
    make(&lm, "landmarks", WE_F32, 2, (int64_t[]){5, 2});
    CHECK(we_layout_landmarks_check(&lm) == WE_EDATA && detail_has("f32 68x2"), "landmarks: wrong shape named");
    we_frame_free(&lm);
    we_frame_free(&af);
    make(&af, "affine", WE_F32, 2, (int64_t[]){3, 2});
    CHECK(we_layout_affine_read(&af, &L) == WE_EDATA && detail_has("f32 2x3"), "affine: wrong shape named");
    we_frame_free(&af);

    /* the affine maths: an affine made for a 64 crop used on a 32 image */
    float B[6] = {1, 0, 0, 0, 1, 0}, p[2] = {31.5f, 0};
    we_face_paste_rescale(B, p, 1, 64, 32);
    CHECK_CLOSE(B[0], 2, 1e-6, "rescale: scale");
    CHECK_CLOSE(B[2], 0.5, 1e-6, "rescale: offset (0.5 k - 0.5)");
    CHECK_CLOSE(p[0], 15.5, 1e-6, "rescale: points to the new pixels");
    float C[6] = {1, 0, 0, 0, 1, 0};
    we_face_paste_rescale(C, NULL, 0, 32, 32);
    CHECK(C[0] == 1 && C[2] == 0, "rescale: same size, no change");
}

static void test_heatmap(void)
{
    we_frame fr;
    we_frame_init(&fr);
    we_heatmap_layout L;
    CHECK(we_layout_heatmap_new(&fr, 9, 4, 4) == WE_OK && we_layout_heatmap_set_keys(&fr, 1, 1.5) == WE_OK,
          "heatmap new + keys");
    CHECK(!strcmp(we_frame_get(&fr, "sigma"), "1.5") && strstr(we_frame_get(&fr, "regions"), ",mask"),
          "heatmap keys: sigma, regions with mask");
    CHECK(we_layout_heatmap_read(&fr, &L) == WE_OK && L.K == 9 && L.H == 4, "heatmap read");
    CHECK(we_layout_heatmap_check(&L, 0, 4, 4) == WE_OK, "heatmap check: any K");
    CHECK(we_layout_heatmap_check(&L, 0, 8, 8) == WE_EDATA && detail_has("K x 8 x 8"), "heatmap check: size");
    CHECK(we_layout_heatmap_check(&L, 8, 4, 4) == WE_EDATA && detail_has("9 channels, want 8"), "heatmap check: K");
    we_frame_free(&fr);
}

static void test_lines(void)
{
    char path[] = "/tmp/test_layout_linesXXXXXX";
    int fd = mkstemp(path);
    FILE *f = fdopen(fd, "w");
    fputs("a.jpg\r\n\nb c.png\nlast", f);
    fclose(f);
    char **v;
    size_t n;
    CHECK(we_file_read_lines(path, &v, &n) == WE_OK && n == 3 && !strcmp(v[0], "a.jpg") && !strcmp(v[1], "b c.png") &&
              !strcmp(v[2], "last"),
          "read_lines: CR/LF stripped, empty lines skipped");
    we_file_lines_free(v, n);
    unlink(path);
    CHECK(we_file_read_lines(path, &v, &n) == WE_ENOINPUT, "read_lines: missing file");
}

int main(void)
{
    test_image();
    test_wavelet();
    test_face();
    test_heatmap();
    test_lines();
    return check_summary();
}
