"""What every event kind is: a frozen dataclass of its payload fields plus its meaning.

A kind's class holds everything said about the kind: its name in the archive (`KIND`), its
Vietnamese name, whether it is about an article or a portal, its default severity, and how a
mail shows it (headline, facts, changes). Payloads are stored as JSON in `events.payload`;
`to_json` and `from_json` are the only ways in and out, and both refuse a missing, unknown or
mistyped field, so a detector that emits a wrong payload fails where it emits it.

One payload shape: whatever article an event shows sits under `article` (an ArticleRef), for
every kind that has one; no kind spreads article fields at its top level.
"""
from __future__ import annotations

import types
import typing
from dataclasses import asdict, dataclass, fields
from typing import ClassVar

from monitor.events.format import short, vn_date

ARTICLE, PORTAL = "article", "portal"
# Severity is what the shipped rules (monitor/default_rules.toml) do with a kind by default:
# "immediate" kinds can be worth a mail at once, "digest" kinds wait for the daily digest.
IMMEDIATE, DIGEST = "immediate", "digest"


class PayloadError(ValueError):
    """A payload that does not fit its kind's definition."""


def _accepts(hint, value) -> bool:
    """Whether `value` (as JSON gives it back) fits the annotation `hint`."""
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        return any(_accepts(arg, value) for arg in typing.get_args(hint))
    if hint is type(None):
        return value is None
    if origin in (list, dict):
        return isinstance(value, origin)
    if hint is float:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if hint is int:
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, hint)


@dataclass(frozen=True, kw_only=True)
class Checked:
    """A frozen dataclass whose fields are checked against their annotations when built."""

    def __post_init__(self) -> None:
        hints = typing.get_type_hints(type(self))
        for f in fields(self):
            value = getattr(self, f.name)
            if not _accepts(hints[f.name], value):
                raise PayloadError(f"{type(self).__name__}.{f.name}: {value!r} is not {hints[f.name]}")


@dataclass(frozen=True, kw_only=True)
class ArticleRef(Checked):
    """An article as the event saw it at detection time."""

    title: str
    url: str
    external_id: str
    published_at: str | None  # ISO 8601, Asia/Ho_Chi_Minh
    views: int | None


@dataclass(frozen=True, kw_only=True)
class Payload(Checked):
    """The fields and meaning of one event kind. Subclasses are the kinds."""

    KIND: ClassVar[str]
    NAME: ClassVar[str]       # Vietnamese, for readers
    ABOUT: ClassVar[str]      # ARTICLE or PORTAL
    SEVERITY: ClassVar[str]   # IMMEDIATE or DIGEST

    # ---- storage ------------------------------------------------------------------------------
    def to_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict) -> "Payload":
        values = dict(data or {})
        if isinstance(values.get("article"), dict):
            try:
                values["article"] = ArticleRef(**values["article"])
            except TypeError as exc:
                raise PayloadError(f"{cls.KIND}.article: {exc}") from None
        try:
            return cls(**values)
        except TypeError as exc:  # a missing or unknown field
            raise PayloadError(f"{cls.KIND}: {exc}") from None

    # ---- what rules match on ------------------------------------------------------------------
    def shown_article(self) -> ArticleRef | None:
        """The article this event shows, if any."""
        return None

    @property
    def title(self) -> str:
        article = self.shown_article()
        return article.title if article else ""

    @property
    def url(self) -> str:
        article = self.shown_article()
        return article.url if article else ""

    def views(self) -> int | None:
        """The view count rules' min_views compares."""
        return None

    # Not named delta/percent/changes: kinds have fields of those names (dataclasses would take
    # an inherited method of a field's name for its default).
    def growth(self) -> int | None:
        """The view growth rules' min_delta compares."""
        return None

    def growth_percent(self) -> float | None:
        """The relative view growth (%) rules' min_percent compares."""
        return None

    def is_baseline(self) -> bool:
        """An event of a portal's first crawl: rules skip it unless they include_baseline."""
        return False

    def mention(self) -> str:
        """A sentence of the article quoted in the mail (and searched by keywords)."""
        return ""

    def recent_errors(self) -> list[str]:
        return []

    # ---- what mails show ----------------------------------------------------------------------
    def label(self) -> str:
        """What the event is about, in a few words (listings)."""
        return self.title

    def headline(self) -> str:
        return self.NAME

    def facts(self) -> list[tuple[str, str]]:
        return []

    def changes_shown(self) -> list[dict]:
        """Changed fields as {field, old, new}, ready to show."""
        return []


@dataclass(frozen=True, kw_only=True)
class ArticlePayload(Payload):
    """A kind about one article: the event row has its article_id, the payload its fields."""

    ABOUT: ClassVar[str] = ARTICLE

    article: ArticleRef

    def shown_article(self) -> ArticleRef:
        return self.article

    def views(self) -> int | None:
        return self.article.views

    def headline(self) -> str:
        return f"{self.NAME}: {short(self.title, 70)}"

    def facts(self) -> list[tuple[str, str]]:
        return self.published_fact()

    def published_fact(self) -> list[tuple[str, str]]:
        return [("Ngày đăng bài", vn_date(self.article.published_at))] if self.article.published_at else []


@dataclass(frozen=True, kw_only=True)
class PortalPayload(Payload):
    """A kind about a portal as a whole (its health, its extraction, its freshness)."""

    ABOUT: ClassVar[str] = PORTAL
