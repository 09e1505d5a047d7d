# WaveEmotion - one non-recursive Makefile.
#
#   make            build lib, tools (bin/), unit tests; CUDA if nvcc is found
#   make test       unit tests + shell tests of every tool: "N passed, N failed"
#   make bench      benchmarks (never part of make test)
#   make demo       edit a real face photo with the shipped model
#   make serve      the photo-editing page, weserve(1), on 127.0.0.1:8642
#   make install    tools, man pages, the default model and weserve's page under
#                   $(DESTDIR)$(PREFIX) (PREFIX=/usr/local); make uninstall
#   make CUDA=0     build without CUDA even if nvcc is present
#
# Sources are found by search: a new .c/.cc anywhere under lib/ (subfolders
# too), kernels/*.cu, tools/*.c or tests/unit/test_*.c is built without
# editing this file. Objects mirror their source paths under build/; every
# folder of lib/ that holds a header is on the include path. Each compile
# writes a .d file next to its object (-MMD -MP), so an object depends on
# exactly the headers it includes.

PREFIX  ?= /usr/local
DESTDIR ?=
CC      ?= cc
CXX     ?= c++
OPT     ?= -O2 -march=x86-64-v2 -mtune=native
WARN    := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wno-unused-parameter
# Every lib/ folder that holds a header (lib/, and lib/<sub>/ once split).
LIB_INC := $(addprefix -I,$(patsubst %/,%,$(sort $(dir $(shell find lib -name '*.h')))))
DEPFLAGS = -MMD -MP -MF $(@:.o=.d) -MT $@
CPPFLAGS += $(LIB_INC) -D_GNU_SOURCE
CFLAGS  ?= $(OPT) -g
CFLAGS  += -std=c11 -pthread $(WARN)
CXXFLAGS ?= $(OPT) -g
CXXFLAGS += -std=c++14 -pthread -Wall -Wextra -Wno-unused-parameter
LDLIBS  := -ljpeg -lpng -lopenblas -lm -lpthread
LDFLAGS += -Wl,--as-needed

# libmicrohttpd: weserve's HTTP front (lib/serve/we_serve_http.c); --as-needed
# keeps it out of the other tools.
LDLIBS  += -lmicrohttpd

# dlib (faces): only tools that use lib/**/*.cc pull it in (--as-needed).
DLIB_LIBS := $(shell pkg-config --libs dlib-1 2>/dev/null || echo -ldlib)
LDLIBS  += $(DLIB_LIBS) -lstdc++

# ---- CUDA auto-detection -------------------------------------------------
CU_SRC_ALL := $(sort $(shell find kernels -name '*.cu'))
CUDA    ?= auto
CUDA_HOME ?= /usr/local/cuda
ifeq ($(CUDA),0)
NVCC :=
else
NVCC := $(firstword $(shell command -v nvcc 2>/dev/null) $(wildcard $(CUDA_HOME)/bin/nvcc))
endif
ifneq ($(NVCC),)
CU_OBJ    := $(patsubst kernels/%.cu,build/kernels/%.o,$(CU_SRC_ALL))
CPPFLAGS  += -DWE_HAVE_CUDA -I$(CUDA_HOME)/include
NVCCFLAGS ?= -O3 -std=c++17 -Xcompiler -fPIC,-Wall $(LIB_INC) \
             -gencode arch=compute_80,code=sm_80 -gencode arch=compute_90,code=sm_90 \
             -gencode arch=compute_90,code=compute_90
LDLIBS    += -L$(CUDA_HOME)/lib64 -Wl,-rpath,$(CUDA_HOME)/lib64 -lcublas -lcudart
BUILD_KIND := CPU + CUDA ($(NVCC))
else
CU_OBJ    :=
BUILD_KIND := CPU only (no nvcc found)
endif

