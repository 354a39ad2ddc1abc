"""The customer's pages for identification by video selfie, over HTTP (R-ID-1..3, R-ID-5, R-ID-6, SPEC §8)."""
from __future__ import annotations

import html
import io
import re
from datetime import date

import pytest
from dependency_injector import providers

from areaclienti.domain.identification import AttemptKind, AttemptStatus, RejectionReason, UploadLimits

from ..sample_files import HOSTILE_PDFS, NOT_A_PDF, PAYLOAD_HTML, jpeg_with_gps, picture, png_header_only, polyglot
from ..support import STRONG_PASSWORD
from ..unit.app.identification_journeys import JPEG, PDF, PNG, WEBM
from .journeys import csrf_token, register_via_api

BASE = "/area-clienti/identificazione"
EXPIRY = date(2030, 5, 31)
ATTEMPT_IN_URL = re.compile(rf"{BASE}/([^/]+)/")


# --- helpers -------------------------------------------------------------------------------------
def _sign_in(client, harness, demo, scenario: str = "policyholder_vita", *, email: str = "cliente@example.it",
             mobile: str = "+393471112233") -> str:
    """Register a demo customer, log in on the site; returns the account id."""
    email = register_via_api(client, harness, demo.scenario(scenario), email=email, mobile=mobile)
    _log_in(client, email)
    with harness.container.uow() as uow:
        return uow.accounts.get_by_email(email).id


def _log_in(client, email: str) -> None:
    response = client.post("/accesso", data={"csrf_token": csrf_token(client, "/accesso"), "email": email,
                                             "password": STRONG_PASSWORD})
    assert response.status_code == 302, _text(response)


def _token(client) -> str:
    return csrf_token(client, BASE)


def _json(client) -> dict:
    return {"Accept": "application/json", "X-CSRFToken": _token(client)}


def _start(client) -> str:
    """«avvia video selfie»; returns the attempt id from the URL of the step it leads to."""
    response = client.post(f"{BASE}/avvia", data={"csrf_token": _token(client)})
    assert response.status_code == 303, _text(response)
    match = ATTEMPT_IN_URL.match(response.headers["Location"])
    assert match, response.headers["Location"]
    return match.group(1)


def _send_video(client, attempt_id: str, data: bytes = WEBM, name: str = "video-selfie.webm"):
    return client.post(f"{BASE}/{attempt_id}/video", headers=_json(client),
                       data={"video": (io.BytesIO(data), name)}, content_type="multipart/form-data")


def _give_document(client, attempt_id: str, *, number: str = "CA12345AB", expires_on: str = EXPIRY.isoformat(),
                   document_type: str = "carta_identita"):
    return client.post(f"{BASE}/{attempt_id}/documento", data={
        "csrf_token": _token(client), "document_type": document_type, "document_number": number,
        "expires_on": expires_on})


def _send_files(client, attempt_id: str, front=(JPEG, "fronte.jpg"), back=(PNG, "retro.png")):
    data = {"csrf_token": _token(client), "mode": "both" if back else "single",
            "front": (io.BytesIO(front[0]), front[1])}
    if back:
        data["back"] = (io.BytesIO(back[0]), back[1])
    return client.post(f"{BASE}/{attempt_id}/file", data=data, content_type="multipart/form-data")


def _identify(client, *, number: str = "CA12345AB", expires_on: date = EXPIRY) -> str:
    """The whole first identification through the pages, up to «conferma invio»; returns the attempt id."""
    attempt_id = _start(client)
    assert _send_video(client, attempt_id).status_code == 200
    assert _give_document(client, attempt_id, number=number, expires_on=expires_on.isoformat()).status_code == 303
    response = _send_files(client, attempt_id)
    assert response.status_code == 303, _text(response)
    return attempt_id


def _text(response) -> str:
    """The page as the customer reads it (entities decoded)."""
    return html.unescape(response.get_data(as_text=True))


