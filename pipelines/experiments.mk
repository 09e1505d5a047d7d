# pipelines/experiments.mk - the design's experiments (issue 14) as one
# reproducible pipeline: train every row, evaluate it on the same held-out
# faces, tabulate and plot.
#
#   make -f pipelines/experiments.mk [SCALE=cpu|gpu] [DATA=../shared/data] [-j2]
#   make -f pipelines/experiments.mk synth     synthetic-to-real gap (see below)
#   make -f pipelines/experiments.mk status    where every row stands
#
# Rows (one seed, the same training stream, steps, batch and evaluation):
#   base    haar, noise on all subbands, linear schedule, label condition
#   pixel   the pixel-space DDPM: wavelet "lazy" (the four pixel phases, no
#           filtering; dwt(1)) -- the same UNet on the same pixels, space-to-
#           depth instead of a wavelet: the same parameter count (the table
#           prints it) and, haar being orthogonal too, the same diffusion
#           energy; only the data-level wavelet differs
#   bior15 bior44  the data wavelet bior1.5, bior4.4
#   high low       noise on LH/HL/HH only (LL clean and given), on LL only
#   cosine         the cosine schedule
#   va lm valm     the conditions Expr+VA (valence/arousal keys from feclass
#                  --va: our classifier's probabilities times the circumplex
#                  table), Expr+Landmarks (wtrain --heatmaps: the shards'
#                  lmheat heatmaps) and both; edited with -V/-A of the target
#                  emotion and/or the target heatmaps of lmtarget's estimate
#                  (pipelines/exp_edit.sh)
# Factors (table sections): architecture = pixel, base; wavelet = base,
# bior15, bior44; region = high, low, base; schedule = base, cosine;
# conditions = base (Expr), va, lm, valm; guidance = a G_LOW_LIST x G_HIGH_LIST grid of wdenoise --g-low /
# --g-high on the base model (the diagonal is the shared scale).
# Each row: expression accuracy (face-api's expression net, which no loss
# here uses), identity cosine, PSNR, SSIM, landmark NME (femetrics) of the
# EVAL_N held-out faces edited to every emotion of EMOTIONS; tgt NME: the
# edit's landmarks (face-api's) against the target landmarks lmtarget
# estimates (LMT, learnt from the training shards), brows and mouth; FID and KID
# (fid, face-api identity features) of GEN_N wsample faces against REF_N
# held-out real faces; training wall time (wtrain's CSV), final loss (mean
# of the last 10% of steps), edit latency (wall time of the edits / edits).
# Outputs: OUT/table.md, OUT/table.csv, OUT/guidance.csv, OUT/loss-<factor>.png,
# OUT/tradeoff-<factor>.png, OUT/guidance.png, OUT/sheet-<factor>.png
# (SHEET_N held-out faces edited to SHEET_EMOTION by every row of the
# factor: same faces, same deterministic DDIM).
#
# Incremental and resumable: every step is a file under EXP; a finished
# row is not redone, a killed training resumes from its last checkpoint
# (every SAVE_EVERY steps; wtrain refuses a resume on other data or
# settings). Remove EXP/<row> after changing a row's settings.
#
# vasweep: the Expr+VA row edits the held-out faces with -V/-A only (no
# label): valence over VA_LIST at arousal 0, and arousal over VA_LIST at
# valence 0; face-api's probabilities times the same circumplex table
# (femo's expr.valence/arousal) judge each edit: OUT/va-sweep.csv (requested,
# judged mean, per sweep), the Pearson r of judged against requested over
# all edits (OUT/va-sweep.txt), OUT/sheet-valence.png and OUT/sheet-arousal.png (SHEET_N
# faces along each sweep).
#
# synth: wsample writes SYNTH_N faces per class of SYNTH_CLASSES with the base
# model; our expression classifier (fetrain, SYNTH_CLF_STEPS steps) and a
# small softmax yardstick (exprclf(1)) are each trained on them alone and
# on SYNTH_N real training faces per class, and scored on the held-out real
# faces: OUT/synth.txt, the gap = real-trained minus synthetic-trained
# accuracy.
#
# SCALE=cpu (default) is sized for about 3 hours on a quiet 2-core machine
# with -j2 (README, "Experiments"); SCALE=gpu gives the sizes of a real study.
# WEIGHTS (raw at SCALE=cpu, ema at gpu): the weights every edit and sample
# uses; the high and low rows sample with the other bands of the real
# held-out faces (wsample --given).

