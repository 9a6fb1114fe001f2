"""The plan of one batch: what writing a batch of fetched articles will change, built in memory.

A batch is read with a handful of queries (its articles, their latest version and view sample,
their attachments and mentions, the documents it names); then every record is applied to that
picture, oldest fetch first, and the statements to run are collected (db/batch_flush.py runs them).
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Mapping, Sequence

from sqlalchemy import Connection, and_, func, select

from db.content import (
    ARTICLE_CONTENT, FALLBACK, VERSION_FIELDS, comparable_fields, content_of, diff_content, hash_content,
    is_legacy_version, lost_fields, to_utc,
)
from db.documents import add_references, citing_order, load_documents
from db.linkkey import link_key
from db.record import ArticleRecord
from db.tables import (
    ARTICLES, ATTACHMENTS, DOCUMENTS, MENTIONS, PORTALS, RAW_PAGES, SAMPLES, VERSIONS, chunks, column_length, fit,
)

ATTACHMENT_KEYS = ("url", "title", "file_type", "file_name")


@dataclass
class BatchResult:
    new: int = 0               # articles seen for the first time
    changed: int = 0           # known articles whose content changed (a new version)
    unchanged: int = 0         # known articles re-fetched with the same content (views may have moved)
    versions: int = 0          # article_versions rows written (version 1 of new articles included)
    samples_inserted: int = 0  # view_samples rows written
    samples_extended: int = 0  # readings that only moved a run's last_at
    samples_ignored: int = 0   # readings not newer than the article's latest sample (replays, late batches)
    documents_new: int = 0
    mentions_new: int = 0
    attachments_new: int = 0
    raw_pages: int = 0
    restored: int = 0          # removed articles fetched successfully again
    degraded: int = 0          # known articles read worse than their version was (no version made)

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


@dataclass(eq=False)
class ArticleInBatch:
    """One article of the batch as the writer sees it while applying the batch's records."""

    external_id: str | None
    id: int | None = None
    is_new: bool = False
    row: dict = field(default_factory=dict)         # article columns to write
    version: dict | None = None                     # latest version: id, version, content_hash (+ content once loaded)
    sample: dict | None = None                      # latest view run: id (None while pending), first_at, last_at, views
    last_fetched_at: datetime | None = None
    removed_at: datetime | None = None
    dirty: set = field(default_factory=set)         # content columns of the article to rewrite
    touched: bool = False


@dataclass
class PreparedRecord:
    record: dict
    key: str | None
    fetched_at: datetime
    content: dict
    digest: str


def prepare_records(records: Sequence[ArticleRecord | Mapping]) -> list[PreparedRecord]:
    """Normalise and hash every record once, oldest fetch first (raises on a naive datetime)."""
    limit = column_length(ARTICLES, "external_id")
    prepared = []
    for record in records:
        if isinstance(record, ArticleRecord):
            record = record.store_fields()
        key = record.get("external_id")
        content = content_of(record)
        prepared.append(PreparedRecord(record, str(key)[:limit] if key is not None else None,
                                       to_utc(record["fetched_at"]), content, hash_content(content)))
    prepared.sort(key=lambda p: p.fetched_at)
    return prepared


@dataclass
class BatchPlan:
    """What the batch will write, built in memory before any statement runs."""

    articles: dict = field(default_factory=dict)                 # external id -> ArticleInBatch
    new_articles: list[ArticleInBatch] = field(default_factory=list)
    versions: list[dict] = field(default_factory=list)           # rows, with "_article", "_raw", "_url", "_content_type"
    version_refresh: list[dict] = field(default_factory=list)    # {"_id", "content_hash"[, "updated_at", "attachments"]}
    sample_inserts: list[dict] = field(default_factory=list)     # runs, with "_article"
    sample_updates: dict[int, datetime] = field(default_factory=dict)
    attachments: dict[tuple[int, str], dict] = field(default_factory=dict)   # (id(article), key) -> row
    existing_attachments: dict[int, list[dict]] = field(default_factory=dict)  # article id -> stored rows
    claimed_attachments: set[int] = field(default_factory=set)   # ids of stored rows a planned row updates
    documents: dict[str, dict] = field(default_factory=dict)     # canonical -> entry (db/documents.py)
    mentions: dict[tuple[str, int], dict] = field(default_factory=dict)      # (canonical, id(article)) -> row
    existing_mentions: dict[tuple[int, int], dict] = field(default_factory=dict)
    restored: list[tuple[ArticleInBatch, datetime]] = field(default_factory=list)
    portal_key: str = ""                                         # the batch's portal (for citing_order)

    def release(self) -> None:
        # An article and its latest version row and view run point at each other: undone here, a batch's
        # objects go with reference counting instead of waiting for the cycle collector.
        for article in self.articles.values():
            article.version = article.sample = None


