"""SmtpEmailSender against a real SMTP server (aiosmtpd) on the loopback interface."""
from __future__ import annotations

import smtplib
import socket
from email import message_from_bytes, policy
from email.utils import parsedate_to_datetime

import pytest
from aiosmtpd.controller import Controller

from areaclienti.adapters.smtp.email import SmtpEmailSender
from areaclienti.app.ports.notifications import OutgoingEmail


class Mailbox:
    """An aiosmtpd handler that keeps every envelope it accepts."""

    def __init__(self) -> None:
        self.envelopes = []

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp_server():
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield controller, mailbox
    finally:
        controller.stop()


def test_an_email_arrives_with_recipient_subject_and_utf8_body(smtp_server):
    controller, mailbox = smtp_server
    sender = SmtpEmailSender(controller.hostname, controller.port, "Area Clienti <noreply@ca-assicurazioni.it>")
    body = "Gentile cliente,\nla sua identità è verificata: può già operare sulle polizze.\nPiù informazioni nell'area riservata."

    sender.send(OutgoingEmail(to="mario.rossi@example.it", subject="Identità verificata – è tutto pronto", body=body))

    (envelope,) = mailbox.envelopes
    assert envelope.mail_from == "noreply@ca-assicurazioni.it"
    assert envelope.rcpt_tos == ["mario.rossi@example.it"]
    message = message_from_bytes(envelope.original_content, policy=policy.default)
    assert message["To"] == "mario.rossi@example.it"
    assert message["Subject"] == "Identità verificata – è tutto pronto"
    assert message.get_content_type() == "text/plain"
    assert message.get_content_charset() == "utf-8"
    assert message.get_content().replace("\r\n", "\n").rstrip("\n") == body
    assert parsedate_to_datetime(message["Date"]).tzinfo is not None
    assert message["Message-ID"].endswith("@ca-assicurazioni.it>")


def test_a_server_that_is_not_there_raises_so_the_queue_retries():
    sender = SmtpEmailSender("127.0.0.1", free_port(), "noreply@example.it", timeout=2)
    with pytest.raises(OSError):
        sender.send(OutgoingEmail(to="a@example.it", subject="x", body="y"))


def test_starttls_and_implicit_tls_together_are_refused():
    with pytest.raises(ValueError):
        SmtpEmailSender("127.0.0.1", 25, "noreply@example.it", starttls=True, use_ssl=True)


def test_the_message_id_is_the_outbox_item_s_so_a_resend_can_be_recognised():
    from areaclienti.adapters.smtp.email import SmtpEmailSender
    from areaclienti.app.ports.notifications import OutgoingEmail

    sender = SmtpEmailSender("127.0.0.1", 25, "Area Clienti <no-reply@ca-demo.it>")
    email = OutgoingEmail(to="anna@example.it", subject="s", body="b", reference="item-42")
    first, again = sender.build_message(email), sender.build_message(email)
    assert first["Message-ID"] == again["Message-ID"] == "<item-42.areaclienti@ca-demo.it>"
    other = sender.build_message(OutgoingEmail(to="anna@example.it", subject="s", body="b"))
    assert other["Message-ID"] != first["Message-ID"]


class ClosingMailbox(Mailbox):
    """Answers one message with 421 (the server is closing the connection), as a restarting server does."""

    def __init__(self, refuse_subject: str) -> None:
        super().__init__()
        self.refuse_subject = refuse_subject

    async def handle_DATA(self, server, session, envelope):
        if f"Subject: {self.refuse_subject}".encode() in envelope.original_content:
            return "421 closing connection (test)"
        envelope.peer = session.peer  # which connection carried it
        return await super().handle_DATA(server, session, envelope)


def test_a_batch_sends_over_one_connection_and_reconnects_after_the_server_drops_it():
    mailbox = ClosingMailbox("secondo")
    controller = Controller(mailbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        sender = SmtpEmailSender(controller.hostname, controller.port, "noreply@example.it")
        with sender.batch():
            sender.send(OutgoingEmail(to="a@example.it", subject="primo", body="1"))
            sender.send(OutgoingEmail(to="b@example.it", subject="primo bis", body="1"))
            with pytest.raises(smtplib.SMTPDataError):
                sender.send(OutgoingEmail(to="c@example.it", subject="secondo", body="2"))
            sender.send(OutgoingEmail(to="d@example.it", subject="terzo", body="3"))
        sender.send(OutgoingEmail(to="e@example.it", subject="fuori dal lotto", body="4"))
    finally:
        controller.stop()
    first, first_bis, third, outside = mailbox.envelopes
    assert [e.rcpt_tos[0] for e in mailbox.envelopes] == ["a@example.it", "b@example.it", "d@example.it",
                                                          "e@example.it"]
    assert first.peer == first_bis.peer  # one connection for the batch
    assert len({first.peer, third.peer, outside.peer}) == 3  # a new one after the 421, one for the single email


def test_a_batch_fails_fast_when_the_server_is_not_there():
    sender = SmtpEmailSender("127.0.0.1", free_port(), "noreply@example.it", timeout=2)
    with sender.batch():
        with pytest.raises(OSError) as first:
            sender.send(OutgoingEmail(to="a@example.it", subject="x", body="y"))
        with pytest.raises(OSError) as second:  # the same refusal, without another connect timeout
            sender.send(OutgoingEmail(to="b@example.it", subject="x", body="y"))
    assert second.value is first.value


def test_one_ssl_context_for_the_life_of_the_sender():
    sender = SmtpEmailSender("127.0.0.1", 465, "noreply@example.it", use_ssl=True)
    assert sender.ssl_context() is sender.ssl_context()
