"""PostgreSQL: number pairs in the search index, so phrases with a number are looked up by rare lexemes.

A phrase such as 23-NQ/TU (the tokens 23 nq tu) was tested against every article holding its three common
words, one tsvector at a time (1.6 s at 1,000,000 articles). pw_search_tsv now adds "n<a>x<b>" meta lexemes for
adjacent ASCII tokens one of which has a digit (db/search/pg_index.py explains them); queries look those up
first. Every article's search_tsv is computed again (minutes on a large archive). SQLite: unchanged. The DDL is
frozen here as this revision executed it (db/search/pg_index.py holds the index as it is now, and a test keeps
the two equal until a later revision changes the index).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01
"""
from importlib import import_module

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

_v3 = import_module("db.migrations.versions.0003_search")

PG_NUMBER_PAIRS = """CREATE OR REPLACE FUNCTION pw_number_pairs(words text) RETURNS text
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
AS $$
DECLARE
  segments text[];
  number text;
  neighbour text;
  pairs text := '';
BEGIN
  IF words !~ '[0-9]' THEN
    RETURN '';
  END IF;
  -- One segment per word with a digit, from it to the next one (a loop over the few numbers of a text, not
  -- over its hundreds of words: plpgsql pays for every statement). The words are folded runs of letters and
  -- digits, so they are ASCII when they have as many bytes as characters.
  segments := regexp_split_to_array(btrim(words), ' (?=[^ ]*[0-9])');
  FOR i IN 1 .. array_length(segments, 1) LOOP
    number := split_part(segments[i], ' ', 1);
    CONTINUE WHEN (i = 1 AND number !~ '[0-9]') OR octet_length(number) <> length(number);
    IF i > 1 THEN
      neighbour := reverse(split_part(reverse(segments[i - 1]), ' ', 1));
      IF octet_length(neighbour) = length(neighbour) THEN
        pairs := pairs || ' n' || neighbour || 'x' || number;
      END IF;
    END IF;
    neighbour := split_part(segments[i], ' ', 2);  -- '' when the next word has a digit: its own turn
    IF neighbour <> '' AND octet_length(neighbour) = length(neighbour) THEN
      pairs := pairs || ' n' || number || 'x' || neighbour;
    END IF;
  END LOOP;
  RETURN pairs;
END $$"""
_PG_META = """'s' || portal_id
    || coalesce(' y' || extract(year from published_at + interval '7 hours')::int
                || ' m' || (extract(year from published_at + interval '7 hours')::int * 100
                            + extract(month from published_at + interval '7 hours')::int), '')
    || coalesce(regexp_replace(' ' || regexp_replace(pw_fold(category), '[^[:alnum:]]+', ' ', 'g'),
                               ' ([[:alnum:]])', ' c\\1', 'g'), '')"""
# The tokens of each column are made once and serve both the text lexemes and the number pairs (meta, weight D);
# OFFSET 0 keeps the planner from pulling the subquery up, which would fold and split every column twice.
PG_SEARCH_TSV = f"""CREATE OR REPLACE FUNCTION pw_search_tsv(title text, summary text, body text, category text,
                                         portal_id integer, published_at timestamp) RETURNS tsvector
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT
  to_tsvector('simple', {_PG_META}
    || pw_number_pairs(w.t) || pw_number_pairs(w.s) || pw_number_pairs(w.b)) ||
  setweight(to_tsvector('simple', w.t), 'A') ||
  setweight(to_tsvector('simple', w.s), 'B') ||
  setweight(to_tsvector('simple', w.b), 'C')
FROM (SELECT regexp_replace(coalesce(pw_fold(title), ''), '[^[:alnum:]]+', ' ', 'g') AS t,
             regexp_replace(coalesce(pw_fold(summary), ''), '[^[:alnum:]]+', ' ', 'g') AS s,
             regexp_replace(coalesce(pw_fold(body), ''), '[^[:alnum:]]+', ' ', 'g') AS b OFFSET 0) AS w $$"""
PG_FILL = ("UPDATE articles SET search_tsv = "
           "pw_search_tsv(title, summary, body_text, category, portal_id, published_at)")


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    bind.exec_driver_sql(PG_NUMBER_PAIRS)
    bind.exec_driver_sql(PG_SEARCH_TSV)
    bind.exec_driver_sql(PG_FILL)


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    # revision 0003's pw_search_tsv, then the function it no longer calls
    bind.exec_driver_sql(_v3.PG_SEARCH_TSV.replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION", 1))
    bind.exec_driver_sql(PG_FILL)
    bind.exec_driver_sql("DROP FUNCTION IF EXISTS pw_number_pairs(text)")
