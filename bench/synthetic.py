#!/usr/bin/env python
"""A synthetic archive of realistic Vietnamese ward/district news, fast enough for a million articles.

    python bench/synthetic.py --articles 1000000 --db sqlite:////tmp/pw_synth_1m.sqlite3
    python bench/synthetic.py --articles 100000 --db postgresql+psycopg://postgres@127.0.0.1:5432/test --schema pw_bench

What it writes (schema brought to head by db.schema.upgrade first; the database must be empty):

* ``--portals`` portals (Hanoi wards and communes), each with its own categories;
* articles with titles, summaries and bodies assembled from the replica's vocabulary (crawler/replica/vocabulary.py)
  plus sentences that exercise folding: Đảng / đăng ký / đang, Hội đồng nhân dân, Ban Chấp hành Đảng bộ,
  Thành ủy written both ways (ủy / uỷ), and citations of official documents by number (23-NQ/TU, 123/QĐ-UBND,
  15/2023/NQ-HĐND …). Bodies average ~2.5 KB of UTF-8 text; 1 % of the articles are marked removed;
* documents (one row per cited number) and document mentions (article, sentence);
* view series: 2–4 ViewSample runs per article with a growing count.

Ids are assigned like a real archive fills up: 80 % of the articles arrive portal by portal in a first
backfill crawl (each portal newest first), the last 20 % in incremental crawls in publication order — so id
order and date order only partly agree, as they do in practice.

Speed: text is generated in worker processes (``--workers``, default 1: one core generates, the other
writes) from a pre-built sentence pool; rows go in with Core/DB-API executemany in one transaction per chunk
on SQLite (the triggers queue every row, indexed before each commit: the real path) and with COPY on PostgreSQL
(the tsvector trigger computes every row: the real path; the GIN index is dropped during the load and built
once at the end — standard bulk loading — unless ``--keep-gin``). Deterministic for a given ``--seed``.
"""
from __future__ import annotations

import argparse
import hashlib
import multiprocessing as mp
import os
import random
import sys
import time
import unicodedata
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from crawler.replica import vocabulary  # noqa: E402

UNITS = [
    "phường Ba Đình", "phường Ngọc Hà", "phường Giảng Võ", "phường Hoàn Kiếm", "phường Cửa Nam", "phường Phú Thượng",
    "phường Hồng Hà", "phường Tây Hồ", "phường Bồ Đề", "phường Việt Hưng", "phường Phúc Lợi", "phường Long Biên",
    "phường Cầu Giấy", "phường Nghĩa Đô", "phường Yên Hòa", "phường Ô Chợ Dừa", "phường Láng", "phường Kim Liên",
    "phường Văn Miếu - Quốc Tử Giám", "phường Đống Đa", "phường Hai Bà Trưng", "phường Vĩnh Tuy", "phường Bạch Mai",
    "phường Vĩnh Hưng", "phường Định Công", "phường Tương Mai", "phường Lĩnh Nam", "phường Hoàng Mai",
    "phường Hoàng Liệt", "phường Yên Sở", "phường Phương Liệt", "phường Khương Đình", "phường Thanh Xuân",
    "phường Từ Liêm", "phường Tây Mỗ", "phường Đại Mỗ", "phường Xuân Phương", "phường Tây Tựu", "phường Phú Diễn",
    "phường Xuân Đỉnh", "phường Đông Ngạc", "phường Thượng Cát", "phường Hà Đông", "phường Dương Nội",
    "phường Yên Nghĩa", "phường Phú Lương", "phường Kiến Hưng", "phường Thanh Liệt", "phường Chương Mỹ",
    "phường Sơn Tây", "phường Tùng Thiện", "quận Bắc Từ Liêm", "xã Bát Tràng", "xã Thanh Trì", "xã Đông Anh",
    "xã Sóc Sơn", "xã Gia Lâm", "xã Mê Linh", "xã Ba Vì", "xã Phúc Thọ", "xã Đan Phượng", "xã Hoài Đức",
    "xã Quốc Oai", "xã Thạch Thất", "xã Thanh Oai", "xã Thường Tín", "xã Phú Xuyên", "xã Ứng Hòa", "xã Mỹ Đức",
    "xã Đại Thanh", "xã Nam Phù", "xã Ngọc Hồi", "xã Thư Lâm", "xã Phù Đổng", "xã Thiên Lộc", "xã Kim Anh",
    "xã Yên Xuân", "xã Hòa Lạc", "xã Suối Hai", "xã Minh Châu",
]
CATEGORIES = ["Tin tức - Sự kiện", "Tin nổi bật", "Chính trị", "Kinh tế", "Văn hóa - Xã hội", "An ninh - Quốc phòng",
              "Cải cách hành chính", "Chuyển đổi số", "Thông báo", "Văn bản chỉ đạo điều hành"]