SCALE       ?= cpu
DATA        ?= ../shared/data
SETS        ?= facial_expressions fer2013
WORK        ?= data/train
EXP         ?= data/experiments/$(SCALE)
OUT         ?= out/experiments
BIN         ?= bin
S           ?= 64
C           ?= 1
FACEALIGN_FLAGS ?= --whole-frame -D hog
SEED        ?= 1
EMOTIONS    ?= happy sad surprise anger fear disgust
STRENGTH    ?= 0.5
G           ?= 2
SHEET_N     ?= 6
SHEET_EMOTION ?= happy
SYNTH_CLASSES ?= $(EMOTIONS)
THREADS     ?= 1
DEVICE      ?= auto
ifeq ($(SCALE),gpu)
NF          ?= 64
NUM_RES     ?= 2
STEPS       ?= 40000
BATCH       ?= 64
SAVE_EVERY  ?= 2000
EVAL_N      ?= 600
EDIT_STEPS  ?= 40
GEN_N       ?= 3000
GEN_STEPS   ?= 50
REF_N       ?= 2000
SYNTH_N     ?= 1000
SYNTH_CLF_STEPS ?= 3000
WEIGHTS     ?= ema
G_LOW_LIST  ?= 1 2 3 4 6
G_HIGH_LIST ?= 1 2 3 4 6
else ifeq ($(SCALE),cpu)
NF          ?= 32
NUM_RES     ?= 1
STEPS       ?= 1500
BATCH       ?= 16
SAVE_EVERY  ?= 250
EVAL_N      ?= 30
EDIT_STEPS  ?= 20
GEN_N       ?= 120
GEN_STEPS   ?= 25
REF_N       ?= 300
SYNTH_N     ?= 100
SYNTH_CLF_STEPS ?= 600
# 1,500 steps are too few for the EMA (decay 0.999 keeps 0.999^1500 = 22%
# of the random initial weights: its samples are noise), so SCALE=cpu
# edits and samples with the raw weights (wdenoise/wsample --no-ema)
WEIGHTS     ?= raw
G_LOW_LIST  ?= 1 2 4
G_HIGH_LIST ?= 1 2 4
else
$(error SCALE must be cpu or gpu, not '$(SCALE)')
endif
MULT        ?= 1,2,2,2
ATTN        ?= 2
LR          ?= 4e-4
GEN_G       ?= $(G)

ROWS ?= base pixel bior15 bior44 high low cosine va lm valm
VA_LIST ?= -0.8 -0.4 0 0.4 0.8
FLAGS_base   := -w haar --region all --schedule linear
FLAGS_pixel  := -w lazy --region all --schedule linear
FLAGS_bior15 := -w bior1.5 --region all --schedule linear
FLAGS_bior44 := -w bior4.4 --region all --schedule linear
FLAGS_high   := -w haar --region high --schedule linear
FLAGS_low    := -w haar --region low --schedule linear
FLAGS_cosine := -w haar --region all --schedule cosine
FLAGS_va     := -w haar --region all --schedule linear
FLAGS_lm     := -w haar --region all --schedule linear --heatmaps
FLAGS_valm   := -w haar --region all --schedule linear --heatmaps
# (what a row is conditioned on beyond the label: exp_cond in pipelines/exp_edit.sh)
LMT := $(EXP)/lmtarget.safetensors
GRID := $(foreach l,$(G_LOW_LIST),$(foreach h,$(G_HIGH_LIST),$(l)_$(h)))

