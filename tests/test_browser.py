"""The web UI in a real browser: Debian's Chromium driven by Playwright, against `portalwatch web` serving the
demo archive on a free port of 127.0.0.1 (a real process, as a person starts it). A search typed without
diacritics into the search form finds the seed article; its page draws the view chart from the stored samples
and shows the demo's correction word by word; the tracker of 23-NQ/TU lists the portals that relayed it and
those that have not, against the replica's truth; the Atom feed the events page links to parses; and the
replica's hostile article, which runs its payloads when Chromium opens it on the replica, runs none of them
from the archive. Each page is screenshotted (full page PNG) into the test-artifact folder.

Nothing is downloaded: Chromium is the system package (`.ci/run` installs it). Without it these tests skip
with one reason; with PORTALWATCH_REQUIRE_BROWSER=1 (CI) a missing browser fails them instead."""
from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import quote

import feedparser
import pytest

from crawler.replica import Replica
from crawler.replica.content import load_hostile, load_seed
from monitor.cli.demo import SEED_ADDED, SEED_STRUCK
from monitor.web.security import CSP
from tests.test_docs_cli import DEMO_HOURS, SCOPE, truth  # noqa: F401 (fixture: the replica's truth)

CHROMIUM = os.environ.get("PORTALWATCH_CHROMIUM") or "/usr/bin/chromium"  # Debian's package
REQUIRE = "PORTALWATCH_REQUIRE_BROWSER"
MISSING = (f"browser tests need Debian's Chromium at {CHROMIUM} and the playwright package "
           f"(apt-get install chromium; .ci/run does, and sets {REQUIRE}=1 to fail instead of skipping)")
try:
    from playwright.sync_api import sync_playwright
except ImportError:
    sync_playwright = None
BROWSER_MISSING = sync_playwright is None or not os.access(CHROMIUM, os.X_OK)
if BROWSER_MISSING and os.environ.get(REQUIRE) != "1":
    pytest.skip(MISSING, allow_module_level=True)  # one line for the whole module, nothing else run
REPO = Path(__file__).resolve().parent.parent
SEED = load_seed()
HOSTILE = load_hostile()


def artifacts() -> Path:
    """Where the screenshots go: $PORTALWATCH_ARTIFACTS, else test-artifacts/screenshots/ (gitignored)."""
    folder = Path(os.environ.get("PORTALWATCH_ARTIFACTS") or REPO / "test-artifacts" / "screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def shoot(page, name: str) -> None:
    path = artifacts() / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    assert path.stat().st_size > 0


@pytest.fixture(scope="session")
def chromium():
    """Chromium launched headless through Playwright. Without it (and PORTALWATCH_REQUIRE_BROWSER=1, else the
    module is skipped) every test fails with the reason; asked for before the demo archive, so that is
    not built for nothing."""
    if BROWSER_MISSING:
        pytest.fail(MISSING, pytrace=False)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM)
        yield browser
        browser.close()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


@pytest.fixture(scope="session")
def site(chromium, demo):
    """`portalwatch web --db DEMO --port P` in a process of its own; its base URL. A port taken between
    choosing and binding (another process won the race) makes the server exit: tried again on another."""
    url, env = demo
    for _ in range(3):
        port = _free_port()
        server = subprocess.Popen([sys.executable, "-m", "monitor.cli", "web", "--db", url, "--port", str(port)],
                                  env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while server.poll() is None and time.monotonic() < deadline and not _answers(base + "/static/style.css"):
            time.sleep(0.2)
        if server.poll() is None and _answers(base + "/static/style.css"):
            break
        server.kill()
        server.wait()
    else:
        pytest.fail(f"portalwatch web did not start: {server.stderr.read()[-500:]}")
    yield base
    server.terminate()
    try:
        server.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


class Watched:
    """A page with everything that must not happen recorded: dialogs (dismissed), uncaught page errors,
    console errors, failed requests."""

    def __init__(self, browser):
        self.context = browser.new_context(viewport={"width": 1280, "height": 900})
        self.page = self.context.new_page()
        self.dialogs, self.page_errors, self.console_errors, self.not_found = [], [], [], []
        self.page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))
        self.page.on("pageerror", lambda e: self.page_errors.append(str(e)))
        self.page.on("console", lambda m: m.type == "error" and self.console_errors.append(m.text))
        self.page.on("response", lambda r: r.status == 404 and self.not_found.append(r.url))

    def close(self):
        self.context.close()


@pytest.fixture
def watched(chromium):
    w = Watched(chromium)
    yield w
    w.close()


def _seed_id(page, base: str) -> int:
    found = page.request.get(f"{base}/api/search", params={"q": "nghi quyet 23", "site": "bactuliem"}).json()
    return next(item["id"] for item in found["items"] if item["title"] == SEED["title"])


