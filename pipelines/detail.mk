# pipelines/detail.mk - the detail stage of the cascade edit (issue 12, 1b):
# aligned 256 px luminance faces, then wdtrain, resumable.
#
#   make -f pipelines/detail.mk [DATA=../shared/data] [S=256] faces       (data only)
#   make -f pipelines/detail.mk [STEPS=20000] [RUN_SECONDS=3000] train    (resumes from CKPT)
#   make -f pipelines/detail.mk status
#   make -f pipelines/detail.mk measure  (CKPT on every held-out shard test-NN, not only EVAL_SHARD)
#   make -f pipelines/detail.mk demo     (DEMO: held-out faces, their simulated edit, the
#                                         cascade with D, keeping the source detail, blurry)
#
# 1. faces: the images of DATA/SET whose short side is at least S (smaller
#    ones would be enlarged: invented detail, not the photo's own) are
#    linked under WORK/src/images by their own names, and
#    pipelines/dataset.mk aligns them at S x S, one luminance channel, u8,
#    detected faces only (no --whole-frame: a file without a face is
#    skipped). The names are kept, so the train/test split (a hash of the
#    name) is the same as the S = 64 datasets': the held-out shard
#    EVAL_SHARD (test-00, as pipelines/eval.mk) is never trained on.
# 2. train: wdtrain on every train-NN.wes, evaluated on EVAL_SHARD every
#    EVAL_EVERY steps (log under WORK), checkpoint CKPT, resumed when it
#    exists; each run stops after RUN_SECONDS (SIGINT: wdtrain saves and
#    exits), so run the same command again until it reports STEPS.
# Everything stays under WORK (git-ignored data/).

DATA        ?= ../shared/data
SET         ?= facial_expressions
WORK        ?= data/detail
BIN         ?= bin
S           ?= 256
J           ?= 2
SHARDS      ?= 16
TEST_PCT    ?= 10
EVAL_SHARD  ?= test-00
FACEALIGN_FLAGS ?= -D hog -t u8
STEPS       ?= 20000
BATCH       ?= 16
LR          ?= 1e-3
SEED        ?= 1
NF          ?= 32
LAYERS      ?= 5
EVAL_EVERY  ?= 250
SAVE_EVERY  ?= 100
THREADS     ?= 1
RUN_SECONDS ?= 3000
CKPT        ?= $(WORK)/detail.safetensors
LOG         ?= $(WORK)/train.log

IMAGES := $(DATA)/$(SET)/images
FACES  := $(WORK)/$(SET)-$(S)

DEMO_FACES  ?= 4
DEMO        ?= data/detail-check.png

.PHONY: all check faces train status demo measure
all: train

check:
	@for t in imgread tsinfo facealign lmheat; do [ -x $(BIN)/$$t ] || { \
	  echo "detail.mk: $(BIN)/$$t is missing: run 'make' first" >&2; exit 66; }; done
	@[ -d $(IMAGES) ] || { echo "detail.mk: no images at $(IMAGES): give DATA=folder holding $(SET)/" >&2; exit 66; }

# Images of at least S px on the short side, linked by name.
$(WORK)/src/stamp-$(S): $(IMAGES) | check
	@mkdir -p $(WORK)/src/images
	@rm -f $(WORK)/src/images/*
	@ls -1 $(IMAGES) | LC_ALL=C sort | sed 's|^|$(abspath $(IMAGES))/|' | $(BIN)/imgread -t u8 -l - 2> $(WORK)/src/imgread.log \
	  | $(BIN)/tsinfo - | awk -v s=$(S) '{ n = split($$4, d, "x"); h = d[n-1]; w = d[n]; \
	      for (i = 5; i <= NF; i++) if ($$i ~ /^src=/) src = substr($$i, 5); \
	      if (h >= s && w >= s) print src; else small++ } \
	    END { printf "detail.mk: %d images under %d px skipped\n", small, s > "/dev/stderr" }' \
	  > $(WORK)/src/keep.txt
	@while read -r f; do ln -s "$$f" "$(WORK)/src/images/$$(basename "$$f")"; done < $(WORK)/src/keep.txt
	@ln -sf $(abspath $(DATA)/$(SET)/labels.csv) $(WORK)/src/labels.csv
	@echo "detail.mk: $$(wc -l < $(WORK)/src/keep.txt) images of at least $(S) px" && touch $@

faces: $(WORK)/src/stamp-$(S)
	@$(MAKE) --no-print-directory -f pipelines/dataset.mk SRC=$(WORK)/src OUT=$(FACES) S=$(S) C=1 \
	  SHARDS=$(SHARDS) TEST_PCT=$(TEST_PCT) BIN=$(BIN) FACEALIGN_FLAGS='$(FACEALIGN_FLAGS)' LMHEAT_FLAGS='-s 8'

train: faces
	@[ -x $(BIN)/wdtrain ] || { echo "detail.mk: $(BIN)/wdtrain is missing: run 'make' first" >&2; exit 66; }
	@[ -s $(FACES)/$(EVAL_SHARD).wes ] || { echo "detail.mk: no held-out shard $(FACES)/$(EVAL_SHARD).wes" >&2; exit 66; }
	@resume=; [ -f $(CKPT) ] && resume=--resume; \
	  OPENBLAS_NUM_THREADS=$(THREADS) timeout -s INT $(RUN_SECONDS) $(BIN)/wdtrain $$resume -o $(CKPT) \
	    --steps $(STEPS) --batch $(BATCH) --lr $(LR) --seed $(SEED) --nf $(NF) --layers $(LAYERS) \
	    -s $(S) -J $(J) --threads $(THREADS) --save-every $(SAVE_EVERY) \
	    --eval $(FACES)/$(EVAL_SHARD).wes --eval-every $(EVAL_EVERY) $(FACES)/train-*.wes 2>> $(LOG); \
	  rc=$$?; tail -n 2 $(LOG); [ $$rc = 0 ] || [ $$rc = 124 ] || exit $$rc

status:
	@[ -f $(LOG) ] && grep -E '^wdtrain: (step|eval)' $(LOG) | tail -n 4 || echo "detail.mk: no run yet ($(LOG))"

demo:
	@[ -f $(CKPT) ] || { echo "detail.mk: no checkpoint $(CKPT): run the train target first" >&2; exit 66; }
	@$(BIN)/wdtrain -o $(CKPT) --demo $(DEMO_FACES) --eval $(FACES)/$(EVAL_SHARD).wes \
	  | $(BIN)/wmontage -k id -l panel -o $(DEMO) && echo "detail.mk: wrote $(DEMO)"

measure:
	@[ -f $(CKPT) ] || { echo "detail.mk: no checkpoint $(CKPT): run the train target first" >&2; exit 66; }
	@cat $(FACES)/test-*.wes | OPENBLAS_NUM_THREADS=$(THREADS) $(BIN)/wdtrain -o $(CKPT) --resume -n 0 --eval - 2>&1 \
	  | grep '^wdtrain: eval'