# ---- reading what the archive has --------------------------------------------------------------------
def load_batch(conn: Connection, portal_id: int, prepared: list[PreparedRecord], plan: BatchPlan) -> None:
    plan.portal_key = conn.scalar(select(PORTALS.c.key).where(PORTALS.c.id == portal_id)) or ""
    by_id = _load_articles(conn, portal_id, prepared, plan)
    for chunk in chunks(list(by_id)):
        _load_latest(conn, chunk, by_id)
        load_existing_links(conn, chunk, plan)
    # The content of a latest version is only read when some record's hash differs (edits are rare).
    mismatched: dict[int, ArticleInBatch] = {}
    for item in prepared:
        article = plan.articles[item.key]
        if article.version is not None and item.digest != article.version["content_hash"]:
            mismatched[article.version["id"]] = article
    for chunk in chunks(list(mismatched)):
        # A version stored before link keys is keyed by the page it was read from (its raw page): a host
        # move rebased the article's URL, against which the old host's files are off-site (a false edit).
        read_on = dict(conn.execute(select(RAW_PAGES.c.version_id, RAW_PAGES.c.url)
                                    .where(RAW_PAGES.c.version_id.in_(chunk))).all())
        for row in conn.execute(select(VERSIONS).where(VERSIONS.c.id.in_(chunk))):
            article = mismatched[row.id]
            page_url = read_on.get(row.id) or article.row.get("url")
            article.version.update(content=content_of(row._mapping, page_url), changes=row.changes)
    limit = column_length(DOCUMENTS, "canonical")
    load_documents(conn, {ref["canonical"] for item in prepared for ref in (item.record.get("references") or ())
                          if ref.get("canonical") and len(ref["canonical"]) <= limit}, plan)


def _load_articles(conn: Connection, portal_id: int, prepared: list[PreparedRecord],
                   plan: BatchPlan) -> dict[int, ArticleInBatch]:
    """The batch's articles (known ones by id)."""
    for item in prepared:
        plan.articles.setdefault(item.key, ArticleInBatch(external_id=item.key))
    by_id: dict[int, ArticleInBatch] = {}
    for chunk in chunks([k for k in plan.articles if k is not None]):
        for row in conn.execute(
            select(ARTICLES.c.id, ARTICLES.c.external_id, ARTICLES.c.last_fetched_at, ARTICLES.c.removed_at,
                   ARTICLES.c.views, ARTICLES.c.url, ARTICLES.c.source, ARTICLES.c.tags, ARTICLES.c.extracted_by)
            .where(ARTICLES.c.portal_id == portal_id, ARTICLES.c.external_id.in_(chunk))
        ):
            article = plan.articles[row.external_id]
            article.id, article.last_fetched_at, article.removed_at = row.id, row.last_fetched_at, row.removed_at
            # What a degraded fetch leaves as it is (a re-fetch rewrites them: REFETCH_COLUMNS).
            article.row.update(views=row.views, url=row.url, source=row.source, tags=row.tags,
                               extracted_by=row.extracted_by)
            by_id[row.id] = article
    return by_id


