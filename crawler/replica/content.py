"""Deterministic Vietnamese content for the replica portals.

Everything is derived from a seeded random generator per (portal, article number), so two
replicas built with the same arguments serve byte-identical pages at the same clock time.
Richer features (PortalSpec.rich: citations of Party/state/normative document numbers with or
without "ngày dd/mm/yyyy", attachments named after them, tags, credit variants, second photos) come
from a second stream per article, so they never move an article's id, title or time.
"""
from __future__ import annotations

import json
import random
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from importlib import resources

from vntext.dates import VN_TZ

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
        return document_numbers(" ".join([self.title] + [b[1] for b in self.blocks if b[0] in ("p", "h")]))


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


# Portals outside Hanoi speak of the province, not the city.
PROVINCE_TOPICS = [t if "Hà Nội" not in t else "xây dựng nông thôn mới" for t in TOPICS]
_PROVINCE_WORDS = (("của Thành ủy", "của Tỉnh ủy"), ("UBND Thành phố", "UBND tỉnh"), ("tổ dân phố", "thôn, khu phố"))

POLICE_TOPICS = [
    "bảo đảm trật tự an toàn giao thông", "phòng cháy, chữa cháy và cứu nạn, cứu hộ", "phòng, chống tội phạm ma túy",
    "cải cách thủ tục hành chính trong lĩnh vực cư trú", "triển khai Đề án 06 của Chính phủ",
    "phòng, chống tội phạm lừa đảo trên không gian mạng", "quản lý vũ khí, vật liệu nổ và công cụ hỗ trợ",
    "xây dựng phong trào Toàn dân bảo vệ an ninh Tổ quốc", "bảo đảm an ninh, trật tự các sự kiện chính trị",
    "cấp căn cước và định danh điện tử", "tuyên truyền, phổ biến, giáo dục pháp luật",
    "xây dựng lực lượng Công an nhân dân chính quy, tinh nhuệ", "phòng, chống đuối nước",
    "kiểm soát nồng độ cồn đối với người điều khiển phương tiện", "bảo đảm an ninh, an toàn trường học",
]
POLICE_TITLES = [
    "{Unit} triển khai Kế hoạch số {n}/KH-CAHN về {topic}",
    "Tăng cường tuần tra, kiểm soát, xử lý vi phạm trong công tác {topic}",
    "Hội nghị sơ kết {k} tháng thực hiện Chỉ thị số {n2}-CT/TU của Thành ủy về {topic}",
    "Phòng Cảnh sát giao thông xử lý {m} trường hợp vi phạm nồng độ cồn trong tháng {month}/{year}",
    "Khuyến cáo người dân cảnh giác trước thủ đoạn lừa đảo liên quan đến {topic}",
    "Ra quân đợt cao điểm {topic} năm {year}",
    "Đảng ủy {unit} quán triệt Nghị quyết số {n2}-NQ/ĐU về {topic}",
    "Tập huấn nghiệp vụ {topic} cho cán bộ, chiến sĩ Công an các phường, xã",
    "{Unit} khen thưởng {m} tập thể, cá nhân có thành tích xuất sắc trong {topic}",
    "Triển khai Quyết định số {n}/QĐ-CAHN về {topic} trên địa bàn Thủ đô",
]
POLICE_SENTENCES = [
    "Sáng ngày {day}, {unit} tổ chức hội nghị triển khai nhiệm vụ {topic}.",
    "Tham dự hội nghị có lãnh đạo {unit}, lãnh đạo các phòng nghiệp vụ và Công an các phường, xã trên địa bàn.",
    "Thực hiện Kế hoạch số {n}/KH-CAHN-PV01 ngày {day} của {unit}, các đơn vị đã triển khai đồng bộ các biện pháp nghiệp vụ.",
    "Trong {k} tháng qua, lực lượng chức năng đã phát hiện, xử lý {m} vụ việc, đạt {pct}% chỉ tiêu đề ra.",
    "Đồng chí Giám đốc {unit} đề nghị các đơn vị tiếp tục quán triệt, thực hiện nghiêm Chỉ thị số {n2}-CT/TU của Thành ủy.",
    "Công tác {topic} được triển khai quyết liệt, có sự phối hợp chặt chẽ giữa các lực lượng và chính quyền cơ sở.",
    "Qua tuần tra, kiểm soát, các tổ công tác đã lập biên bản {m} trường hợp vi phạm, tạm giữ nhiều phương tiện.",
    "Người dân phát hiện hành vi vi phạm pháp luật có thể thông báo qua ứng dụng VNeID hoặc số điện thoại 113.",
    "Các đại biểu đã tập trung thảo luận, làm rõ những khó khăn, vướng mắc và đề xuất giải pháp trong thời gian tới.",
    "Kết thúc hội nghị, {unit} đã khen thưởng {m} tập thể và cá nhân có thành tích xuất sắc.",
    "Việc thực hiện Chỉ thị số {n2}-CT/TW của Ban Bí thư góp phần nâng cao nhận thức của cán bộ, chiến sĩ và Nhân dân.",
    "Đây là nhiệm vụ trọng tâm, thường xuyên, cần sự vào cuộc của cả hệ thống chính trị.",
    "Tổng kinh phí hỗ trợ là {money} triệu đồng, từ nguồn ngân sách và xã hội hóa.",
    "Cơ quan Công an khuyến cáo người dân không cung cấp thông tin cá nhân, mã OTP cho bất kỳ ai.",
]
POLICE_HEADINGS = ["Nhiều kết quả nổi bật", "Nhiệm vụ trọng tâm thời gian tới", "Siết chặt kỷ cương, kỷ luật", "Phát huy sức mạnh toàn dân"]
POLICE_CAPTIONS = ["Quang cảnh hội nghị", "Lực lượng chức năng làm nhiệm vụ", "Lãnh đạo {unit} phát biểu chỉ đạo", "Tổ công tác kiểm tra phương tiện"]

