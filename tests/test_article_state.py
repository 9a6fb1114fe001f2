"""The one writer of article state, on each engine: re-checks set the re-fetch time and the 404
counter, listings count misses only inside the walked window, the removal rules leave tombstones
with a typed cause, and migration 0007 gives old tombstones their cause from the reason text."""
from datetime import timedelta

from alembic import command
from sqlalchemy import inspect, select

from crawler.checkstate import known_articles
from db.article_state import ArticleCheck, ListingWalk
from db.engine import get_engine
from db.models import RemovalCause, Tombstone
from db.refetch import DEFAULT_REFETCH, refetch_every, refetch_from_setting, refetch_setting
from db.schema import alembic_config
from tests.test_archive import T0, H, article_of, portal, record, session, writer  # noqa: F401 (fixtures)

D = timedelta(days=1)


def tombstones(session):
    session.expire_all()
    return [(t.article_id, t.cause, t.reason, t.restored_at)
            for t in session.scalars(select(Tombstone).order_by(Tombstone.id))]


def test_the_refetch_schedule_decays_and_travels_as_a_setting():
    assert [refetch_every(DEFAULT_REFETCH, age) for age in (H, D, 2 * D, 30 * D, 31 * D, 400 * D)] == \
        [H, H, D, D, 7 * D, 7 * D]
    assert refetch_from_setting(refetch_setting(DEFAULT_REFETCH)) == DEFAULT_REFETCH
    assert refetch_from_setting(None) == DEFAULT_REFETCH
    assert refetch_from_setting(refetch_setting(((None, timedelta(0)),))) == ((None, timedelta(0)),)


def test_checks_set_the_next_check_by_age_and_count_gone_answers(writer, portal, session):
    writer.write_articles(portal, [record("young", published_at=T0 - 2 * H), record("old", published_at=T0 - 40 * D)])
    writer.record_crawl_observations("caugiay", [
        ArticleCheck("young", 200, T0 + H, etag='"v1"', last_modified="Wed, 15 Oct 2025 01:00:00 GMT"),
        ArticleCheck("old", 404, T0 + H),
        ArticleCheck("old", 410, T0 + 2 * H),
        ArticleCheck("never-stored", 200, T0 + H),  # a page that could not be archived: skipped
    ], DEFAULT_REFETCH)
    young, old = article_of(session, "young"), article_of(session, "old")
    assert (young.next_check_at, young.consecutive_gone, young.http_etag) == (T0 + 2 * H, 0, '"v1"')
    assert (old.next_check_at, old.consecutive_gone, old.http_etag) == (T0 + 2 * H + 7 * D, 2, None)
    # a 304 carries no validators: the stored ones stay; any answer but 404/410 resets the count
    writer.record_crawl_observations("caugiay", [ArticleCheck("young", 304, T0 + 3 * H),
                                                 ArticleCheck("old", 200, T0 + 3 * H)], DEFAULT_REFETCH)
    young, old = article_of(session, "young"), article_of(session, "old")
    assert (young.http_etag, young.http_last_modified) == ('"v1"', "Wed, 15 Oct 2025 01:00:00 GMT")
    assert young.next_check_at == T0 + 4 * H and old.consecutive_gone == 0
    writer.record_crawl_observations("nowhere", [ArticleCheck("young", 404, T0)], DEFAULT_REFETCH)  # no such portal
    assert article_of(session, "young").consecutive_gone == 0


