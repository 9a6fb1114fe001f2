"""The web UI's crawler health pages (/health, /health/{site} and their /api/health twins) and the article,
search and events pages' parts the issue names (images with captions, the diff's side-by-side or inline
switch, the portal as a choice from the archive's portals).

The health objects must equal `portalwatch health --json` for the same archive and filter: on the demo
archive (real replica crawls, all healthy) and on an archive whose runs this file writes with the models
(a portal failing with HTTP 503s, one whose last run lost its views, one never crawled), so the expected
runs, errors and verdicts are what was stored. The article checks use the replica's ground truth."""
import json
import re
from datetime import datetime, timedelta, timezone
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from crawler.monitors import MONITOR_RESULTS
from crawler.registry import load_sites
from crawler.replica import Replica
from db.engine import session_factory
from db.models import Article, CrawlRun, Portal
from db.schema import upgrade
from monitor.cli import main
from monitor.config import DetectionSettings
from monitor.web import create_app
from monitor.web.security import CSP
from tests.test_docs_cli import DEMO_HOURS  # the demo archive fixture is conftest's

OK_MONITORS = [{"name": n, "status": "OK", "passed": True, "reason": ""}
               for n in ("Finish Reason Monitor", "Retry Count monitor")]
RETRY_FAIL = {"name": "Retry Count monitor", "status": "FAIL", "passed": False,
              "reason": "Too many requests (4) reached the maximum retry amount"}
T0 = datetime(2026, 3, 1, 1, 0, tzinfo=timezone.utc)  # 08:00 in Vietnam


@pytest.fixture(scope="module")
def client(demo):
    url, _ = demo
    with TestClient(create_app(url)) as c:
        yield c


def cli_health(url: str, capsys, *args) -> tuple[int, list[dict]]:
    capsys.readouterr()
    code = main(["health", "--json", "--db", url, *args])
    return code, json.loads(capsys.readouterr().out)


def rows_of(html: str, attribute: str) -> list[str]:
    return re.findall(rf'<tr [^>]*{attribute}="([^"]+)"', html)


# ---- the demo archive: healthy portals, real runs ----------------------------------------------------------
def test_the_health_json_equals_the_cli_with_and_without_a_filter(demo, client, capsys):
    url, _ = demo
    code, everyone = cli_health(url, capsys)
    assert code == 0 and client.get("/api/health").json() == everyone
    assert {row["site"] for row in everyone} >= set(load_sites())  # every registered portal, crawled or not
    _, two = cli_health(url, capsys, "--site", "caugiay,bactuliem")
    assert [row["site"] for row in two] == ["bactuliem", "caugiay"]
    assert client.get("/api/health?site=caugiay,bactuliem").json() == two
    assert client.get("/api/health?site=caugiay&site=bactuliem").json() == two
    bad = client.get("/api/health?site=nowhere")
    assert bad.status_code == 400 and "unknown site 'nowhere'" in bad.json()["detail"]
    assert client.get("/health?site=nowhere").status_code == 400


def test_the_health_page_shows_every_portal_and_links_to_its_twin(demo, client, capsys):
    url, _ = demo
    _, rows = cli_health(url, capsys)
    response = client.get("/health")
    html = response.text
    assert response.status_code == 200 and response.headers["content-security-policy"] == CSP
    assert "<script" not in html.lower() and '<a href="/health">Tình trạng thu thập</a>' in html  # the nav link
    assert 'href="/api/health"' in html and 'href="/api/health?site=caugiay"' in client.get("/health?site=caugiay").text
    assert rows_of(html, "data-site") == [row["site"] for row in rows]
    assert rows_of(html, "data-verdict") == [row["verdict"] for row in rows]
    crawled = next(row for row in rows if row["site"] == "caugiay")
    assert crawled["verdict"] == "ok" and crawled["latest_run"]["status"] == "finished"
    assert "ổn định" in html and "chưa thu thập" in html  # the registered portals the demo does not crawl


