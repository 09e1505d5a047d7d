# pipelines/eval.mk - how well the model edits held-out faces:
#
#   make -f pipelines/eval.mk [MODEL=models/default.safetensors] [G=model] [STRENGTH=0.5]
#
# table:  edits the held-out faces of both datasets (the shards named in
#         EVAL_SHARD, default test-00, of each set
#         under WORK, made by pipelines/dataset.mk through pipelines/train.mk)
#         to each target emotion at the given settings and prints the
#         femetrics table (expression accuracy by face-api's expression net,
#         identity cosine, PSNR, SSIM, landmark NME, FID) per set and
#         emotion, with n-weighted means: OUT/table.csv, OUT/table.txt.
# curves: the same over G_LIST (at STRENGTH) and STRENGTH_LIST (at G):
#         OUT/sweep.dat and OUT/tradeoff.png (gnuplot): accuracy against
#         identity for each setting, and both against the guidance scale
#         and the strength.
# photo:  the photo route (issue 12, point 6; pipelines/eval_photo.sh):
#         PHOTO_N held-out faces of each of PHOTO_SETS (facial_expressions:
#         the EVAL_SHARD split, 350 px faces; hires: 1350 px portraits, CC BY
#         4.0, credit as DATA/hires/NOTICE.txt asks) aligned at PHOTO_S px,
#         edited by the command EDIT to each emotion at the model's
#         defaults, judged at full resolution as pasted by femetrics --photo:
#         sharpness (finest Haar detail energy over the source's in the face
#         hull; target >= 0.85), PSNR outside the change region (>= 35 dB),
#         tone shift (<= 2 gray levels), seam, and acc/csim/psnr/ssim/nme at
#         PHOTO_S: OUT/photo/table.csv, OUT/photo/table.txt. The default EDIT
#         is today's 64 px edit scaled up (pipelines/eval_photo_up64.sh); an
#         edit at full resolution is e.g.
#           EDIT='$$BIN/dwt -J 2 | $$BIN/wdenoise -m $$MODEL -e $$E | $$BIN/iwt -t'
#         (on the make command line $$ is the shell's $; variables in EDIT:
#         E, BIN, MODEL, PHOTO_LABELS, PHOTO_FACEALIGN_FLAGS, WDENOISE_FLAGS).
# Every missing piece (model, tools, held-out shards, gnuplot) stops the
# run with a message naming it. Edited streams are kept under OUT and
# reused while newer than the model (directories are named by G, STRENGTH
# and STEPS: remove OUT after changing WDENOISE_FLAGS).

MODEL         ?= models/default.safetensors
WORK          ?= data/train
SETS          ?= facial_expressions fer2013
EVAL_SHARD    ?= test-00
EMOTIONS      ?= happy sad surprise anger fear disgust
# guidance: 'model' = the model's own default (its edit.guidance, else 4)
G             ?= model
STRENGTH      ?= 0.5
STEPS         ?= 40
G_LIST        ?= 1 2 3 4 6 8
STRENGTH_LIST ?= 0.3 0.4 0.5 0.6 0.7
WDENOISE_FLAGS ?=
OUT           ?= out/eval
BIN           ?= bin
# photo route
DATA          ?= ../shared/data
PHOTO_SETS    ?= facial_expressions hires
PHOTO_S       ?= 256
PHOTO_N       ?= 20
PHOTO_FACEALIGN_FLAGS ?= -D hog
EDIT          ?= sh pipelines/eval_photo_up64.sh
export BIN MODEL WORK SETS EVAL_SHARD EMOTIONS STEPS WDENOISE_FLAGS
export DATA PHOTO_SETS PHOTO_S PHOTO_N PHOTO_FACEALIGN_FLAGS EDIT

.PHONY: all check table curves photo photo-check
all: table curves

check:
	@[ -f $(MODEL) ] || { echo "eval.mk: no model at $(MODEL): the shipped one is models/default.safetensors;" \
	  "train one with 'make -f pipelines/train.mk' or give MODEL=ckpt" >&2; exit 66; }
	@for t in dwt iwt wdenoise femetrics; do [ -x $(BIN)/$$t ] || { \
	  echo "eval.mk: $(BIN)/$$t is missing: run 'make' first" >&2; exit 66; }; done
	@for s in $(SETS); do for h in $(EVAL_SHARD); do [ -s $(WORK)/$$s/$$h.wes ] || { \
	  echo "eval.mk: held-out faces $(WORK)/$$s/$$h.wes are missing: run" \
	    "'make -f pipelines/train.mk datasets' (pipelines/dataset.mk) first" >&2; exit 66; }; done; done

