"""Rule sightings: when the archive first saw each alert rule in its current form.

A rule added to the rules file (or changed: new keywords, kinds, recipients …) matched every event
inside the delivery lookback at once and mailed each of them; monitor/alerts/sightings.py now
holds back the events created before a rule's sighting (its back catalogue) for one summary mail.
The table starts empty: the rules an upgraded archive alerts with next are its first ruleset and
hold nothing back, as they alerted before this revision.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02
"""
import sqlalchemy as sa
from alembic import op

from db.models import UTCDateTime

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "rule_sightings",
        sa.Column("name", sa.String(128), primary_key=True),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("first_seen_at", UTCDateTime, nullable=False),
        sa.Column("version", sa.Integer, nullable=False, server_default="1"),
        sa.Column("holds_back", sa.Boolean, nullable=False, server_default=sa.true()),
    )


def downgrade() -> None:
    op.drop_table("rule_sightings")
