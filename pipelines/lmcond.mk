# pipelines/lmcond.mk - the landmark condition at the shipped model's scale
# (issue 13 point 3; README "Landmarks as a condition"):
#
#   make -f pipelines/lmcond.mk LM_MODEL=model.safetensors [BASE_MODEL=models/default.safetensors]
#        [EVAL_N=60] [G=4] [ROWS="target own none base"] [OUT=out/lmcond]
#
# LM_MODEL is a model trained with heatmaps (pipelines/train.mk HEATMAPS=1,
# conditions listing `heat`). EVAL_N held-out faces of SETS (their test
# lists under WORK, aligned again as the training data was: exp_heldout.sh)
# are edited to each emotion of EMOTIONS, every edit first getting the target
# landmarks of its emotion (lmtarget -k with the estimate LMT: the source
# landmarks moved by the emotion's mean displacement in the aligned training
# data). Rows:
#   target  LM_MODEL, denoised under the target heatmaps (lmheat -t):
#           "Expr+Landmarks", the geometry the emotion should have
#   own     LM_MODEL under the face's own heatmaps (geometry kept)
#   none    LM_MODEL with --no-heat (the null heatmap: label only)
#   base    BASE_MODEL (no heatmap condition), label only
# all with -e EMOTION at guidance G, strength STRENGTH, EDIT_STEPS steps.
# Each row is scored by exp_eval.sh: face-api's expression accuracy,
# identity, PSNR, SSIM, and tnme = the NME (face-api's landmarks of the
# edit, brows and mouth: points 17-26, 48-67) against the target landmarks;
# tnme0 = the unedited faces' NME against the same target. An edit that moves the face where the
# emotion puts it has tnme < tnme0. tnme mixes two landmark nets (the
# target is built on facealign's, the edit is read by face-api's), so each
# row also gets moved and cos (lmnme -s): the sources and the edits both
# read by face-api's net, the fraction of lmtarget's displacement the edit
# made (projected on it) and the cosine between the two (OUT/<row>-moved.csv,
# from the edits exp_eval kept). OUT/table.md collects the rows;
# OUT/sheet-<emotion>.png shows the SHEET_N faces (source, then each row)
# for each of SHEET_EMOTIONS.
#
# Finished rows are kept (remove OUT/<row>.csv to redo one).

LM_MODEL    ?=
BASE_MODEL  ?= models/default.safetensors
ROWS        ?= target own none base
WORK        ?= data/train
SETS        ?= facial_expressions fer2013
EVAL_N      ?= 60
SHEET_N     ?= 6
SHEET_EMOTIONS ?= happy surprise anger
EMOTIONS    ?= happy sad surprise anger fear disgust
G           ?= 4
STRENGTH    ?= 0.5
EDIT_STEPS  ?= 40
S           ?= 64
C           ?= 1
SEED        ?= 1
FACEALIGN_FLAGS ?= --whole-frame -D hog
LMT         ?= data/experiments/cpu/lmtarget.safetensors
THREADS     ?= 1
DEVICE      ?= cpu
OUT         ?= out/lmcond
BIN         ?= bin

MODEL_target := $(LM_MODEL)
MODEL_own    := $(LM_MODEL)
MODEL_none   := $(LM_MODEL)
MODEL_base   := $(BASE_MODEL)
COND_target  := lm
FLAGS_none   := --no-heat
DESC_target  := Expr+Landmarks: target heatmaps
DESC_own     := the face's own heatmaps
DESC_none    := --no-heat: label only
DESC_base    := the base model: label only

export BIN EMOTIONS STRENGTH EDIT_STEPS THREADS DEVICE LMT S C SEED FACEALIGN_FLAGS

.PHONY: all check table sheets
all: table sheets

check:
	@[ -n "$(LM_MODEL)" ] && [ -f "$(LM_MODEL)" ] || { echo "lmcond.mk: give LM_MODEL=<a model trained with heatmaps>" >&2; exit 66; }
	@. pipelines/ckpt_meta.sh; case ",$$(ckpt_meta $(LM_MODEL) conditions)," in *,heatmap,*) ;; \
	   *) echo "lmcond.mk: $(LM_MODEL) was not trained with heatmaps (its conditions do not list heatmap: pipelines/train.mk HEATMAPS=1)" >&2; exit 65;; esac
	@[ -f "$(BASE_MODEL)" ] || case " $(ROWS) " in *" base "*) echo "lmcond.mk: no BASE_MODEL $(BASE_MODEL)" >&2; exit 66;; esac
	@[ -f "$(LMT)" ] || { echo "lmcond.mk: no target-landmark estimate $(LMT): make it with $(BIN)/lmtarget -o $(LMT) <train shards>" >&2; exit 66; }
	@for t in facealign lmheat lmtarget lmnme dwt iwt wdenoise femetrics femo wmontage; do [ -x $(BIN)/$$t ] || { \
	  echo "lmcond.mk: $(BIN)/$$t is missing: run 'make' first" >&2; exit 66; }; done
	@for r in $(ROWS); do case $$r in target|own|none|base) ;; \
	  *) echo "lmcond.mk: unknown row '$$r' (target own none base)" >&2; exit 64;; esac; done

$(OUT)/heldout/edit.wes:
	@mkdir -p $(OUT)/heldout
	@sh pipelines/exp_heldout.sh "$(WORK)" "$(SETS)" $(OUT)/heldout $(EVAL_N) 2 $(SHEET_N)