def _load_latest(conn: Connection, chunk: list[int], by_id: dict[int, ArticleInBatch]) -> None:
    """Each known article's latest version (number and hash) and latest view run."""
    latest = (select(VERSIONS.c.article_id, func.max(VERSIONS.c.version).label("v"))
              .where(VERSIONS.c.article_id.in_(chunk)).group_by(VERSIONS.c.article_id).subquery())
    for row in conn.execute(
        select(VERSIONS.c.id, VERSIONS.c.article_id, VERSIONS.c.version, VERSIONS.c.content_hash)
        .join(latest, and_(VERSIONS.c.article_id == latest.c.article_id, VERSIONS.c.version == latest.c.v))
    ):
        by_id[row.article_id].version = {"id": row.id, "version": row.version, "content_hash": row.content_hash}
    newest = (select(SAMPLES.c.article_id, func.max(SAMPLES.c.first_at).label("f"))
              .where(SAMPLES.c.article_id.in_(chunk)).group_by(SAMPLES.c.article_id).subquery())
    for row in conn.execute(
        select(SAMPLES.c.id, SAMPLES.c.article_id, SAMPLES.c.first_at, SAMPLES.c.last_at, SAMPLES.c.views)
        .join(newest, and_(SAMPLES.c.article_id == newest.c.article_id, SAMPLES.c.first_at == newest.c.f))
    ):
        by_id[row.article_id].sample = {"id": row.id, "first_at": row.first_at, "last_at": row.last_at,
                                        "views": row.views}


def load_existing_links(conn: Connection, article_ids: list[int], plan: BatchPlan) -> None:
    """The attachments and document mentions the archive has for these articles."""
    for row in conn.execute(
        select(ATTACHMENTS.c.id, ATTACHMENTS.c.article_id, ATTACHMENTS.c.url, ATTACHMENTS.c.title,
               ATTACHMENTS.c.file_name, ATTACHMENTS.c.file_type).where(ATTACHMENTS.c.article_id.in_(article_ids))
    ):
        plan.existing_attachments.setdefault(row.article_id, []).append(row._asdict())
    for row in conn.execute(
        select(MENTIONS.c.id, MENTIONS.c.document_id, MENTIONS.c.article_id, MENTIONS.c.sentence,
               MENTIONS.c.source, MENTIONS.c.first_seen_at).where(MENTIONS.c.article_id.in_(article_ids))
    ):
        plan.existing_mentions[(row.document_id, row.article_id)] = row._asdict()


