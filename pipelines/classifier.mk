# pipelines/classifier.mk - the project's expression classifier
# (lib/face/we_fexpr.h), the loss net of L_expr / L_VA, from the raw folders:
#
#   make -f pipelines/classifier.mk [DATA=../shared/data] [STEPS=6000] [RUN_SECONDS=2400] [THREADS=2]
#   make -f pipelines/classifier.mk eval     held-out accuracy per class, ours and face-api's
#   make -f pipelines/classifier.mk va       valence/arousal keys on the training shards
#
# 1. the aligned shards of pipelines/train.mk (its `datasets` target: the
#    same WORK, S, C, so both recipes share them; the held-out split is
#    dataset.mk's test-NN.wes);
# 2. fetrain on the train shards of all SETS (augmented, class-balanced
#    batches) for STEPS steps or RUN_SECONDS, whichever comes first (a run
#    cut by RUN_SECONDS is saved and exported as it is);
# 3. the weights go to MODEL (models/fexpr.safetensors, beside the UNet);
# eval: feclass and femo (face-api's expression net, the independent judge)
#    on the test shards: per set and class, n, our accuracy, face-api's
#    (face-api has no contempt class), plus all faces and the mean of the
#    per-class accuracies over face-api's 7 classes -> $(OUT)/eval.tsv;
# va: each train shard through `feclass --va`: the same items with
#    valence= / arousal= keys (classifier probabilities times the circumplex
#    table) under WORK/<set>-va/, what `wtrain --lambda-va` and the VA
#    condition train on: cat $(WORK)/*-va/train-*.wes | wtrain ...

DATA        ?= ../shared/data
SETS        ?= facial_expressions fer2013
WORK        ?= data/train
OUT         ?= data/fexpr
BIN         ?= bin
S           ?= 64
C           ?= 1
STEPS       ?= 6000
BATCH       ?= 32
LR          ?= 1e-3
SEED        ?= 1
THREADS     ?= 1
RUN_SECONDS ?= 2400
CKPT        ?= $(OUT)/fexpr.safetensors
MODEL       ?= models/fexpr.safetensors
MAX_MODEL_BYTES ?= 4194304

TRAIN_SHARDS = $(wildcard $(foreach s,$(SETS),$(WORK)/$(s)/train-*.wes))

SELF := $(lastword $(MAKEFILE_LIST))
.PHONY: all datasets train export eval va
# train, then export what it wrote (export alone copies an existing run)
all:
	@$(MAKE) --no-print-directory -f $(SELF) train && $(MAKE) --no-print-directory -f $(SELF) export

datasets:
	@$(MAKE) --no-print-directory -f pipelines/train.mk datasets DATA=$(DATA) SETS="$(SETS)" WORK=$(WORK) S=$(S) C=$(C) BIN=$(BIN)

train: datasets
	@[ -x $(BIN)/fetrain ] || { echo "classifier.mk: $(BIN)/fetrain is missing: run 'make' first" >&2; exit 66; }
	@mkdir -p $(OUT)
	@ls $(foreach s,$(SETS),$(WORK)/$(s)/train-*.wes) >/dev/null 2>&1 || { \
	  echo "classifier.mk: no train-*.wes shards under $(WORK)/<set>" >&2; exit 65; }
	@echo "classifier.mk: training $(CKPT) ($(STEPS) steps, at most $(RUN_SECONDS) s)"
	@cat $(foreach s,$(SETS),$(WORK)/$(s)/train-*.wes) \
	  | $(BIN)/fetrain -o $(CKPT) -n $(STEPS) -b $(BATCH) --lr $(LR) -S $(SEED) -T $(THREADS) \
	      --seconds $(RUN_SECONDS) 2> $(OUT)/train.log; rc=$$?; tail -n 3 $(OUT)/train.log; exit $$rc

export:
	@[ -f $(CKPT) ] || { echo "classifier.mk: no $(CKPT): run the train target first" >&2; exit 66; }
	@cp $(CKPT) $(MODEL).tmp && mv $(MODEL).tmp $(MODEL)
	@size=$$(wc -c < $(MODEL)); echo "classifier.mk: wrote $(MODEL) ($$size bytes)"; \
	 if [ $$size -gt $(MAX_MODEL_BYTES) ]; then echo "classifier.mk: $(MODEL) is above $(MAX_MODEL_BYTES) bytes" >&2; exit 65; fi

# one line per face: set, label, ours, face-api's
$(OUT)/eval-%.txt: $(MODEL) FORCE
	@mkdir -p $(OUT)
	@cat $(WORK)/$*/test-*.wes | $(BIN)/feclass -m $(MODEL) | $(BIN)/femo | $(BIN)/tsinfo \
	  | awk -v set=$* '$$2 == "image" { e = f = x = "-"; \
	      for (i = 5; i <= NF; i++) { if ($$i ~ /^emotion=/) e = substr($$i, 9); \
	        if ($$i ~ /^fexpr\.top=/) f = substr($$i, 11); if ($$i ~ /^expr\.top=/) x = substr($$i, 10) } \
	      if (e != "-") print set, e, f, x }' > $@.tmp && mv $@.tmp $@
FORCE:

eval: $(foreach s,$(SETS),$(OUT)/eval-$(s).txt)
	@printf 'set\temotion\tn\tours\tface-api\n' > $(OUT)/eval.tsv
	@cat $^ | awk 'BEGIN { OFS = "\t" } \
	  { n[$$1 SUBSEP $$2]++; o[$$1 SUBSEP $$2] += $$3 == $$2; a[$$1 SUBSEP $$2] += $$4 == $$2; \
	    N[$$1]++; O[$$1] += $$3 == $$2; if ($$2 != "contempt") { M[$$1]++; A[$$1] += $$4 == $$2; O7[$$1] += $$3 == $$2 } } \
	  END { for (k in n) { split(k, p, SUBSEP); \
	      print p[1], p[2], n[k], sprintf("%.3f", o[k] / n[k]), p[2] == "contempt" ? "-" : sprintf("%.3f", a[k] / n[k]); \
	      if (p[2] != "contempt") { K[p[1]]++; MO[p[1]] += o[k] / n[k]; MA[p[1]] += a[k] / n[k] } } \
	    for (s in N) { print s, "all faces (7 face-api classes)", M[s], sprintf("%.3f", O7[s] / M[s]), sprintf("%.3f", A[s] / M[s]); \
	      print s, "mean over the 7 classes", M[s], sprintf("%.3f", MO[s] / K[s]), sprintf("%.3f", MA[s] / K[s]) } }' \
	  | sort >> $(OUT)/eval.tsv
	@column -t -s '	' $(OUT)/eval.tsv

va: $(MODEL)
	@for f in $(TRAIN_SHARDS); do s=$$(basename $$(dirname $$f)); mkdir -p $(WORK)/$$s-va; \
	   $(BIN)/feclass --va -m $(MODEL) < $$f > $(WORK)/$$s-va/$$(basename $$f).tmp \
	   && mv $(WORK)/$$s-va/$$(basename $$f).tmp $(WORK)/$$s-va/$$(basename $$f) || exit $$?; done
	@echo "classifier.mk: valence/arousal keys on $(words $(TRAIN_SHARDS)) shards under $(WORK)/<set>-va/"
