# pipelines/train.mk - the default model from the raw folders, in one command:
#
#   make -f pipelines/train.mk [DATA=../shared/data] [STEPS=12000] [RUN_SECONDS=3000] [THREADS=1] -j2
#
# The shipped models/default.safetensors was made by this file in two runs
# (models/README.md): VA=1 STEPS=4518 (the DDPM loss alone), then VA=1
# STEPS=12018 INIT=<that checkpoint> AUX="--lambda-expr 1e-4 --lambda-va 1e-4"
# EXPORT_FLAGS="--edit-guidance 4" DETAIL= (the winning set of
# pipelines/aux_study.mk, README "Auxiliary losses").
#
# 1. every set in SETS (DATA/<set>/images + labels.csv) is aligned into
#    sharded streams by pipelines/dataset.mk (S x S crops, C channels,
#    landmarks, heatmaps; train-NN.wes / test-NN.wes under WORK/<set>);
# 2. wtrain trains on the train shards of all sets, resuming from CKPT when
#    it exists: one `make` runs at most RUN_SECONDS (then wtrain is sent
#    SIGINT, saves and exits), so training is spread over as many runs as
#    needed -- just run the same command again until it says it is done;
# 3. when the run has reached STEPS, the weights are exported to MODEL
#    (models/default.safetensors, what wdenoise loads by default).
#
# `make -f pipelines/train.mk status` prints where the run stands.
# Everything but MODEL stays under WORK (git-ignored data/).
# Missing pieces (tools not built, data folders absent) stop the run with
# a message naming them.

DATA        ?= ../shared/data
SETS        ?= facial_expressions fer2013
WORK        ?= data/train
BIN         ?= bin
S           ?= 64
# Luminance model by default: both sets are (mostly) grayscale; wdenoise
# edits Y and keeps the photo's CbCr (see wdenoise(1)). C=3 for RGB.
C           ?= 1
WAVELET     ?= haar
# The shipped model's size (nf 32, one residual block per level: 2.8 M
# parameters, 11 MB as f32) -- what a CPU can train in hours; the design's
# nf 64 / 2 blocks is for a GPU run.
NF          ?= 32
MULT        ?= 1,2,2,2
ATTN        ?= 2
NUM_RES     ?= 1
HEATMAPS    ?= 0
# VA=1: condition on valence/arousal too: the stream goes through feclass
# --va (our classifier's probabilities times the circumplex table of
# Warriner et al. 2013; `wdenoise -V/-A` then works with the model)
VA          ?= 0
STEPS       ?= 12000
BATCH       ?= 16
LR          ?= 4e-4
EMA         ?= 0.999
# auxiliary losses (doc/design/model.md 5), e.g. AUX="--lambda-wav 0.05"; off by default
AUX         ?=
# INIT=ckpt: start a new run from another run's checkpoint (weights, EMA,
# optimizer, step) instead of from scratch, e.g. the issue-4 run on raw
# fer2013 crops; its config wins over NF/MULT/...; the first run gives
# wtrain --allow-change (new data, batch, lr), marked by CKPT.init
INIT        ?=
# HOG is 4-5x faster than the SSD detector on these pre-cropped faces.
FACEALIGN_FLAGS ?= --whole-frame -D hog
SEED        ?= 1
SAVE_EVERY  ?= 500
# BLAS threads, 0 = all cores (use 1 when other jobs share the machine)
THREADS     ?= 0
RUN_SECONDS ?= 3000
DEVICE      ?= auto
CKPT        ?= $(WORK)/run.safetensors
MODEL       ?= models/default.safetensors
MAX_MODEL_BYTES ?= 16777216
# --f16 halves the exported file (EMA weights only either way);
# --edit-guidance G records the guidance wdenoise should use by default
EXPORT_FLAGS ?= --edit-guidance 2
# the detail net the export bundles for wdenoise's cascade (faces of S*2^k px):
# pipelines/detail.mk's checkpoint when it exists, DETAIL= for none
DETAIL      ?= $(wildcard data/detail/detail.safetensors)

SELF := $(lastword $(MAKEFILE_LIST))
TOOLS := facealign lmheat dwt wtrain $(if $(filter 1,$(VA)),feclass)
comma := ,
WTRAIN_NEW := --nf $(NF) --mult $(MULT) --attn $(ATTN) --num-res $(NUM_RES) -w $(WAVELET) $(if $(filter 1,$(HEATMAPS)),--heatmaps)

.PHONY: all check datasets train export status clean-run
all: export