# ---- search, the seed article, the tracker, the feed --------------------------------------------------------
def test_a_search_typed_without_diacritics_finds_the_seed_article(site, watched):
    page = watched.page
    page.goto(site + "/")
    page.fill("input[name=q]", "nghi quyet 23 bac tu liem")
    with page.expect_navigation():
        page.press("input[name=q]", "Enter")  # the form submitted as a person does
    assert "q=nghi+quyet+23+bac+tu+liem" in page.url
    titles = page.locator("ol.results li.result h2 a").all_inner_texts()
    assert SEED["title"] in titles
    # the folded query words are highlighted in the accented title
    seed_link = page.locator("ol.results h2 a", has_text=SEED["title"][:40])
    assert {"Nghị", "quyết", "23"} <= set(seed_link.locator("mark").all_inner_texts())
    shoot(page, "search")
    with page.expect_navigation():
        seed_link.click()
    assert re.search(r"/articles/\d+$", page.url) and page.locator("h1").inner_text() == SEED["title"]
    assert not watched.page_errors and not watched.dialogs


def test_the_seed_article_draws_its_view_chart_and_the_demos_correction(site, watched):
    page = watched.page
    article_id = _seed_id(page, site)
    samples = page.request.get(f"{site}/api/articles/{article_id}").json()["view_samples"]
    response = page.goto(f"{site}/articles/{article_id}")
    assert response.status == 200 and response.headers["content-security-policy"] == CSP
    # The chart: one polyline point at each sample's first and last observation, oldest first; the
    # points' heights read back as the stored counts (height 0 = the lowest, the top = the highest).
    chart = page.locator("svg.chart")
    assert chart.is_visible()
    height = float(chart.get_attribute("height"))
    points = [tuple(map(float, p.split(","))) for p in chart.locator("polyline").get_attribute("points").split()]
    expected = sorted([(s["first_at"], s["views"]) for s in samples] + [(s["last_at"], s["views"]) for s in samples])
    assert len(points) == 2 * len(samples) and len(samples) >= 2
    low, high = min(v for _, v in expected), max(v for _, v in expected)
    read = [round(low + (height - y) / height * (high - low)) for _, y in points]
    assert read == [v for _, v in expected]
    assert [x for x, _ in points] == sorted(x for x, _ in points)
    # the counts themselves are the replica's: 503 at the first crawl, views_per_hour more each hour after
    replica = Replica()
    seed = replica.find("bactuliem", SEED["title"])
    first = replica.views("bactuliem", seed)
    replica.advance(hours=DEMO_HOURS)
    assert (low, high) == (first, replica.views("bactuliem", seed)) == (SEED["views_at_start"], 575)
    assert chart.get_attribute("aria-label") == f"Lượt xem từ {low} đến {high}"
    # The demo's correction (monitor/cli/demo.py), word by word: "trên" struck, a sentence inserted.
    diff = page.locator("section.diff .worddiff")
    assert diff.locator("del").all_inner_texts() == ["trên "]
    assert [t.strip() for t in diff.locator("ins").all_inner_texts()] == [SEED_ADDED]
    assert SEED_STRUCK.replace("trên ", "") in page.locator(".article-html").inner_text()  # the page shows the new text
    shoot(page, "article-seed")
    assert not watched.page_errors and not watched.dialogs


def test_the_tracker_of_23_nq_tu_lists_its_portals_and_the_coverage_gap(site, watched, truth):
    cites, _ = truth
    expected = cites["23-NQ/TU"]
    citing = list(dict.fromkeys(s for _, s, _ in expected))
    not_yet = sorted(k for k in SCOPE if SCOPE[k] in {SCOPE[s] for s in citing} and k not in citing)
    page = watched.page
    page.goto(site + "/docs")
    page.fill("input[name=number]", "23-nq/tu")  # the "open a document" form, typed loosely
    with page.expect_navigation():
        page.press("input[name=number]", "Enter")
    assert page.url == site + "/docs/" + quote("23-NQ/TU", safe="")
    sites = lambda css: [li.get_attribute("data-site") for li in page.locator(css).all()]  # noqa: E731
    # the seed's portal first, then the relays of crawler/replica/data/relays.toml
    assert sites("section.relayed li[data-site]") == citing and citing[0] == "bactuliem" and len(citing) >= 3
    assert sites("section.not-yet li[data-site]") == not_yet and len(not_yet) >= 2
    assert sites("#timeline li[data-site]") == [s for _, s, _ in expected]
    assert page.locator("#timeline a", has_text=SEED["title"]).count() == 1
    assert "23-NQ/TU ngày 16/11/2023" in page.locator("#timeline blockquote").first.inner_text()
    for key in not_yet:  # each not-yet portal named by the registry's name for it, visible on screen
        assert page.locator(f"section.not-yet li[data-site={key}]").is_visible()
    shoot(page, "tracker-23-NQ-TU")
    assert not watched.page_errors and not watched.dialogs


