"""The resolution tracker: which portals have relayed an official document, when, and which have not yet.

Read from `documents` (one row per canonical number, credited to its earliest-published citing article,
db/documents.py) and `document_mentions` (one row per document and citing article: the sentence that
names it, where it was found — "text" or "attachment" — and when the archive first saw that citation).

A document's mentions are listed oldest first in the order that credits documents (db.documents.
citing_order): earliest published, undated ones last, ties by portal key and article id. Its coverage
is read against scopes — groups of portals such as the wards and offices of one city — that the
caller passes as a mapping of portal key to scope (the site registry's `scope` field; db reads no
registry): the portals of the scopes of the portals that mention it, which have not mentioned it yet.

Ages are on the observation clock (db/clock.py): "days since the first mention" is measured on the clock
of the portal that made it, as its latest crawl read it (on the replica each portal has its own simulated
time; in production every clock is the system's). A duration for `since` is measured back the same way.

Every function returns plain data whose field names are the JSON interface's contract (`portalwatch docs
--json`, and the API and web pages after it); times are local (Asia/Ho_Chi_Minh) ISO strings.
"""
from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from sqlalchemy import and_, func, or_, select, true
from sqlalchemy.orm import Session, aliased

from db.clock import SYSTEM, ObservationClock, run_clock
from db.documents import citing_order
from db.mentions import MentionKey, PortalFirst, mention_page, mention_rows, portal_firsts
from db.models import Article, CrawlRun, Document, Portal, UTCDateTime
from db.queries import archived_portal_keys, local_iso  # archived_portal_keys: an unregistered portal is a scope of its own
from db.search.filters import canonical_document_number, document_type
from db.search.query import QueryError
from vntext.dates import VN_TZ
from vntext.docrefs import canonicalize, find_references
from vntext.doctypes import state_issuer
from vntext.textnorm import clean_text

__all__ = ["QueryError", "Since", "TrackerPage", "document_number", "document_numbers", "find_document",
           "document_type", "issuer_code", "list_documents", "document_tracker", "portal_clocks", "archived_portal_keys"]

# ASCII spellings people type for issuers with Đ (as alert rules accept them, monitor/rules/parse.py).
_ISSUER_ALIASES = {"HDND": "HĐND", "DU": "ĐU", "DUK": "ĐUK", "BCSD": "BCSĐ", "TƯ": "TW"}  # TƯ: see _CENTRAL
_ISSUER_CHARS = set("ABCDEFGHIJKLMNOPQRSTUVWXYZĐƯ0123456789&-")


# Spaces people type where a number has a hyphen or slash: "23 NQ/TU", "123 QĐ-UBND", "123/QĐ UBND".
_LOOSE = (
    (re.compile(r"\b(\d{1,5})\s+(?=[^\W\d_]+\s*/)"), r"\1-"),            # Party: number-TYPE/ISSUER
    (re.compile(r"\b(\d{1,5}(?:/\d{4})?)\s+(?=[^\W\d_]+\s*-)"), r"\1/"),  # state: number/TYPE-ISSUER
    (re.compile(r"(?<=/)([^\W\d_]+)\s+(?=[^\W\d_])"), r"\1-"),            # state: number/TYPE ISSUER
)


_NUMBER_TOKEN = re.compile(r"\S*[\d/]\S*")
# "TƯ" (Trung ương) is how many pages write the Central Committee's issuer code TW (vntext.docfiles lists
# both as Party issuers); the canonical form, as vntext.docrefs writes it, is TW.
_CENTRAL = re.compile(r"(?<=[/\-])\s*TƯ(?!\w)", re.IGNORECASE)
_MAX_FOLDED = 6  # Đ/D positions tried both ways in a typed number (2**6 spellings at most)


