"""The operators' assistance inbox over HTTP (SPEC §6, R-ASS-1): «Assistenza» with its filters as a GET form,
oldest first, complaints with their deadline, the waiting time in service hours and the late rows marked in
words; one request's thread with the internal notes marked; answer, note, take and close through CSRF-checked
forms, bad texts told in Italian with the text kept; the wall against anyone who is not a signed-in operator."""
from __future__ import annotations

import html
import re
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import pytest

from areaclienti.domain.assistance import TEXT_MAX, Author, Reason, TicketStatus
from areaclienti.domain.audit import AuditEventKind

from ..unit.app.identification_journeys import create_operator, operator_id
from ..unit.app.test_assistance_desk import ask, thread_token
from .journeys import csrf_token
from .test_http_backoffice import audit, sign_in

ROME = ZoneInfo("Europe/Rome")
ROW = re.compile(r'data-testid="ticket-row" data-number="(AS-\d{4}-\d{6})" data-late="(true|false)"')
EMAIL = "lucia.bianchi@example.it"


def rome(*args) -> datetime:
    return datetime(*args, tzinfo=ROME).astimezone(timezone.utc)


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def rows(response) -> list[str]:
    assert response.status_code == 200, text(response)
    return [number for number, _late in ROW.findall(response.text)]


def late_rows(response) -> list[str]:
    return [number for number, late in ROW.findall(response.text) if late == "true"]


def post(client, path: str, page: str, **data):
    return client.post(path, data={"csrf_token": csrf_token(client, page), **data})


def ticket(harness, number: str):
    return harness.container.assistance_desk().get(number).ticket


@pytest.fixture
def operator(client, harness):
    sign_in(client, harness, create_operator(harness))
    return operator_id(harness)


@pytest.fixture
def number(harness) -> str:
    return ask(harness, email=EMAIL)


# --- the inbox -----------------------------------------------------------------------------------
def test_the_inbox_and_its_filters_as_a_get_form(client, harness):
    harness.clock.set(rome(2026, 11, 16, 10, 0))  # a Monday
    old = ask(harness, email="a@example.it", reason=Reason.POLICY_INFORMATION)
    harness.clock.set(rome(2026, 11, 20, 10, 0))
    complaint = ask(harness, email="b@example.it", reason=Reason.COMPLAINT)
    harness.clock.set(rome(2026, 11, 24, 10, 0))
    fresh = ask(harness, email="c@example.it")
    sign_in(client, harness, create_operator(harness))
    harness.container.assistance_desk().take(operator_id(harness), complaint)

    page = client.get("/backoffice/assistenza")
    body = text(page)
    assert rows(page) == [old, complaint, fresh]  # oldest first
    assert page.headers["Cache-Control"] == "private, no-store" and 'method="get"' in page.text
    assert 'data-testid="nav-assistance"' in page.text and 'href="/backoffice/assistenza"' in page.text
    assert "Informazioni sulla polizza" in body and "Problemi di navigazione" in body and "a@example.it" in body
    assert "Reclamo" in body and "entro il 4 gennaio 2027" in body  # the complaint's deadline, in words
    assert "Operatrice Prova" in body  # who took it
    assert "Obiettivo di prima risposta: 8 h lavorative" in body
    assert late_rows(page) == [old, complaint]  # past 8 working hours, said in words too
    assert body.count("oltre l'obiettivo") == 2
    assert "14 h 30 min lavorative" in body  # the complaint: Friday 10:00 to Tuesday 10:00, in service time
    assert "meno di 1 min lavorativo" in body  # the fresh one, half a minute old
    assert rows(client.get("/backoffice/assistenza?reason=complaint")) == [complaint]
    assert rows(client.get("/backoffice/assistenza?status=new")) == [old, fresh]
    assert rows(client.get("/backoffice/assistenza?status=open")) == [complaint]
    assert rows(client.get("/backoffice/assistenza?older_than=3")) == [old, complaint]
    assert rows(client.get("/backoffice/assistenza?older_than=7")) == [old]
    assert rows(client.get("/backoffice/assistenza?mine=yes")) == [complaint]
    kept = client.get("/backoffice/assistenza?reason=complaint&older_than=3")
    assert '<option value="complaint" selected>' in kept.text and '<option value="3" selected>' in kept.text
    wrong = client.get("/backoffice/assistenza?status=nonsense&older_than=-4")
    assert rows(wrong) == [old, complaint, fresh] and 'data-testid="filters-error"' in wrong.text
    assert rows(client.get("/backoffice/assistenza?status=closed")) == []


def test_the_waiting_time_is_in_service_hours(client, harness):
    harness.clock.set(rome(2026, 11, 27, 17, 0))  # Friday as the line closes
    number = ask(harness, email=EMAIL)
    harness.clock.set(rome(2026, 11, 30, 11, 19, 45))  # Monday
    sign_in(client, harness, create_operator(harness))  # 30 s later: 11:20
    page = client.get("/backoffice/assistenza")
    assert "2 h 20 min lavorative" in text(page) and late_rows(page) == []
    one = client.get(f"/backoffice/assistenza/{number}")
    assert "in attesa da 2 h 20 min lavorative" in text(one)


