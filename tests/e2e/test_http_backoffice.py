"""The operators' back-office over HTTP (R-ID-4, SPEC §8): password then TOTP, the queue, the review, the
files with ranges, the decision, and the wall between operators and customers."""
from __future__ import annotations

import re
from datetime import timedelta

import pyotp
import pytest

from areaclienti.domain.audit import AuditEventKind
from areaclienti.domain.parties import parse_party_id
from areaclienti.entrypoints.web.app import create_app

from ..sample_files import picture
from ..support import STRONG_PASSWORD, build_harness, test_settings
from ..unit.app.identification_journeys import (
    JPEG,
    OPERATOR_EMAIL,
    OPERATOR_PASSWORD,
    PDF,
    PNG,
    WEBM,
    create_operator,
    identify_until_sent,
    operator_id,
    upload,
)
from ..unit.app.journeys import EMAIL, MOBILE, register
from .journeys import CSRF, csrf_token

BO_COOKIE = "areaclienti_bo"
CUSTOMER_COOKIE = "areaclienti_session"
SECRET = re.compile(r'data-testid="totp-secret">([A-Z2-7 ]+)<')


# --- helpers --------------------------------------------------------------------------------------
def code_now(harness, secret: str) -> str:
    return pyotp.TOTP(secret).at(harness.clock.now())


def type_password(client, email: str = OPERATOR_EMAIL, password: str = OPERATOR_PASSWORD):
    token = csrf_token(client, "/backoffice/accesso")
    return client.post("/backoffice/accesso", data={"csrf_token": token, "email": email, "password": password})


def type_code(client, code: str, path: str = "/backoffice/accesso/codice", page=None):
    """The code, with the CSRF token of ``page`` (a GET of the enrolment page would draw a new secret)."""
    token = CSRF.search(page.text).group(1) if page is not None else csrf_token(client, path)
    return client.post(path, data={"csrf_token": token, "code": code})


def sign_in(client, harness, secret: str) -> None:
    harness.clock.advance(seconds=30)  # a new TOTP step: each code is accepted once
    response = type_password(client)
    assert response.status_code == 302 and response.headers["Location"] == "/backoffice/accesso/codice"
    response = type_code(client, code_now(harness, secret))
    assert response.status_code == 302, response.text
    assert response.headers["Location"] == "/backoffice/identificazioni"


def _directives(policy: str) -> dict[str, str]:
    """A Content-Security-Policy header as {directive: sources}."""
    parts = (part.strip().split(" ", 1) for part in policy.split(";") if part.strip())
    return {part[0]: part[1].strip() if len(part) > 1 else "" for part in parts}


def post(client, path: str, data: dict, page: str):
    return client.post(path, data={"csrf_token": csrf_token(client, page), **data})


def audit(harness, kind: AuditEventKind) -> list:
    with harness.container.uow() as uow:
        return [e for e in uow.audit.list(limit=10_000) if e.kind is kind]


@pytest.fixture
def secret(harness):
    return create_operator(harness)


@pytest.fixture
def customer(harness, demo):
    """A registered customer of the demo core system (Giulia) with an identification sent."""
    account_id = register(harness, demo.scenario("policyholder_vita"))
    attempt, confirmation = identify_until_sent(harness, account_id)
    assert confirmation.submitted
    return account_id, attempt


@pytest.fixture
def operator(client, harness, secret):
    sign_in(client, harness, secret)
    return operator_id(harness)


