"""bench/bench_serve.py - load on a running weserve (loopback only): N
clients, each uploading the photo once, then editing one face again and
again (POST /api/edit, poll /api/job, GET the result) for a bounded time.
Reports edits/s, p50/p95 latency (ask -> result fetched), the requests
refused on purpose (429 one-at-a-time, 503 busy: retried after a pause),
any other failure, and the server's resident memory sampled every second.

    python3 bench_serve.py URL PHOTO PID [CLIENTS] [SECONDS] [STEPS]"""
import json
import sys
import threading
import time
import urllib.error
import urllib.request

url, photo, pid = sys.argv[1].rstrip("/"), sys.argv[2], int(sys.argv[3])
nclients = int(sys.argv[4]) if len(sys.argv) > 4 else 4
seconds = float(sys.argv[5]) if len(sys.argv) > 5 else 60
steps = sys.argv[6] if len(sys.argv) > 6 else "4"
lock = threading.Lock()
lat, refused, failed, rss = [], {"429": 0, "503": 0}, [], []
stop = time.time() + seconds


def req(method, path, body=None, client="", ctype=None):
    r = urllib.request.Request(url + path, data=body, method=method, headers={"X-WE-Client": client})
    if ctype:
        r.add_header("Content-Type", ctype)
    with urllib.request.urlopen(r, timeout=600) as f:
        return f.status, f.read()


def client(i):
    cid = "benchclient%04d" % i
    data = open(photo, "rb").read()
    _, b = req("POST", "/api/photo", data, cid, "image/jpeg")
    p = json.loads(b)
    nf = len(p["faces"])
    k = 0
    while time.time() < stop:
        t0 = time.time()
        try:
            _, b = req("POST", "/api/edit?photo=%s&faces=%d&emotion=sad&steps=%s" % (p["photo"], k % nf, steps),
                       None, cid)
        except urllib.error.HTTPError as e:
            if str(e.code) in refused:
                with lock:
                    refused[str(e.code)] += 1
                time.sleep(1)
                continue
            with lock:
                failed.append("edit %d: %s" % (e.code, e.read()[:200]))
            continue
        job = json.loads(b)["job"]
        while True:
            _, b = req("GET", "/api/job?job=" + job, None, cid)
            j = json.loads(b)
            if j["state"] in ("done", "failed"):
                break
            time.sleep(0.2)
        if j["state"] == "failed":
            with lock:
                failed.append("job: " + j["error"])
            continue
        st, img = req("GET", "/api/result?job=%s&what=photo" % job, None, cid)
        t1 = time.time()
        with lock:
            if st == 200 and len(img) > 1000 and t1 <= stop + 600:
                lat.append((t1, t1 - t0, j["seconds"]))
            else:
                failed.append("result %d" % st)
        k += 1


def sample_rss():
    while time.time() < stop + 1:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    rss.append(int(line.split()[1]) // 1024)
        time.sleep(1)


t_start = time.time()
ths = [threading.Thread(target=client, args=(i,)) for i in range(nclients)] + [threading.Thread(target=sample_rss)]
for t in ths:
    t.start()
for t in ths:
    t.join()
wall = time.time() - t_start
ls = sorted(x[1] for x in lat)
run = sorted(x[2] for x in lat)


def pct(v, q):
    return v[min(len(v) - 1, int(q * len(v)))] if v else float("nan")


print("clients %d, %.0f s (last edit ended at %.0f s), %s steps per edit" % (nclients, seconds, wall, steps))
print("edits done %d: %.3f edits/s" % (len(lat), len(lat) / wall))
print("latency ask -> result: p50 %.2f s, p95 %.2f s (edit itself: p50 %.2f s)" % (pct(ls, .5), pct(ls, .95), pct(run, .5)))
print("refused on purpose: %d x 429 (one at a time), %d x 503 (queue full)" % (refused["429"], refused["503"]))
print("failed otherwise: %d%s" % (len(failed), (" (" + "; ".join(failed[:3]) + ")") if failed else ""))
if rss:
    q = max(1, len(rss) // 4)
    print("server RSS MiB: first quarter max %d, last quarter max %d, overall max %d" %
          (max(rss[:q]), max(rss[-q:]), max(rss)))
sys.exit(1 if failed else 0)
