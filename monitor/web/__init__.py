"""The web UI and JSON API (`portalwatch web`): FastAPI, server-rendered Jinja2 pages with Vietnamese labels,
readable without JavaScript; every page links to its JSON twin under /api/.

Modules: ``app`` create_app(); ``api`` the JSON API; ``pages`` the HTML pages; ``feed`` the Atom feed;
``service`` what both read, through the db query layer (db.queries, db.tracker, db.search) — no SQL here;
``security`` the bind rule, the token, the response headers and HTML sanitizing; ``cursor`` paging cursors.
"""
from monitor.web.app import create_app
from monitor.web.security import bind_refusal

__all__ = ["bind_refusal", "create_app"]
