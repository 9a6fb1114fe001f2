"""State documents of the Prime Minister keyed as the law spells them: 05/CT-TTg, not 05/CT-TTG.

vntext.docrefs upper-cased every issuer, so an archive keyed the Prime Minister's (Thủ tướng) documents as
``05/CT-TTG``, issuer ``TTG``; numbers are now keyed with the official ``TTg`` (vntext.doctypes.state_issuer).
This revision re-keys the documents stored before: ``canonical`` and ``issuer`` of every state document
whose issuer has a hyphen part ``TTG`` (in any case), and the ``canonical``/``issuer`` copied into the
payloads of their events (the new_document event names the number in feeds and the events list). Mentions
and events point at documents by id, so nothing else moves. A re-keyed number cannot meet one already
spelled TTg: no earlier release wrote one. The rule is frozen here as it ran (migrations import no code
that can change later, tests/test_search_migrations.py). Downgrade writes TTG again.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02
"""
import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

DOCUMENTS = sa.table("documents", sa.column("id", sa.Integer), sa.column("canonical", sa.String),
                     sa.column("system", sa.String), sa.column("issuer", sa.String))
EVENTS = sa.table("events", sa.column("id", sa.Integer), sa.column("document_id", sa.Integer),
                  sa.column("payload", sa.JSON))


def _spelled(issuer: str, ttg: str) -> str:
    return "-".join(ttg if part.upper() == "TTG" else part for part in issuer.split("-"))


def _rekey(ttg: str) -> None:
    conn = op.get_bind()
    rows = conn.execute(sa.select(DOCUMENTS.c.id, DOCUMENTS.c.canonical, DOCUMENTS.c.issuer)
                        .where(DOCUMENTS.c.system == "state", sa.func.upper(DOCUMENTS.c.issuer).like("%TTG%"))).all()
    changed = {}
    for doc_id, canonical, issuer in rows:
        new_issuer = _spelled(issuer, ttg)
        if new_issuer == issuer or not canonical.endswith(issuer):  # TTGx, or not a number ending in its issuer
            continue
        changed[doc_id] = (canonical[: -len(issuer)] + new_issuer, new_issuer)
        conn.execute(sa.update(DOCUMENTS).where(DOCUMENTS.c.id == doc_id)
                     .values(canonical=changed[doc_id][0], issuer=new_issuer))
    for start in range(0, len(changed), 500):
        ids = list(changed)[start:start + 500]
        for event_id, document_id, payload in conn.execute(
                sa.select(EVENTS.c.id, EVENTS.c.document_id, EVENTS.c.payload).where(EVENTS.c.document_id.in_(ids))):
            if isinstance(payload, dict) and "canonical" in payload:
                canonical, issuer = changed[document_id]
                new = payload | {"canonical": canonical} | ({"issuer": issuer} if "issuer" in payload else {})
                conn.execute(sa.update(EVENTS).where(EVENTS.c.id == event_id).values(payload=new))


def upgrade() -> None:
    _rekey("TTg")


def downgrade() -> None:
    _rekey("TTG")
