"""Claims in a real browser (R-DISP-CLAIM), at desktop width and at 390 px (a phone), where no page may scroll
sideways: a Danni motor claim with three photos sent on a throttled connection (Chromium's network emulation)
so that a progress bar is seen part way, one photo removed before sending, then a document added later
(«integra documenti»); and a Vita claim with the payout IBAN and the questionnaires pre-filled.

The live server here is the embedded default as ``./dev serve`` runs it (SQLite, the demo core system), of its
own, so that the files staged by these tests are nobody else's.
"""
from __future__ import annotations

import io
import random
import re
from datetime import date, timedelta
from pathlib import Path

import pytest
from PIL import Image

from .conftest import WIDTHS, earlier_additional_payment, fits, log_in_demo, open_page, screenshot, start_live_server

sync_api = pytest.importorskip("playwright.sync_api")
expect = sync_api.expect

pytestmark = pytest.mark.browser

MOTOR, VITA = "DA20040117", "VI10011940"
NUMBER = re.compile(r"RP-\d{4}-\d{6}")
PHOTO_BYTES = 110 * 1024


@pytest.fixture(scope="module")
def claims_server():
    with start_live_server("e2e-claims") as server:
        yield server


@pytest.fixture(scope="module")
def photos(tmp_path_factory) -> list[Path]:
    """Three photos of about 110 KB each: noise, which JPEG cannot squeeze, so the bytes take time to travel
    (about 10 s for the three at the throttled 30 kB/s: long enough to see the bars part way many times over)."""
    folder = tmp_path_factory.mktemp("claim-photos")
    paths = []
    for n in range(3):
        rng = random.Random(n)
        side = 340
        image = Image.frombytes("RGB", (side, side), bytes(rng.getrandbits(8) for _ in range(side * side * 3)))
        out = io.BytesIO()
        image.save(out, format="JPEG", quality=92)
        path = folder / f"foto-danno-{n + 1}.jpg"
        path.write_bytes(out.getvalue())
        paths.append(path)
    assert all(p.stat().st_size > PHOTO_BYTES * 0.8 for p in paths), [p.stat().st_size for p in paths]
    return paths


@pytest.fixture(scope="module")
def estimate(tmp_path_factory) -> Path:
    from tests.sample_files import image_bytes

    path = tmp_path_factory.mktemp("claim-docs") / "preventivo.png"
    path.write_bytes(image_bytes("PNG", (120, 160), seed=7))
    return path


@pytest.fixture
def page(browser, claims_server, width):
    with open_page(browser, claims_server, WIDTHS[width], timeout_ms=20_000) as page:
        yield page


def _throttle(page, upload_bytes_per_second: int) -> None:
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.emulateNetworkConditions", {"offline": False, "latency": 20, "downloadThroughput": -1,
                                                   "uploadThroughput": upload_bytes_per_second})