def document_numbers(value: str) -> list[str]:
    """The canonical forms a document number typed loosely may stand for ("23-nq/tu", "23 NQ/TU",
    "Nghị quyết số 23-NQ/TU" → 23-NQ/TU; "23-NQ/TƯ" → 23-NQ/TW), most literal first. A phrase around one
    number is read for it ("Quyết định 123/QĐ-UBND của UBND tỉnh"); QueryError when it holds no number,
    or several (the message names them: one is wanted)."""
    text = _CENTRAL.sub("TW", clean_text(value))
    numbers_up = _NUMBER_TOKEN.sub(lambda m: m.group().upper(), text)  # "nghị quyết số 23-nq/tu": the number only
    variants = [text, text.upper(), numbers_up, numbers_up[:1].upper() + numbers_up[1:]]
    for regex, repl in _LOOSE:
        variants += [regex.sub(repl, v) for v in variants]
    variants = list(dict.fromkeys(variants))
    found = []
    for variant in variants:
        try:
            found.append(canonical_document_number(variant))
        except QueryError:
            continue
    if found:
        return list(dict.fromkeys(found))
    # A number inside a phrase: the references the article reader would see in it, else its number-like
    # words read one by one ("quyết định 123/qd-ubnd của ubnd": QD for QĐ is no reference in running text).
    for variant in variants:
        named = list(dict.fromkeys([ref.canonical for ref in find_references(variant)]
                                   + [c for c in map(canonicalize, _NUMBER_TOKEN.findall(variant)) if c]))
        if len(named) == 1:
            return named
        if named:
            raise QueryError(f"{value!r} names {len(named)} document numbers ({', '.join(named)}): give one")
    canonical_document_number(value)  # raises the search's message: not a document number
    raise AssertionError("unreachable")


def document_number(value: str) -> str:
    """A document number typed loosely in its canonical form (see document_numbers); QueryError when none."""
    return document_numbers(value)[0]


def _đ_spellings(canonical: str) -> list[str]:
    """The canonical number with each Đ or D (up to _MAX_FOLDED of them) written either way, itself first."""
    spots = [i for i, ch in enumerate(canonical) if ch in "DĐ"][:_MAX_FOLDED]
    spellings = [canonical]
    for i in spots:
        spellings += [s[:i] + ("Đ" if s[i] == "D" else "D") + s[i + 1:] for s in spellings]
    return spellings


def find_document(session: Session, value: str) -> tuple[str, bool]:
    """The canonical number of the archive's document a loosely typed number names, and True; else the
    number's canonical form and False. "123/qd-ubnd" finds 123/QĐ-UBND: when no canonical form is in the
    archive as typed, one that differs only by Đ typed as D (QD, HDND, DU) is taken — one query on the
    unique index of canonical numbers (`canonical IN (…)`), whatever the archive's size."""
    candidates = document_numbers(value)
    spellings = {canonical: _đ_spellings(canonical) for canonical in candidates}
    keys = list(dict.fromkeys(key for keys in spellings.values() for key in keys))
    archived = dict(session.execute(select(Document.canonical, Document.id).where(Document.canonical.in_(keys))).all())
    for canonical in candidates:
        if canonical in archived:
            return canonical, True
    for canonical in candidates:
        matches = [key for key in spellings[canonical] if key in archived]
        if matches:
            return min(matches, key=archived.__getitem__), True
    return candidates[0], False


def issuer_code(value: str) -> str:
    """An issuer abbreviation ("tu", "hdnd", "tư", "ttg" → TU, HĐND, TW, TTg); QueryError when it is not one."""
    code = clean_text(value).upper()
    code = _ISSUER_ALIASES.get(code, code)
    if not code or not set(code) <= _ISSUER_CHARS or code.startswith("-") or code.endswith("-"):
        raise QueryError(f"not an issuer abbreviation like TU, HĐND, UBND: {value!r}")
    return state_issuer(code)  # as numbers are keyed: "ttg" is TTg, the Prime Minister


@dataclass(frozen=True)
class Since:
    """Documents first mentioned since a moment: `at`, or `back` from the first mentioning portal's clock."""

    at: datetime | None = None
    back: timedelta | None = None


@dataclass
class TrackerPage:
    total: int                      # documents matching the filters
    documents: list[dict] = field(default_factory=list)  # this page's document objects, with their mentions
    last_key: tuple[datetime, int] | None = None  # the last document's sort key: pass it as `after` for the next page


def portal_clocks(session: Session) -> dict[int, ObservationClock]:
    """Per portal id: the observation clock its latest crawl run read (portals never crawled: none)."""
    latest = select(func.max(CrawlRun.id)).group_by(CrawlRun.portal_id)
    rows = session.execute(select(CrawlRun.portal_id, CrawlRun.stats).where(CrawlRun.id.in_(latest)))
    return {portal_id: run_clock(stats) for portal_id, stats in rows}


def _published(moment: datetime | None, has_time: bool) -> str | None:
    """An article's published_at as the article object prints it: a date alone when the page shows no time."""
    if moment is None:
        return None
    local = moment.astimezone(VN_TZ)
    return local.isoformat() if has_time else local.date().isoformat()


def _mention_json(row) -> dict:
    return {"site": row.key, "portal_name": row.name, "article_id": row.id, "external_id": row.external_id,
            "url": row.url, "title": row.title, "published_at": _published(row.published_at, row.published_has_time),
            "sentence": row.sentence, "source": row.source, "first_seen_at": local_iso(row.first_seen_at),
            "removed": row.removed_at is not None}


