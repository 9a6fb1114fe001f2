"""Crawler health in the web UI: /health (every watched portal, as `portalwatch health`) and /health/{site}
(one portal and its last runs with their errors), each with its JSON twin under /api/health.

The objects are monitor/health.py's: /api/health is the list `portalwatch health --json` prints (same
`site` filter, repeatable or comma-separated), /api/health/{site} is {"health": that portal's object,
"runs": its newest runs, newest first}. The judgement uses the detection settings the app was started
with (`portalwatch web --config`), as `portalwatch health --config` does."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from db.queries import archived_portal_keys
from monitor.web.app import session
from monitor.web.labels import MODE_LABELS, STATUS_LABELS, VERDICT_LABELS
from monitor.web.pages import _twin, error_page, render
from monitor.web.service import BadRequest

router = APIRouter(include_in_schema=False)
api_router = APIRouter(prefix="/api", tags=["api"])
DB = Annotated[Session, Depends(session)]
Sites = Annotated[list[str] | None, Query(description="portal keys, repeatable or comma-separated")]
Runs = Annotated[int, Query(ge=1, le=200, description="how many of the newest runs (default 20)")]


# ---- what the pages and the API show ------------------------------------------------------------------------
def health_list(request: Request, db: Session, site: list[str] | None = None) -> list[dict]:
    """The objects of `portalwatch health --json [--site …]`; an unknown key is a BadRequest naming it."""
    from crawler.registry import load_sites
    from monitor.health import portal_health  # Spidermon loads with it: not at the app's start

    wanted = [s.strip() for part in site or [] for s in part.split(",") if s.strip()] or None
    registry = {key: entry.name for key, entry in load_sites().items()}
    known = sorted(set(registry) | set(archived_portal_keys(db)))
    if unknown := [s for s in wanted or [] if s not in known]:
        raise BadRequest(f"unknown site {unknown[0]!r}: neither registered nor in the archive "
                         f"(known: {', '.join(known)})")
    keys = [key for key in known if wanted is None or key in wanted]  # the command's order: by key
    return [row.to_json() for row in portal_health(db, request.app.state.detection, registry, keys)]


def portal_detail(request: Request, db: Session, site: str, limit: int) -> dict | None:
    """{"health": the portal's health object, "runs": its newest `limit` runs}; None for an unknown portal."""
    from monitor.health import run_history

    try:
        (health,) = health_list(request, db, [site])
    except BadRequest:
        return None
    return {"health": health, "runs": [run.to_json() for run in run_history(db, site, limit)]}


# ---- the JSON API -------------------------------------------------------------------------------------------
@api_router.get("/health", summary="crawler health per portal (as `portalwatch health --json`)")
def api_health(request: Request, db: DB, site: Sites = None) -> list[dict]:
    return health_list(request, db, site)


@api_router.get("/health/{site}", summary="one portal's health and its newest crawl runs with their errors")
def api_portal_health(request: Request, db: DB, site: str, limit: Runs = 20) -> dict:
    found = portal_detail(request, db, site, limit)
    if found is None:
        raise HTTPException(404, f"unknown site {site!r}: neither registered nor in the archive")
    return found


# ---- the pages ----------------------------------------------------------------------------------------------
def _labels() -> dict:
    return {"VERDICT_LABELS": VERDICT_LABELS, "STATUS_LABELS": STATUS_LABELS, "MODE_LABELS": MODE_LABELS}


@router.api_route("/health", methods=["GET", "HEAD"], response_class=HTMLResponse)
def health_page(request: Request, db: DB, site: Sites = None):
    rows = health_list(request, db, site)
    counts = {verdict: sum(row["verdict"] == verdict for row in rows) for verdict in VERDICT_LABELS}
    return render(request, "health.html", title="Tình trạng thu thập", rows=rows, counts=counts,
                  site=",".join(site or []), json_url=_twin(request, "/api/health"), **_labels())


@router.api_route("/health/{site}", methods=["GET", "HEAD"], response_class=HTMLResponse)
def portal_health_page(request: Request, db: DB, site: str, limit: Runs = 20):
    found = portal_detail(request, db, site, limit)
    if found is None:
        return error_page(request, 404, f"Không có cổng {site} trong danh sách đăng ký hay kho lưu trữ.")
    h = found["health"]
    return render(request, "health_portal.html", title=f"Tình trạng thu thập · {h['name']}", h=h,
                  runs=found["runs"], limit=limit, json_url=_twin(request, f"/api/health/{site}"), **_labels())