def test_a_motor_claim_with_photos_uploaded_with_progress_one_removed_then_a_document_added(
        page, width, photos, estimate, claims_server):
    log_in_demo(page)
    page.goto(f"/area-clienti/polizze/{MOTOR}")
    page.get_by_test_id("claim-button").click()
    expect(page).to_have_url(re.compile(rf"/polizze/{MOTOR}/sinistro$"))
    fits(page)
    page.get_by_test_id("kind-collision").locator("input").check()
    checklist = page.get_by_test_id("checklist-collision")
    expect(checklist).to_be_visible()
    expect(page.get_by_test_id("checklist-theft")).to_be_hidden()
    expect(checklist.locator('li[data-document="photo"]')).to_contain_text("manca")
    expect(checklist.locator('li[data-document="cai_form"]')).to_be_hidden()
    page.get_by_test_id("cai-signed").check()
    expect(checklist.locator('li[data-document="cai_form"]')).to_contain_text("manca")
    page.get_by_test_id("cai-signed").uncheck()

    _throttle(page, 30_000)
    page.get_by_test_id("document-kind").select_option("photo")
    page.get_by_test_id("file-input").set_input_files([str(p) for p in photos])
    # A percentage part way, read from the bar and its label while the bytes travel.
    seen = page.wait_for_function(
        """() => {
            const bars = [...document.querySelectorAll('[data-testid="uploading-file"]')];
            const part = bars.map(li => [li.querySelector('progress'), li.querySelector('.percent')])
                .filter(([bar, label]) => bar && bar.value > 0 && bar.value < 100
                        && label.textContent === Math.floor(bar.value) + '%');
            return part.length ? part[0][0].value : null;
        }""", polling=50, timeout=60_000).json_value()
    assert 0 < seen < 100
    screenshot(page, f"claims-uploading-{width}")
    expect(page.get_by_test_id("staged-file")).to_have_count(3, timeout=120_000)
    _throttle(page, -1)
    expect(checklist.locator('li[data-document="photo"]')).to_contain_text("caricato")
    page.get_by_test_id("staged-file").filter(has_text="foto-danno-2.jpg").get_by_test_id("remove-file").click()
    expect(page.get_by_test_id("staged-file")).to_have_count(2)
    expect(page.get_by_test_id("staged-files")).not_to_contain_text("foto-danno-2.jpg")

    today = date.fromisoformat(page.get_by_label("Data dell'evento").get_attribute("max"))
    page.get_by_label("Data dell'evento").fill((today - timedelta(days=1)).isoformat())
    page.get_by_label("Ora (facoltativa)").fill("18:40")
    page.get_by_label("Luogo").fill("Roma, via Appia Nuova 100")
    page.get_by_label("Descrizione").fill("Tamponamento al semaforo: paraurti posteriore danneggiato.")
    page.get_by_label("Targa").fill("AB123CD")
    fits(page)
    screenshot(page, f"claims-form-{width}")
    page.get_by_test_id("send-claim").click()

    expect(page).to_have_url(re.compile(r"/area-clienti/richieste/RP-\d{4}-\d{6}$"))
    expect(page.get_by_test_id("claim-kind")).to_have_text("Incidente stradale (collisione)")
    sent = page.get_by_test_id("sent-file")
    expect(sent).to_have_count(2)
    expect(page.get_by_test_id("claim-files-sent")).not_to_contain_text("foto-danno-2.jpg")
    fits(page)

    form = page.get_by_test_id("add-documents-form")
    form.get_by_test_id("document-kind").select_option("repair_estimate")
    form.get_by_test_id("file-input").set_input_files(str(estimate))
    expect(form.get_by_test_id("staged-file")).to_have_count(1)
    form.get_by_test_id("add-documents").click()
    expect(page.get_by_test_id("timeline")).to_contain_text("Documenti integrati")
    expect(page.get_by_test_id("sent-file")).to_have_count(3)
    expect(page.get_by_test_id("claim-files-sent")).to_contain_text("preventivo.png")
    fits(page)
    tops = [box["y"] for box in (f.bounding_box() for f in page.get_by_test_id("sent-file").all())]
    assert tops == sorted(tops) and len(set(tops)) == 3, tops  # one file a line
    screenshot(page, f"claims-request-{width}")
    number = NUMBER.search(page.url).group(0)
    with claims_server.container.uow() as uow:
        request = uow.requests.get_by_number(number)
        assert [e.step.value for e in request.events if e.step] == ["documents_added"]
        assert [a.name for a in uow.attachments.for_request(request.id)] == [
            "foto-danno-1.jpg", "foto-danno-3.jpg", "preventivo.png"]


def test_a_vita_claim_with_the_payout_iban_and_the_questionnaires_prefilled(page, width, estimate, claims_server):
    earlier_additional_payment(claims_server, key=f"claims-journey-{width}")
    log_in_demo(page)
    page.goto(f"/area-clienti/polizze/{VITA}")
    page.get_by_test_id("claim-button").click()
    expect(page).to_have_url(re.compile(rf"/polizze/{VITA}/sinistro$"))
    expect(page.get_by_test_id("prefilled-note")).to_be_visible()
    page.get_by_test_id("kind-death").locator("input").check()  # no maturity before the policy matures
    expect(page.get_by_test_id("checklist-death")).to_be_visible()
    today = date.fromisoformat(page.get_by_label("Data dell'evento").get_attribute("max"))
    page.get_by_label("Data dell'evento").fill(today.isoformat())
    page.get_by_label("IBAN").fill("IT60X0542811101000000123457")  # one digit wrong
    expect(page.get_by_label("Intestatario del conto")).to_have_value("Marco Rinaldi")
    page.get_by_test_id("document-kind").select_option("beneficiary_id")
    page.get_by_test_id("file-input").set_input_files(str(estimate))
    expect(page.get_by_test_id("staged-file")).to_have_count(1)
    expect(page.get_by_test_id("checklist-death").locator('li[data-document="beneficiary_id"]')).to_contain_text(
        "caricato")
    page.get_by_test_id("send-claim").click()
    expect(page.get_by_test_id("error-iban")).to_contain_text("L'IBAN non è valido")
    expect(page.get_by_test_id("staged-file")).to_have_count(1)  # still there, nothing lost
    expect(page.get_by_label("Intestatario del conto")).to_have_value("Marco Rinaldi")
    fits(page)
    screenshot(page, f"claims-vita-iban-error-{width}")
    page.get_by_label("IBAN").fill("IT60 X054 2811 1010 0000 0123 456")
    page.get_by_test_id("send-claim").click()
    expect(page).to_have_url(re.compile(r"/area-clienti/richieste/RP-\d{4}-\d{6}$"))
    expect(page.get_by_test_id("claim-iban")).to_have_text("IT60 •••• •••• 3456")
    expect(page.get_by_test_id("claim-kind")).to_have_text("Decesso dell'assicurato")
    # A death claim still lacks the certificate and the heirs' declaration, and says so.
    expect(page.get_by_test_id("claim-missing")).to_contain_text("Certificato di morte")
    fits(page)
    screenshot(page, f"claims-vita-request-{width}")
