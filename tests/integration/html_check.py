#!/usr/bin/env python3
"""Opens the HTML report in headless Chromium and checks that it renders on
its own:

    html_check.py REPORT.html WORKDIR PROXY_PORT MIN_CHARTS

  - static: the file names no URL, no external file, no script, no style
    sheet or font to fetch;
  - network: Chromium runs with every request sent to a proxy on
    127.0.0.1:PROXY_PORT that answers nothing, and writes its net log: no
    request may come from the page (the browser's own, such as update
    checks, say "initiator: not an origin" there and are left aside). A
    page with one external image is opened the same way first, and must
    be caught: the check is shown to work;
  - DOM (--dump-dom): at least MIN_CHARTS <svg class="chart">, each with
    bars or lines, and the campaign articles;
  - screen (--screenshot, a tall window): the charts' bar colours are drawn
    (pixels decoded from the PNG here, without any library).

Exit 0 if all hold, 1 if not, 77 if Chromium is not installed. Prints one
line per check."""
import os
import re
import shutil
import socket
import struct
import subprocess
import sys
import threading
import zlib

CHART_BAR = (0x3B, 0x73, 0xC8)
CHART_RISE = (0xD8, 0x1B, 0x60)

fails = 0


def check(ok, what):
    global fails
    print("%s: %s" % ("ok" if ok else "FAIL", what))
    if not ok:
        fails += 1


def chromium():
    for name in ("chromium", "chromium-browser", "google-chrome"):
        p = shutil.which(name)
        if p:
            return p
    return None


def run_chromium(exe, args, profile, proxy_port, timeout=90):
    cmd = [exe, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
           "--disable-background-networking", "--user-data-dir=" + profile,
           "--proxy-server=http://127.0.0.1:%d" % proxy_port, "--proxy-bypass-list=<-loopback>",
           # the browser's own requests (time, updates, ...) off: what is left
           # would be the page's
           "--disable-component-update", "--disable-sync", "--no-default-browser-check",
           "--disable-domain-reliability", "--disable-client-side-phishing-detection",
           "--disable-default-apps", "--no-pings", "--disable-breakpad",
           "--disable-features=NetworkTimeServiceQuerying,OptimizationHints,MediaRouter,"
           "Translate,AutofillServerCommunication,CertificateTransparencyComponentUpdater,"
           "DialMediaRouteProvider,InterestFeedContentSuggestions",
           "--hide-scrollbars"] + args
    return subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout)


class Proxy:
    """Accepts and counts connections; answers nothing."""

    def __init__(self, port):
        self.hits = []
        self.s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.s.bind(("127.0.0.1", port))
        self.s.listen(16)
        self.s.settimeout(0.2)
        self.stop = False
        self.t = threading.Thread(target=self.loop, daemon=True)
        self.t.start()

    def loop(self):
        while not self.stop:
            try:
                c, _ = self.s.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            c.settimeout(1)
            try:
                self.hits.append(c.recv(300).split(b"\r\n")[0].decode("latin-1"))
            except OSError:
                self.hits.append("(connection)")
            c.close()

    def close(self):
        self.stop = True
        self.t.join()
        self.s.close()


def page_requests(netlog, page_url):
    """URLs requested on behalf of the page (not by the browser itself)."""
    import json
    try:
        d = json.load(open(netlog))
    except (OSError, ValueError):
        # a net log cut short (the browser quit): close its list
        txt = open(netlog).read().rstrip().rstrip(",")
        d = json.loads(txt + ("]}" if not txt.endswith("}") else ""))
    start = d["constants"]["logEventTypes"]["URL_REQUEST_START_JOB"]
    out = []
    for e in d.get("events", []):
        p = e.get("params") or {}
        if e.get("type") != start or "url" not in p:
            continue
        if p.get("initiator") == "not an origin" and "file://" not in p.get("network_isolation_key", ""):
            continue
        if p["url"] == page_url:
            continue
        out.append(p["url"])
    return out


