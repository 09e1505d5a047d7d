#!/bin/sh
# test_bad_inputs.sh - a table of bad inputs through every tool (issue 17).
# Each row must: exit with a sysexits status (64..78; or the one given),
# print exactly LINES lines on stderr (1 unless given), nothing on stdout,
# stay under RSS MiB of resident memory (512 unless given) and finish
# within the time bound. Inputs are made here (no big files in the repo);
# every one is under 1 MB except the model copies (11 MB, as shipped).
#
# To add a row, add a line to the table at the end:
#     CODE LINES RSS | what | shell command (run in $T, tools on PATH)
# CODE: an exit status, or `any` for any sysexits status; LINES and RSS:
# a number or `-` for the defaults. The command's own stdout and stderr are
# what is checked; redirect inside it only what is not the tool's.
. tests/sh/lib.sh
export WE_PROGRESS=0
TLIM=${WE_BAD_INPUT_TIMEOUT:-60}
have_time=1
[ -x /usr/bin/time ] || { have_time=0; echo "note: /usr/bin/time missing (scripts/setup.sh installs it): RSS unchecked"; }

# ---- inputs ------------------------------------------------------------
export MODEL="$PWD/models/default.safetensors"
cd "$T" || exit 70
frame() { # name dtype dims... : a frame header; the payload follows from stdin
    n=$1 d=$2; shift 2; printf 'WES1 %s %s %s\nid=x\n\n' "$n" "$d" "$*"; }
f32() { python3 -c "import struct,sys; sys.stdout.buffer.write(struct.pack('<%df' % len(sys.argv[1:]), *map(float, sys.argv[1:])))" "$@"; }
rep() { # value count: count f32 copies of value
    python3 -c "import struct,sys; sys.stdout.buffer.write(struct.pack('<f', float(sys.argv[1])) * int(sys.argv[2]))" "$1" "$2"; }
have_py=1
command -v python3 >/dev/null 2>&1 || have_py=0
if [ $have_py -eq 1 ]; then
    { frame image f32 1 8 8; rep nan 64; } > nan_image.wes
    { frame image f32 1 8 8; rep 0 63; rep inf 1; } > inf_image.wes
    { frame image f32 1 8 8; rep 3e38 64; } > big_image.wes
    { frame wavelet f32 4 4 4; rep 0 20; rep nan 44; } > nan_wavelet.wes
    { frame landmarks f32 68 2; rep nan 136; } > nan_landmarks_bare.wes
    python3 - <<'EOF'
