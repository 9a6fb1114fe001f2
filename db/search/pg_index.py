"""The PostgreSQL search index at the current revision: its DDL, as a fresh database has it after every
migration (the design is in db/search/__init__.py).

Migration 0003 created the functions, the column, the triggers and the GIN index; 0006 added
pw_number_pairs and replaced pw_search_tsv; 0009 replaced pw_search_tsv again (the body capped). Each
migration holds its own frozen copy of what it executed: change a statement here only together with a new
migration that executes the new text; tests/test_search_migrations.py checks that a fresh upgrade builds
exactly what this module describes."""
from __future__ import annotations

from vntext.textnorm import INVISIBLE_CHARS
from db.search.bounds import BODY_CHARS

# Combining marks stripped after NFD (Python's fold strips every Mn; these blocks are the ones Latin text uses).
_PG_MARKS = r"[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]"
_PG_FROM = "\u0111\u0110\u00f0\u00d0" + INVISIBLE_CHARS   # đ Đ ð Ð → d; invisible characters deleted
# The meta words: "s<portal id> y<year> m<yearmonth> c<category word>…", Vietnam time.
_PG_META = """'s' || portal_id
    || coalesce(' y' || extract(year from published_at + interval '7 hours')::int
                || ' m' || (extract(year from published_at + interval '7 hours')::int * 100
                            + extract(month from published_at + interval '7 hours')::int), '')
    || coalesce(regexp_replace(' ' || regexp_replace(pw_fold(category), '[^[:alnum:]]+', ' ', 'g'),
                               ' ([[:alnum:]])', ' c\\1', 'g'), '')"""
PG_FOLD = f"""CREATE FUNCTION pw_fold(value text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$ SELECT lower(translate(regexp_replace(normalize(value, NFD), '{_PG_MARKS}', '', 'g'), '{_PG_FROM}', 'dddd')) $$"""
# Phrases with a number ("23-NQ/TU", "Quyết định 123") are looked up by rare meta lexemes first. Without them
# PostgreSQL tests such a phrase against every article holding its common words (23, nq, tu), one tsvector at a
# time: 2.2 s at 1,000,000 articles, against 57 ms with them (bench/search_bench.py, one run). "n<a>x<b>" for
# each pair of adjacent ASCII tokens one of which has a digit (db.search.query.number_pairs is the same rule in
# Python, for queries); a text that contains the phrase contains its pairs, so adding them to the query changes
# no result.
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
# Meta lexemes first (weight D; positions stay low, so the category phrase keeps its adjacency), then the folded
# text with weights A/B/C. Only the first BODY_CHARS characters of the body are read (db/search/bounds.py: a
# longer body could exceed tsvector's 1 MB and fail to be stored at all). The tokens of each column are made once
# and serve both the text lexemes and the number pairs; OFFSET 0 keeps the planner from pulling the subquery up,
# which would fold and split every column twice.
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
             regexp_replace(coalesce(pw_fold(substr(body, 1, {BODY_CHARS})), ''), '[^[:alnum:]]+', ' ', 'g') AS b
      OFFSET 0) AS w $$"""
PG_TRIGGER_FUNCTION = """CREATE FUNCTION pw_articles_search_tsv() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT
AS $$ BEGIN
  NEW.search_tsv := pw_search_tsv(NEW.title, NEW.summary, NEW.body_text, NEW.category, NEW.portal_id,
                                  NEW.published_at);
  RETURN NEW;
END $$"""
PG_COLUMN = "ALTER TABLE articles ADD COLUMN search_tsv tsvector"
PG_TRIGGER_NAMES = ("articles_search_tsv_insert", "articles_search_tsv_update")
PG_TRIGGERS = (
    """CREATE TRIGGER articles_search_tsv_insert BEFORE INSERT ON articles
FOR EACH ROW EXECUTE FUNCTION pw_articles_search_tsv()""",
    """CREATE TRIGGER articles_search_tsv_update
BEFORE UPDATE OF title, summary, body_text, category, portal_id, published_at ON articles
FOR EACH ROW WHEN (OLD.title IS DISTINCT FROM NEW.title OR OLD.summary IS DISTINCT FROM NEW.summary
                   OR OLD.body_text IS DISTINCT FROM NEW.body_text OR OLD.category IS DISTINCT FROM NEW.category
                   OR OLD.portal_id IS DISTINCT FROM NEW.portal_id
                   OR OLD.published_at IS DISTINCT FROM NEW.published_at)
EXECUTE FUNCTION pw_articles_search_tsv()""",
)
# The whole index on a database that has none, in order (then PG_FILL and PG_INDEX).
PG_CREATE = (PG_FOLD, PG_NUMBER_PAIRS, PG_SEARCH_TSV, PG_TRIGGER_FUNCTION, PG_COLUMN, *PG_TRIGGERS)
PG_FILL = ("UPDATE articles SET search_tsv = "
           "pw_search_tsv(title, summary, body_text, category, portal_id, published_at)")
PG_INDEX = "CREATE INDEX ix_articles_search_tsv ON articles USING gin (search_tsv)"


def rebuild(connection) -> None:
    """Compute every article's search_tsv again."""
    connection.exec_driver_sql(PG_FILL)


def is_installed(connection) -> bool:
    names = {row[0] for row in connection.exec_driver_sql(
        "SELECT tgname FROM pg_trigger WHERE tgrelid = 'articles'::regclass")}
    return set(PG_TRIGGER_NAMES) <= names
