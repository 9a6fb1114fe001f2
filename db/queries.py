"""Reading the archive: article objects as the CLI and users see them."""
from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from vntext.dates import VN_TZ
from db.models import Article, CrawlRun, Portal


def article_json(article: Article, site: str) -> dict:
    """The article object of the JSON interface (field names are a contract)."""
    published = None
    if article.published_at is not None:
        local = article.published_at.astimezone(VN_TZ)
        published = local.isoformat() if article.published_has_time else local.date().isoformat()
    return {
        "id": article.id,
        "site": site,
        "url": article.url,
        "external_id": article.external_id,
        "title": article.title,
        "published_at": published,
        "views": article.views,
        "author": article.author,
        "category": article.category,
        "summary": article.summary,
        "body_text": article.body_text,
        "first_seen_at": article.first_seen_at.astimezone(VN_TZ).isoformat(timespec="seconds"),
        "last_fetched_at": article.last_fetched_at.astimezone(VN_TZ).isoformat(timespec="seconds"),
    }


def portal_summaries(session: Session, keys: list[str] | None = None) -> list[dict]:
    """Per portal: how many articles, and the newest one's title."""
    rows = []
    portals = session.scalars(select(Portal).order_by(Portal.key)).all()
    for portal in portals:
        if keys is not None and portal.key not in keys:
            continue
        count = session.scalar(select(func.count()).select_from(Article).where(Article.portal_id == portal.id))
        newest = session.scalar(
            select(Article).where(Article.portal_id == portal.id)
            .order_by(Article.published_at.desc().nulls_last(), Article.id.desc()).limit(1)
        )
        last_run = session.scalar(
            select(CrawlRun).where(CrawlRun.portal_id == portal.id).order_by(CrawlRun.id.desc()).limit(1)
        )
        rows.append({
            "site": portal.key, "name": portal.name, "articles": count,
            "newest_title": newest.title if newest else "",
            "newest_published_at": article_json(newest, portal.key)["published_at"] if newest else None,
            "last_run_status": last_run.status if last_run else None,
        })
    return rows
