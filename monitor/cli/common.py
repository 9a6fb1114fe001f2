"""What every command uses: the consoles, JSON output, the shared options, and bad input as
one error line with a non-zero exit code."""
from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

from rich.console import Console
from rich.text import Text

from db.schema import upgrade

console = Console()
err = Console(stderr=True)


class CliError(Exception):
    """Bad input or a refused action: `main` prints the message on one red line and exits with `code`."""

    def __init__(self, message: str, code: int = 2):
        super().__init__(message)
        self.code = code


def check_sites(sites: list[str] | None, known) -> None:
    """Portal keys given with --site (health, top) must be registered or in the archive: else one line, exit 2."""
    if unknown := [s for s in sites or [] if s not in known]:
        raise CliError(f"unknown site {unknown[0]!r}: neither registered nor in the archive "
                       f"(known: {', '.join(sorted(known))})")


def report_error(message: str) -> None:
    # Plain text, never markup: messages quote user input and file contents, which may hold brackets.
    err.print(Text(message, style="red"), soft_wrap=True, highlight=False)


class OutputClosed(Exception):
    """Standard output was closed by its reader (`portalwatch export | head`): `main` ends quietly."""


def write_out(blocks: Iterable[bytes | str]) -> None:
    """Write to standard output as the blocks come (UTF-8 whatever the locale); a reader that went away
    raises OutputClosed, not a traceback."""
    try:
        sys.stdout.flush()
        out = sys.stdout.buffer
        for block in blocks:
            out.write(block.encode("utf-8") if isinstance(block, str) else block)
        out.flush()
    except BrokenPipeError as exc:
        raise OutputClosed() from exc


def dump_json(data) -> None:
    write_out([json.dumps(data, ensure_ascii=False, indent=2) + "\n"])


def write_csv(rows: Iterable[dict], fields: Sequence[str]) -> None:
    """--csv of a listing: a header of `fields`, a row per object (monitor.formats: RFC 4180, and how a nested
    value becomes one cell)."""
    from monitor.formats import encode

    write_out(encode(rows, "csv", fields))


def output_options(p, *, json_help: str, csv_help: str) -> None:
    """--json and --csv of a listing (one or the other)."""
    out = p.add_mutually_exclusive_group()
    out.add_argument("--json", action="store_true", help=json_help)
    out.add_argument("--csv", action="store_true", help=csv_help)


class Parser(argparse.ArgumentParser):
    """argparse, with a usage mistake reported like any other bad input: one line, exit code 2."""

    def error(self, message: str):
        report_error(f"{self.prog}: {message} (see {self.prog} --help)")
        raise SystemExit(2)


def at_least_one(value: str) -> int:
    """An argparse type: a whole number ≥ 1 (--parallel 0 would never start a crawl, and never return)."""
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, not {value!r}") from None
    if number < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {number}")
    return number


# Paging options reach SQL as LIMIT and OFFSET, which overflow past a signed 64-bit integer (OverflowError, a
# traceback): a page holds at most MAX_LIMIT rows and --page stays low enough that (page - 1) × limit fits.
MAX_LIMIT = 10_000
MAX_PAGE = (2**63 - 1) // MAX_LIMIT


def between_one_and(maximum: int):
    """An argparse type: a whole number from 1 to `maximum` (at_least_one, bounded)."""

    def bounded(value: str) -> int:
        number = at_least_one(value)
        if number > maximum:
            raise argparse.ArgumentTypeError(f"must be at most {maximum:,}, not {value}")
        return number

    return bounded


# ---- options shared by several commands (argparse parent parsers) -----------------------------------
def db_option() -> argparse.ArgumentParser:
    # SUPPRESS: given after the command it overrides the top-level --db; absent, it leaves it alone.
    parent = argparse.ArgumentParser(add_help=False)
    parent.add_argument("--db", metavar="URL", default=argparse.SUPPRESS,
                        help="SQLAlchemy URL of the archive (default: $PORTALWATCH_DB, else "
                             "~/.local/share/portalwatch/archive.sqlite3)")
    return parent


def config_option() -> argparse.ArgumentParser:
    parent = argparse.ArgumentParser(add_help=False)
    parent.add_argument("--config", metavar="FILE",
                        help="monitor configuration (TOML; default: $PORTALWATCH_CONFIG or built-in)")
    return parent


def rules_option() -> argparse.ArgumentParser:
    parent = argparse.ArgumentParser(add_help=False)
    parent.add_argument("--rules", metavar="FILE",
                        help="alert rules (TOML; default: $PORTALWATCH_RULES or the shipped default rules)")
    return parent


# ---- what the options name ------------------------------------------------------------------------
def open_archive(args) -> str:
    """The archive's URL (`main` resolved --db once), its schema brought up to date."""
    upgrade(args.db)
    return args.db


def load_config(path: str | None):
    """The monitor configuration at `path` (None: $PORTALWATCH_CONFIG or the built-in one)."""
    from monitor.config import ConfigError, load_config as load

    try:
        return load(path)
    except ConfigError as exc:
        raise CliError(str(exc)) from exc


def load_rules(path: str | None):
    """The alert rules at `path` (None: $PORTALWATCH_RULES or the shipped default rules)."""
    from monitor.rules import RulesError, load_rules as load

    try:
        return load(path)
    except RulesError as exc:
        raise CliError(str(exc)) from exc


def since_value(value: str | None) -> timedelta | datetime | None:
    """--since as typed: a duration back (2d, 6h) or an ISO date/time (local time if it names no zone)."""
    from vntext.dates import VN_TZ
    from monitor.config import parse_duration

    if not value:
        return None
    try:
        return parse_duration(value)
    except ValueError:
        pass
    try:
        since = datetime.fromisoformat(value)
    except ValueError:
        raise CliError(f"--since takes a duration (2d, 6h) or an ISO date/time, not {value!r}") from None
    return since if since.tzinfo else since.replace(tzinfo=VN_TZ)


def parse_since(value: str | None) -> datetime | None:
    """--since as a moment: a duration is counted back from now."""
    from vntext.dates import VN_TZ

    since = since_value(value)
    return datetime.now(VN_TZ) - since if isinstance(since, timedelta) else since


def tracker_since(value: str | None):
    """--since for the tracker (db.tracker.Since): a duration is counted back on each portal's observation
    clock there, not from this machine's now."""
    from db.tracker import Since

    since = since_value(value)
    if since is None:
        return None
    return Since(back=since) if isinstance(since, timedelta) else Since(at=since)
