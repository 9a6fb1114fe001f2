"""The scheduler killed (SIGKILL) mid-crawl or mid-delivery, measured: a real `portalwatch run
--replica` process, then `run --once` taking over. One home for tests/test_shutdown.py and
bench/noise.py; it counts with tests/faults.py's measures (Result, the archive's rows, events).
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

from sqlalchemy import select

from crawler.replica import Replica
from db.engine import get_engine, session_factory
from db.models import AlertOutbox, CrawlRun, utcnow
from monitor.mailer import SmtpSink
from tests.faults import Result, archived_rows, events_since, norm, portal_spec

KILLED_SITE = "bactuliem"


class HeldSink(SmtpSink):
    """A mail sink that holds its answer to DATA until released: a scheduler killed then dies waiting."""

    def __init__(self, maildir: Path):
        super().__init__(maildir)
        self.released = threading.Event()

    def store(self, data: bytes) -> None:
        self.released.wait(60)
        super().store(data)


def _scheduler_env(sink_port: int) -> dict:
    env = dict(os.environ, PORTALWATCH_ALERT_TO="ban.tuyen.giao@example.vn", PORTALWATCH_SMTP_HOST="127.0.0.1",
               PORTALWATCH_SMTP_PORT=str(sink_port), PORTALWATCH_SMTP_SECURITY="plain")
    env.pop("PORTALWATCH_RULES", None)  # the shipped default rules
    return env


def _wait_for(condition, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if condition():
                return True
        except Exception:  # the archive is still being created
            pass
        time.sleep(0.05)
    return False


def killed_scheduler(workdir: Path, during: str) -> tuple[Result, Counter, set[str]]:
    """A real `portalwatch run --replica` scheduler is SIGKILLed while it crawls ("crawl") or while its
    mail server holds a mail ("delivery"); then `run --once` takes over. Returns the Result (readable:
    the portal's articles; false events: anything but first-crawl news), how many times each Message-ID
    arrived, and those being sent when the scheduler died."""
    url = f"sqlite:///{workdir / 'archive.sqlite3'}"
    config = workdir / "portalwatch.toml"
    config.write_text(f'[schedule]\ninterval = "1h"\njitter = "1s"\nlease_ttl = "3s"\nsites = ["{KILLED_SITE}"]\n\n'
                      '[detection]\ndown_after_failed_runs = 1\n', encoding="utf-8")
    Session = session_factory(url)
    command = [sys.executable, "-m", "monitor.cli", "run", "--replica", "--config", str(config), "--db", url]
    sending = select(AlertOutbox.message_id).where(AlertOutbox.status == "sending")
    started = time.monotonic()
    with HeldSink(workdir / "mail") as sink:
        if during == "crawl":
            sink.released.set()
        env = _scheduler_env(sink.port)
        first = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
        try:
            busy = (select(CrawlRun.id).where(CrawlRun.status == "running") if during == "crawl" else sending)
            if not _wait_for(lambda: _scalars(Session, busy), timeout=120):
                raise RuntimeError(f"the scheduler never reached its {during}")
            interrupted = set(_scalars(Session, sending))
            first.send_signal(signal.SIGKILL)
        finally:
            first.wait(timeout=30)
        sink.released.set()  # the server files what it was given: the dead client never heard so
        again = subprocess.run(command + ["--once", "--wait"], capture_output=True, text=True, env=env, timeout=300)
        if again.returncode:
            raise RuntimeError(f"run --once failed: {again.stderr.strip()[-500:]}")
        arrived = Counter(message["Message-ID"] for message in sink.maildir)
    result = _killed_result(Session, arrived, during)
    result.seconds = round(time.monotonic() - started, 1)
    get_engine(url).dispose()
    return result, arrived, interrupted


def _scalars(Session, query) -> list:
    with Session() as session:
        return session.scalars(query).all()


def _killed_result(Session, arrived: Counter, during: str) -> Result:
    replica = Replica(specs=(portal_spec(KILLED_SITE),))  # not started: what its portal shows at clock 0
    result = Result(f"scheduler SIGKILL mid-{during}", readable=len(replica.visible(KILLED_SITE)))
    after = archived_rows(Session)
    result.stored = len(after)
    result.duplicates = sum(n - 1 for n in Counter((norm(r["title"]), r["published"]) for r in after.values()).values())
    with Session() as session:
        result.false_events = Counter(kind for _, kind, news in events_since(session, 0, set(after)) if not news)
        runs = session.scalars(select(CrawlRun).order_by(CrawlRun.id)).all()
        rows = session.execute(select(AlertOutbox.status, AlertOutbox.message_id, AlertOutbox.mode,
                                      AlertOutbox.next_attempt_at)).all()
    result.runs = [f"{r.status}: {r.message}" for r in runs]
    result.ended = all(r.status not in ("queued", "running") for r in runs)
    # Lost: not delivered, but a digest row waiting for its 07:00 (an immediate one waiting out a
    # retry back-off is lost for this count: the scheduler that took over should have sent it).
    now = utcnow()
    result.lost_alerts = sum(1 for status, mid, mode, due in rows
                             if (status == "sent" and mid not in arrived)
                             or (status != "sent" and not (mode == "digest" and status == "pending" and due > now)))
    return result