def _attempt(harness, attempt_id: str):
    with harness.container.uow() as uow:
        return uow.identifications.get(attempt_id)


def _notice_gate(client, path: str = "/area-clienti") -> str | None:
    match = re.search(r'data-testid="identification-notice" data-gate="([a-z_]+)"', _text(client.get(path)))
    return match.group(1) if match else None


# --- the happy path ------------------------------------------------------------------------------
def test_first_identification_from_the_preparation_page_to_verifica_in_corso(client, harness, demo):
    account_id = _sign_in(client, harness, demo)

    prepare = client.get(BASE)
    assert prepare.status_code == 200
    assert "carta d'identità, patente o passaporto" in _text(prepare)
    assert "fotocamera e microfono" in _text(prepare) and 'id="tutorial"' in _text(prepare)
    assert 'id="start-selfie"' in _text(prepare) and "avvia video selfie" in _text(prepare)

    started = client.post(f"{BASE}/avvia", data={"csrf_token": _token(client)})
    assert started.status_code == 303 and started.headers["Location"].endswith("/video")
    attempt_id = ATTEMPT_IN_URL.match(started.headers["Location"]).group(1)
    recorder = client.get(f"{BASE}/{attempt_id}/video")
    keyword = _attempt(harness, attempt_id).keyword
    assert recorder.status_code == 200
    assert f'data-testid="keyword" lang="it">{keyword}<' in _text(recorder)
    for element in ('id="recorder"', 'data-state="idle"', 'id="start-recording"', 'id="stop-recording"',
                    'id="retake"', 'id="upload-video"', 'accept="video/*" capture="user"', "js/selfie.js",
                    "completa video selfie", "registra di nuovo"):
        assert element in _text(recorder), element
    assert "<script>" not in _text(recorder) and "style=" not in _text(recorder)  # CSP: no inline script or style

    retake = client.post(f"{BASE}/{attempt_id}/nuova-registrazione", headers=_json(client))
    assert retake.status_code == 200 and retake.json["keyword"] != keyword
    assert _attempt(harness, attempt_id).keyword == retake.json["keyword"]

    sent = _send_video(client, attempt_id)
    assert sent.status_code == 200
    assert sent.json == {"next": f"{BASE}/{attempt_id}/documento"}

    form = client.get(f"{BASE}/{attempt_id}/documento")
    assert form.status_code == 200 and f'min="{date(2026, 11, 25).isoformat()}"' in _text(form)
    response = _give_document(client, attempt_id, number="ca 12345 ab")
    assert response.status_code == 303 and response.headers["Location"] == f"{BASE}/{attempt_id}/file"

    upload = client.get(f"{BASE}/{attempt_id}/file")
    assert upload.status_code == 200 and "CA•••••AB" in _text(upload) and "conferma invio" in _text(upload)
    response = _send_files(client, attempt_id)
    assert response.status_code == 303 and response.headers["Location"] == f"{BASE}/verifica"

    status = client.get(f"{BASE}/verifica")
    assert status.status_code == 200
    assert "Verifica in corso" in _text(status) and "non si possono più modificare" in _text(status)
    assert "Carta d'identità" in _text(status) and "CA•••••AB" in _text(status) and "31/05/2030" in _text(status)
    assert "CA12345AB" not in _text(status)
    assert f'src="{BASE}/{attempt_id}/allegati/0"' in _text(status)
    assert f'src="{BASE}/{attempt_id}/allegati/1"' in _text(status)

    image = client.get(f"{BASE}/{attempt_id}/allegati/0")
    assert image.status_code == 200 and picture(image.data) == picture(JPEG) and image.mimetype == "image/jpeg"
    assert image.headers["Cache-Control"] == "private, no-store"
    assert client.get(f"{BASE}/{attempt_id}/allegati/1").mimetype == "image/png"
    assert client.get(f"{BASE}/{attempt_id}/allegati/2").status_code == 404

    attempt = _attempt(harness, attempt_id)
    assert attempt.status is AttemptStatus.SUBMITTED and attempt.kind is AttemptKind.FIRST
    assert "identification_submitted" in harness.audit_kinds(account_id)
    assert _notice_gate(client) == "under_review"
    # Nothing can be changed any more, and the pages say so.
    assert _text(client.get(BASE)).count('id="start-selfie"') == 0
    assert client.get(f"{BASE}/{attempt_id}/documento").headers["Location"] == f"{BASE}/verifica"
    changed = _give_document(client, attempt_id, number="CA54321ZZ")
    assert changed.status_code == 409 and "non è più possibile modificarli" in _text(changed)