# ---- MPI (optional): data-parallel wtrain --------------------------------
# With OpenMPI's mpicc on PATH (scripts/setup.sh installs it), the one MPI
# file, lib/core/we_comm_mpi.c, is compiled with mpicc's flags and
# -DWE_HAVE_MPI and wtrain (the only tool that calls it) links libmpi, so
# `mpirun -np K wtrain ...` trains on K processes. Without mpicc, or with
# `make MPI=0`, the file is a stub: the same wtrain, alone, which refuses to
# run as one of several processes. No other tool links MPI.
MPI ?= auto
MPICC := $(if $(filter 0,$(MPI)),,$(shell command -v mpicc 2>/dev/null))
ifneq ($(MPICC),)
MPI_CPPFLAGS := $(shell $(MPICC) --showme:compile) -DWE_HAVE_MPI
MPI_LIBS     := $(shell $(MPICC) --showme:link)
build/lib/core/we_comm_mpi.o build/emu/lib/core/we_comm_mpi.o: MPI_FLAGS := $(MPI_CPPFLAGS)
bin/wtrain build/emu/bin/wtrain: MPI_LINK := $(MPI_LIBS)
BUILD_KIND := $(BUILD_KIND), MPI wtrain
endif

LIB_C   := $(sort $(shell find lib -name '*.c'))
LIB_CC  := $(sort $(shell find lib -name '*.cc'))
LIB_OBJ := $(patsubst lib/%.c,build/lib/%.o,$(LIB_C)) $(patsubst lib/%.cc,build/lib/%.o,$(LIB_CC)) $(CU_OBJ)
LIB     := build/libwe.a
# ar keeps members by file name: two sources with one name would clobber.
LIB_NAMES := $(addsuffix .o,$(notdir $(basename $(LIB_C) $(LIB_CC) $(CU_SRC_ALL))))
ifneq ($(words $(LIB_NAMES)),$(words $(sort $(LIB_NAMES))))
$(error two sources under lib/ or kernels/ share an object name: $(sort $(foreach n,$(LIB_NAMES),$(if $(filter-out 1,$(words $(filter $(n),$(LIB_NAMES)))),$(n)))))
endif

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
MODEL   := models/default.safetensors
WEB     := $(wildcard web/*)
FEXPR   := $(wildcard models/fexpr.safetensors)

# Objects of tools, tests and fuzz replays (linked against the library).
TOOL_OBJ   := $(patsubst bin/%,build/obj/tools/%.o,$(TOOLS))
UNIT_OBJ   := $(patsubst build/tests/%,build/obj/tests/%.o,$(UNIT))
REPLAY_OBJ := $(patsubst tests/fuzz/%.c,build/obj/fuzz/%.o,$(FUZZ_SRC)) build/obj/fuzz/driver.o

.PHONY: all tools tests test bench demo serve install uninstall clean deps fuzz buildinfo
all: buildinfo $(TOOLS) $(UNIT) $(FUZZ_REPLAY) emu

buildinfo:
	@echo "waveemotion: building $(BUILD_KIND)"

tools: $(TOOLS)
tests: $(UNIT)

# Pattern rules: % may hold a subfolder (lib/nn/we_x.c -> build/lib/nn/we_x.o),
# so each recipe makes its own output folder.
build/lib/%.o: lib/%.c build/lib/%.d
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(MPI_FLAGS) $(CFLAGS) $(DEPFLAGS) -c -o $@ $<
build/lib/%.o: lib/%.cc build/lib/%.d
	@mkdir -p $(@D)
	$(CXX) $(CPPFLAGS) $(CXXFLAGS) $(DEPFLAGS) -c -o $@ $<
build/kernels/%.o: kernels/%.cu build/kernels/%.d
	@mkdir -p $(@D)
	$(NVCC) $(NVCCFLAGS) -Ikernels -DWE_HAVE_CUDA $(DEPFLAGS) -c -o $@ $<

$(LIB): $(LIB_OBJ)
	rm -f $@
	ar rcs $@ $^

# The MPI flags in a file rewritten only when they change, so installing or
# removing MPI recompiles we_comm_mpi.o (and relinks wtrain).
.PHONY: mpiflags
build/mpi.flags: mpiflags
	@mkdir -p $(@D)
	@echo '$(MPI_CPPFLAGS)' | cmp -s - $@ || echo '$(MPI_CPPFLAGS)' > $@
build/lib/core/we_comm_mpi.o build/emu/lib/core/we_comm_mpi.o: build/mpi.flags

build/obj/tools/%.o: tools/%.c build/obj/tools/%.d
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(DEPFLAGS) -c -o $@ $<
bin/%: build/obj/tools/%.o $(LIB) | bin
	$(CC) $(CFLAGS) -o $@ $< $(LIB) $(LDFLAGS) $(LDLIBS) $(MPI_LINK)
build/obj/tests/%.o: tests/unit/%.c build/obj/tests/%.d
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) -Itests $(CFLAGS) $(DEPFLAGS) -c -o $@ $<
build/tests/%: build/obj/tests/%.o $(LIB) | build/tests
	$(CC) $(CFLAGS) -o $@ $< $(LIB) $(LDFLAGS) $(LDLIBS)

build/tests build/fuzz bin:
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
EMU_CPPFLAGS := -Itests/cudaemu/include $(LIB_INC) -Ikernels -D_GNU_SOURCE -DWE_HAVE_CUDA
EMU_CU_OBJ  := $(patsubst kernels/%.cu,build/emu/kernels/%.o,$(CU_SRC_ALL))
EMU_LIB_OBJ := $(patsubst lib/%.c,build/emu/lib/%.o,$(LIB_C)) $(patsubst lib/%.cc,build/lib/%.o,$(LIB_CC)) \
               $(EMU_CU_OBJ) build/emu/cudaemu.o
EMU_LIB     := build/emu/libwe_emu.a
EMU_TOOLS   := $(patsubst tools/%.c,build/emu/bin/%,$(wildcard tools/*.c))
EMU_TESTS   := $(patsubst tests/unit/%.c,build/emu/tests/%,$(wildcard tests/unit/test_*_cuda.c)) \
               build/emu/tests/test_cudaemu_self
EMU_OBJ     := $(EMU_LIB_OBJ) $(patsubst build/emu/bin/%,build/emu/obj/tools/%.o,$(EMU_TOOLS)) \
               $(patsubst build/emu/tests/%,build/emu/obj/tests/%.o,$(EMU_TESTS))
EMU_LDLIBS  := -ljpeg -lpng -lopenblas -lm -lpthread -lmicrohttpd $(DLIB_LIBS) -lstdc++
EMU_READY   := build/emu/READY
else
EMU_READY   :=
EMU_OBJ     :=
endif

.PHONY: emu
emu: $(EMU_READY)
$(EMU_READY): $(EMU_TOOLS) $(EMU_TESTS)
	touch $@
build/emu/lib/%.o: lib/%.c build/emu/lib/%.d
	@mkdir -p $(@D)
	$(CC) $(EMU_CPPFLAGS) $(MPI_FLAGS) $(CFLAGS) $(DEPFLAGS) -c -o $@ $<
EMU_SED := sed -E 's/([A-Za-z_][A-Za-z0-9_]*)<<<(.*)>>>\(/cudaemu::launch("\1", \1, \2)(/'
build/emu/kernels/%.cc: kernels/%.cu
	@mkdir -p $(@D)
	{ echo '#line 1 "$<"'; $(EMU_SED) $<; } > $@
build/emu/kernels/%.o: build/emu/kernels/%.cc build/emu/kernels/%.d
	$(CXX) $(EMU_CPPFLAGS) -std=c++17 -O2 -g -ffp-contract=off -Wall -Wno-unused-parameter $(DEPFLAGS) -c -o $@ $<
build/emu/cudaemu.o: tests/cudaemu/cudaemu.cc build/emu/cudaemu.d
	@mkdir -p $(@D)
	$(CXX) $(EMU_CPPFLAGS) -std=c++17 -O2 -g -Wall $(DEPFLAGS) -c -o $@ $<
$(EMU_LIB): $(EMU_LIB_OBJ)
	rm -f $@
	ar rcs $@ $^
build/emu/obj/tools/%.o: tools/%.c build/emu/obj/tools/%.d
	@mkdir -p $(@D)
	$(CC) $(EMU_CPPFLAGS) $(CFLAGS) $(DEPFLAGS) -c -o $@ $<
build/emu/bin/%: build/emu/obj/tools/%.o $(EMU_LIB) | build/emu/bin
	$(CC) $(CFLAGS) -o $@ $< $(EMU_LIB) $(LDFLAGS) $(EMU_LDLIBS) $(MPI_LINK)
build/emu/obj/tests/%.o: tests/unit/%.c build/emu/obj/tests/%.d
	@mkdir -p $(@D)
	$(CC) $(EMU_CPPFLAGS) -Itests $(CFLAGS) $(DEPFLAGS) -c -o $@ $<
build/emu/tests/%: build/emu/obj/tests/%.o $(EMU_LIB) | build/emu/tests
	$(CC) $(CFLAGS) -o $@ $< $(EMU_LIB) $(LDFLAGS) $(EMU_LDLIBS)
# The self-test: tests/cudaemu/selftest.cu through the same launch rewrite.
build/emu/obj/tests/test_cudaemu_self.cc: tests/cudaemu/selftest.cu
	@mkdir -p $(@D)
	{ echo '#line 1 "$<"'; $(EMU_SED) $<; } > $@
build/emu/obj/tests/test_cudaemu_self.o: build/emu/obj/tests/test_cudaemu_self.cc build/emu/obj/tests/test_cudaemu_self.d
	$(CXX) $(EMU_CPPFLAGS) -std=c++17 -O2 -g -Wall $(DEPFLAGS) -c -o $@ $<
build/emu/tests/test_cudaemu_self: build/emu/obj/tests/test_cudaemu_self.o build/emu/cudaemu.o | build/emu/tests
	$(CXX) -std=c++17 -O2 -g -Wall -o $@ $^ -lopenblas -lpthread
build/emu/bin build/emu/tests:
	mkdir -p $@
.PRECIOUS: build/emu/kernels/%.cc build/emu/obj/tests/test_cudaemu_self.cc

# Installs missing Debian packages (as root) and the npm weights package.
deps:
	@sh scripts/setup.sh --check

test: all
	@sh tests/run.sh

bench: all
	@sh bench/run.sh

demo: deps all
	@sh pipelines/demo.sh

# The photo-editing page (weserve(1)) on http://127.0.0.1:$(SERVE_PORT)/.
SERVE_PORT ?= 8642
serve: deps all
	./bin/weserve -p $(SERVE_PORT)

# Fuzzing. `make fuzz` builds a libFuzzer binary per tests/fuzz/fuzz_X.c
# (clang, ASan + UBSan) against an instrumented archive of lib/**/*.c; run them
# as tests/fuzz/README says. Every harness is also built without libFuzzer
# (tests/fuzz/driver.c reads files) so `make test` replays the seeds and the
# kept crashers in tests/fuzz/seed/X and tests/fuzz/regress/X.
fuzz: $(FUZZ_BIN)
build/fuzz/lib/%.o: lib/%.c build/fuzz/lib/%.d
	@mkdir -p $(@D)
	$(FUZZ_CC) $(LIB_INC) -D_GNU_SOURCE -std=c11 $(FUZZ_FLAGS) -fsanitize=fuzzer-no-link $(DEPFLAGS) -c -o $@ $<
build/fuzz/libwe_fuzz.a: $(FUZZ_OBJ)
	rm -f $@
	ar rcs $@ $^
build/fuzz/%: tests/fuzz/%.c build/fuzz/%.d build/fuzz/libwe_fuzz.a
	$(FUZZ_CC) $(LIB_INC) -D_GNU_SOURCE $(FUZZ_FLAGS) -fsanitize=fuzzer -MMD -MP -MF $@.d -MT $@ -o $@ $< build/fuzz/libwe_fuzz.a -ljpeg -lpng -lopenblas -lm -lpthread
build/obj/fuzz/%.o: tests/fuzz/%.c build/obj/fuzz/%.d
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) -Wno-missing-prototypes $(DEPFLAGS) -c -o $@ $<
build/tests/replay_%: build/obj/fuzz/%.o build/obj/fuzz/driver.o $(LIB) | build/tests
	$(CC) $(CFLAGS) -o $@ $< build/obj/fuzz/driver.o $(LIB) $(LDFLAGS) $(LDLIBS)

