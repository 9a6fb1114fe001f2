"""Writing crawl results into the archive: idempotent, batched, one transaction per batch.

What one fetched article page leaves behind (tables in db/models.py):

* ``articles``: the current state; removal is a state (``removed_at``), never a deletion.
* ``article_versions``: version 1 on first sight, then a new row only when the content changes
  (title, summary, body, author, category, publication date, update date, the attachment set),
  with ``changes = {field: {"old": …, "new": …}}``. A view count is never content, and neither
  is the old/new tone placement (hoà/hòa) or white space: see :func:`content_hash`.
* ``view_samples``: runs of equal readings (first_at … last_at); see :meth:`ArchiveWriter._observe_views`.
* ``attachments`` (by article and URL), ``documents`` (by canonical number, as first seen) and
  ``document_mentions`` (by document and article).
* ``raw_pages``: the fetched page, compressed (zstd, else zlib; the row says which), for every
  version created, so that a profile fix can re-extract the history (db/reparse.py). An
  unchanged re-fetch stores nothing.

A batch is read with a handful of queries (the batch's articles, their latest version and view
sample, their attachments and mentions, the documents it names) and written with Core
executemany statements, inside one transaction: a failure anywhere leaves nothing of the batch.
"""
from __future__ import annotations

import hashlib
import threading
import zlib
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from datetime import date, datetime, timedelta, timezone
from typing import Any, Iterable

from sqlalchemy import Connection, String, and_, bindparam, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from vntext.textnorm import tone_key
from db.engine import get_engine, session_factory
from db.models import (
    Article, ArticleVersion, Attachment, CrawlRun, Document, DocumentMention, Portal, RawPage, Tombstone, ViewSample,
    utcnow,
)
from db.schema import upgrade

ARTICLES = Article.__table__
VERSIONS = ArticleVersion.__table__
SAMPLES = ViewSample.__table__
ATTACHMENTS = Attachment.__table__
DOCUMENTS = Document.__table__
MENTIONS = DocumentMention.__table__
TOMBSTONES = Tombstone.__table__
RAW_PAGES = RawPage.__table__

TEXT_FIELDS = ("title", "summary", "body_text", "author", "category")
DATE_FIELDS = ("published_at", "updated_at")
# What an article says: a change in any of these makes a new version.
VERSION_FIELDS = ("title", "summary", "body_text", "author", "category", "published_at", "published_has_time",
                  "updated_at", "attachments")
ATTACHMENT_KEYS = ("url", "title", "file_type", "file_name")
DOCUMENT_KEYS = ("system", "type", "type_name", "number", "year", "issuer")
# The article's copy of its latest version (attachments live in the version and the attachments table).
ARTICLE_CONTENT = tuple(name for name in VERSION_FIELDS if name != "attachments") + ("content_hash",)

DEFAULT_VIEW_WINDOW = timedelta(hours=24)
_IN_CHUNK = 500  # ids per IN (…) list


