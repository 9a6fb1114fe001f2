"""`portalwatch export`: every article matching search's filters as CSV, one JSON array or NDJSON, streamed
(db/export.py reads the archive in constant memory; monitor/formats.py writes the rows as they come)."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

from db.engine import session_factory
from monitor.cli.archive import TEXT_HELP, add_search_filters, search_filters
from monitor.cli.common import CliError, db_option, open_archive, write_out
from monitor.formats import FORMATS, encode


def add_export(sub) -> None:
    p = sub.add_parser("export", parents=[db_option()],
                       help="every article matching search's filters as CSV, JSON or NDJSON, streamed")
    p.add_argument("text", nargs="?", default=None, help=TEXT_HELP + " (optional: without it, every article "
                                                                     "passing the filters)")
    add_search_filters(p)
    p.add_argument("--format", choices=FORMATS, default="ndjson",
                   help="csv (a header, a row per article), json (one array) or ndjson (an object per line; default)")
    p.add_argument("--output", metavar="FILE", help="write FILE (atomically: complete or not at all; an existing "
                                                    "file keeps its permissions, a link is written through) instead "
                                                    "of standard output")
    p.set_defaults(func=cmd_export)


def cmd_export(args) -> int:
    from db.export import QueryError, export_articles

    if args.output == "":  # `--output "$UNSET"`: not standard output by accident
        raise CliError("--output needs a file name (leave it out to write to standard output)")
    try:
        filters = search_filters(args)
        with session_factory(open_archive(args))() as session:
            rows = export_articles(session, args.text, **filters)  # checks the query and filters first
            blocks = encode(rows, args.format)
            if args.output:
                write_atomically(Path(args.output), blocks)
            else:
                write_out(blocks)
    except QueryError as exc:
        raise CliError(str(exc)) from exc
    return 0


def write_atomically(path: Path, blocks) -> None:
    """Write the blocks to a temporary file beside `path`, then rename it to `path`: an export that is
    interrupted or fails leaves no half file (and an older `path` untouched); rename is atomic on POSIX.
    A symbolic link is written through (the file it points to is replaced, the link stays), and a file
    replaced keeps its permission bits, as `> path` would."""
    shown, path = path, Path(os.path.realpath(path))
    try:
        mode = os.stat(path).st_mode & 0o7777
    except FileNotFoundError:
        mode = 0o666 & ~_umask()  # mkstemp makes 0600; a new export is an ordinary file
    except OSError as exc:
        raise CliError(f"cannot write {shown}: {exc.strerror}") from exc
    try:
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    except OSError as exc:
        raise CliError(f"cannot write {shown}: {exc.strerror}") from exc
    try:
        with os.fdopen(handle, "wb") as out:
            for block in blocks:
                out.write(block)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temporary, mode)
        try:
            os.replace(temporary, path)
        except OSError as exc:  # a folder of that name, say
            raise CliError(f"cannot write {shown}: {exc.strerror}") from exc
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
