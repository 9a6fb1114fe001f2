"""Deterministic Vietnamese content for the replica portals.

Everything is derived from a seeded random generator per (portal, article number), so two
replicas built with the same arguments serve byte-identical pages at the same clock time.
"""
from __future__ import annotations

import json
import random
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from importlib import resources

from crawler.dates import VN_TZ

# A body block: ("p", text) paragraph, ("h", text) sub-heading, ("img", src, caption).
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
    author: str
    published: datetime
    views_at_start: int
    views_per_hour: float
    attachments: list[tuple[str, str]] = field(default_factory=list)  # (title, path)
    journal_id: int = 0         # Liferay's internal article id (container element id)
    updated: datetime | None = None
    removed: bool = False


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def slugify(text: str, *, drop_d: bool = False) -> str:
    """URL slug. Liferay's normaliser drops 'đ' (no decomposition: "đơn vị" → "on-vi"); VCCorp folds it to 'd'."""
    text = text.lower()
    text = text.replace("đ", "" if drop_d else "d")
    text = "".join(c for c in unicodedata.normalize("NFD", text) if unicodedata.category(c) != "Mn")
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")


def load_seed() -> dict:
    text = resources.files("crawler.replica").joinpath("data/seed_bactuliem.json").read_text(encoding="utf-8")
    return json.loads(text)


TOPICS = [
    "cải cách hành chính", "chuyển đổi số", "xây dựng người Hà Nội thanh lịch, văn minh",
    "phát triển kinh tế - xã hội", "bảo đảm trật tự an toàn giao thông", "vệ sinh an toàn thực phẩm",
    "công tác khuyến học, khuyến tài", "quản lý trật tự xây dựng đô thị", "bảo vệ môi trường",
    "xây dựng chính quyền số", "thu ngân sách nhà nước", "phòng cháy, chữa cháy",
    "công tác dân số và phát triển", "an sinh xã hội", "phát triển văn hóa đọc",
]
AUTHORS = ["Ngọc Hằng", "Minh Anh", "Thu Trang", "Hoàng Long", "Phương Thảo", "Văn Tuấn", "Thanh Hà", "Quang Huy"]
TITLES = [
    "UBND {unit} triển khai Kế hoạch số {n}/KH-UBND về {topic}",
    "Hội nghị quán triệt Nghị quyết số {n}-NQ/TU của Thành ủy về {topic}",
    "{Unit} tuyên truyền, phổ biến Chỉ thị số {n}-CT/TU về {topic}",
    "HĐND {unit} tổ chức kỳ họp thứ {k}, thông qua {m} nghị quyết",
    "Đảng ủy {unit} sơ kết {k} tháng thực hiện Chương trình hành động số {n}-CTr/ĐU",
    "Triển khai Quyết định số {n}/QĐ-UBND về {topic} trên địa bàn {unit}",
    "Tập huấn nghiệp vụ {topic} cho cán bộ, công chức {unit}",
    "Thông báo lịch tiếp công dân của Chủ tịch UBND {unit} tháng {month}/{year}",
    "Tăng cường {topic} trên địa bàn {unit}",
    "Ra quân hưởng ứng tháng hành động về {topic} năm {year}",
]
SENTENCES = [
    "Sáng ngày {day}, UBND {unit} tổ chức hội nghị triển khai nhiệm vụ {topic}.",
    "Tham dự hội nghị có đại diện lãnh đạo Đảng ủy, HĐND, UBND, Ủy ban MTTQ Việt Nam {unit} cùng các ban, ngành, đoàn thể.",
    "Thực hiện Kế hoạch số {n}/KH-UBND ngày {day} của UBND Thành phố, {unit} đã ban hành văn bản chỉ đạo các đơn vị triển khai thực hiện.",
    "Theo báo cáo, trong {k} tháng qua, {unit} đã hoàn thành {pct}% chỉ tiêu đề ra, trong đó nhiều chỉ tiêu vượt kế hoạch.",
    "Đồng chí Chủ tịch UBND {unit} đề nghị các đơn vị tiếp tục quán triệt, thực hiện nghiêm Nghị quyết số {n2}-NQ/TU của Thành ủy.",
    "Công tác {topic} được triển khai đồng bộ, có sự phối hợp chặt chẽ giữa các tổ dân phố và lực lượng chức năng.",
    "Hội nghị đã thông qua dự thảo Quyết định số {n}/QĐ-UBND về việc ban hành quy chế phối hợp trong công tác {topic}.",
    "Qua kiểm tra, đoàn công tác đã phát hiện và hướng dẫn khắc phục {m} trường hợp vi phạm.",
    "Các đại biểu đã tập trung thảo luận, làm rõ những khó khăn, vướng mắc và đề xuất giải pháp trong thời gian tới.",
    "Người dân có thể tra cứu thông tin, nộp hồ sơ trực tuyến trên Cổng Dịch vụ công quốc gia.",
    "Kết thúc hội nghị, {unit} đã khen thưởng {m} tập thể và cá nhân có thành tích xuất sắc.",
    "Tổng kinh phí thực hiện là {money} triệu đồng, từ nguồn ngân sách và xã hội hóa.",
    "Việc thực hiện Chỉ thị số {n2}-CT/TW của Ban Bí thư góp phần nâng cao nhận thức của cán bộ, đảng viên và Nhân dân.",
    "Đây là nhiệm vụ trọng tâm, thường xuyên, cần sự vào cuộc của cả hệ thống chính trị.",
]
HEADINGS = ["Nhiều kết quả tích cực", "Nhiệm vụ trọng tâm thời gian tới", "Đẩy mạnh tuyên truyền", "Phát huy vai trò của Nhân dân"]
CAPTIONS = ["Quang cảnh hội nghị", "Các đại biểu tham dự hội nghị", "Lãnh đạo {unit} phát biểu chỉ đạo", "Trao khen thưởng cho các tập thể, cá nhân"]


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


