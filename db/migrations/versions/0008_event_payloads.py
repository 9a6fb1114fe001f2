"""Event payloads in one shape: whatever article an event shows sits under `article`.

Before, `new_document` nested its article (`article={title, url, …}`) while the other article
kinds spread the same fields at the payload's top level, `views_spike`/`views_milestone` without
`views`, and `source_stale` kept only the newest article's title and url. Each kind's payload is
now a typed definition (monitor/events); this rewrites stored rows to it:

- new_article, edited, views_spike, views_milestone, removed, restored: title, url, external_id,
  published_at, views move into `article`; the two views kinds take views_after as the article's
  views (the counter detection had just read).
- source_stale: title and url move into `article`, with the external id and publish time of the
  article its key names (`source_stale:<portal>:<article>`); views unknown (null).
- removed: the tombstone's typed cause (tombstones.cause, migration 0007) joins the payload.
- new_document and the other portal kinds already have their shape.

Data only: no table changes. Downgrade spreads the fields back.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03
"""
import sqlalchemy as sa
from alembic import op

from db.models import UTCDateTime

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

ARTICLE_FIELDS = ("title", "url", "external_id", "published_at", "views")
SPREAD_KINDS = ("new_article", "edited", "views_spike", "views_milestone", "removed", "restored")
VIEWS_KINDS = ("views_spike", "views_milestone")
BATCH = 1000
VN_HOURS = 7  # Asia/Ho_Chi_Minh has had no daylight saving time since 1975

events = sa.table("events", sa.column("id", sa.Integer), sa.column("key", sa.String), sa.column("kind", sa.String),
                  sa.column("payload", sa.JSON))
tombstones = sa.table("tombstones", sa.column("id", sa.Integer), sa.column("cause", sa.String))
articles = sa.table("articles", sa.column("id", sa.Integer), sa.column("external_id", sa.String),
                    sa.column("published_at", UTCDateTime))


def _rewrite(kinds: tuple[str, ...], change) -> None:
    """Apply `change(connection, kind, key, payload) -> payload | None` to every event of `kinds`, in batches."""
    bind = op.get_bind()
    last = 0
    while True:
        rows = bind.execute(sa.select(events.c.id, events.c.key, events.c.kind, events.c.payload)
                            .where(events.c.kind.in_(kinds), events.c.id > last)
                            .order_by(events.c.id).limit(BATCH)).all()
        if not rows:
            return
        for row in rows:
            new = change(bind, row.kind, row.key, dict(row.payload or {}))
            if new is not None:
                bind.execute(sa.update(events).where(events.c.id == row.id).values(payload=new))
        last = rows[-1].id


def _iso(value) -> str | None:
    from datetime import timedelta, timezone

    return value.astimezone(timezone(timedelta(hours=VN_HOURS))).isoformat() if value else None


def _nest(bind, kind: str, key: str, payload: dict) -> dict | None:
    if isinstance(payload.get("article"), dict) and kind != "new_document":
        return None  # already the new shape
    if kind == "new_document":
        article = dict(payload.get("article") or {})
        for name in ARTICLE_FIELDS:
            article.setdefault(name, None)
        return payload | {"article": article}
    article = {name: payload.pop(name, None) for name in ARTICLE_FIELDS}
    if kind in VIEWS_KINDS and article["views"] is None:
        article["views"] = payload.get("views_after")
    if kind == "source_stale":
        found = bind.execute(sa.select(articles.c.external_id, articles.c.published_at)
                             .where(articles.c.id == int(key.rsplit(":", 1)[1]))).first()
        article["external_id"], article["published_at"] = (found[0], _iso(found[1])) if found else ("", None)
    for name in ("title", "url", "external_id"):
        article[name] = article[name] or ""
    if kind == "removed" and "cause" not in payload:
        cause = bind.scalar(sa.select(tombstones.c.cause).where(tombstones.c.id == int(key.rsplit(":", 1)[1])))
        payload["cause"] = cause or "manual"
    return payload | {"article": article}


def _spread(bind, kind: str, key: str, payload: dict) -> dict | None:
    article = payload.pop("article", None)
    if not isinstance(article, dict):
        return None
    if kind == "source_stale":
        return payload | {"title": article.get("title"), "url": article.get("url")}
    if kind in VIEWS_KINDS:
        article.pop("views", None)
    if kind == "removed":
        payload.pop("cause", None)
    return payload | article


def upgrade() -> None:
    _rewrite(SPREAD_KINDS + ("source_stale", "new_document"), _nest)


def downgrade() -> None:
    _rewrite(SPREAD_KINDS + ("source_stale",), _spread)
