"""A portal's timeline of generated articles (deterministic: seeded per portal and article number).

Richer features (PortalSpec.rich: citations of Party/state/normative document numbers with or
without "ngày dd/mm/yyyy", attachments named after them, tags, credit variants, second photos) come
from a second stream per article, so they never move an article's id, title or time.
"""
from __future__ import annotations

import random
import re
from datetime import datetime, timedelta

from vntext.dates import VN_TZ
from crawler.replica.families import FAMILIES
from crawler.replica.content import PortalSpec, ReplicaArticle, fill, load_hostile, load_relays, load_seed, nfc
from crawler.replica.vocabulary import (AUTHORS, FULL_NAMES, NATIONAL_DOCS, OUTLETS, SOURCE_ORGS,
                                        THEMES, Theme)


def _doc_sentence(xr: random.Random, spec: PortalSpec, theme: Theme, when: datetime) -> tuple[str, tuple[str, str] | None]:
    """A sentence citing a document, and (attachment title, file stem) when the document is worth attaching."""
    day = when - timedelta(days=xr.randint(3, 75))
    d = f"{day:%d/%m/%Y}"
    topic = xr.choice(theme.topics)
    unit = spec.unit
    agency = theme.agency.format(unit=unit)
    kind = unit.split()[0].lower()
    party_code, party_name = {"huyện": ("HU", "Huyện ủy"), "quận": ("QU", "Quận ủy")}.get(kind, ("ĐU", f"Đảng ủy {unit}"))
    council = "HĐND Thành phố" if spec.province == "Hà Nội" else f"HĐND tỉnh {spec.province}"
    top_party = "Thành ủy" if spec.province == "Hà Nội" else "Tỉnh ủy"
    n, p = xr.randint(5, 480), f"{xr.randint(1, 60):02d}"
    form = xr.randrange(8)
    if form == 0:
        return (f"Thực hiện Kế hoạch số {n}/KH-{theme.issuer} ngày {d} của {agency} về {topic}, các cơ quan, đơn vị "
                f"đã xây dựng kế hoạch chi tiết, phân công nhiệm vụ cụ thể."), (f"Kế hoạch số {n}/KH-{theme.issuer}", f"KH-{n}-{day.year}")
    if form == 1:
        return (f"Ngày {d}, {agency} đã ban hành Quyết định số {n}/QĐ-{theme.issuer} về việc kiện toàn Ban Chỉ đạo {topic}."), \
            (f"Quyết định số {n}/QĐ-{theme.issuer}", f"QD-{n}-{day.year}")
    if form == 2:
        return (f"Căn cứ Nghị quyết số {p}/{day.year}/NQ-HĐND ngày {d} của {council} về {topic}, {agency} đã cụ thể hóa "
                f"thành các chỉ tiêu, nhiệm vụ phù hợp với tình hình thực tế."), (f"Nghị quyết số {p}/{day.year}/NQ-HĐND", f"NQ-{p}-{day.year}")
    if form == 3:
        return (f"Quán triệt Nghị quyết số {p}-NQ/{party_code} ngày {d} của Ban Thường vụ {party_name} về {topic}, "
                f"các chi bộ đã đưa nội dung này vào sinh hoạt định kỳ."), None
    if form == 4:
        return (f"{agency[0].upper() + agency[1:]} đã ban hành Thông báo số {n}/TB-{theme.issuer} về kết luận tại cuộc họp "
                f"bàn giải pháp {topic}."), (f"Thông báo số {n}/TB-{theme.issuer}", f"TB-{n}-{when.year}")
    if form == 5:
        return (f"Trước đó, {agency} đã có Công văn số {n}/{theme.issuer}-VX ngày {d} đề nghị các đơn vị tăng cường {topic}."), None
    if form == 6:
        issued = [doc for doc in NATIONAL_DOCS if datetime.strptime(doc[2], "%d/%m/%Y").date() < when.date()]
        if issued:
            kind_name, number, date, subject = xr.choice(issued)
            return f"Theo {kind_name} số {number} ngày {date} của Chính phủ {subject}, việc triển khai phải bảo đảm đúng quy định.", None
    return (f"Chỉ thị số {p}-CT/TU ngày {d} của Ban Thường vụ {top_party} yêu cầu các cấp ủy, chính quyền tăng cường "
            f"sự lãnh đạo đối với {topic}."), None


