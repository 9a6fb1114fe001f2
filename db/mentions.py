"""One document's mentions, read a page at a time, and its per-portal aggregates, for the tracker (db/tracker.py).

A document cited across a city's portals for years has thousands of mentions (on the 1,000,000-article
synthetic archive 23-NQ/TU has tens of thousands), so one document's page never loads them all: the
mentions are read in the order that credits documents (db.documents.citing_order: earliest published,
undated ones last, ties by portal key and external id) one page at a time, in SQL, and the next page is
named by the last row's sort key — a stable cursor: a mention stored meanwhile neither repeats a row nor
hides one. What coverage needs (per portal: its first mention and how many) is aggregated in SQL with
window functions (SQLite ≥ 3.25 and PostgreSQL both have them), one row per portal.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import String, and_, func, or_, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.functions import FunctionElement

from db.documents import citing_order
from db.models import Article, DocumentMention, Portal


class CodePointOrder(FunctionElement):
    """A text column compared in code-point order, as Python compares the str of citing_order: SQLite's
    default BINARY collation already is; PostgreSQL's follows the database's locale (an ICU "en" database
    sorts "wa" before "Wb", Python after), so there it is COLLATE "C" (UTF-8 bytes: code-point order)."""

    type = String()
    inherit_cache = True


@compiles(CodePointOrder)
def _binary(element, compiler, **kw):
    return compiler.process(element.clauses, **kw)


@compiles(CodePointOrder, "postgresql")
def _collate_c(element, compiler, **kw):
    return f'{compiler.process(element.clauses, **kw)} COLLATE "C"'


_KEY, _EXTERNAL_ID = CodePointOrder(Portal.key), CodePointOrder(Article.external_id)
# citing_order in SQL: dated articles first, earliest first; ties by portal key, then the portal's article id.
_ORDER = (Article.published_at.is_(None), Article.published_at, _KEY, _EXTERNAL_ID)

MENTION_COLUMNS = (DocumentMention.document_id, DocumentMention.sentence, DocumentMention.source,
                   DocumentMention.first_seen_at, Article.id, Article.portal_id, Article.external_id, Article.url,
                   Article.title, Article.published_at, Article.published_has_time, Article.removed_at,
                   Portal.key, Portal.name)

# A mention's place in citing order, as a cursor carries it: [published_at (UTC ISO) or None, portal key,
# external id]. Plain JSON values, so monitor/web/cursor.py can encode it.
MentionKey = list


@dataclass(frozen=True)
class PortalFirst:
    """A portal that mentions the document: its first citing article (in citing order) and how many cite it."""

    portal_id: int
    key: str
    name: str
    external_id: str
    published_at: datetime | None
    published_has_time: bool
    first_seen_at: datetime     # when the archive first saw that article citing the document
    mentions: int


def _joined(*columns):
    return (select(*columns).join(Article, Article.id == DocumentMention.article_id)
            .join(Portal, Portal.id == Article.portal_id))


def mention_rows(session: Session, document_ids: list[int]):
    """Every mention row (MENTION_COLUMNS) of these documents, unordered: for a listing's few documents."""
    for start in range(0, len(document_ids), 500):
        yield from session.execute(_joined(*MENTION_COLUMNS)
                                   .where(DocumentMention.document_id.in_(document_ids[start:start + 500])))


def mention_page(session: Session, document_id: int, *, limit: int, offset: int = 0,
                 after: MentionKey | None = None) -> tuple[list, MentionKey | None]:
    """One page of the document's mention rows in citing order (after `after`, a previous page's key; then
    `offset` rows skipped), and the key of its last row when more follow (else None). One statement: the
    page's mentions are chosen on the sort columns alone, then only those limit + 1 rows are read whole.
    SQLite's plan (EXPLAIN QUERY PLAN) for the choice: the document's mentions from the covering index of
    uq_document_mentions_document_article, each article and portal looked up by primary key for its sort
    columns, sorted in a temporary B-tree; the sentences and titles are read for the page's rows alone."""
    chosen = _joined(DocumentMention.id.label("mention_id")).where(DocumentMention.document_id == document_id)
    if after is not None:
        chosen = chosen.where(_after(parse_key(after)))
    chosen = chosen.order_by(*_ORDER).limit(limit + 1).offset(offset).subquery()
    rows = session.execute(_joined(*MENTION_COLUMNS).join(chosen, chosen.c.mention_id == DocumentMention.id)
                           .order_by(*_ORDER)).all()
    if len(rows) <= limit:
        return rows, None
    rows = rows[:limit]
    return rows, mention_key(rows[-1])


def mention_key(row) -> MentionKey:
    return [row.published_at.isoformat() if row.published_at else None, row.key, row.external_id]


def parse_key(key: MentionKey) -> tuple[datetime | None, str, str]:
    """A key as mention_key wrote it (as a cursor carried it back), read; ValueError when it is not one."""
    if not isinstance(key, list) or len(key) != 3 or not all(isinstance(k, str) for k in key[1:]) \
            or not (key[0] is None or isinstance(key[0], str)):
        raise ValueError("not a cursor of this document's mentions")
    at = datetime.fromisoformat(key[0]) if key[0] else None
    if at is not None and at.tzinfo is None:
        raise ValueError("not a cursor of this document's mentions")
    try:  # in UTC now: a time whose UTC reading leaves years 1–9999 would overflow when bound
        at = at.astimezone(timezone.utc) if at is not None else None
    except OverflowError:
        raise ValueError("not a cursor of this document's mentions") from None
    return at, key[1], key[2]


def _after(key: tuple[datetime | None, str, str]):
    """Rows after this key in citing order (an undated article comes after every dated one)."""
    at, site, external_id = key
    later = or_(_KEY > site, and_(Portal.key == site, _EXTERNAL_ID > external_id))
    if at is None:
        return and_(Article.published_at.is_(None), later)
    return or_(Article.published_at.is_(None), Article.published_at > at,
               and_(Article.published_at == at, later))


def portal_firsts(session: Session, document_id: int) -> list[PortalFirst]:
    """Per portal citing the document: its first citing article and its number of citing articles, in
    citing order of those first articles (so the first is the document's first mention). Aggregated in
    SQL: one row per portal comes back, however many mentions there are."""
    ranked = (_joined(Article.portal_id, Portal.key, Portal.name, Article.external_id, Article.published_at,
                      Article.published_has_time, DocumentMention.first_seen_at,
                      func.row_number().over(partition_by=Article.portal_id, order_by=_ORDER).label("place"),
                      func.count().over(partition_by=Article.portal_id).label("mentions"))
              .where(DocumentMention.document_id == document_id)).subquery()
    rows = session.execute(select(ranked).where(ranked.c.place == 1)).all()
    firsts = [PortalFirst(row.portal_id, row.key, row.name, row.external_id, row.published_at,
                          bool(row.published_has_time), row.first_seen_at, row.mentions) for row in rows]
    return sorted(firsts, key=lambda f: citing_order(f.published_at, f.key, f.external_id))
