"""/events.atom: the events feed, with the filters of /events (site, kind, doc_type), newest first —
an Atom 1.0 document (RFC 4287: feed and entry ids, updated, self and alternate links)."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Annotated
from urllib.parse import quote, urlencode
from xml.etree import ElementTree as ET

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from monitor.events import label_of
from monitor.web import service
from monitor.web.app import session
from monitor.web.labels import KIND_LABELS

router = APIRouter()
ATOM = "http://www.w3.org/2005/Atom"
ENTRIES = 50


@router.get("/events.atom", summary="the events as an Atom feed (same filters as /events)")
def events_atom(request: Request, db: Annotated[Session, Depends(session)], site: str | None = None,
                kind: Annotated[list[str] | None, Query()] = None,
                doc_type: Annotated[list[str] | None, Query()] = None) -> Response:
    page = service.events_page(db, kind=kind, site=site, doc_type=doc_type, order="newest", limit=ENTRIES)
    base = str(request.base_url).rstrip("/")
    query = urlencode([(k, v) for k, v in request.query_params.multi_items() if k != "token"])
    ET.register_namespace("", ATOM)
    feed = ET.Element(f"{{{ATOM}}}feed")
    filters = ", ".join(filter(None, [site, ",".join(kind or []), ",".join(doc_type or [])]))
    _text(feed, "id", f"tag:portalwatch,2024:events?{query}")
    _text(feed, "title", "portalwatch — sự kiện" + (f" ({filters})" if filters else ""))
    newest = page["items"][0]["created_at"] if page["items"] else "2024-01-01T00:00:00+07:00"
    _text(feed, "updated", _rfc3339(newest))
    ET.SubElement(feed, f"{{{ATOM}}}link", rel="self", type="application/atom+xml",
                  href=f"{base}/events.atom" + (f"?{query}" if query else ""))
    ET.SubElement(feed, f"{{{ATOM}}}link", rel="alternate", type="text/html",
                  href=f"{base}/events" + (f"?{query}" if query else ""))
    author = ET.SubElement(feed, f"{{{ATOM}}}author")
    _text(author, "name", "portalwatch")
    _text(feed, "generator", "portalwatch")
    for event in page["items"]:
        entry = ET.SubElement(feed, f"{{{ATOM}}}entry")
        _text(entry, "id", f"tag:portalwatch,2024:event/{quote(event['key'], safe='')}")
        what = label_of(event["kind"], event["payload"])
        _text(entry, "title", f"{KIND_LABELS.get(event['kind'], event['kind'])} · {event['site']} · {what}")
        _text(entry, "updated", _rfc3339(event["created_at"]))
        _text(entry, "published", _rfc3339(event["occurred_at"]))
        link = f"{base}/articles/{event['article_id']}" if event["article_id"] else f"{base}/events?site={event['site']}"
        ET.SubElement(entry, f"{{{ATOM}}}link", rel="alternate", type="text/html", href=link)
        ET.SubElement(entry, f"{{{ATOM}}}category", term=event["kind"])
        _text(entry, "summary", f"{event['kind']} on {event['site']} at {event['occurred_at']}: {what}")
    body = b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(feed, encoding="utf-8", xml_declaration=False)
    return Response(body, media_type="application/atom+xml; charset=utf-8")


def _text(parent, name: str, value: str) -> None:
    ET.SubElement(parent, f"{{{ATOM}}}{name}").text = value


def _rfc3339(iso: str) -> str:
    moment = datetime.fromisoformat(iso)
    return (moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)).isoformat()