# --- signing in ------------------------------------------------------------------------------------
def test_the_first_login_enrols_an_authenticator_app_from_a_qr_code(client, harness):
    harness.container.operator_access().create(email=OPERATOR_EMAIL, display_name="Operatrice Prova",
                                               password=OPERATOR_PASSWORD)
    response = type_password(client)
    assert response.headers["Location"] == "/backoffice/attivazione"
    page = client.get("/backoffice/attivazione")
    assert page.status_code == 200
    assert '<svg' in page.text and 'class="segno"' in page.text and "<script" not in page.text
    secret = SECRET.search(page.text).group(1).replace(" ", "")
    assert len(secret) >= 32

    wrong = type_code(client, f"{(int(code_now(harness, secret)) + 1) % 10 ** 6:06d}", "/backoffice/attivazione",
                      page)
    assert wrong.status_code == 422 and "già stato usato" in wrong.text
    assert SECRET.search(wrong.text).group(1).replace(" ", "") == secret  # the same QR code, to try again

    response = type_code(client, code_now(harness, secret), "/backoffice/attivazione", wrong)
    assert response.headers["Location"] == "/backoffice/identificazioni"
    assert "Operatrice Prova" in client.get("/backoffice/identificazioni").text
    assert audit(harness, AuditEventKind.OPERATOR_TOTP_ENROLLED)

    # From now on, the code page: no new QR code.
    client.post("/backoffice/esci", data={"csrf_token": csrf_token(client, "/backoffice/identificazioni")})
    harness.clock.advance(seconds=30)
    assert type_password(client).headers["Location"] == "/backoffice/accesso/codice"
    assert client.get("/backoffice/attivazione").headers["Location"] == "/backoffice/accesso/codice"


def test_login_asks_the_password_then_the_code(client, harness, secret):
    assert client.get("/backoffice/identificazioni").headers["Location"] == "/backoffice/accesso"
    assert client.get("/backoffice/accesso/codice").headers["Location"] == "/backoffice/accesso"  # no password yet
    wrong_password = type_password(client, password="sbagliata-sbagliata")
    unknown = type_password(client, email="nessuno@ca-assicurazioni.example")
    assert wrong_password.status_code == unknown.status_code == 401
    assert "Email o password non corretti" in wrong_password.text

    sign_in(client, harness, secret)
    queue = client.get("/backoffice/identificazioni")
    assert queue.status_code == 200 and "Operatrice Prova" in queue.text
    assert client.get("/backoffice/accesso").headers["Location"] == "/backoffice/identificazioni"
    assert client.get("/backoffice").headers["Location"] == "/backoffice/identificazioni"
    assert audit(harness, AuditEventKind.OPERATOR_LOGIN_SUCCEEDED)[-1].details == {"operator": operator_id(harness)}


def test_a_wrong_code_is_refused_and_counted(client, harness, secret):
    harness.clock.advance(seconds=30)
    type_password(client)
    wrong = type_code(client, f"{(int(code_now(harness, secret)) + 1) % 10 ** 6:06d}")
    assert wrong.status_code == 422
    assert "Il codice non è corretto o è già stato usato" in wrong.text
    assert type_code(client, "12ab").status_code == 422  # not a code at all
    assert client.get("/backoffice/identificazioni").status_code == 302  # still not signed in
    failures = audit(harness, AuditEventKind.OPERATOR_LOGIN_FAILED)
    assert [e.details.get("step") for e in failures] == ["totp"]


def test_a_code_is_accepted_once(client, harness, secret, app):
    sign_in(client, harness, secret)
    used = code_now(harness, secret)
    other = app.test_client()  # someone who saw the code over the shoulder, in the same 30 seconds
    assert type_password(other).status_code == 302
    replay = type_code(other, used)
    assert replay.status_code == 422 and "già stato usato" in replay.text


def test_a_half_done_login_expires_after_five_minutes(client, harness, secret):
    harness.clock.advance(seconds=30)
    type_password(client)
    token = csrf_token(client, "/backoffice/accesso/codice")
    harness.clock.advance(minutes=5, seconds=1)
    response = client.post("/backoffice/accesso/codice", data={"csrf_token": token,
                                                               "code": code_now(harness, secret)})
    assert response.headers["Location"] == "/backoffice/accesso"
    page = client.get("/backoffice/accesso")
    assert "non è stato completato in tempo" in page.text
    assert client.get("/backoffice/accesso/codice").headers["Location"] == "/backoffice/accesso"
    assert client.get("/backoffice/identificazioni").status_code == 302


def test_login_rotates_the_session_id_and_logout_ends_it(client, harness, secret):
    client.get("/backoffice/accesso")
    anonymous = client.get_cookie(BO_COOKIE).value
    sign_in(client, harness, secret)
    signed_in = client.get_cookie(BO_COOKIE).value
    assert signed_in != anonymous

    response = client.post("/backoffice/esci", data={"csrf_token": csrf_token(client, "/backoffice/identificazioni")})
    assert response.headers["Location"] == "/backoffice/accesso"
    assert "Sei uscito dal back-office" in client.get("/backoffice/accesso").text
    assert audit(harness, AuditEventKind.OPERATOR_LOGOUT)[-1].details == {"operator": operator_id(harness)}
    client.set_cookie(BO_COOKIE, signed_in)  # the old id, replayed, is no longer a session
    assert client.get("/backoffice/identificazioni").headers["Location"] == "/backoffice/accesso"