def _mentions(session: Session, document_ids: list[int]) -> dict[int, list[tuple]]:
    """Per document id: (citing order, mention object, when it was published — an undated article: when it
    was first seen citing the document —, portal id) of each citing article, oldest first. Only the columns
    shown are read (never bodies). For a listing's documents; one document's page reads a page of them
    (db/mentions.py)."""
    found: dict[int, list[tuple]] = {i: [] for i in document_ids}
    for row in mention_rows(session, document_ids):
        found[row.document_id].append((citing_order(row.published_at, row.key, row.external_id),
                                       _mention_json(row), row.published_at or row.first_seen_at, row.portal_id))
    for entries in found.values():
        entries.sort(key=lambda entry: entry[0])
    return found


def _first_mentioned(mentions: list[tuple]) -> str | None:
    """When the first citing article was published, as its published_at reads (a date alone when its page
    shows no time); an undated one: when the archive first saw it citing the document."""
    if not mentions:
        return None
    return mentions[0][1]["published_at"] or local_iso(mentions[0][2])


def _document_json(document: Document, mentions: list[tuple]) -> dict:
    portals = list(dict.fromkeys(entry[1]["site"] for entry in mentions))
    return {"id": document.id, "canonical": document.canonical, "system": document.system, "type": document.type,
            "type_name": document.type_name, "number": document.number, "year": document.year,
            "issuer": document.issuer, "issued_on": document.issued_on.isoformat() if document.issued_on else None,
            "first_seen_at": local_iso(document.first_seen_at),
            "first_mentioned_at": _first_mentioned(mentions),
            "mention_count": len(mentions), "portals": portals, "mentions": [entry[1] for entry in mentions]}


def _since_condition(first_at, portal_id, since: Since, clocks: dict[int, ObservationClock], now: datetime):
    if since.at is not None:
        return first_at >= since.at
    shifted = {pid: clock for pid, clock in clocks.items() if clock.offset}
    conditions = [and_(portal_id == pid, first_at >= clock.observed(now) - since.back)
                  for pid, clock in sorted(shifted.items())]
    rest = or_(portal_id.is_(None), portal_id.not_in(sorted(shifted))) if shifted else true()
    conditions.append(and_(rest, first_at >= now - since.back))
    return or_(*conditions)


def list_documents(session: Session, *, doc_type: str | None = None, issuer: str | None = None,
                   since: Since | None = None, limit: int = 50, offset: int = 0,
                   after: tuple[datetime, int] | None = None, now: datetime | None = None) -> TrackerPage:
    """Documents, most recently first mentioned first, each with every mentioning article oldest first.

    doc_type: a type code (NQ, CT, QĐ … as document_type gives it); issuer: an abbreviation (TU, UBND …)
    matching the document's issuer or its last hyphen part (UBND matches NQ-UBND); since: first mentioned
    (the first citing article's publication, else when it was first seen) since then. after: a page's
    last_key, to read the documents after it (a stable cursor; `total` still counts every match)."""
    if limit < 1 or offset < 0:
        raise QueryError("the limit must be at least 1 and the offset not negative")
    first = aliased(Article)
    first_at = func.coalesce(first.published_at, Document.first_seen_at, type_=UTCDateTime)
    query = select(Document).outerjoin(first, first.id == Document.first_article_id)
    if doc_type:
        query = query.where(Document.type == doc_type)
    if issuer:
        query = query.where(or_(Document.issuer == issuer, Document.issuer.like(f"%-{issuer}")))
    if since is not None and (since.at is not None or since.back is not None):
        query = query.where(_since_condition(first_at, first.portal_id, since, portal_clocks(session),
                                             now or datetime.now(timezone.utc)))
    total = session.scalar(select(func.count()).select_from(query.subquery()))
    if after is not None:
        at, last_id = after
        query = query.where(or_(first_at < at, and_(first_at == at, Document.id < last_id)))
    rows = session.execute(query.add_columns(first_at.label("first_at"))
                           .order_by(first_at.desc(), Document.id.desc()).limit(limit).offset(offset)).all()
    documents = [row[0] for row in rows]
    mentions = _mentions(session, [d.id for d in documents])
    return TrackerPage(total=total, documents=[_document_json(d, mentions[d.id]) for d in documents],
                       last_key=(rows[-1].first_at, rows[-1][0].id) if rows else None)