def test_a_browser_without_mediarecorder_sends_the_video_with_the_plain_form(client, harness, demo):
    _sign_in(client, harness, demo)
    attempt_id = _start(client)
    response = client.post(f"{BASE}/{attempt_id}/video", content_type="multipart/form-data", data={
        "csrf_token": _token(client), "video": (io.BytesIO(WEBM), "VID_20261125.webm")})
    assert response.status_code == 303 and response.headers["Location"] == f"{BASE}/{attempt_id}/documento"
    empty = client.post(f"{BASE}/{attempt_id}/video", content_type="multipart/form-data", data={
        "csrf_token": _token(client), "video": (io.BytesIO(b""), "")})
    assert empty.status_code == 422 and "Scegli il file del video." in _text(empty)
    assert 'id="fallback-form"' in _text(empty)  # the same page again, with the message


def test_a_video_recorded_before_a_retake_in_another_tab_is_refused(app, client, harness, demo):
    """Tab A shows keyword 1 and records; tab B asks «registra di nuovo» (keyword 2); A's video says keyword 1
    and must not be kept under keyword 2, where the operator could only reject it."""
    _sign_in(client, harness, demo)
    attempt_id = _start(client)
    recorder = _text(client.get(f"{BASE}/{attempt_id}/video"))
    assert 'data-take="1"' in recorder and 'name="take" value="1"' in recorder
    retake = client.post(f"{BASE}/{attempt_id}/nuova-registrazione", headers=_json(client))
    assert retake.json["take"] == 2

    late = client.post(f"{BASE}/{attempt_id}/video", headers=_json(client), content_type="multipart/form-data",
                       data={"video": (io.BytesIO(WEBM), "video-selfie.webm"), "take": "1"})
    assert late.status_code == 409 and late.json["code"] == "keyword_changed"
    assert late.json["keyword"] == retake.json["keyword"] and late.json["take"] == 2
    assert late.json["message"] == f"Nuova registrazione: pronuncia la nuova parola chiave «{retake.json['keyword']}»."
    assert _attempt(harness, attempt_id).video is None
    page = client.post(f"{BASE}/{attempt_id}/video", content_type="multipart/form-data", data={
        "csrf_token": _token(client), "video": (io.BytesIO(WEBM), "VID.webm"), "take": "1"})
    assert page.status_code == 409 and f'lang="it">{retake.json["keyword"]}<' in _text(page)
    assert 'name="take" value="2"' in _text(page)

    current = client.post(f"{BASE}/{attempt_id}/video", headers=_json(client), content_type="multipart/form-data",
                          data={"video": (io.BytesIO(WEBM), "video-selfie.webm"), "take": "2"})
    assert current.status_code == 200 and _attempt(harness, attempt_id).video is not None


def test_a_video_larger_than_the_site_wide_limit_is_accepted_on_the_upload_route(client, harness, demo):
    _sign_in(client, harness, demo)
    attempt_id = _start(client)
    big = WEBM + b"\0" * (3 * 1024 * 1024)  # more than the 1 MB every other form may send
    assert _send_video(client, attempt_id, big).status_code == 200
    assert _attempt(harness, attempt_id).video.size == len(big)


