"""Expected failures are one line on stderr naming the problem and a non-zero exit, never a traceback;
only a bug shows one, with a request to report it."""
import os

import pytest

from crawler.replica import Fault
from monitor.cli import main

NOT_UTF8 = b"\xff\xfe[smtp]\nhost = \"\xe1\xba\n"  # UTF-16 byte-order mark, then Windows-1258-ish bytes
CORRUPT = bytes(range(256)) * 16  # what a disk error or a wrong file leaves: not SQLite


def one_line(capsys) -> str:
    err = capsys.readouterr().err
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    return lines[0]


@pytest.mark.parametrize("url, expected", [
    ("not-a-url", "not an archive URL: 'not-a-url'"),
    ("nosuchdb://u:secret@127.0.0.1/x", "archive URL nosuchdb://u:***@127.0.0.1/x: Can't load plugin"),
    ("postgresql+psycopg://postgres:secret@127.0.0.1:1/x",
     "cannot use the archive postgresql+psycopg://postgres:***@127.0.0.1:1/x: connection failed"),
])
def test_bad_archive_url(url, expected, capsys):
    assert main(["search", "x", "--db", url]) != 0
    line = one_line(capsys)
    assert line.startswith(expected) and "secret" not in line


def test_corrupt_archive_file(tmp_path, capsys):
    archive = tmp_path / "archive.sqlite3"
    archive.write_bytes(CORRUPT)
    assert main(["events", "--db", f"sqlite:///{archive}"]) == 1
    assert one_line(capsys) == f"cannot use the archive {archive}: file is not a database"


def test_archive_where_none_can_be_written(tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    assert main(["events", "--db", f"sqlite:///{blocker}/archive.sqlite3"]) == 2
    assert one_line(capsys) == f"cannot create the archive's folder {blocker}: a file of that name is in the way"
    assert main(["events", "--db", f"sqlite:///{tmp_path}"]) == 1  # a folder where the file should be
    assert one_line(capsys) == f"cannot use the archive {tmp_path}: unable to open database file"


@pytest.mark.parametrize("command", [
    ["status", "--config", "{file}"],
    ["alerts", "deliver", "--rules", "{file}"],
    ["rules", "check", "{file}"],
])
def test_input_file_not_utf8(command, tmp_path, capsys):
    bad = tmp_path / "bad.toml"
    bad.write_bytes(NOT_UTF8)
    argv = [part.format(file=bad) for part in command]
    assert main(argv + ["--db", f"sqlite:///{tmp_path / 'a.sqlite3'}"]) == 2
    assert one_line(capsys) == f"{bad} is not UTF-8 text (invalid start byte at byte 0)"


def test_registry_not_utf8_or_missing(tmp_path, monkeypatch, capsys):
    bad = tmp_path / "sites.toml"
    bad.write_bytes(NOT_UTF8)
    monkeypatch.setenv("PORTALWATCH_SITES", str(bad))
    assert main(["sites"]) == 2
    assert one_line(capsys) == f"{bad} ($PORTALWATCH_SITES) is not UTF-8 text (invalid start byte at byte 0)"
    missing = tmp_path / "missing.toml"
    monkeypatch.setenv("PORTALWATCH_SITES", str(missing))
    assert main(["sites"]) == 1
    assert one_line(capsys) == f"cannot use {missing} ($PORTALWATCH_SITES): No such file or directory"


def test_send_test_refuses_a_line_break_in_the_address(tmp_path, capsys):
    # A CR/LF would let the address add headers (Bcc:) to the mail; nothing is sent.
    assert main(["alerts", "send-test", "a@example.vn\r\nBcc: b@example.vn", "--db", f"sqlite:///{tmp_path / 'a.sqlite3'}"]) == 2
    assert one_line(capsys).startswith("not a mail address: 'a@example.vn\\r\\nBcc: b@example.vn'")


@pytest.mark.parametrize("command", [["crawl", "caugiay"], ["demo"]])
def test_parallel_must_be_at_least_one(command, capsys):
    # --parallel 0 started no crawl and waited for them forever
    with pytest.raises(SystemExit) as exit:
        main(command + ["--parallel", "0"])
    assert exit.value.code == 2
    assert one_line(capsys) == (f"portalwatch {command[0]}: argument --parallel: must be at least 1, not 0 "
                                f"(see portalwatch {command[0]} --help)")


HUGE = "1" + "0" * 20  # 10^20: past a signed 64-bit integer, as LIMIT, OFFSET or a timedelta's days


@pytest.mark.parametrize("command, option, maximum", [
    (["docs"], "--page", "922,337,203,685,477"), (["docs", "23-NQ/TU"], "--page", "922,337,203,685,477"),
    (["docs"], "--limit", "10,000"), (["docs", "23-NQ/TU"], "--limit", "10,000"),
    (["top"], "--limit", "10,000"), (["top"], "--days", "36,500"),
    (["search", "x"], "--page", "922,337,203,685,477"), (["search", "x"], "--limit", "10,000"),
])
def test_paging_options_are_bounded(command, option, maximum, tmp_path, capsys):
    # they reached SQL (or a timedelta) and overflowed: an OverflowError traceback
    with pytest.raises(SystemExit) as exit:
        main(command + [option, HUGE, "--db", f"sqlite:///{tmp_path / 'a.sqlite3'}"])
    assert exit.value.code == 2
    assert one_line(capsys) == (f"portalwatch {command[0]}: argument {option}: must be at most {maximum}, not {HUGE} "
                                f"(see portalwatch {command[0]} --help)")


def test_a_bug_shows_its_traceback_and_asks_for_a_report(monkeypatch, tmp_path, capsys):
    from monitor.cli import archive

    def broken(args):
        raise KeyError("oops")
    monkeypatch.setattr(archive, "cmd_sites", broken)
    assert main(["sites"]) == 1
    err = capsys.readouterr().err
    assert "Traceback" in err and "KeyError: 'oops'" in err
    assert err.strip().splitlines()[-1].startswith("This is a bug in portalwatch: please report it")


def test_crawl_exits_1_when_a_run_fails(tmp_path, monkeypatch, replica, capsys):
    base = replica.base_urls["caugiay"]
    sites = tmp_path / "sites.toml"
    sites.write_text(f'[sites.caugiay]\nname = "Phường Cầu Giấy"\nbase_url = "{base}"\nprofile = "hanoi"\n'
                     'listings = ["/tin-tuc-su-kien"]\n', encoding="utf-8")
    monkeypatch.setenv("PORTALWATCH_SITES", str(sites))
    replica.set_fault("caugiay", Fault(status=503))
    assert main(["crawl", "caugiay", "--fast", "--db", f"sqlite:///{tmp_path / 'a.sqlite3'}"]) == 1
    captured = capsys.readouterr()
    assert "caugiay: failed" in captured.out and "crawl of caugiay failed" in captured.err
