# pipelines/aux_study.mk - the paired study of the face auxiliary losses
# (issue 13 point 4; README "Auxiliary losses"):
#
#   make -f pipelines/aux_study.mk INIT=ckpt [STEPS=4000] [RUNS=...] [LAMBDA_EXPR=..] [LAMBDA_VA=..]
#        [LAMBDA_LM=..] [LAMBDA_ID=..] [LAMBDA_BG=..] [VA=1] [THREADS=1]
#
# From one wtrain checkpoint INIT, each run of RUNS (none, expr, va, lm, id, bg)
# fine-tunes a copy for STEPS more steps on the train shards of SETS under
# WORK. The copies share INIT's saved random state, batch and data, so
# every run sees the same batches, timesteps and noise; only its auxiliary
# term differs: none = INIT's own settings (BASE_AUX on top, e.g. the
# shipped model's L_expr), expr = + --lambda-expr LAMBDA_EXPR and va = +
# --lambda-va LAMBDA_VA (our classifier, lib/face/we_fexpr.h: never the
# judge), lm = + --lambda-lm LAMBDA_LM, id = + --lambda-id
# LAMBDA_ID, bg = + --lambda-bg LAMBDA_BG (AUX_ITEMS: --aux-items for the
# net terms); terms joined by + make one run with all of them (expr+va+bg:
# the winning set, measured from the same checkpoint and batches). Each run is exported and judged on the held-out shards by
# pipelines/eval.mk's table (guidance G, strength STRENGTH, EVAL_STEPS
# sampling steps: expression accuracy by face-api's expression net,
# identity cosine by face-api's recognition net -- L_id's own loss net --,
# PSNR, SSIM, landmark NME by face-api's landmark net -- L_lm's loss net),
# then OUT/table.csv and OUT/table.md collect the 'all' rows, one per run,
# with the mean auxiliary losses of the last 100 logged steps.
#
# VA=1: the training stream goes through feclass --va, as for a checkpoint
# that pipelines/train.mk VA=1 trained (the same data, so the same batches).
# Runs are done one after the other; on two cores start two makes with
# disjoint RUNS (then `make ... table` with all of them).
#
# A run interrupted (Ctrl-C: wtrain saves) continues where it stopped when
# the same command is given again; finished runs and evaluations are kept
# (remove OUT/<run> to redo one). Missing pieces stop with a message.

INIT        ?=
STEPS       ?= 4000
RUNS        ?= none expr va lm id bg
LAMBDA_EXPR ?= 1e-4
LAMBDA_VA   ?= 1e-4
VA          ?= 0
LAMBDA_LM   ?= 0.05
LAMBDA_ID   ?= 0.1
LAMBDA_BG   ?= 0.5
AUX_ITEMS   ?= 4
BASE_AUX    ?=
WORK        ?= data/train
SETS        ?= facial_expressions fer2013
TRAIN_SHARDS ?= train-*
EVAL_SHARD  ?= test-00
EMOTIONS    ?= happy sad surprise anger fear disgust
G           ?= 4
STRENGTH    ?= 0.5
EVAL_STEPS  ?= 40
THREADS     ?= 1
DEVICE      ?= cpu
OUT         ?= out/aux_study
BIN         ?= bin

SELF := $(lastword $(MAKEFILE_LIST))
AUX_expr := --lambda-expr $(LAMBDA_EXPR)
AUX_va   := --lambda-va $(LAMBDA_VA)
AUX_lm   := --lambda-lm $(LAMBDA_LM) --aux-items $(AUX_ITEMS)
AUX_id   := --lambda-id $(LAMBDA_ID) --aux-items $(AUX_ITEMS)
AUX_bg   := --lambda-bg $(LAMBDA_BG)
# the wtrain flags of one run: its terms joined by + (expr+va = both)
aux_of = for t in $$(echo $(1) | tr + ' '); do case $$t in expr) printf ' %s' "$(AUX_expr)";; va) printf ' %s' "$(AUX_va)";; \
	   lm) printf ' %s' "$(AUX_lm)";; id) printf ' %s' "$(AUX_id)";; bg) printf ' %s' "$(AUX_bg)";; esac; done
TRAIN    := $(foreach s,$(SETS),$(WORK)/$(s)/$(TRAIN_SHARDS).wes)
FILTER   := $(if $(filter 1,$(VA)),$(BIN)/feclass --va -T 1,cat)

.PHONY: all check runs table
all: table

check:
	@[ -n "$(INIT)" ] && [ -f "$(INIT)" ] || { echo "aux_study.mk: give INIT=<a wtrain checkpoint> (e.g. data/train/run.safetensors)" >&2; exit 66; }
	@for t in wtrain dwt iwt wdenoise femetrics; do [ -x $(BIN)/$$t ] || { \
	  echo "aux_study.mk: $(BIN)/$$t is missing: run 'make' first" >&2; exit 66; }; done
	@ls $(TRAIN) >/dev/null 2>&1 || { echo "aux_study.mk: no $(TRAIN_SHARDS).wes shards under $(WORK)/<set>:" \
	  "run 'make -f pipelines/train.mk datasets' first" >&2; exit 66; }
	@for r in $(RUNS); do for t in $$(echo $$r | tr + ' '); do case $$t in none|expr|va|lm|id|bg) ;; \
	   *) echo "aux_study.mk: unknown term '$$t' in run '$$r' (none expr va lm id bg, or terms joined by +)" >&2; exit 64;; esac; done; done