def test_a_rejected_customer_reads_the_reason_and_may_repeat(client, harness, demo):
    _sign_in(client, harness, demo)
    attempt_id = _identify(client)
    harness.container.review().reject(operator_id="operatore-1", attempt_id=attempt_id,
                                      reason=RejectionReason.KEYWORD_MISSING)
    page = client.get(BASE)
    assert "Nel video non si sente pronunciare la parola chiave indicata." in _text(page)
    assert 'id="start-selfie"' in _text(page)
    assert _notice_gate(client) == "not_identified"
    assert _start(client) != attempt_id


def test_an_open_draft_is_resumed_and_can_be_dropped(client, harness, demo):
    _sign_in(client, harness, demo)
    attempt_id = _start(client)
    assert _send_video(client, attempt_id).status_code == 200
    assert client.get(f"{BASE}/prosegui").headers["Location"] == f"{BASE}/{attempt_id}/documento"
    assert _start(client) == attempt_id  # «avvia video selfie» again: the same draft, where it was left
    assert 'id="resume-selfie"' in _text(client.get(BASE))
    response = client.post(f"{BASE}/{attempt_id}/annulla", data={"csrf_token": _token(client)})
    assert response.status_code == 303
    assert _attempt(harness, attempt_id).status is AttemptStatus.ABANDONED
    twice = client.post(f"{BASE}/{attempt_id}/annulla", data={"csrf_token": _token(client)})
    assert twice.status_code == 409 and "Questa operazione non è possibile" in _text(twice)
    assert client.get(f"{BASE}/{attempt_id}/video").status_code == 404  # only the open attempt has pages
    assert _start(client) != attempt_id


# --- the document update (R-ID-6) ----------------------------------------------------------------
def test_document_update_from_the_profile_is_confirmed_with_an_sms_code(client, harness, demo):
    mobile = "+393471112233"
    account_id = _sign_in(client, harness, demo, mobile=mobile)
    first = _identify(client)
    harness.container.review().approve(operator_id="operatore-1", attempt_id=first)
    assert _notice_gate(client) is None

    profile = client.get("/area-clienti/profilo")
    assert "aggiorna il tuo documento d'identità" in _text(profile)
    assert "CA•••••AB" in _text(profile) and "31/05/2030" in _text(profile)
    assert f'href="{BASE}" id="start-selfie-from-profile"' in _text(profile)
    assert 'href="/area-clienti/profilo" data-testid="profile-link"' in _text(profile)  # the name, top right
    assert "Aggiorna il tuo documento d'identità" in _text(client.get(BASE))

    harness.clock.advance(minutes=2)
    attempt_id = _start(client)
    assert _attempt(harness, attempt_id).kind is AttemptKind.DOCUMENT_UPDATE
    assert _send_video(client, attempt_id).status_code == 200
    assert _give_document(client, attempt_id, number="YA7654321", document_type="passaporto",
                          expires_on="2035-01-31").status_code == 303
    sms_before = len(harness.sms.to(mobile))
    response = _send_files(client, attempt_id, front=(PDF, "passaporto.pdf"), back=None)
    assert response.status_code == 303 and response.headers["Location"] == f"{BASE}/{attempt_id}/codice"
    assert len(harness.sms.to(mobile)) == sms_before + 1
    assert _attempt(harness, attempt_id).status is AttemptStatus.AWAITING_CONFIRMATION

    page = client.get(f"{BASE}/{attempt_id}/codice")
    assert page.status_code == 200 and 'data-testid="otp-destination"' in _text(page)
    assert "invia un nuovo codice" in _text(page).lower()
    code = harness.code_sent_to(mobile)
    wrong = client.post(f"{BASE}/{attempt_id}/codice", data={"csrf_token": _token(client),
                                                            "code": "00000" if code != "00000" else "11111"})
    assert wrong.status_code == 422 and "Il codice non è corretto" in _text(wrong)

    harness.clock.advance(seconds=61)
    resent = client.post(f"{BASE}/{attempt_id}/codice/nuovo", data={"csrf_token": _token(client)})
    assert resent.status_code == 303
    assert len(harness.sms.to(mobile)) == sms_before + 2
    response = client.post(f"{BASE}/{attempt_id}/codice", data={"csrf_token": _token(client),
                                                                "code": harness.code_sent_to(mobile)})
    assert response.status_code == 303 and response.headers["Location"] == f"{BASE}/verifica"
    assert _attempt(harness, attempt_id).status is AttemptStatus.SUBMITTED
    status = _text(client.get(f"{BASE}/verifica"))
    assert "Passaporto" in status and "YA•••••21" in status and "resta registrato il documento precedente" in status
    assert "Scarica il PDF del documento" in status
    assert _notice_gate(client) is None  # the document in force is still valid: nothing is taken away
    assert 'data-testid="identity-under-review"' in _text(client.get("/area-clienti/profilo"))
    assert "identification_submitted" in harness.audit_kinds(account_id)