export BIN EXP OUT SEED EMOTIONS STRENGTH G EDIT_STEPS THREADS DEVICE GEN_N GEN_STEPS GEN_G
export STEPS BATCH LR SAVE_EVERY SHEET_N SHEET_EMOTION SYNTH_N SYNTH_CLASSES SYNTH_CLF_STEPS
export NF MULT ATTN NUM_RES S C SCALE FACEALIGN_FLAGS ROWS LMT VA_LIST
# the weights every edit and sample uses: ema, or raw (--no-ema)
ifeq ($(WEIGHTS),raw)
NO_EMA := --no-ema
else ifeq ($(WEIGHTS),ema)
NO_EMA :=
else
$(error WEIGHTS must be ema or raw, not '$(WEIGHTS)')
endif
export NO_EMA
TRAIN_NEW = --nf $(NF) --mult $(MULT) --attn $(ATTN) --num-res $(NUM_RES)
TRAIN_SET = $(foreach s,$(SETS),$(WORK)/$(s)/train-*.wes)

.PHONY: all check datasets heldout train eval table plots sheets synth vasweep status
.DELETE_ON_ERROR:
all: table plots sheets synth $(if $(filter va,$(ROWS)),vasweep)

check:
	@for t in facealign lmheat lmtarget lmnme feclass dwt iwt wtrain wsample wdenoise femetrics femo fid wmontage; do [ -x $(BIN)/$$t ] || { \
	  echo "experiments.mk: $(BIN)/$$t is missing: run 'make' first" >&2; exit 66; }; done

# 1. aligned shards (pipelines/train.mk -> pipelines/dataset.mk; shared
#    with train.mk at WORK=data/train); without DATA the shards under WORK
#    are used as they are
datasets: check
	@if [ -d $(DATA) ]; then $(MAKE) --no-print-directory -f pipelines/train.mk datasets DATA=$(DATA) SETS="$(SETS)" \
	   WORK=$(WORK) S=$(S) C=$(C) BIN=$(BIN) FACEALIGN_FLAGS="$(FACEALIGN_FLAGS)" || exit $$?; \
	 else echo "experiments.mk: no $(DATA): using the shards under $(WORK) as they are"; fi
	@ls $(TRAIN_SET) > /dev/null 2>&1 || { echo "experiments.mk: no train shards under $(WORK)/<set>" \
	  "(give DATA=folder holding $(SETS))" >&2; exit 66; }

# 2. the held-out faces every row is judged on: EVAL_N to edit, REF_N real
#    faces for FID/KID, SHEET_N for the contact sheets (a seeded shuffle of
#    the held-out files' aligned faces; the same for every row)
heldout: $(EXP)/heldout/edit.wes
$(EXP)/heldout/edit.wes: | datasets
	@mkdir -p $(EXP)/heldout
	@sh pipelines/exp_heldout.sh "$(WORK)" "$(SETS)" $(EXP)/heldout $(EVAL_N) $(REF_N) $(SHEET_N)

# 3. one training run per row (resumes after a kill)
train: $(foreach r,$(ROWS),$(EXP)/$(r)/done)
$(EXP)/%/done: | datasets
	@mkdir -p $(EXP)/$*
	@sh pipelines/exp_train.sh $(EXP)/$* "$(FLAGS_$*)" "$(TRAIN_NEW)" $(TRAIN_SET)
	@touch $@

# 4. evaluation per row: edits (femetrics, latency) and samples (FID/KID),
#    redone when WEIGHTS changes (the stamp is rewritten only then)
WSTAMP := $(EXP)/weights
$(WSTAMP): FORCE
	@mkdir -p $(EXP); echo '$(WEIGHTS)' | cmp -s - $@ || echo '$(WEIGHTS)' > $@
