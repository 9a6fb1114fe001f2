"""PostgreSQL: number pairs in the search index, so phrases with a number are looked up by rare lexemes.

A phrase such as 23-NQ/TU (the tokens 23 nq tu) was tested against every article holding its three common
words, one tsvector at a time (1.6 s at 1,000,000 articles). pw_search_tsv now adds "n<a>x<b>" meta lexemes for
adjacent ASCII tokens one of which has a digit (db/search.py: PG_NUMBER_PAIRS); queries look those up first.
Every article's search_tsv is computed again (minutes on a large archive). SQLite: unchanged.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01
"""
from alembic import op

from db import search

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    bind.exec_driver_sql(search.PG_NUMBER_PAIRS)
    bind.exec_driver_sql(search.PG_SEARCH_TSV)
    bind.exec_driver_sql(search.PG_FILL)


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    # revision 0003's pw_search_tsv, then the function it no longer calls
    bind.exec_driver_sql(search.PG_CREATE[1].replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION", 1))
    bind.exec_driver_sql(search.PG_FILL)
    bind.exec_driver_sql("DROP FUNCTION IF EXISTS pw_number_pairs(text)")
