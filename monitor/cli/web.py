"""`portalwatch web`: serve the archive's web UI and JSON API (monitor/web) with uvicorn."""
from __future__ import annotations

import os

from monitor.cli.common import CliError, config_option, console, db_option, load_config, open_archive


def add_web(sub) -> None:
    p = sub.add_parser("web", parents=[db_option(), config_option()],
                       help="serve the web UI and JSON API (/, /docs, /events, /health, /api/)")
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1; any other address "
                                                       "needs a token)")
    p.add_argument("--port", type=int, default=8080, help="port (default 8080)")
    p.add_argument("--token", metavar="T", help="require this token on every request (Authorization: Bearer T, "
                                               "or ?token=T once in a browser; default: $PORTALWATCH_WEB_TOKEN)")
    p.set_defaults(func=cmd_web)


def cmd_web(args) -> int:
    from monitor.web.security import TOKEN_ENV, bind_refusal

    token = args.token or os.environ.get(TOKEN_ENV) or None
    refusal = bind_refusal(args.host, token)
    if refusal:
        raise CliError(refusal)
    if not 0 < args.port < 65536:
        raise CliError(f"--port must be between 1 and 65535, not {args.port}")
    detection = load_config(args.config).detection  # the health pages judge runs as `health --config` does
    import uvicorn

    from monitor.web import create_app

    app = create_app(open_archive(args), token=token, detection=detection)
    host = f"[{args.host}]" if ":" in args.host else args.host
    console.print(f"serving the archive on http://{host}:{args.port}/ (Ctrl-C stops)", highlight=False)
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning", server_header=False)
    return 0
