# tests/sh/lib.sh - helpers for shell tests of the tools. Source it, call
# ok/fails/..., end with `summary`. Runs from the repo root with bin/ on PATH.
set -u
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
_pass=0 _fail=0
_report() { # status message
    if [ "$1" -eq 0 ]; then _pass=$((_pass + 1)); echo "ok   $2"
    else _fail=$((_fail + 1)); echo "FAIL $2"; fi
}
# ok "what" cmd...   : command must exit 0
ok() { what=$1; shift; "$@" >"$T/.out" 2>"$T/.err"; rc=$?
    [ $rc -eq 0 ] || { echo "     exit $rc: $(head -c 300 "$T/.err")"; }; _report $rc "$what"; }
# fails CODE "what" cmd... : command must exit CODE with empty stdout and a
# "prog: ..." message on stderr
fails() { code=$1 what=$2; shift 2; "$@" >"$T/.out" 2>"$T/.err"; rc=$?
    r=0
    [ $rc -eq "$code" ] || { echo "     want exit $code, got $rc: $(head -c 300 "$T/.err")"; r=1; }
    [ -s "$T/.out" ] && { echo "     stdout not empty ($(wc -c <"$T/.out") bytes)"; r=1; }
    [ -s "$T/.err" ] || { echo "     no message on stderr"; r=1; }
    _report $r "$what"; }
# is "what" got want
is() { [ "$2" = "$3" ] && r=0 || { r=1; echo "     got '$2', want '$3'"; }; _report $r "$1"; }
# check "what" cmd... : like ok but output kept in $T/.out for inspection
summary() { echo "$_pass passed, $_fail failed"; [ $_fail -eq 0 ]; }
# needs_model_helper: sets helper (build/tests/test_edit: --write-model
# writes tiny random models) and photo (face-api's first demo photo); skips
# the whole test, with the reason, when either is missing
needs_model_helper() {
    helper=build/tests/test_edit
    photo=third_party/face-api/demo/sample1.jpg
    if [ ! -x "$helper" ] || [ ! -f "$photo" ]; then
        echo "skip: needs $helper (make) and $photo (sh scripts/setup.sh)"
        summary; exit
    fi
}
# labelled_face_set N "LABELS...": $T/data/a (images/ + labels.csv) of N
# copies of face-api's first demo photo's faces (48 px PNGs, face0..faceN-1)
# labelled by cycling through LABELS; skips the whole test without the photo
labelled_face_set() {
    photo=third_party/face-api/demo/sample1.jpg
    [ -f "$photo" ] || { echo "skip: needs $photo (sh scripts/setup.sh)"; summary; exit; }
    mkdir -p "$T/faces" "$T/data/a/images"
    ok "fixture faces" sh -c "facealign -a -s 48 -c 1 $photo | dwt | iwt -o '$T/faces/f%d.png'"
    _nf=$(ls "$T/faces" | wc -l) _nl=$(echo $2 | wc -w)
    echo image,emotion > "$T/data/a/labels.csv"
    _i=0
    while [ $_i -lt "$1" ]; do
        cp "$T/faces/f$((_i % _nf)).png" "$T/data/a/images/face$_i.png"
        echo "face$_i.png,$(echo $2 | cut -d' ' -f$((_i % _nl + 1)))" >> "$T/data/a/labels.csv"
        _i=$((_i + 1))
    done
}