@pytest.mark.parametrize("idle, expected", [(timedelta(minutes=9), 200), (timedelta(minutes=11), 302)])
def test_operator_sessions_end_after_ten_idle_minutes(client, harness, operator, idle, expected):
    harness.clock.advance(seconds=idle.total_seconds())
    assert client.get("/backoffice/identificazioni").status_code == expected


def test_operator_sessions_end_after_four_hours_however_active(client, harness, operator):
    for _ in range(4 * 6 + 1):  # a page every 10 minutes less a second
        harness.clock.advance(minutes=9, seconds=59)
        response = client.get("/backoffice/identificazioni")
    assert response.status_code == 302


def test_a_disabled_operator_is_out_at_the_next_request(client, harness, operator):
    with harness.container.uow() as uow:
        record = uow.operators.get(operator)
        record.active = False
        uow.operators.save(record)
        uow.commit()
    response = client.get("/backoffice/identificazioni")
    assert response.headers["Location"] == "/backoffice/accesso"
    assert "non è più valido" in client.get("/backoffice/accesso").text


def test_a_reset_second_factor_ends_the_sessions_too(client, harness, operator):
    harness.container.operator_access().reset_second_factor(OPERATOR_EMAIL)
    assert client.get("/backoffice/identificazioni").headers["Location"] == "/backoffice/accesso"


def test_a_session_from_before_a_reset_stays_out_after_the_new_enrolment(client, harness, operator, app):
    """A lost (or stolen) phone: the reset must end the sessions it opened, even if the operator enrols a new
    authenticator before the old session's next request."""
    harness.container.operator_access().reset_second_factor(OPERATOR_EMAIL)
    harness.clock.advance(seconds=30)
    other = app.test_client()
    assert type_password(other).headers["Location"] == "/backoffice/attivazione"
    page = other.get("/backoffice/attivazione")
    secret = SECRET.search(page.text).group(1).replace(" ", "")
    assert type_code(other, code_now(harness, secret), "/backoffice/attivazione", page).status_code == 302
    assert other.get("/backoffice/identificazioni").status_code == 200
    assert client.get("/backoffice/identificazioni").headers["Location"] == "/backoffice/accesso"


# --- two worlds ---------------------------------------------------------------------------------------
def _customer_signs_in(client, harness, demo) -> str:
    register(harness, demo.scenario("policyholder_vita"))
    token = csrf_token(client, "/accesso")
    response = client.post("/accesso", data={"csrf_token": token, "email": EMAIL, "password": STRONG_PASSWORD})
    assert response.headers["Location"] == "/area-clienti"
    return client.get_cookie(CUSTOMER_COOKIE).value


def test_a_customer_session_never_opens_the_backoffice(client, harness, demo, secret):
    customer_sid = _customer_signs_in(client, harness, demo)
    assert client.get("/area-clienti").status_code == 200
    for path in ("/backoffice/identificazioni", "/backoffice/identificazioni/x/video"):
        assert client.get(path).headers["Location"] == "/backoffice/accesso"
    # Even its id put in the back-office cookie: another realm, an anonymous session.
    client.set_cookie(BO_COOKIE, customer_sid)
    assert client.get("/backoffice/identificazioni").headers["Location"] == "/backoffice/accesso"
    assert "Accesso operatori" in client.get("/backoffice/accesso").text
    client.set_cookie(CUSTOMER_COOKIE, customer_sid)
    assert client.get("/area-clienti").status_code == 200  # the customer is still signed in on the site


def test_an_operator_session_never_opens_the_customer_area(client, harness, demo, operator):
    operator_sid = client.get_cookie(BO_COOKIE).value
    assert client.get("/area-clienti").headers["Location"].startswith("/accesso")
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {operator_sid}"}).status_code == 401
    client.set_cookie(CUSTOMER_COOKIE, operator_sid)
    assert client.get("/area-clienti").headers["Location"].startswith("/accesso")
    assert client.get("/backoffice/identificazioni").status_code == 200  # still signed in on its side


