"""The archive's tables (SQLAlchemy 2, typed). Times are stored in UTC; readers convert to Asia/Ho_Chi_Minh."""
from __future__ import annotations

import enum
from datetime import date, datetime, timezone

from sqlalchemy import (
    JSON, BigInteger, Boolean, Date, DateTime, Enum, ForeignKey, Index, Integer, LargeBinary, String, Text,
    TypeDecorator, UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class UTCDateTime(TypeDecorator):
    """Aware datetimes in, aware UTC datetimes out, on every engine (SQLite keeps no zone)."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the archive; pass an aware datetime")
        return value.astimezone(timezone.utc).replace(tzinfo=None)

    def process_result_value(self, value, dialect):
        return value.replace(tzinfo=timezone.utc) if value is not None else None


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class Base(DeclarativeBase):
    pass


class Portal(Base):
    __tablename__ = "portals"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(255))
    base_url: Mapped[str] = mapped_column(String(512))
    profile: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    articles: Mapped[list["Article"]] = relationship(back_populates="portal")


class Article(Base):
    """The current state of one article; its history lives in view_samples (and later versions)."""

    __tablename__ = "articles"
    __table_args__ = (
        UniqueConstraint("portal_id", "external_id", name="uq_articles_portal_external"),
        Index("ix_articles_portal_published", "portal_id", "published_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    portal_id: Mapped[int] = mapped_column(ForeignKey("portals.id"))
    external_id: Mapped[str] = mapped_column(String(255))
    url: Mapped[str] = mapped_column(String(2048))
    title: Mapped[str] = mapped_column(Text)
    summary: Mapped[str] = mapped_column(Text, default="")
    body_text: Mapped[str] = mapped_column(Text, default="")
    author: Mapped[str] = mapped_column(String(255), default="")
    source: Mapped[str] = mapped_column(String(255), default="")
    category: Mapped[str] = mapped_column(String(255), default="")
    tags: Mapped[list] = mapped_column(JSON, default=list)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    published_has_time: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    views: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    content_hash: Mapped[str] = mapped_column(String(64))
    extracted_by: Mapped[str] = mapped_column(String(32), default="")
    first_seen_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_fetched_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Removal is a state, never a deletion: the row and its history stay (see Tombstone).
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # Incremental crawling: when to re-fetch (decaying schedule), conditional-GET validators,
    # consecutive 404/410 answers, and presence in the portal's listings.
    next_check_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    http_etag: Mapped[str | None] = mapped_column(String(255), nullable=True)
    http_last_modified: Mapped[str | None] = mapped_column(String(64), nullable=True)
    consecutive_gone: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    last_listed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    listing_misses: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    portal: Mapped[Portal] = relationship(back_populates="articles")


class ViewSample(Base):
    """A run of identical readings of an article's view counter: first_at … last_at, one count.

    A reading equal to the previous one only moves last_at (while the run is shorter than the
    compaction window), so a counter that stands still costs no rows, and the first and last
    reading of every value are kept.
    """

    __tablename__ = "view_samples"
    __table_args__ = (UniqueConstraint("article_id", "first_at", name="uq_view_samples_article_time"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id"))
    first_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_at: Mapped[datetime] = mapped_column(UTCDateTime)
    views: Mapped[int] = mapped_column(BigInteger)


class ArticleVersion(Base):
    """What an article said from one edit to the next; a new row only when its content changed."""

    __tablename__ = "article_versions"
    __table_args__ = (UniqueConstraint("article_id", "version", name="uq_article_versions_article_version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id"))
    version: Mapped[int] = mapped_column(Integer)  # 1 = as first seen
    fetched_at: Mapped[datetime] = mapped_column(UTCDateTime)
    title: Mapped[str] = mapped_column(Text)
    summary: Mapped[str] = mapped_column(Text, default="")
    body_text: Mapped[str] = mapped_column(Text, default="")
    author: Mapped[str] = mapped_column(String(255), default="")
    category: Mapped[str] = mapped_column(String(255), default="")
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    published_has_time: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    attachments: Mapped[list] = mapped_column(JSON, default=list)  # [{"url", "title", "file_type", "file_name"}]
    content_hash: Mapped[str] = mapped_column(String(64))
    # {field: {"old": …, "new": …}} against the previous version; empty for version 1.
    changes: Mapped[dict] = mapped_column(JSON, default=dict)


class Attachment(Base):
    __tablename__ = "attachments"
    __table_args__ = (UniqueConstraint("article_id", "url", name="uq_attachments_article_url"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id"))
    url: Mapped[str] = mapped_column(String(2048))
    title: Mapped[str] = mapped_column(Text, default="")
    file_name: Mapped[str] = mapped_column(String(512), default="")
    file_type: Mapped[str] = mapped_column(String(16), default="")
    first_seen_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Document(Base):
    """One official document, by canonical number ("23-NQ/TU", "15/2023/NQ-HĐND", "NQ TW8 khóa XIII")."""

    __tablename__ = "documents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    canonical: Mapped[str] = mapped_column(String(255), unique=True)
    system: Mapped[str] = mapped_column(String(16))
    type: Mapped[str | None] = mapped_column(String(16), nullable=True)
    type_name: Mapped[str | None] = mapped_column(String(64), nullable=True)
    number: Mapped[str] = mapped_column(String(32), default="")
    year: Mapped[int | None] = mapped_column(Integer, nullable=True)
    issuer: Mapped[str | None] = mapped_column(String(128), nullable=True)
    issued_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    first_seen_at: Mapped[datetime] = mapped_column(UTCDateTime)
    first_article_id: Mapped[int | None] = mapped_column(ForeignKey("articles.id"), nullable=True)


class DocumentMention(Base):
    __tablename__ = "document_mentions"
    __table_args__ = (
        UniqueConstraint("document_id", "article_id", name="uq_document_mentions_document_article"),
        Index("ix_document_mentions_article_document", "article_id", "document_id"),  # covering: migration 0011
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"))
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id"))
    sentence: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[str] = mapped_column(String(16), default="text")  # "text" | "attachment"
    first_seen_at: Mapped[datetime] = mapped_column(UTCDateTime)


class RemovalCause(enum.Enum):
    """Why an article counts as removed; stored in tombstones.cause as the value."""

    GONE = "gone"                                    # answered 404/410 on N consecutive checks
    MISSING_FROM_LISTING = "missing_from_listing"    # absent from its listing window for N runs
    MANUAL = "manual"                                # marked removed explicitly (ArchiveWriter.mark_removed)


class Tombstone(Base):
    """An article that went away (404/410, or gone from its listing) and, maybe, came back."""

    __tablename__ = "tombstones"
    __table_args__ = (Index("ix_tombstones_article", "article_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id"))
    removed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # The cause is what code acts on (an article missing from its listing comes back through a
    # listing); reason is the same thing in words, for people.
    cause: Mapped[RemovalCause] = mapped_column(
        Enum(RemovalCause, native_enum=False, create_constraint=False, length=32,
             values_callable=lambda causes: [cause.value for cause in causes]),
        server_default=RemovalCause.MANUAL.value)
    reason: Mapped[str] = mapped_column(String(255), default="")
    restored_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class RawPage(Base):
    """The fetched page of one article version, compressed, so a profile fix can re-extract history."""

    __tablename__ = "raw_pages"
    __table_args__ = (Index("ix_raw_pages_article", "article_id", "fetched_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id"))
    version_id: Mapped[int | None] = mapped_column(ForeignKey("article_versions.id"), nullable=True)
    fetched_at: Mapped[datetime] = mapped_column(UTCDateTime)
    url: Mapped[str] = mapped_column(String(2048))
    content_type: Mapped[str] = mapped_column(String(128), default="text/html")
    compression: Mapped[str] = mapped_column(String(16), default="zlib")
    body: Mapped[bytes] = mapped_column(LargeBinary)


class CrawlRun(Base):
    """One crawl of one portal: who asked, how it went, what it found."""

    __tablename__ = "crawl_runs"
    __table_args__ = (Index("ix_crawl_runs_portal_started", "portal_id", "started_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    portal_id: Mapped[int] = mapped_column(ForeignKey("portals.id"))
    status: Mapped[str] = mapped_column(String(16), default="queued")  # queued/running/finished/failed
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    pages: Mapped[int] = mapped_column(Integer, default=0)
    articles_seen: Mapped[int] = mapped_column(Integer, default=0)
    articles_new: Mapped[int] = mapped_column(Integer, default=0)
    errors: Mapped[int] = mapped_column(Integer, default=0)
    message: Mapped[str] = mapped_column(Text, default="")
    stats: Mapped[dict] = mapped_column(JSON, default=dict)  # the crawler's counters (requests, statuses, …)
    mode: Mapped[str] = mapped_column(String(16), default="full", server_default="full")  # "full" | "incremental"
    detected_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class Event(Base):
    """Something detection noticed; `key` makes re-running detection idempotent."""

    __tablename__ = "events"
    __table_args__ = (Index("ix_events_portal_created", "portal_id", "created_at"), Index("ix_events_kind", "kind"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(255), unique=True)
    kind: Mapped[str] = mapped_column(String(32))
    portal_id: Mapped[int] = mapped_column(ForeignKey("portals.id"))
    article_id: Mapped[int | None] = mapped_column(ForeignKey("articles.id"), nullable=True)
    document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id"), nullable=True)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    payload: Mapped[dict] = mapped_column(JSON, default=dict)


class AlertOutbox(Base):
    """One alert to one recipient on one channel, written before any send; delivered exactly once."""

    __tablename__ = "alert_outbox"
    __table_args__ = (
        UniqueConstraint("event_id", "channel", "recipient", name="uq_alert_outbox_event_recipient"),
        Index("ix_alert_outbox_status_next", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"))
    channel: Mapped[str] = mapped_column(String(16))        # "email" | "webhook"
    recipient: Mapped[str] = mapped_column(String(512))
    rule: Mapped[str] = mapped_column(String(128), default="")
    # "immediate" | "digest" | "summary" (a portal's first crawl, monitor/alerts/baseline.py)
    # | "rule_added" (a new or changed rule's back catalogue, monitor/alerts/sightings.py)
    mode: Mapped[str] = mapped_column(String(16), default="immediate")
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending/sending/sent/failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_error: Mapped[str] = mapped_column(Text, default="")
    message_id: Mapped[str] = mapped_column(String(255), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class RuleSighting(Base):
    """When the archive first saw an alert rule in its current form (monitor/alerts/sightings.py).

    `fingerprint` hashes what decides the rule's matches and targets; a new one is a changed rule
    (version + 1, first_seen_at moves on). `holds_back`: events created before first_seen_at are
    the rule's back catalogue, summarised instead of mailed one by one; False for the rules of the
    first ruleset an archive alerts with, which were there before anything was alerted."""

    __tablename__ = "rule_sightings"

    name: Mapped[str] = mapped_column(String(128), primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(64))
    first_seen_at: Mapped[datetime] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer, default=1)
    holds_back: Mapped[bool] = mapped_column(Boolean, default=True)


class SchedulerLease(Base):
    """Which scheduler acts on this archive (one row per lease name)."""

    __tablename__ = "scheduler_lease"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    holder: Mapped[str] = mapped_column(String(255))
    acquired_at: Mapped[datetime] = mapped_column(UTCDateTime)
    heartbeat_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