# --- one request ---------------------------------------------------------------------------------
def test_the_thread_shows_the_notes_marked_as_internal(client, harness, number, operator):
    desk = harness.container.assistance_desk()
    desk.note(operator, number, "Cliente già sentita al telefono.")
    desk.answer(operator, number, "Buongiorno, ecco come fare.")
    page = client.get(f"/backoffice/assistenza/{number}")
    body = text(page)
    assert page.status_code == 200 and page.headers["Cache-Control"] == "private, no-store"
    assert re.findall(r'data-testid="message" data-author="(\w+)"', page.text) == ["customer", "note", "operator"]
    assert "Nota interna, non visibile al cliente" in body and "Cliente già sentita al telefono." in body
    assert "Risposta di Operatrice Prova" in body and EMAIL in body
    assert "In attesa del cliente" in body
    assert client.get("/backoffice/assistenza/AS-2026-999999").status_code == 404


def test_the_answer_goes_out_by_email_and_is_audited(client, harness, number, operator):
    path = f"/backoffice/assistenza/{number}"
    response = post(client, path + "/rispondi", path, answer="Buongiorno,\nabbiamo sbloccato il suo accesso.")
    assert response.status_code == 302 and response.headers["Location"] == path + "#thread"
    assert "Risposta inviata" in text(client.get(path))
    t = ticket(harness, number)
    assert t.status is TicketStatus.WAITING_CUSTOMER and t.assigned_to == operator
    assert t.messages[-1].body == "Buongiorno,\nabbiamo sbloccato il suo accesso."
    mail = harness.emails_to(EMAIL)[-1]
    assert number in mail.subject and "abbiamo sbloccato il suo accesso" in mail.body
    assert harness.container.assistance().by_token(thread_token(harness, EMAIL)).number == number
    assert audit(harness, AuditEventKind.ASSISTANCE_HANDLED)[0].details == {
        "number": number, "operator": operator, "action": "answer"}


def test_a_note_stays_internal(client, harness, number, operator):
    path = f"/backoffice/assistenza/{number}"
    sent = len(harness.emails_to(EMAIL))
    response = post(client, path + "/nota", path, note="Verificare con il portafoglio.")
    assert response.status_code == 302 and "Nota interna salvata" in text(client.get(path))
    assert len(harness.emails_to(EMAIL)) == sent
    t = ticket(harness, number)
    assert t.messages[-1].author is Author.NOTE and t.status is TicketStatus.NEW
    assert all(m.author is not Author.NOTE for m in t.visible_messages())


def test_bad_texts_are_told_in_italian_with_the_text_kept(client, harness, number, operator):
    path = f"/backoffice/assistenza/{number}"
    empty = post(client, path + "/rispondi", path, answer="   ")
    assert empty.status_code == 422 and "Scrivi la risposta prima di inviarla." in text(empty)
    assert 'aria-invalid="true"' in empty.text
    long = "é" * (TEXT_MAX + 5)
    too_long = post(client, path + "/nota", path, note=long)
    assert too_long.status_code == 422
    assert f"Il testo può avere al massimo {TEXT_MAX} caratteri: ne hai scritti {TEXT_MAX + 5}." in text(too_long)
    assert long in text(too_long)  # nothing lost
    assert len(ticket(harness, number).messages) == 1


def test_take_then_close_and_a_closed_request_refuses_answers(client, harness, number, operator):
    path = f"/backoffice/assistenza/{number}"
    assert 'data-testid="take"' in client.get(path).text
    taken = post(client, path + "/prendi", path)
    assert taken.status_code == 302 and ticket(harness, number).assigned_to == operator
    page = client.get(path)
    assert "Richiesta presa in carico" in text(page) and 'data-testid="take"' not in page.text
    assert ticket(harness, number).status is TicketStatus.OPEN
    closed = post(client, path + "/chiudi", path)
    assert closed.status_code == 302 and ticket(harness, number).status is TicketStatus.CLOSED
    page = client.get(path)
    assert 'data-testid="close"' not in page.text and 'data-testid="answer-form"' not in page.text
    # a colleague's page, open since before the close
    late = client.post(path + "/rispondi", data={"csrf_token": csrf_token(client, path), "answer": "Ancora io"})
    assert late.status_code == 409 and "La richiesta è chiusa" in text(late)
    again = post(client, path + "/chiudi", path)
    assert again.status_code == 302 and "già chiusa" in text(client.get(path))
    assert [d.details["action"] for d in audit(harness, AuditEventKind.ASSISTANCE_HANDLED)] == ["close", "take"]  # newest first


# --- the wall ------------------------------------------------------------------------------------
def test_only_a_signed_in_operator_gets_in_and_forms_need_the_csrf_token(client, harness, number, app):
    assert client.get("/backoffice/assistenza").headers["Location"] == "/backoffice/accesso"
    assert client.get(f"/backoffice/assistenza/{number}").headers["Location"] == "/backoffice/accesso"
    sign_in(client, harness, create_operator(harness))
    forged = client.post(f"/backoffice/assistenza/{number}/rispondi", data={"answer": "Senza token"})
    assert forged.status_code in (400, 403)
    assert len(ticket(harness, number).messages) == 1
