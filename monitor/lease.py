"""One scheduler per archive: a lease row in the database, renewed by a heartbeat.

A second `portalwatch run` sees a live lease and waits or exits; a lease whose holder stopped
renewing it (killed, machine gone) expires and can be taken over.
"""
from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from db.models import SchedulerLease, utcnow

NAME = "scheduler"
log = logging.getLogger("portalwatch.lease")


def holder_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


@dataclass
class LeaseInfo:
    holder: str
    acquired_at: datetime
    heartbeat_at: datetime
    expires_at: datetime

    def alive(self, now: datetime | None = None) -> bool:
        return self.expires_at > (now or utcnow())


class Lease:
    def __init__(self, session_factory, holder: str | None = None, ttl: timedelta = timedelta(seconds=60)):
        self.Session = session_factory
        self.holder = holder or holder_id()
        self.ttl = ttl

    def current(self) -> LeaseInfo | None:
        with self.Session() as session:
            row = session.get(SchedulerLease, NAME)
            return LeaseInfo(row.holder, row.acquired_at, row.heartbeat_at, row.expires_at) if row else None

    def acquire(self) -> bool:
        """Take the lease if it is free or expired; True when this process holds it."""
        now = utcnow()
        with self.Session.begin() as session:
            taken = session.execute(
                update(SchedulerLease)
                .where(SchedulerLease.name == NAME, (SchedulerLease.expires_at < now) | (SchedulerLease.holder == self.holder))
                .values(holder=self.holder, acquired_at=now, heartbeat_at=now, expires_at=now + self.ttl)
            ).rowcount
        if taken:
            return True
        try:
            with self.Session.begin() as session:
                session.execute(insert(SchedulerLease).values(
                    name=NAME, holder=self.holder, acquired_at=now, heartbeat_at=now, expires_at=now + self.ttl))
            return True
        except IntegrityError:  # someone holds it (or took it this very moment)
            return False

    def renew(self) -> bool:
        """Extend the lease; False when it was lost (expired and taken by another scheduler)."""
        now = utcnow()
        with self.Session.begin() as session:
            return bool(session.execute(
                update(SchedulerLease).where(SchedulerLease.name == NAME, SchedulerLease.holder == self.holder)
                .values(heartbeat_at=now, expires_at=now + self.ttl)).rowcount)

    def release(self) -> None:
        with self.Session.begin() as session:
            session.execute(delete(SchedulerLease).where(SchedulerLease.name == NAME, SchedulerLease.holder == self.holder))

    def held_by_me(self) -> bool:
        with self.Session() as session:
            return session.scalar(select(SchedulerLease.holder).where(SchedulerLease.name == NAME)) == self.holder


class Heartbeat:
    """Renews a lease every third of its lifetime on a thread of its own.

    Not a job of the scheduler's worker pool: long crawls fill that pool, the renewal waited
    behind them, the lease expired and a second scheduler took over while the first still ran.
    """

    def __init__(self, lease: Lease, on_lost):
        self.lease = lease
        self.on_lost = on_lost  # called once, on the heartbeat's thread, when another holder took the lease
        self.interval = lease.ttl.total_seconds() / 3
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._beat, name="lease-heartbeat", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stopped.set()
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join()

    def _beat(self) -> None:
        while not self._stopped.wait(self.interval):
            try:
                renewed = self.lease.renew()
            except Exception:  # a busy or unreachable database: try again at the next beat
                log.exception("could not renew the scheduler lease")
                continue
            if not renewed:
                self.on_lost()
                return