def test_an_operator_session_shown_to_the_customer_side_is_not_kept_alive_by_it(client, harness, operator):
    """Another realm's manager must not judge the session: neither refresh it with the customers' longer
    idle time (15 min) nor end it."""
    operator_sid = client.get_cookie(BO_COOKIE).value
    harness.clock.advance(minutes=9)
    client.set_cookie(CUSTOMER_COOKIE, operator_sid)
    assert client.get("/area-clienti").headers["Location"].startswith("/accesso")
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {operator_sid}"}).status_code == 401
    harness.clock.advance(minutes=2)  # 11 minutes since the operator's last page: past the 10 minutes
    assert client.get("/backoffice/identificazioni").headers["Location"] == "/backoffice/accesso"


def test_a_customer_session_shown_to_the_backoffice_is_not_ended_by_its_shorter_idle_time(client, harness, demo):
    customer_sid = _customer_signs_in(client, harness, demo)
    harness.clock.advance(minutes=11)  # idle for an operator (10 min), not for a customer (15 min)
    client.set_cookie(BO_COOKIE, customer_sid)
    assert client.get("/backoffice/identificazioni").headers["Location"] == "/backoffice/accesso"
    client.set_cookie(CUSTOMER_COOKIE, customer_sid)
    assert client.get("/area-clienti").status_code == 200


def test_production_cookie_of_the_backoffice(tmp_path):
    settings = test_settings(tmp_path, env="production")
    app = create_app(settings, build_harness(settings).container)
    response = app.test_client().get("/backoffice/accesso", base_url="https://localhost")
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("__Host-areaclienti-bo=")
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/" in cookie
    assert response.headers["Cache-Control"] == "private, no-store"


# --- the queue and the review ------------------------------------------------------------------------
def test_the_queue_lists_the_longest_waiting_first(client, harness, demo, secret):
    first = register(harness, demo.scenario("policyholder_vita"))
    identify_until_sent(harness, first)
    harness.clock.advance(minutes=30)
    second = register(harness, demo.scenario("policyholder_danni"), email="luca@example.it",
                      mobile="+393481112233")
    identify_until_sent(harness, second)
    harness.clock.advance(minutes=90)
    sign_in(client, harness, secret)

    page = client.get("/backoffice/identificazioni").text
    assert "2 identificazioni in attesa" in page
    rows = re.findall(r'<tr data-testid="queue-item".*?</tr>', page, re.S)
    assert len(rows) == 2
    giulia, luca = demo.scenario("policyholder_vita").tax_code, demo.scenario("policyholder_danni").tax_code
    assert giulia in rows[0] and "in attesa da 2 ore" in rows[0]
    assert luca in rows[1] and "in attesa da 1 ora" in rows[1]
    assert all("Prima identificazione" in row for row in rows)


def test_the_review_page_puts_the_document_next_to_the_core_system_data(client, harness, demo, customer,
                                                                         operator):
    _, attempt = customer
    page = client.get(f"/backoffice/identificazioni/{attempt.id}")
    assert page.status_code == 200
    text = page.text
    assert re.search(r'data-testid="keyword">.*?<strong>' + re.escape(attempt.keyword) + "</strong>", text, re.S)
    assert (f'<video class="bo-video" controls preload="metadata" '
            f'src="/backoffice/identificazioni/{attempt.id}/video"') in text
    assert f'src="/backoffice/identificazioni/{attempt.id}/documento/0"' in text
    assert f'src="/backoffice/identificazioni/{attempt.id}/documento/1"' in text
    typed = re.search(r'data-testid="typed-document">(.*?)</section>', text, re.S).group(1)
    assert "Carta d&#39;identità" in typed.replace("'", "&#39;") and "CA12345AB" in typed and "31/05/2030" in typed
    tax_code = demo.scenario("policyholder_vita").tax_code
    party = harness.container.core_system().find_party(parse_party_id(tax_code))
    personal = re.search(r'data-testid="personal-data">(.*?)</section>', text, re.S).group(1)
    assert tax_code in personal and EMAIL in personal
    assert party.name in personal and party.birth_date.strftime("%d/%m/%Y") in personal
    assert 'data-testid="registered-document"' not in text  # a first identification: nothing in force yet
    assert 'name="reason"' in text and 'value="other"' in text
    assert "<script" not in text and "style=" not in text
    assert page.headers["Cache-Control"] == "private, no-store"


