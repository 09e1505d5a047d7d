// cudaemu.cc - a CPU emulator of the CUDA runtime and cuBLAS calls that
// WaveEmotion makes, so the CUDA path runs (slowly) in `make test` on
// machines without a GPU. It is a test tool: what it can prove is that the
// kernels compute the right numbers for a given thread schedule and that the
// host code keeps host and device memory apart; it says nothing about speed.
//
// - Device memory: each cudaMalloc is its own mapping, ending just before a
//   guard page, and is PROT_NONE except while a kernel that takes it as an
//   argument, a copy or a cuBLAS call that uses it runs: a host dereference of a device pointer or a kernel running off
//   the end of a buffer faults, and the SIGSEGV handler says which.
// - Kernels: every block's threads run as fibers on the launching thread;
//   __syncthreads and the warp shuffles are barriers that switch fibers, so
//   block reductions work as on the GPU. CUDAEMU_ORDER=reverse runs the
//   threads of each block in reverse order (a cheap race detector).
// - Kernel pointer arguments must be NULL or device memory.
// - Launches are synchronous and serialised (one global lock).
#include "cuda_runtime.h"
#include "cublas_v2.h"

#include <cblas.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <map>
#include <stdint.h>
#include <mutex>
#include <vector>

namespace cudaemu {
thread_local thread_state *cur;
thread_local uint3 block_idx;
thread_local dim3 block_dim, grid_dim;
}

namespace {

std::recursive_mutex g_mu;
thread_local cudaError_t t_last = cudaSuccess;
long g_page;

// ---- device memory --------------------------------------------------------
struct alloc {
    char *map;      // the mapping: data pages + one guard page
    size_t maplen;  // bytes mapped
    char *base;     // what cudaMalloc returned
    size_t bytes;   // what was asked for
    size_t datalen; // bytes from map to the guard page
    int open;       // > 0: readable and writable (a kernel, copy or GEMM uses it)
};
std::map<const char *, alloc> g_allocs; // by base
thread_local const char *t_kernel;       // kernel running on this thread, for the fault handler
const size_t HUGE = 2u << 20;

alloc *find_alloc(const void *p)
{
    const char *c = (const char *)p;
    auto it = g_allocs.upper_bound(c);
    if (it == g_allocs.begin()) return NULL;
    --it;
    alloc &a = it->second;
    return (c >= a.map && c < a.map + a.maplen) ? &a : NULL;
}

// Device buffers are opened for exactly the calls that use them: the
// pointer arguments of a kernel, the operands of a copy or a GEMM. Nested.
void open_ptrs(const std::vector<const void *> &ptrs)
{
    for (const void *p : ptrs) {
        alloc *a = p ? find_alloc(p) : NULL;
        if (a && a->open++ == 0) mprotect(a->map, a->datalen, PROT_READ | PROT_WRITE);
    }
}

void close_ptrs(const std::vector<const void *> &ptrs)
{
    for (const void *p : ptrs) {
        alloc *a = p ? find_alloc(p) : NULL;
        if (a && --a->open == 0) mprotect(a->map, a->datalen, PROT_NONE);
    }
}

// ---- the fault handler ------------------------------------------------------
char g_altstack[65536];

void on_segv(int sig, siginfo_t *si, void *uc)
{
    (void)uc;
    char msg[512];
    const char *addr = (const char *)si->si_addr;
    const alloc *a = find_alloc(addr);
    int n;
    if (a && addr >= a->map + a->datalen)
        n = snprintf(msg, sizeof msg,
                     "cudaemu: %s read or wrote past the end of a %zu-byte device buffer (at %p, +%td bytes)\n",
                     t_kernel ? t_kernel : "host code", a->bytes, (const void *)addr, addr - a->base);
    else if (a && !t_kernel)
        n = snprintf(msg, sizeof msg,
                     "cudaemu: host code dereferenced DEVICE memory at %p (a %zu-byte cudaMalloc buffer, "
                     "offset %td): use cudaMemcpy\n",
                     (const void *)addr, a->bytes, addr - a->base);
    else if (t_kernel)
        n = snprintf(msg, sizeof msg, "cudaemu: kernel %s touched an invalid address %p\n", t_kernel,
                     (const void *)addr);
    else
        n = snprintf(msg, sizeof msg, "cudaemu: segmentation fault at %p (not device memory)\n",
                     (const void *)addr);
    if (n > 0) (void)!write(2, msg, (size_t)n < sizeof msg ? (size_t)n : sizeof msg - 1);
    signal(sig, SIG_DFL);
    raise(sig);
}

void install_handler()
{
    static int done;
    if (done) return;
    done = 1;
    g_page = sysconf(_SC_PAGESIZE);
    stack_t ss;
    memset(&ss, 0, sizeof ss);
    ss.ss_sp = g_altstack;
    ss.ss_size = sizeof g_altstack;
    sigaltstack(&ss, NULL);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_segv;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
    sigaction(SIGSEGV, &sa, NULL);
    sigaction(SIGBUS, &sa, NULL);
}

cudaError_t fail(cudaError_t e) { return t_last = e; }

} // namespace