def test_listing_misses_inside_the_window_lead_to_a_removal_with_its_cause(writer, portal, session):
    # p1 is the newest; a listing walked down to p3 covers p1..p3, never p4 or p5
    writer.write_articles(portal, [record(f"p{n}", published_at=T0 - n * D) for n in range(1, 6)])

    def walk(listed, ends, hours):
        writer.record_crawl_observations("caugiay", [], DEFAULT_REFETCH,
                                         ListingWalk(frozenset(listed), tuple(ends), T0 + hours * H))

    walk({"p1", "p2", "p3"}, ["p3"], 1)
    assert article_of(session, "p2").last_listed_at == T0 + H
    walk({"p1", "p3"}, ["p3"], 2)
    walk({"p1", "p3"}, ["p3", "unknown"], 3)  # a window that cannot be dated: nothing is judged
    walk({"p1"}, ["p1"], 4)  # a shallower walk: p2 and p3 are below its window
    walk({"p1", "p3"}, ["p3"], 5)
    misses = {n: article_of(session, f"p{n}").listing_misses for n in range(1, 6)}
    assert misses == {1: 0, 2: 2, 3: 0, 4: 0, 5: 0}
    writer.record_crawl_observations("caugiay", [ArticleCheck("p5", 404, T0 + 5 * H),
                                                 ArticleCheck("p5", 404, T0 + 6 * H)], DEFAULT_REFETCH)
    with writer.article_state() as state:
        assert state.apply_removal_rules(portal, T0 + 6 * H, gone_after=2, missing_after=3) == 1
    walk({"p1", "p3"}, ["p3"], 7)
    with writer.article_state() as state:
        assert state.apply_removal_rules(portal, T0 + 7 * H, gone_after=2, missing_after=3) == 1
        assert state.apply_removal_rules(portal, T0 + 8 * H, gone_after=2, missing_after=3) == 0
    p2, p5 = article_of(session, "p2"), article_of(session, "p5")
    assert (p2.removed_at, p5.removed_at) == (T0 + 7 * H, T0 + 6 * H)
    assert tombstones(session) == [
        (p5.id, RemovalCause.GONE, "answered 404/410 on 2 consecutive checks", None),
        (p2.id, RemovalCause.MISSING_FROM_LISTING, "missing from its listing for 3 runs", None),
    ]


def test_a_walk_with_a_failed_listing_counts_no_misses_but_still_sees(writer, portal, session):
    # p1..p3 in the window; the walk saw p1 only because the listing of p2 and p3 failed
    writer.write_articles(portal, [record(f"p{n}", published_at=T0 - n * D) for n in range(1, 4)])
    writer.record_crawl_observations("caugiay", [], DEFAULT_REFETCH,
                                     ListingWalk(frozenset({"p1", "p2", "p3"}), ("p3",), T0 + H))
    for hours in (2, 3, 4):
        writer.record_crawl_observations("caugiay", [], DEFAULT_REFETCH,
                                         ListingWalk(frozenset({"p1"}), ("p3",), T0 + hours * H, complete=False))
    assert [article_of(session, f"p{n}").listing_misses for n in range(1, 4)] == [0, 0, 0]
    assert article_of(session, "p1").last_listed_at == T0 + 4 * H  # what was listed is still seen
    with writer.article_state() as state:
        assert state.apply_removal_rules(portal, T0 + 5 * H, gone_after=2, missing_after=3) == 0


def test_only_the_cause_says_an_article_left_its_listing(db_url, writer, portal, session):
    writer.write_articles(portal, [record("a"), record("b"), record("c")])
    writer.mark_removed(portal, "a", T0 + H, "no longer in the menu", cause=RemovalCause.MISSING_FROM_LISTING)
    writer.mark_removed(portal, "b", T0 + H, "missing from the portal, says the editor")  # a person's words
    known = known_articles(db_url, "caugiay")
    assert known["a"].removed and known["a"].removed_from_listing
    assert known["b"].removed and not known["b"].removed_from_listing
    assert not known["c"].removed and not known["c"].removed_from_listing
    assert [cause for _, cause, _, _ in tombstones(session)] == [RemovalCause.MISSING_FROM_LISTING, RemovalCause.MANUAL]


def test_migration_0007_gives_old_tombstones_their_cause_from_the_reason(db_url, writer, portal, session):
    reasons = {"gone": "answered 404/410 on 2 consecutive checks", "listing": "missing from its listing for 3 runs",
               "hand": "HTTP 404 twice", "blank": ""}
    writer.write_articles(portal, [record(key) for key in reasons])
    for key, reason in reasons.items():
        writer.mark_removed(portal, key, T0 + H, reason)  # every one "manual", as far as this writer knows
    writer.mark_restored(portal, "listing", T0 + 2 * H)
    config = alembic_config()
    engine = get_engine(db_url)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0006")
    assert "cause" not in {c["name"] for c in inspect(engine).get_columns("tombstones")}
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
    by_reason = {reason: cause for _, cause, reason, _ in tombstones(session)}
    assert by_reason == {reasons["gone"]: RemovalCause.GONE, reasons["listing"]: RemovalCause.MISSING_FROM_LISTING,
                         reasons["hand"]: RemovalCause.MANUAL, "": RemovalCause.MANUAL}