def _pick(xr: random.Random, weighted: tuple[tuple[str, int], ...]) -> str:
    return xr.choices([w[0] for w in weighted], [w[1] for w in weighted])[0]


def _enrich(article: ReplicaArticle, spec: PortalSpec, theme: Theme) -> None:
    """The richer features, from a random stream of their own (so ids, titles and dates never move)."""
    xr = random.Random(f"{spec.key}:{article.number}:rich")
    published = article.published
    blocks = article.blocks
    # Document citations, appended to body paragraphs (never to the first one: it is the summary).
    body_ps = [i for i, b in enumerate(blocks) if b[0] == "p" and i > 0]
    attach: list[tuple[str, str]] = []
    for _ in range(xr.choice((1, 1, 2))):
        sentence, doc = _doc_sentence(xr, spec, theme, published)
        i = xr.choice(body_ps)
        blocks[i] = ("p", blocks[i][1] + " " + nfc(sentence))
        if doc and xr.random() < 0.6:
            attach.append(doc)
    # A second photo before the last paragraph.
    if xr.random() < 0.35:
        caption = fill(xr.choice(theme.captions), xr, spec.unit, published, theme.topics)
        blocks.insert(len(blocks) - 1, ("img", f"/media/{published:%Y/%m/%d}/{spec.key}-{article.number}-2.jpg", caption))
    # Attachments: the title's document (already there) and the cited ones, sometimes with an appendix.
    folder = f"/VanBan/{published:%Y/%-m/%-d}/"
    have = {path.rsplit("/", 1)[-1] for _, path in article.attachments}
    for title, stem in attach:  # stems are ASCII already: KH-86-2024, QD-123-2025, NQ-15-2023, TB-40-2024
        if f"{stem}.pdf" not in have:
            article.attachments.append((title, folder + f"{stem}.pdf"))
            have.add(f"{stem}.pdf")
    if article.attachments and xr.random() < 0.2:
        stem = article.attachments[0][1].rsplit("/", 1)[-1].rsplit(".", 1)[0]
        article.attachments.append(("Phụ lục kèm theo", folder + f"PL-{stem}.docx"))
    if not FAMILIES[spec.family].spec.get("attachments", True):
        article.attachments = []
    # Tags: the topics the text speaks of, and the unit.
    if xr.random() < 0.7:
        text = article.title + " " + " ".join(b[1] for b in blocks if b[0] == "p")
        found = [t for t in theme.topics if t in text][:2]
        article.tags = [nfc(t.replace(",", "")) for t in found] + [spec.unit]  # tags carry no commas
    # Credits.
    credits = FAMILIES[spec.family].spec.get("credits")  # weighted credit styles; else a pen name only
    style = _pick(xr, tuple(map(tuple, credits)) if credits else (("author", 1),))
    kind = spec.unit.split()[0].lower()
    if style == "author":
        article.author = xr.choice(FULL_NAMES + AUTHORS) if credits else article.author
    elif style == "author+source":
        article.author = xr.choice(FULL_NAMES + AUTHORS)
        article.source = nfc(xr.choice(SOURCE_ORGS).format(kind=kind, party=f"{kind[0].upper()}{kind[1:]} ủy"))
    elif style == "source":
        article.author, article.credit = "", "source"
        article.source = nfc(xr.choice(SOURCE_ORGS).format(kind=kind, party=f"{kind[0].upper()}{kind[1:]} ủy"))
    else:
        article.author, article.credit = "", "via"
        article.source = nfc(xr.choice(OUTLETS).format(province=spec.province))


