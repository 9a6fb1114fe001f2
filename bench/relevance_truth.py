"""The relevance bench's archives and their ground truth: what every article is made of, from the generators.

An archive is bench/synthetic.py's Generator (N articles, deterministic per seed) plus every article of the
replica's portals (crawler/replica/timeline.py: each portal's full timeline, with the seed article verbatim on
bactuliem and the relays of its documents on caugiay and hoangliet). The synthetic rows go in through
synthetic.generate (its bulk writer, the real index triggers); the replica's articles through the real writer,
db.store.ArchiveWriter.write_articles, as crawl records.

The ground truth (title, summary, first paragraph, body, portal, removed) is regenerated from the same
generators, never read back from the archive: the query set (bench/relevance_make.py) is judged from it, and an
article is named by a stable key, "<portal key>:<external id>", that the runner maps to archive ids.
"""
from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from vntext.textnorm import fold  # noqa: E402

# The archives the query sets are made for: the query set of one archive is judged against that archive only
# (a different article count moves the generator's draws, so every text changes).
ARCHIVES = {
    "bench": {"articles": 50_000, "portals": 80, "seed": 1},
    "small": {"articles": 2_000, "portals": 20, "seed": 1},
}
CHUNK = 5000  # synthetic.generate's default chunk: each chunk's texts are drawn from a generator seeded by its start

_TOKEN = re.compile(r"[^\W_]+")


def words(text: str | None) -> list[str]:
    """Folded tokens (lower case, tones off, đ → d; runs of letters and digits): the search's own tokens."""
    return _TOKEN.findall(fold(text))


@dataclass
class Truth:
    key: str            # "<portal key>:<external id>"
    portal: str         # portal key
    unit: str           # the ward/commune/agency the portal belongs to ("phường Láng")
    title: str
    summary: str
    first_paragraph: str
    body: str
    removed: bool
    origin: str         # "synthetic" or "replica"


def synthetic_truth(articles: int, portals: int, seed: int) -> list[Truth]:
    from bench.synthetic import Generator

    gen = Generator(articles, portals, seed)
    out = []
    for start in range(0, articles, CHUNK):
        for row in gen.chunk(start, min(start + CHUNK, articles))["articles"]:
            _id, portal_id, external_id, _url, title, summary, body = row[:7]
            portal = Generator.key(portal_id - 1)
            out.append(Truth(f"{portal}:{external_id}", portal, gen.units[portal_id - 1], title, summary,
                             body.split("\n\n")[0], body, row[19] is not None, "synthetic"))
    return out


def _replica_articles():
    """(spec, article, paragraphs) of every replica portal's whole timeline."""
    from crawler.replica.content import text_of
    from crawler.replica.portals import load_portals
    from crawler.replica.timeline import generate

    for spec in load_portals():
        for article in generate(spec):
            texts = [text_of(b) for b in article.blocks]
            # the body as an extractor reads it: text blocks, the sapo (summary) not repeated
            paragraphs = [t for t in texts if t and t != article.summary]
            yield spec, article, paragraphs


def replica_truth() -> list[Truth]:
    out = []
    for spec, article, paragraphs in _replica_articles():
        out.append(Truth(f"{spec.key}:r{article.number}", spec.key, spec.unit, article.title, article.summary,
                         paragraphs[0] if paragraphs else "", "\n\n".join(paragraphs), False, "replica"))
    return out


def truth(name: str) -> list[Truth]:
    cfg = ARCHIVES[name]
    return synthetic_truth(cfg["articles"], cfg["portals"], cfg["seed"]) + replica_truth()


def _replica_records() -> dict[str, tuple[str, list[dict]]]:
    fetched = datetime(2026, 11, 1, tzinfo=timezone.utc)
    groups: dict[str, tuple[str, list[dict]]] = {}
    for spec, article, paragraphs in _replica_articles():
        base = f"https://{spec.key}.replica.test"
        groups.setdefault(spec.key, (spec.unit, []))[1].append({
            "external_id": f"r{article.number}", "url": f"{base}/tin-tuc/r{article.number}.html",
            "title": article.title, "summary": article.summary, "body_text": "\n\n".join(paragraphs),
            "author": article.author, "source": article.source, "category": spec.categories[article.category],
            "tags": list(article.tags), "published_at": article.published, "published_has_time": True,
            "updated_at": None, "views": article.views_at_start, "extracted_by": spec.family,
            "fetched_at": fetched, "attachments": [], "references": [], "raw_html": None,
            "content_type": "text/html",
        })
    return groups


def build_archive(url: str, name: str, log=print) -> None:
    """The named archive into an empty database (schema brought to head): synthetic rows, then the replica's."""
    from bench.synthetic import generate
    from db.store import ArchiveWriter

    cfg = ARCHIVES[name]
    generate(url, cfg["articles"], portals=cfg["portals"], seed=cfg["seed"], workers=1, chunk=CHUNK,
             log=lambda line: None)
    writer = ArchiveWriter(url, store_raw_pages=False)
    for key, (unit, records) in _replica_records().items():
        portal_id = writer.ensure_portal(key, f"Cổng thông tin điện tử {unit}", f"https://{key}.replica.test",
                                         "hanoi")
        writer.write_articles(portal_id, records)
    writer.engine.dispose()
    log(f"built the {name} archive ({cfg['articles']:,} synthetic articles + the replica's) in {url}")


def archive_ids(session) -> dict[str, int]:
    """Stable key → article id in an archive built by build_archive."""
    from sqlalchemy import select

    from db.models import Article, Portal

    rows = session.execute(select(Portal.key, Article.external_id, Article.id).join(
        Portal, Portal.id == Article.portal_id))
    return {f"{key}:{external_id}": article_id for key, external_id, article_id in rows}