def _fill(template: str, rnd: random.Random, unit: str, when: datetime) -> str:
    day = (when - timedelta(days=rnd.randint(1, 20))).strftime("%d/%m/%Y")
    values = dict(
        unit=unit, Unit=unit[0].upper() + unit[1:], topic=rnd.choice(TOPICS), n=rnd.randint(12, 480),
        n2=rnd.randint(10, 60), k=rnd.randint(2, 12), m=rnd.randint(3, 40), pct=rnd.randint(85, 120),
        money=f"{rnd.randint(120, 9800):,}".replace(",", "."), day=day, month=when.month, year=when.year,
    )
    return nfc(template.format(**values))


def generate(spec: PortalSpec) -> list[ReplicaArticle]:
    """The portal's full timeline, oldest first (articles after `start` appear as the clock moves)."""
    articles: list[ReplicaArticle] = []
    total = spec.history + spec.future
    categories = list(spec.categories)
    for number in range(total):
        rnd = random.Random(f"{spec.key}:{number}")
        offset_hours = (number - spec.history) * 4 + rnd.uniform(0.2, 3.5)
        if number < spec.history:
            offset_hours = -(spec.history - number) * 19 - rnd.uniform(0, 6)
        published = (spec.start + timedelta(hours=offset_hours)).replace(microsecond=rnd.randint(0, 999) * 1000)
        title = _fill(rnd.choice(TITLES), rnd, spec.unit, published)
        sentences = [_fill(s, rnd, spec.unit, published) for s in rnd.sample(SENTENCES, rnd.randint(6, 10))]
        paragraphs = [" ".join(sentences[i:i + 2]) for i in range(0, len(sentences), 2)]
        blocks: list[Block] = [("p", p) for p in paragraphs]
        image = f"/media/{published:%Y/%m/%d}/{spec.key}-{number}.jpg"
        blocks.insert(1, ("img", image, _fill(rnd.choice(CAPTIONS), rnd, spec.unit, published)))
        if len(blocks) > 4:
            blocks.insert(3, ("h", rnd.choice(HEADINGS)))
        attachments = []
        if ref := re.search(r"(\d+)/(KH|QĐ)-UBND", title):
            code = "KH" if ref[2] == "KH" else "QD"
            attachments.append((f"{ref[2]} số {ref[1]}", f"/VanBan/{published:%Y/%-m/%-d}/{code}-{ref[1]}-{published.year}.pdf"))
        age_hours = max(0.0, (spec.start - published).total_seconds() / 3600)
        rate = round(rnd.uniform(0.5, 12.0), 2)
        articles.append(ReplicaArticle(
            number=number, external_id="", slug="", category=categories[number % len(categories)],
            title=title, summary=paragraphs[0], blocks=blocks, author=rnd.choice(AUTHORS),
            published=published, views_at_start=int(rate * age_hours ** 0.85) + rnd.randint(5, 60),
            views_per_hour=rate, attachments=attachments, journal_id=900000 + number * 37,
        ))
    if spec.with_seed:
        seed = load_seed()
        published = datetime.fromisoformat(seed["published"]).astimezone(VN_TZ)
        blocks = [tuple(b) for b in seed["blocks"]]
        articles.append(ReplicaArticle(
            number=total, external_id="", slug="", category=seed["category"], title=seed["title"],
            summary=seed["summary"], blocks=blocks, author=seed["author"], published=published,
            views_at_start=seed["views_at_start"], views_per_hour=seed["views_per_hour"],
            attachments=[tuple(a) for a in seed["attachments"]], journal_id=seed["journal_id"],
        ))
    articles.sort(key=lambda a: a.published)
    return articles
