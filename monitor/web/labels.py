"""Vietnamese labels of the pages (data, not code: English stays in code and comments)."""

KIND_LABELS = {
    "new_article": "Bài mới", "new_document": "Văn bản mới được nhắc", "edited": "Bài bị sửa",
    "views_spike": "Lượt xem tăng vọt", "views_milestone": "Mốc lượt xem", "removed": "Bài bị gỡ",
    "restored": "Bài được khôi phục", "source_down": "Cổng không truy cập được", "source_up": "Cổng hoạt động lại",
    "extraction_degraded": "Trích xuất kém đi", "source_stale": "Cổng lâu không có bài mới",
    "source_moved": "Cổng đổi địa chỉ",
}

FIELD_LABELS = {"title": "tiêu đề", "summary": "tóm tắt", "body_text": "nội dung", "author": "tác giả",
                "category": "chuyên mục", "published_at": "ngày đăng", "updated_at": "ngày cập nhật",
                "attachments": "tệp đính kèm", "views": "lượt xem"}

VERDICT_LABELS = {"ok": "ổn định", "warning": "cần chú ý", "failing": "đang lỗi",
                  "never crawled": "chưa thu thập"}  # monitor.health.VERDICTS, in that order

STATUS_LABELS = {"queued": "đang chờ", "running": "đang chạy", "finished": "hoàn tất", "failed": "thất bại",
                 "cancelled": "đã hủy"}

MODE_LABELS = {"full": "toàn bộ", "incremental": "tăng dần"}
