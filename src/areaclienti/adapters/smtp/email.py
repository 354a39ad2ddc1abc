"""Email through an SMTP server (the production EmailSender)."""
from __future__ import annotations

import contextlib
import smtplib
import ssl
import threading
from collections.abc import Iterator
from email import charset as charsets
from email.header import Header
from email.message import Message
from email.mime.text import MIMEText
from email.utils import formataddr, formatdate, make_msgid, parseaddr

from areaclienti.app.ports.notifications import EmailSender, OutgoingEmail

# UTF-8 text bodies in quoted-printable, readable as they travel (the email package's default is base64).
_UTF8 = charsets.Charset("utf-8")
_UTF8.body_encoding = charsets.QP


class SmtpEmailSender(EmailSender):
    """Email through an SMTP server: one connection per email, or one for a whole batch.

    Outside a batch each email opens and closes its own connection (a fresh connection never goes stale).
    Inside ``batch()`` (the worker delivering a batch of outbox items) one connection, opened at the
    first email, carries them all: an email that finds it dropped (the server's idle timeout, a restart)
    reconnects once and is sent again; if the server cannot be reached, the rest of the batch fails at
    once instead of waiting a connect timeout each. One SSL context for the life of the sender (building
    one loads the CA store: most of the cost of a TLS email).

    ``use_ssl`` is implicit TLS (port 465); ``starttls`` upgrades a plain connection (port 587).
    Any refusal raises (``smtplib.SMTPException`` or ``OSError``) so the outbox retries that email.
    """

    def __init__(
        self,
        host: str,
        port: int,
        sender: str,
        *,
        starttls: bool = False,
        use_ssl: bool = False,
        username: str | None = None,
        password: str | None = None,
        timeout: float = 10,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        if starttls and use_ssl:
            raise ValueError("choose either STARTTLS or implicit TLS, not both")
        self.host = host
        self.port = port
        self.sender = sender
        self.starttls = starttls
        self.use_ssl = use_ssl
        self.username = username
        self.password = password
        self.timeout = timeout
        self._ssl_context = ssl_context
        self._context_lock = threading.Lock()
        name, self._envelope_from = parseaddr(sender)
        self._from_header = formataddr((name, self._envelope_from), charset="utf-8")
        self._domain = self._envelope_from.rpartition("@")[2]
        # The batch in progress, per thread (the embedded default sends from request threads too).
        self._local = threading.local()

    def build_message(self, email: OutgoingEmail) -> Message:
        # The email package's legacy (compat32) API: the same message on the wire for a tenth of the CPU
        # of EmailMessage, whose header parsing was most of what a worker spent on an email.
        message = MIMEText(email.body, "plain", _UTF8)
        message["From"] = self._from_header
        message["To"] = email.to
        message["Subject"] = email.subject if email.subject.isascii() else Header(email.subject, "utf-8")
        message["Date"] = formatdate(localtime=False, usegmt=True)
        # The outbox item's id: a re-send after a crash carries the same Message-ID, so the receiving
        # server or client can drop the duplicate.
        message["Message-ID"] = (f"<{email.reference}.areaclienti@{self._domain or 'localhost'}>"
                                 if email.reference else make_msgid(domain=self._domain or None))
        return message

    def ssl_context(self) -> ssl.SSLContext:
        """The one SSL context of this sender (and so of the worker process), built at first use."""
        with self._context_lock:
            if self._ssl_context is None:
                self._ssl_context = ssl.create_default_context()
            return self._ssl_context

    def connect(self) -> smtplib.SMTP:
        """A connection ready to send: TLS and login done."""
        smtp: smtplib.SMTP
        if self.use_ssl:
            smtp = smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout, context=self.ssl_context())
        else:
            smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        try:
            if self.starttls:
                smtp.starttls(context=self.ssl_context())
            if self.username:
                smtp.login(self.username, self.password or "")
        except BaseException:
            _close(smtp)
            raise
        return smtp

    @contextlib.contextmanager
    def batch(self) -> Iterator[None]:
        if getattr(self._local, "batch", None) is not None:  # nested: the outer batch holds the connection
            yield
            return
        session = _Batch()
        self._local.batch = session
        try:
            yield
        finally:
            self._local.batch = None
            if session.smtp is not None:
                _quit(session.smtp)

    def send(self, email: OutgoingEmail) -> None:
        message = _Outgoing(self._envelope_from, email.to, self.build_message(email).as_bytes())
        session: _Batch | None = getattr(self._local, "batch", None)
        if session is None:
            with self.connect() as smtp:
                _send(smtp, message)
            return
        if session.unreachable is not None:
            raise session.unreachable
        if session.smtp is not None:
            try:
                _send(session.smtp, message)
                return
            except (smtplib.SMTPServerDisconnected, OSError):
                # Dropped since the last email (idle timeout, server restart): once more on a new one. The
                # server may have taken it already; the same Message-ID lets a receiver drop the duplicate.
                _close(session.smtp)
                session.smtp = None
        try:
            session.smtp = self.connect()
        except (smtplib.SMTPException, OSError) as error:
            session.unreachable = error
            raise
        try:
            _send(session.smtp, message)
        except (smtplib.SMTPServerDisconnected, OSError):
            _close(session.smtp)
            session.smtp = None
            raise


class _Batch:
    def __init__(self) -> None:
        self.smtp: smtplib.SMTP | None = None
        self.unreachable: Exception | None = None


class _Outgoing:
    def __init__(self, sender: str, to: str, data: bytes) -> None:
        self.sender, self.to, self.data = sender, to, data
        # An address beyond ASCII needs the server's SMTPUTF8 (as smtplib's send_message would ask).
        self.options = () if sender.isascii() and to.isascii() else ("SMTPUTF8", "BODY=8BITMIME")


def _send(smtp: smtplib.SMTP, message: _Outgoing) -> None:
    refused = smtp.sendmail(message.sender, [message.to], message.data, mail_options=message.options)
    if refused:  # only when some of several recipients were refused; we send to one
        raise smtplib.SMTPRecipientsRefused(refused)


def _quit(smtp: smtplib.SMTP) -> None:
    try:
        smtp.quit()
    except (smtplib.SMTPException, OSError):
        _close(smtp)


def _close(smtp: smtplib.SMTP) -> None:
    try:
        smtp.close()
    except OSError:
        pass
