# pipelines/generate.mk - a synthetic face set sampled from a model with
# wsample, SHARDS files of N faces per emotion, on one machine
# (workflows/generate.smk is the same on Snakemake/Slurm).
#
#   make -f pipelines/generate.mk MODEL=ckpt OUT=data/gen [EMOTIONS="happy sad ..."]
#        [SHARDS=4] [N=64] [BATCH=16] [STEPS=50] [SEED=1] [WSAMPLE_FLAGS=...] -j2
#
# OUT/E-KK.wes (image frames with the emotion key; shard K of emotion E,
# the I-th of EMOTIONS, has seed SEED + 1000 I + K: pipelines/generate.sh)
# and OUT/summary.txt (faces per file).
MODEL    ?= $(error set MODEL=checkpoint)
OUT      ?= data/gen
EMOTIONS ?= neutral happy sad surprise fear disgust anger contempt
SHARDS   ?= 4
BIN      ?= bin
N        ?= 64
BATCH    ?= 16
STEPS    ?= 50
SEED     ?= 1
WSAMPLE_FLAGS ?=
G := sh $(dir $(lastword $(MAKEFILE_LIST)))generate.sh
export BIN MODEL N BATCH STEPS SEED WSAMPLE_FLAGS

K    := $(shell seq -f %02g 0 $$(($(SHARDS) - 1)))
WES  := $(foreach e,$(EMOTIONS),$(foreach k,$(K),$(OUT)/$(e)-$(k).wes))
.DELETE_ON_ERROR:
.PHONY: all
all: $(OUT)/summary.txt
	@cat $<
$(OUT)/summary.txt: $(WES)
	@$(G) summary $(OUT) $(WES)
$(OUT)/%.wes: $(MODEL)
	@e=$$(echo $* | sed 's/-[0-9]*$$//'); k=$$(echo $* | sed 's/.*-0*//'); \
	  i=$$(echo '$(EMOTIONS)' | tr ' ' '\n' | grep -nx "$$e" | cut -d: -f1); \
	  $(G) shard $(OUT) $$e $$((i - 1)) $${k:-0}
