"""The replica's articles and portals: what they are made of, and the helpers every part shares.

Everything is derived from a seeded random generator per (portal, article number), so two
replicas built with the same arguments serve byte-identical pages at the same clock time
(crawler/replica/timeline.py makes the articles; crawler/replica/vocabulary.py holds the words).
"""
from __future__ import annotations

import json
import random
import tomllib
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from importlib import resources

from crawler.replica.vocabulary import TOPICS

# A body block: ("p", text) paragraph, ("h", text) sub-heading, ("img", src, caption), and ("raw", html, text,
# images): markup written into the page unescaped, with the text and images a reader sees in it (the hostile
# article, data/hostile_article.json; only the Tân Dân templates draw it).
Block = tuple


@dataclass
class ReplicaArticle:
    number: int                 # position in the portal's timeline (0 = oldest)
    external_id: str            # the portal's own id as it appears in the URL
    slug: str
    category: str               # category slug
    title: str
    summary: str
    blocks: list[Block]
    author: str                 # a person's name; "" when only an organisation or outlet is credited
    published: datetime
    views_at_start: int
    views_per_hour: float
    attachments: list[tuple[str, str]] = field(default_factory=list)  # (title, path)
    journal_id: int = 0         # Liferay's internal article id (container element id)
    updated: datetime | None = None
    removed: bool = False
    source: str = ""            # the organisation or outlet credited ("Trung tâm Văn hóa - Thể thao huyện", "Báo Ninh Thuận")
    credit: str = "author"      # how the credit line reads: "author" (Tác giả: …), "source" (Nguồn: …), "via" (Theo …)
    tags: list[str] = field(default_factory=list)
    # Canonical references checked by hand (the seed, written by people); None = derive from the text.
    known_documents: list[str] | None = None

    @property
    def documents(self) -> list[str]:
        """Document numbers the title and text mention, in order ("23-NQ/TU", "15/2023/NQ-HĐND", "123/QĐ-UBND")."""
        if self.known_documents is not None:
            return list(self.known_documents)
        return document_numbers(" ".join([self.title] + [text_of(b) for b in self.blocks]))


def text_of(block: Block) -> str:
    """The text a reader sees in a body block ("" for an image)."""
    return block[1] if block[0] in ("p", "h") else block[2] if block[0] == "raw" else ""


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def slugify(text: str, *, drop_d: bool = False) -> str:
    """URL slug. Liferay's normaliser drops 'đ' (no decomposition: "đơn vị" → "on-vi"); VCCorp folds it to 'd'."""
    text = text.lower()
    text = text.replace("đ", "" if drop_d else "d")
    text = "".join(c for c in unicodedata.normalize("NFD", text) if unicodedata.category(c) != "Mn")
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")


def load_seed() -> dict:
    return _data("seed_bactuliem.json")


def load_hostile() -> dict:
    """The hostile article (script in every form a page can carry it), served where a portal says with_hostile."""
    return _data("hostile_article.json")


def _data(name: str) -> dict:
    return json.loads(resources.files("crawler.replica").joinpath(f"data/{name}").read_text(encoding="utf-8"))


def load_relays() -> dict[tuple[str, int], str]:
    """(portal key, article number) → the paragraph relaying the seed's documents (data/relays.toml)."""
    text = resources.files("crawler.replica").joinpath("data/relays.toml").read_text(encoding="utf-8")
    return {(r["portal"], r["article"]): nfc(r["text"]) for r in tomllib.loads(text)["relay"]}