# ---- install --------------------------------------------------------------
# The tools look for the model at <exe>/../share/waveemotion/models/ (see
# we_edit_model_path), so an installed wdenoise runs without -m/$WE_MODEL.
# man/man1 and man/man5 are links for `man -M man`: the real pages are
# man/*.1 and man/*.5.
BINDIR  := $(PREFIX)/bin
MANDIR  := $(PREFIX)/share/man
DATADIR := $(PREFIX)/share/waveemotion
install: $(TOOLS)
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(DATADIR)/models
	install -m 755 $(TOOLS) $(DESTDIR)$(BINDIR)/
	$(if $(MAN1),install -m 644 $(MAN1) $(DESTDIR)$(MANDIR)/man1/)
	$(if $(MAN5),install -m 644 $(MAN5) $(DESTDIR)$(MANDIR)/man5/)
	install -m 644 $(MODEL) $(DESTDIR)$(DATADIR)/models/default.safetensors
	install -d $(DESTDIR)$(DATADIR)/web
	install -m 644 $(WEB) $(DESTDIR)$(DATADIR)/web/
	$(if $(FEXPR),install -m 644 $(FEXPR) $(DESTDIR)$(DATADIR)/models/fexpr.safetensors)
uninstall:
	rm -f $(addprefix $(DESTDIR)$(BINDIR)/,$(notdir $(TOOLS))) \
	      $(addprefix $(DESTDIR)$(MANDIR)/man1/,$(notdir $(MAN1))) \
	      $(addprefix $(DESTDIR)$(MANDIR)/man5/,$(notdir $(MAN5))) \
	      $(DESTDIR)$(DATADIR)/models/default.safetensors $(DESTDIR)$(DATADIR)/models/fexpr.safetensors \
	      $(addprefix $(DESTDIR)$(DATADIR)/web/,$(notdir $(WEB)))
	rmdir $(DESTDIR)$(DATADIR)/models $(DESTDIR)$(DATADIR)/web $(DESTDIR)$(DATADIR) 2>/dev/null || true

clean:
	rm -rf build bin

# Objects that only feed a link are kept (not removed as intermediates).
.SECONDARY: $(TOOL_OBJ) $(UNIT_OBJ) $(REPLAY_OBJ) $(EMU_OBJ)

# Header dependencies written by the compiles above (-MMD -MP). Each object
# also depends on its .d file, so an object without one (a build tree older
# than this scheme, or a lost .d) is compiled again; the empty rule makes a
# missing .d no error.
DEP := $(sort $(patsubst %.o,%.d,$(LIB_OBJ) $(TOOL_OBJ) $(UNIT_OBJ) $(REPLAY_OBJ) $(EMU_OBJ) $(FUZZ_OBJ)) \
       $(addsuffix .d,$(FUZZ_BIN)))
$(DEP): ;
-include $(wildcard $(DEP))