def test_a_portals_page_lists_its_runs_newest_first(demo, client):
    url, _ = demo
    with session_factory(url)() as s:
        runs = s.scalars(select_runs("caugiay")).all()
    assert len(runs) == 2  # the demo's full crawl, then its incremental one
    html = client.get("/health/caugiay").text
    assert rows_of(html, "data-run") == [str(r.id) for r in runs]
    assert 'href="/api/health/caugiay"' in html
    detail = client.get("/api/health/caugiay").json()
    assert [r["id"] for r in detail["runs"]] == [r.id for r in runs]
    assert [(r["pages"], r["items"], r["articles_new"], r["mode"]) for r in detail["runs"]] == \
        [(r.pages, r.articles_seen, r.articles_new, r.mode) for r in runs]
    assert detail["health"] == client.get("/api/health?site=caugiay").json()[0]
    assert [r["id"] for r in client.get("/api/health/caugiay?limit=1").json()["runs"]] == [runs[0].id]
    assert client.get("/health/nowhere").status_code == 404 and client.get("/api/health/nowhere").status_code == 404
    never = client.get("/api/health/soyte").json()  # registered, never crawled
    assert never["runs"] == [] and never["health"]["verdict"] == "never crawled"


def select_runs(site: str):
    return select(CrawlRun).join(Portal).where(Portal.key == site).order_by(CrawlRun.id.desc())


# ---- an archive with failures, written with the models -----------------------------------------------------
def _run(s, portal, n: int, status: str, *, items: int = 40, message: str = "", stats: dict | None = None,
         mode: str = "full") -> CrawlRun:
    start, ok = T0 + timedelta(hours=n), status == "finished"
    run = CrawlRun(portal_id=portal.id, status=status, mode=mode, started_at=start,
                   finished_at=start + timedelta(minutes=3), pages=items + 5 if ok else 2,
                   articles_seen=items if ok else 0, articles_new=3, errors=0 if ok else 4, message=message,
                   stats=stats or {})
    s.add(run)
    s.flush()
    return run


def _finished_stats(items: int, views: int | None = None) -> dict:
    coverage = {f"portalwatch/coverage/{f}": items for f in ("title", "published_at", "body_text")}
    return {"finish_reason": "finished", "portalwatch/items": items, **coverage,
            "portalwatch/coverage/views": items if views is None else views, MONITOR_RESULTS: OK_MONITORS}


FAILED = {"finish_reason": "finished", "portalwatch/fetch_failed": 4, "retry/max_reached": 4,
          "downloader/response_status_count/200": 1, "downloader/response_status_count/503": 4,
          "downloader/exception_type_count/twisted.internet.error.TimeoutError": 2,
          MONITOR_RESULTS: [OK_MONITORS[0], RETRY_FAIL]}
FAILED_MESSAGE = "no listing page could be fetched; last error: http://127.0.0.1:1/tin-tuc: HTTP 503"


@pytest.fixture
def troubled(tmp_path):
    """caugiay: a finished full run, then three failed ones (503s); hoangliet: its last run lost the views."""
    url = f"sqlite:///{tmp_path / 'troubled.sqlite3'}"
    upgrade(url)
    with session_factory(url)() as s, s.begin():
        caugiay = Portal(key="caugiay", name="Phường Cầu Giấy", base_url="http://127.0.0.1:1/", profile="hanoi")
        hoangliet = Portal(key="hoangliet", name="Phường Hoàng Liệt", base_url="http://127.0.0.1:2/", profile="hanoi")
        s.add_all([caugiay, hoangliet])
        s.flush()
        _run(s, caugiay, 0, "finished", stats=_finished_stats(40))
        for n in (1, 2, 3):
            _run(s, caugiay, n, "failed", message=FAILED_MESSAGE, stats=FAILED)
        _run(s, hoangliet, 0, "finished", stats=_finished_stats(30))
        _run(s, hoangliet, 1, "finished", stats=_finished_stats(30, views=0))
    return url