EXTRA_SENTENCES = [
    "Ban Chấp hành Đảng bộ {unit} đã tổ chức hội nghị lần thứ {k} để đánh giá kết quả thực hiện nhiệm vụ {topic}.",
    "Hội đồng nhân dân {unit} đã giám sát việc thực hiện các nghị quyết về {topic}.",
    "Đảng ủy {unit} chỉ đạo các chi bộ đưa nội dung {topic} vào sinh hoạt định kỳ hằng tháng.",
    "Người dân có nhu cầu đăng ký thường trú, đăng ký kết hôn có thể nộp hồ sơ trực tuyến.",
    "Hiện nay, {unit} đang tập trung triển khai các giải pháp đẩy mạnh {topic}.",
    "Thường trực Thành ủy đã có ý kiến chỉ đạo về công tác {topic} trên địa bàn.",
    "Theo chỉ đạo của Thành uỷ, các đơn vị tiếp tục rà soát, bổ sung kế hoạch {topic}.",
    "Ủy ban nhân dân {unit} giao các phòng, ban chuyên môn phối hợp triển khai nhiệm vụ {topic}.",
    "Các tổ chức cơ sở đảng tiếp tục phát huy vai trò lãnh đạo, góp phần xây dựng Đảng bộ trong sạch, vững mạnh.",
    "Cổng thông tin điện tử {unit} đã đăng tải đầy đủ nội dung văn bản để Nhân dân biết, thực hiện.",
    "Công an {unit} hướng dẫn người dân kích hoạt tài khoản định danh điện tử trên ứng dụng VNeID.",
    "Đoàn Thanh niên {unit} ra quân hưởng ứng phong trào {topic} với sự tham gia của {m} đoàn viên.",
]
DOC_SENTENCES = {
    "party": "Quán triệt Nghị quyết số {num} của Ban Thường vụ Thành ủy về {topic}, các chi bộ đã xây dựng chương trình hành động.",
    "party_ct": "Thực hiện Chỉ thị số {num} của Ban Thường vụ Thành ủy, {unit} tăng cường sự lãnh đạo đối với {topic}.",
    "party_ctr": "Đảng ủy {unit} ban hành Chương trình hành động số {num} về {topic}.",
    "party_kl": "Theo Kết luận số {num} của Bộ Chính trị, các cấp ủy cần tập trung chỉ đạo {topic}.",
    "qd": "Ngày {day}, UBND {unit} ban hành Quyết định số {num} về việc kiện toàn Ban Chỉ đạo {topic}.",
    "kh": "Thực hiện Kế hoạch số {num} của UBND Thành phố về {topic}, {unit} đã ban hành văn bản chỉ đạo.",
    "tb": "UBND {unit} ban hành Thông báo số {num} kết luận cuộc họp bàn giải pháp {topic}.",
    "nq_hdnd": "Căn cứ Nghị quyết số {num} của HĐND Thành phố về {topic}, {unit} cụ thể hóa thành các chỉ tiêu.",
}
# (sentence key, system, type, type name, number format)
DOC_KINDS = [
    ("party", "party", "NQ", "Nghị quyết", "{n}-NQ/TU"),
    ("party_ct", "party", "CT", "Chỉ thị", "{n}-CT/TU"),
    ("party_ctr", "party", "CTr", "Chương trình", "{n}-CTr/ĐU"),
    ("party_kl", "party", "KL", "Kết luận", "{n}-KL/TW"),
    ("qd", "state", "QĐ", "Quyết định", "{n}/QĐ-UBND"),
    ("kh", "state", "KH", "Kế hoạch", "{n}/KH-UBND"),
    ("tb", "state", "TB", "Thông báo", "{n}/TB-UBND"),
    ("nq_hdnd", "state", "NQ", "Nghị quyết", "{n}/{year}/NQ-HĐND"),
]
DOCS_PER_KIND = 600          # numbers 1…600 per kind (and per year for HĐND resolutions 2019–2026)
BACKFILL_SHARE = 0.8
START = datetime(2020, 7, 1, tzinfo=timezone.utc)
BACKFILL_END = datetime(2025, 7, 1, tzinfo=timezone.utc)
END = datetime(2026, 11, 1, tzinfo=timezone.utc)


