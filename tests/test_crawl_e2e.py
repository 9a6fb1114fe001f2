"""Replica → Scrapy (its own process) → archive, on SQLite and on PostgreSQL."""
import json

from sqlalchemy import func, select

from crawler.registry import get_site
from crawler.replica import Fault
from crawler.settings import LOOPBACK_OVERRIDES
from db.engine import session_factory
from db.models import Article, ArticleVersion, CrawlRun, RawPage, ViewSample
from db.pages import decompress_page
from monitor.cli import main
from monitor.crawling import crawl_sites

SEED_TITLE = ("Gần 300 đại biểu dự Hội nghị trực tuyến quán triệt Chương trình hành động thực hiện Nghị quyết "
              "TW 8 khóa XIII, Nghị quyết số 23-NQ/TU và Chỉ thị số 30-CT/TU của Thành ủy")


def crawl(db_url, replica, keys, settings=LOOPBACK_OVERRIDES):
    return crawl_sites(db_url, [get_site(k).at(replica.base_urls[k]) for k in keys], settings=settings, parallel=2,
                       clock=replica.clock_offset)


def count(session, model, *where):
    return session.scalar(select(func.count()).select_from(model).where(*where))


def test_replica_to_archive_and_recrawl(db_url, replica, capsys):
    outcomes = crawl(db_url, replica, ["bactuliem", "caugiay"])
    assert [o.status for o in outcomes] == ["finished", "finished"], [o.message for o in outcomes]
    Session = session_factory(db_url)
    with Session() as session:
        assert count(session, Article) == len(replica.visible("bactuliem")) + len(replica.visible("caugiay"))
        seed = session.scalar(select(Article).where(Article.title == SEED_TITLE))
        assert seed is not None
        assert seed.published_at.isoformat() == "2024-05-10T09:21:00+00:00"
        assert seed.views == 503 and seed.author == "Ngọc Hằng" and seed.category == "Tin nổi bật"
        paragraphs = seed.body_text.split("\n\n")
        assert paragraphs[0].startswith("Chiều ngày 09/5/2024, Quận ủy Bắc Từ Liêm tổ chức Hội nghị trực tuyến")
        assert paragraphs[-1].endswith("đảm bảo tính khả thi, hiệu quả, đặc biệt là thấm đến từng người dân.")
        for widget in ("Xem với cỡ chữ", "Đọc bài viết", "Tin liên quan", "Lượt truy cập", "Chia sẻ"):
            assert widget not in seed.body_text
        seed_id = seed.id
        runs = session.scalars(select(CrawlRun)).all()
        assert all(r.status == "finished" and r.pages > 0 and r.finished_at for r in runs)

    # the JSON interface: `portalwatch search "Bắc Từ Liêm" --json`; the seed says it only in its body, so the
    # articles saying it in their title rank first (issue 14's ranking): it is looked for among the first 100
    assert main(["search", "Bắc Từ Liêm", "--json", "--limit", "100", "--db", db_url]) == 0
    found = [a for a in json.loads(capsys.readouterr().out) if a["title"] == SEED_TITLE]
    assert len(found) == 1
    seed_json = found[0]
    assert seed_json["site"] == "bactuliem" and seed_json["id"] == seed_id
    assert seed_json["url"] == replica.url_of("bactuliem", replica.find("bactuliem", "Gần 300"))
    assert seed_json["published_at"] == "2024-05-10T16:21:00+07:00"
    assert seed_json["views"] == 503 and seed_json["author"] == "Ngọc Hằng"
    assert seed_json["category"] == "Tin nổi bật"
    assert seed_json["summary"].startswith("Chiều ngày 09/5/2024")
    assert seed_json["body_text"].endswith("thấm đến từng người dân.")

    # a second crawl adds no article
    again = crawl(db_url, replica, ["bactuliem"])
    assert again[0].ok and again[0].articles_new == 0 and again[0].articles_seen == len(replica.visible("bactuliem"))
    with Session() as session:
        assert count(session, Article) == len(replica.visible("bactuliem")) + len(replica.visible("caugiay"))
        # the same count again within the compaction window: one run whose last_at moved
        [run] = session.scalars(select(ViewSample).where(ViewSample.article_id == seed_id)).all()
        seed = session.get(Article, seed_id)
        assert run.views == 503 and run.first_at < run.last_at == seed.last_fetched_at
        first_at = run.first_at

    # the clock moves: new articles appear, the seed's views grow
    before = len(replica.visible("bactuliem"))
    replica.advance(hours=12)
    appeared = len(replica.visible("bactuliem")) - before
    assert appeared > 0
    later = crawl(db_url, replica, ["bactuliem"])
    assert later[0].ok and later[0].articles_new == appeared
    with Session() as session:
        samples = session.scalars(select(ViewSample).where(ViewSample.article_id == seed_id).order_by(ViewSample.first_at)).all()
        seed = session.get(Article, seed_id)
        assert [(s.views, s.first_at, s.last_at) for s in samples] == [
            (503, first_at, run.last_at), (575, seed.last_fetched_at, seed.last_fetched_at)]
        assert seed.views == 575
        assert count(session, ArticleVersion, ArticleVersion.article_id == seed_id) == 1  # views are not content
        newest = replica.visible("bactuliem")[0]
        assert count(session, Article, Article.external_id == newest.external_id) == 1


def test_a_portal_that_is_down_fails_alone(db_url, replica):
    replica.set_fault("caugiay", Fault(status=503))
    outcomes = crawl(db_url, replica, ["caugiay", "hoangliet"])
    down, up = outcomes
    assert down.status == "failed" and "no listing page could be fetched" in down.message and "503" in down.message
    assert up.status == "finished" and up.articles_new == len(replica.visible("hoangliet"))