# ---- applying one record -------------------------------------------------------------------------------
class BatchPlanner:
    """Applies a batch's records, oldest fetch first, to the picture load_batch read."""

    def __init__(self, plan: BatchPlan, result: BatchResult, portal_id: int, *, view_window: timedelta,
                 store_raw_pages: bool):
        self.plan, self.result, self.portal_id = plan, result, portal_id
        self.view_window, self.store_raw_pages = view_window, store_raw_pages

    def apply(self, item: PreparedRecord) -> None:
        article, record, fetched_at = self.plan.articles[item.key], item.record, item.fetched_at
        views = int(record["views"]) if record.get("views") is not None else None
        known = article.id is not None or article.is_new
        if known and article.last_fetched_at is not None and fetched_at < article.last_fetched_at:
            # A late record (a replayed or delayed batch): the archive already has a newer fetch.
            self.result.unchanged += 1
            if views is not None:
                self.result.samples_ignored += 1
            return
        article.touched = True
        if known:
            self._refetched(article, item, views)
        else:
            article.is_new = True
            article.row = fit(ARTICLES, {
                "portal_id": self.portal_id, "external_id": article.external_id, "first_seen_at": fetched_at,
                "removed_at": None, "views": views, **_current(record, item.content, item.digest),
            }, ("url", "author", "source", "category", "extracted_by"))
            self.plan.new_articles.append(article)
            self._new_version(article, item, {})
            self.result.new += 1
        article.row["last_fetched_at"] = article.last_fetched_at = fetched_at
        self._observe_views(article, fetched_at, views)
        self._attachments(article, item.content["attachments"], str(record.get("url") or ""), fetched_at)
        add_references(article, record.get("references") or (), fetched_at, self.plan,
                       citing_order(item.content["published_at"], self.plan.portal_key, article.external_id))

    def _refetched(self, article: ArticleInBatch, item: PreparedRecord, views: int | None) -> None:
        if views is not None:
            article.row["views"] = views
        if self._degraded(article, item, views):
            self.result.degraded += 1
        else:
            self._reread(article, item)
        if article.removed_at is not None and item.fetched_at > article.removed_at:
            article.removed_at = None  # fetched successfully after its removal: it is back
            self.plan.restored.append((article, item.fetched_at))
            self.result.restored += 1

    def _degraded(self, article: ArticleInBatch, item: PreparedRecord, views: int | None) -> bool:
        """A reading worse than the stored version: the generic fallback where the profile read it
        (even when it happens to read the same text: the profile no longer finds the article), or a
        changed reading that lost a field (body, date, view counter). That is a layout change, not an
        edit: it makes no version and keeps the article's columns; detection reports the run's share."""
        if article.version is None:
            return False
        stored_by = article.row.get("extracted_by") or ""
        if item.record.get("extracted_by") == FALLBACK and stored_by not in ("", FALLBACK):
            return True
        if item.digest == article.version["content_hash"]:
            return False  # the same content read again makes no version either way
        if views is None and article.row.get("views") is not None:
            return True
        return bool(lost_fields(article.version["content"], item.content))  # loaded as the hash differs

    def _reread(self, article: ArticleInBatch, item: PreparedRecord) -> None:
        record = item.record
        article.row.update(fit(ARTICLES, {
            "url": str(record.get("url") or ""), "source": str(record.get("source") or ""),
            "tags": list(record.get("tags") or []), "extracted_by": str(record.get("extracted_by") or ""),
        }, ("url", "source", "extracted_by")))
        if article.version is None:
            # An article without any version (written by other means): its history starts here.
            article.row.update(_current(record, item.content, item.digest))
            article.dirty.update(ARTICLE_CONTENT)
            self._new_version(article, item, {})
            self.result.unchanged += 1
        elif item.digest == article.version["content_hash"]:
            self.result.unchanged += 1
        else:
            self._compare(article, item)

    def _compare(self, article: ArticleInBatch, item: PreparedRecord) -> None:
        version, content = article.version, item.content
        previous = version["content"]
        # A version 1 migrated from revision 0001 did not record updated_at or the attachments:
        # they are filled in from the first fetch after the upgrade instead of being reported as edits.
        legacy = is_legacy_version(version["version"], version.get("changes"), previous, version["content_hash"])
        changes = diff_content(previous, content, comparable_fields(legacy))
        if changes:
            # Only the columns whose value differs are written: the search index triggers fire on
            # UPDATE OF title/summary/body_text.
            article.dirty.update(name for name in ARTICLE_CONTENT[:-1] if previous[name] != content[name])
            article.dirty.add("content_hash")
            article.row.update({name: content[name] for name in ARTICLE_CONTENT[:-1]}, content_hash=item.digest)
            self._new_version(article, item, changes)
            self.result.changed += 1
            return
        # The same content under another hash (a legacy or older hash): keep the version's own text,
        # store the current hash (and, for a legacy version, the fields it lacked).
        refreshed = dict(previous, updated_at=content["updated_at"], attachments=content["attachments"]) \
            if legacy else previous
        digest = hash_content(refreshed)
        refresh = {"content_hash": digest}
        if legacy:
            refresh.update(updated_at=refreshed["updated_at"], attachments=refreshed["attachments"])
        if version["id"] is not None:
            self.plan.version_refresh.append({"_id": version["id"], **refresh})
        else:  # a version created earlier in this batch, not yet written
            version["row"].update(refresh)
        version.update(content=refreshed, content_hash=digest)
        article.row.update({name: refreshed[name] for name in ARTICLE_CONTENT[:-1]}, content_hash=digest)
        article.dirty.update(("content_hash", "updated_at") if legacy else ("content_hash",))
        self.result.unchanged += 1

    def _new_version(self, article: ArticleInBatch, item: PreparedRecord, changes: dict) -> None:
        number = article.version["version"] + 1 if article.version else 1
        record = item.record
        row = fit(VERSIONS, {"version": number, "fetched_at": item.fetched_at, "content_hash": item.digest,
                             "changes": changes, **{name: item.content[name] for name in VERSION_FIELDS}},
                  ("author", "category"))
        row.update(_article=article, _raw=record.get("raw_html") if self.store_raw_pages else None,
                   _url=str(record.get("url") or ""), _content_type=str(record.get("content_type") or "text/html"))
        self.plan.versions.append(row)
        article.version = {"id": None, "version": number, "content_hash": item.digest, "content": item.content,
                           "changes": changes, "row": row}
        self.result.versions += 1

    def _observe_views(self, article: ArticleInBatch, at: datetime, views: int | None) -> None:
        """Add one reading to the article's series of runs.

        A reading equal to the latest run's count moves that run's last_at while the run is shorter
        than the window (at - first_at < view_window); any other reading starts a run, so the first
        and the last reading of every run are kept. A reading not newer than the latest run's
        last_at (a replay, or a late batch) is ignored: the series only grows forward, so a late
        reading can never split or reorder runs already written.
        """
        if views is None:
            return
        run = article.sample
        if run is not None and at <= run["last_at"]:
            self.result.samples_ignored += 1
            return
        if run is not None and run["views"] == views and at - run["first_at"] < self.view_window:
            run["last_at"] = at
            if run["id"] is not None:
                self.plan.sample_updates[run["id"]] = at
            self.result.samples_extended += 1
            return
        run = {"id": None, "first_at": at, "last_at": at, "views": views, "_article": article}
        self.plan.sample_inserts.append(run)
        article.sample = run
        self.result.samples_inserted += 1

    def _attachments(self, article: ArticleInBatch, attachments: list[dict], page_url: str, at: datetime) -> None:
        """A row per file, matched by the key its version holds it by (link_key against the page's URL,
        content_of's key): one path on the portal and on another host is two files. A portal that moved
        updates its rows' URLs, never onto a URL another stored row of the article holds."""
        plan = self.plan
        stored = self._stored_rows(article, [a for a in attachments if (id(article), a["key"]) not in plan.attachments],
                                   page_url)
        held = {row["url"]: row["id"] for row in plan.existing_attachments.get(article.id, ())}
        for item in attachments:
            key = (id(article), item["key"])
            row = plan.attachments.get(key)
            if row is None:
                row = plan.attachments[key] = {"_article": article, "_existing": stored.get(item["key"]),
                                               "first_seen_at": at}
            values = fit(ATTACHMENTS, {k: item[k] for k in ATTACHMENT_KEYS}, ("file_name", "file_type"))
            existing = row["_existing"]
            if existing is not None and held.get(values["url"], existing["id"]) != existing["id"]:
                values["url"] = row.get("url") or existing["url"]
            row.update(values, last_seen_at=at)

    def _stored_rows(self, article: ArticleInBatch, attachments: list[dict], page_url: str) -> dict[str, dict]:
        """The stored row of each attachment (by key): the row with its URL, else the row with its key on
        this page; else, for a link on the portal's own site, a row with its path on another host that no
        link of the page claims (the portal's former address). Each stored row serves one key."""
        free = [row for row in self.plan.existing_attachments.get(article.id, ())
                if row["id"] not in self.plan.claimed_attachments]
        found: dict[str, dict] = {}

        def claim(rows: list[dict], item: dict, matches) -> None:
            row = next((row for row in rows if row["id"] not in self.plan.claimed_attachments and matches(row)), None)
            if row is not None and item["key"] not in found:
                found[item["key"]] = row
                self.plan.claimed_attachments.add(row["id"])

        for item in attachments:
            claim(free, item, lambda row: row["url"] == item["url"])
        for item in attachments:
            claim(free, item, lambda row: link_key(row["url"], page_url) == item["key"])
        for item in attachments:
            if item["key"].startswith("/") and not item["key"].startswith("//"):
                claim(free, item, lambda row: link_key(row["url"]) == item["key"])
        return found


def _current(record: dict, content: dict, digest: str) -> dict:
    """The article columns that copy its latest version, and its unversioned fields."""
    row = {name: content[name] for name in VERSION_FIELDS if name != "attachments"}
    row.update(url=str(record.get("url") or ""), source=str(record.get("source") or ""),
               tags=list(record.get("tags") or []), extracted_by=str(record.get("extracted_by") or ""),
               content_hash=digest)
    return row