# Credits of the richer portals: full names as well as pen names, organisations, outlets.
FULL_NAMES = [
    "Nguyễn Văn An", "Trần Thị Thu Hà", "Lê Minh Tuấn", "Phạm Thị Mai", "Đặng Quốc Bảo", "Hoàng Thị Lan",
    "Võ Văn Hùng", "Bùi Thị Ngọc Ánh", "Nguyễn Thanh Sơn", "Đỗ Thị Hương",
]
SOURCE_ORGS = ["Trung tâm Văn hóa - Thể thao {kind}", "Phòng Văn hóa và Thông tin {kind}",
               "Văn phòng HĐND và UBND {kind}", "Ban Tuyên giáo {party}"]
OUTLETS = ["Báo {province}", "Đài Phát thanh và Truyền hình {province}"]
# family → weighted credit styles; other families credit a pen name only, as before.
CREDIT_STYLES = {
    "tandan": (("author", 50), ("source", 25), ("via", 25)),
    "nukeviet": (("author", 45), ("author+source", 25), ("source", 15), ("via", 15)),
}
# National documents quoted as they are (number, date, subject); only those issued before an article are used.
NATIONAL_DOCS = [
    ("Nghị định", "30/2020/NĐ-CP", "05/3/2020", "về công tác văn thư"),
    ("Nghị định", "100/2019/NĐ-CP", "30/12/2019", "quy định xử phạt vi phạm hành chính trong lĩnh vực giao thông đường bộ và đường sắt"),
    ("Nghị định", "168/2024/NĐ-CP", "26/12/2024", "quy định xử phạt vi phạm hành chính về trật tự, an toàn giao thông trong lĩnh vực giao thông đường bộ"),
]


@dataclass(frozen=True)
class Theme:
    titles: list[str]
    sentences: list[str]
    topics: list[str]
    headings: list[str]
    captions: list[str]
    agency: str          # who issues the unit's state documents: "UBND {unit}" or "{unit}"
    issuer: str          # the issuer part of their numbers: "UBND" → 123/QĐ-UBND


def _localise(templates: list[str]) -> list[str]:
    out = []
    for template in templates:
        for old, new in _PROVINCE_WORDS:
            template = template.replace(old, new)
        out.append(template)
    return out


