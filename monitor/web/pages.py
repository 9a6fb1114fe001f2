"""The server-rendered pages (Jinja2, Vietnamese labels, no script): each reads the same service functions
as its JSON twin under /api/ and links to it with the same query string; filters live in the query string,
so every page's URL can be bookmarked and shared."""
from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates
from markupsafe import Markup, escape
from sqlalchemy.orm import Session

from crawler.weburl import is_web_url
from db.queries import portal_list, portal_name
from monitor.events import KINDS, label_of
from monitor.web import service
from monitor.web.app import HERE, session
from monitor.web.labels import FIELD_LABELS, KIND_LABELS

router = APIRouter(include_in_schema=False)
templates = Jinja2Templates(directory=HERE / "templates")
DB = Annotated[Session, Depends(session)]


def _query(request: Request, **changes) -> str:
    """The request's query string (without the token) with some parameters changed or removed (None)."""
    items = [(k, v) for k, v in request.query_params.multi_items() if k != "token" and k not in changes]
    items += [(k, v) for k, v in changes.items() if v is not None]
    return urlencode(items)


def _twin(request: Request, path: str, **changes) -> str:
    query = _query(request, **changes)
    return path + (f"?{query}" if query else "")


def marked(text: str | None, marks: list[list[int]]) -> Markup:
    """`text` escaped, with each of its marks (a search hit's "snippet_marks" or "title_marks": [start, end)
    character offsets, sorted and disjoint) wrapped in <mark>: a phrase or a document number is one mark."""
    text = text or ""
    out, last = [], 0
    for start, end in marks:
        out += [escape(text[last:start]), Markup("<mark>"), escape(text[start:end]), Markup("</mark>")]
        last = end
    out.append(escape(text[last:]))
    return Markup("").join(out)


def _short(iso: str | None) -> str:
    return iso[:16].replace("T", " ") if iso else ""


templates.env.filters["short"] = _short
templates.env.tests["web_url"] = is_web_url  # macros.html out_link: only http(s) URLs become links
templates.env.globals.update(KIND_LABELS=KIND_LABELS, FIELD_LABELS=FIELD_LABELS, label_of=label_of,
                             marked=marked)


def render(request: Request, name: str, status: int = 200, **context) -> HTMLResponse:
    return templates.TemplateResponse(request, name, context, status_code=status)


def error_page(request: Request, status: int, message: str) -> HTMLResponse:
    return render(request, "error.html", status, title="Lỗi", message=message, json_url=None)


@router.api_route("/", methods=["GET", "HEAD"], response_class=HTMLResponse)
def search_page(request: Request, db: DB, q: str = "", site: str | None = None,
                date_from: Annotated[str | None, Query(alias="from")] = None,
                date_to: Annotated[str | None, Query(alias="to")] = None, category: str | None = None,
                doc_type: str | None = None, doc_number: str | None = None, order: str = "relevance",
                limit: Annotated[int, Query(ge=1, le=200)] = 20, include_removed: bool = False,
                cursor: str | None = None):
    result = None
    params = service.SearchParams(q=q, site=site or None, date_from=date_from or None, date_to=date_to or None,
                                  category=category or None, doc_type=doc_type or None,
                                  doc_number=doc_number or None, order=order if order in ("relevance", "date")
                                  else "relevance", limit=limit, include_removed=include_removed)
    if q.strip():
        result = service.search_page(db, params, cursor, counts=True)
    return render(request, "search.html", title="Tìm kiếm", params=params, result=result, portals=portal_list(db),
                  json_url=_twin(request, "/api/search") if q.strip() else "/api/openapi.json",
                  export_url=_twin(request, "/api/export", format="csv", order=None, limit=None, cursor=None),
                  next_url=_twin(request, "/", cursor=result["next"]) if result and result["next"] else None,
                  site_url=lambda key: _twin(request, "/", site=key, cursor=None),
                  type_url=lambda code: _twin(request, "/", doc_type=code, cursor=None))


@router.api_route("/docs", methods=["GET", "HEAD"], response_class=HTMLResponse)
def documents_page(request: Request, db: DB, type: str | None = None, issuer: str | None = None,
                   since: str | None = None, limit: Annotated[int, Query(ge=1, le=500)] = 50,
                   cursor: str | None = None, number: str | None = None):
    if number and number.strip():  # the "open a document" form: its page has the number in the path
        from db.tracker import QueryError, document_number

        try:
            number = document_number(number)
        except QueryError as exc:
            raise service.BadRequest(str(exc)) from None
        return RedirectResponse("/docs/" + _path(number), status_code=303)
    page = service.documents_page(db, doc_type=type or None, issuer=issuer or None, since=since or None,
                                  limit=limit, cursor=cursor)
    return render(request, "documents.html", title="Theo dõi văn bản", page=page,
                  filters={"type": type or "", "issuer": issuer or "", "since": since or ""},
                  json_url=_twin(request, "/api/docs"),
                  next_url=_twin(request, "/docs", cursor=page["next"]) if page["next"] else None)