def test_an_unknown_attempt_is_not_found(client, harness, operator, customer):
    assert client.get("/backoffice/identificazioni/nessuno").status_code == 404
    assert client.get("/backoffice/identificazioni/nessuno/video").status_code == 404
    _, attempt = customer
    assert client.get(f"/backoffice/identificazioni/{attempt.id}/documento/2").status_code == 404
    page = client.get("/backoffice/identificazioni/nessuno")
    assert "Back-office" in page.text and "Area Clienti" in page.text and "customer.home" not in page.text


def test_a_draft_is_not_shown_to_operators(client, harness, demo, operator):
    account_id = register(harness, demo.scenario("policyholder_vita"))
    draft = harness.container.identification().start(account_id)
    assert client.get(f"/backoffice/identificazioni/{draft.id}").status_code == 404


# --- the files ---------------------------------------------------------------------------------------
def test_the_video_answers_range_requests_so_the_player_can_seek(client, harness, customer, operator):
    _, attempt = customer
    path = f"/backoffice/identificazioni/{attempt.id}/video"
    whole = client.get(path)
    assert whole.status_code == 200 and whole.data == WEBM
    assert whole.headers["Accept-Ranges"] == "bytes"
    assert whole.headers["Content-Type"] == "video/webm"
    assert whole.headers["Cache-Control"] == "private, no-store"

    part = client.get(path, headers={"Range": "bytes=100-199"})
    assert part.status_code == 206
    assert part.data == WEBM[100:200]
    assert part.headers["Content-Range"] == f"bytes 100-199/{len(WEBM)}"
    assert part.headers["Content-Length"] == "100"
    tail = client.get(path, headers={"Range": "bytes=-10"})
    assert tail.status_code == 206 and tail.data == WEBM[-10:]
    assert client.get(path, headers={"Range": f"bytes={len(WEBM) + 5}-"}).status_code == 416


def test_document_images_are_served_inline_under_a_server_made_name(client, harness, customer, operator):
    _, attempt = customer
    front = client.get(f"/backoffice/identificazioni/{attempt.id}/documento/0")
    back = client.get(f"/backoffice/identificazioni/{attempt.id}/documento/1")
    assert picture(front.data) == picture(JPEG) and front.headers["Content-Type"] == "image/jpeg"
    assert picture(back.data) == picture(PNG) and back.headers["Content-Type"] == "image/png"
    assert front.headers["Content-Disposition"] == "inline; filename=documento-1.jpg"
    assert back.headers["Content-Disposition"] == "inline; filename=documento-2.png"
    assert front.headers["X-Content-Type-Options"] == "nosniff"
    assert front.headers["Cache-Control"] == "private, no-store"
    for image in (front, back):
        csp = _directives(image.headers["Content-Security-Policy"])
        assert "sandbox" in csp and csp["default-src"] == "'none'" and csp["img-src"] == "'self'"


def test_the_video_is_typed_sniff_proof_and_allowed_nothing(client, harness, customer, operator):
    _, attempt = customer
    video = client.get(f"/backoffice/identificazioni/{attempt.id}/video")
    assert video.status_code == 200 and video.headers["Content-Type"] == "video/webm"
    assert video.headers["X-Content-Type-Options"] == "nosniff"
    csp = _directives(video.headers["Content-Security-Policy"])
    assert csp["default-src"] == "'none'" and "sandbox" in csp
    assert not {"media-src", "object-src", "img-src", "script-src"} & set(csp)


