"""Correcting stored history from re-extracted pages (`portalwatch reparse`, crawler/reparse.py).

Every version the crawler created keeps the page it came from (raw_pages). When a profile is
fixed, the crawler re-extracts those pages and hands the records here, which corrects each
version's fields and hash, the `changes` between consecutive versions, the article's current
state (its latest version), and adds the documents and mentions the archive lacks. Versions
without a stored page (migrated from revision 0001), or whose page gave no article, keep what
they have. ArchiveWriter.correcting_history runs one HistoryCorrector per transaction.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, bindparam, select, update

from db.batch_plan import ArticleInBatch, BatchPlan, BatchResult, load_existing_links
from db.documents import add_references, citing_order, flush_documents, load_documents
from db.content import VERSION_FIELDS, comparable_fields, content_of, diff_content, hash_content, is_legacy_version
from db.pages import decompress_page
from db.tables import ARTICLES, PORTALS, RAW_PAGES, VERSIONS, chunks, same_keys


@dataclass(frozen=True)
class StoredPage:
    """The newest stored page of one article version."""

    version_id: int
    version: int
    external_id: str    # the article's
    url: str            # the article's URL (extraction keys off it)
    category: str       # the version's category: some portals show it only on listings
    content_type: str
    fetched_at: datetime
    compression: str
    body: bytes

    def text(self) -> str:
        return decompress_page(self.body, self.compression).decode("utf-8")


@dataclass
class HistoryCorrections:
    versions_changed: int = 0    # versions whose fields changed
    changes_rewritten: int = 0   # versions whose `changes` (against the previous version) changed
    articles_changed: int = 0    # articles whose current state changed


def articles_with_pages(conn: Connection, portal_key: str) -> tuple[str, list[int]]:
    """The portal's profile name and the ids of its articles with a stored page, in id order.
    Raises LookupError when the archive has no such portal."""
    portal = conn.execute(select(PORTALS.c.id, PORTALS.c.profile).where(PORTALS.c.key == portal_key)).first()
    if portal is None:
        raise LookupError(f"the archive has no portal {portal_key!r}")
    ids = conn.scalars(select(RAW_PAGES.c.article_id).join(ARTICLES, ARTICLES.c.id == RAW_PAGES.c.article_id)
                       .where(ARTICLES.c.portal_id == portal.id).distinct().order_by(RAW_PAGES.c.article_id)).all()
    return portal.profile, list(ids)


def _differs(old: dict, new: dict) -> bool:
    """Exact comparison: a re-extraction stores exactly what the profile reads now."""
    return any(old[name] != new[name] for name in VERSION_FIELDS)


class HistoryCorrector:
    """The stored history of a group of articles, and its correction from re-extracted records."""

    def __init__(self, conn: Connection, article_ids: list[int]):
        self.conn = conn
        self.article_ids = article_ids
        self.articles = {row.id: row for row in conn.execute(select(ARTICLES).where(ARTICLES.c.id.in_(article_ids)))}
        self.versions: dict[int, list] = {}
        for row in conn.execute(select(VERSIONS).where(VERSIONS.c.article_id.in_(article_ids))
                                .order_by(VERSIONS.c.article_id, VERSIONS.c.version)):
            self.versions.setdefault(row.article_id, []).append(row)
        self.raw_pages: dict[int, object] = {}  # version id -> its newest stored page
        for row in conn.execute(select(RAW_PAGES).where(RAW_PAGES.c.article_id.in_(article_ids),
                                                        RAW_PAGES.c.version_id.is_not(None))
                                .order_by(RAW_PAGES.c.fetched_at, RAW_PAGES.c.id)):
            self.raw_pages[row.version_id] = row

    def pages(self) -> list[StoredPage]:
        """The page of every version that has one, article by article, oldest version first."""
        out = []
        for article_id in self.article_ids:
            article = self.articles[article_id]
            for version in self.versions.get(article_id, []):
                page = self.raw_pages.get(version.id)
                if page is not None:
                    out.append(StoredPage(version.id, version.version, article.external_id, article.url,
                                          version.category, page.content_type, page.fetched_at, page.compression,
                                          page.body))
        return out

    def correct(self, extracted: dict[int, dict]) -> HistoryCorrections:
        """Correct the history from re-extracted records (version id -> a write_articles record
        without fetched_at); versions missing from `extracted` keep their fields."""
        counts = HistoryCorrections()
        version_updates, changes_updates, article_updates, sightings = [], [], [], []
        for article_id in self.article_ids:
            rows = self.versions.get(article_id, [])
            contents = self._correct_versions(rows, extracted, version_updates, counts)
            changes_updates += self._correct_changes(rows, contents, extracted, counts)
            if rows:
                current = self._current(self.articles[article_id], rows[-1], contents[-1], extracted)
                if current is not None:
                    counts.articles_changed += 1
                    article_updates.append({"_id": article_id, **current})
            # Cited as of the article's corrected current state, as a crawl cites as of its latest fetch.
            sightings += [{"article_id": article_id, "fetched_at": self.raw_pages[row.id].fetched_at,
                           "published_at": contents[-1]["published_at"], "references": extracted[row.id]["references"]}
                          for row in rows if row.id in extracted and extracted[row.id].get("references")]
        for group in (changes_updates, version_updates):
            if group:
                self.conn.execute(update(VERSIONS).where(VERSIONS.c.id == bindparam("_id")), group)
        for group in same_keys(article_updates):
            self.conn.execute(update(ARTICLES).where(ARTICLES.c.id == bindparam("_id")), group)
        if sightings:
            self._add_documents(sightings)
        return counts

    @staticmethod
    def _correct_versions(rows: list, extracted: dict[int, dict], updates: list[dict],
                          counts: HistoryCorrections) -> list[dict]:
        """Each version's content, corrected where its re-extraction reads something else."""
        contents = []
        for row in rows:
            # a version stored before link keys: its attachments keyed by the page it was read from
            content = content_of(row._mapping, (extracted.get(row.id) or {}).get("url"))
            if row.id in extracted:
                fresh = content_of(extracted[row.id])
                if _differs(content, fresh):
                    content = fresh
                    counts.versions_changed += 1
                    updates.append({"_id": row.id, **{k: content[k] for k in VERSION_FIELDS},
                                    "content_hash": hash_content(content)})
            contents.append(content)
        return contents

    @staticmethod
    def _correct_changes(rows: list, contents: list[dict], extracted: dict[int, dict],
                         counts: HistoryCorrections) -> list[dict]:
        """`changes` of each version against the one before it, recomputed from the corrected fields
        (against a version 1 migrated from revision 0001, without the fields 0001 did not store)."""
        updates = []
        legacy = bool(rows) and rows[0].id not in extracted and is_legacy_version(
            rows[0].version, rows[0].changes, contents[0], rows[0].content_hash)
        for index, row in enumerate(rows):
            changes = diff_content(contents[index - 1], contents[index], comparable_fields(legacy and index == 1)) \
                if index else {}
            if index and changes != (row.changes or {}):
                counts.changes_rewritten += 1
                updates.append({"_id": row.id, "changes": changes})
        return updates

    @staticmethod
    def _current(article, latest, content: dict, extracted: dict[int, dict]) -> dict | None:
        """The article's current state from its (corrected) latest version; None when unchanged."""
        current = {k: content[k] for k in VERSION_FIELDS if k != "attachments"}
        current["content_hash"] = hash_content(content)
        fresh = extracted.get(latest.id)
        if fresh is not None:  # unversioned fields of the current state, from the latest page
            current.update(source=fresh.get("source") or "", tags=list(fresh.get("tags") or []))
        return current if any(getattr(article, k) != v for k, v in current.items()) else None

    def _add_documents(self, sightings: list[dict]) -> None:
        """Documents and mentions the re-extraction finds that the archive lacks (after a fix of the
        reference parser), by the writer's rules (db/documents.py): a document's first article is the
        earliest-published citing one, issued_on only fills a gap, and an existing mention keeps the
        sentence the crawl stored."""
        plan = BatchPlan()
        portal_keys = dict(self.conn.execute(select(PORTALS.c.id, PORTALS.c.key)).all())
        load_documents(self.conn, {ref["canonical"] for s in sightings for ref in s["references"]
                                   if ref.get("canonical")}, plan)
        for chunk in chunks(sorted({s["article_id"] for s in sightings})):
            load_existing_links(self.conn, chunk, plan)
        articles: dict[int, ArticleInBatch] = {}
        for sighting in sorted(sightings, key=lambda s: s["fetched_at"]):
            article = articles.setdefault(sighting["article_id"], ArticleInBatch(external_id=None,
                                                                                 id=sighting["article_id"]))
            row = self.articles[sighting["article_id"]]
            add_references(article, sighting["references"], sighting["fetched_at"], plan,
                           citing_order(sighting["published_at"], portal_keys[row.portal_id], row.external_id))
        for mention in plan.mentions.values():
            document = plan.documents[mention["_canonical"]]
            existing = plan.existing_mentions.get((document["id"], mention["_article"].id)) if document["id"] else None
            if existing is not None:
                mention.update(sentence=existing["sentence"], source=existing["source"])
        flush_documents(self.conn, plan, BatchResult())
