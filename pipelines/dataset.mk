# pipelines/dataset.mk - a labelled folder of face images -> sharded, aligned
# training streams (image + landmarks + affine + heatmap per face).
#
#   make -f pipelines/dataset.mk SRC=/path/to/set OUT=data/set [S=128] [C=1] -j2
#   make -f pipelines/dataset.mk SRC=... OUT=... stats     (just print the report)
#   make -f pipelines/dataset.mk SRC=... OUT=... clean
#
# SRC holds images/ (any file names; JPEG/PNG by content) and labels.csv
# (image,emotion; the sources' label words are mapped by facealign).
# Each file goes to one shard by a hash of its name (adding or touching a
# file rebuilds only its shard) and to the held-out split when a second
# hash of its name falls below TEST_PCT percent, so the split is by file:
# every face of a file lands on the same side. Outputs, all under OUT:
#   train-NN.wes, test-NN.wes   the streams (facealign | lmheat)
#   lists/*.txt                 input paths per shard (rewritten only on change)
#   reports/*.tsv               facealign --report: file, status, faces, detector, emotion, detail
#   logs/*.log                  facealign's warnings and summary per shard
#   stats.txt                   per-split per-label face counts, files rejected and why
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

# Shard lists and the dependency makefile. Regenerated when a file is added
# or removed (the folder's mtime), when this file or the parameters change;
# a list file is only rewritten when its contents change, so untouched
# shards stay up to date. Names make cannot express (blanks, : # $ % \ ' ")
# are listed in rejected-names.txt and counted in the stats.
PARAMS := $(SHARDS) $(TEST_PCT)
$(OUT)/params: FORCE | $(OUT)/lists
	@echo '$(PARAMS)' | cmp -s - $@ || echo '$(PARAMS)' > $@
FORCE:
$(OUT)/lists:
	mkdir -p $(OUT)/lists $(OUT)/reports $(OUT)/logs

