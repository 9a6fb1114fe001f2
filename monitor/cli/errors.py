"""Failures a person can meet and fix (an archive that cannot be opened, a file that cannot be read) as one
line naming the problem; anything else is a bug in portalwatch, shown with its traceback."""
from __future__ import annotations

import os
import sys
import traceback
from pathlib import Path

from sqlalchemy.exc import DatabaseError, OperationalError

from crawler.registry import RegistryError
from db.engine import ArchiveError, describe
from monitor.cli.common import CliError, OutputClosed, report_error

EXIT_OUTPUT_CLOSED = 141  # what a shell reports for a command ended by SIGPIPE (128 + 13), as `yes | head` does

# Files a command may read besides the archive: its options, then what the environment names.
INPUT_OPTIONS = ("config", "rules", "file")
INPUT_VARIABLES = ("PORTALWATCH_CONFIG", "PORTALWATCH_RULES", "PORTALWATCH_SITES")


def run_command(args) -> int:
    """`args.func(args)`, with every expected failure reported on one line and an exit code."""
    try:
        return args.func(args)
    except OutputClosed:
        return _output_closed()
    except (CliError, RegistryError, ArchiveError) as exc:  # bad input
        report_error(str(exc))
        return getattr(exc, "code", 2)
    except DatabaseError as exc:
        if not _archive_unusable(exc):
            return _bug()
        report_error(f"cannot use the archive {describe(args.db)}: {_first_line(exc.orig or exc)}")
        return 1
    except UnicodeDecodeError as exc:
        path = _undecodable_input(args)
        report_error(f"{_named(path) if path else 'an input file'} is not UTF-8 text ({exc.reason} at byte {exc.start})")
        return 2
    except OSError as exc:
        report_error(f"cannot use {_named(exc.filename)}: {exc.strerror}" if exc.filename and exc.strerror
                     else _first_line(exc))
        return 1
    except Exception:
        return _bug()


def _output_closed() -> int:
    # What is still buffered for the closed pipe would fail again when Python flushes stdout at exit and print
    # "Exception ignored … BrokenPipeError": point the descriptor at /dev/null first.
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # no real descriptor (a test's captured stdout): nothing will be flushed to it
        pass
    finally:
        os.close(devnull)
    return EXIT_OUTPUT_CLOSED


def _archive_unusable(exc: DatabaseError) -> bool:
    # OperationalError: a server that does not answer, a file that cannot be opened or written, a lock.
    # A bare DatabaseError: SQLite's "file is not a database". Its other kinds (IntegrityError,
    # ProgrammingError …) mean the SQL is wrong: a bug.
    return isinstance(exc, OperationalError) or type(exc) is DatabaseError


def _undecodable_input(args) -> str | None:
    """Which of the command's input files is not UTF-8 (the decoding error does not say)."""
    paths = [getattr(args, name, None) for name in INPUT_OPTIONS] + [os.environ.get(v) for v in INPUT_VARIABLES]
    for path in filter(None, paths):
        try:
            Path(path).read_bytes().decode("utf-8")
        except UnicodeDecodeError:
            return str(path)
        except OSError:
            continue
    return None


def _named(path) -> str:
    """The path, and the environment variable it came from if one named it (the user may not know it is set)."""
    variables = [v for v in INPUT_VARIABLES if os.environ.get(v) and os.environ[v] == str(path)]
    return f"{path} (${variables[0]})" if variables else str(path)


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


def _bug() -> int:
    traceback.print_exc()
    report_error("This is a bug in portalwatch: please report it, with the traceback above and the command you ran.")
    return 1
