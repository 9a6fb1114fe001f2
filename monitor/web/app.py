"""create_app(): the FastAPI application serving one archive — the JSON API under /api/ (api.py), the
server-rendered pages (pages.py) and the Atom feed (feed.py), behind the guard of security.py."""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles

from db.engine import session_factory
from monitor.config import DetectionSettings
from monitor.web.security import Guard
from monitor.web.service import BadRequest

HERE = Path(__file__).resolve().parent


def create_app(db_url: str, *, token: str | None = None, detection: DetectionSettings | None = None) -> FastAPI:
    """The app reading the archive at `db_url` (its schema already current: `portalwatch web` upgrades it
    first). token: when given, every request must carry it (see security.py). detection: the settings the
    health pages judge runs by (`portalwatch web --config`; default the built-in ones)."""
    from monitor.web import api, feed, health_pages, pages

    app = FastAPI(title="portalwatch", description="The archive of Vietnamese government portals: search, the "
                  "resolution tracker, events, articles. Field names are those of the CLI's --json.",
                  version="1", docs_url=None, redoc_url=None, openapi_url="/api/openapi.json")
    app.state.sessions = session_factory(db_url)
    app.state.detection = detection or DetectionSettings()

    @app.exception_handler(BadRequest)
    async def bad_request(request: Request, exc: BadRequest):
        if request.url.path.startswith("/api/") or request.url.path.endswith(".atom"):
            return JSONResponse({"detail": str(exc)}, status_code=400)
        return pages.error_page(request, 400, str(exc))

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError):
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'][1:]) or 'request'}: {e['msg']}" for e in exc.errors())
        return await bad_request(request, BadRequest(problems))

    app.include_router(api.router)
    app.include_router(health_pages.api_router)
    app.include_router(health_pages.router)
    app.include_router(feed.router)
    app.include_router(pages.router)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    app.add_middleware(Guard, token=token)
    return app


def session(request: Request) -> Iterator:
    """A FastAPI dependency: one session of the app's archive for the request."""
    with request.app.state.sessions() as s:
        yield s