# ---- content: normalisation, hash, differences ------------------------------------------------------
def _utc(value: Any) -> datetime | None:
    """An aware datetime (or ISO string) as UTC; naive datetimes are refused like the column type does."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if not isinstance(value, datetime):
        raise TypeError(f"expected a datetime, got {value!r}")
    if value.tzinfo is None:
        raise ValueError("naive datetime given to the archive; pass an aware datetime")
    return value.astimezone(timezone.utc)


def _date(value: Any) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def normalize_attachments(items: Iterable[dict] | None) -> list[dict]:
    """{"url", "title", "file_type", "file_name"} per distinct URL, in page order."""
    out: dict[str, dict] = {}
    for item in items or ():
        url = str(item.get("url") or "").strip()[:_length(ATTACHMENTS, "url")]
        if url and url not in out:
            out[url] = {"url": url, "title": str(item.get("title") or ""),
                        "file_type": str(item.get("file_type") or ""), "file_name": str(item.get("file_name") or "")}
    return list(out.values())


def content_of(record: dict) -> dict:
    """The versioned fields of a record (or of a stored version), normalised: "" for missing text,
    UTC datetimes, published_has_time False without a date, attachments de-duplicated."""
    content = {name: str(record.get(name) or "") for name in TEXT_FIELDS}
    for name in DATE_FIELDS:
        content[name] = _utc(record.get(name))
    content["published_has_time"] = bool(record.get("published_has_time", True)) if content["published_at"] else False
    content["attachments"] = normalize_attachments(record.get("attachments"))
    return content


def _key(name: str, value: Any) -> str:
    """Comparison key of one versioned field: tone placement and white space are not changes."""
    if name in TEXT_FIELDS:
        return tone_key(value)
    if name in DATE_FIELDS:
        return value.isoformat() if value is not None else ""
    if name == "published_has_time":
        return "1" if value else "0"
    if name == "attachments":  # a set: page order is not a change
        rows = sorted((a["url"], tone_key(a["title"]), a["file_type"], a["file_name"]) for a in value)
        return "\x1e".join("\x1d".join(row) for row in rows)
    raise KeyError(name)


def content_hash(record: dict) -> str:
    """Identity of what an article says (see VERSION_FIELDS): counters and page furniture are not
    part of it, and old/new tone placement (hoà/hòa) is not a change."""
    return _digest(content_of(record))


def _digest(content: dict) -> str:
    """content_hash of an already normalised content (content_of)."""
    parts = [_key(name, content[name]) for name in VERSION_FIELDS]
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()


def is_legacy_version(number: int, changes: dict | None, content: dict, stored_hash: str) -> bool:
    """A version 1 made by migration 0002 from a revision-0001 article: it has no updated_at and no
    attachments because 0001 did not store them, and its hash is 0001's (not content_hash of its
    fields, which every version this module writes has)."""
    return (number == 1 and not changes and not content["attachments"] and content["updated_at"] is None
            and _digest(content) != stored_hash)


def comparable_fields(previous_is_legacy: bool) -> tuple[str, ...]:
    """The fields whose difference from the previous version is a change."""
    if previous_is_legacy:
        return tuple(f for f in VERSION_FIELDS if f not in ("updated_at", "attachments"))
    return VERSION_FIELDS


def _jsonable(value: Any) -> Any:
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, list):
        return [dict(item) if isinstance(item, dict) else item for item in value]
    return value


def diff_content(old: dict, new: dict, fields: Iterable[str] = VERSION_FIELDS) -> dict:
    """{field: {"old": …, "new": …}} for the fields whose comparison keys differ (JSON-ready)."""
    return {
        name: {"old": _jsonable(old[name]), "new": _jsonable(new[name])}
        for name in fields if _key(name, old[name]) != _key(name, new[name])
    }


# ---- raw pages ------------------------------------------------------------------------------------------
def _zstd():
    """The zstd module: the standard library's (Python 3.14+), else its backport, which Scrapy
    requires on older Pythons (so it is there wherever the crawler runs); None without either."""
    try:
        from compression import zstd  # type: ignore[import-not-found]
    except ImportError:
        try:
            from backports import zstd  # type: ignore[no-redef]
        except ImportError:
            return None
    return zstd


_ZSTD = _zstd()
# zstd level 3 compresses a portal page ~4x faster than zlib level 6, to the same size.
DEFAULT_COMPRESSION = "zstd" if _ZSTD is not None else "zlib"
LEVELS = {"zstd": 3, "zlib": 6}


_COMPRESSORS = threading.local()


def _zstd_compressor():
    # One context per thread, reused for every page: zstd.compress() makes a new one per call, a quarter of
    # its time on a portal page; a zstd context must not be shared by threads at once.
    compressor = getattr(_COMPRESSORS, "zstd", None)
    if compressor is None:
        compressor = _COMPRESSORS.zstd = _ZSTD.ZstdCompressor(level=LEVELS["zstd"])
    return compressor


def compress_page(page: str | bytes, compression: str = DEFAULT_COMPRESSION) -> bytes:
    """A fetched page (text is stored as UTF-8) compressed with `compression` ("zstd" or "zlib")."""
    data = page.encode("utf-8") if isinstance(page, str) else bytes(page)
    if compression == "zstd":
        if _ZSTD is None:
            raise RuntimeError("zstd is not available: install backports.zstd or use compression='zlib'")
        return _zstd_compressor().compress(data, _ZSTD.ZstdCompressor.FLUSH_FRAME)
    if compression == "zlib":
        return zlib.compress(data, LEVELS["zlib"])
    raise ValueError(f"unknown raw page compression {compression!r}")


def decompress_page(body: bytes, compression: str) -> bytes:
    """The stored page's bytes (UTF-8 for pages the crawler stored as text); RawPage.compression
    says how it was stored."""
    if compression == "zstd":
        if _ZSTD is None:
            raise RuntimeError("this page is zstd-compressed: install backports.zstd (Python < 3.14) to read it")
        return _ZSTD.decompress(body)
    if compression == "zlib":
        return zlib.decompress(body)
    if compression in ("", "none", "identity"):
        return bytes(body)
    raise ValueError(f"unknown raw page compression {compression!r}")


# ---- helpers --------------------------------------------------------------------------------------------
@lru_cache(maxsize=None)
def _length(table, column: str) -> int | None:
    type_ = table.c[column].type
    return type_.length if isinstance(type_, String) else None


def _fit(table, row: dict, columns: Iterable[str]) -> dict:
    """Truncate strings to their column's length: PostgreSQL refuses a longer value (and with it
    the whole batch), SQLite would keep it; either way one overlong byline must not cost a batch."""
    for column in columns:
        value, limit = row.get(column), _length(table, column)
        if isinstance(value, str) and limit and len(value) > limit:
            row[column] = value[:limit]
    return row


def _chunks(items: list, size: int = _IN_CHUNK):
    for start in range(0, len(items), size):
        yield items[start:start + size]


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

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


@dataclass(eq=False)
class _State:
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
class _Prepared:
    record: dict
    key: str | None
    fetched_at: datetime
    content: dict
    digest: str


@dataclass
class _Plan:
    """What the batch will write, built in memory before any statement runs."""

    states: dict = field(default_factory=dict)                   # external id -> _State
    new_states: list[_State] = field(default_factory=list)
    versions: list[dict] = field(default_factory=list)           # rows, with "_state", "_raw", "_url", "_content_type"
    version_refresh: list[dict] = field(default_factory=list)    # {"_id", "content_hash"[, "updated_at", "attachments"]}
    sample_inserts: list[dict] = field(default_factory=list)     # runs, with "_state"
    sample_updates: dict[int, datetime] = field(default_factory=dict)
    attachments: dict[tuple[int, str], dict] = field(default_factory=dict)   # (id(state), url) -> row
    existing_attachments: dict[tuple[int, str], dict] = field(default_factory=dict)
    documents: dict[str, dict] = field(default_factory=dict)     # canonical -> {"id", "issued_on", "fill", "row"}
    mentions: dict[tuple[str, int], dict] = field(default_factory=dict)      # (canonical, id(state)) -> row
    existing_mentions: dict[tuple[int, int], dict] = field(default_factory=dict)
    restored: list[tuple[_State, datetime]] = field(default_factory=list)


class ArchiveWriter:
    """Writes crawl results; safe to use from several processes at once (see write_articles)."""

    def __init__(self, url: str, *, view_window: timedelta = DEFAULT_VIEW_WINDOW, store_raw_pages: bool = True,
                 compression: str = DEFAULT_COMPRESSION):
        if compression not in LEVELS:
            raise ValueError(f"unknown raw page compression {compression!r} (known: {', '.join(LEVELS)})")
        upgrade(url)
        self.compression = compression
        self.url = url
        self.engine = get_engine(url)
        self.Session = session_factory(url)
        self.view_window = view_window
        self.store_raw_pages = store_raw_pages

    def ensure_portal(self, key: str, name: str, base_url: str, profile: str) -> int:
        for attempt in range(2):
            try:
                with self.Session.begin() as session:
                    portal = session.scalar(select(Portal).where(Portal.key == key))
                    if portal is None:
                        portal = Portal(key=key, name=name, base_url=base_url, profile=profile)
                        session.add(portal)
                    else:
                        portal.name, portal.base_url, portal.profile = name, base_url, profile
                    session.flush()
                    return portal.id
            except IntegrityError:  # another crawler created it at the same moment
                if attempt:
                    raise
        raise AssertionError("unreachable")

    # ---- articles -----------------------------------------------------------------------------
    def write_articles(self, portal_id: int, records: list[dict]) -> BatchResult:
        """Upsert a batch of fetched articles (the spider's items) in one transaction.

        Required keys: external_id, url, title, fetched_at (aware). Optional: summary, body_text,
        author, source, category, tags, published_at, published_has_time, updated_at, views,
        extracted_by, attachments, references, raw_html, content_type.

        Idempotent: writing the same batch again changes nothing (same content, same readings).
        Records are applied in fetched_at order; a record older than what the archive already has
        for its article (a late or replayed batch) changes neither the article nor its series.
        The whole batch commits or none of it does; a concurrent writer that inserted the same
        article (or document) first makes the batch run again against the new rows.
        """
        if not records:
            return BatchResult()
        prepared = self._prepare(records)
        for attempt in range(3):
            try:
                return self._write(portal_id, prepared)
            except IntegrityError:
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    @staticmethod
    def _prepare(records: list[dict]) -> list[_Prepared]:
        """Normalise and hash every record once, oldest fetch first (raises on a naive datetime)."""
        limit = _length(ARTICLES, "external_id")
        prepared = []
        for record in records:
            key = record.get("external_id")
            content = content_of(record)
            prepared.append(_Prepared(record, str(key)[:limit] if key is not None else None,
                                      _utc(record["fetched_at"]), content, _digest(content)))
        prepared.sort(key=lambda p: p.fetched_at)
        return prepared

    def _write(self, portal_id: int, prepared: list[_Prepared]) -> BatchResult:
        result = BatchResult()
        plan = _Plan()
        try:
            with self.engine.begin() as conn:
                self._load(conn, portal_id, prepared, plan)
                for item in prepared:
                    self._apply(item, plan.states[item.key], plan, result, portal_id)
                self._flush(conn, plan, result)
        finally:
            # A state and its latest version row and view run point at each other: undone here, a batch's
            # objects go with reference counting instead of waiting for the cycle collector.
            for state in plan.states.values():
                state.version = state.sample = None
        return result

    # -- reading what the archive has ------------------------------------------------------------
    def _load(self, conn: Connection, portal_id: int, prepared: list[_Prepared], plan: _Plan) -> None:
        states = plan.states
        for item in prepared:
            states.setdefault(item.key, _State(external_id=item.key))
        by_id: dict[int, _State] = {}
        for chunk in _chunks([k for k in states if k is not None]):
            for row in conn.execute(
                select(ARTICLES.c.id, ARTICLES.c.external_id, ARTICLES.c.last_fetched_at, ARTICLES.c.removed_at,
                       ARTICLES.c.views)
                .where(ARTICLES.c.portal_id == portal_id, ARTICLES.c.external_id.in_(chunk))
            ):
                state = states[row.external_id]
                state.id, state.last_fetched_at, state.removed_at = row.id, row.last_fetched_at, row.removed_at
                state.row["views"] = row.views
                by_id[row.id] = state
        for chunk in _chunks(list(by_id)):
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
            for row in conn.execute(
                select(ATTACHMENTS.c.id, ATTACHMENTS.c.article_id, ATTACHMENTS.c.url, ATTACHMENTS.c.title,
                       ATTACHMENTS.c.file_name, ATTACHMENTS.c.file_type).where(ATTACHMENTS.c.article_id.in_(chunk))
            ):
                plan.existing_attachments[(row.article_id, row.url)] = row._asdict()
            for row in conn.execute(
                select(MENTIONS.c.id, MENTIONS.c.document_id, MENTIONS.c.article_id, MENTIONS.c.sentence,
                       MENTIONS.c.source).where(MENTIONS.c.article_id.in_(chunk))
            ):
                plan.existing_mentions[(row.document_id, row.article_id)] = row._asdict()
        # The content of a latest version is only read when some record's hash differs (edits are rare).
        mismatched: dict[int, _State] = {}
        for item in prepared:
            state = states[item.key]
            if state.version is not None and item.digest != state.version["content_hash"]:
                mismatched[state.version["id"]] = state
        for chunk in _chunks(list(mismatched)):
            for row in conn.execute(select(VERSIONS).where(VERSIONS.c.id.in_(chunk))):
                mismatched[row.id].version.update(content=content_of(row._mapping), changes=row.changes)
        limit = _length(DOCUMENTS, "canonical")
        canonicals = {ref["canonical"] for item in prepared for ref in (item.record.get("references") or ())
                      if ref.get("canonical") and len(ref["canonical"]) <= limit}
        for chunk in _chunks(sorted(canonicals)):
            for row in conn.execute(select(DOCUMENTS.c.id, DOCUMENTS.c.canonical, DOCUMENTS.c.issued_on)
                                    .where(DOCUMENTS.c.canonical.in_(chunk))):
                plan.documents[row.canonical] = {"id": row.id, "issued_on": row.issued_on, "fill": None}

    # -- applying one record -------------------------------------------------------------------------
    def _apply(self, item: _Prepared, state: _State, plan: _Plan, result: BatchResult, portal_id: int) -> None:
        record, fetched_at, content, digest = item.record, item.fetched_at, item.content, item.digest
        views = record.get("views")
        views = int(views) if views is not None else None
        known = state.id is not None or state.is_new
        if known and state.last_fetched_at is not None and fetched_at < state.last_fetched_at:
            # A late record (a replayed or delayed batch): the archive already has a newer fetch.
            result.unchanged += 1
            if views is not None:
                result.samples_ignored += 1
            return
        state.touched = True
        if not known:
            state.is_new = True
            state.row = _fit(ARTICLES, {
                "portal_id": portal_id, "external_id": state.external_id, "first_seen_at": fetched_at,
                "removed_at": None, "views": views, **self._current(record, content, digest),
            }, ("url", "author", "source", "category", "extracted_by"))
            plan.new_states.append(state)
            self._new_version(state, item, {}, plan, result)
            result.new += 1
        else:
            state.row.update(_fit(ARTICLES, {
                "url": str(record.get("url") or ""), "source": str(record.get("source") or ""),
                "tags": list(record.get("tags") or []), "extracted_by": str(record.get("extracted_by") or ""),
            }, ("url", "source", "extracted_by")))
            if views is not None:
                state.row["views"] = views
            if state.version is None:
                # An article without any version (written by other means): its history starts here.
                state.row.update(self._current(record, content, digest))
                state.dirty.update(ARTICLE_CONTENT)
                self._new_version(state, item, {}, plan, result)
                result.unchanged += 1
            elif digest == state.version["content_hash"]:
                result.unchanged += 1
            else:
                self._compare(state, item, plan, result)
            if state.removed_at is not None and fetched_at > state.removed_at:
                state.removed_at = None  # fetched successfully after its removal: it is back
                plan.restored.append((state, fetched_at))
                result.restored += 1
        state.row["last_fetched_at"] = state.last_fetched_at = fetched_at
        self._observe_views(state, fetched_at, views, plan, result)
        self._attachments(state, content["attachments"], fetched_at, plan)
        self._references(state, record.get("references") or (), fetched_at, plan)

    @staticmethod
    def _current(record: dict, content: dict, digest: str) -> dict:
        row = {name: content[name] for name in VERSION_FIELDS if name != "attachments"}
        row.update(url=str(record.get("url") or ""), source=str(record.get("source") or ""),
                   tags=list(record.get("tags") or []), extracted_by=str(record.get("extracted_by") or ""),
                   content_hash=digest)
        return row

    def _compare(self, state: _State, item: _Prepared, plan: _Plan, result: BatchResult) -> None:
        version, content = state.version, item.content
        previous = version["content"]
        # A version 1 migrated from revision 0001 did not record updated_at or the attachments:
        # they are filled in from the first fetch after the upgrade instead of being reported as edits.
        legacy = is_legacy_version(version["version"], version.get("changes"), previous, version["content_hash"])
        fields = comparable_fields(legacy)
        changes = diff_content(previous, content, fields)
        if changes:
            # Only the columns whose value differs are written: the search index triggers fire on
            # UPDATE OF title/summary/body_text.
            state.dirty.update(name for name in ARTICLE_CONTENT[:-1] if previous[name] != content[name])
            state.dirty.add("content_hash")
            state.row.update({name: content[name] for name in ARTICLE_CONTENT[:-1]}, content_hash=item.digest)
            self._new_version(state, item, changes, plan, result)
            result.changed += 1
            return
        # The same content under another hash (a legacy or older hash): keep the version's own text,
        # store the current hash (and, for a legacy version, the fields it lacked).
        refreshed = dict(previous, updated_at=content["updated_at"], attachments=content["attachments"]) \
            if legacy else previous
        digest = _digest(refreshed)
        refresh = {"content_hash": digest}
        if legacy:
            refresh.update(updated_at=refreshed["updated_at"], attachments=refreshed["attachments"])
        if version["id"] is not None:
            plan.version_refresh.append({"_id": version["id"], **refresh})
        else:  # a version created earlier in this batch, not yet written
            version["row"].update(refresh)
        version.update(content=refreshed, content_hash=digest)
        state.row.update({name: refreshed[name] for name in ARTICLE_CONTENT[:-1]}, content_hash=digest)
        state.dirty.update(("content_hash", "updated_at") if legacy else ("content_hash",))
        result.unchanged += 1

    def _new_version(self, state: _State, item: _Prepared, changes: dict, plan: _Plan, result: BatchResult) -> None:
        number = state.version["version"] + 1 if state.version else 1
        record = item.record
        row = _fit(VERSIONS, {"version": number, "fetched_at": item.fetched_at, "content_hash": item.digest,
                              "changes": changes, **{name: item.content[name] for name in VERSION_FIELDS}},
                   ("author", "category"))
        row.update(_state=state, _raw=record.get("raw_html") if self.store_raw_pages else None,
                   _url=str(record.get("url") or ""), _content_type=str(record.get("content_type") or "text/html"))
        plan.versions.append(row)
        state.version = {"id": None, "version": number, "content_hash": item.digest, "content": item.content,
                         "changes": changes, "row": row}
        result.versions += 1

    def _observe_views(self, state: _State, at: datetime, views: int | None, plan: _Plan, result: BatchResult) -> None:
        """Add one reading to the article's series of runs.

        A reading equal to the latest run's count moves that run's last_at while the run is shorter
        than the window (at - first_at < view_window); any other reading starts a run, so the first
        and the last reading of every run are kept. A reading not newer than the latest run's
        last_at (a replay, or a late batch) is ignored: the series only grows forward, so a late
        reading can never split or reorder runs already written.
        """
        if views is None:
            return
        run = state.sample
        if run is not None and at <= run["last_at"]:
            result.samples_ignored += 1
            return
        if run is not None and run["views"] == views and at - run["first_at"] < self.view_window:
            run["last_at"] = at
            if run["id"] is not None:
                plan.sample_updates[run["id"]] = at
            result.samples_extended += 1
            return
        run = {"id": None, "first_at": at, "last_at": at, "views": views, "_state": state}
        plan.sample_inserts.append(run)
        state.sample = run
        result.samples_inserted += 1

    @staticmethod
    def _attachments(state: _State, attachments: list[dict], at: datetime, plan: _Plan) -> None:
        for item in attachments:
            key = (id(state), item["url"])
            row = plan.attachments.get(key)
            if row is None:
                existing = plan.existing_attachments.get((state.id, item["url"])) if state.id is not None else None
                row = plan.attachments[key] = {"_state": state, "_existing": existing, "first_seen_at": at}
            row.update(_fit(ATTACHMENTS, {k: item[k] for k in ATTACHMENT_KEYS}, ("file_name", "file_type")),
                       last_seen_at=at)

    @staticmethod
    def _references(state: _State, references: Iterable[dict], at: datetime, plan: _Plan) -> None:
        limit = _length(DOCUMENTS, "canonical")
        for ref in references:
            canonical = ref.get("canonical")
            if not canonical or len(canonical) > limit:
                continue  # no key to store it under
            issued_on = _date(ref.get("issued_on"))
            document = plan.documents.get(canonical)
            if document is None:  # first sighting ever: this article, this fetch, these fields
                row = {"canonical": canonical, "first_seen_at": at, "issued_on": issued_on,
                       **{k: ref.get(k) for k in DOCUMENT_KEYS}}
                row["system"], row["number"] = row["system"] or "", row["number"] or ""
                document = plan.documents[canonical] = {
                    "id": None, "issued_on": issued_on, "fill": None, "_state": state,
                    "row": _fit(DOCUMENTS, row, ("system", "type", "type_name", "number", "issuer"))}
            elif document["issued_on"] is None and issued_on is not None:  # a later sighting tells the date
                document["issued_on"] = issued_on
                if document["id"] is None:
                    document["row"]["issued_on"] = issued_on
                else:
                    document["fill"] = issued_on
            key = (canonical, id(state))
            mention = plan.mentions.get(key)
            if mention is None:
                mention = plan.mentions[key] = {"_state": state, "_canonical": canonical, "first_seen_at": at}
            mention.update(_fit(MENTIONS, {"sentence": str(ref.get("sentence") or ""),
                                           "source": str(ref.get("source") or "text")}, ("source",)))

    # -- writing ------------------------------------------------------------------------------------
    def _flush(self, conn: Connection, plan: _Plan, result: BatchResult) -> None:
        # Inserts are plain executemany statements and ids are read back by natural key: INSERT …
        # RETURNING in parameter order would cost one statement per row on SQLite.
        if plan.new_states:
            conn.execute(insert(ARTICLES), [s.row for s in plan.new_states])
            by_key = {s.external_id: s for s in plan.new_states}
            portal_id = plan.new_states[0].row["portal_id"]
            for chunk in _chunks(list(by_key)):
                for row in conn.execute(select(ARTICLES.c.id, ARTICLES.c.external_id).where(
                        ARTICLES.c.portal_id == portal_id, ARTICLES.c.external_id.in_(chunk))):
                    by_key[row.external_id].id = row.id
        touched = [s for s in plan.states.values() if s.touched and not s.is_new]
        if touched:
            keys = ("url", "source", "tags", "extracted_by", "last_fetched_at", "views")
            conn.execute(update(ARTICLES).where(ARTICLES.c.id == bindparam("_id")),
                         [{"_id": s.id, "removed_at": s.removed_at, **{k: s.row[k] for k in keys}} for s in touched])
            groups: dict[frozenset, list[dict]] = {}  # executemany needs the same columns in every row
            for s in touched:
                if s.dirty:
                    groups.setdefault(frozenset(s.dirty), []).append({"_id": s.id, **{k: s.row[k] for k in s.dirty}})
            for rows in groups.values():
                conn.execute(update(ARTICLES).where(ARTICLES.c.id == bindparam("_id")), rows)
        if plan.versions:
            rows = [{k: v for k, v in row.items() if not k.startswith("_")} | {"article_id": row["_state"].id}
                    for row in plan.versions]
            conn.execute(insert(VERSIONS), rows)
            with_pages = [row for row in plan.versions if row["_raw"] is not None]
            ids: dict[tuple[int, int], int] = {}
            for chunk in _chunks(sorted({row["_state"].id for row in with_pages})):
                for found in conn.execute(select(VERSIONS.c.id, VERSIONS.c.article_id, VERSIONS.c.version).where(
                        VERSIONS.c.article_id.in_(chunk))):
                    ids[(found.article_id, found.version)] = found.id
            with_pages = [(row, ids[(row["_state"].id, row["version"])]) for row in with_pages]
            if with_pages:
                bodies = [compress_page(row["_raw"], self.compression) for row, _ in with_pages]
                conn.execute(insert(RAW_PAGES), [
                    _fit(RAW_PAGES, {"article_id": row["_state"].id, "version_id": version_id,
                                     "fetched_at": row["fetched_at"], "url": row["_url"],
                                     "content_type": row["_content_type"], "compression": self.compression,
                                     "body": body}, ("url", "content_type"))
                    for (row, version_id), body in zip(with_pages, bodies)])
                result.raw_pages += len(with_pages)
        for group in (r for r in plan.version_refresh if len(r) == 2), (r for r in plan.version_refresh if len(r) > 2):
            rows = list(group)
            if rows:  # executemany needs the same columns in every row
                conn.execute(update(VERSIONS).where(VERSIONS.c.id == bindparam("_id")), rows)
        if plan.sample_inserts:
            conn.execute(insert(SAMPLES), [{"article_id": run["_state"].id, "first_at": run["first_at"],
                                            "last_at": run["last_at"], "views": run["views"]}
                                           for run in plan.sample_inserts])
        if plan.sample_updates:
            conn.execute(update(SAMPLES).where(SAMPLES.c.id == bindparam("_id")),
                         [{"_id": sid, "last_at": at} for sid, at in plan.sample_updates.items()])
        self._flush_attachments(conn, plan, result)
        self._flush_documents(conn, plan, result)
        if plan.restored:
            conn.execute(update(TOMBSTONES).where(TOMBSTONES.c.article_id == bindparam("_article"),
                                                  TOMBSTONES.c.restored_at.is_(None)),
                         [{"_article": state.id, "restored_at": at} for state, at in plan.restored])

    @staticmethod
    def _flush_attachments(conn: Connection, plan: _Plan, result: BatchResult) -> None:
        inserts, updates = [], []
        for row in plan.attachments.values():
            values = {k: v for k, v in row.items() if not k.startswith("_")}
            if row["_existing"] is None:
                inserts.append({**values, "article_id": row["_state"].id})
            else:
                updates.append({"_id": row["_existing"]["id"], "last_seen_at": values["last_seen_at"],
                                **{k: values[k] for k in ("title", "file_name", "file_type")}})
        if inserts:
            conn.execute(insert(ATTACHMENTS), inserts)
            result.attachments_new += len(inserts)
        if updates:
            conn.execute(update(ATTACHMENTS).where(ATTACHMENTS.c.id == bindparam("_id")), updates)

    @staticmethod
    def _flush_documents(conn: Connection, plan: _Plan, result: BatchResult) -> None:
        pending = [doc for doc in plan.documents.values() if doc["id"] is None]
        if pending:
            conn.execute(insert(DOCUMENTS), [doc["row"] | {"first_article_id": doc["_state"].id} for doc in pending])
            for chunk in _chunks(sorted(doc["row"]["canonical"] for doc in pending)):
                for row in conn.execute(select(DOCUMENTS.c.id, DOCUMENTS.c.canonical).where(
                        DOCUMENTS.c.canonical.in_(chunk))):
                    plan.documents[row.canonical]["id"] = row.id
            result.documents_new += len(pending)
        fills = [{"_id": doc["id"], "issued_on": doc["fill"]} for doc in plan.documents.values() if doc["fill"]]
        if fills:  # issued_on only fills a gap, never overwrites the first sighting's date
            conn.execute(update(DOCUMENTS).where(DOCUMENTS.c.id == bindparam("_id"), DOCUMENTS.c.issued_on.is_(None)),
                         fills)
        inserts, updates = [], []
        for mention in plan.mentions.values():
            document_id, article_id = plan.documents[mention["_canonical"]]["id"], mention["_state"].id
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

    # ---- removals --------------------------------------------------------------------------------
    def mark_removed(self, portal_id: int, external_id: str, at: datetime, reason: str = "") -> bool:
        """Record that an article went away (the caller decided: 404 twice, gone from listings …).

        The row and its history stay; an open tombstone is added. Idempotent: an article already
        marked removed gets no second tombstone (returns False). Raises LookupError for an
        article the archive does not have.
        """
        at = _utc(at)
        with self.engine.begin() as conn:
            article_id = self._article_id(conn, portal_id, external_id)
            # The guarded UPDATE is the lock: of two concurrent callers only one changes the row.
            changed = conn.execute(update(ARTICLES).where(ARTICLES.c.id == article_id, ARTICLES.c.removed_at.is_(None))
                                   .values(removed_at=at)).rowcount
            if not changed:
                return False
            conn.execute(insert(TOMBSTONES).values(_fit(TOMBSTONES, {
                "article_id": article_id, "removed_at": at, "reason": reason or "", "restored_at": None}, ("reason",))))
            return True

    def mark_restored(self, portal_id: int, external_id: str, at: datetime) -> bool:
        """Close the open tombstone of a removed article (it is back). Idempotent: False when the
        article is not marked removed. (A successful fetch in write_articles restores it too.)"""
        at = _utc(at)
        with self.engine.begin() as conn:
            article_id = self._article_id(conn, portal_id, external_id)
            changed = conn.execute(update(ARTICLES).where(ARTICLES.c.id == article_id, ARTICLES.c.removed_at.is_not(None))
                                   .values(removed_at=None)).rowcount
            if not changed:
                return False
            conn.execute(update(TOMBSTONES).where(TOMBSTONES.c.article_id == article_id,
                                                  TOMBSTONES.c.restored_at.is_(None)).values(restored_at=at))
            return True

    @staticmethod
    def _article_id(conn: Connection, portal_id: int, external_id: str) -> int:
        article_id = conn.scalar(select(ARTICLES.c.id).where(ARTICLES.c.portal_id == portal_id,
                                                             ARTICLES.c.external_id == str(external_id)))
        if article_id is None:
            raise LookupError(f"no article {external_id!r} in portal {portal_id}")
        return article_id

    # ---- crawl runs -------------------------------------------------------------------------
    def start_run(self, portal_id: int) -> int:
        with self.Session.begin() as session:
            run = CrawlRun(portal_id=portal_id, status="running", started_at=utcnow(), message="")
            session.add(run)
            session.flush()
            return run.id

    def update_run(self, run_id: int, **values) -> None:
        with self.Session.begin() as session:
            session.execute(update(CrawlRun).where(CrawlRun.id == run_id).values(**values))