def test_a_failing_portal_shows_its_failures_and_reasons(troubled, capsys):
    code, cli = cli_health(troubled, capsys, "--site", "caugiay,hoangliet")
    assert code == 1  # caugiay is failing
    with TestClient(create_app(troubled)) as c:
        assert c.get("/api/health?site=caugiay,hoangliet").json() == cli
        failing, warned = cli
        assert (failing["verdict"], failing["consecutive_failures"]) == ("failing", 3)
        assert failing["last_success_at"] == "2026-03-01T08:03:00+07:00"
        assert warned["verdict"] == "warning" and warned["reasons"] == ["views on 0% of pages (was 100%, floor 80%)"]
        html = c.get("/health?site=caugiay,hoangliet").text
        assert rows_of(html, "data-verdict") == ["failing", "warning"] and "đang lỗi" in html and "cần chú ý" in html
        assert "3 failed run(s) in a row since 2026-03-01T09:00:00+07:00: " + FAILED_MESSAGE in html
        assert "lượt xem 0%" in html and "1/2 đạt" in html and "Retry Count monitor" in html
        page = c.get("/health/caugiay").text
        runs = page[page.index('id="runs"'):]
        assert rows_of(runs, "data-status") == ["failed", "failed", "failed", "finished"]
        assert runs.count("HTTP: 503 × 4</p>") == 3 and "200 ×" not in runs  # only the error statuses
        assert runs.count("TimeoutError × 2") == 3 and runs.count(FAILED_MESSAGE) == 3
        assert runs.count("Spidermon Retry Count monitor: FAIL — " + RETRY_FAIL["reason"]) == 3
        detail = c.get("/api/health/caugiay?limit=2").json()
        assert [(r["status"], r["http_errors"], r["exceptions"], r["fetch_failed"]) for r in detail["runs"]] == \
            [("failed", {"503": 4}, {"TimeoutError": 2}, 4)] * 2
        assert detail["runs"][0]["failed_monitors"] == [RETRY_FAIL]


def test_the_app_judges_with_the_detection_settings_it_was_given(troubled, tmp_path, capsys):
    with TestClient(create_app(troubled, detection=DetectionSettings(down_after_failed_runs=5))) as c:
        row = c.get("/api/health?site=caugiay").json()[0]
    config = tmp_path / "portalwatch.toml"
    config.write_text('[schedule]\nsites = ["caugiay"]\n[detection]\ndown_after_failed_runs = 5\n', encoding="utf-8")
    assert cli_health(troubled, capsys, "--site", "caugiay", "--config", str(config)) == (0, [row])
    assert row["verdict"] == "warning" and row["consecutive_failures"] == 3


def test_the_web_command_refuses_a_bad_configuration_on_one_line(tmp_path, capsys):
    code = main(["web", "--config", str(tmp_path / "missing.toml"), "--db", f"sqlite:///{tmp_path / 'a.sqlite3'}"])
    err = capsys.readouterr().err.strip()
    assert code == 2 and len(err.splitlines()) == 1 and "missing.toml" in err


# ---- the article page: images with captions, the diff switch ------------------------------------------------
@pytest.fixture(scope="module")
def edited():
    """The article the demo edits, as the replica holds it then: (its images as the replica's ground truth
    gives them, path and caption; the title before the edit; its id on the portal). Replica.truth() needs a served portal for the
    host: the paths are what it adds it to."""
    replica = Replica()  # content only: nothing served
    replica.advance(hours=DEMO_HOURS)
    article = replica.visible("caugiay")[3]  # monitor/cli/demo.py edits this one
    portal = replica.portals["caugiay"]
    return portal.family.expected(portal, article)["images"], article.title, article.external_id


def _article_id(url: str, external_id: str) -> int:
    """The archive's id of the caugiay article with that id on the portal (its title is not unique there)."""
    with session_factory(url)() as s:
        return s.scalar(select(Article.id).join(Portal).where(Portal.key == "caugiay",
                                                              Article.external_id == external_id))


def test_the_article_page_lists_its_images_with_captions(demo, client, edited):
    expected, _, external_id = edited
    article_id = _article_id(demo[0], external_id)
    images = client.get(f"/api/articles/{article_id}").json()["images"]
    assert expected and [(urlsplit(i["url"]).path, i["caption"]) for i in images] == [tuple(e) for e in expected]
    assert all(i["url"].startswith("http://127.0.0.1:") for i in images)
    html = client.get(f"/articles/{article_id}").text
    for path, caption in expected:
        assert f"<figcaption>{caption}</figcaption>" in html and f'{path}" rel="noopener' in html