def _hostile(spec: PortalSpec, number: int, before: datetime) -> ReplicaArticle:
    """The hostile article (data/hostile_article.json), older than every other article of the portal, so it
    is last in its listing and moves no other article's place (tests pick articles by position)."""
    data = load_hostile()
    return ReplicaArticle(
        number=number, external_id="", slug="", category=list(spec.categories)[data["category_index"]],
        title=data["title"], summary=data["summary"], blocks=[tuple(b) for b in data["blocks"]],
        author=data["author"], published=(before - timedelta(hours=data["hours_before_oldest"])).replace(microsecond=0),
        views_at_start=data["views_at_start"], views_per_hour=data["views_per_hour"])


def generate(spec: PortalSpec) -> list[ReplicaArticle]:
    """The portal's full timeline, oldest first (articles after `start` appear as the clock moves)."""
    articles: list[ReplicaArticle] = []
    total = spec.history + spec.future
    categories = list(spec.categories)
    theme = THEMES[spec.theme]
    relays = {number: text for (key, number), text in load_relays().items() if key == spec.key}
    for number in range(total):
        rnd = random.Random(f"{spec.key}:{number}")
        offset_hours = (number - spec.history) * 4 + rnd.uniform(0.2, 3.5)
        if number < spec.history:
            offset_hours = -(spec.history - number) * 19 - rnd.uniform(0, 6)
        published = (spec.start + timedelta(hours=offset_hours)).replace(microsecond=rnd.randint(0, 999) * 1000)
        title = fill(rnd.choice(theme.titles), rnd, spec.unit, published, theme.topics)
        sentences = [fill(s, rnd, spec.unit, published, theme.topics) for s in rnd.sample(theme.sentences, rnd.randint(6, 10))]
        paragraphs = [" ".join(sentences[i:i + 2]) for i in range(0, len(sentences), 2)]
        blocks: list[tuple] = [("p", p) for p in paragraphs]
        image = f"/media/{published:%Y/%m/%d}/{spec.key}-{number}.jpg"
        blocks.insert(1, ("img", image, fill(rnd.choice(theme.captions), rnd, spec.unit, published, theme.topics)))
        if len(blocks) > 4:
            blocks.insert(3, ("h", rnd.choice(theme.headings)))
        attachments = []
        if ref := re.search(r"(\d+)/(KH|QĐ)-UBND", title):
            code = "KH" if ref[2] == "KH" else "QD"
            attachments.append((f"{ref[2]} số {ref[1]}", f"/VanBan/{published:%Y/%-m/%-d}/{code}-{ref[1]}-{published.year}.pdf"))
        age_hours = max(0.0, (spec.start - published).total_seconds() / 3600)
        rate = round(rnd.uniform(0.5, 12.0), 2)
        article = ReplicaArticle(
            number=number, external_id="", slug="", category=categories[number % len(categories)],
            title=title, summary=paragraphs[0], blocks=blocks, author=rnd.choice(AUTHORS),
            published=published, views_at_start=int(rate * age_hours ** 0.85) + rnd.randint(5, 60),
            views_per_hour=rate, attachments=attachments, journal_id=900000 + number * 37,
        )
        if spec.rich:
            _enrich(article, spec, theme)
        if number in relays:  # a relay of the seed's documents, before the last paragraph
            last = max(i for i, block in enumerate(blocks) if block[0] == "p")
            blocks.insert(last, ("p", relays[number]))
        articles.append(article)
    if spec.with_seed:
        seed = load_seed()
        published = datetime.fromisoformat(seed["published"]).astimezone(VN_TZ)
        blocks = [tuple(b) for b in seed["blocks"]]
        articles.append(ReplicaArticle(
            number=total, external_id="", slug="", category=seed["category"], title=seed["title"],
            summary=seed["summary"], blocks=blocks, author=seed["author"], published=published,
            views_at_start=seed["views_at_start"], views_per_hour=seed["views_per_hour"],
            attachments=[tuple(a) for a in seed["attachments"]], journal_id=seed["journal_id"],
            known_documents=seed["documents"],
        ))
    if spec.with_hostile:
        articles.append(_hostile(spec, number=total + 1, before=min(a.published for a in articles)))
    articles.sort(key=lambda a: a.published)
    return articles