# one row: the model linked as OUT/models/<row> so that the edits' edit.model
# (the sheets' tile labels) is the row's name
$(OUT)/%.csv: $(OUT)/heldout/edit.wes | check
	@mkdir -p $(OUT)/models && ln -sf "$(abspath $(MODEL_$*))" $(OUT)/models/$*
	@echo "lmcond.mk: row $*: $(DESC_$*)" >&2
	@EXP_COND="$(COND_$*)" sh pipelines/exp_eval.sh $(OUT)/models/$* $(OUT)/heldout/edit.wes $@ -g $(G) $(FLAGS_$*)

# the sources read by face-api's landmark net, each with lmtarget's target
# for each emotion: what lmnme -s measures every row's edits against
$(OUT)/moved-src/done: $(OUT)/heldout/edit.wes | check
	@mkdir -p $(OUT)/moved-src
	@$(BIN)/dwt -T 1 < $(OUT)/heldout/edit.wes | $(BIN)/iwt -t -T 1 | $(BIN)/femo -l -E > $(OUT)/moved-src/source.wes || exit 70
	@for e in $(EMOTIONS); do $(BIN)/lmtarget -m $(LMT) -k -e $$e < $(OUT)/moved-src/source.wes > $(OUT)/moved-src/$$e.wes || exit 70; done
	@touch $@
$(OUT)/%-moved.csv: $(OUT)/%.csv $(OUT)/moved-src/done
	@for e in $(EMOTIONS); do $(BIN)/femo -l -E < $(OUT)/$*/$$e.wes | $(BIN)/lmnme -s $(OUT)/moved-src/$$e.wes \
	   -o $(OUT)/$*/$$e-moved.csv > /dev/null || { echo "lmcond.mk: lmnme -s failed on $(OUT)/$*/$$e.wes" >&2; exit 70; }; done
	@for e in $(EMOTIONS); do awk -F, '$$1 == "all"' $(OUT)/$*/$$e-moved.csv; done \
	 | awk -F, 'BEGIN { print "n,moved,cos" } { n += $$7; m += $$7 * $$5; c += $$7 * $$6 } \
	     END { if (n) printf "%d,%.4f,%.4f\n", n, m / n, c / n }' > $@.tmp && mv $@.tmp $@

table: check $(foreach r,$(ROWS),$(OUT)/$(r).csv $(OUT)/$(r)-moved.csv)
	@{ echo "landmark condition: $(EVAL_N) held-out faces of $(SETS) x $(EMOTIONS), g $(G), strength $(STRENGTH)"; \
	   echo "(acc: face-api expression net; csim: face-api recognition net; tnme: face-api landmarks of the edit"; \
	   echo " against the target estimate $(LMT), brows and mouth; tnme0: the unedited faces against the same target;"; \
	   echo " moved: the fraction of the target displacement the edit made, cos: its direction, both by face-api's net)"; echo; \
	   echo "| row | edit | n | acc | csim | PSNR dB | SSIM | tnme | tnme0 | moved | cos |"; \
	   echo "|---|---|---|---|---|---|---|---|---|---|---|"; \
	   $(foreach r,$(ROWS),m=$$(awk -F, 'NR == 2 { print $$2 " | " $$3 }' $(OUT)/$(r)-moved.csv); \
	     awk -F, -v r="$(r)" -v d="$(DESC_$(r))" -v m="$$m" 'NR == 2 { printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", \
	     r, d, $$1, $$2, $$3, $$4, $$5, $$8, $$9, m }' $(OUT)/$(r).csv;) } | tee $(OUT)/table.md

# the sheet faces, edited by every row (same faces, deterministic DDIM);
# each row passed as name@model@conditions@flags, from the same variables
# as the table's rows
sheets: check $(OUT)/heldout/edit.wes
	@d=$(OUT)/sheets; mkdir -p $$d/models || exit 73; \
	 . pipelines/ckpt_meta.sh; . pipelines/exp_edit.sh; \
	 $(BIN)/dwt -T 1 < $(OUT)/heldout/sheet.wes | $(BIN)/iwt -t -T 1 > $$d/source.wes || exit 70; \
	 for e in $(SHEET_EMOTIONS); do files=$$d/source.wes; \
	   for row in $(foreach r,$(ROWS),$(r)@$(abspath $(MODEL_$(r)))@$(COND_$(r))@$(FLAGS_$(r))); do \
	     r=$${row%%@*} m=$${row#*@}; c=$${m#*@}; m=$${m%%@*}; f=$${c#*@}; c=$${c%%@*}; \
	     ln -sf "$$m" $$d/models/$$r; \
	     [ -s $$d/$$r-$$e.wes ] && [ $$d/$$r-$$e.wes -nt $$m ] || \
	       (cd $$d/models && BIN=$(abspath $(BIN)) LMT=$(abspath $(LMT)) exp_edit $$r "$$c" $$e -g $(G) $$f \
	          < $(abspath $(OUT))/heldout/sheet.wes > ../$$r-$$e.wes.tmp && mv ../$$r-$$e.wes.tmp ../$$r-$$e.wes) \
	       || { echo "lmcond.mk: editing the sheet faces (row $$r, $$e) failed" >&2; exit 70; }; \
	     files="$$files $$d/$$r-$$e.wes"; done; \
	   cat $$files | $(BIN)/wmontage -k id -l edit.model -t 128 -o $(OUT)/sheet-$$e.png || exit 70; done; \
	 echo "lmcond.mk: wrote $(foreach e,$(SHEET_EMOTIONS),$(OUT)/sheet-$(e).png) (source, then $(ROWS))" >&2