def test_the_diff_shows_inline_or_side_by_side(demo, client, edited):
    _, old_title, external_id = edited
    new_title = old_title + " (cập nhật)"
    article_id = _article_id(demo[0], external_id)
    inline = client.get(f"/articles/{article_id}").text
    inline = inline[inline.index('id="diff"'):]
    assert f"{old_title}<ins> (cập nhật)</ins>" in inline and "sidebyside" not in inline
    assert f'href="/articles/{article_id}?layout=side#diff"' in inline
    side = client.get(f"/articles/{article_id}", params={"layout": "side"}).text
    side = side[side.index('id="diff"'):]
    cells = re.findall(r'<td class="worddiff (old|new)">(.*?)</td>', side, re.S)
    assert cells == [("old", old_title), ("new", f"{old_title}<ins> (cập nhật)</ins>")]
    assert f'href="/articles/{article_id}?layout=inline#diff"' in side
    reverse = client.get(f"/articles/{article_id}", params={"layout": "side", "diff": "2..1"}).text
    assert re.findall(r'<td class="worddiff (?:old|new)">(.*?)</td>', reverse, re.S) == \
        [f"{old_title}<del> (cập nhật)</del>", old_title]
    api = client.get(f"/api/articles/{article_id}?diff=2..1").json()["diff"]
    assert (api["from"], api["to"]) == (2, 1) and api["fields"]["title"]["deleted_words"] == 2
    assert new_title == client.get(f"/api/articles/{article_id}").json()["title"]
    for bad in ("?diff=1..9", "?diff=x"):
        assert client.get(f"/articles/{article_id}{bad}").status_code == 400
        assert client.get(f"/api/articles/{article_id}{bad}").status_code == 400


# ---- search and events: the portal is a choice from the archive's portals ------------------------------------
def test_the_portal_filter_offers_the_archives_portals(demo, client):
    with session_factory(demo[0])() as s:
        archived = list(s.scalars(select(Portal.key).order_by(Portal.key)))
    for path in ("/?q=nghi+quyet&site=caugiay", "/events?site=caugiay"):
        html = client.get(path).text
        select_html = re.search(r'<select name="site">(.*?)</select>', html, re.S).group(1)
        assert re.findall(r'<option value="(\w*)"', select_html) == [""] + archived
        assert re.findall(r'<option value="(\w+)" selected>', select_html) == ["caugiay"]


def test_an_image_that_is_not_http_is_not_listed(tmp_path):
    """A profile keeps an image's src as the page gives it: a javascript: one must not become a link."""
    from db.models import RawPage
    from db.pages import compress_page

    fixture = "tests/fixtures/hanoi/caugiay_plain"
    with open(f"{fixture}.json", encoding="utf-8") as f:
        expected = json.load(f)
    with open(f"{fixture}.html", encoding="utf-8") as f:
        page = f.read()
    good = '<img src="/media/2025/10/08/caugiay-42.jpg"'
    assert good in page and expected["images"]
    page = page.replace(good, '<img src="javascript:alert(1)" alt="xấu">' + good, 1)
    url = f"sqlite:///{tmp_path / 'images.sqlite3'}"
    upgrade(url)
    with session_factory(url)() as s, s.begin():
        portal = Portal(key="caugiay", name="Phường Cầu Giấy", base_url="https://caugiay.hanoi.gov.vn", profile="hanoi")
        s.add(portal)
        s.flush()
        article = Article(portal_id=portal.id, external_id="1", url=expected["url"], title="t", body_text="b",
                          content_hash="x", published_at=T0, first_seen_at=T0, last_fetched_at=T0)
        s.add(article)
        s.flush()
        s.add(RawPage(article_id=article.id, fetched_at=T0, url=article.url, compression="zlib",
                      body=compress_page(page, "zlib")))
    with TestClient(create_app(url)) as c:
        assert c.get("/api/articles/1").json()["images"] == expected["images"]
        html = c.get("/articles/1").text
        assert "javascript:" not in html and expected["images"][0]["url"] in html