def test_a_pdf_document_is_a_download_under_a_sandbox(client, harness, demo, operator):
    from areaclienti.app.use_cases.identification import GiveDocument, SendDocumentFiles
    from areaclienti.domain.identification import DocumentType

    account_id = register(harness, demo.scenario("policyholder_vita"))
    use_case = harness.container.identification()
    attempt = use_case.start(account_id)
    use_case.send_video(account_id, attempt.id, upload(WEBM, "selfie.webm"))
    use_case.give_document(GiveDocument(account_id, attempt.id, DocumentType.PASSAPORTO, "YA1234567",
                                        harness.clock.now().date() + timedelta(days=900)))
    use_case.send_document_files(SendDocumentFiles(account_id, attempt.id, upload(PDF, "documento.pdf")))

    page = client.get(f"/backoffice/identificazioni/{attempt.id}").text
    assert f'href="/backoffice/identificazioni/{attempt.id}/documento/0" download' in page
    assert "Scarica il PDF" in page
    assert "<img" not in page and "<iframe" not in page and "<object" not in page and "<embed" not in page
    pdf = client.get(f"/backoffice/identificazioni/{attempt.id}/documento/0")
    assert pdf.data == PDF and pdf.headers["Content-Type"] == "application/pdf"
    assert pdf.headers["Content-Disposition"] == "attachment; filename=documento-1.pdf"
    assert pdf.headers["X-Content-Type-Options"] == "nosniff"
    csp = _directives(pdf.headers["Content-Security-Policy"])
    assert "sandbox" in csp and csp["default-src"] == "'none'" and "object-src" not in csp


def test_files_are_never_served_without_an_operator(client, harness, customer, app):
    _, attempt = customer
    for path in (f"/backoffice/identificazioni/{attempt.id}/video",
                 f"/backoffice/identificazioni/{attempt.id}/documento/0"):
        response = app.test_client().get(path, headers={"Range": "bytes=0-10"})
        assert response.status_code == 302 and response.headers["Location"] == "/backoffice/accesso"
        assert response.data[:4] != WEBM[:4] and JPEG[:3] not in response.data


# --- the decision ------------------------------------------------------------------------------------
def test_approving_identifies_the_customer_and_is_audited(client, harness, customer, operator):
    account_id, attempt = customer
    page = f"/backoffice/identificazioni/{attempt.id}"
    response = post(client, f"{page}/approva", {"note": "tutto in ordine"}, page)
    assert response.headers["Location"] == "/backoffice/identificazioni"
    queue = client.get("/backoffice/identificazioni").text
    assert "Identificazione approvata" in queue and "0 identificazioni in attesa" in queue

    [event] = audit(harness, AuditEventKind.IDENTIFICATION_APPROVED)
    assert event.account_id == account_id
    assert event.details["operator"] == operator and event.details["attempt"] == attempt.id
    assert harness.emails_to(EMAIL)[-1].subject  # the customer is told
    with harness.container.uow() as uow:
        assert uow.accounts.get(account_id).registered_document.document.number == "CA12345AB"

    decided = client.get(page).text
    decision = re.search(r'data-testid="decision">(.*?)</section>', decided, re.S).group(1)
    assert "Identificazione approvata" in decision and "Operatrice Prova" in decision
    assert "tutto in ordine" in decision and "25/11/2026" in decision
    assert 'action="' + page + '/approva"' not in decided  # read-only now

    again = post(client, f"{page}/rifiuta", {"reason": "other", "note": "ripensamento"}, page)
    assert again.headers["Location"] == page
    assert "già stata decisa" in client.get(page).text
    assert not audit(harness, AuditEventKind.IDENTIFICATION_REJECTED)


def test_rejecting_with_other_asks_for_a_note(client, harness, customer, operator):
    account_id, attempt = customer
    page = f"/backoffice/identificazioni/{attempt.id}"
    response = post(client, f"{page}/rifiuta", {"reason": "other", "note": "  "}, page)
    assert response.status_code == 422
    assert "Scrivi il motivo del rifiuto nel campo note." in response.text
    assert 'value="other" selected' in response.text
    assert post(client, f"{page}/rifiuta", {"reason": "boh", "note": ""}, page).status_code == 422
    assert post(client, f"{page}/rifiuta", {"note": "x"}, page).status_code == 422
    assert not audit(harness, AuditEventKind.IDENTIFICATION_REJECTED)

    response = post(client, f"{page}/rifiuta", {"reason": "other", "note": "Serve il retro del documento"}, page)
    assert response.headers["Location"] == "/backoffice/identificazioni"
    assert "Identificazione rifiutata" in client.get("/backoffice/identificazioni").text
    [event] = audit(harness, AuditEventKind.IDENTIFICATION_REJECTED)
    assert event.details["operator"] == operator and event.details["reason"] == "other"
    assert event.details["note"] == "Serve il retro del documento" and event.account_id == account_id
    decision = client.get(page).text
    assert "Identificazione rifiutata" in decision and "Altro (specificare nelle note)" in decision


