"""Full history: versions, compact view series, attachments, documents and mentions, tombstones,
raw pages, crawl-run stats, and the events / alert outbox tables.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27
"""
import sqlalchemy as sa
from alembic import op

from db.models import UTCDateTime

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("articles") as batch:
        batch.add_column(sa.Column("source", sa.String(255), nullable=False, server_default=""))
        batch.add_column(sa.Column("tags", sa.JSON, nullable=False, server_default="[]"))
        batch.add_column(sa.Column("updated_at", UTCDateTime, nullable=True))
        batch.add_column(sa.Column("removed_at", UTCDateTime, nullable=True))

    # A view sample becomes a run of equal readings: fetched_at is its first reading.
    with op.batch_alter_table("view_samples") as batch:
        batch.alter_column("fetched_at", new_column_name="first_at", existing_type=UTCDateTime, existing_nullable=False)
        batch.add_column(sa.Column("last_at", UTCDateTime, nullable=True))
    op.execute("UPDATE view_samples SET last_at = first_at")
    with op.batch_alter_table("view_samples") as batch:
        batch.alter_column("last_at", existing_type=UTCDateTime, nullable=False)

    with op.batch_alter_table("crawl_runs") as batch:
        batch.add_column(sa.Column("stats", sa.JSON, nullable=False, server_default="{}"))

    op.create_table(
        "article_versions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("article_id", sa.Integer, sa.ForeignKey("articles.id"), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("fetched_at", UTCDateTime, nullable=False),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("summary", sa.Text, nullable=False),
        sa.Column("body_text", sa.Text, nullable=False),
        sa.Column("author", sa.String(255), nullable=False),
        sa.Column("category", sa.String(255), nullable=False),
        sa.Column("published_at", UTCDateTime, nullable=True),
        sa.Column("published_has_time", sa.Boolean, nullable=False),
        sa.Column("updated_at", UTCDateTime, nullable=True),
        sa.Column("attachments", sa.JSON, nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("changes", sa.JSON, nullable=False),
        sa.UniqueConstraint("article_id", "version", name="uq_article_versions_article_version"),
    )
    # Every article already archived gets its current state as version 1.
    op.execute(
        "INSERT INTO article_versions (article_id, version, fetched_at, title, summary, body_text, author, category,"
        " published_at, published_has_time, updated_at, attachments, content_hash, changes)"
        " SELECT id, 1, first_seen_at, title, summary, body_text, author, category, published_at,"
        " published_has_time, NULL, '[]', content_hash, '{}' FROM articles"
    )
    op.create_table(
        "attachments",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("article_id", sa.Integer, sa.ForeignKey("articles.id"), nullable=False),
        sa.Column("url", sa.String(2048), nullable=False),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("file_name", sa.String(512), nullable=False),
        sa.Column("file_type", sa.String(16), nullable=False),
        sa.Column("first_seen_at", UTCDateTime, nullable=False),
        sa.Column("last_seen_at", UTCDateTime, nullable=False),
        sa.UniqueConstraint("article_id", "url", name="uq_attachments_article_url"),
    )
    op.create_table(
        "documents",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("canonical", sa.String(255), nullable=False, unique=True),
        sa.Column("system", sa.String(16), nullable=False),
        sa.Column("type", sa.String(16), nullable=True),
        sa.Column("type_name", sa.String(64), nullable=True),
        sa.Column("number", sa.String(32), nullable=False),
        sa.Column("year", sa.Integer, nullable=True),
        sa.Column("issuer", sa.String(128), nullable=True),
        sa.Column("issued_on", sa.Date, nullable=True),
        sa.Column("first_seen_at", UTCDateTime, nullable=False),
        sa.Column("first_article_id", sa.Integer, sa.ForeignKey("articles.id"), nullable=True),
    )
    op.create_table(
        "document_mentions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("document_id", sa.Integer, sa.ForeignKey("documents.id"), nullable=False),
        sa.Column("article_id", sa.Integer, sa.ForeignKey("articles.id"), nullable=False),
        sa.Column("sentence", sa.Text, nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("first_seen_at", UTCDateTime, nullable=False),
        sa.UniqueConstraint("document_id", "article_id", name="uq_document_mentions_document_article"),
    )
    op.create_index("ix_document_mentions_article", "document_mentions", ["article_id"])
    op.create_table(
        "tombstones",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("article_id", sa.Integer, sa.ForeignKey("articles.id"), nullable=False),
        sa.Column("removed_at", UTCDateTime, nullable=False),
        sa.Column("reason", sa.String(255), nullable=False),
        sa.Column("restored_at", UTCDateTime, nullable=True),
    )
    op.create_index("ix_tombstones_article", "tombstones", ["article_id"])
    op.create_table(
        "raw_pages",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("article_id", sa.Integer, sa.ForeignKey("articles.id"), nullable=False),
        sa.Column("version_id", sa.Integer, sa.ForeignKey("article_versions.id"), nullable=True),
        sa.Column("fetched_at", UTCDateTime, nullable=False),
        sa.Column("url", sa.String(2048), nullable=False),
        sa.Column("content_type", sa.String(128), nullable=False),
        sa.Column("compression", sa.String(16), nullable=False),
        sa.Column("body", sa.LargeBinary, nullable=False),
    )
    op.create_index("ix_raw_pages_article", "raw_pages", ["article_id", "fetched_at"])
    op.create_table(
        "events",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("key", sa.String(255), nullable=False, unique=True),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("portal_id", sa.Integer, sa.ForeignKey("portals.id"), nullable=False),
        sa.Column("article_id", sa.Integer, sa.ForeignKey("articles.id"), nullable=True),
        sa.Column("document_id", sa.Integer, sa.ForeignKey("documents.id"), nullable=True),
        sa.Column("occurred_at", UTCDateTime, nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("payload", sa.JSON, nullable=False),
    )
    op.create_index("ix_events_portal_created", "events", ["portal_id", "created_at"])
    op.create_index("ix_events_kind", "events", ["kind"])
    op.create_table(
        "alert_outbox",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("event_id", sa.Integer, sa.ForeignKey("events.id"), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("recipient", sa.String(512), nullable=False),
        sa.Column("rule", sa.String(128), nullable=False),
        sa.Column("mode", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("next_attempt_at", UTCDateTime, nullable=False),
        sa.Column("last_error", sa.Text, nullable=False),
        sa.Column("message_id", sa.String(255), nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("sent_at", UTCDateTime, nullable=True),
        sa.UniqueConstraint("event_id", "channel", "recipient", name="uq_alert_outbox_event_recipient"),
    )
    op.create_index("ix_alert_outbox_status_next", "alert_outbox", ["status", "next_attempt_at"])


def downgrade() -> None:
    for table in ("alert_outbox", "events", "raw_pages", "tombstones", "document_mentions", "documents",
                  "attachments", "article_versions"):
        op.drop_table(table)
    with op.batch_alter_table("crawl_runs") as batch:
        batch.drop_column("stats")
    with op.batch_alter_table("view_samples") as batch:
        batch.drop_column("last_at")
        batch.alter_column("first_at", new_column_name="fetched_at", existing_type=UTCDateTime, existing_nullable=False)
    with op.batch_alter_table("articles") as batch:
        for column in ("removed_at", "updated_at", "tags", "source"):
            batch.drop_column(column)