@router.api_route("/docs/{number:path}", methods=["GET", "HEAD"], response_class=HTMLResponse)
def document_page(request: Request, db: DB, number: str, scope: str | None = None,
                  limit: Annotated[int, Query(ge=1, le=1000)] = 100, cursor: str | None = None):
    wanted = [s.strip() for s in scope.split(",") if s.strip()] if scope else None
    doc = service.document(db, number, wanted, limit=limit, cursor=cursor)
    if doc is None:
        return error_page(request, 404, f"Chưa có bài nào trong kho lưu trữ nhắc đến văn bản {number}.")
    path = "/docs/" + _path(doc["canonical"])
    return render(request, "document.html", title=f"Văn bản {doc['canonical']}", doc=doc,
                  json_url=_twin(request, "/api" + path),
                  first_url=_twin(request, path, cursor=None) if cursor else None,
                  next_url=_twin(request, path, cursor=doc["next"]) if doc["next"] else None)


def _path(number: str) -> str:
    from urllib.parse import quote

    return quote(number, safe="")


@router.api_route("/events", methods=["GET", "HEAD"], response_class=HTMLResponse)
def events_page(request: Request, db: DB, since: str | None = None, kind: Annotated[list[str] | None, Query()] = None,
                site: str | None = None, doc_type: Annotated[list[str] | None, Query()] = None,
                order: str = "newest", limit: Annotated[int, Query(ge=1, le=1000)] = 100, cursor: str | None = None):
    order = order if order in ("oldest", "newest") else "newest"
    kind = [k for k in kind or [] if k] or None
    doc_type = [t for t in doc_type or [] if t] or None
    page = service.events_page(db, since=since or None, kind=kind, site=site or None, doc_type=doc_type,
                               order=order, limit=limit, cursor=cursor)
    feed_query = urlencode([("site", site)] * bool(site) + [("kind", k) for k in kind or []]
                           + [("doc_type", t) for t in doc_type or []])
    return render(request, "events.html", title="Sự kiện", page=page, kinds=sorted(KINDS), portals=portal_list(db),
                  filters={"since": since or "", "kind": kind or [], "site": site or "",
                           "doc_type": ",".join(doc_type or []), "order": order},
                  json_url=_twin(request, "/api/events", order=order),
                  feed_url="/events.atom" + (f"?{feed_query}" if feed_query else ""),
                  next_url=_twin(request, "/events", cursor=page["next"]) if page["next"] else None)


@router.api_route("/articles/{article_id}", methods=["GET", "HEAD"], response_class=HTMLResponse)
def article_page(request: Request, db: DB, article_id: int, diff: str | None = None, layout: str = "inline"):
    """diff=A..B picks the versions compared (default the last two); layout=side shows them side by side."""
    article = service.article(db, article_id, diff or None)
    if article is None:
        return error_page(request, 404, f"Không có bài số {article_id} trong kho lưu trữ.")
    layout = "side" if layout == "side" else "inline"
    return render(request, "article.html", title=article["title"], a=article, portal_name=portal_name(db, article["site"]),
                  paragraphs=[p for p in (article["body_text"] or "").split("\n") if p.strip()],
                  body_html=Markup(article["body_html"]) if article["body_html"] else None, layout=layout,
                  layout_url=lambda name: _twin(request, f"/articles/{article_id}", layout=name),
                  diff_url=lambda pair: _twin(request, f"/articles/{article_id}", diff=pair),
                  chart=_chart(article["view_samples"]),
                  json_url=_twin(request, f"/api/articles/{article_id}", layout=None))


def _chart(samples: list[dict], width: int = 600, height: int = 120) -> dict | None:
    """The view series as SVG polyline points (drawn on the server: no script)."""
    points = [(s["first_at"], s["views"]) for s in samples] + [(s["last_at"], s["views"]) for s in samples]
    points.sort()
    if len(points) < 2:
        return None
    from datetime import datetime

    times = [datetime.fromisoformat(t).timestamp() for t, _ in points]
    views = [v for _, v in points]
    t0, t1 = min(times), max(times) or 1
    v0, v1 = min(views), max(views)
    span_t, span_v = (t1 - t0) or 1, (v1 - v0) or 1
    coords = " ".join(f"{(t - t0) / span_t * width:.1f},{height - (v - v0) / span_v * height:.1f}"
                      for t, v in zip(times, views))
    return {"points": coords, "width": width, "height": height, "low": v0, "high": v1,
            "first": _short(points[0][0]), "last": _short(points[-1][0])}


@router.api_route("/api/", methods=["GET", "HEAD"], response_class=HTMLResponse)
@router.api_route("/api", methods=["GET", "HEAD"], response_class=HTMLResponse)
def api_index(request: Request):
    """The API's endpoints, read from its OpenAPI document (a page without script instead of Swagger UI,
    which would load assets from the internet)."""
    spec = request.app.openapi()
    endpoints = [{"path": path, "summary": op.get("summary", ""),
                  "params": [p["name"] for p in op.get("parameters", [])]}
                 for path, ops in spec["paths"].items() for op in ops.values()]
    return render(request, "api.html", title="API", endpoints=endpoints, json_url="/api/openapi.json")