table: check
	@mkdir -p $(OUT)
	@sh pipelines/eval_run.sh $(OUT)/g$(G)_s$(STRENGTH)_n$(STEPS).csv $(G) $(STRENGTH)
	@cp $(OUT)/g$(G)_s$(STRENGTH)_n$(STEPS).csv $(OUT)/table.csv
	@{ echo "model $(MODEL), g $(G), strength $(STRENGTH), $(STEPS) steps, held-out $(EVAL_SHARD) of $(SETS)"; \
	   awk -F, '{ printf "%-19s %-9s %5s %7s %7s %7s %7s %8s %7s\n", $$1, $$2, $$3, $$4, $$5, $$6, $$7, $$8, $$9 }' $(OUT)/table.csv; } | tee $(OUT)/table.txt

curves: check
	@command -v gnuplot >/dev/null || { echo "eval.mk: gnuplot is missing (apt-get install gnuplot-nox)" >&2; exit 69; }
	@mkdir -p $(OUT)
	@echo "# sweep param value acc csim psnr" > $(OUT)/sweep.dat.tmp
	@for g in $(G_LIST); do sh pipelines/eval_run.sh $(OUT)/g$${g}_s$(STRENGTH)_n$(STEPS).csv $$g $(STRENGTH) || exit $$?; \
	   awk -F, -v g=$$g '$$1 == "all" { print "guidance", g, $$4, $$5, $$6 }' $(OUT)/g$${g}_s$(STRENGTH)_n$(STEPS).csv \
	     >> $(OUT)/sweep.dat.tmp; done
	@echo >> $(OUT)/sweep.dat.tmp; echo >> $(OUT)/sweep.dat.tmp
	@for s in $(STRENGTH_LIST); do sh pipelines/eval_run.sh $(OUT)/g$(G)_s$${s}_n$(STEPS).csv $(G) $$s || exit $$?; \
	   awk -F, -v s=$$s '$$1 == "all" { print "strength", s, $$4, $$5, $$6 }' $(OUT)/g$(G)_s$${s}_n$(STEPS).csv \
	     >> $(OUT)/sweep.dat.tmp; done
	@mv $(OUT)/sweep.dat.tmp $(OUT)/sweep.dat
	@gnuplot -e "dat='$(OUT)/sweep.dat'; out='$(OUT)/tradeoff.png'; title='$(notdir $(MODEL)): g sweep at strength $(STRENGTH), strength sweep at g $(G)'" \
	   pipelines/eval_plot.gp && echo "eval.mk: wrote $(OUT)/tradeoff.png and $(OUT)/sweep.dat"

photo-check:
	@[ -f $(MODEL) ] || { echo "eval.mk: no model at $(MODEL)" >&2; exit 66; }
	@for t in facealign lmheat imgread tsinfo dwt iwt wdenoise femetrics; do [ -x $(BIN)/$$t ] || { \
	  echo "eval.mk: $(BIN)/$$t is missing: run 'make' first" >&2; exit 66; }; done
	@for s in $(PHOTO_SETS); do [ -d $(DATA)/$$s ] || { \
	  echo "eval.mk: no $(DATA)/$$s: give DATA=folder holding $(PHOTO_SETS)" >&2; exit 66; }; done

photo: photo-check
	@mkdir -p $(OUT)/photo
	@sh pipelines/eval_photo.sh $(OUT)/photo/table.csv
	@{ echo "photo route: model $(MODEL) at its defaults, $(PHOTO_N) faces per set of $(PHOTO_SETS) at $(PHOTO_S) px,"; \
	   printf 'EDIT: %s\n' "$$EDIT"; \
	   awk -F, '{ printf "%-19s %-9s %5s %6s %6s %6s %6s %7s %6s %8s %6s %6s\n", $$1, $$2, $$3, $$4, $$5, $$6, $$7, $$8, \
	     $$10, $$11, $$12, $$13 }' $(OUT)/photo/table.csv; } | tee $(OUT)/photo/table.txt
