"""Re-extracting archived pages with the current profile (`portalwatch reparse SITE`).

Every version the crawler created keeps the page it came from (raw_pages). When a profile is
fixed, re-running its extraction over those pages corrects the history: each version's fields
and hash, the `changes` between consecutive versions, and the article's current state (its
latest version). Versions without a stored page (migrated from revision 0001) keep what they have.
One transaction per group of articles: an interrupted run leaves every article either fully
re-extracted or untouched.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from sqlalchemy import bindparam, select, update

from crawler.extract import extract_page
from db.engine import get_engine
from db.models import Portal
from db.schema import upgrade
from db.store import (
    ARTICLES, DOCUMENTS, MENTIONS, RAW_PAGES, VERSION_FIELDS, VERSIONS, ArchiveWriter, BatchResult, _chunks, _Plan,
    _State, comparable_fields, content_hash, content_of, decompress_page, diff_content, is_legacy_version,
)

ARTICLES_PER_TRANSACTION = 200


@dataclass
class ReparseResult:
    site: str
    profile: str
    articles: int = 0            # articles with at least one stored page
    pages: int = 0               # pages re-extracted successfully
    versions_changed: int = 0    # versions whose fields changed
    changes_rewritten: int = 0   # versions whose `changes` (against the previous version) changed
    articles_changed: int = 0    # articles whose current state changed
    failures: int = 0            # pages that could not be decoded or gave no article
    problems: list[str] = field(default_factory=list)  # the first failures, for people

    def as_dict(self) -> dict:
        return {k: v for k, v in self.__dict__.items()}


def _record(article) -> dict:
    return {k: v for k, v in article.store_fields().items() if k in _RECORD_FIELDS}


_RECORD_FIELDS = ("title", "summary", "body_text", "author", "category", "published_at", "published_has_time",
                  "updated_at", "attachments", "source", "tags", "references")


def _differs(old: dict, new: dict) -> bool:
    """Exact comparison: a re-extraction stores exactly what the profile reads now."""
    return any(old[name] != new[name] for name in VERSION_FIELDS)


def reparse_site(db_url: str, site: str, *, profile: str | None = None, dry_run: bool = False,
                 progress: Callable[[ReparseResult], None] | None = None) -> ReparseResult:
    """Re-extract every stored page of a portal's articles; `profile` overrides the portal's own.

    Raises LookupError when the archive has no such portal, KeyError for an unknown profile.
    With dry_run nothing is written (every transaction is rolled back) but the counts are real.
    """
    from crawler.profiles import PROFILES

    upgrade(db_url)
    engine = get_engine(db_url)
    with engine.connect() as conn:
        portal = conn.execute(select(Portal.__table__).where(Portal.__table__.c.key == site)).first()
        if portal is None:
            raise LookupError(f"the archive has no portal {site!r}")
        name = profile or portal.profile
        if name not in PROFILES:
            raise KeyError(f"unknown profile {name!r} (known: {', '.join(sorted(PROFILES))})")
        article_ids = conn.scalars(
            select(RAW_PAGES.c.article_id).join(ARTICLES, ARTICLES.c.id == RAW_PAGES.c.article_id)
            .where(ARTICLES.c.portal_id == portal.id).distinct().order_by(RAW_PAGES.c.article_id)).all()
    result = ReparseResult(site=site, profile=name, articles=len(article_ids))
    for start in range(0, len(article_ids), ARTICLES_PER_TRANSACTION):
        chunk = article_ids[start:start + ARTICLES_PER_TRANSACTION]
        with engine.connect() as conn:
            transaction = conn.begin()
            try:
                _reparse_articles(conn, PROFILES[name], chunk, result)
            except BaseException:
                transaction.rollback()
                raise
            if dry_run:
                transaction.rollback()
            else:
                transaction.commit()
        if progress:
            progress(result)
    return result


def _reparse_articles(conn, profile, article_ids: list[int], result: ReparseResult) -> None:
    articles = {row.id: row for row in conn.execute(select(ARTICLES).where(ARTICLES.c.id.in_(article_ids)))}
    versions: dict[int, list] = {}
    for row in conn.execute(select(VERSIONS).where(VERSIONS.c.article_id.in_(article_ids))
                            .order_by(VERSIONS.c.article_id, VERSIONS.c.version)):
        versions.setdefault(row.article_id, []).append(row)
    pages: dict[int, object] = {}  # version id -> its newest stored page
    for row in conn.execute(select(RAW_PAGES).where(RAW_PAGES.c.article_id.in_(article_ids),
                                                    RAW_PAGES.c.version_id.is_not(None))
                            .order_by(RAW_PAGES.c.fetched_at, RAW_PAGES.c.id)):
        pages[row.version_id] = row
    version_updates, article_updates, mentions = [], [], []
    for article_id in article_ids:
        article, rows = articles[article_id], versions.get(article_id, [])
        contents, extras = [], {}
        for row in rows:
            content = content_of(row._mapping)
            page = pages.get(row.id)
            if page is not None:
                try:
                    text = decompress_page(page.body, page.compression).decode("utf-8")
                    extracted = extract_page(text, article.url, profile, content_type=page.content_type,
                                             listing_category=row.category)
                    problems = extracted.problems()
                except Exception as exc:  # a page that cannot be decoded or parsed is reported, not fatal
                    problems = [f"{type(exc).__name__}: {exc}"]
                if problems:
                    result.failures += 1
                    if len(result.problems) < 20:
                        result.problems.append(f"{article.external_id} v{row.version}: {', '.join(problems)}")
                else:
                    result.pages += 1
                    fresh = _record(extracted)
                    extras[row.id] = (fresh, page.fetched_at)
                    new_content = content_of(fresh)
                    if _differs(content, new_content):
                        content = new_content
                        result.versions_changed += 1
                        version_updates.append({"_id": row.id, **{k: content[k] for k in VERSION_FIELDS},
                                                "content_hash": content_hash(content)})
            contents.append(content)
        # `changes` of each version against the one before it, recomputed from the corrected fields
        # (against a version 1 migrated from revision 0001, without the fields 0001 did not store).
        changes_updates = []
        legacy = bool(rows) and rows[0].id not in extras and is_legacy_version(
            rows[0].version, rows[0].changes, contents[0], rows[0].content_hash)
        for index, row in enumerate(rows):
            fields = comparable_fields(legacy and index == 1)
            changes = diff_content(contents[index - 1], contents[index], fields) if index else {}
            if index and changes != (row.changes or {}):
                result.changes_rewritten += 1
                changes_updates.append({"_id": row.id, "changes": changes})
        if changes_updates:
            conn.execute(update(VERSIONS).where(VERSIONS.c.id == bindparam("_id")), changes_updates)
        if rows:
            latest, content = rows[-1], contents[-1]
            current = {k: content[k] for k in VERSION_FIELDS if k != "attachments"}
            current["content_hash"] = content_hash(content)
            fresh = extras.get(latest.id, (None,))[0]
            if fresh is not None:  # unversioned fields of the current state, from the latest page
                current.update(source=fresh["source"] or "", tags=list(fresh["tags"] or []))
            if any(getattr(article, k) != v for k, v in current.items()):
                result.articles_changed += 1
                article_updates.append({"_id": article_id, **current})
        for version_id, (fresh, fetched_at) in extras.items():
            if fresh["references"]:
                mentions.append({"article_id": article_id, "fetched_at": fetched_at,
                                 "references": fresh["references"]})
    if version_updates:
        conn.execute(update(VERSIONS).where(VERSIONS.c.id == bindparam("_id")), version_updates)
    for group in _same_keys(article_updates):
        conn.execute(update(ARTICLES).where(ARTICLES.c.id == bindparam("_id")), group)
    if mentions:
        _add_documents(conn, mentions)


def _same_keys(rows: list[dict]) -> list[list[dict]]:
    """executemany needs the same columns in every row."""
    groups: dict[tuple, list[dict]] = {}
    for row in rows:
        groups.setdefault(tuple(sorted(row)), []).append(row)
    return list(groups.values())


def _add_documents(conn, sightings: list[dict]) -> None:
    """Documents and mentions the re-extraction finds that the archive lacks (after a fix of the
    reference parser), by the writer's rules: a document keeps its first sighting, issued_on only
    fills a gap, and an existing mention keeps the sentence the crawl stored."""
    plan = _Plan()
    canonicals = sorted({ref["canonical"] for s in sightings for ref in s["references"] if ref.get("canonical")})
    for chunk in _chunks(canonicals):
        for row in conn.execute(select(DOCUMENTS.c.id, DOCUMENTS.c.canonical, DOCUMENTS.c.issued_on)
                                .where(DOCUMENTS.c.canonical.in_(chunk))):
            plan.documents[row.canonical] = {"id": row.id, "issued_on": row.issued_on, "fill": None}
    for chunk in _chunks(sorted({s["article_id"] for s in sightings})):
        for row in conn.execute(select(MENTIONS.c.id, MENTIONS.c.document_id, MENTIONS.c.article_id,
                                       MENTIONS.c.sentence, MENTIONS.c.source).where(MENTIONS.c.article_id.in_(chunk))):
            plan.existing_mentions[(row.document_id, row.article_id)] = row._asdict()
    states: dict[int, _State] = {}
    for sighting in sorted(sightings, key=lambda s: s["fetched_at"]):
        state = states.setdefault(sighting["article_id"], _State(external_id=None, id=sighting["article_id"]))
        ArchiveWriter._references(state, sighting["references"], sighting["fetched_at"], plan)
    for mention in plan.mentions.values():
        document = plan.documents[mention["_canonical"]]
        existing = plan.existing_mentions.get((document["id"], mention["_state"].id)) if document["id"] else None
        if existing is not None:
            mention.update(sentence=existing["sentence"], source=existing["source"])
    ArchiveWriter._flush_documents(conn, plan, BatchResult())
