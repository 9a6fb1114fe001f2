"""Monitoring: the scheduler lease, per-article check state (decaying re-fetch schedule,
conditional GET validators, 404 and listing counters), and detection bookkeeping on runs.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27
"""
import sqlalchemy as sa
from alembic import op

from db.models import UTCDateTime

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "scheduler_lease",
        sa.Column("name", sa.String(32), primary_key=True),
        sa.Column("holder", sa.String(255), nullable=False),
        sa.Column("acquired_at", UTCDateTime, nullable=False),
        sa.Column("heartbeat_at", UTCDateTime, nullable=False),
        sa.Column("expires_at", UTCDateTime, nullable=False),
    )
    with op.batch_alter_table("articles") as batch:
        batch.add_column(sa.Column("next_check_at", UTCDateTime, nullable=True))
        batch.add_column(sa.Column("http_etag", sa.String(255), nullable=True))
        batch.add_column(sa.Column("http_last_modified", sa.String(64), nullable=True))
        batch.add_column(sa.Column("consecutive_gone", sa.Integer, nullable=False, server_default="0"))
        batch.add_column(sa.Column("last_listed_at", UTCDateTime, nullable=True))
        batch.add_column(sa.Column("listing_misses", sa.Integer, nullable=False, server_default="0"))
    op.create_index("ix_articles_portal_next_check", "articles", ["portal_id", "next_check_at"])
    with op.batch_alter_table("crawl_runs") as batch:
        batch.add_column(sa.Column("mode", sa.String(16), nullable=False, server_default="full"))
        batch.add_column(sa.Column("detected_at", UTCDateTime, nullable=True))
    # Runs archived before detection existed are not detected retroactively.
    op.execute("UPDATE crawl_runs SET detected_at = finished_at WHERE finished_at IS NOT NULL")


def downgrade() -> None:
    with op.batch_alter_table("crawl_runs") as batch:
        batch.drop_column("detected_at")
        batch.drop_column("mode")
    op.drop_index("ix_articles_portal_next_check", "articles")
    with op.batch_alter_table("articles") as batch:
        for column in ("listing_misses", "last_listed_at", "consecutive_gone", "http_last_modified", "http_etag",
                       "next_check_at"):
            batch.drop_column(column)
    if op.get_bind().dialect.name == "sqlite":
        # Batch mode rebuilt `articles` on SQLite, and its search-index triggers went with the old table:
        # below 0005 they are revision 0003's.
        from importlib import import_module

        import_module("db.migrations.versions.0003_search").install_sqlite_triggers(op.get_bind())
    op.drop_table("scheduler_lease")
