"""Tombstones say why an article was removed as a value (tombstones.cause), not only in words.

Code recognised a listing removal by matching the English reason text ("missing from …"). The
cause is now a column ("gone", "missing_from_listing", "manual"; db/models.py: RemovalCause),
filled here once from the reason text of the tombstones written before it; reason stays, for people.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-10
"""
import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

# The reason texts monitor/detect.py wrote before this revision; anything else was marked by hand.
BACKFILL = (("gone", "answered 404/410 on %"), ("missing_from_listing", "missing from %"))


def upgrade() -> None:
    with op.batch_alter_table("tombstones") as batch:
        batch.add_column(sa.Column("cause", sa.String(32), nullable=False, server_default="manual"))
    tombstones = sa.table("tombstones", sa.column("cause"), sa.column("reason"))
    for cause, pattern in BACKFILL:
        op.execute(tombstones.update().where(tombstones.c.reason.like(pattern)).values(cause=cause))


def downgrade() -> None:
    with op.batch_alter_table("tombstones") as batch:
        batch.drop_column("cause")
