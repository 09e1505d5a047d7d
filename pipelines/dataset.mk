# pipelines/dataset.mk - a labelled folder of face images -> sharded, aligned
# training streams (image + landmarks + affine + heatmap per face).
#
#   make -f pipelines/dataset.mk SRC=/path/to/set OUT=data/set [S=128] [C=1] -j2
#   make -f pipelines/dataset.mk SRC=... OUT=... stats     (just print the report)
#   make -f pipelines/dataset.mk SRC=... OUT=... clean
#
# SRC holds images/ (any file names; JPEG/PNG by content) and labels.csv
# (image,emotion; the sources' label words are mapped by facealign).
# Each file goes to one shard by a hash of its name (adding a file or
# changing its bytes rebuilds only its shard; touching it, nothing) and to the held-out split when a second
# hash of its name falls below TEST_PCT percent, so the split is by file:
# every face of a file lands on the same side. Outputs, all under OUT:
#   train-NN.wes, test-NN.wes   the streams (facealign | lmheat)
#   lists/*.txt                 input paths per shard (rewritten only on change)
#   lists/*.sum                 md5sums of each shard's files (rewritten only on change)
#   reports/*.tsv               facealign --report: file, status, faces, detector, emotion, detail
#   logs/*.log                  facealign's warnings and summary per shard
#   stats.txt                   per-split per-label face counts, files rejected and why
#   labels.csv                  the labels the shards were made with (a change re-aligns them all)
# The make is parallel (-j) and incremental; the tools come from BIN.

SRC      ?= $(error set SRC=folder with images/ and labels.csv)
OUT      ?= data/dataset
IMAGES   ?= $(SRC)/images
LABELS   ?= $(SRC)/labels.csv
S        ?= 128
C        ?= 3
SHARDS   ?= 16
TEST_PCT ?= 10
BIN      ?= bin
# --whole-frame: pre-cropped faces the detector misses still align.
FACEALIGN_FLAGS ?= --whole-frame
LMHEAT_FLAGS    ?=

SELF := $(lastword $(MAKEFILE_LIST))
.DELETE_ON_ERROR:
.PHONY: all stats clean
all: $(OUT)/stats.txt
	@cat $(OUT)/stats.txt

# Shard lists (pipelines/dataset_lists.sh, shared with workflows/dataset.smk)
# and the dependency makefile. Regenerated when a file is added or removed
# (the folder's mtime), when this file or the parameters change; a list file
# is only rewritten when its contents change, so untouched shards stay up to
# date. Names make cannot express (blanks, : # $ % \ ' ") are listed in
# rejected-names.txt and counted in the stats.
PARAMS := $(SHARDS) $(TEST_PCT)
$(OUT)/params: FORCE | $(OUT)/lists
	@echo '$(PARAMS)' | cmp -s - $@ || echo '$(PARAMS)' > $@
FORCE:
# The labels by content: a copy rewritten only when they change, so a
# labels.csv that is merely touched (a fresh checkout, a re-provisioned
# share) does not re-align every shard.
$(OUT)/labels.csv: $(LABELS) | $(OUT)/lists
	@cmp -s $< $@ || { rm -f $@ && cp $< $@; }
$(OUT)/lists:
	mkdir -p $(OUT)/lists $(OUT)/reports $(OUT)/logs

$(OUT)/shards.mk: $(IMAGES) $(SELF) $(dir $(SELF))dataset_lists.sh $(OUT)/params | $(OUT)/lists
	@sh $(dir $(SELF))dataset_lists.sh '$(OUT)' '$(IMAGES)' $(SHARDS) $(TEST_PCT)
	@{ printf 'SHARD_NAMES :='; for t in $(OUT)/lists/*.txt; do [ -f "$$t" ] && printf ' %s' $$(basename $$t .txt); done; \
	   echo; } > $@.tmp
	@mv $@.tmp $@
	@echo "dataset: $$(cat $(OUT)/lists/*.txt 2>/dev/null | wc -l) files in $$(ls $(OUT)/lists | wc -l) shards"

ifeq ($(filter clean,$(MAKECMDGOALS)),)
-include $(OUT)/shards.mk
endif

SHARD_WES := $(patsubst %,$(OUT)/%.wes,$(SHARD_NAMES))

# The content of a shard's files (pipelines/dataset_sum.sh), checked on
# every run: their times do not count, their bytes do.
$(OUT)/lists/%.sum: $(OUT)/lists/%.txt FORCE
	@sh $(dir $(SELF))dataset_sum.sh $< $@
.PRECIOUS: $(OUT)/lists/%.sum

# One shard: facealign (exit 0, or 65 when files of the shard were skipped:
# no face, corrupt) piped into lmheat; written under a temporary name,
# renamed when complete (pipelines/dataset_shard.sh).
$(OUT)/%.wes: $(OUT)/lists/%.sum $(OUT)/labels.csv | $(BIN)/facealign $(BIN)/lmheat
	@FACEALIGN_FLAGS='$(FACEALIGN_FLAGS)' LMHEAT_FLAGS='$(LMHEAT_FLAGS)' sh $(dir $(SELF))dataset_shard.sh \
	  $(BIN) $(S) $(C) $(LABELS) $(OUT)/lists/$*.txt $@ $(OUT)/reports/$*.tsv $(OUT)/logs/$*.log

$(OUT)/reports/%.tsv: $(OUT)/%.wes
	@test -f $@

# The report: faces per split and label, files by outcome, reasons
# (pipelines/dataset_stats.sh).
$(OUT)/stats.txt: $(SHARD_WES) $(OUT)/shards.mk $(dir $(SELF))dataset_stats.sh
	@sh $(dir $(SELF))dataset_stats.sh '$(OUT)' '$(SRC)' $(S) $(C) $(SHARD_NAMES) > $@.tmp
	@mv $@.tmp $@

stats: $(OUT)/stats.txt
	@cat $<

clean:
	rm -rf $(OUT)/lists $(OUT)/reports $(OUT)/logs $(OUT)/*.wes $(OUT)/stats.txt $(OUT)/shards.mk \
	  $(OUT)/params $(OUT)/rejected-names.txt $(OUT)/labels.csv
