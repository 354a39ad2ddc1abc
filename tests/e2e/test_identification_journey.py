"""Identification by video selfie in a real browser (R-ID-1..5): the customer records with Chromium's fake
camera, retakes, sends the document; an operator signs in with TOTP in another browser context, plays the
video and decides; the customer's account becomes dispositive, or repeats after a rejection.

``camera_browser`` runs Chromium with ``--use-fake-ui-for-media-stream --use-fake-device-for-media-stream``:
the camera permission is granted without a prompt and the camera shows a test pattern with a beeping
microphone. ``browser`` has the fake devices but no permission, as a user who refused them.
"""
from __future__ import annotations

import re
import struct
import zlib
from pathlib import Path

import pyotp
import pytest

from areaclienti.app.use_cases.passwords import CompleteLink
from areaclienti.app.use_cases.registration import GiveContacts, StartRegistration, VerifyMobile

from .conftest import NEW_PASSWORD, log_in, open_page, screenshot

sync_api = pytest.importorskip("playwright.sync_api")
expect = sync_api.expect

pytestmark = pytest.mark.browser

OPERATOR_PASSWORD = "controllo documenti con attenzione"
VIEWPORT = {"width": 1280, "height": 1000}


# --- fixtures ------------------------------------------------------------------------------------
@pytest.fixture
def customer(camera_browser, live_server):
    with open_page(camera_browser, live_server, VIEWPORT, timeout_ms=15_000) as page:
        yield page


@pytest.fixture
def operator(camera_browser, live_server):
    with open_page(camera_browser, live_server, VIEWPORT, timeout_ms=15_000) as page:
        yield page


@pytest.fixture
def images(tmp_path) -> tuple[Path, Path]:
    front, back = tmp_path / "fronte.png", tmp_path / "retro.png"
    front.write_bytes(_png(64, 40, (40, 90, 160)))
    back.write_bytes(_png(64, 40, (200, 180, 60)))
    return front, back