# --- bad input, answered in Italian ------------------------------------------------------------------
@pytest.fixture
def drafted(client, harness, demo):
    """A signed-in customer whose draft has the video and the document data."""
    _sign_in(client, harness, demo)
    attempt_id = _start(client)
    assert _send_video(client, attempt_id).status_code == 200
    assert _give_document(client, attempt_id).status_code == 303
    return attempt_id


def test_a_file_of_another_type_renamed_to_jpg_is_refused_by_its_content(client, harness, drafted):
    executable = b"MZ\x90\x00\x03\x00\x00\x00" + b"\0" * 600
    response = _send_files(client, drafted, front=(executable, "fronte.jpg"))
    assert response.status_code == 415
    assert 'data-testid="error-front"' in _text(response)
    assert "«fronte.jpg» non è un'immagine JPEG o PNG né un PDF" in _text(response)
    assert "CA•••••AB" in _text(response)  # the document data are still there
    assert _attempt(harness, drafted).status is AttemptStatus.DRAFT
    assert _attempt(harness, drafted).document_files == ()


@pytest.mark.parametrize("kind", sorted(HOSTILE_PDFS))
def test_a_pdf_with_active_content_is_refused_in_italian(client, harness, drafted, kind):
    response = _send_files(client, drafted, front=(HOSTILE_PDFS[kind](), "documento.pdf"), back=None)
    assert response.status_code == 422
    page = _text(response)
    assert 'data-testid="error-front"' in page
    if kind == "encrypted":
        assert "Il PDF «documento.pdf» è protetto da password o cifrato" in page
    else:
        assert ("Il PDF «documento.pdf» contiene elementi che si attivano all'apertura (script, azioni automatiche, "
                "moduli XFA o file allegati) e per sicurezza non lo accettiamo") in page
    assert _attempt(harness, drafted).document_files == ()
    assert all(key.endswith(".webm") for key in harness.container.storage().files)


@pytest.mark.parametrize("data, name, message", [
    (NOT_A_PDF, "documento.pdf", "Il file «documento.pdf» non si riesce ad aprire"),
    (PNG[:300], "fronte.png", "Il file «fronte.png» non si riesce ad aprire"),
    (png_header_only(10_000, 10_000), "fronte.png", "L'immagine «fronte.png» ha troppi pixel (più di 50 milioni)"),
], ids=["pdf", "image", "bomb"])
def test_a_file_that_cannot_be_read_safely_is_refused_in_italian(client, harness, drafted, data, name, message):
    response = _send_files(client, drafted, front=(data, name), back=None)
    assert response.status_code == 422 and message in _text(response)
    assert _attempt(harness, drafted).document_files == ()


