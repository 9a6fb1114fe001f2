"""Initial archive: portals, articles, view samples, crawl runs.

Revision ID: 0001
Revises:
Create Date: 2026-11-27
"""
import sqlalchemy as sa
from alembic import op

from db.models import UTCDateTime

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "portals",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("key", sa.String(64), nullable=False, unique=True),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("base_url", sa.String(512), nullable=False),
        sa.Column("profile", sa.String(32), nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
    )
    op.create_table(
        "articles",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("portal_id", sa.Integer, sa.ForeignKey("portals.id"), nullable=False),
        sa.Column("external_id", sa.String(255), nullable=False),
        sa.Column("url", sa.String(2048), nullable=False),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("summary", sa.Text, nullable=False),
        sa.Column("body_text", sa.Text, nullable=False),
        sa.Column("author", sa.String(255), nullable=False),
        sa.Column("category", sa.String(255), nullable=False),
        sa.Column("published_at", UTCDateTime, nullable=True),
        sa.Column("published_has_time", sa.Boolean, nullable=False),
        sa.Column("views", sa.BigInteger, nullable=True),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("extracted_by", sa.String(32), nullable=False),
        sa.Column("first_seen_at", UTCDateTime, nullable=False),
        sa.Column("last_fetched_at", UTCDateTime, nullable=False),
        sa.UniqueConstraint("portal_id", "external_id", name="uq_articles_portal_external"),
    )
    op.create_index("ix_articles_portal_published", "articles", ["portal_id", "published_at"])
    op.create_table(
        "view_samples",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("article_id", sa.Integer, sa.ForeignKey("articles.id"), nullable=False),
        sa.Column("fetched_at", UTCDateTime, nullable=False),
        sa.Column("views", sa.BigInteger, nullable=False),
        sa.UniqueConstraint("article_id", "fetched_at", name="uq_view_samples_article_time"),
    )
    op.create_table(
        "crawl_runs",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("portal_id", sa.Integer, sa.ForeignKey("portals.id"), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("started_at", UTCDateTime, nullable=False),
        sa.Column("finished_at", UTCDateTime, nullable=True),
        sa.Column("pages", sa.Integer, nullable=False),
        sa.Column("articles_seen", sa.Integer, nullable=False),
        sa.Column("articles_new", sa.Integer, nullable=False),
        sa.Column("errors", sa.Integer, nullable=False),
        sa.Column("message", sa.Text, nullable=False),
    )
    op.create_index("ix_crawl_runs_portal_started", "crawl_runs", ["portal_id", "started_at"])


def downgrade() -> None:
    op.drop_table("crawl_runs")
    op.drop_table("view_samples")
    op.drop_table("articles")
    op.drop_table("portals")
