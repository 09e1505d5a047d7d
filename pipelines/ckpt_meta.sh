# pipelines/ckpt_meta.sh - sourced by the pipeline scripts and tests:
#   ckpt_meta FILE KEY   prints the value of KEY in a safetensors file's
#                        __metadata__ (first 1 MiB), nothing if absent.
# Values may hold commas (conditions = "label,va").
ckpt_meta() {
    head -c 1048576 "$1" | grep -ao "\"$2\" *: *\"[^\"]*\"" | head -n 1 | sed 's/.*: *"\(.*\)"/\1/'
}