$(OUT)/shards.mk: $(IMAGES) $(SELF) $(OUT)/params | $(OUT)/lists
	@ls -1 $(IMAGES) | LC_ALL=C sort | LC_ALL=C awk -v dir='$(IMAGES)' -v out='$(OUT)' \
	    -v shards=$(SHARDS) -v pct=$(TEST_PCT) ' \
	  BEGIN { for (i = 1; i < 256; i++) ord[sprintf("%c", i)] = i } \
	  { if ($$0 ~ /[][ \t:#$$%\\'"'"'"*?]/) { print $$0 > (out "/rejected-names.txt.tmp"); next } \
	    h1 = 0; h2 = 7; n = length($$0); \
	    for (i = 1; i <= n; i++) { c = ord[substr($$0, i, 1)]; \
	      h1 = (h1 * 31 + c) % 2147483647; h2 = (h2 * 131 + c) % 2147483629 } \
	    split_ = (h2 % 100 < pct) ? "test" : "train"; \
	    name = sprintf("%s-%02d", split_, h1 % shards); \
	    print dir "/" $$0 > (out "/lists/" name ".txt.tmp"); names[name] = 1 } \
	  END { for (s = 0; s < shards; s++) { names[sprintf("train-%02d", s)] = 1; names[sprintf("test-%02d", s)] = 1 } \
	    for (nm in names) print nm }' > $(OUT)/shardnames.tmp
	@touch $(OUT)/rejected-names.txt.tmp
	@for n in $$(cat $(OUT)/shardnames.tmp); do t=$(OUT)/lists/$$n.txt; \
	  if [ ! -s $$t.tmp ]; then rm -f $$t.tmp $$t; continue; fi; \
	  if cmp -s $$t.tmp $$t; then rm -f $$t.tmp; else mv $$t.tmp $$t; fi; done
	@cmp -s $(OUT)/rejected-names.txt.tmp $(OUT)/rejected-names.txt && rm -f $(OUT)/rejected-names.txt.tmp \
	  || mv $(OUT)/rejected-names.txt.tmp $(OUT)/rejected-names.txt
	@rm -f $(OUT)/shardnames.tmp
	@{ printf 'SHARD_NAMES :='; for t in $(OUT)/lists/*.txt; do [ -f "$$t" ] && printf ' %s' $$(basename $$t .txt); done; echo; \
	   for t in $(OUT)/lists/*.txt; do [ -f "$$t" ] || continue; n=$$(basename $$t .txt); \
	     printf '$(OUT)/%s.wes $(OUT)/reports/%s.tsv:' $$n $$n; tr '\n' ' ' < $$t; echo; done; } > $@.tmp
	@mv $@.tmp $@
	@echo "dataset: $$(cat $(OUT)/lists/*.txt 2>/dev/null | wc -l) files in $$(ls $(OUT)/lists | wc -l) shards"

ifeq ($(filter clean,$(MAKECMDGOALS)),)
-include $(OUT)/shards.mk
endif

SHARD_WES := $(patsubst %,$(OUT)/%.wes,$(SHARD_NAMES))

# One shard: facealign (exit 0, or 65 when files of the shard were skipped: no face, corrupt)
# piped into lmheat; written under a temporary name, renamed when complete.
$(OUT)/%.wes: $(OUT)/lists/%.txt $(LABELS) | $(BIN)/facealign $(BIN)/lmheat
	@echo "dataset: $*"
	@{ $(BIN)/facealign -F -s $(S) -c $(C) $(FACEALIGN_FLAGS) -e $(LABELS) -L $< -r $(OUT)/reports/$*.tsv \
	     2> $(OUT)/logs/$*.log; echo $$? > $@.rc; } | $(BIN)/lmheat $(LMHEAT_FLAGS) > $@.tmp
	@rc=$$(cat $@.rc); rm -f $@.rc; \
	  if [ "$$rc" != 0 ] && [ "$$rc" != 65 ]; then echo "dataset: facealign failed ($$rc) on $*: $$(tail -n 1 $(OUT)/logs/$*.log)" >&2; rm -f $@.tmp; exit 1; fi
	@mv $@.tmp $@

$(OUT)/reports/%.tsv: $(OUT)/%.wes
	@test -f $@

# The report: faces per split and label, files by outcome, reasons.
$(OUT)/stats.txt: $(SHARD_WES) $(OUT)/shards.mk
	@cat $(patsubst %,$(OUT)/reports/%.tsv,$(SHARD_NAMES)) /dev/null | LC_ALL=C awk -F '\t' \
	    -v rej=$$(wc -l < $(OUT)/rejected-names.txt) -v src='$(SRC)' -v s=$(S) -v c=$(C) ' \
	  { split_ = $$1; sub(/.*\//, "", split_); files++; st[$$2]++; \
	    sp = FILENAME; } \
	  $$2 == "ok" { faces += $$3; det[$$4] += $$3; lab[$$5] += $$3 } \
	  $$2 != "ok" { r = $$6; gsub(/[0-9]+x[0-9]+/, "WxH", r); sub(/^.*: /, "", r); why[$$2 ": " r]++ } \
	  $$2 == "ok" && $$5 == "-" { nolab[$$6]++ } \
	  END { printf "dataset %s (S=%d, C=%d)\n", src, s, c; \
	    printf "files: %d read, %d with faces, %d rejected, %d names skipped\n", files, st["ok"], files - st["ok"], rej; \
	    printf "faces: %d (detector hog %d, whole-frame landmarks %d)\n", faces, det["hog"], det["whole"]; \
	    printf "faces per label:"; for (l in lab) printf " %s=%d", l, lab[l]; printf "\n"; \
	    for (w in nolab) printf "  faces without a label: %d (%s)\n", nolab[w], w; \
	    printf "files rejected, by reason:\n"; for (w in why) printf "  %6d  %s\n", why[w], w }' > $@.tmp
	@for sp in train test; do \
	  n=$$(ls $(OUT)/reports/$$sp-*.tsv 2>/dev/null | wc -l); [ $$n -gt 0 ] || continue; \
	  cat $(OUT)/reports/$$sp-*.tsv | awk -F '\t' -v sp=$$sp '$$2 == "ok" { f += $$3; l[$$5] += $$3; n++ } \
	    END { printf "%s: %d files, %d faces:", sp, n, f; for (k in l) printf " %s=%d", k, l[k]; printf "\n" }'; \
	done >> $@.tmp
	@mv $@.tmp $@

stats: $(OUT)/stats.txt
	@cat $<

clean:
	rm -rf $(OUT)/lists $(OUT)/reports $(OUT)/logs $(OUT)/*.wes $(OUT)/stats.txt $(OUT)/shards.mk \
	  $(OUT)/params $(OUT)/rejected-names.txt