def test_unreachable_portal_is_recorded(db_url, replica):
    # a closed port on loopback: connection refused, no traffic leaves the machine
    outcomes = crawl_sites(db_url, [get_site("caugiay").at("http://127.0.0.1:9")], settings=LOOPBACK_OVERRIDES)
    assert outcomes[0].status == "failed"
    assert "no listing page could be fetched" in outcomes[0].message


def test_a_truncated_page_is_not_stored_and_is_fetched_again(db_url, replica):
    seed = replica.find("bactuliem", "Gần 300")
    replica.set_fault("bactuliem", Fault(truncate=True, path=seed.external_id))
    first = crawl(db_url, replica, ["bactuliem"])[0]
    assert first.ok and first.errors == 1 and "1 page(s) without an extractable article" in first.message
    Session = session_factory(db_url)
    with Session() as session:
        assert count(session, Article, Article.external_id == seed.external_id) == 0
        assert count(session, Article) == len(replica.visible("bactuliem")) - 1
    replica.clear_faults()
    second = crawl(db_url, replica, ["bactuliem"])[0]
    assert second.ok and second.articles_new == 1
    with Session() as session:
        stored = session.scalar(select(Article).where(Article.external_id == seed.external_id))
        assert stored.title == SEED_TITLE and stored.body_text.endswith("thấm đến từng người dân.")


def test_every_family_crawled_end_to_end_matches_the_replica(tmp_path, replica):
    """All the replica portals (five CMS families, Liferay and Tân Dân in two layouts, DNN through its JSON API) against ground truth."""
    from vntext.dates import VN_TZ
    from vntext.textnorm import clean_text
    from tests.conftest import sqlite_url

    url = sqlite_url(tmp_path)
    outcomes = crawl_sites(url, [get_site(k).at(b) for k, b in replica.base_urls.items()],
                           settings=LOOPBACK_OVERRIDES, parallel=3)
    assert all(o.ok for o in outcomes), [(o.site, o.message) for o in outcomes]
    with session_factory(url)() as session:
        for site in replica.portals:
            visible = replica.visible(site)
            stored = {a.external_id: a for a in session.scalars(select(Article).join(Article.portal).where(
                Article.portal.has(key=site)))}
            assert len(stored) == len(visible), site
            family = replica.portals[site].family.name
            for article in visible:
                truth = replica.truth(site, article)
                key = truth["url"].rsplit("/", 1)[-1].removesuffix(".aspx").lower() if family == "tandan" else truth["id"]
                row = stored[key]
                assert row.title == truth["title"]
                assert row.views == truth["views"]
                assert row.author == (truth["author"] or "")
                assert row.category == truth["category"]
                assert row.body_text == "\n\n".join(p for p in map(clean_text, truth["paragraphs"]) if p)
                shown = truth["published"].astimezone(VN_TZ).replace(microsecond=0)
                got = row.published_at.astimezone(VN_TZ)
                if truth["published_precision"] == "day":
                    assert not row.published_has_time and got.date() == shown.date()
                else:
                    assert row.published_has_time and got == (shown if family != "liferay" else shown.replace(second=0))


def test_an_edit_is_one_version_and_moved_counters_are_none(db_url, replica):
    """Crawl, edit one article on the portal, let time pass (every counter moves), crawl again."""
    from datetime import timezone

    first = crawl(db_url, replica, ["caugiay"])[0]
    assert first.ok, first.message
    Session = session_factory(db_url)
    with Session() as session:
        before = {a.external_id: (a.id, a.views) for a in session.scalars(select(Article))}
    target = replica.visible("caugiay")[4]
    old_title, new_title = target.title, "Phường Cầu Giấy công bố kế hoạch chuyển đổi số năm 2026 (cập nhật)"
    edited = replica.edit("caugiay", target.external_id, title=new_title)
    edited_at = edited.updated
    replica.advance(hours=6)
    appeared = len(replica.visible("caugiay")) - len(before)
    second = crawl(db_url, replica, ["caugiay"])[0]
    assert second.ok and second.articles_new == appeared
    with Session() as session:
        article = session.scalar(select(Article).where(Article.external_id == target.external_id))
        v1, v2 = session.scalars(select(ArticleVersion).where(ArticleVersion.article_id == article.id)
                                 .order_by(ArticleVersion.version)).all()
        # the Hanoi platform shows the edit time (article:modified_time, JSON-LD dateModified)
        assert v2.changes == {
            "title": {"old": old_title, "new": new_title},
            "updated_at": {"old": None, "new": edited_at.astimezone(timezone.utc).isoformat()},
        }
        assert v1.title == old_title and article.title == v2.title == new_title
        assert article.updated_at == edited_at
        # every other article seen twice: its counter moved, it has no second version
        moved = 0
        for external_id, (article_id, views) in before.items():
            if external_id == target.external_id:
                continue
            assert count(session, ArticleVersion, ArticleVersion.article_id == article_id) == 1, external_id
            now = session.get(Article, article_id).views
            moved += now != views
            assert count(session, ViewSample, ViewSample.article_id == article_id) == (2 if now != views else 1)
        assert moved >= len(before) // 2
        assert count(session, ArticleVersion, ArticleVersion.version > 1) == 1
        # the page of the new version is kept, compressed, and is the edited page
        page = session.scalar(select(RawPage).where(RawPage.version_id == v2.id))
        html = decompress_page(page.body, page.compression).decode("utf-8")
        assert new_title in html and old_title not in html and page.fetched_at == v2.fetched_at
        assert count(session, RawPage, RawPage.article_id == article.id) == 2
        run = session.get(CrawlRun, second.run_id)
        assert run.stats["portalwatch/articles_changed"] == 1
        assert run.stats["portalwatch/versions"] == appeared + 1
        assert run.stats["portalwatch/articles_new"] == appeared