def test_the_atom_feed_the_events_page_links_to_validates(site, watched):
    page = watched.page
    page.goto(site + "/events?kind=new_document&doc_type=NQ&site=bactuliem")
    shoot(page, "events")
    feed_url = page.locator("link[rel=alternate][type='application/atom+xml']").get_attribute("href")
    assert feed_url == page.locator("a[type='application/atom+xml']").get_attribute("href")
    response = page.request.get(site + feed_url if feed_url.startswith("/") else feed_url)
    assert response.ok and response.headers["content-type"].startswith("application/atom+xml")
    feed = feedparser.parse(response.body())
    assert feed.bozo == 0, feed.get("bozo_exception")
    assert feed.version == "atom10" and len(feed.entries) > 0
    assert all(e.title and e.id and e.updated and e.link.startswith(site + "/articles/") for e in feed.entries)
    events = page.request.get(f"{site}/api/events?kind=new_document&doc_type=NQ&site=bactuliem&order=newest").json()
    assert len(feed.entries) == len(events["items"][:50])  # one entry per event of the filter
    assert "Văn bản mới được nhắc · bactuliem · 23-NQ/TU" in [e.title for e in feed.entries]
    page.goto(site + feed_url if feed_url.startswith("/") else feed_url)
    shoot(page, "events-atom")


# ---- the hostile article ------------------------------------------------------------------------------------
PAYLOAD_MARKERS = ("window.__pwned", "parent.__pwned")


def test_the_hostile_articles_payloads_run_on_the_replica(chromium):
    """The control: opened on the replica itself (no sanitizer, no policy), Chromium runs them, so the
    test below, where none runs, can fail."""
    w = Watched(chromium)
    try:
        with Replica() as replica:
            article = replica.find("xasonlinh", HOSTILE["title"])
            w.page.goto(replica.url_of("xasonlinh", article))  # returns after "load": the image has failed
            w.page.wait_for_function("window.__pwned !== undefined", timeout=5000)
            for _ in range(50):  # the dialogs' handlers run in this thread: let them come in
                if {"script", "img"} <= set(w.dialogs):
                    break
                w.page.wait_for_timeout(100)
            assert {"script", "img"} <= set(w.dialogs), w.dialogs
    finally:
        w.close()


def test_the_hostile_article_runs_nothing_in_the_archive(site, watched):
    page = watched.page
    found = page.request.get(f"{site}/api/search", params={"q": "canh giac tin nhan gia mao", "site": "xasonlinh"})
    article_id = next(i["id"] for i in found.json()["items"] if i["title"] == HOSTILE["title"])
    response = page.goto(f"{site}/articles/{article_id}")
    assert response.status == 200 and response.headers["content-security-policy"] == CSP
    assert "script-src 'none'" in CSP
    page.wait_for_timeout(300)
    # Every link of the body clicked (the javascript: ones among them, were they left): still nothing ran.
    # (…and the three .pdf links whose hrefs are script: the crawler stored none of them as an attachment)
    files = HOSTILE["hostile_attachments"]
    links = page.locator(".article-html a", has_text=re.compile("|".join(["tại đây", "tại mục hỏi đáp", "Tải biểu mẫu",
                                                                          *map(re.escape, files)]))).all()
    assert len(links) == 3 + len(files)  # the sanitized body kept the links' text (and dropped their href)
    assert page.request.get(f"{site}/api/articles/{article_id}").json()["attachments"] == []
    assert page.get_by_role("heading", name="Tệp đính kèm").count() == 0
    assert all(h.startswith(("/", "?", "#", "http://", "https://"))
               for h in page.eval_on_selector_all("a[href]", "links => links.map(a => a.getAttribute('href'))"))
    for link in links:
        assert link.get_attribute("href") is None or link.get_attribute("href").startswith("http")
        link.click(no_wait_after=True)
    page.wait_for_timeout(200)
    assert page.evaluate("typeof window.__pwned") == "undefined"
    assert watched.dialogs == [] and watched.page_errors == []
    dom = page.content()
    assert page.locator("script, iframe, object, embed, body style").count() == 0
    assert page.locator(".article-html").locator("svg, input, img[onerror]").count() == 0  # (the chart is an svg)
    assert not re.search(r"<[^>]+\son\w+\s*=", dom, re.I)
    assert not re.search(r"javascript:|expression\(|data:text/html", dom, re.I)
    assert not any(marker in dom for marker in PAYLOAD_MARKERS)
    # the visible text of the paragraphs that carried payloads is there, the payloads are not
    for block in HOSTILE["blocks"]:
        if block[0] == "raw" and block[2]:
            assert page.get_by_text(block[2]).count() >= 1, block[2]
    # Console errors: only the policy refusing images of other origins (the archived body points at the
    # portal's image, which the page may not load) and the absent favicon; nothing about script.
    others = [m for m in watched.console_errors if "img-src" not in m and "Failed to load resource" not in m]
    assert others == [] and not any("script" in m.lower() for m in watched.console_errors)
    assert all(url.endswith("/favicon.ico") for url in watched.not_found), watched.not_found
    shoot(page, "article-hostile")
