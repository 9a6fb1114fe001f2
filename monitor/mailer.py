"""Transports for alerts: SMTP (STARTTLS, SSL or plain), a JSON webhook, and a tiny local SMTP sink.

Credentials: the SMTP password is read only from $PORTALWATCH_SMTP_PASSWORD or from the file named
by `password_file` in the rules' [smtp] section, at login time; it is never stored in a settings
object, never put in an error message and never logged. A username with `security = "plain"` is
refused unless the server is on loopback (no password in clear over a network).
"""
from __future__ import annotations

import ipaddress
import json
import logging
import mailbox
import os
import smtplib
import socket
import socketserver
import ssl
import sys
import threading
import urllib.error
import urllib.request
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path

log = logging.getLogger("portalwatch.mailer")
PASSWORD_ENV = "PORTALWATCH_SMTP_PASSWORD"


class DeliveryError(RuntimeError):
    """A send that did not go through; its text is what `alerts list` shows (no secrets in it)."""


@dataclass(frozen=True)
class SmtpSettings:
    host: str = "localhost"
    port: int = 25
    security: str = "plain"  # "starttls" | "ssl" | "plain"
    sender: str = "portalwatch <portalwatch@localhost>"
    username: str = ""
    password_file: str = ""
    timeout: float = 30.0

    def password(self) -> str:
        """From the environment, else the secrets file; '' when neither is set."""
        if os.environ.get(PASSWORD_ENV):
            return os.environ[PASSWORD_ENV]
        if self.password_file:
            try:
                return Path(self.password_file).expanduser().read_text(encoding="utf-8").strip()
            except OSError as exc:
                raise DeliveryError(f"cannot read smtp.password_file {self.password_file}: {exc.strerror}") from None
        return ""

    def describe(self) -> str:
        user = f" as {self.username}" if self.username else ""
        return f"{self.host}:{self.port} ({self.security}){user}"


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class SmtpTransport:
    """One SMTP connection, opened on first send and reused; `close()` ends it."""

    def __init__(self, settings: SmtpSettings):
        self.settings = settings
        self.smtp: smtplib.SMTP | None = None

    def _connect(self) -> smtplib.SMTP:
        s = self.settings
        context = ssl.create_default_context()
        if s.security == "ssl":
            smtp = smtplib.SMTP_SSL(s.host, s.port, timeout=s.timeout, context=context)
        else:
            smtp = smtplib.SMTP(s.host, s.port, timeout=s.timeout)
        try:
            smtp.ehlo()
            if s.security == "starttls":
                smtp.starttls(context=context)
                smtp.ehlo()
            if s.username:
                if s.security == "plain" and not _is_loopback(s.host):
                    raise DeliveryError("refusing to send SMTP credentials without TLS to a non-loopback server "
                                        "(set smtp.security to starttls or ssl)")
                try:
                    smtp.login(s.username, s.password())
                except smtplib.SMTPAuthenticationError as exc:
                    raise DeliveryError(f"SMTP login as {s.username} refused: {exc.smtp_code}") from None
        except BaseException:
            try:
                smtp.close()
            finally:
                pass
            raise
        return smtp

    def send(self, message: EmailMessage) -> None:
        try:
            if self.smtp is None:
                self.smtp = self._connect()
            self.smtp.send_message(message)
        except DeliveryError:
            self.close()
            raise
        except (smtplib.SMTPException, OSError) as exc:
            self.close()
            raise DeliveryError(describe_smtp_error(exc, self.settings)) from None

    def close(self) -> None:
        if self.smtp is not None:
            try:
                self.smtp.quit()
            except (smtplib.SMTPException, OSError):
                self.smtp.close()
            self.smtp = None


def describe_smtp_error(exc: BaseException, settings: SmtpSettings) -> str:
    where = f"{settings.host}:{settings.port}"
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        parts = [f"{rcpt}: {code} {msg.decode('utf-8', 'replace') if isinstance(msg, bytes) else msg}"
                 for rcpt, (code, msg) in exc.recipients.items()]
        return f"SMTP {where} refused recipient(s): " + "; ".join(parts)
    if isinstance(exc, smtplib.SMTPResponseException):
        msg = exc.smtp_error.decode("utf-8", "replace") if isinstance(exc.smtp_error, bytes) else str(exc.smtp_error)
        return f"SMTP {where} answered {exc.smtp_code} {msg}".strip()
    if isinstance(exc, ConnectionRefusedError):
        return f"SMTP {where}: connection refused"
    if isinstance(exc, (socket.timeout, TimeoutError)):
        return f"SMTP {where}: timed out"
    return f"SMTP {where}: {type(exc).__name__}: {exc}"


