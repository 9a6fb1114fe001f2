"""Mentions by article, covering: (article_id, document_id) instead of (article_id).

The search page counts its results per cited document type (db/search/facets.py): the mentions of up to
1,000 articles, joined to their documents. With an index on article_id alone, each mention's document_id
had to be read from the table row — rows made large by the citing sentence, spread over the whole table
for a query whose newest matches span years of ids. Measured on the 1,000,000-article synthetic archive
(bench/synthetic.py, 1.8 M mentions; a copy of it upgraded), both facets of db.search.window_counts over a
search's window of 1,000 ids, first with the file's pages dropped from the OS cache (this machine's disk reads
~25 MB/s), then again warm:
    query                          before (0010)             after (0011)
    "23-NQ/TU"                     cold 4,844 ms, warm 241   cold 925 ms, warm 45
    "chuyen doi so" + portal       cold 5,517 ms, warm  32   cold 1,667 ms, warm 8
    "khuyen hoc" + category        cold 7,087 ms, warm 459   cold 52 ms, warm 7
(what stays cold after is mostly the per-portal count's reads of the articles' covering index; the busy
machine makes the warm figures vary by 2-5x). The mentions index is 27 MB, their table 425 MB.
Building it took 32 s on that archive. The covering index answers from the index alone; it replaces the old
one (a prefix of it: every lookup by article_id uses the new one), so writers keep one index to maintain.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02
"""
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_document_mentions_article_document", "document_mentions", ["article_id", "document_id"])
    op.drop_index("ix_document_mentions_article", table_name="document_mentions")


def downgrade() -> None:
    op.create_index("ix_document_mentions_article", "document_mentions", ["article_id"])
    op.drop_index("ix_document_mentions_article_document", table_name="document_mentions")