def test_the_customer_downloads_a_pdf_and_sees_images_but_never_gets_the_video_back(client, harness, drafted):
    assert _send_files(client, drafted, front=(PDF, "documento.pdf"), back=None).status_code == 303
    pdf = client.get(f"{BASE}/{drafted}/allegati/0")
    assert pdf.status_code == 200 and pdf.data == PDF and pdf.mimetype == "application/pdf"
    assert pdf.headers["Content-Disposition"] == "attachment; filename=documento-1.pdf"
    assert pdf.headers["X-Content-Type-Options"] == "nosniff"
    csp = pdf.headers["Content-Security-Policy"]
    assert "sandbox" in csp and "default-src 'none'" in csp
    status = _text(client.get(f"{BASE}/verifica"))
    assert f'href="{BASE}/{drafted}/allegati/0" download' in status and "<iframe" not in status
    # Only operators see the video: no customer address serves it, and the back-office's wants an operator.
    attempt = _attempt(harness, drafted)
    assert client.get(f"{BASE}/{drafted}/allegati/1").status_code == 404
    for path in (f"{BASE}/{drafted}/video", f"{BASE}/{drafted}/allegati/-1",
                 f"/backoffice/identificazioni/{drafted}/video"):
        response = client.get(path)
        assert response.status_code in (302, 303, 404, 405) and WEBM[:16] not in response.data, path
    assert attempt.video is not None and harness.container.storage().files[attempt.video.key] == WEBM


def test_a_customer_image_shows_in_the_page_typed_and_sandboxed(client, harness, drafted):
    polyglot_png = polyglot(PNG)
    assert _send_files(client, drafted, front=(jpeg_with_gps(), "fronte.jpg"),
                       back=(polyglot_png, "retro.png")).status_code == 303
    front, back = client.get(f"{BASE}/{drafted}/allegati/0"), client.get(f"{BASE}/{drafted}/allegati/1")
    assert front.mimetype == "image/jpeg" and back.mimetype == "image/png"
    assert b"Exif" not in front.data and PAYLOAD_HTML not in back.data and picture(back.data) == picture(PNG)
    for image in (front, back):
        assert image.headers["Content-Disposition"].startswith("inline")
        assert image.headers["X-Content-Type-Options"] == "nosniff"
        assert "sandbox" in image.headers["Content-Security-Policy"]


def test_a_file_over_the_limit_is_refused_naming_it(client, harness, drafted):
    harness.container.upload_limits.override(providers.Object(UploadLimits(max_document_bytes=2048)))
    try:
        response = _send_files(client, drafted, back=(PNG + b"\0" * 2048, "retro.png"))
        assert response.status_code == 413
        assert 'data-testid="error-back"' in _text(response) and "«retro.png» è troppo grande" in _text(response)
        # Far beyond what the route accepts at all: refused before reading it.
        huge = _send_files(client, drafted, front=(JPEG + b"\0" * (700 * 1024), "fronte.jpg"))
        assert huge.status_code == 413 and "superano in tutto" in _text(huge)
    finally:
        harness.container.upload_limits.reset_override()
    assert _attempt(harness, drafted).document_files == ()
    assert all(key.endswith(".webm") for key in harness.container.storage().files)  # nothing half kept


def test_missing_files_are_named(client, drafted):
    data = {"csrf_token": _token(client), "mode": "both", "front": (io.BytesIO(JPEG), "fronte.jpg")}
    response = client.post(f"{BASE}/{drafted}/file", data=data, content_type="multipart/form-data")
    assert response.status_code == 422 and 'data-testid="error-back"' in _text(response)
    assert "un unico file" in _text(response)
    empty = _send_files(client, drafted, front=(b"", "fronte.jpg"), back=None)
    assert empty.status_code == 422 and "Il file «fronte.jpg» è vuoto" in _text(empty)


def test_an_empty_video_is_refused(client, harness, demo):
    _sign_in(client, harness, demo)
    attempt_id = _start(client)
    response = _send_video(client, attempt_id, b"")
    assert response.status_code == 422
    assert response.json["message"] == "Il video è vuoto o troppo breve: registralo di nuovo."
    not_a_video = _send_video(client, attempt_id, JPEG, "video-selfie.webm")
    assert not_a_video.status_code == 415 and "non è un video" in not_a_video.json["message"]
    assert _attempt(harness, attempt_id).video is None


