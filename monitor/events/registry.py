"""KINDS: every event kind by name, and the one way from a stored payload to its kind's type."""
from __future__ import annotations

from monitor.events.article_kinds import (
    Edited, NewArticle, NewDocument, Removed, Restored, ViewsMilestone, ViewsSpike,
)
from monitor.events.base import Payload, PayloadError
from monitor.events.portal_kinds import ExtractionDegraded, SourceDown, SourceMoved, SourceStale, SourceUp

# In the order readers meet them (rules' error messages list them so).
KINDS: dict[str, type[Payload]] = {k.KIND: k for k in (
    NewDocument, NewArticle, Edited, ViewsSpike, ViewsMilestone, Removed, Restored,
    SourceDown, SourceUp, SourceStale, SourceMoved, ExtractionDegraded)}


def load_payload(kind: str, data: dict) -> Payload:
    """A stored event's payload as its kind's type; PayloadError for an unknown kind or a wrong shape."""
    try:
        definition = KINDS[kind]
    except KeyError:
        raise PayloadError(f"unknown event kind {kind!r}") from None
    return definition.from_json(data)


def label_of(kind: str, data: dict) -> str:
    """What an event is about, in a few words, for listings: its kind's label; for a stored row
    that no current definition describes (it is kept, never dropped), its first fields as they are."""
    try:
        label = load_payload(kind, data).label()
    except PayloadError:
        label = ""
    return label or ", ".join(f"{k}={v}" for k, v in list((data or {}).items())[:3])
