# pipelines/photos.mk - batch editing: every face of a folder of photos
# edited to each of a set of emotions and pasted back, with the metrics
# table, on one machine (workflows/edit.smk is the same on Snakemake/Slurm).
#
#   make -f pipelines/photos.mk SRC=folder OUT=out/photos [MODEL=models/default.safetensors]
#        [EMOTIONS="happy sad ..."] [SHARDS=4] [S=256] [C=3] -j2
#
# Steps (pipelines/photos.sh): the photos (JPEG/PNG files of SRC) into
# SHARDS lists by a hash of their names; per shard, one facealign -a for all
# its faces; per shard and emotion, one dwt | wdenoise | iwt -t for all of
# them, the photos pasted with facepaste (tssplit by src), and femetrics
# --photo; then the table. Outputs under OUT:
#   photos/E/NAME          the edited photos (photos without a face are left out)
#   photos/E/part-NN.txt   which photos a shard wrote
#   table.csv              per emotion and all: n, acc, csim, psnr, ssim, nme,
#                          sharp, psnr_out, tone, seam (n-weighted over shards)
#   faces/, edits/, metrics/, lists/, logs/   the streams and per-shard tables
SRC      ?= $(error set SRC=folder of photos)
OUT      ?= out/photos
MODEL    ?= models/default.safetensors
EMOTIONS ?= happy sad surprise anger fear disgust
SHARDS   ?= 4
S        ?= 256
C        ?= 3
BIN      ?= bin
FACEALIGN_FLAGS ?=
WDENOISE_FLAGS  ?=
SELF := $(lastword $(MAKEFILE_LIST))
P    := sh $(dir $(SELF))photos.sh
export BIN S C MODEL FACEALIGN_FLAGS WDENOISE_FLAGS

.DELETE_ON_ERROR:
# faces/ and edits/ are outputs too, not intermediates to remove
.SECONDARY:
.PHONY: all clean
all: $(OUT)/table.csv
	@cat $<

# The shard lists and the names of the shards, again when the folder changes.
$(OUT)/parts.mk: $(SRC) $(SELF)
	@$(P) lists $(OUT) $(SRC) $(SHARDS)
	@mkdir -p $(@D) && echo "PARTS := $$(ls $(OUT)/lists | sed -n 's/\.txt$$//p' | tr '\n' ' ')" > $@
ifeq ($(filter clean,$(MAKECMDGOALS)),)
-include $(OUT)/parts.mk
endif

$(OUT)/faces/%.wes: $(OUT)/lists/%.txt
	@$(P) align $(OUT) $*
# edits/E/part-NN.wes and metrics/E/part-NN.csv: the stem is E/part-NN
.SECONDEXPANSION:
$(OUT)/edits/%.wes: $(OUT)/faces/$$(notdir $$*).wes $(MODEL)
	@$(P) edit $(OUT) $(notdir $*) $(patsubst %/,%,$(dir $*))
$(OUT)/metrics/%.csv: $(OUT)/edits/%.wes
	@$(P) metrics $(OUT) $(notdir $*) $(patsubst %/,%,$(dir $*))

CSVS := $(foreach e,$(EMOTIONS),$(foreach p,$(PARTS),$(OUT)/metrics/$(e)/$(p).csv))
$(OUT)/table.csv: $(CSVS) $(OUT)/parts.mk
	@$(P) table $(OUT) $(CSVS)

clean:
	rm -rf $(OUT)/lists $(OUT)/faces $(OUT)/edits $(OUT)/photos $(OUT)/metrics $(OUT)/logs $(OUT)/table.csv $(OUT)/parts.mk