@dataclass(frozen=True)
class PortalSpec:
    """What the replica needs to know to make one portal's content."""

    key: str
    family: str
    unit: str                       # "phường Cầu Giấy" — used in generated sentences
    categories: dict[str, str]      # slug → display name, in menu order
    start: datetime                 # the portal's local time when the replica clock reads 0
    history: int = 40               # articles published before start
    future: int = 12                # articles appearing after start, one every ~4 hours
    id_prefix: str = ""             # Hanoi platform: the site's id prefix
    with_seed: bool = False
    with_hostile: bool = False      # serve the hostile article (data/hostile_article.json), its oldest; Tân Dân only
    province: str = "Hà Nội"        # for credits ("Báo Ninh Thuận") and provincial documents
    theme: str = "hanoi"            # vocabulary: "hanoi", "province" (Tỉnh ủy, UBND tỉnh) or "police"
    rich: bool = True               # add the richer features: document citations, attachments, tags, credits,
                                    # second images. The three original portals keep False (pages as captured).
    layout: str = ""                # a variant of the family's page layout this portal serves: templates/<family>/<layout>/
                                    # when that folder exists (Liferay "so4t", the real sotttt.hanoi.gov.vn theme), else
                                    # the family's templates, which read portal.spec.layout (Tân Dân "p-main";
                                    # hanoi "vgp", the vendor markup real en.baochinhphu.vn pages show)
    article_url: str = ""           # this portal's article URL format, when it differs from the family's
    scope: str = ""                 # the group of portals it belongs with (its registry entry's `scope`);
                                    # "" = its province folded ("Hà Nội" → "hanoi", "Ninh Thuận" → "ninhthuan")

    def __post_init__(self):
        if not self.scope:
            object.__setattr__(self, "scope", slugify(self.province).replace("-", ""))


def fill(template: str, rnd: random.Random, unit: str, when: datetime, topics: list[str] = TOPICS) -> str:
    day = (when - timedelta(days=rnd.randint(1, 20))).strftime("%d/%m/%Y")
    values = dict(
        unit=unit, Unit=unit[0].upper() + unit[1:], topic=rnd.choice(topics), n=rnd.randint(12, 480),
        n2=not_seed(rnd.randint(10, 60)), k=rnd.randint(2, 12), m=rnd.randint(3, 40), pct=rnd.randint(85, 120),
        money=f"{rnd.randint(120, 9800):,}".replace(",", "."), day=day, month=when.month, year=when.year,
    )
    return nfc(template.format(**values))


# Document numbers (docs/text-formats.md §Document numbers), used to record which numbers an article mentions.
_U, _L = "A-ZĐÐ", "A-Za-zĐđÐ"
_PARTY_RE = re.compile(rf"\b\d{{1,4}}\s*[-‐‑–]\s*[{_U}][{_L}]{{0,4}}\s*/\s*[{_U}][{_L}0-9&]{{1,15}}(?:-[{_U}][{_L}0-9&]{{0,15}})*\b")
_STATE_YEAR_RE = re.compile(rf"\b\d{{1,5}}\s*/\s*(?:19|20)\d{{2}}\s*/\s*[{_U}][{_L}0-9&]{{0,10}}(?:\s*[-‐‑–]\s*[{_U}][{_L}0-9&]{{0,15}})*")
_STATE_RE = re.compile(rf"\b\d{{1,5}}\s*/\s*[{_U}][{_L}]{{0,10}}(?:\s*[-‐‑–]\s*[{_U}][{_L}0-9&]{{0,15}})+")


def document_numbers(text: str) -> list[str]:
    """Document numbers in order of appearance, spaces removed, each once."""
    taken: list[tuple[int, int, str]] = []
    for regex in (_PARTY_RE, _STATE_YEAR_RE, _STATE_RE):
        for m in regex.finditer(text):
            if not any(m.start() < end and start < m.end() for start, end, _ in taken):
                taken.append((m.start(), m.end(), re.sub(r"\s+", "", m.group()).replace("Ð", "Đ")))
    return list(dict.fromkeys(number for _, _, number in sorted(taken)))


# Party document numbers the seed article cites (23-NQ/TU, 30-CT/TU, 45-NQ/TW …): generated articles
# avoid them, so the seed stays the first article to mention its documents, as it was on the real portal.
_SEED_NUMBERS = frozenset({23, 27, 29, 30, 32, 42, 43, 45})


def not_seed(number: int) -> int:
    return number + 40 if number in _SEED_NUMBERS else number
