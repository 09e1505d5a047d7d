#!/bin/sh
# test_layers.sh - lib/'s layering: every #include "we_*.h" of a file in
# lib/LAYER/ names a header of LAYER or of a layer below it (order: the
# "Layers (bottom to top):" line of lib/README.md), no include cycles
# between modules (we_x.c + we_x.h), nothing loose in lib/, and every
# repository path cited in lib/, tools/ and kernels/ exists.
. tests/sh/lib.sh

order=$(sed -n 's/^Layers (bottom to top): *//p' lib/README.md)
ok "lib/README.md names the layers" test -n "$order"
loose=$(find lib -maxdepth 1 -type f ! -name README.md | tr '\n' ' ')
is "no source files directly in lib/" "$loose" ""
for d in lib/*/; do
    l=$(basename "$d")
    case " $order " in *" $l "*) r=0 ;; *) r=1; echo "     lib/$l is not in the layer list" ;; esac
    _report $r "lib/$l is a listed layer"
done

# file layer includes: one line per include of a project header
find lib -name 'we_*.[ch]' -o -name 'we_*.cc' | sort | while read -r f; do
    sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\(we_[a-z0-9_]*\.h\)".*/\1/p' "$f" |
        while read -r h; do echo "$f $h"; done
done >"$T/inc"
find lib -name 'we_*.h' | sed 's#^lib/\([a-z]*\)/\(.*\)$#\2 \1#' >"$T/hdr"

awk -v order="$order" '
    BEGIN { n = split(order, o, " "); for (i = 1; i <= n; i++) rank[o[i]] = i }
    FNR == NR { where[$1] = $2; next }
    {
        split($1, p, "/"); from = p[2]; h = $2
        if (!(h in where)) { print "missing header " h " (included by " $1 ")"; bad++; next }
        if (rank[where[h]] > rank[from]) { print $1 " (" from ") includes " h " (" where[h] ")"; bad++ }
    }
    END { exit bad > 0 }' "$T/hdr" "$T/inc" >"$T/up"
r=$?; [ $r -eq 0 ] || sed 's/^/     /' "$T/up"
_report $r "every include goes to the same or a lower layer"

# module graph (we_x.c, we_x.h and a private header we_x_priv.h are one
# module); peel modules without
# outgoing edges until none is left: what remains sits on a cycle.
awk '{ n = split($1, p, "/"); m = p[n]; sub(/\.(c|cc|h)$/, "", m); sub(/_priv$/, "", m)
       d = $2; sub(/\.h$/, "", d); sub(/_priv$/, "", d)
       if (m != d) print m, d }' "$T/inc" | sort -u >"$T/edges"
awk '
    { out[$1]++; src[NR] = $1; dst[NR] = $2; node[$1]; node[$2] } 
    END {
        do {
            changed = 0
            for (v in node) if (!out[v]) {
                for (i = 1; i <= NR; i++) if (dst[i] == v && src[i] != "") { out[src[i]]--; src[i] = "" }
                delete node[v]; changed = 1
            }
        } while (changed)
        for (v in node) { print v; left++ }
        exit left > 0
    }' "$T/edges" >"$T/cyc"
r=$?; [ $r -eq 0 ] || echo "     modules on a cycle: $(tr '\n' ' ' <"$T/cyc")"
_report $r "no include cycle between modules"

# cited paths: lib/..., tools/..., tests/..., doc/..., man/..., kernels/...
# (a path starts the text or follows a character that cannot be part of one,
# so dlib/image_processing.h is not read as lib/...; build/ outputs are not cited)
grep -rhoE '(^|[^A-Za-z0-9_./-])(lib|tools|tests|kernels|doc|man|pipelines|bench|models|scripts)/[A-Za-z0-9_./*{},-]*[A-Za-z0-9*}]' \
    lib tools kernels | sed 's#^[^a-z]##' | sort -u >"$T/cited"
: >"$T/gone"
while read -r p; do
    case "$p" in *'{'*) continue ;; esac
    # shellcheck disable=SC2086
    set -- $p
    [ -e "$1" ] || echo "$p" >>"$T/gone"
done <"$T/cited"
r=0; [ -s "$T/gone" ] && { r=1; echo "     cited but not in the tree: $(tr '\n' ' ' <"$T/gone")"; }
_report $r "every path cited in lib/, tools/ and kernels/ exists ($(wc -l <"$T/cited") cited)"
summary