def post_webhook(url: str, payload: dict, timeout: float = 20.0, message_id: str = "") -> None:
    """POST the payload as JSON; any 2xx answer is a delivery, anything else a DeliveryError."""
    if not url.startswith(("http://", "https://")):
        raise DeliveryError(f"webhook URL must be http(s): {url}")
    body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    request = urllib.request.Request(url, data=body, method="POST", headers={
        "Content-Type": "application/json; charset=utf-8", "User-Agent": "portalwatch",
        "Idempotency-Key": message_id.strip("<>")})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            if not 200 <= response.status < 300:
                raise DeliveryError(f"webhook answered HTTP {response.status}")
    except urllib.error.HTTPError as exc:
        raise DeliveryError(f"webhook answered HTTP {exc.code}") from None
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise DeliveryError(f"webhook unreachable: {reason}") from None


# ---- a local SMTP sink (the demo's mail server; standard library only) ------------------------------
class _SinkHandler(socketserver.StreamRequestHandler):
    """Just enough RFC 5321 for smtplib: EHLO/HELO, MAIL, RCPT, DATA, RSET, NOOP, QUIT."""

    def reply(self, line: str) -> None:
        self.wfile.write(line.encode("ascii") + b"\r\n")

    def handle(self) -> None:
        self.reply("220 portalwatch-sink ready")
        sender, recipients = None, []
        while True:
            raw = self.rfile.readline(65536)
            if not raw:
                return
            verb = raw.decode("utf-8", "replace").strip().split(" ", 1)[0].upper()
            if verb == "EHLO":
                self.wfile.write(b"250-portalwatch-sink\r\n250-8BITMIME\r\n250-SMTPUTF8\r\n250 HELP\r\n")
            elif verb == "HELO":
                self.reply("250 portalwatch-sink")
            elif verb == "MAIL":
                sender, recipients = raw, []
                self.reply("250 OK")
            elif verb == "RCPT":
                recipients.append(raw)
                self.reply("250 OK")
            elif verb == "DATA":
                if sender is None or not recipients:
                    self.reply("503 need MAIL and RCPT first")
                    continue
                self.reply("354 end with <CRLF>.<CRLF>")
                lines = []
                while True:
                    line = self.rfile.readline(1 << 20)
                    if not line or line in (b".\r\n", b".\n"):
                        break
                    lines.append(line[1:] if line.startswith(b"..") else line)
                self.server.store(b"".join(lines))
                sender, recipients = None, []
                self.reply("250 OK queued")
            elif verb in ("RSET", "NOOP"):
                sender, recipients = (None, []) if verb == "RSET" else (sender, recipients)
                self.reply("250 OK")
            elif verb == "QUIT":
                self.reply("221 bye")
                return
            else:
                self.reply("502 command not implemented")


class SmtpSink(socketserver.ThreadingTCPServer):
    """An SMTP server on 127.0.0.1 that files every message it accepts into a Maildir."""

    daemon_threads = True
    allow_reuse_address = True

    def handle_error(self, request, client_address) -> None:
        """A client that drops the connection (a scheduler killed mid-delivery, as the fault suite
        does) is no error of the sink's: only what else goes wrong is printed."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)

    def __init__(self, maildir: Path, port: int = 0):
        super().__init__(("127.0.0.1", port), _SinkHandler)
        self.maildir = mailbox.Maildir(str(maildir), create=True)
        self.path = Path(maildir)
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return self.server_address[1]

    def store(self, data: bytes) -> None:
        with self._lock:
            self.maildir.add(data.replace(b"\r\n", b"\n"))

    def __enter__(self):
        self._thread = threading.Thread(target=self.serve_forever, name="smtp-sink", daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self.shutdown()
        self.server_close()
