#!/bin/sh
# test_weserve_browser.sh - weserve end to end in a real browser: start it
# on a free loopback port, then headless chromium (selenium + chromedriver,
# installed by scripts/setup.sh) uploads a face-api demo photo, edits one
# face to "sad" with 2 steps, checks before/after and the download
# (tests/browser/weserve_page.py); the screenshot goes to out/weserve/.
# Skips with a message only where no browser or selenium is installed.
. tests/sh/lib.sh

ok "weserve --help" weserve --help
fails 64 "an unknown option: usage error" weserve --bogus
fails 66 "a missing model: 66" weserve -p 0 -m "$T/none.safetensors"
fails 64 "a bad address: usage error" weserve -p 0 -a not-an-address -D ''

photo=third_party/face-api/demo/sample1.jpg
py=""
for p in /usr/bin/python3 python3; do
    command -v "$p" >/dev/null 2>&1 && "$p" -c 'import selenium' 2>/dev/null && { py=$p; break; }
done
browser=$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)
if [ -z "$py" ] || [ -z "$browser" ] || [ ! -f "$photo" ]; then
    echo "skip: browser test needs chromium, chromedriver, python3-selenium and $photo (sh scripts/setup.sh)"
    summary; exit
fi

weserve -p 0 --port-file "$T/port" -s 2 --max-steps 8 -q 2 2>"$T/serve.err" &
pid=$!
i=0
while [ ! -s "$T/port" ] && [ $i -lt 600 ] && kill -0 $pid 2>/dev/null; do sleep 0.1; i=$((i + 1)); done
port=$(cat "$T/port" 2>/dev/null)
ok "weserve listens (port ${port:-none})" test -n "$port"
if [ -n "$port" ]; then
    mkdir -p out/weserve
    "$py" tests/browser/weserve_page.py "http://127.0.0.1:$port/" "$photo" out/weserve 2 >"$T/page.out" 2>"$T/page.err"
    rc=$?
    cat "$T/page.out"
    if [ $rc -eq 77 ]; then
        echo "skip: $(tail -n 1 "$T/page.out")"
    else
        [ $rc -eq 0 ] || { echo "     exit $rc: $(tail -n 5 "$T/page.err")"; }
        _report $rc "the page script ran to its end"
        p=$(grep -c '^ok ' "$T/page.out"); f=$(grep -c '^FAIL' "$T/page.out")
        _pass=$((_pass + p)); _fail=$((_fail + f))
        [ "$p" -ge 15 ]; _report $? "every page check reported ($p)"
    fi
    kill -TERM $pid
    wait $pid
    is "weserve stops cleanly on SIGTERM" "$?" 0
    grep -q "terminated, stopping" "$T/serve.err"; _report $? "and says so"
else
    kill $pid 2>/dev/null
    sed 's/^/     /' "$T/serve.err"
fi
summary
