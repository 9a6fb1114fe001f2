"""One article with everything the archive knows of it: `portalwatch show`, the article page and its API.

`article_view` returns the article object of the JSON interface (db.queries.article_json) extended
with `updated_at`, `source`, `tags`, `extracted_by`, `removed_at`, and `versions`, `diff`,
`view_samples`, `attachments`, `documents`. Field names are a contract (README, "Commands").
"""
from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.linkkey import link_key
from db.models import Article, ArticleVersion, Attachment, Document, DocumentMention, Portal, ViewSample
from db.queries import article_json, local_iso
from vntext.dates import VN_TZ
from vntext.worddiff import counts, word_diff

TEXT_FIELDS = ("title", "summary", "body_text", "author", "category")  # diffed word by word
VALUE_FIELDS = ("published_at", "updated_at")                          # old and new value


class ArticleNotFound(LookupError):
    """No stored article answers to the id or URL (or a URL names several): the message says which."""


# ---- which article --------------------------------------------------------------------------------
def resolve_article(session: Session, ref: str) -> int:
    """The id of the article `ref` names: its archive id (as `search --json` prints `id`), or its URL.

    A URL is matched as stored, else by its link key (path and query on the portal's host, scheme
    and port aside: db/linkkey.py), so a link copied before a portal moved to https or another port
    still finds the article."""
    ref = ref.strip()
    if re.fullmatch(r"\d{1,18}", ref):
        if session.get(Article, int(ref)) is None:
            raise ArticleNotFound(f"no article with id {ref} in the archive")
        return int(ref)
    if not re.match(r"https?://", ref, re.I):
        raise ArticleNotFound(f"not an article id or URL: {ref!r}")
    found = session.scalars(select(Article.id).where(Article.url == ref).order_by(Article.id)).all()
    if not found:
        key = link_key(ref)
        tail = key.split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1]
        candidates = session.execute(select(Article.id, Article.url).where(Article.url.contains(tail))
                                     .order_by(Article.id)).all() if tail else []
        found = [id_ for id_, url in candidates if link_key(url) == key]
    if not found:
        raise ArticleNotFound(f"no article with URL {ref} in the archive")
    if len(found) > 1:
        raise ArticleNotFound(f"several articles have the URL {ref} (ids {', '.join(map(str, found))}): give an id")
    return found[0]


def parse_range(text: str) -> tuple[int, int]:
    """"2..5" → (2, 5): the versions to compare (ValueError on anything else)."""
    match = re.fullmatch(r"\s*(\d+)\s*\.\.\s*(\d+)\s*", text or "")
    if not match:
        raise ValueError(f"--diff takes two version numbers as A..B (e.g. 1..2), not {text!r}")
    a, b = int(match[1]), int(match[2])
    if a == b:
        raise ValueError(f"--diff needs two different versions, not {text!r}")
    return a, b


# ---- the article -----------------------------------------------------------------------------------
def article_view(session: Session, article_id: int, diff: tuple[int, int] | None = None) -> dict:
    """The article, its versions, the diff between two of them (default: the last two; None when it
    has one version), its view samples, attachments and the documents it cites."""
    article, site = session.execute(select(Article, Portal.key).join(Portal).where(Article.id == article_id)).one()
    versions = session.scalars(select(ArticleVersion).where(ArticleVersion.article_id == article_id)
                               .order_by(ArticleVersion.version)).all()
    data = article_json(article, site) | {
        "updated_at": _iso(article.updated_at), "source": article.source, "tags": list(article.tags or []),
        "extracted_by": article.extracted_by, "removed_at": _iso(article.removed_at),
        "versions": [version_json(v) for v in versions],
    }
    data["diff"] = _chosen_diff(versions, diff)
    data["view_samples"] = view_samples(session, article_id)
    data["attachments"] = _attachments(session, article, versions[-1] if versions else None)
    data["documents"] = _documents(session, article_id)
    return data


def version_json(version: ArticleVersion) -> dict:
    return {"version": version.version, "fetched_at": local_iso(version.fetched_at), "title": version.title,
            "changed": sorted(version.changes or {}), "content_hash": version.content_hash}


def _chosen_diff(versions: list[ArticleVersion], wanted: tuple[int, int] | None) -> dict | None:
    by_number = {v.version: v for v in versions}
    if wanted is None:
        return version_diff(versions[-2], versions[-1]) if len(versions) > 1 else None
    missing = [n for n in wanted if n not in by_number]
    if missing:
        have = f"versions 1..{versions[-1].version}" if versions else "no version"
        raise ArticleNotFound(f"the article has no version {missing[0]} (it has {have})")
    return version_diff(by_number[wanted[0]], by_number[wanted[1]])


