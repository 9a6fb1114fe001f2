"""One stored event as rules and mails see it: its typed payload, its portal, and — looked up
only when a rule asks — its article's text and the documents it cites."""
from __future__ import annotations

import logging
from functools import cached_property
from typing import Iterable, Iterator

from sqlalchemy import select

from vntext.textnorm import fold
from db.models import Article, Document, DocumentMention, Event, Portal
from monitor.events.base import Payload, PayloadError
from monitor.events.registry import load_payload


log = logging.getLogger("portalwatch.events")


class EventView:
    def __init__(self, session, event: Event, portals: dict | None = None):
        self.session = session
        self.event = event
        self.kind = event.kind
        self.payload: Payload = load_payload(event.kind, event.payload)
        portals = {} if portals is None else portals  # a cache shared by the views of one batch
        if event.portal_id not in portals:
            portals[event.portal_id] = session.get(Portal, event.portal_id)
        self.portal = portals[event.portal_id]
        self.portal_key = self.portal.key if self.portal else ""
        self.portal_name = self.portal.name if self.portal else f"portal {event.portal_id}"

    @cached_property
    def article(self) -> Article | None:
        return self.session.get(Article, self.event.article_id) if self.event.article_id else None

    @cached_property
    def documents(self) -> list[Document]:
        """The event's document, else every document its article cites."""
        if self.event.document_id:
            doc = self.session.get(Document, self.event.document_id)
            return [doc] if doc else []
        if self.event.article_id:
            return list(self.session.scalars(select(Document).join(
                DocumentMention, DocumentMention.document_id == Document.id).where(
                DocumentMention.article_id == self.event.article_id).order_by(Document.id)))
        return []

    def folded_texts(self) -> list[tuple[str, str]]:
        """(where, folded text) pairs that keyword rules search: the title, then the article's text."""
        article = self.article
        body = " ".join(filter(None, [article.summary if article else "", article.body_text if article else "",
                                      self.payload.mention()]))
        return [("tiêu đề", fold(self.payload.title)), ("nội dung", fold(body))]

    def headline(self) -> str:
        return self.payload.headline()


def event_views(session, events: Iterable[Event]) -> Iterator[EventView]:
    """Views of the events whose payload fits its kind's definition. A row that does not (a kind
    this version no longer knows, a payload an old release or a hand edit left incomplete) is
    logged and passed over: it stays in the table, and one such row never stops the others."""
    portals: dict = {}  # one lookup per portal for the whole batch
    for event in events:
        try:
            yield EventView(session, event, portals)
        except PayloadError as exc:
            log.warning("event %s (%s) skipped: its payload does not fit its kind: %s", event.id, event.kind, exc)