@pytest.mark.parametrize("fields, field, message", [
    ({"expires_on": "2026-11-24"}, "expires_on", "Il documento è scaduto"),
    ({"expires_on": ""}, "expires_on", "Inserisci la data di scadenza"),
    ({"expires_on": "31/02/2030"}, "expires_on", "La data di scadenza non è valida"),
    ({"expires_on": "2045-01-01"}, "expires_on", "non è plausibile"),
    ({"number": "CA12345A!"}, "document_number", "può contenere solo lettere e cifre"),
    ({"number": "12345"}, "document_number", "per esempio CA12345AB"),
    ({"document_type": ""}, "document_type", "Scegli il tipo di documento"),
])
def test_document_data_errors_are_shown_next_to_the_field_and_keep_what_was_typed(client, harness, demo,
                                                                                   fields, field, message):
    _sign_in(client, harness, demo)
    attempt_id = _start(client)
    assert _send_video(client, attempt_id).status_code == 200
    response = _give_document(client, attempt_id, **fields)
    assert response.status_code == 422
    error = re.search(rf'data-testid="error-{field}">([^<]+)<', _text(response))
    assert error and message in error.group(1), _text(response)
    typed = fields.get("number", "CA12345AB")
    assert f'value="{typed}"' in _text(response)
    assert _attempt(harness, attempt_id).document is None


def test_an_italian_date_typed_by_hand_is_understood(client, harness, drafted):
    response = _give_document(client, drafted, expires_on="31/05/2030")
    assert response.status_code == 303
    assert _attempt(harness, drafted).document.expires_on == EXPIRY


def test_a_second_conferma_invio_changes_nothing(client, harness, drafted):
    assert _send_files(client, drafted).status_code == 303
    files = _attempt(harness, drafted).document_files
    again = _send_files(client, drafted, front=(PDF, "altro.pdf"), back=None)
    assert again.status_code == 409
    assert "Hai già inviato video selfie e documento" in _text(again) and "Verifica in corso" in _text(again)
    assert _attempt(harness, drafted).document_files == files
    json_again = _send_video(client, drafted)
    assert json_again.status_code == 409 and "la verifica è in corso" in json_again.json["message"]


def test_the_document_expiring_before_conferma_invio_is_caught(client, harness, demo):
    _sign_in(client, harness, demo)
    attempt_id = _start(client)
    assert _send_video(client, attempt_id).status_code == 200
    assert _give_document(client, attempt_id, expires_on="2026-11-26").status_code == 303
    harness.clock.advance(days=2)
    _log_in(client, "cliente@example.it")  # the session ended meanwhile
    response = _send_files(client, attempt_id)
    assert response.status_code == 422 and "Il documento è scaduto" in _text(response)


# --- access -----------------------------------------------------------------------------------------
def test_another_customers_attempt_is_not_found_anywhere(app, client, harness, demo):
    _sign_in(client, harness, demo)
    other = app.test_client()
    _sign_in(other, harness, demo, "policyholder_danni", email="altro@example.it", mobile="+393479998877")
    theirs = _identify(other)
    assert other.get(f"{BASE}/{theirs}/allegati/0").status_code == 200

    mine = _start(client)
    assert client.get(f"{BASE}/{theirs}/allegati/0").status_code == 404
    assert client.get(f"{BASE}/{theirs}/allegati/1").status_code == 404
    for path in ("video", "documento", "file", "codice"):
        assert client.get(f"{BASE}/{theirs}/{path}").status_code == 404, path
    assert _send_video(client, theirs).status_code == 404
    assert _give_document(client, theirs).status_code == 404
    assert _send_files(client, theirs).status_code == 404
    token = {"csrf_token": _token(client)}
    for path in ("nuova-registrazione", "annulla", "codice", "codice/nuovo"):
        assert client.post(f"{BASE}/{theirs}/{path}", data=token).status_code == 404, path
    retake = client.post(f"{BASE}/{theirs}/nuova-registrazione", headers=_json(client))
    assert retake.status_code == 404 and retake.json["code"] == "not_found"
    assert _attempt(harness, theirs).status is AttemptStatus.SUBMITTED
    assert client.get(f"{BASE}/{mine}/video").status_code == 200


