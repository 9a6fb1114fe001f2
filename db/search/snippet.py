"""The extract of an article shown under a search hit."""
from __future__ import annotations

import re
import unicodedata

from db.models import Article
from db.search.query import ParsedQuery
from db.search.textmatch import fold_table


def snippet(article: Article, query: ParsedQuery, width: int = 160) -> str:
    """A short extract of the summary or body where most query terms occur close together (matched folded)."""
    table = fold_table()
    best = None  # (distinct terms, -source index, source, start)
    for index, source in enumerate((article.summary or "", article.body_text or "")):
        source = unicodedata.normalize("NFC", source)
        # one character per original character, so offsets map back
        folded = "".join(((table[ord(ch)] or " ")[:1] if ord(ch) in table else ch) for ch in source)
        hits = []
        for number, term in enumerate(query.terms):
            pattern = r"(?<![^\W_])" + r"[\W_]+".join(map(re.escape, term.tokens)) + r"(?![^\W_])"
            hits += [(m.start(), number) for m in re.finditer(pattern, folded)]
        for start, _ in hits:
            distinct = len({n for s, n in hits if start <= s < start + width * 2 // 3})
            key = (distinct, -index)
            if best is None or key > best[0]:
                best = (key, source, start)
    if best is None:
        body = " ".join((article.summary or article.body_text or "").split())
        return body[:width] + ("…" if len(body) > width else "")
    _, source, at = best
    start = max(0, at - width // 4)
    if start:
        space = source.rfind(" ", 0, start)
        start = space + 1 if space >= 0 and start - space < 20 else start
    end = min(len(source), start + width)
    piece = " ".join(source[start:end].split())
    return ("…" if start else "") + piece + ("…" if end < len(source) else "")