THEMES = {
    "hanoi": Theme(TITLES, SENTENCES, TOPICS, HEADINGS, CAPTIONS, "UBND {unit}", "UBND"),
    "province": Theme(_localise(TITLES), _localise(SENTENCES), PROVINCE_TOPICS, HEADINGS, CAPTIONS, "UBND {unit}", "UBND"),
    "police": Theme(POLICE_TITLES, POLICE_SENTENCES, POLICE_TOPICS, POLICE_HEADINGS, POLICE_CAPTIONS, "{unit}", "CAHN"),
}


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
    province: str = "Hà Nội"        # for credits ("Báo Ninh Thuận") and provincial documents
    theme: str = "hanoi"            # vocabulary: "hanoi", "province" (Tỉnh ủy, UBND tỉnh) or "police"
    rich: bool = True               # add the richer features: document citations, attachments, tags, credits,
                                    # second images. The three original portals keep False (pages as captured).


def _fill(template: str, rnd: random.Random, unit: str, when: datetime, topics: list[str] = TOPICS) -> str:
    day = (when - timedelta(days=rnd.randint(1, 20))).strftime("%d/%m/%Y")
    values = dict(
        unit=unit, Unit=unit[0].upper() + unit[1:], topic=rnd.choice(topics), n=rnd.randint(12, 480),
        n2=_not_seed(rnd.randint(10, 60)), k=rnd.randint(2, 12), m=rnd.randint(3, 40), pct=rnd.randint(85, 120),
        money=f"{rnd.randint(120, 9800):,}".replace(",", "."), day=day, month=when.month, year=when.year,
    )
    return nfc(template.format(**values))


# Document numbers (shared/portals.md §6.3), used to record which numbers an article mentions.
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


def _not_seed(number: int) -> int:
    return number + 40 if number in _SEED_NUMBERS else number


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
        caption = _fill(xr.choice(theme.captions), xr, spec.unit, published, theme.topics)
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
    if spec.family == "dnn":  # congan's articles carry no files
        article.attachments = []
    # Tags: the topics the text speaks of, and the unit.
    if xr.random() < 0.7:
        text = article.title + " " + " ".join(b[1] for b in blocks if b[0] == "p")
        found = [t for t in theme.topics if t in text][:2]
        article.tags = [nfc(t.replace(",", "")) for t in found] + [spec.unit]  # tags carry no commas
    # Credits.
    style = _pick(xr, CREDIT_STYLES.get(spec.family, (("author", 1),)))
    kind = spec.unit.split()[0].lower()
    if style == "author":
        article.author = xr.choice(FULL_NAMES + AUTHORS) if spec.family in CREDIT_STYLES else article.author
    elif style == "author+source":
        article.author = xr.choice(FULL_NAMES + AUTHORS)
        article.source = nfc(xr.choice(SOURCE_ORGS).format(kind=kind, party=f"{kind[0].upper()}{kind[1:]} ủy"))
    elif style == "source":
        article.author, article.credit = "", "source"
        article.source = nfc(xr.choice(SOURCE_ORGS).format(kind=kind, party=f"{kind[0].upper()}{kind[1:]} ủy"))
    else:
        article.author, article.credit = "", "via"
        article.source = nfc(xr.choice(OUTLETS).format(province=spec.province))


def generate(spec: PortalSpec) -> list[ReplicaArticle]:
    """The portal's full timeline, oldest first (articles after `start` appear as the clock moves)."""
    articles: list[ReplicaArticle] = []
    total = spec.history + spec.future
    categories = list(spec.categories)
    theme = THEMES[spec.theme]
    for number in range(total):
        rnd = random.Random(f"{spec.key}:{number}")
        offset_hours = (number - spec.history) * 4 + rnd.uniform(0.2, 3.5)
        if number < spec.history:
            offset_hours = -(spec.history - number) * 19 - rnd.uniform(0, 6)
        published = (spec.start + timedelta(hours=offset_hours)).replace(microsecond=rnd.randint(0, 999) * 1000)
        title = _fill(rnd.choice(theme.titles), rnd, spec.unit, published, theme.topics)
        sentences = [_fill(s, rnd, spec.unit, published, theme.topics) for s in rnd.sample(theme.sentences, rnd.randint(6, 10))]
        paragraphs = [" ".join(sentences[i:i + 2]) for i in range(0, len(sentences), 2)]
        blocks: list[Block] = [("p", p) for p in paragraphs]
        image = f"/media/{published:%Y/%m/%d}/{spec.key}-{number}.jpg"
        blocks.insert(1, ("img", image, _fill(rnd.choice(theme.captions), rnd, spec.unit, published, theme.topics)))
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
    articles.sort(key=lambda a: a.published)
    return articles