def test_every_page_requires_login(client, harness, demo):
    for path in (BASE, f"{BASE}/prosegui", f"{BASE}/verifica", f"{BASE}/abc/video", f"{BASE}/abc/documento",
                 f"{BASE}/abc/file", f"{BASE}/abc/codice", f"{BASE}/abc/allegati/0"):
        response = client.get(path)
        assert response.status_code == 302 and response.headers["Location"].startswith("/accesso?next="), path
    token = csrf_token(client, "/accesso")
    response = client.post(f"{BASE}/avvia", data={"csrf_token": token})
    assert response.status_code == 302 and response.headers["Location"].startswith("/accesso")
    script = client.post(f"{BASE}/abc/video", headers={"Accept": "application/json", "X-CSRFToken": token},
                         data={"video": (io.BytesIO(WEBM), "v.webm")}, content_type="multipart/form-data")
    assert script.status_code == 401 and "accedi di nuovo" in script.json["message"]


def test_every_post_needs_the_csrf_token(client, harness, demo):
    _sign_in(client, harness, demo)
    assert client.post(f"{BASE}/avvia").status_code == 400
    attempt_id = _start(client)
    response = client.post(f"{BASE}/{attempt_id}/video", headers={"Accept": "application/json"},
                           data={"video": (io.BytesIO(WEBM), "v.webm")}, content_type="multipart/form-data")
    assert response.status_code == 400 and response.json["code"] == "csrf_failed"
    assert client.post(f"{BASE}/{attempt_id}/nuova-registrazione").status_code == 400
    assert _attempt(harness, attempt_id).video is None


# --- R-ID-5: the notice on the dashboard and on the policy -------------------------------------------
def test_the_dashboard_notice_follows_the_gate(client, harness, demo):
    policy = f"/area-clienti/polizze/{demo.scenario('policyholder_vita').policy_number}"
    _sign_in(client, harness, demo)
    dashboard = _text(client.get("/area-clienti"))
    assert _notice_gate(client) == "not_identified" and _notice_gate(client, policy) == "not_identified"
    assert "Registrazione quasi completata." in dashboard
    assert "identificati con il video selfie" in dashboard and f'href="{BASE}"' in dashboard

    attempt_id = _start(client)
    assert _notice_gate(client) == "in_progress" and _notice_gate(client, policy) == "in_progress"
    assert f'href="{BASE}/prosegui"' in _text(client.get("/area-clienti"))

    assert _send_video(client, attempt_id).status_code == 200
    assert _give_document(client, attempt_id, expires_on="2026-11-30").status_code == 303
    assert _send_files(client, attempt_id).status_code == 303
    assert _notice_gate(client) == "under_review" and _notice_gate(client, policy) == "under_review"
    assert "la verifica è in corso" in _text(client.get("/area-clienti"))

    harness.container.review().approve(operator_id="operatore-1", attempt_id=attempt_id)
    assert _notice_gate(client) is None and _notice_gate(client, policy) is None

    harness.clock.advance(days=6)  # the document expired on 30 November
    _log_in(client, "cliente@example.it")
    dashboard = _text(client.get("/area-clienti"))
    assert _notice_gate(client) == "document_expired" and _notice_gate(client, policy) == "document_expired"
    assert "Il tuo documento è scaduto: aggiornalo." in dashboard
    assert "aggiorna il tuo documento d'identità" in dashboard
    assert 'data-testid="document-expired"' in _text(client.get("/area-clienti/profilo"))