def _png(width: int, height: int, rgb: tuple[int, int, int]) -> bytes:
    """A real, tiny, single-colour PNG (so the previews and the operator's page can show it)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    rows = b"".join(b"\x00" + bytes(rgb) * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


# --- steps ---------------------------------------------------------------------------------------
def _registered(live_server, scenario: str, email: str, mobile: str) -> dict:
    """A finished registration through the use cases (its browser journey is tested elsewhere)."""
    c, s = live_server.container, live_server.scenario(scenario)
    registration = c.registration()
    step = registration.start(StartRegistration(party_id=s["tax_code"], policy_number=s["policy_number"],
                                                privacy_accepted=True, marketing_consent=False))
    if step.next_step == "contacts":
        step = registration.give_contacts(GiveContacts(step.flow_token, email, mobile))
    registration.verify_mobile(VerifyMobile(step.flow_token, live_server.sms_code(mobile)))
    token = live_server.email_link(email).rsplit("/", 1)[1]
    c.complete_password_link()(CompleteLink(token, NEW_PASSWORD, NEW_PASSWORD))
    return {**s, "email": email, "mobile": mobile}


def _log_in(page, email: str) -> None:
    log_in(page, email, NEW_PASSWORD)


def _record(page) -> None:
    recorder = page.locator("#recorder")
    expect(recorder).to_have_attribute("data-camera", "ready")
    page.locator("#start-recording").click()
    expect(recorder).to_have_attribute("data-state", "recording", timeout=10_000)
    page.wait_for_timeout(1500)
    page.locator("#stop-recording").click()
    expect(recorder).to_have_attribute("data-state", "recorded")
    # The replay shows what was recorded: a real video with frames.
    page.wait_for_function(
        "() => { const v = document.querySelector('#playback'); return v && !v.hidden && v.readyState >= 1 }")


def _selfie_and_document(page, images: tuple[Path, Path], number: str) -> str:
    """From the dashboard to «verifica in corso»; returns the keyword the customer said."""
    page.goto("/area-clienti/identificazione")
    expect(page.get_by_test_id("checklist")).to_contain_text("passaporto")
    page.get_by_test_id("tutorial").locator("summary").click()
    page.locator("#start-selfie").click()
    expect(page.get_by_test_id("identification-video")).to_be_visible()

    first_keyword = page.get_by_test_id("keyword").inner_text().strip()
    _record(page)
    page.locator("#retake").click()  # «registra di nuovo»: a new keyword, the first video is gone
    expect(page.get_by_test_id("keyword")).not_to_have_text(first_keyword)
    expect(page.locator("#recorder")).to_have_attribute("data-state", "idle")
    keyword = page.get_by_test_id("keyword").inner_text().strip()
    _record(page)
    page.locator("#upload-video").click()
    expect(page.get_by_test_id("identification-document")).to_be_visible()

    # An expired document is refused, and what was typed stays.
    page.locator("#document_type").select_option("carta_identita")
    page.locator("#document_number").fill(number)
    page.locator("#expires_on").fill("2020-01-31")
    page.locator("#document-next").click()
    expect(page.get_by_test_id("error-expires_on")).to_contain_text("scaduto")
    expect(page.locator("#document_number")).to_have_value(number)
    page.locator("#expires_on").fill("2031-05-31")
    page.locator("#document-next").click()

    expect(page.get_by_test_id("identification-files")).to_be_visible()
    front, back = images
    page.locator("#front").set_input_files(str(front))
    page.locator("#back").set_input_files(str(back))
    expect(page.get_by_test_id("front-preview").locator("img")).to_be_visible()
    expect(page.get_by_test_id("back-preview").locator("img")).to_be_visible()
    page.locator("#confirm-send").click()

    status = page.get_by_test_id("identification-status")
    expect(status).to_have_attribute("data-attempt-status", "submitted")
    expect(page.get_by_test_id("under-review")).to_contain_text("verific")
    expect(page.get_by_test_id("sent-image-0")).to_be_visible()
    return keyword


def _operator_signs_in(page, live_server, email: str) -> None:
    live_server.container.operator_access().create(email=email, display_name="Operatrice E2E",
                                                   password=OPERATOR_PASSWORD)
    page.goto("/backoffice/accesso")
    page.get_by_label("Email aziendale").fill(email)
    page.get_by_label("Password").fill(OPERATOR_PASSWORD)
    page.get_by_role("button", name="Prosegui").click()
    # First login: enrol the authenticator app from the QR code (here, from the key printed beside it).
    expect(page.get_by_test_id("totp-qr").locator("svg")).to_be_visible()
    secret = page.get_by_test_id("totp-secret").inner_text().replace(" ", "")
    page.get_by_label("Codice a 6 cifre").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Verifica e accedi").click()
    expect(page.get_by_test_id("queue")).to_be_visible()


def _open_review(page, tax_code: str, keyword: str) -> None:
    row = page.get_by_test_id("queue-item").filter(has_text=tax_code)
    expect(row).to_have_count(1)
    row.get_by_role("link", name="Esamina").click()
    expect(page.get_by_test_id("keyword")).to_contain_text(keyword)
    expect(page.get_by_test_id("personal-data")).to_contain_text(tax_code)
    expect(page.get_by_test_id("document-image")).to_have_count(2)
    # The video plays: the stream reaches the player and its frames decode.
    page.wait_for_function("""() => {
        const v = document.querySelector('[data-testid=video]');
        if (v.readyState < 2) { v.muted = true; v.play().catch(() => {}); return false; }
        return v.videoWidth > 0;
    }""", timeout=15_000)


# --- the journeys --------------------------------------------------------------------------------
def test_video_selfie_approved_makes_the_account_dispositive(customer, operator, live_server, images):
    person = _registered(live_server, "risk_certificate_holder", "alessio.e2e@example.it", "+393475550202")
    _log_in(customer, person["email"])
    expect(customer.get_by_test_id("identification-notice")).to_contain_text("video selfie")

    keyword = _selfie_and_document(customer, images, "ca 12345 ab")
    # Nothing can be changed once sent.
    customer.goto("/area-clienti/identificazione")
    expect(customer.get_by_test_id("under-review")).to_be_visible()
    expect(customer.locator("#start-selfie")).to_have_count(0)

    _operator_signs_in(operator, live_server, "operatrice.approva@ca-demo.it")
    _open_review(operator, person["tax_code"], keyword)
    expect(operator.get_by_test_id("typed-document")).to_contain_text("CA12345AB")
    screenshot(operator, "backoffice-review")
    operator.get_by_test_id("approve").click()
    expect(operator.get_by_test_id("queue-item").filter(has_text=person["tax_code"])).to_have_count(0)

    assert "identificazione completata" in live_server.newest("email", person["email"])["subject"].lower()
    customer.goto("/area-clienti")
    expect(customer.get_by_test_id("identification-notice")).to_have_count(0)
    customer.goto("/area-clienti/profilo")
    expect(customer.get_by_test_id("registered-document")).to_contain_text("2031")


def test_video_selfie_rejected_can_be_repeated(customer, operator, live_server, images):
    person = _registered(live_server, "expired_10_months", "davide.e2e@example.it", "+393475550303")
    _log_in(customer, person["email"])
    keyword = _selfie_and_document(customer, images, "AB1234567")

    _operator_signs_in(operator, live_server, "operatore.rifiuta@ca-demo.it")
    _open_review(operator, person["tax_code"], keyword)
    # «Altro» needs a note: refused with a message, nothing decided.
    operator.locator("#reason").select_option("other")
    operator.get_by_test_id("reject").click()
    expect(operator.get_by_test_id("error-note")).to_be_visible()
    operator.locator("#reason").select_option("keyword_missing")
    operator.locator("#reject-note").fill("Nel video non si sente la parola chiave.")
    operator.get_by_test_id("reject").click()
    expect(operator.get_by_test_id("queue-item").filter(has_text=person["tax_code"])).to_have_count(0)

    assert "da ripetere" in live_server.newest("email", person["email"])["subject"].lower()
    customer.goto("/area-clienti/identificazione")
    expect(customer.get_by_test_id("last-rejection")).to_contain_text("parola chiave")
    customer.locator("#start-selfie").click()
    expect(customer.get_by_test_id("identification-video")).to_be_visible()
    expect(customer.get_by_test_id("keyword")).not_to_have_text(keyword)
    _record(customer)


def test_a_refused_camera_is_explained_and_a_recorded_file_can_be_sent(browser, live_server, tmp_path):
    """Chromium without the fake permission prompt denies the camera, as a user clicking «blocca» would."""
    from tests.unit.app.identification_journeys import WEBM

    person = _registered(live_server, "member_collective", "franca.e2e@example.it", "+393475550404")
    with open_page(browser, live_server, VIEWPORT, timeout_ms=15_000) as page:
        _log_in(page, person["email"])
        page.goto("/area-clienti/identificazione")
        page.locator("#start-selfie").click()
        expect(page.get_by_test_id("camera-help")).to_be_visible()
        expect(page.locator("#camera-help-text")).to_contain_text("negato")
        expect(page.locator("#retry-camera")).to_be_visible()
        video = tmp_path / "selfie.webm"
        video.write_bytes(WEBM)
        page.locator("#video-file").set_input_files(str(video))
        page.locator("#fallback-form").locator("button[type=submit]").click()
        expect(page.get_by_test_id("identification-document")).to_be_visible()


_WATCH_CAMERA = """(({delay, noRecorder}) => {
    // Every stream the page is given, to check afterwards that its tracks were stopped (the camera light).
    window.__streams = [];
    const original = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices);
    navigator.mediaDevices.getUserMedia = (constraints) => original(constraints).then((stream) => {
        window.__streams.push(stream);
        return new Promise((resolve) => setTimeout(() => resolve(stream), delay));
    });
    if (noRecorder) {
        window.MediaRecorder = function () { throw new Error("this browser cannot record"); };
    }
})(%s)"""
_ALL_STOPPED = ("() => window.__streams.length > 0 && "
                "window.__streams.every((s) => s.getTracks().every((t) => t.readyState === 'ended'))")


def test_the_recorder_never_leaves_the_camera_on(customer, live_server):
    """A camera granted after the page was left, or kept while the plain form replaces a recorder that
    cannot record, would keep the camera (and its light) on."""
    person = _registered(live_server, "policyholder_danni", "nadia.e2e@example.it", "+393475550505")
    _log_in(customer, person["email"])
    customer.goto("/area-clienti/identificazione")
    customer.locator("#start-selfie").click()
    expect(customer.get_by_test_id("identification-video")).to_be_visible()
    recorder_url = customer.url

    # The camera answers late, after the customer has left the page.
    late = customer.context.new_page()
    late.add_init_script(_WATCH_CAMERA % '{"delay": 1500, "noRecorder": false}')
    late.goto(recorder_url)
    late.evaluate("() => window.dispatchEvent(new PageTransitionEvent('pagehide'))")
    late.wait_for_function("() => window.__streams.length > 0")
    late.wait_for_timeout(2000)
    assert late.evaluate(_ALL_STOPPED)
    expect(late.locator("#recorder")).not_to_have_attribute("data-camera", "ready")
    late.close()

    # MediaRecorder exists but refuses to record: the plain form, and the camera off.
    broken = customer.context.new_page()
    broken.add_init_script(_WATCH_CAMERA % '{"delay": 0, "noRecorder": true}')
    broken.goto(recorder_url)
    expect(broken.locator("#recorder")).to_have_attribute("data-camera", "ready")
    broken.locator("#start-recording").click()
    expect(broken.locator("#fallback-form")).to_be_visible(timeout=10_000)
    broken.wait_for_function(_ALL_STOPPED)
    broken.close()
