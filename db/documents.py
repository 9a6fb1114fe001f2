"""Official documents and their mentions as a batch writes them: the documents part of a batch plan
(db/batch_plan.py) and of its flush (db/batch_flush.py); db/history.py replays re-extracted sightings
through the same functions, so a crawl and a reparse attribute documents alike.

A document's first article is the EARLIEST-PUBLISHED article citing it, not the first one stored:
portals are crawled in parallel, so which crawl stores a shared document first is a matter of timing
(measured on the demo: the Bắc Từ Liêm "portal added" summary held 80 documents in one run and 98 in
another). Detection credits a document's new_document event to its first article's portal, inside the
run that holds the document's first_seen_at; so when a later-stored mention is earlier-published, the
writer moves first_article_id to it and first_seen_at to that mention's first sighting. The event key
is per document: an event already emitted for the earlier-stored article is never emitted twice.
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import TYPE_CHECKING, Iterable

from sqlalchemy import Connection, bindparam, insert, select, update

from db.content import to_date
from db.tables import ARTICLES, DOCUMENTS, MENTIONS, PORTALS, chunks, column_length, fit

if TYPE_CHECKING:
    from db.batch_plan import ArticleInBatch, BatchPlan, BatchResult

DOCUMENT_KEYS = ("system", "type", "type_name", "number", "year", "issuer")
_UNDATED = datetime.min.replace(tzinfo=timezone.utc)

CitingOrder = tuple[bool, datetime, str, str]


class DocumentMovedMeanwhile(Exception):
    """Another writer moved a document's first article between this batch's read and its write (the
    write is conditional on the first article read): the batch is planned again (ArchiveWriter)."""


def citing_order(published_at: datetime | None, portal_key: str, external_id: str) -> CitingOrder:
    """An article's place among the articles citing a document, first = the document's first article.

    Earliest published first. An article without a published date comes after every dated one: no
    date says nothing about its age, and a dated citation is the one a reader can place. Ties (the same
    minute on two portals, or two undated articles) go by portal key, then external id: never by
    database ids or fetch times, which follow which crawl happened to store first."""
    return (published_at is None, published_at or _UNDATED, portal_key, external_id)


def load_documents(conn: Connection, canonicals: Iterable[str], plan: BatchPlan) -> None:
    """The documents the archive already has under these canonical numbers, with their first article's
    place (citing_order). A document stored without a first article keeps none: no new_document event
    was ever credited for it, and giving it one now would announce an old document as new."""
    first = DOCUMENTS.outerjoin(ARTICLES, ARTICLES.c.id == DOCUMENTS.c.first_article_id) \
        .outerjoin(PORTALS, PORTALS.c.id == ARTICLES.c.portal_id)
    for chunk in chunks(sorted(canonicals)):
        for row in conn.execute(select(DOCUMENTS.c.id, DOCUMENTS.c.canonical, DOCUMENTS.c.issued_on,
                                       DOCUMENTS.c.first_article_id, ARTICLES.c.published_at,
                                       ARTICLES.c.external_id, PORTALS.c.key)
                                .select_from(first).where(DOCUMENTS.c.canonical.in_(chunk))):
            plan.documents[row.canonical] = {
                "id": row.id, "canonical": row.canonical, "issued_on": row.issued_on, "fill": None, "_article": None,
                "first_article_id": row.first_article_id,
                "first": citing_order(row.published_at, row.key, row.external_id) if row.key is not None else None}


def add_references(article: ArticleInBatch, references: Iterable[dict], at: datetime, plan: BatchPlan,
                   order: CitingOrder) -> None:
    """The documents an article (at `order`, see citing_order) names at one fetch: a document's fields
    are its first sighting's (issued_on only fills a gap), its first article the earliest-published
    citing one; a mention keeps the latest sentence."""
    limit = column_length(DOCUMENTS, "canonical")
    for ref in references:
        canonical = ref.get("canonical")
        if not canonical or len(canonical) > limit:
            continue  # no key to store it under
        issued_on = to_date(ref.get("issued_on"))
        document = plan.documents.get(canonical)
        if document is None:  # first sighting ever: this article, this fetch, these fields
            row = {"canonical": canonical, "first_seen_at": at, "issued_on": issued_on,
                   **{k: ref.get(k) for k in DOCUMENT_KEYS}}
            row["system"], row["number"] = row["system"] or "", row["number"] or ""
            document = plan.documents[canonical] = {
                "id": None, "canonical": canonical, "issued_on": issued_on, "fill": None, "_article": article,
                "first": order,
                "row": fit(DOCUMENTS, row, ("system", "type", "type_name", "number", "issuer"))}
        else:
            if document["issued_on"] is None and issued_on is not None:  # a later sighting tells the date
                document["issued_on"] = issued_on
                if document["id"] is None:
                    document["row"]["issued_on"] = issued_on
                else:
                    document["fill"] = issued_on
            if document["first"] is not None and order < document["first"]:
                document["first"] = order
                if article.id is None or article.id != document.get("first_article_id"):
                    document["_article"] = article  # an earlier-published article: the first one now
        key = (canonical, id(article))
        mention = plan.mentions.get(key)
        if mention is None:
            mention = plan.mentions[key] = {"_article": article, "_canonical": canonical, "first_seen_at": at}
        mention.update(fit(MENTIONS, {"sentence": str(ref.get("sentence") or ""),
                                      "source": str(ref.get("source") or "text")}, ("source",)))


def _first_sighting(plan: BatchPlan, document: dict) -> datetime:
    """When the document's first article first cited it: its stored mention's first_seen_at, or the
    first fetch of this batch that named it."""
    article = document["_article"]
    existing = plan.existing_mentions.get((document["id"], article.id)) if document["id"] is not None else None
    if existing is not None:
        return existing["first_seen_at"]
    return plan.mentions[(document["canonical"], id(article))]["first_seen_at"]


def flush_documents(conn: Connection, plan: BatchPlan, result: BatchResult) -> None:
    """New documents, the first articles that moved to an earlier-published one, the issued_on gaps
    later sightings fill, and the mentions of the plan."""
    pending = sorted((doc for doc in plan.documents.values() if doc["id"] is None), key=lambda d: d["canonical"])
    moved = sorted((doc for doc in plan.documents.values() if doc["id"] is not None and doc["_article"] is not None),
                   key=lambda d: d["id"])  # one lock order for every writer: fewer deadlocks between crawls
    for doc in moved:
        # Conditional on the first article this batch read: two crawls moving the same document at the
        # same time cannot both win, the later one plans its batch again against the new first article.
        if conn.execute(update(DOCUMENTS).where(DOCUMENTS.c.id == doc["id"],
                                                DOCUMENTS.c.first_article_id == doc["first_article_id"])
                        .values(first_article_id=doc["_article"].id,
                                first_seen_at=_first_sighting(plan, doc))).rowcount != 1:
            raise DocumentMovedMeanwhile(doc["canonical"])
    if pending:
        conn.execute(insert(DOCUMENTS), [doc["row"] | {"first_article_id": doc["_article"].id,
                                                       "first_seen_at": _first_sighting(plan, doc)}
                                         for doc in pending])
        for chunk in chunks([doc["canonical"] for doc in pending]):
            for row in conn.execute(select(DOCUMENTS.c.id, DOCUMENTS.c.canonical).where(
                    DOCUMENTS.c.canonical.in_(chunk))):
                plan.documents[row.canonical]["id"] = row.id
        result.documents_new += len(pending)
    fills = [{"_id": doc["id"], "issued_on": doc["fill"]} for doc in plan.documents.values() if doc["fill"]]
    if fills:  # issued_on only fills a gap, never overwrites the first sighting's date
        conn.execute(update(DOCUMENTS).where(DOCUMENTS.c.id == bindparam("_id"), DOCUMENTS.c.issued_on.is_(None)),
                     fills)
    _flush_mentions(conn, plan, result)


def _flush_mentions(conn: Connection, plan: BatchPlan, result: BatchResult) -> None:
    inserts, updates = [], []
    for mention in plan.mentions.values():
        document_id, article_id = plan.documents[mention["_canonical"]]["id"], mention["_article"].id
        existing = plan.existing_mentions.get((document_id, article_id))
        if existing is None:
            inserts.append({"document_id": document_id, "article_id": article_id, "sentence": mention["sentence"],
                            "source": mention["source"], "first_seen_at": mention["first_seen_at"]})
        elif (existing["sentence"], existing["source"]) != (mention["sentence"], mention["source"]):
            updates.append({"_id": existing["id"], "sentence": mention["sentence"], "source": mention["source"]})
    if inserts:
        conn.execute(insert(MENTIONS), inserts)
        result.mentions_new += len(inserts)
    if updates:
        conn.execute(update(MENTIONS).where(MENTIONS.c.id == bindparam("_id")), updates)
