#!/bin/sh
# scripts/setup.sh - install what WaveEmotion needs on Debian 12, then fetch
# the face-api package (weights + demo photos) from the npm registry.
#
#   sh scripts/setup.sh          install missing packages (apt-get, as root or via sudo)
#   sh scripts/setup.sh --check  same, but quiet when everything is present
#
# Idempotent: a second run installs nothing.
set -eu
cd "$(dirname "$0")/.."
quiet=0
[ "${1:-}" = "--check" ] && quiet=1

# Build and runtime libraries, then the test oracles and tooling
# (python3-* make golden files and run benchmarks' reference side only;
# libmicrohttpd is weserve's HTTP server, chromium + selenium its browser test;
# the cluster path: Snakemake + a Slurm single-node test (workflows/), MPI
# data-parallel wtrain (openmpi; the default build does not need it)).
PKGS="build-essential pkg-config libpng-dev libjpeg62-turbo-dev libdlib-dev libdlib-data
libopenblas-dev liblapack-dev python3-numpy python3-pywt python3-scipy python3-torch
clang libclang-rt-14-dev afl++ gnuplot-nox imagemagick webp time
libmicrohttpd-dev chromium chromium-driver python3-selenium
snakemake slurm-wlm slurm-client munge openmpi-bin libopenmpi-dev"
# Node.js may come from elsewhere with its own npm; only then skip Debian's.
command -v npm >/dev/null 2>&1 || PKGS="$PKGS nodejs npm"

missing=""
for p in $PKGS; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
    echo "setup: installing Debian packages:$missing"
    SUDO=""
    [ "$(id -u)" -ne 0 ] && SUDO=sudo
    $SUDO apt-get update -q
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends $missing
elif [ $quiet -eq 0 ]; then
    echo "setup: Debian packages present"
fi

# face-api 1.7.15 (MIT): network weights for femo/fid and demo photos.
# Fetched with npm, never committed. The tarball's checksum is pinned.
FA=third_party/face-api
FA_VER=1.7.15
FA_SHA256=0d77fffeef362ef9c0939cf6c567f3a2e8e177f114fa257a3270cbd2e509b031
if [ ! -f "$FA/package.json" ]; then
    echo "setup: fetching @vladmandic/face-api@$FA_VER from the npm registry"
    mkdir -p third_party
    tmp=$(mktemp -d)
    (cd "$tmp" && npm pack --silent "@vladmandic/face-api@$FA_VER" >/dev/null 2>&1) || {
        echo "setup: npm pack failed (no network to the npm registry?)" >&2; rm -rf "$tmp"; exit 69; }
    tgz=$(ls "$tmp"/*.tgz)
    if [ -n "$FA_SHA256" ]; then
        echo "$FA_SHA256  $tgz" | sha256sum -c --quiet - || { echo "setup: checksum mismatch for $tgz" >&2; exit 65; }
    fi
    rm -rf "$FA.tmp" && mkdir -p "$FA.tmp"
    tar xzf "$tgz" -C "$FA.tmp" --strip-components=1 package/model package/demo package/package.json package/LICENSE
    rm -rf "$FA" && mv "$FA.tmp" "$FA" && rm -rf "$tmp"
elif [ $quiet -eq 0 ]; then
    echo "setup: $FA present"
fi
[ $quiet -eq 0 ] && echo "setup: done; now run 'make'"
exit 0