# fine-tune, export and evaluate one run per RUNS entry
runs: check
	@init=$$(. pipelines/ckpt_meta.sh; ckpt_meta $(INIT) train.step); \
	 [ -n "$$init" ] || { echo "aux_study.mk: cannot read train.step from $(INIT)" >&2; exit 65; }; \
	 target=$$((init + $(STEPS))); \
	 for r in $(RUNS); do \
	   d=$(OUT)/$$r; mkdir -p $$d || exit 73; \
	   aux=$$($(call aux_of,$$r)); \
	   [ -f $$d/ckpt.safetensors ] || { cp $(INIT) $$d/ckpt.tmp && mv $$d/ckpt.tmp $$d/ckpt.safetensors; } || exit 73; \
	   echo "aux_study.mk: run $$r: steps $$init -> $$target, $(BASE_AUX) $$aux" >&2; \
	   cat $(TRAIN) | $(FILTER) | $(BIN)/wtrain -m $$d/ckpt.safetensors --resume --allow-change -n $$target $(BASE_AUX) $$aux \
	     --csv $$d/loss.csv --log-every 100 -T $(THREADS) -d $(DEVICE) || exit $$?; \
	   step=$$(. pipelines/ckpt_meta.sh; ckpt_meta $$d/ckpt.safetensors train.step); \
	   [ "$$step" = "$$target" ] || { echo "aux_study.mk: run $$r stopped at step $$step of $$target: run again" >&2; exit 0; }; \
	   if [ ! -f $$d/model.safetensors ] || [ $$d/ckpt.safetensors -nt $$d/model.safetensors ]; then \
	     $(BIN)/wtrain -m $$d/ckpt.safetensors --export $$d/model.safetensors || exit $$?; fi; \
	   if [ ! -f $$d/eval/table.csv ] || [ $$d/model.safetensors -nt $$d/eval/table.csv ]; then \
	     $(MAKE) --no-print-directory -f pipelines/eval.mk table MODEL=$$d/model.safetensors OUT=$$d/eval \
	       WORK=$(WORK) SETS="$(SETS)" EVAL_SHARD="$(EVAL_SHARD)" EMOTIONS="$(EMOTIONS)" G=$(G) \
	       STRENGTH=$(STRENGTH) STEPS=$(EVAL_STEPS) BIN=$(BIN) > /dev/null || exit $$?; fi; \
	 done

# one table: the 'all' row of each run's evaluation and its mean aux losses
table: runs
	@{ echo "run,aux,n,acc,csim,psnr,ssim,nme,l_lm,l_id,l_bg"; \
	   for r in $(RUNS); do d=$(OUT)/$$r; [ -f $$d/eval/table.csv ] || continue; \
	     aux="$(BASE_AUX) $$($(call aux_of,$$r))"; \
	     l=$$(awk -F, 'NR == 1 { for (k = 1; k <= NF; k++) c[$$k] = k; next } { r[NR] = $$0 } \
	          END { n = 0; for (i = NR > 101 ? NR - 99 : 2; i <= NR; i++) { split(r[i], f, ","); n++; \
	                a += ("l_lm" in c) ? f[c["l_lm"]] : 0; b += ("l_id" in c) ? f[c["l_id"]] : 0; g += ("l_bg" in c) ? f[c["l_bg"]] : 0 } \
	                if (n) printf "%.4f,%.4f,%.4f", a / n, b / n, g / n; else printf ",," }' $$d/loss.csv); \
	     awk -F, -v r=$$r -v a="$$aux" -v l="$$l" '$$1 == "all" { sub(/^ +/, "", a); printf "%s,%s,%s,%s,%s,%s,%s,%s,%s\n", r, a, $$3, $$4, $$5, $$6, $$7, $$8, l }' \
	       $$d/eval/table.csv; done; } > $(OUT)/table.csv
	@{ echo "paired fine-tunes of $(STEPS) steps from $(INIT), held-out $(EVAL_SHARD) of $(SETS), g $(G), strength $(STRENGTH)"; \
	   echo "(acc: face-api expression net; csim: face-api recognition net = L_id's loss net; nme: face-api landmark net = L_lm's)"; echo; \
	   echo "| run | aux | n | acc | csim | PSNR dB | SSIM | NME | l_lm | l_id | l_bg |"; echo "|---|---|---|---|---|---|---|---|---|---|---|"; \
	   awk -F, 'NR > 1 { printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", $$1, $$2, $$3, $$4, $$5, $$6, $$7, $$8, $$9, $$10, $$11 }' \
	     $(OUT)/table.csv; } | tee $(OUT)/table.md