check:
	@for t in $(TOOLS); do [ -x $(BIN)/$$t ] || { \
	  echo "train.mk: $(BIN)/$$t is missing: run 'make' first (it belongs to the $$(case $$t in \
	    facealign|lmheat) echo faces;; dwt) echo wavelets;; *) echo model;; esac) engineer's part)" >&2; exit 66; }; done
	@[ -f pipelines/dataset.mk ] || { echo "train.mk: pipelines/dataset.mk is missing (faces engineer's part)" >&2; exit 66; }
	@for s in $(SETS); do [ -d $(DATA)/$$s/images ] && [ -f $(DATA)/$$s/labels.csv ] || { \
	  echo "train.mk: $(DATA)/$$s needs images/ and labels.csv (set DATA=...)" >&2; exit 66; }; done

# 1. aligned datasets (incremental: dataset.mk rebuilds only what changed)
datasets: check
	@for s in $(SETS); do \
	  $(MAKE) --no-print-directory -f pipelines/dataset.mk SRC=$(DATA)/$$s OUT=$(WORK)/$$s S=$(S) C=$(C) BIN=$(BIN) FACEALIGN_FLAGS="$(FACEALIGN_FLAGS)" \
	    || { echo "train.mk: aligning $$s failed (pipelines/dataset.mk)" >&2; exit 65; }; done

# 2. one training run of at most RUN_SECONDS, resuming when CKPT exists
train: datasets
	@mkdir -p $(dir $(CKPT))
	@ls $(foreach s,$(SETS),$(WORK)/$(s)/train-*.wes) >/dev/null 2>&1 || { \
	  echo "train.mk: no train-*.wes shards under $(WORK)/<set>: dataset.mk produced nothing" >&2; exit 65; }
	@if [ ! -f $(CKPT) ] && [ -n "$(INIT)" ]; then cp $(INIT) $(CKPT).tmp && touch $(CKPT).init && mv $(CKPT).tmp $(CKPT) \
	   && echo "train.mk: starting from $(INIT)"; fi
	@if [ -f $(CKPT) ]; then args="--resume"; echo "train.mk: resuming $(CKPT)"; \
	   [ -f $(CKPT).init ] && args="--resume --allow-change"; \
	 else args="$(WTRAIN_NEW)"; echo "train.mk: new run $(CKPT) (S $(S), C $(C), nf $(NF), $(WAVELET))"; fi; \
	 cat $(foreach s,$(SETS),$(WORK)/$(s)/train-*.wes) $(if $(filter 1,$(VA)),| $(BIN)/feclass --va -T 1) \
	   | timeout -s INT -k 120 $(RUN_SECONDS) $(BIN)/wtrain -m $(CKPT) $$args -n $(STEPS) -b $(BATCH) \
	       --lr $(LR) --ema $(EMA) -S $(SEED) $(AUX) --save-every $(SAVE_EVERY) --csv $(WORK)/loss.csv --log-every 100 -T $(THREADS) -d $(DEVICE); \
	 rc=$$?; [ $$rc -eq 0 ] || [ $$rc -eq 124 ] || [ $$rc -eq 130 ] && rm -f $(CKPT).init; \
	 if [ $$rc -eq 124 ] || [ $$rc -eq 130 ]; then \
	   echo "train.mk: run stopped after $(RUN_SECONDS) s and saved; run the same command again to continue" >&2; exit 0; fi; \
	 exit $$rc

# 3. export when the run is complete
export: train
	@step=$$(. pipelines/ckpt_meta.sh; ckpt_meta $(CKPT) train.step); \
	 if [ -z "$$step" ]; then echo "train.mk: cannot read train.step from $(CKPT)" >&2; exit 65; fi; \
	 if [ "$$step" -lt $(STEPS) ]; then echo "train.mk: step $$step of $(STEPS): not done yet, run again" >&2; exit 0; fi; \
	 mkdir -p $(dir $(MODEL)); \
	 $(BIN)/wtrain -m $(CKPT) --export $(MODEL) $(EXPORT_FLAGS) $(if $(DETAIL),--detail $(DETAIL)) || exit $$?; \
	 size=$$(wc -c < $(MODEL)); \
	 echo "train.mk: wrote $(MODEL) ($$size bytes, step $$step)"; \
	 if [ $$size -gt $(MAX_MODEL_BYTES) ]; then \
	   echo "train.mk: $(MODEL) is above $(MAX_MODEL_BYTES) bytes: too big to commit (smaller NF, or an EMA-only/f16 export)" >&2; fi

status:
	@if [ -f $(CKPT) ]; then head -c 100000 $(CKPT) | tr ',{}' '\n\n\n' | grep -aE '"(train\.step|S|C|nf|wavelet)"' | tr -d ' "' | tr '\n' ' '; echo; \
	 [ -f $(WORK)/loss.csv ] && tail -n 1 $(WORK)/loss.csv; else echo "no run yet ($(CKPT))"; fi
	@[ -f $(MODEL) ] && echo "model: $(MODEL) ($$(wc -c < $(MODEL)) bytes)" || echo "model: $(MODEL) not written yet"

clean-run:
	rm -f $(CKPT) $(WORK)/loss.csv
