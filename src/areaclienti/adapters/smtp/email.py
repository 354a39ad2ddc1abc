"""Email through an SMTP server (the production EmailSender)."""
from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr

from areaclienti.app.ports.notifications import EmailSender, OutgoingEmail


class SmtpEmailSender(EmailSender):
    """One SMTP connection per email: the worker sends few, and a fresh connection never goes stale.

    ``use_ssl`` is implicit TLS (port 465); ``starttls`` upgrades a plain connection (port 587).
    Any refusal raises (``smtplib.SMTPException`` or ``OSError``) so the task queue retries.
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

    def build_message(self, email: OutgoingEmail) -> EmailMessage:
        message = EmailMessage()
        message["From"] = self.sender
        message["To"] = email.to
        message["Subject"] = email.subject
        message["Date"] = formatdate(localtime=False, usegmt=True)
        domain = parseaddr(self.sender)[1].rpartition("@")[2]
        # The outbox item's id: a re-send after a crash carries the same Message-ID, so the receiving
        # server or client can drop the duplicate.
        message["Message-ID"] = (f"<{email.reference}.areaclienti@{domain or 'localhost'}>" if email.reference
                                 else make_msgid(domain=domain or None))
        message.set_content(email.body, subtype="plain", charset="utf-8")
        return message

    def send(self, email: OutgoingEmail) -> None:
        message = self.build_message(email)
        context = self._ssl_context or ssl.create_default_context()
        smtp: smtplib.SMTP
        if self.use_ssl:
            smtp = smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout, context=context)
        else:
            smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        with smtp:
            if self.starttls:
                smtp.starttls(context=context)
            if self.username:
                smtp.login(self.username, self.password or "")
            refused = smtp.send_message(message)
        if refused:  # only when some of several recipients were refused; we send to one
            raise smtplib.SMTPRecipientsRefused(refused)
