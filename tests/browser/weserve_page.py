"""tests/browser/weserve_page.py - drive weserve's page in headless chromium
(selenium + chromedriver): a bad upload shows its message, then a photo is
uploaded, one face chosen and edited to "sad"; the before/after images, the
metrics and the download are checked and a screenshot saved.

    python3 weserve_page.py URL PHOTO OUTDIR [STEPS]

Prints one "ok   ..." or "FAIL ..." line per check (tests/sh/test_weserve_browser.sh
counts them); exit status 0 unless the browser itself cannot start (then 77)."""
import os
import struct
import sys
import time
import urllib.request

from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

url, photo, outdir = sys.argv[1], os.path.abspath(sys.argv[2]), os.path.abspath(sys.argv[3])
steps = sys.argv[4] if len(sys.argv) > 4 else "2"
os.makedirs(outdir, exist_ok=True)


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what, flush=True)
    return cond


def jpeg_size(b):
    """(width, height) from a JPEG's SOF marker, or None."""
    i = 2
    while i + 9 < len(b) and b[0:2] == b"\xff\xd8":
        if b[i] != 0xFF:
            return None
        m, n = b[i + 1], struct.unpack(">H", b[i + 2:i + 4])[0]
        if m in (0xC0, 0xC1, 0xC2):
            h, w = struct.unpack(">HH", b[i + 5:i + 9])
            return w, h
        i += 2 + n
    return None


opts = Options()
for b in ("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"):
    if os.path.exists(b):
        opts.binary_location = b
        break
height = os.environ.get("WESERVE_SHOT_HEIGHT", "1500")  # a taller window: the whole page in one shot
for a in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1100," + height):
    opts.add_argument(a)
opts.add_experimental_option("prefs", {"download.default_directory": outdir, "download.prompt_for_download": False})
driver = None
for d in ("/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver"):
    if os.path.exists(d):
        driver = d
        break
try:
    br = webdriver.Chrome(service=Service(driver) if driver else Service(), options=opts)
except Exception as e:  # no browser: the shell test skips
    print("skip: chromium did not start: %s" % str(e).splitlines()[0])
    sys.exit(77)

try:
    wait = WebDriverWait(br, 60)
    br.get(url)
    wait.until(EC.presence_of_element_located((By.ID, "emo-sad")))
    check("WaveEmotion" in br.title, "the page loads with its title")
    check("Up to 1 MiB" in br.find_element(By.ID, "limits").text or "MiB" in br.find_element(By.ID, "limits").text,
          "the limits are shown")

    # a file that is not an image: its message appears on the page
    bad = os.path.join(outdir, "not-a-photo.jpg")
    with open(bad, "w") as f:
        f.write("this is text, not a JPEG\n")
    br.find_element(By.ID, "file").send_keys(bad)
    err = WebDriverWait(br, 30).until(EC.visibility_of_element_located((By.ID, "error")))
    check("not a photo we can read" in err.text, "a bad upload shows the server's message: " + err.text[:80])

    # the photo: faces outlined
    br.find_element(By.ID, "file").send_keys(photo)
    WebDriverWait(br, 90).until(EC.visibility_of_element_located((By.ID, "faces-panel")))
    WebDriverWait(br, 30).until(lambda b: b.execute_script("return document.getElementById('photo').naturalWidth") > 0)
    polys = br.find_elements(By.CSS_SELECTOR, "#overlay polygon")
    check(len(polys) >= 1, "faces outlined on the photo: %d" % len(polys))
    check(not br.find_element(By.ID, "error").is_displayed(), "the error box is gone after a good upload")
    pick = "face-1" if len(polys) > 1 else "face-0"
    br.find_element(By.ID, pick).click()
    check(br.find_element(By.ID, "chosen").text == pick.replace("-", " "), "clicking a face chooses it")

    # few steps keep the test quick
    br.find_element(By.CSS_SELECTOR, "#advanced summary").click()
    st = br.find_element(By.ID, "steps")
    st.clear()
    st.send_keys(steps)
    br.find_element(By.ID, "emo-sad").click()
    seen_progress = False
    t0 = time.time()
    while time.time() - t0 < 300:
        s = br.find_element(By.ID, "status").text
        seen_progress |= s.startswith("step ") or s.startswith("waiting")
        if s.startswith("done") or s == "failed":
            break
        time.sleep(0.1)
    status = br.find_element(By.ID, "status").text
    check(status.startswith("done"), "the edit finishes: " + status)
    check(seen_progress, "progress (step done / total) was shown while it ran")
    pv = br.execute_script("var p = document.getElementById('progress'); return [p.value, p.max];")
    check(pv[0] == pv[1] and pv[1] > 1, "the progress bar is full: %s" % pv)
    WebDriverWait(br, 30).until(EC.visibility_of_element_located((By.ID, "result-panel")))
    WebDriverWait(br, 30).until(lambda b: b.execute_script(
        "return document.getElementById('after').complete && document.getElementById('before').complete"))
    sizes = br.execute_script("""var a = document.getElementById('after'), b = document.getElementById('before');
        return [a.naturalWidth, a.naturalHeight, b.naturalWidth, b.naturalHeight];""")
    check(sizes[0] > 0 and sizes[:2] == sizes[2:], "before and after images load, same size: %s" % sizes)
    WebDriverWait(br, 30).until(lambda b: b.execute_script(
        "return document.getElementById('face-after').complete && document.getElementById('face-before').complete"))
    fz = br.execute_script("""return [document.getElementById('face-before').naturalWidth,
        document.getElementById('face-after').naturalWidth];""")
    check(fz[0] > 0 and fz[0] == fz[1], "the face before and after, side by side: %s" % fz)
    metrics = br.find_element(By.ID, "metrics").text
    check("target sad" in metrics and "identity" in metrics and "happy" in metrics,
          "the metrics show the target, the judge's probabilities and identity")

    # the download: the edited photo at full resolution, not the original
    href = br.find_element(By.ID, "download").get_attribute("href")
    body = urllib.request.urlopen(href, timeout=30).read()
    before = urllib.request.urlopen(br.find_element(By.ID, "before").get_attribute("src"), timeout=30).read()
    check(jpeg_size(body) is not None and jpeg_size(body) == jpeg_size(before),
          "the download is a JPEG at the photo's full size %s" % (jpeg_size(body),))
    check(body != before, "the download differs from the photo before")
    for f in os.listdir(outdir):
        if f.startswith("edited-sad"):
            os.remove(os.path.join(outdir, f))
    br.find_element(By.ID, "download").click()
    got = None
    for _ in range(100):
        got = [f for f in os.listdir(outdir) if f.startswith("edited-sad") and not f.endswith(".crdownload")]
        if got:
            break
        time.sleep(0.1)
    check(bool(got), "clicking download saves edited-sad.jpg")
    br.execute_script("document.getElementById('split').value = 50; document.getElementById('split')"
                      ".dispatchEvent(new Event('input'));")
    br.execute_script("document.getElementById(%s).scrollIntoView()" %
                      ("'result-panel'" if height == "1500" else "'input'"))
    shot = os.path.join(outdir, "weserve.png")
    br.save_screenshot(shot)
    check(os.path.getsize(shot) > 10000, "screenshot saved: " + shot)
finally:
    br.quit()
