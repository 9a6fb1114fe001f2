"""The words the replica's generated articles are made of: titles, sentences, topics, credits, documents.

Three vocabularies (themes): Hanoi wards and districts, provinces (Tỉnh ủy, UBND tỉnh) and the police.
"""
from __future__ import annotations

from dataclasses import dataclass

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
