"""How much of an article's body search reads: its first BODY_CHARS characters.

The archive keeps every body whole (articles.body_text, article_versions); the index of either engine, the
exact-diacritics check and the snippet read only this prefix, so one huge body — a 20 MB page pasted into an
article, an extraction that swallowed a whole site — costs a search what a long article costs, and cannot fail
to be indexed. A word that occurs only past the prefix does not find the article (nor does the last word of the
prefix, if the cut falls inside it, find anything but itself).

Why 200,000 characters (code points of the stored text, counted the same by SQLite's and PostgreSQL's substr
and by Python's slicing):
* it is far above any article seen: the longest body among the replica's 335 articles is 3,510 characters,
  the longest real one in the fixtures (a resolution's news piece) 3,501; 200,000 is about 30,000 Vietnamese
  words, some 60 printed pages — a whole law rather than a news article;
* PostgreSQL's tsvector holds at most 1 MB of lexemes ("string is too long for tsvector"): a 1 MB body of
  numbered paragraphs already fails to be stored at all without a cap. 200,000 characters make at most
  ~600 KB of lexemes (3 bytes a character, or for ASCII words with digits the words and their number pairs),
  leaving room for the title and summary;
* the work it bounds is small: folding, tokenizing and finding terms in 200,000 characters takes
  milliseconds in Python and SQLite (PostgreSQL's plpgsql number pairs ~1 s for a body made only of numbered
  words, the worst case).
PostgreSQL also clamps word positions at 16,383, so there a phrase is found only within about the first
16,000 words of title, summary and body together (~75,000 characters); single words are found anywhere in
the prefix. SQLite has no such limit.
"""
from __future__ import annotations

BODY_CHARS = 200_000