def png_pixels(path):
    """(width, height, rows of RGB tuples) of an 8-bit RGB/RGBA PNG."""
    d = open(path, "rb").read()
    if d[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG")
    off, idat, w, h, bpp = 8, b"", 0, 0, 3
    while off < len(d):
        n, t = struct.unpack(">I4s", d[off:off + 8])
        body = d[off + 8:off + 8 + n]
        if t == b"IHDR":
            w, h, depth, ctype = struct.unpack(">IIBB", body[:10])
            if depth != 8 or ctype not in (2, 6):
                raise ValueError("PNG depth %d colour type %d" % (depth, ctype))
            bpp = 3 if ctype == 2 else 4
        elif t == b"IDAT":
            idat += body
        off += 12 + n
    raw = zlib.decompress(idat)
    stride = w * bpp
    prev = bytearray(stride)
    rows, p = [], 0
    for _ in range(h):
        f, line = raw[p], bytearray(raw[p + 1:p + 1 + stride])
        p += 1 + stride
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            if f == 1:
                line[i] = (line[i] + a) & 255
            elif f == 2:
                line[i] = (line[i] + b) & 255
            elif f == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif f == 4:
                pa, pb, pc = abs(b - c), abs(a - c), abs(a + b - 2 * c)
                pr = a if pa <= pb and pa <= pc else b if pb <= pc else c
                line[i] = (line[i] + pr) & 255
        rows.append(line)
        prev = line
    return w, h, bpp, rows


def count_colour(rows, bpp, rgb, tol=6):
    n = 0
    for line in rows:
        for i in range(0, len(line), bpp):
            if abs(line[i] - rgb[0]) <= tol and abs(line[i + 1] - rgb[1]) <= tol and \
                    abs(line[i + 2] - rgb[2]) <= tol:
                n += 1
    return n


def main():
    if len(sys.argv) != 5:
        print(__doc__, file=sys.stderr)
        return 2
    html, work, port, min_charts = sys.argv[1], os.path.abspath(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    exe = chromium()
    if not exe:
        print("SKIPPED: chromium is not installed (apt-get install chromium)", file=sys.stderr)
        return 77
    text = open(html, encoding="utf-8").read()
    bad = re.findall(r"(?i)https?:|//[a-z0-9]|\bsrc\s*=|<link|<script|@import|url\(|<img|<iframe|"
                     r"<object|<embed|href\s*=\s*\"(?!#)", text)
    check(not bad, "the file refers to nothing outside itself %s" % (bad[:5] if bad else ""))
    url = "file://" + os.path.abspath(html)
    bad_page = os.path.join(work, "external.html")
    open(bad_page, "w").write('<html><body><img src="http://example.invalid/x.png"></body></html>')
    proxy = Proxy(port)
    try:
        ctl = run_chromium(exe, ["--log-net-log=" + os.path.join(work, "control.json"), "--dump-dom",
                                 "file://" + bad_page], os.path.join(work, "profile0"), port)
        dom = run_chromium(exe, ["--log-net-log=" + os.path.join(work, "netlog.json"), "--dump-dom",
                                 url], os.path.join(work, "profile1"), port)
        shot = os.path.join(work, "report.png")
        scr = run_chromium(exe, ["--screenshot=" + shot, "--window-size=1000,5000", url],
                           os.path.join(work, "profile2"), port)
    finally:
        proxy.close()
    check(ctl.returncode == 0 and dom.returncode == 0 and scr.returncode == 0,
          "chromium ran (exit %d, %d, %d)" % (ctl.returncode, dom.returncode, scr.returncode))
    caught = page_requests(os.path.join(work, "control.json"), "file://" + bad_page)
    check(caught == ["http://example.invalid/x.png"],
          "control: a page with an external image is caught (%s)" % caught)
    reqs = page_requests(os.path.join(work, "netlog.json"), url)
    check(not reqs, "the report requests nothing (%s)" % (reqs[:3] or "no request"))
    print("requests the browser made on its own, to the dead-end proxy: %d" % len(proxy.hits))
    d = dom.stdout.decode("utf-8", "replace")
    open(os.path.join(work, "dom.html"), "w").write(d)
    charts = re.findall(r"<svg class=\"chart\".*?</svg>", d, re.S)
    drawn = [c for c in charts if "<rect class=\"bar" in c or "<polyline" in c]
    check(len(charts) >= min_charts and len(drawn) == len(charts),
          "%d charts in the DOM, %d of them with bars or lines (want >= %d)" %
          (len(charts), len(drawn), min_charts))
    check("<article id=\"" in d and "id=\"trends\"" in d and "id=\"sources\"" in d,
          "campaigns, trends and sources sections in the DOM")
    if os.path.exists(shot):
        w, h, bpp, rows = png_pixels(shot)
        bars = count_colour(rows, bpp, CHART_BAR)
        rise = count_colour(rows, bpp, CHART_RISE)
        white = count_colour(rows, bpp, (255, 255, 255), 0)
        print("screenshot %dx%d: %d bar pixels, %d rise pixels, %d white" % (w, h, bars, rise, white))
        check(bars > 2000, "the charts' bars are on screen (%d pixels)" % bars)
        check(rise > 100, "the rises are marked on screen (%d pixels)" % rise)
        check(white < w * h * 0.97, "the page is not blank")
    else:
        check(False, "a screenshot was taken")
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
