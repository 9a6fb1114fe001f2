"""PostgreSQL: the titles and summaries get a GIN index of their own, for the title/summary set of a search.

A relevance search scores the newest HEAD_LIMIT matches with every term in the title or summary
(db/search/candidates.py). On search_tsv that set is a tsquery with weights ('word':AB), and a GIN index
keeps no weights: PostgreSQL fetched and rechecked every article holding the words anywhere, body included
(p95 ~1.4 s on the 50,000-article judged bench archive). pw_head_tsv(title, summary) folds and splits the two
texts exactly as pw_search_tsv does (title weight A, summary B, and their number pairs, so a phrase with a
number is looked up by its rare pairs here too); the expression index on it needs no column and no trigger
(PostgreSQL maintains it on every write of title or summary). The function declares its real cost (COST
5000, ~250 µs a call) so that no plan computes it per row to filter; it sets its search_path: an index
expression is also evaluated where the search_path is not the archive's (a restore, autovacuum), and it calls
pw_fold and pw_number_pairs by name. SQLite: nothing (FTS5 column filters already read titles and summaries
only). The DDL is frozen here as this revision executed it (db/search/pg_index.py holds the current one).

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02
"""
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

PG_HEAD_TSV = """CREATE OR REPLACE FUNCTION pw_head_tsv(title text, summary text) RETURNS tsvector
LANGUAGE sql IMMUTABLE PARALLEL SAFE COST 5000 SET search_path FROM CURRENT
AS $$ SELECT
  to_tsvector('simple', pw_number_pairs(w.t) || pw_number_pairs(w.s)) ||
  setweight(to_tsvector('simple', w.t), 'A') ||
  setweight(to_tsvector('simple', w.s), 'B')
FROM (SELECT regexp_replace(coalesce(pw_fold(title), ''), '[^[:alnum:]]+', ' ', 'g') AS t,
             regexp_replace(coalesce(pw_fold(summary), ''), '[^[:alnum:]]+', ' ', 'g') AS s
      OFFSET 0) AS w $$"""
PG_HEAD_INDEX = "CREATE INDEX ix_articles_head_tsv ON articles USING gin (pw_head_tsv(title, summary))"
PG_HEAD = (PG_HEAD_TSV, PG_HEAD_INDEX)
PG_HEAD_DROP = ("DROP INDEX IF EXISTS ix_articles_head_tsv", "DROP FUNCTION IF EXISTS pw_head_tsv(text, text)")


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        for ddl in PG_HEAD:
            bind.exec_driver_sql(ddl)


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        for ddl in PG_HEAD_DROP:
            bind.exec_driver_sql(ddl)