_SEED_NUMBERS = frozenset({23, 27, 29, 30, 32, 42, 43, 45})  # as the replica: templates never cite the seed's


def _fill(template: str, rnd: random.Random, unit: str, when: datetime, topics: list[str]) -> str:
    """The replica's template filling (crawler/replica/content.py, 2026-11-28), frozen here so the synthetic
    archive stays the same when the replica changes."""
    day = (when - timedelta(days=rnd.randint(1, 20))).strftime("%d/%m/%Y")
    topic, n, n2 = rnd.choice(topics), rnd.randint(12, 480), rnd.randint(10, 60)  # the replica's draw order
    values = dict(
        unit=unit, Unit=unit[0].upper() + unit[1:], topic=topic, n=n,
        n2=n2 + 40 if n2 in _SEED_NUMBERS else n2, k=rnd.randint(2, 12), m=rnd.randint(3, 40),
        pct=rnd.randint(85, 120), money=f"{rnd.randint(120, 9800):,}".replace(",", "."), day=day, month=when.month,
        year=when.year,
    )
    return unicodedata.normalize("NFC", template.format(**values))


def document_table() -> list[tuple]:
    """Every citable document: (id, canonical, system, type, type_name, number, year, issuer, sentence key)."""
    docs = []
    for key, system, dtype, name, fmt in DOC_KINDS:
        years = range(2019, 2027) if "{year}" in fmt else [None]
        for year in years:
            for n in range(1, DOCS_PER_KIND + 1):
                canonical = fmt.format(n=n, year=year)
                issuer = canonical.rsplit("/", 1)[1].split("-")[-1] if system == "party" else canonical.rsplit("-", 1)[1]
                docs.append((len(docs) + 1, canonical, system, dtype, name, str(n), year, issuer, key))
    return docs


def _ts(value: datetime) -> str:
    """Naive UTC text, as SQLAlchemy stores a DateTime on SQLite (and PostgreSQL reads in COPY)."""
    return value.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f")