def version_diff(old: ArticleVersion, new: ArticleVersion) -> dict:
    """What changed from one version to another: per text field the word-level segments (`op` equal,
    delete or insert, and `text`) with the words deleted and inserted; per date its old and new
    value; the attachments added and removed (compared by link key, as the archive compares them)."""
    fields: dict[str, dict] = {}
    for name in TEXT_FIELDS:
        before, after = getattr(old, name) or "", getattr(new, name) or ""
        if before != after:
            segments = word_diff(before, after)
            fields[name] = {"segments": segments, **counts(segments)}
    for name in VALUE_FIELDS:
        before, after = _version_date(old, name), _version_date(new, name)
        if before != after:
            fields[name] = {"old": before, "new": after}
    old_files = {a.get("key") or a["url"]: a for a in old.attachments or []}
    new_files = {a.get("key") or a["url"]: a for a in new.attachments or []}
    added = [_file(new_files[k]) for k in new_files if k not in old_files]
    removed = [_file(old_files[k]) for k in old_files if k not in new_files]
    if added or removed:
        fields["attachments"] = {"added": added, "removed": removed}
    return {"from": old.version, "to": new.version, "from_fetched_at": local_iso(old.fetched_at),
            "to_fetched_at": local_iso(new.fetched_at), "fields": fields}


def _file(item: dict) -> dict:
    return {name: item.get(name, "") for name in ("title", "url", "file_name", "file_type")}


def _version_date(version: ArticleVersion, name: str) -> str | None:
    value = getattr(version, name)
    if value is None:
        return None
    if name == "published_at" and not version.published_has_time:
        return value.astimezone(VN_TZ).date().isoformat()
    return local_iso(value)


def _iso(moment: datetime | None) -> str | None:
    return local_iso(moment) if moment is not None else None


# ---- views, files, documents -----------------------------------------------------------------------
def view_samples(session: Session, article_id: int) -> list[dict]:
    """The stored readings, oldest first: runs of one count (`first_at` … `last_at`, `views`) and the
    `series` each belongs to: a count lower than the one before is a reset of the portal's counter and
    starts a new series (as detection reads it, monitor/detect.py)."""
    rows = session.scalars(select(ViewSample).where(ViewSample.article_id == article_id)
                           .order_by(ViewSample.first_at)).all()
    out, series, previous = [], 1, None
    for row in rows:
        if previous is not None and row.views < previous:
            series += 1
        previous = row.views
        out.append({"first_at": local_iso(row.first_at), "last_at": local_iso(row.last_at), "views": row.views,
                    "series": series})
    return out


def _attachments(session: Session, article: Article, latest: ArticleVersion | None) -> list[dict]:
    """Every file the article ever attached, first seen first; `current`: its latest version lists it
    (compared by link key, so a portal's move does not make a file look dropped)."""
    listed = (latest.attachments if latest else None) or []
    current = {a.get("key") or link_key(a["url"], article.url) for a in listed}
    rows = session.scalars(select(Attachment).where(Attachment.article_id == article.id)
                           .order_by(Attachment.first_seen_at, Attachment.id)).all()
    return [{"title": a.title, "url": a.url, "file_name": a.file_name, "file_type": a.file_type,
             "first_seen_at": local_iso(a.first_seen_at), "last_seen_at": local_iso(a.last_seen_at),
             "current": link_key(a.url, article.url) in current} for a in rows]


def _documents(session: Session, article_id: int) -> list[dict]:
    """The documents the article cites, in canonical order, with the sentence citing each; `first`:
    this article is the one the document is credited to (its earliest-published citing article)."""
    rows = session.execute(select(Document, DocumentMention).join(DocumentMention)
                           .where(DocumentMention.article_id == article_id).order_by(Document.canonical)).all()
    return [{"document_id": d.id, "canonical": d.canonical, "system": d.system, "type": d.type,
             "type_name": d.type_name, "number": d.number, "year": d.year, "issuer": d.issuer,
             "issued_on": d.issued_on.isoformat() if d.issued_on else None, "sentence": m.sentence,
             "source": m.source, "first_seen_at": local_iso(m.first_seen_at), "first": d.first_article_id == article_id}
            for d, m in rows]