import struct, zlib, json
def png(path, w, h, depth=8, ctype=0):
    bpp = {0: 1, 2: 3}[ctype]
    row = b'\x00' + b'\x80' * ((w * bpp * depth + 7) // 8)
    z = zlib.compressobj(9)
    data = b''.join(z.compress(row) for _ in range(h)) + z.flush()
    def chunk(t, d): return struct.pack('>I', len(d)) + t + d + struct.pack('>I', zlib.crc32(t + d) & 0xffffffff)
    open(path, 'wb').write(b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', struct.pack('>IIBBBBB', w, h, depth, ctype, 0, 0, 0))
                           + chunk(b'IDAT', data) + chunk(b'IEND', b''))
png('wide.png', 30000, 1)          # 1 x 30000: facealign once asked for 16 GB
png('bomb16k.png', 16384, 16384)   # ~300 KB, 268 Mpx: imgread once took 3.9 GB
png('bit16k.png', 16000, 16000, 1) # 1-bit, ~50 KB
png('flat.png', 48, 40, 8, 2)
png('m4096.png', 4096, 4096)       # ~20 KB, within the budget
open('trunc.png', 'wb').write(open('flat.png', 'rb').read()[:60])
def st(path, edit):  # a copy of the shipped model with its header edited
    b = open(MODEL, 'rb').read()
    n = struct.unpack('<Q', b[:8])[0]
    h = json.loads(b[8:8 + n]); data = bytearray(b[8 + n:])
    edit(h, data)
    hb = json.dumps(h).encode()
    open(path, 'wb').write(struct.pack('<Q', len(hb)) + hb + bytes(data))
import os
MODEL = os.environ['MODEL']
def nanw(h, d): d[0:4] = struct.pack('<f', float('nan'))
def nope(h, d): h['__metadata__']['wavelet'] = 'nope'
def bigT(h, d): h['__metadata__']['T'] = '2000000000'
def overlap(h, d):
    ks = sorted((k for k in h if k != '__metadata__'), key=lambda k: h[k]['data_offsets'][0])
    a, b = h[ks[0]]['data_offsets'], h[ks[1]]['data_offsets']
    h[ks[1]]['data_offsets'] = [a[1] - 4, a[1] - 4 + (b[1] - b[0])]
st('nanw.st', nanw); st('nope.st', nope); st('bigT.st', bigT); st('overlap.st', overlap)
def npy(path, descr, vals, fmt):
    hdr = "{'descr': '%s', 'fortran_order': False, 'shape': (%d,), }" % (descr, len(vals))
    pad = (64 - (10 + len(hdr) + 1) % 64) % 64
    hdr = hdr + ' ' * pad + '\n'
    open(path, 'wb').write(b'\x93NUMPY\x01\x00' + struct.pack('<H', len(hdr)) + hdr.encode() + struct.pack('<%d%s' % (len(vals), fmt), *vals))
npy('big.npy', '<f8', [1.0, 1e300], 'd')
npy('nan.npy', '<f4', [1.0, float('nan')], 'f')
EOF
fi
printf 'WES1 image f32 1 100000 100000\nid=x\n\n' > huge_header.wes
printf 'WES1 image u8 1 8 8\nid=x\n\n' > trunc.wes
head -c 4096 /dev/urandom > garbage.bin
: > empty.bin
# A face stream of the 48x40 flat photo (whole-frame landmarks), and
# copies with a NaN landmark, a 3e9 affine and repeated ids.
F="$OLDPWD/tests/fuzz"
cp "$F/regress/facepaste/nan_landmarks.wes" "$F/regress/facepaste/affine_3e9.wes" . 2>/dev/null
cp "$F/regress/image/png_huge_ihdr.png" "$F/regress/image/jpeg_huge_sof.jpg" . 2>/dev/null
cp "$F/seed/wdenoise/haar_heat.wes" face_wavelet.wes 2>/dev/null
[ -f face_wavelet.wes ] && cat face_wavelet.wes face_wavelet.wes > twice.wes
cd "$OLDPWD" || exit 70

# ---- the runner --------------------------------------------------------
is_sysexit() { [ "$1" -ge 64 ] && [ "$1" -le 78 ]; }
row() { # code lines rss what cmd
    code=$1 lines=$2 rss=$3 what=$4 cmd=$5
    [ "$lines" = - ] && lines=1
    [ "$rss" = - ] && rss=512
    if [ $have_time -eq 1 ]; then
        (cd "$T" && exec /usr/bin/time -f %M -o "$T/.rss" timeout -s KILL "$TLIM" sh -c "$cmd") </dev/null >"$T/.out" 2>"$T/.err"
    else
        (cd "$T" && exec timeout -s KILL "$TLIM" sh -c "$cmd") </dev/null >"$T/.out" 2>"$T/.err"
    fi
    rc=$?
    r=0
    if [ $rc -eq 137 ] || [ $rc -eq 124 ]; then echo "     killed after ${TLIM} s"; r=1
    elif [ "$code" = any ]; then is_sysexit $rc || { echo "     exit $rc is no sysexits status"; r=1; }
    elif [ $rc -ne "$code" ]; then echo "     want exit $code, got $rc"; r=1; fi
    [ -s "$T/.out" ] && { echo "     stdout not empty ($(wc -c <"$T/.out") bytes)"; r=1; }
    n=$(wc -l <"$T/.err")
    [ "$n" -eq "$lines" ] || { echo "     $n stderr lines, want $lines"; r=1; }
    [ $r -eq 0 ] || sed 's/^/     stderr: /' "$T/.err" | head -5
    if [ $have_time -eq 1 ]; then
        kb=$(tail -n 1 "$T/.rss")
        [ "$kb" -gt "$maxkb" ] && maxkb=$kb maxwhat=$what
        [ "$kb" -le $((rss * 1024)) ] || { echo "     RSS $((kb / 1024)) MiB above $rss MiB"; r=1; }
        what="$what [$((kb / 1024)) MiB]"
    fi
    _report $r "$what"
}
maxkb=0 maxwhat=
table() {
    while IFS='|' read -r spec what cmd; do
        case $spec in ''|'#'*) continue ;; esac
        set -- $spec
        case $cmd in *python-input*) [ $have_py -eq 1 ] || { echo "skip (no python3): $what"; continue; } ;; esac
        case $cmd in *face-api*) [ -d "$PWD/third_party/face-api/model" ] || { echo "skip (no face-api weights): $what"; continue; } ;; esac
        row "$1" "$2" "$3" "$(echo "$what" | sed 's/^ *//; s/ *$//')" "$cmd"
    done
}