FORCE:
eval: $(foreach r,$(ROWS),$(EXP)/$(r)/eval.csv $(EXP)/$(r)/gen.csv) $(foreach g,$(GRID),$(EXP)/base/guid/$(g).csv)
# the target-landmark estimate (lmtarget) of the training shards
$(LMT): | datasets
	@$(BIN)/lmtarget -o $@ $(TRAIN_SET)
$(EXP)/%/eval.csv: $(EXP)/%/done $(EXP)/heldout/edit.wes $(LMT) $(WSTAMP)
	@sh pipelines/exp_eval.sh $(EXP)/$*/run.safetensors $(EXP)/heldout/edit.wes $@ -g $(G)
$(EXP)/%/gen.csv: $(EXP)/%/done $(EXP)/heldout/edit.wes $(WSTAMP)
	@sh pipelines/exp_gen.sh $(EXP)/$*/run.safetensors $(EXP)/heldout/ref.wes $@
$(EXP)/base/guid/%.csv: $(EXP)/base/done $(EXP)/heldout/edit.wes $(LMT) $(WSTAMP)
	@mkdir -p $(dir $@)
	@gl=$$(echo $* | cut -d_ -f1); gh=$$(echo $* | cut -d_ -f2); \
	 sh pipelines/exp_eval.sh $(EXP)/base/run.safetensors $(EXP)/heldout/edit.wes $@ --g-low $$gl --g-high $$gh

# 5. the table, the plots, the sheets
table: $(OUT)/table.md
$(OUT)/table.md: $(foreach r,$(ROWS),$(EXP)/$(r)/eval.csv $(EXP)/$(r)/gen.csv) $(foreach g,$(GRID),$(EXP)/base/guid/$(g).csv)
	@mkdir -p $(OUT)
	@sh pipelines/exp_table.sh "$(GRID)"
	@cat $@

plots: $(OUT)/table.md
	@command -v gnuplot > /dev/null || { echo "experiments.mk: gnuplot is missing (apt-get install gnuplot-nox)" >&2; exit 69; }
	@sh pipelines/exp_plot.sh

sheets: $(foreach r,$(ROWS),$(EXP)/$(r)/done) $(EXP)/heldout/edit.wes $(LMT)
	@mkdir -p $(OUT)
	@sh pipelines/exp_sheets.sh "$(ROWS)"

# 5b. the valence and arousal sweeps of the Expr+VA row
vasweep: $(OUT)/va-sweep.csv
$(OUT)/va-sweep.csv: $(EXP)/va/done $(EXP)/heldout/edit.wes $(WSTAMP)
	@mkdir -p $(OUT)
	@sh pipelines/exp_vasweep.sh $(EXP)/va/run.safetensors

# 6. synthetic faces as training data: the synthetic-to-real gap
synth: $(OUT)/synth.txt
$(OUT)/synth.txt: $(EXP)/base/done $(EXP)/heldout/edit.wes $(WSTAMP)
	@for t in exprclf fetrain feclass; do [ -x $(BIN)/$$t ] || { echo "experiments.mk: $(BIN)/$$t is missing: run 'make' first" >&2; exit 66; }; done
	@mkdir -p $(OUT)
	@sh pipelines/exp_synth.sh $(EXP)/base/run.safetensors "$(TRAIN_SET)" $@
	@cat $@

status:
	@for r in $(ROWS); do printf '%-8s ' $$r; \
	 if [ -f $(EXP)/$$r/done ]; then printf 'trained'; elif [ -f $(EXP)/$$r/run.safetensors ]; then \
	   printf 'step %s of $(STEPS)' "$$(. pipelines/ckpt_meta.sh; ckpt_meta $(EXP)/$$r/run.safetensors train.step)"; \
	 else printf 'not started'; fi; \
	 for f in eval gen; do [ -f $(EXP)/$$r/$$f.csv ] && printf ', %s' $$f; done; echo; done
