"""db.top: growth from stored view series (baseline before the window, resets, runs that only extend),
each portal's window on its own clock, and views among the articles published in the window; each engine."""
from datetime import datetime, timedelta, timezone

from db.engine import session_factory
from db.models import Article, Portal, ViewSample
from db.schema import upgrade
from db.top import top_articles

E = datetime(2025, 10, 15, 12, 0, tzinfo=timezone.utc)  # portal a's latest fetch
F = E - timedelta(days=100)                               # portal b's: a replica clock of its own
H = timedelta(hours=1)


def seed(db_url):
    upgrade(db_url)
    series = {  # external id: (portal, published, [(first_at, last_at, views)])
        "a1": ("a", E - 40 * H, [(E - 30 * H, E - 26 * H, 100), (E - 10 * H, E - 10 * H, 150),
                                 (E - 5 * H, E - 5 * H, 40), (E - H, E - H, 70)]),  # +50, a reset, +30
        "a2": ("a", E - 20 * H, [(E - 30 * H, E - 2 * H, 500)]),  # one run standing still: no reading starts in the window
        "a3": ("a", E - 3 * H, [(E - 3 * H, E - 3 * H, 10), (E, E, 200)]),  # first reading gains nothing, then +190
        "b1": ("b", F - 5 * H, [(F - 2 * H, F - 2 * H, 5), (F, F, 95)]),   # +90 in b's own window
    }
    with session_factory(db_url)() as s, s.begin():
        portals = {key: Portal(key=key, name=key, base_url=f"https://{key}.example.vn", profile="hanoi") for key in "ab"}
        s.add_all(portals.values())
        s.flush()
        for external_id, (portal, published, runs) in series.items():
            article = Article(portal_id=portals[portal].id, external_id=external_id, url=f"https://{portal}.example.vn/{external_id}",
                              title=f"Bài {external_id}", published_at=published, views=runs[-1][2], content_hash="x",
                              first_seen_at=runs[0][0], last_fetched_at=runs[-1][1])
            s.add(article)
            s.flush()
            s.add_all(ViewSample(article_id=article.id, first_at=a, last_at=b, views=v) for a, b, v in runs)


def summary(rows):
    return [(r["url"].rsplit("/", 1)[-1], r["growth"], r["resets"], r["samples"]) for r in rows]


def test_growth_within_each_portals_window(db_url):
    seed(db_url)
    with session_factory(db_url)() as s:
        rows = top_articles(s, by="growth", days=1)
        assert summary(rows) == [("a3", 190, 0, 2), ("b1", 90, 0, 2), ("a1", 80, 1, 3)]
        assert rows[0]["window_end"] == "2025-10-15T19:00:00+07:00" and rows[0]["window_start"] == "2025-10-14T19:00:00+07:00"
        assert rows[1]["window_end"] == "2025-07-07T19:00:00+07:00"
        # two days: every run of a1 and a2 starts in the window, and a first reading ever gains nothing
        assert summary(top_articles(s, by="growth", days=2)) == [("a3", 190, 0, 2), ("b1", 90, 0, 2), ("a1", 80, 1, 4),
                                                                  ("a2", 0, 0, 1)]
        # one window for every portal: b's readings are a hundred days before it
        assert summary(top_articles(s, by="growth", days=1, end=E)) == [("a3", 190, 0, 2), ("a1", 80, 1, 3)]
        assert summary(top_articles(s, by="growth", days=1, site="b")) == [("b1", 90, 0, 2)]
        assert summary(top_articles(s, by="growth", days=1, site=["b", "a"])) == summary(rows)
        assert summary(top_articles(s, by="growth", days=1, limit=1)) == [("a3", 190, 0, 2)]


def test_views_among_the_articles_published_in_the_window(db_url):
    seed(db_url)
    with session_factory(db_url)() as s:
        rows = top_articles(s, by="views", days=1)
        assert [(r["url"].rsplit("/", 1)[-1], r["views"], r["growth"]) for r in rows] == [
            ("a2", 500, 0), ("a3", 200, 190), ("b1", 95, 90)]
        assert [r["rank"] for r in rows] == [1, 2, 3]
        assert [r["url"].rsplit("/", 1)[-1] for r in top_articles(s, by="views", days=2)] == ["a2", "a3", "b1", "a1"]
        assert top_articles(s, by="views", days=1, site="nowhere") == []
