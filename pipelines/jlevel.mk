# pipelines/jlevel.mk - the two routes to 256 px edits of issue 12 point 1,
# side by side on the same held-out faces at the same training budget:
#
#   make -f pipelines/jlevel.mk [DATA=../shared/data] [CASCADE_MODEL=...] [-j2]
#   make -f pipelines/jlevel.mk status
#
# (a) the J-level model: the UNet on the J-level packet of S px faces
#     (dwt -J J: 4^J channels at S/2^J = 32, the cost of a 64 px model;
#     wtrain(1)), trained on the facial_expressions faces of at least S px
#     (pipelines/detail.mk faces: aligned at S, one luminance channel; the
#     held-out split is pipelines/dataset.mk's name hash, so EVAL_SHARD is
#     never trained on; fer2013's 48 px faces have no fine bands to teach)
#     with the settings of pipelines/experiments.mk's SCALE=cpu rows (NF,
#     MULT, ATTN, NUM_RES, STEPS, BATCH, LR, SEED);
# (b) the cascade: CASCADE_MODEL, a 64 px one-level model (by default the
#     experiments' base row: the same settings and steps, trained on both
#     sets at 64 px), edits the coarse band and the source's own detail is
#     kept (wdenoise(1), "cascade").
# Both edit with the same wdenoise flags (WDENOISE_FLAGS: the raw weights,
# as the SCALE=cpu rows, whose EMA still holds the initial weights) and are
# judged by pipelines/eval.mk's photo route (PHOTO_N faces of each of
# PHOTO_SETS at S px, six emotions, femetrics --photo): OUT/jlevel/ and
# OUT/cascade/ (photo/table.txt each) and OUT/table.md, one row per route.
# Resumable: the training continues from its checkpoint (SAVE_EVERY), the
# photo route reuses edits newer than the model.

DATA          ?= ../shared/data
WORK          ?= data/jlevel
OUT           ?= out/jlevel
BIN           ?= bin
S             ?= 256
J             ?= 3
FACES         ?= data/detail/facial_expressions-$(S)
NF            ?= 32
MULT          ?= 1,2,2,2
ATTN          ?= 2
NUM_RES       ?= 1
STEPS         ?= 1500
BATCH         ?= 16
LR            ?= 4e-4
SEED          ?= 1
SAVE_EVERY    ?= 250
THREADS       ?= 1
CASCADE_MODEL ?= data/experiments/cpu/base/run.safetensors
# ALIGN=0: FACES holds the aligned shards already (train-*.wes; e.g. a test's)
ALIGN         ?= 1
WDENOISE_FLAGS ?= --no-ema -T 1
PHOTO_N       ?= 10
PHOTO_SETS    ?= facial_expressions hires

CKPT := $(WORK)/run.safetensors
EVAL  = $(MAKE) --no-print-directory -f pipelines/eval.mk photo DATA=$(DATA) BIN=$(BIN) PHOTO_S=$(S) \
        PHOTO_N=$(PHOTO_N) PHOTO_SETS="$(PHOTO_SETS)" WDENOISE_FLAGS="$(WDENOISE_FLAGS)"

.PHONY: all check faces train eval status
all: $(OUT)/table.md

check:
	@for t in dwt iwt wtrain wdenoise femetrics facealign; do [ -x $(BIN)/$$t ] || { \
	  echo "jlevel.mk: $(BIN)/$$t is missing: run 'make' first" >&2; exit 66; }; done
	@[ -f $(CASCADE_MODEL) ] || { echo "jlevel.mk: no cascade model $(CASCADE_MODEL): run" \
	  "'make -f pipelines/experiments.mk train' (its base row) or give CASCADE_MODEL=ckpt" >&2; exit 66; }

faces: check
	@if [ $(ALIGN) = 1 ]; then $(MAKE) --no-print-directory -f pipelines/detail.mk faces DATA=$(DATA) S=$(S) BIN=$(BIN); \
	 else ls $(FACES)/train-*.wes > /dev/null 2>&1 || { echo "jlevel.mk: no $(FACES)/train-*.wes (ALIGN=0)" >&2; exit 66; }; fi

# the J-level model; a finished run (train.step = STEPS) is not redone
train: faces
	@mkdir -p $(WORK)
	@. pipelines/ckpt_meta.sh; [ -f $(CKPT) ] && [ "$$(ckpt_meta $(CKPT) train.step)" = $(STEPS) ] && exit 0; \
	  args="--nf $(NF) --mult $(MULT) --attn $(ATTN) --num-res $(NUM_RES)"; [ -f $(CKPT) ] && args=--resume; \
	  cat $(FACES)/train-*.wes | $(BIN)/dwt -w haar -J $(J) | $(BIN)/wtrain -m $(CKPT) $$args -n $(STEPS) \
	    -b $(BATCH) --lr $(LR) -S $(SEED) --save-every $(SAVE_EVERY) --csv $(WORK)/loss.csv --log-every 50 \
	    -T $(THREADS) - 2>> $(WORK)/train.log || { echo "jlevel.mk: wtrain failed: $$(tail -n 1 $(WORK)/train.log)" >&2; exit 70; }; \
	  step=$$(ckpt_meta $(CKPT) train.step); [ "$$step" = $(STEPS) ] || { \
	    echo "jlevel.mk: training stopped at step $$step of $(STEPS): run the same command again to continue" >&2; exit 75; }

eval: train
	@$(EVAL) MODEL=$(CKPT) OUT=$(OUT)/jlevel \
	  EDIT='$$$$BIN/dwt -w haar -J $(J) | $$$$BIN/wdenoise $$$$WDENOISE_FLAGS -m $$$$MODEL -e $$$$E | $$$$BIN/iwt -t'
	@$(EVAL) MODEL=$(CASCADE_MODEL) OUT=$(OUT)/cascade \
	  EDIT='$$$$BIN/dwt -w haar | $$$$BIN/wdenoise $$$$WDENOISE_FLAGS -m $$$$MODEL -e $$$$E | $$$$BIN/iwt -t'

$(OUT)/table.md: eval
	@{ echo "| route ($(S) px, $(STEPS) steps) | sharpness | PSNR outside | tone | seam | acc | identity | PSNR | SSIM |"; \
	   echo "|---|---|---|---|---|---|---|---|---|"; \
	   for r in jlevel cascade; do awk -F, -v r=$$r '$$1 == "all" && $$2 == "all" { \
	     printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", r, $$10, $$11, $$12, $$13, $$4, $$5, $$6, $$7 }' \
	     $(OUT)/$$r/photo/table.csv; done; } > $@.tmp && mv $@.tmp $@ && cat $@

status:
	@. pipelines/ckpt_meta.sh; [ -f $(CKPT) ] && echo "jlevel.mk: $(CKPT) at step $$(ckpt_meta $(CKPT) train.step) of $(STEPS)" \
	  || echo "jlevel.mk: no run yet ($(CKPT))"
	@[ -f $(OUT)/table.md ] && cat $(OUT)/table.md || true