# ---- the table ---------------------------------------------------------
# Comments may follow `#` at a line's start. python-input marks rows whose
# input python3 made; face-api marks rows that need its weights.
table <<'EOF'
64 - -   | WE_MAX_BYTES=abc refused                      | WE_MAX_BYTES=abc dwt < trunc.wes
64 - -   | WE_MAX_PIXELS=0 refused                        | WE_MAX_PIXELS=0 imgread flat.png
64 - -   | WE_MAX_PIXELS=1x refused                       | WE_MAX_PIXELS=1x tsinfo trunc.wes
65 - -   | dwt: truncated frame                           | dwt < trunc.wes
65 - -   | dwt: garbage                                   | dwt < garbage.bin
65 - -   | dwt: 100000x100000 header                      | dwt < huge_header.wes
65 - -   | dwt: NaN pixels (python-input)                 | dwt < nan_image.wes
65 - -   | dwt: Inf pixel (python-input)                  | dwt < inf_image.wes
65 2 -   | dwt: 3e38 pixels overflow to inf (python-input; skipped + summary) | dwt < big_image.wes
65 - -   | iwt: NaN wavelet (python-input)                | iwt -t < nan_wavelet.wes
65 - -   | iwt: garbage                                   | iwt -t < garbage.bin
64 2 -   | iwt -o width 999999999                         | iwt -o 'out/%0999999999d.png' < face_wavelet.wes
64 2 -   | iwt -o without a conversion                    | iwt -o out.png < face_wavelet.wes
65 - -   | iwt -o %s with repeated ids                    | mkdir -p o && iwt -o 'o/%s.png' < twice.wes
65 - -   | imgread: /dev/zero refused at once             | imgread < /dev/zero
65 - -   | imgread: empty file                            | imgread empty.bin
65 - -   | imgread: garbage                               | imgread garbage.bin
65 - -   | imgread: truncated PNG (python-input)          | imgread trunc.png
65 - -   | imgread: 16384^2 PNG bomb (python-input)       | imgread bomb16k.png
65 - -   | imgread -s 64 -t u8: 16384^2 PNG bomb (python-input) | imgread -s 64 -t u8 bomb16k.png
65 - -   | imgread: 1-bit 16000^2 PNG (python-input)      | imgread bit16k.png
65 - -   | imgread: huge IHDR                             | imgread png_huge_ihdr.png
65 - -   | imgread: huge SOF                              | imgread -s 64 jpeg_huge_sof.jpg
66 - -   | imgread: missing file                          | imgread no-such.png
65 2 -   | facealign: 1x30000 PNG (python-input)          | facealign -s 64 -c 1 wide.png
65 2 -   | facealign: 16384^2 PNG bomb (python-input)     | facealign -s 64 bomb16k.png
65 2 -   | facealign: 1-bit 16000^2 PNG (python-input)    | facealign -s 64 bit16k.png
65 2 -   | facealign -u 3: 4096^2 upsampled 64x (python-input) | facealign -u 3 -s 64 m4096.png
65 2 -   | facealign: garbage                             | facealign garbage.bin
65 2 -   | facepaste: NaN landmarks (python-input; photo kept, -o) | facepaste -o kept1.png flat.png nan_landmarks.wes
65 3 -   | facepaste: affine 1,0,3e9,0,1,500 (python-input; photo kept, -o) | facepaste -o kept2.png flat.png affine_3e9.wes
65 - -   | facepaste: truncated stream (python-input)     | facepaste -f png flat.png trunc.wes
65 - -   | facepaste: PNG bomb photo (python-input)       | facepaste -f png bomb16k.png face_wavelet.wes
65 - -   | lmheat: NaN landmarks (python-input)           | lmheat < nan_landmarks_bare.wes
65 - -   | lmheat: garbage                                | lmheat < garbage.bin
65 - -   | lmtarget: garbage                              | lmtarget -o lmt.st < garbage.bin
65 - -   | lmnme: garbage                                 | lmnme < garbage.bin
65 - -   | lmnme: NaN landmarks (python-input)            | lmnme -b landmarks < nan_landmarks_bare.wes
65 - -   | lmnme: no item with both frames (python-input) | lmnme < nan_image.wes
64 2 -   | lmnme: bad frame name                          | lmnme -a Bad < garbage.bin
66 - -   | lmnme: missing file                            | lmnme no_such.wes
65 - 700 | wdenoise: NaN in a wavelet frame (python-input) | wdenoise -e happy < nan_wavelet.wes
65 - 700 | wdenoise: model with a NaN weight (python-input) | wdenoise -m nanw.st -e happy < face_wavelet.wes
65 - 700 | wdenoise: model wavelet=nope (python-input)    | wdenoise -m nope.st -e happy < face_wavelet.wes
65 - 700 | wdenoise: model T=2000000000 (python-input)    | wdenoise -m bigT.st -e happy < face_wavelet.wes
65 - 700 | wdenoise: overlapping offsets (python-input)   | wdenoise -m overlap.st -e happy < face_wavelet.wes
65 - 700 | wdenoise: garbage stream                       | wdenoise -e happy < garbage.bin
65 - -   | tsconv --from npy: f8 1e300 (python-input)     | tsconv --from npy big.npy
65 - -   | tsconv --from npy: NaN f4 (python-input)       | tsconv --from npy nan.npy
65 - -   | tsconv --to npy: NaN frame (python-input)      | tsconv --to npy nan_image.wes
65 - -   | tsconv --from npy: garbage                     | tsconv --from npy garbage.bin
65 - -   | tsinfo: garbage                                | tsinfo garbage.bin
65 - -   | tsinfo: truncated                              | tsinfo trunc.wes
any - -  | tscmp: garbage                                 | tscmp garbage.bin trunc.wes
65 - -   | wmontage: NaN image (python-input)             | wmontage -o m.png nan_image.wes
65 - -   | wmontage: garbage                              | wmontage -o m.png garbage.bin
65 - 700 | wtrain: NaN image (python-input)               | wtrain -m w.st -n 1 nan_image.wes
65 - 700 | wtrain: garbage                                | wtrain -m w.st -n 1 garbage.bin
any - -  | wdtrain: NaN image (python-input)              | wdtrain -o d.st nan_image.wes
65 - 700 | wsample: model with a NaN weight (python-input) | wsample -m nanw.st -n 1
any - -  | femo: NaN image (python-input) face-api        | femo < nan_image.wes
any - -  | femo: garbage face-api                         | femo < garbage.bin
any - -  | fid: garbage face-api                          | fid garbage.bin garbage.bin
any - -  | femetrics: garbage                             | femetrics garbage.bin garbage.bin
EOF
[ $have_time -eq 1 ] && echo "largest RSS: $((maxkb / 1024)) MiB ($maxwhat)"
summary
