"""Running a batch plan (db/batch_plan.py): Core executemany statements, inside the caller's transaction.

Inserts are plain executemany statements and ids are read back by natural key: INSERT … RETURNING
in parameter order would cost one statement per row on SQLite.
"""
from __future__ import annotations

from sqlalchemy import Connection, bindparam, insert, select, update

from db.batch_plan import BatchPlan, BatchResult
from db.documents import flush_documents
from db.pages import compress_page
from db.tables import (
    ARTICLES, ATTACHMENTS, RAW_PAGES, SAMPLES, TOMBSTONES, VERSIONS, chunks, fit, same_keys,
)

# Article columns a re-fetch always rewrites (content columns only when they changed: ArticleInBatch.dirty).
REFETCH_COLUMNS = ("url", "source", "tags", "extracted_by", "last_fetched_at", "views")


def flush_batch(conn: Connection, plan: BatchPlan, result: BatchResult, compression: str) -> None:
    _write_articles(conn, plan)
    _write_versions(conn, plan, result, compression)
    if plan.sample_inserts:
        conn.execute(insert(SAMPLES), [{"article_id": run["_article"].id, "first_at": run["first_at"],
                                        "last_at": run["last_at"], "views": run["views"]}
                                       for run in plan.sample_inserts])
    if plan.sample_updates:
        conn.execute(update(SAMPLES).where(SAMPLES.c.id == bindparam("_id")),
                     [{"_id": sid, "last_at": at} for sid, at in plan.sample_updates.items()])
    _write_attachments(conn, plan, result)
    flush_documents(conn, plan, result)
    if plan.restored:
        conn.execute(update(TOMBSTONES).where(TOMBSTONES.c.article_id == bindparam("_article"),
                                              TOMBSTONES.c.restored_at.is_(None)),
                     [{"_article": article.id, "restored_at": at} for article, at in plan.restored])


def _write_articles(conn: Connection, plan: BatchPlan) -> None:
    if plan.new_articles:
        conn.execute(insert(ARTICLES), [a.row for a in plan.new_articles])
        by_key = {a.external_id: a for a in plan.new_articles}
        portal_id = plan.new_articles[0].row["portal_id"]
        for chunk in chunks(list(by_key)):
            for row in conn.execute(select(ARTICLES.c.id, ARTICLES.c.external_id).where(
                    ARTICLES.c.portal_id == portal_id, ARTICLES.c.external_id.in_(chunk))):
                by_key[row.external_id].id = row.id
    touched = [a for a in plan.articles.values() if a.touched and not a.is_new]
    if touched:
        conn.execute(update(ARTICLES).where(ARTICLES.c.id == bindparam("_id")),
                     [{"_id": a.id, "removed_at": a.removed_at, **{k: a.row[k] for k in REFETCH_COLUMNS}}
                      for a in touched])
        dirty = [{"_id": a.id, **{k: a.row[k] for k in a.dirty}} for a in touched if a.dirty]
        for rows in same_keys(dirty):
            conn.execute(update(ARTICLES).where(ARTICLES.c.id == bindparam("_id")), rows)


def _write_versions(conn: Connection, plan: BatchPlan, result: BatchResult, compression: str) -> None:
    if plan.versions:
        rows = [{k: v for k, v in row.items() if not k.startswith("_")} | {"article_id": row["_article"].id}
                for row in plan.versions]
        conn.execute(insert(VERSIONS), rows)
        _write_pages(conn, [row for row in plan.versions if row["_raw"] is not None], result, compression)
    for rows in same_keys(plan.version_refresh):
        conn.execute(update(VERSIONS).where(VERSIONS.c.id == bindparam("_id")), rows)


def _write_pages(conn: Connection, versions: list[dict], result: BatchResult, compression: str) -> None:
    """The fetched page of every version the batch created, compressed, linked to its version."""
    if not versions:
        return
    ids: dict[tuple[int, int], int] = {}
    for chunk in chunks(sorted({row["_article"].id for row in versions})):
        for found in conn.execute(select(VERSIONS.c.id, VERSIONS.c.article_id, VERSIONS.c.version).where(
                VERSIONS.c.article_id.in_(chunk))):
            ids[(found.article_id, found.version)] = found.id
    conn.execute(insert(RAW_PAGES), [
        fit(RAW_PAGES, {"article_id": row["_article"].id, "version_id": ids[(row["_article"].id, row["version"])],
                        "fetched_at": row["fetched_at"], "url": row["_url"], "content_type": row["_content_type"],
                        "compression": compression, "body": compress_page(row["_raw"], compression)},
            ("url", "content_type"))
        for row in versions])
    result.raw_pages += len(versions)


def _write_attachments(conn: Connection, plan: BatchPlan, result: BatchResult) -> None:
    inserts, updates = [], []
    for row in plan.attachments.values():
        values = {k: v for k, v in row.items() if not k.startswith("_")}
        if row["_existing"] is None:
            inserts.append({**values, "article_id": row["_article"].id})
        else:
            updates.append({"_id": row["_existing"]["id"], "last_seen_at": values["last_seen_at"],
                            **{k: values[k] for k in ("url", "title", "file_name", "file_type")}})
    if inserts:
        conn.execute(insert(ATTACHMENTS), inserts)
        result.attachments_new += len(inserts)
    if updates:
        conn.execute(update(ATTACHMENTS).where(ATTACHMENTS.c.id == bindparam("_id")), updates)
