"""Event kinds: one typed definition per kind, and the registry KINDS (kind name → its class).

Detection builds payloads through these classes, rules validate `kinds = [...]` and match on
them, mails take their headline and facts from them; the web UI, JSON API and feeds are meant
to render events from the same definitions. EventView is a stored event with its typed
payload, its portal and (looked up when asked) its article and documents.
"""
from __future__ import annotations

from monitor.events.article_kinds import (
    DOC_TYPES, Edited, NewArticle, NewDocument, Removed, Restored, ViewsMilestone, ViewsSpike,
)
from monitor.events.base import (
    ARTICLE, DIGEST, IMMEDIATE, PORTAL, ArticlePayload, ArticleRef, Payload, PayloadError, PortalPayload,
)
from monitor.events.portal_kinds import ExtractionDegraded, SourceDown, SourceMoved, SourceStale, SourceUp
from monitor.events.registry import KINDS, label_of, load_payload
from monitor.events.view import EventView, event_views

__all__ = [
    "KINDS", "load_payload", "label_of", "EventView", "event_views", "DOC_TYPES", "Payload", "PayloadError", "ArticlePayload",
    "PortalPayload", "ArticleRef", "ARTICLE", "PORTAL", "IMMEDIATE", "DIGEST",
    "NewArticle", "NewDocument", "Edited", "ViewsSpike", "ViewsMilestone", "Removed", "Restored",
    "SourceDown", "SourceUp", "SourceStale", "SourceMoved", "ExtractionDegraded",
]