def document_tracker(session: Session, canonical: str, scopes: Mapping[str, str], *,
                     scope: list[str] | None = None, now: datetime | None = None, limit: int = 100, offset: int = 0,
                     after: MentionKey | None = None) -> dict | None:
    """One document (by canonical number, see document_number) with one page of its mentions, oldest first,
    and its coverage; None when the archive holds no such document.

    The page is `limit` mentions (after `after`, a previous page's `next`, then `offset` skipped); `next` is
    the key of its last mention when more follow (db/mentions.py: plain values the caller may encode as a
    cursor), else None. mention_count, portals, first_mentioned_at and coverage count every mention: they
    are aggregated in SQL (one row per portal), never read from the page.
    scopes: portal key → scope (the registry's); an archived portal it does not name is a scope of its own.
    scope: the scopes to read coverage in, instead of those of the portals that mention the document."""
    if limit < 1 or offset < 0:
        raise QueryError("the limit must be at least 1 and the offset not negative")
    document = session.scalar(select(Document).where(Document.canonical == canonical))
    if document is None:
        return None
    firsts = portal_firsts(session, document.id)
    try:
        rows, next_key = mention_page(session, document.id, limit=limit, offset=offset, after=after)
    except ValueError as exc:  # a key no page gave
        raise QueryError(str(exc)) from None
    data = _document_json(document, [])
    first = firsts[0] if firsts else None
    data |= {"first_mentioned_at": (_published(first.published_at, first.published_has_time)
                                    or local_iso(first.first_seen_at)) if first else None,
             "mention_count": sum(f.mentions for f in firsts), "portals": [f.key for f in firsts],
             "mentions": [_mention_json(row) for row in rows], "next": next_key}
    data["coverage"] = _coverage(session, firsts, scopes, scope, now or datetime.now(timezone.utc))
    return data


def later_mentions(session: Session, canonical: str, after: MentionKey | None, *, limit: int) -> Iterator[dict]:
    """Every mention of the document after `after` (a page's `next` key from document_tracker; None: none
    follow), in citing order, read a page of `limit` rows per statement rather than all in one."""
    document_id = session.scalar(select(Document.id).where(Document.canonical == canonical))
    while after is not None and document_id is not None:
        rows, after = mention_page(session, document_id, limit=limit, after=after)
        yield from (_mention_json(row) for row in rows)


def _coverage(session: Session, firsts: list[PortalFirst], scopes: Mapping[str, str], wanted: list[str] | None,
              now: datetime) -> dict:
    """Which portals of the document's scopes have relayed it (with their first mention and how many
    articles), which archived ones have not yet, which registered ones the archive does not watch, and
    how many days ago (on the first mentioning portal's clock) the first mention was."""
    archived = {key: (pid, name) for pid, key, name in session.execute(select(Portal.id, Portal.key, Portal.name))}
    relayed = {f.key: {"site": f.key, "name": f.name, "first_published_at": _published(f.published_at,
                                                                                        f.published_has_time),
                       "mentions": f.mentions} for f in firsts}
    groups = sorted(set(wanted) if wanted else {scopes.get(key, key) for key in relayed})
    members = {key for key in archived if scopes.get(key, key) in groups}
    relayed = {key: entry for key, entry in relayed.items() if key in members}  # --scope may leave some out
    crawled = _last_crawled(session, [archived[key][0] for key in members - set(relayed)])
    not_yet = [{"site": key, "name": archived[key][1], "last_crawled_at": crawled.get(archived[key][0])}
               for key in sorted(members - set(relayed))]
    unwatched = sorted(key for key, group in scopes.items() if group in groups and key not in archived)
    days, observed_now = None, None
    if firsts:
        first = firsts[0]
        observed = portal_clocks(session).get(first.portal_id, SYSTEM).observed(now)
        days = (observed - (first.published_at or first.first_seen_at)) // timedelta(days=1)
        observed_now = local_iso(observed)
    return {"scopes": groups, "relayed": list(relayed.values()), "not_yet": not_yet, "unwatched": unwatched,
            "days_since_first_mention": days, "observed_now": observed_now}


def _last_crawled(session: Session, portal_ids: list[int]) -> dict[int, str]:
    """Per portal id: when its latest finished crawl ended, as the portal's clock read it (local time) — the
    clock its articles' dates and the days since the first mention are on (a replica's clock runs ahead)."""
    if not portal_ids:
        return {}
    rows = session.execute(select(CrawlRun.portal_id, func.max(CrawlRun.finished_at))
                           .where(CrawlRun.portal_id.in_(portal_ids), CrawlRun.status == "finished")
                           .group_by(CrawlRun.portal_id))
    clocks = portal_clocks(session)
    return {pid: local_iso(clocks.get(pid, SYSTEM).observed(at)) for pid, at in rows if at is not None}