class Generator:
    """Builds chunks of rows; one per worker process (the pools are built once per process)."""

    def __init__(self, total: int, portals: int, seed: int):
        self.total, self.portals, self.seed = total, portals, seed
        rnd = random.Random(seed)
        self.units = [UNITS[i % len(UNITS)] for i in range(portals)]
        topics = vocabulary.TOPICS + vocabulary.POLICE_TOPICS
        templates = vocabulary.SENTENCES + vocabulary.POLICE_SENTENCES + EXTRA_SENTENCES * 2
        when = datetime(2025, 1, 1)
        self.pool = {}  # per unit: a list of sentences mentioning it
        for p, unit in enumerate(self.units):
            self.pool[p] = list(dict.fromkeys(_fill(rnd.choice(templates), rnd, unit, when, topics)
                                              for _ in range(300)))
        self.generic = list(dict.fromkeys(_fill(rnd.choice(templates), rnd, rnd.choice(self.units), when, topics)
                                          for _ in range(6000)))
        self.titles = vocabulary.TITLES + vocabulary.POLICE_TITLES
        self.topics = topics
        self.headings = vocabulary.HEADINGS + vocabulary.POLICE_HEADINGS
        self.authors = vocabulary.FULL_NAMES + vocabulary.AUTHORS
        self.docs = document_table()
        self.backfill = int(total * BACKFILL_SHARE)
        self.per_portal = max(1, self.backfill // portals)

    def placement(self, i: int, rnd: random.Random) -> tuple[int, datetime]:
        """(portal index, published_at) of the article with id i + 1."""
        if i < self.backfill:
            portal = min(i // self.per_portal, self.portals - 1)
            j = i - portal * self.per_portal
            step = (BACKFILL_END - START) / self.per_portal
            published = BACKFILL_END - step * j - timedelta(seconds=rnd.uniform(0, step.total_seconds()))
        else:
            portal = rnd.randrange(self.portals)
            span = (END - BACKFILL_END) / max(1, self.total - self.backfill)
            published = BACKFILL_END + span * (i - self.backfill) + timedelta(seconds=rnd.uniform(0, 600))
        return portal, published.replace(microsecond=0)

    def chunk(self, start: int, stop: int) -> dict:
        rnd = random.Random(f"{self.seed}:{start}")
        articles, mentions, samples = [], [], []
        for i in range(start, stop):
            article_id = i + 1
            portal, published = self.placement(i, rnd)
            unit = self.units[portal]
            topic = rnd.choice(self.topics)
            title = _fill(rnd.choice(self.titles), rnd, unit, published, self.topics)
            own = self.pool[portal]
            sentences = rnd.sample(own, rnd.randint(7, 11)) + rnd.sample(self.generic, rnd.randint(3, 7))
            cited = []
            for _ in range(rnd.choice((1, 1, 2, 2, 3))):
                # half the citations spread evenly, half skewed to the low numbers of each series
                doc = self.docs[int(len(self.docs) * rnd.random() ** 3) if rnd.random() < 0.5
                                else rnd.randrange(len(self.docs))]
                sentence = DOC_SENTENCES[doc[8]].format(num=doc[1], topic=topic, unit=unit,
                                                        day=f"{published - timedelta(days=rnd.randint(2, 60)):%d/%m/%Y}")
                sentences.insert(rnd.randrange(1, len(sentences)), sentence)
                if doc[0] not in {c[0] for c in cited}:
                    cited.append((doc[0], sentence))
            paragraphs = [" ".join(sentences[k:k + 3]) for k in range(0, len(sentences), 3)]
            if len(paragraphs) > 3:
                paragraphs.insert(2, rnd.choice(self.headings))
            summary = paragraphs[0][:320]
            body = "\n\n".join(paragraphs)
            first_seen = max(published, START) + timedelta(minutes=rnd.randint(5, 600))
            fetched = first_seen + timedelta(days=rnd.randint(0, 30))
            removed = _ts(fetched) if rnd.random() < 0.01 else None
            views = rnd.randint(20, 3000)
            articles.append((
                article_id, portal + 1, str(100_000_000 + article_id),
                f"https://{self.key(portal)}.hanoi.gov.vn/tin-tuc/bai-viet-{100_000_000 + article_id}.html",
                title, summary, body, rnd.choice(self.authors), "", CATEGORIES[(portal + i) % len(CATEGORIES)] if
                rnd.random() < 0.3 else CATEGORIES[i % 3], "[]", _ts(published), True, None, views,
                hashlib.sha256(body.encode()).hexdigest(), "hanoi", _ts(first_seen), _ts(fetched), removed,
            ))
            for doc_id, sentence in cited:
                mentions.append((doc_id, article_id, sentence, "text", _ts(first_seen)))
            at, count = first_seen, max(1, views // 4)
            for _ in range(rnd.randint(2, 4)):
                later = at + timedelta(hours=rnd.randint(2, 72))
                samples.append((article_id, _ts(at), _ts(later), count))
                at, count = later + timedelta(hours=1), count + rnd.randint(1, max(2, views // 3))
        return {"articles": articles, "mentions": mentions, "samples": samples}

    @staticmethod
    def key(portal: int) -> str:
        return f"p{portal + 1:03d}"


ARTICLE_COLUMNS = ("id", "portal_id", "external_id", "url", "title", "summary", "body_text", "author", "source",
                   "category", "tags", "published_at", "published_has_time", "updated_at", "views", "content_hash",
                   "extracted_by", "first_seen_at", "last_fetched_at", "removed_at")
MENTION_COLUMNS = ("document_id", "article_id", "sentence", "source", "first_seen_at")
SAMPLE_COLUMNS = ("article_id", "first_at", "last_at", "views")

_generator: Generator | None = None


def _init(total: int, portals: int, seed: int) -> None:
    global _generator
    _generator = Generator(total, portals, seed)


def _make(bounds: tuple[int, int]) -> dict:
    return _generator.chunk(*bounds)


def _bounded(pool, bounds: list, ahead: int):
    """pool.imap in order, but with at most `ahead` chunks generated and not yet written (imap would run ahead
    of a slower writer and hold the whole archive in memory)."""
    pending = []
    for bound in bounds:
        pending.append(pool.apply_async(_make, (bound,)))
        if len(pending) > ahead:
            yield pending.pop(0).get()
    for result in pending:
        yield result.get()


def _insert_sql(table: str, columns: tuple) -> str:
    return f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"


def _sqlite_writer(url: str):
    from db.engine import get_engine
    from db.search.sqlite_index import index_queued

    engine = get_engine(url)
    connection = engine.raw_connection()
    cursor = connection.cursor()

    def write(kind: str, rows: list) -> None:
        table, columns = {"articles": ("articles", ARTICLE_COLUMNS), "mentions": ("document_mentions", MENTION_COLUMNS),
                          "samples": ("view_samples", SAMPLE_COLUMNS), "documents": ("documents", DOCUMENT_COLUMNS),
                          "portals": ("portals", PORTAL_COLUMNS)}[kind]
        cursor.executemany(_insert_sql(table, columns), rows)

    def commit() -> None:
        # A raw DB-API commit bypasses db.engine's hook that indexes what the triggers queued: do it here.
        index_queued(connection.driver_connection)
        connection.commit()

    def close() -> None:
        cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        connection.close()

    return write, commit, close


def _pg_writer(url: str):
    import psycopg
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    dsn = parsed.set(drivername="postgresql").render_as_string(hide_password=False)
    connection = psycopg.connect(dsn)

    def write(kind: str, rows: list) -> None:
        table, columns = {"articles": ("articles", ARTICLE_COLUMNS), "mentions": ("document_mentions", MENTION_COLUMNS),
                          "samples": ("view_samples", SAMPLE_COLUMNS), "documents": ("documents", DOCUMENT_COLUMNS),
                          "portals": ("portals", PORTAL_COLUMNS)}[kind]
        with connection.cursor() as cursor, cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)

    def commit() -> None:
        connection.commit()

    def close() -> None:
        connection.commit()
        connection.close()

    return write, commit, close


DOCUMENT_COLUMNS = ("id", "canonical", "system", "type", "type_name", "number", "year", "issuer", "first_seen_at")
PORTAL_COLUMNS = ("id", "key", "name", "base_url", "profile", "created_at")


def schema_url(url: str, schema: str | None) -> str:
    """A PostgreSQL URL whose connections use `schema` (created if missing)."""
    if not schema or not url.startswith("postgresql"):
        return url
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    admin = create_engine(url)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))
    admin.dispose()
    return make_url(url).update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(hide_password=False)


def generate(url: str, articles: int, *, portals: int = 80, seed: int = 1, workers: int = 1, chunk: int = 5000,
             keep_gin: bool = False, log=print) -> dict:
    """Fill an empty archive; returns timings."""
    from sqlalchemy import text

    from db.engine import get_engine
    from db.schema import upgrade

    upgrade(url)
    engine = get_engine(url)
    dialect = engine.dialect.name
    with engine.connect() as connection:
        if connection.execute(text("SELECT count(*) FROM articles")).scalar():
            raise SystemExit(f"{url}: the archive is not empty")
    started = time.perf_counter()
    if dialect == "postgresql" and not keep_gin:
        with engine.begin() as connection:
            connection.execute(text("DROP INDEX IF EXISTS ix_articles_search_tsv"))
    write, commit, close = (_sqlite_writer if dialect == "sqlite" else _pg_writer)(url)
    now = datetime(2026, 11, 1, tzinfo=timezone.utc)
    gen = Generator(articles, portals, seed)
    write("portals", [(p + 1, Generator.key(p), f"Cổng thông tin điện tử {gen.units[p]}",
                       f"https://{Generator.key(p)}.hanoi.gov.vn", "hanoi", _ts(START)) for p in range(portals)])
    write("documents", [(d[0], d[1], d[2], d[3], d[4], d[5], d[6], d[7], _ts(START)) for d in gen.docs])
    commit()
    bounds = [(s, min(s + chunk, articles)) for s in range(0, articles, chunk)]
    done = counts = 0
    totals = {"articles": 0, "mentions": 0, "samples": 0}
    with mp.get_context("fork").Pool(workers, initializer=_init, initargs=(articles, portals, seed)) as pool:
        for rows in _bounded(pool, bounds, ahead=2 * workers + 1):
            for kind in ("articles", "mentions", "samples"):
                write(kind, rows[kind])
                totals[kind] += len(rows[kind])
            commit()
            done += len(rows["articles"])
            counts += 1
            if counts % 20 == 0 or done == articles:
                seconds = time.perf_counter() - started
                log(f"  {done:>9,} articles  {seconds:7.1f} s  {done / seconds:7.0f} articles/s")
    close()
    loaded = time.perf_counter() - started
    if dialect == "postgresql":
        with engine.begin() as connection:
            for table in ("articles", "documents", "document_mentions", "view_samples", "portals"):
                connection.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                        f"(SELECT coalesce(max(id), 1) FROM {table}))"))
            if not keep_gin:
                connection.execute(text("CREATE INDEX ix_articles_search_tsv ON articles USING gin (search_tsv)"))
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM ANALYZE"))
    else:
        with engine.connect() as connection:
            connection.execute(text("ANALYZE"))
    seconds = time.perf_counter() - started
    return {"articles": articles, "seconds": seconds, "load_seconds": loaded, "rate": articles / seconds, **{
        f"{k}_rows": v for k, v in totals.items()}}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=1_000_000)
    parser.add_argument("--db", required=True, metavar="URL", help="SQLAlchemy URL of an empty (or new) archive")
    parser.add_argument("--schema", help="PostgreSQL: create and use this schema")
    parser.add_argument("--portals", type=int, default=80)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workers", type=int, default=max(1, (os.cpu_count() or 2) - 1),
                        help="text-generating processes (default: cores - 1)")
    parser.add_argument("--chunk", type=int, default=5000, help="articles per transaction")
    parser.add_argument("--keep-gin", action="store_true", help="PostgreSQL: keep the GIN index during the load")
    args = parser.parse_args(argv)
    url = schema_url(args.db, args.schema)
    print(f"generating {args.articles:,} articles into {url}")
    stats = generate(url, args.articles, portals=args.portals, seed=args.seed, workers=args.workers, chunk=args.chunk,
                     keep_gin=args.keep_gin)
    print(f"done: {stats['articles']:,} articles, {stats['mentions_rows']:,} document mentions, "
          f"{stats['samples_rows']:,} view samples in {stats['seconds']:.1f} s "
          f"({stats['rate']:.0f} articles/s; rows loaded in {stats['load_seconds']:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