extern "C" void cudaemu_fail(cudaError_t e, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "cudaemu: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
    t_last = e;
}

extern "C" int cudaemu_is_device(const void *p, size_t bytes)
{
    std::lock_guard<std::recursive_mutex> lk(g_mu);
    const alloc *a = find_alloc(p);
    const char *c = (const char *)p;
    return a && c >= a->base && bytes <= (size_t)(a->base + a->bytes - c);
}

// ---- runtime API -----------------------------------------------------------

extern "C" cudaError_t cudaGetDeviceCount(int *count)
{
    install_handler();
    *count = getenv("CUDAEMU_NO_DEVICE") ? 0 : 1;
    return *count ? cudaSuccess : fail(cudaErrorNoDevice);
}

extern "C" cudaError_t cudaDeviceGetAttribute(int *value, cudaDeviceAttr attr, int device)
{
    if (device != 0) return fail(cudaErrorInvalidValue);
    if (attr == cudaDevAttrMaxThreadsPerBlock) { *value = 1024; return cudaSuccess; }
    return fail(cudaErrorInvalidValue); // no memory clock or bus: the emulator has no bandwidth
}

extern "C" cudaError_t cudaMalloc(void **ptr, size_t bytes)
{
    std::lock_guard<std::recursive_mutex> lk(g_mu);
    install_handler();
    *ptr = NULL;
    if (bytes == 0) bytes = 1;
    size_t rounded = (bytes + 255) & ~(size_t)255; // cudaMalloc's 256-byte alignment
    // Big buffers start 2 MiB-aligned on whole huge pages, which keeps the
    // mprotect calls per launch cheap; the end still touches the guard page.
    size_t unit = rounded >= HUGE ? HUGE : (size_t)g_page;
    size_t datalen = (rounded + unit - 1) / unit * unit;
    size_t maplen = datalen + g_page, extra = unit > (size_t)g_page ? unit : 0;
    char *raw = (char *)mmap(NULL, maplen + extra, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (raw == MAP_FAILED) return fail(cudaErrorMemoryAllocation);
    char *m = raw;
    if (extra) { // trim to a 2 MiB-aligned start
        m = (char *)(((uintptr_t)raw + HUGE - 1) & ~(uintptr_t)(HUGE - 1));
        if (m > raw) munmap(raw, (size_t)(m - raw));
        if (raw + extra > m) munmap(m + maplen, (size_t)(raw + extra - m));
        madvise(m, datalen, MADV_HUGEPAGE);
    }
    alloc a = {m, maplen, m + datalen - rounded, bytes, datalen, 0};
    // the real device hands out garbage, not zeros: NaN catches reads of unset memory
    mprotect(m, datalen, PROT_READ | PROT_WRITE);
    memset(m, 0xff, datalen);
    mprotect(m, datalen, PROT_NONE);
    g_allocs[a.base] = a;
    *ptr = a.base;
    return cudaSuccess;
}

extern "C" cudaError_t cudaFree(void *ptr)
{
    if (!ptr) return cudaSuccess;
    std::lock_guard<std::recursive_mutex> lk(g_mu);
    auto it = g_allocs.find((const char *)ptr);
    if (it == g_allocs.end()) {
        cudaemu_fail(cudaErrorInvalidDevicePointer, "cudaFree(%p): not a pointer cudaMalloc returned", ptr);
        return cudaErrorInvalidDevicePointer;
    }
    munmap(it->second.map, it->second.maplen);
    g_allocs.erase(it);
    return cudaSuccess;
}

static int side_ok(const void *p, size_t bytes, int device, const char *what, const char *call)
{
    int dev = cudaemu_is_device(p, bytes);
    if (dev == device) return 1;
    if (device)
        cudaemu_fail(cudaErrorInvalidValue, "%s: the %s %p is not %zu bytes of device memory", call, what, p, bytes);
    else
        cudaemu_fail(cudaErrorInvalidValue, "%s: the %s %p is device memory but the copy kind says host", call,
                     what, p);
    return 0;
}

extern "C" cudaError_t cudaMemcpy(void *dst, const void *src, size_t bytes, cudaMemcpyKind kind)
{
    if (bytes == 0) return cudaSuccess;
    std::lock_guard<std::recursive_mutex> lk(g_mu);
    int ddev = -1, sdev = -1;
    switch (kind) {
    case cudaMemcpyHostToHost: ddev = 0, sdev = 0; break;
    case cudaMemcpyHostToDevice: ddev = 1, sdev = 0; break;
    case cudaMemcpyDeviceToHost: ddev = 0, sdev = 1; break;
    case cudaMemcpyDeviceToDevice: ddev = 1, sdev = 1; break;
    case cudaMemcpyDefault: break;
    default: return fail(cudaErrorInvalidMemcpyDirection);
    }
    if (ddev >= 0 && (!side_ok(dst, bytes, ddev, "destination", "cudaMemcpy") ||
                      !side_ok(src, bytes, sdev, "source", "cudaMemcpy")))
        return cudaErrorInvalidValue;
    std::vector<const void *> ops = {dst, src};
    open_ptrs(ops);
    memmove(dst, src, bytes);
    close_ptrs(ops);
    return cudaSuccess;
}

extern "C" cudaError_t cudaMemset(void *ptr, int value, size_t bytes)
{
    if (bytes == 0) return cudaSuccess;
    std::lock_guard<std::recursive_mutex> lk(g_mu);
    if (!side_ok(ptr, bytes, 1, "buffer", "cudaMemset")) return cudaErrorInvalidValue;
    std::vector<const void *> ops = {ptr};
    open_ptrs(ops);
    memset(ptr, value, bytes);
    close_ptrs(ops);
    return cudaSuccess;
}

extern "C" cudaError_t cudaDeviceSynchronize(void) { return t_last; }

extern "C" cudaError_t cudaGetLastError(void)
{
    cudaError_t e = t_last;
    t_last = cudaSuccess;
    return e;
}

extern "C" cudaError_t cudaPeekAtLastError(void) { return t_last; }

extern "C" const char *cudaGetErrorString(cudaError_t e)
{
    switch (e) {
    case cudaSuccess: return "no error";
    case cudaErrorInvalidValue: return "invalid argument";
    case cudaErrorMemoryAllocation: return "out of memory";
    case cudaErrorInvalidConfiguration: return "invalid configuration argument";
    case cudaErrorInvalidDevicePointer: return "invalid device pointer";
    case cudaErrorInvalidMemcpyDirection: return "invalid copy direction for memcpy";
    case cudaErrorNoDevice: return "no CUDA-capable device is detected";
    case cudaErrorIllegalAddress: return "an illegal memory access was encountered";
    case cudaErrorLaunchFailure: return "unspecified launch failure";
    }
    return "unknown error";
}

struct cudaemu_event { double t; };

extern "C" cudaError_t cudaEventCreate(cudaEvent_t *e)
{
    *e = (cudaEvent_t)calloc(1, sizeof(cudaemu_event));
    return *e ? cudaSuccess : fail(cudaErrorMemoryAllocation);
}

extern "C" cudaError_t cudaEventDestroy(cudaEvent_t e)
{
    free(e);
    return cudaSuccess;
}

extern "C" cudaError_t cudaEventRecord(cudaEvent_t e, cudaStream_t s)
{
    (void)s;
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    e->t = ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
    return cudaSuccess;
}

extern "C" cudaError_t cudaEventSynchronize(cudaEvent_t e) { (void)e; return cudaSuccess; }

extern "C" cudaError_t cudaEventElapsedTime(float *ms, cudaEvent_t a, cudaEvent_t b)
{
    *ms = (float)(b->t - a->t);
    return cudaSuccess;
}

// ---- fibers -----------------------------------------------------------------
// A context switch saves the callee-saved registers on the old stack and
// loads the new stack pointer: x86-64 System V only (the build checks).
extern "C" void cudaemu_switch(void **save_sp, void *new_sp);
asm(R"(
.text
.globl cudaemu_switch
.type cudaemu_switch,@function
cudaemu_switch:
    pushq %rbp
    pushq %rbx
    pushq %r12
    pushq %r13
    pushq %r14
    pushq %r15
    movq %rsp, (%rdi)
    movq %rsi, %rsp
    popq %r15
    popq %r14
    popq %r13
    popq %r12
    popq %rbx
    popq %rbp
    ret
.size cudaemu_switch,.-cudaemu_switch
.section .note.GNU-stack,"",@progbits
.text
)");

extern "C" void cudaemu_fiber_main(void);

namespace {

enum { RUNNABLE, WAITING, DONE };

const size_t STACK = 128 * 1024;
const int MAX_THREADS = 1024;

struct fiber {
    cudaemu::thread_state ts;
    void *sp;
    int state;
    const void *waiting_on;
};

struct barrier {
    int arrived;
    int expected;
};

struct block_run {
    std::vector<fiber> f;
    char *stacks;
    void *sched_sp;
    int cur;
    int live;                  // threads not finished
    barrier block_bar;
    std::vector<barrier> warp_bar;
    std::vector<int> warp_live;
    std::vector<unsigned char> slots; // per lane: 16 bytes for the shuffles
    const std::function<void()> *body;
};
thread_local block_run *t_run;

void yield_to_scheduler()
{
    block_run *r = t_run;
    cudaemu_switch(&r->f[r->cur].sp, r->sched_sp);
}

// Arrive at b; the last of `expected` arrivals releases the others.
void arrive(barrier *b)
{
    block_run *r = t_run;
    fiber *me = &r->f[r->cur];
    if (++b->arrived >= b->expected) {
        b->arrived = 0;
        for (auto &o : r->f)
            if (o.state == WAITING && o.waiting_on == b) o.state = RUNNABLE, o.waiting_on = NULL;
        return;
    }
    me->state = WAITING;
    me->waiting_on = b;
    yield_to_scheduler();
}

// A thread that exits no longer counts for the barriers it would have met.
void thread_exit_release(barrier *b, int now_expected)
{
    b->expected = now_expected;
    if (b->arrived > 0 && b->arrived >= b->expected) {
        b->arrived = 0;
        for (auto &o : t_run->f)
            if (o.state == WAITING && o.waiting_on == b) o.state = RUNNABLE, o.waiting_on = NULL;
    }
}

void *fiber_stack(block_run *r, int i)
{
    // [regs x6][return address -> cudaemu_fiber_main][pad]; 16-byte aligned
    // so the entry sees the stack as after a call.
    char *top = r->stacks + (size_t)(i + 1) * STACK;
    void **sp = (void **)(top - 64);
    for (int k = 0; k < 6; k++) sp[k] = 0;
    sp[6] = (void *)cudaemu_fiber_main;
    sp[7] = 0;
    return sp;
}

char *g_stacks;

} // namespace

// Where every fiber starts (entered by the `ret` of cudaemu_switch).
extern "C" void cudaemu_fiber_main(void)
{
    block_run *r = t_run;
    fiber *me = &r->f[r->cur];
    (*r->body)();
    me->state = DONE;
    r->live--;
    thread_exit_release(&r->block_bar, r->live);
    unsigned w = me->ts.warp;
    r->warp_live[w]--;
    thread_exit_release(&r->warp_bar[w], r->warp_live[w]);
    cudaemu_switch(&me->sp, r->sched_sp);
    abort(); // never resumed
}


namespace cudaemu {

void syncthreads()
{
    block_run *r = t_run;
    if (!r) abort();
    arrive(&r->block_bar);
}

void warp_exchange(const void *mine, void *theirs, unsigned src_lane, size_t size)
{
    block_run *r = t_run;
    fiber *me = &r->f[r->cur];
    unsigned w = me->ts.warp;
    unsigned base = w * 32;
    memcpy(&r->slots[(size_t)(base + me->ts.lane) * 16], mine, size);
    arrive(&r->warp_bar[w]);
    size_t src = base + (src_lane & 31);
    if (src >= r->f.size() || r->f[src].state == DONE) src = base + me->ts.lane;
    memcpy(theirs, &r->slots[src * 16], size);
    arrive(&r->warp_bar[w]); // nobody overwrites a slot before everyone has read
}

int check_kernel_pointer(const char *kernel, int argno, const void *p)
{
    if (!p || cudaemu_is_device(p, 1)) return 0;
    cudaemu_fail(cudaErrorIllegalAddress, "kernel %s: argument %d (%p) is not device memory (a host pointer?)",
                 kernel, argno, p);
    return 1;
}

void run_grid(const char *name, dim3 grid, dim3 block, size_t smem, const std::vector<const void *> &ptrs,
              const std::function<void()> &body)
{
    std::lock_guard<std::recursive_mutex> lk(g_mu);
    install_handler();
    unsigned long long nt = (unsigned long long)block.x * block.y * block.z;
    if (nt == 0 || nt > (unsigned long long)MAX_THREADS || block.z > 64 || grid.x == 0 || grid.y == 0 ||
        grid.z == 0 || grid.y > 65535 || grid.z > 65535 || grid.x > 2147483647u || smem > 48 * 1024) {
        cudaemu_fail(cudaErrorInvalidConfiguration, "kernel %s: bad launch <<<(%u,%u,%u), (%u,%u,%u), %zu>>>",
                     name, grid.x, grid.y, grid.z, block.x, block.y, block.z, smem);
        return;
    }
    if (!g_stacks) {
        g_stacks = (char *)mmap(NULL, STACK * MAX_THREADS, PROT_READ | PROT_WRITE,
                                MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
        if (g_stacks == MAP_FAILED) {
            g_stacks = NULL;
            cudaemu_fail(cudaErrorMemoryAllocation, "cannot map fiber stacks");
            return;
        }
    }
    static int reverse = -1;
    if (reverse < 0) {
        const char *o = getenv("CUDAEMU_ORDER");
        reverse = o && !strcmp(o, "reverse");
    }
    int n = (int)nt, nw = (n + 31) / 32;
    block_run r;
    r.f.resize((size_t)n);
    r.stacks = g_stacks;
    r.body = &body;
    r.warp_bar.resize((size_t)nw);
    r.warp_live.resize((size_t)nw);
    r.slots.resize((size_t)nw * 32 * 16);
    block_run *saved = t_run;
    const char *saved_kernel = t_kernel;
    t_run = &r;
    t_kernel = name;
    open_ptrs(ptrs);
    cudaemu::grid_dim = grid;
    cudaemu::block_dim = block;
    int deadlock = 0;
    for (unsigned bz = 0; bz < grid.z && !deadlock; bz++)
        for (unsigned by = 0; by < grid.y && !deadlock; by++)
            for (unsigned bx = 0; bx < grid.x && !deadlock; bx++) {
                cudaemu::block_idx = {bx, by, bz};
                for (int i = 0; i < n; i++) {
                    fiber &f = r.f[(size_t)i];
                    f.ts.tid = {(unsigned)i % block.x, ((unsigned)i / block.x) % block.y,
                                (unsigned)i / (block.x * block.y)};
                    f.ts.lane = (unsigned)i & 31;
                    f.ts.warp = (unsigned)i >> 5;
                    f.state = RUNNABLE;
                    f.waiting_on = NULL;
                    f.sp = fiber_stack(&r, i);
                }
                r.live = n;
                r.block_bar = {0, n};
                for (int w = 0; w < nw; w++) {
                    r.warp_live[(size_t)w] = (w + 1) * 32 <= n ? 32 : n - w * 32;
                    r.warp_bar[(size_t)w] = {0, r.warp_live[(size_t)w]};
                }
                while (r.live > 0) {
                    int ran = 0;
                    for (int k = 0; k < n; k++) {
                        int i = reverse ? n - 1 - k : k;
                        if (r.f[(size_t)i].state != RUNNABLE) continue;
                        r.cur = i;
                        cudaemu::cur = &r.f[(size_t)i].ts;
                        cudaemu_switch(&r.sched_sp, r.f[(size_t)i].sp);
                        ran = 1;
                    }
                    if (!ran) {
                        cudaemu_fail(cudaErrorLaunchFailure,
                                     "kernel %s: block (%u,%u,%u) deadlocked: %d of %d threads wait at a barrier "
                                     "the others never reach",
                                     name, bx, by, bz, r.live, n);
                        deadlock = 1;
                        break;
                    }
                }
            }
    cudaemu::cur = NULL;
    close_ptrs(ptrs);
    t_run = saved;
    t_kernel = saved_kernel;
}

} // namespace cudaemu

// ---- cuBLAS on OpenBLAS -----------------------------------------------------

struct cudaemu_cublas { int math; };

extern "C" cublasStatus_t cublasCreate(cublasHandle_t *h)
{
    *h = (cublasHandle_t)calloc(1, sizeof(cudaemu_cublas));
    return *h ? CUBLAS_STATUS_SUCCESS : CUBLAS_STATUS_NOT_INITIALIZED;
}

extern "C" cublasStatus_t cublasDestroy(cublasHandle_t h)
{
    free(h);
    return CUBLAS_STATUS_SUCCESS;
}

extern "C" cublasStatus_t cublasSetMathMode(cublasHandle_t h, cublasMath_t mode)
{
    if (!h) return CUBLAS_STATUS_NOT_INITIALIZED;
    h->math = mode; // TF32 is not emulated: the products stay FP32
    return CUBLAS_STATUS_SUCCESS;
}

// Bytes a column-major operand of `cols` columns with leading dimension ld spans.
static size_t span(int rows, int cols, int ld) { return cols ? ((size_t)(cols - 1) * ld + rows) * 4 : 0; }

static int gemm_check(cublasOperation_t ta, cublasOperation_t tb, int m, int n, int k, const float *A, int lda,
                      const float *B, int ldb, const float *C, int ldc, long long sA, long long sB, long long sC,
                      int batch)
{
    if (m < 0 || n < 0 || k < 0 || batch < 0 || (ta != CUBLAS_OP_N && ta != CUBLAS_OP_T) ||
        (tb != CUBLAS_OP_N && tb != CUBLAS_OP_T)) {
        cudaemu_fail(cudaErrorInvalidValue, "cublasSgemm: bad sizes or op");
        return 0;
    }
    int ar = ta == CUBLAS_OP_N ? m : k, ac = ta == CUBLAS_OP_N ? k : m;
    int br = tb == CUBLAS_OP_N ? k : n, bc = tb == CUBLAS_OP_N ? n : k;
    if (lda < (ar > 1 ? ar : 1) || ldb < (br > 1 ? br : 1) || ldc < (m > 1 ? m : 1)) {
        cudaemu_fail(cudaErrorInvalidValue, "cublasSgemm: leading dimension too small (lda %d ldb %d ldc %d)", lda,
                     ldb, ldc);
        return 0;
    }
    size_t extra = batch > 1 ? (size_t)(batch - 1) : 0;
    if ((k && m && (!cudaemu_is_device(A, span(ar, ac, lda) + extra * (size_t)sA * 4))) ||
        (k && n && (!cudaemu_is_device(B, span(br, bc, ldb) + extra * (size_t)sB * 4))) ||
        (m && n && (!cudaemu_is_device(C, span(m, n, ldc) + extra * (size_t)sC * 4)))) {
        cudaemu_fail(cudaErrorIllegalAddress,
                     "cublasSgemm: an operand is not (wholly) device memory (A %p, B %p, C %p; m %d n %d k %d)",
                     (const void *)A, (const void *)B, (const void *)C, m, n, k);
        return 0;
    }
    return 1;
}

static CBLAS_TRANSPOSE op(cublasOperation_t o) { return o == CUBLAS_OP_N ? CblasNoTrans : CblasTrans; }

extern "C" cublasStatus_t cublasSgemm(cublasHandle_t h, cublasOperation_t ta, cublasOperation_t tb, int m, int n,
                                      int k, const float *alpha, const float *A, int lda, const float *B, int ldb,
                                      const float *beta, float *C, int ldc)
{
    if (!h) return CUBLAS_STATUS_NOT_INITIALIZED;
    std::lock_guard<std::recursive_mutex> lk(g_mu);
    if (!gemm_check(ta, tb, m, n, k, A, lda, B, ldb, C, ldc, 0, 0, 0, 1)) return CUBLAS_STATUS_INVALID_VALUE;
    if (!m || !n) return CUBLAS_STATUS_SUCCESS;
    std::vector<const void *> ops = {A, B, C};
    open_ptrs(ops);
    cblas_sgemm(CblasColMajor, op(ta), op(tb), m, n, k, *alpha, A, lda, B, ldb, *beta, C, ldc);
    close_ptrs(ops);
    return CUBLAS_STATUS_SUCCESS;
}

extern "C" cublasStatus_t cublasSgemmStridedBatched(cublasHandle_t h, cublasOperation_t ta, cublasOperation_t tb,
                                                    int m, int n, int k, const float *alpha, const float *A,
                                                    int lda, long long sA, const float *B, int ldb, long long sB,
                                                    const float *beta, float *C, int ldc, long long sC, int batch)
{
    if (!h) return CUBLAS_STATUS_NOT_INITIALIZED;
    std::lock_guard<std::recursive_mutex> lk(g_mu);
    if (!gemm_check(ta, tb, m, n, k, A, lda, B, ldb, C, ldc, sA, sB, sC, batch)) return CUBLAS_STATUS_INVALID_VALUE;
    if (!m || !n) return CUBLAS_STATUS_SUCCESS;
    std::vector<const void *> ops = {A, B, C};
    open_ptrs(ops);
    for (int i = 0; i < batch; i++)
        cblas_sgemm(CblasColMajor, op(ta), op(tb), m, n, k, *alpha, A + i * sA, lda, B + i * sB, ldb, *beta,
                    C + i * sC, ldc);
    close_ptrs(ops);
    return CUBLAS_STATUS_SUCCESS;
}