def test_rejecting_with_a_reason(client, harness, customer, operator):
    _, attempt = customer
    page = f"/backoffice/identificazioni/{attempt.id}"
    response = post(client, f"{page}/rifiuta", {"reason": "keyword_missing"}, page)
    assert response.headers["Location"] == "/backoffice/identificazioni"
    [event] = audit(harness, AuditEventKind.IDENTIFICATION_REJECTED)
    assert event.details["reason"] == "keyword_missing"
    assert "Parola chiave non pronunciata o diversa" in client.get(page).text


def test_a_document_expired_while_waiting_cannot_be_approved_and_says_why(client, harness, demo, secret):
    account_id = register(harness, demo.scenario("policyholder_vita"))
    attempt, _ = identify_until_sent(harness, account_id, expires_on=harness.clock.now().date() + timedelta(days=1))
    harness.clock.advance(days=3)
    sign_in(client, harness, secret)
    page = f"/backoffice/identificazioni/{attempt.id}"
    response = post(client, f"{page}/approva", {"note": ""}, page)
    assert response.status_code == 409  # not a 500: the operator is told, and may still reject
    assert "Il documento è scaduto mentre l&#39;identificazione era in attesa" in response.text
    assert 'action="' + page + '/rifiuta"' in response.text
    assert not audit(harness, AuditEventKind.IDENTIFICATION_APPROVED)
    assert post(client, f"{page}/rifiuta", {"reason": "document_not_valid"}, page).status_code == 302


def test_decisions_need_the_csrf_token(client, harness, customer, operator):
    _, attempt = customer
    response = client.post(f"/backoffice/identificazioni/{attempt.id}/approva", data={"note": ""})
    assert response.status_code == 400
    assert not audit(harness, AuditEventKind.IDENTIFICATION_APPROVED)


def test_a_document_update_shows_the_document_in_force(client, harness, customer, operator):
    account_id, attempt = customer
    page = f"/backoffice/identificazioni/{attempt.id}"
    post(client, f"{page}/approva", {}, page)
    harness.clock.advance(minutes=2)  # past the cool-down between two SMS

    update, confirmation = identify_until_sent(harness, account_id, number="CA54321CD")
    assert not confirmation.submitted  # a document update waits for the SMS code (R-ID-6)
    harness.container.identification().confirm_with_code(account_id, update.id, harness.code_sent_to(MOBILE))

    queue = client.get("/backoffice/identificazioni").text
    assert "Aggiornamento del documento" in queue
    text = client.get(f"/backoffice/identificazioni/{update.id}").text
    in_force = re.search(r'data-testid="registered-document">(.*?)</section>', text, re.S).group(1)
    assert "CA12345AB" in in_force and "31/05/2030" in in_force
    typed = re.search(r'data-testid="typed-document">(.*?)</section>', text, re.S).group(1)
    assert "CA54321CD" in typed


# --- development -------------------------------------------------------------------------------------
def test_the_demo_operator_walks_in_after_demo_load(client, harness):
    from areaclienti.entrypoints.demo import load_demo_operator

    assert load_demo_operator(harness.container) is True
    assert load_demo_operator(harness.container) is False
    shown = client.get("/_dev/demo-customers").json["operator"]
    assert shown["login"].endswith("/backoffice/accesso")
    assert type_password(client, shown["email"], shown["password"]).headers["Location"] == "/backoffice/attivazione"
    page = client.get("/backoffice/attivazione")
    secret = SECRET.search(page.text).group(1).replace(" ", "")
    response = type_code(client, code_now(harness, secret), "/backoffice/attivazione", page)
    assert response.headers["Location"] == "/backoffice/identificazioni"
    assert "Operatore Demo" in client.get("/backoffice/identificazioni").text
    assert shown["email"] in client.get("/_dev/outbox").text
