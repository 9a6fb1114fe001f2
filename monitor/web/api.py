"""The JSON API under /api/: the same objects and field names as the CLI's --json, listings paged with
opaque cursors (`next`). The OpenAPI document is /api/openapi.json, read as a page at /api/."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import StreamingResponse
from sqlalchemy.orm import Session

from monitor.web import service
from monitor.web.app import session

router = APIRouter(prefix="/api", tags=["api"])
DB = Annotated[Session, Depends(session)]


@router.get("/search", summary="search articles (as `portalwatch search --json`)")
def api_search(db: DB, q: Annotated[str, Query(description="words; diacritics optional; \"phrases\"; 23-NQ/TU")],
               site: str | None = None,
               date_from: Annotated[str | None, Query(alias="from", description="dd/mm/yyyy or yyyy-mm-dd")] = None,
               date_to: Annotated[str | None, Query(alias="to")] = None,
               category: str | None = None, doc_type: str | None = None, doc_number: str | None = None,
               order: Annotated[str, Query(pattern="^(relevance|date)$")] = "relevance",
               limit: Annotated[int, Query(ge=1, le=200)] = 20, include_removed: bool = False,
               counts: Annotated[bool, Query(description="also counts per portal and document type")] = False,
               cursor: str | None = None) -> dict:
    params = service.SearchParams(q=q, site=site, date_from=date_from, date_to=date_to, category=category,
                                  doc_type=doc_type, doc_number=doc_number, order=order, limit=limit,
                                  include_removed=include_removed)
    return service.search_page(db, params, cursor, counts=counts)


@router.get("/docs", summary="the resolution tracker's documents (as `portalwatch docs --json`)")
def api_documents(db: DB, type: str | None = None, issuer: str | None = None,
                  since: Annotated[str | None, Query(description="2d, 6h or an ISO date/time")] = None,
                  limit: Annotated[int, Query(ge=1, le=500)] = 50, cursor: str | None = None) -> dict:
    return service.documents_page(db, doc_type=type, issuer=issuer, since=since, limit=limit, cursor=cursor)


@router.get("/docs/{number:path}", summary="one document with its coverage (as `portalwatch docs NUMBER --json`)")
def api_document(db: DB, number: str,
                 scope: Annotated[str | None, Query(description="SCOPE[,SCOPE]: read coverage in these")] = None,
                 limit: Annotated[int, Query(ge=1, le=1000, description="mentions per page, oldest first")] = 100,
                 cursor: Annotated[str | None, Query(description="a previous page's `next`")] = None) -> dict:
    wanted = [s.strip() for s in scope.split(",") if s.strip()] if scope else None
    found = service.document(db, number, wanted, limit=limit, cursor=cursor)
    if found is None:
        raise HTTPException(404, f"no article in the archive mentions {number}")
    return found


@router.get("/events", summary="events (as `portalwatch events --json`)")
def api_events(db: DB, since: str | None = None, kind: Annotated[list[str] | None, Query()] = None,
               site: str | None = None, doc_type: Annotated[list[str] | None, Query()] = None,
               order: Annotated[str, Query(pattern="^(oldest|newest)$")] = "oldest",
               limit: Annotated[int, Query(ge=1, le=1000)] = 100, cursor: str | None = None) -> dict:
    return service.events_page(db, since=since, kind=kind, site=site, doc_type=doc_type, order=order, limit=limit,
                               cursor=cursor)


@router.get("/articles/{article_id}", summary="one article: its object, versions, attachments, views, documents")
def api_article(db: DB, article_id: int,
                diff: Annotated[str | None, Query(description="A..B: the versions to compare, as `show --diff`")] = None
                ) -> dict:
    found = service.article(db, article_id, diff or None)
    if found is None:
        raise HTTPException(404, f"no article {article_id} in the archive")
    return found


@router.get("/export", summary="every matching article as CSV, JSON or NDJSON, streamed (as `portalwatch export`)",
            response_class=StreamingResponse)
def api_export(request: Request,
               format: Annotated[str, Query(pattern="^(csv|json|ndjson)$", description="csv, json or ndjson")] = "ndjson",
               q: Annotated[str | None, Query(description="search's words (optional: without them, every article "
                                                          "passing the filters)")] = None,
               site: str | None = None,
               date_from: Annotated[str | None, Query(alias="from", description="dd/mm/yyyy or yyyy-mm-dd")] = None,
               date_to: Annotated[str | None, Query(alias="to")] = None,
               category: str | None = None, doc_type: str | None = None, doc_number: str | None = None,
               include_removed: bool = False) -> StreamingResponse:
    # The rows are read while the response is sent, in a session of their own (closed when the stream ends):
    # the request's session dependency may be closed before a streamed body is.
    params = service.SearchParams(q=q or "", site=site, date_from=date_from, date_to=date_to, category=category,
                                  doc_type=doc_type, doc_number=doc_number, include_removed=include_removed)
    blocks = service.export_blocks(request.app.state.sessions, params, format)
    return StreamingResponse(blocks, media_type=service.export_media_type(format), headers={
        "Content-Disposition": f'attachment; filename="portalwatch-export.{format}"'})
