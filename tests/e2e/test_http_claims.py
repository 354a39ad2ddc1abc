"""Claims on the customer site over HTTP (R-DISP-CLAIM): files staged one at a time (as the page's script sends
them) and removed before sending, the report without the script posting its files, the date and IBAN refusals
with everything typed kept, files refused by their content or their number, another customer's policy and files,
and «integra documenti» adding a step to the timeline."""
from __future__ import annotations

import html
import io
import re
from datetime import timedelta

import pytest

from areaclienti.domain.claims import MAX_FILES

from tests.sample_files import image_bytes

from .journeys import csrf_token
from .test_http_additional_payment import _answers
from .test_http_requests import _log_in

MARCO = "marco.rinaldi@example.it"
VALERIA = "valeria.costa@example.it"
MOTOR, VITA = "DA20040117", "VI10011940"
FORM = "/area-clienti/polizze/{}/sinistro"
NUMBER = re.compile(r"/area-clienti/richieste/([A-Z]{2}-\d{4}-\d{6})")
JSON = {"Accept": "application/json"}


def _text(response) -> str:
    return html.unescape(response.get_data(as_text=True)).replace("\xa0", " ")


def _token(client, policy: str = MOTOR) -> str:
    return csrf_token(client, FORM.format(policy))


def _photo(seed: int = 0, name: str | None = None):
    return io.BytesIO(image_bytes("JPEG", (64, 48), seed=seed)), name or f"foto{seed}.jpg"


def _stage(client, token: str, file, document: str = "photo", policy: str = MOTOR):
    return client.post(FORM.format(policy) + "/file", data={"file": file, "document": document},
                       headers={**JSON, "X-CSRFToken": token}, content_type="multipart/form-data")


def _today(harness):
    return harness.clock.now().date()


def _motor(token: str, harness, **changes) -> dict:
    form = {"csrf_token": token, "idempotency_key": "claim-http-1", "kind": "collision",
            "event_date": (_today(harness) - timedelta(days=2)).isoformat(), "event_time": "18:40",
            "place": "Roma, via Appia Nuova", "description": "Tamponamento al semaforo rosso.",
            "counterparty_name": "Mario Verdi", "counterparty_plate": "AB123CD",
            "counterparty_insurer": "Altra Assicurazioni"}
    form.update(changes)
    return form


def _report(client, form: dict, policy: str = MOTOR):
    return client.post(FORM.format(policy), data=form, content_type="multipart/form-data")


@pytest.fixture
def marco(client, demo_accounts):
    _log_in(client)
    return client


def test_the_policy_page_offers_the_claim_and_its_form_shows_the_products_kinds_and_cover_period(marco, harness):
    assert f'href="{FORM.format(MOTOR)}"' in _text(marco.get(f"/area-clienti/polizze/{MOTOR}"))
    page = marco.get(FORM.format(MOTOR))
    text = _text(page)
    assert page.status_code == 200
    kinds = re.findall(r'name="kind" value="([a-z_]+)"', text)
    assert kinds == ["collision", "theft", "glass", "vandalism", "natural_events"]
    assert f'max="{_today(harness).isoformat()}"' in text and 'type="date"' in text
    assert 'type="file"' in text and "multiple" in text and 'enctype="multipart/form-data"' in text
    assert 'name="cai_signed"' in text and "js/claim_uploads.js" in text and "<script>" not in text
    assert re.search(r'data-checklist-for="collision".*?data-document="photo" data-required="yes"', text, re.S)


def test_a_motor_claim_with_two_files_one_removed_before_sending(marco, harness):
    token = _token(marco)
    first, second = _stage(marco, token, _photo(1)), _stage(marco, token, _photo(2, "danno.jpg"))
    assert first.status_code == second.status_code == 201, second.get_data(as_text=True)
    kept, dropped = first.get_json(), second.get_json()
    assert kept["document"] == "photo" and kept["content_type"] == "image/jpeg"
    page = _text(marco.get(FORM.format(MOTOR)))
    assert page.count('data-testid="staged-file"') == 2 and "danno.jpg" in page
    assert marco.delete(dropped["remove_url"], headers={"X-CSRFToken": token}).status_code == 204
    assert marco.delete(dropped["remove_url"], headers={"X-CSRFToken": token}).status_code == 404
    page = _text(marco.get(FORM.format(MOTOR)))
    assert page.count('data-testid="staged-file"') == 1 and "danno.jpg" not in page
    response = _report(marco, _motor(token, harness, attachments=[kept["id"], dropped["id"]]))
    assert response.status_code == 303, _text(response)
    number = NUMBER.search(response.headers["Location"]).group(1)
    detail = _text(marco.get(f"/area-clienti/richieste/{number}"))
    assert "Denuncia di sinistro" in detail and "Incidente stradale (collisione)" in detail
    assert "alle 18:40" in detail and "Roma, via Appia Nuova" in detail and "Mario Verdi · AB123CD" in detail
    assert detail.count('data-testid="sent-file"') == 1 and "foto1.jpg" in detail and "danno.jpg" not in detail
    assert 'data-testid="claim-missing"' not in detail  # the photo the collision asks for is there
    download = marco.get(kept["download_url"])
    assert download.status_code == 200 and download.data[:3] == b"\xff\xd8\xff"
    assert download.headers["Content-Disposition"].startswith("attachment")
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert 'data-testid="staged-file"' not in _text(marco.get(FORM.format(MOTOR)))  # sent, no longer staged


def test_without_the_script_the_files_post_with_the_report(marco, harness):
    token = _token(marco)
    response = _report(marco, _motor(token, harness, kind="theft", document="police_report",
                                     files=[_photo(3, "denuncia.jpg")]))
    assert response.status_code == 303, _text(response)
    detail = _text(marco.get(response.headers["Location"]))
    assert "denuncia.jpg" in detail and "Denuncia alle autorità" in detail and "Furto del veicolo" in detail


def test_a_collision_with_a_signed_cai_asks_for_the_cai_form(marco, harness):
    response = _report(marco, _motor(_token(marco), harness, cai_signed="yes", document="photo",
                                     files=[_photo(4)]))
    assert response.status_code == 303, _text(response)
    detail = _text(marco.get(response.headers["Location"]))
    missing = re.search(r'data-testid="claim-missing">(.*?)</div>', detail, re.S).group(1)
    assert "Modulo CAI (constatazione amichevole) firmato" in missing and "Foto dei danni" not in missing


@pytest.mark.parametrize(("days", "message"), [
    (1, "La data del sinistro non può essere nel futuro."),
    (-400, "La data del sinistro deve essere compresa nel periodo di copertura della polizza: dal {first} al {last}."),
])
def test_a_date_in_the_future_or_outside_the_cover_is_refused_and_everything_typed_kept(marco, harness, days,
                                                                                          message):
    token = _token(marco)
    staged = _stage(marco, token, _photo(5, "paraurti.jpg")).get_json()
    day = _today(harness) + timedelta(days=days)
    response = _report(marco, _motor(token, harness, event_date=day.isoformat(), attachments=[staged["id"]]))
    text = _text(response)
    assert response.status_code == 422
    policy = harness.container.core_system().find_policy(MOTOR)
    months = ["gennaio", "febbraio", "marzo", "aprile", "maggio", "giugno", "luglio", "agosto", "settembre",
              "ottobre", "novembre", "dicembre"]
    first, last = policy.start_date, _today(harness)
    expected = message.format(first=f"{first.day} {months[first.month - 1]} {first.year}",
                              last=f"{last.day} {months[last.month - 1]} {last.year}")
    assert re.search(r'data-testid="error-event_date">([^<]+)', text).group(1) == expected
    assert f'value="{day.isoformat()}"' in text and 'value="18:40"' in text and "Tamponamento al semaforo" in text
    assert 'value="Mario Verdi"' in text and 'value="collision" checked' in text
    assert "paraurti.jpg" in text and f'name="attachments" value="{staged["id"]}"' in text
    assert harness.container.policy_requests().list(_account(harness)) == []


def _account(harness, email: str = MARCO) -> str:
    with harness.container.uow() as uow:
        return uow.accounts.get_by_email(email).id


def test_a_vita_claim_with_a_wrong_iban_comes_back_then_goes_with_the_iban_masked(marco, harness):
    page = _text(marco.get(FORM.format(VITA)))
    # A maturity is offered only once the policy has matured (this one matures in years).
    assert re.findall(r'name="kind" value="([a-z_]+)"', page) == ["death"]
    assert 'name="iban"' in page and 'data-testid="questionnaire-anti_money_laundering"' in page
    form = {**_answers(), "csrf_token": _token(marco, VITA), "idempotency_key": "vita-claim-1", "kind": "death",
            "event_date": (_today(harness) - timedelta(days=3)).isoformat(), "iban": "IT60X0542811101000000123457",
            "iban_holder": "Marco Rinaldi"}
    response = _report(marco, form, VITA)
    text = _text(response)
    assert response.status_code == 422
    assert "L'IBAN non è valido" in re.search(r'data-testid="error-iban">([^<]+)', text).group(1)
    assert 'value="IT60X0542811101000000123457"' in text and 'value="Marco Rinaldi"' in text
    assert '<option value="savings" selected>' in text  # the questionnaires' answers kept
    response = _report(marco, {**form, "iban": "IT60 X054 2811 1010 0000 0123 456",
                               "files": [_photo(6, "documento.jpg")], "document": "beneficiary_id"}, VITA)
    assert response.status_code == 303, _text(response)
    detail = _text(marco.get(response.headers["Location"]))
    assert "IT60 •••• •••• 3456" in detail and "0123456" not in detail and "Decesso dell'assicurato" in detail
    assert 'data-testid="claim-missing"' in detail  # the death certificate and the heirs' declaration


def test_a_text_file_named_jpg_is_refused_by_its_content(marco, harness):
    token = _token(marco)
    fake = (io.BytesIO(b"Questo non e' una foto, solo testo.\n" * 20), "foto.jpg")
    response = _stage(marco, token, fake)
    assert response.status_code == 415
    assert response.get_json()["message"].startswith("Il file «foto.jpg» non è un'immagine JPEG o PNG né un PDF")
    fake = (io.BytesIO(b"Questo non e' una foto, solo testo.\n" * 20), "foto.jpg")
    response = _report(marco, _motor(token, harness, files=[fake]))
    assert response.status_code == 422
    assert "Il file «foto.jpg» non è un'immagine" in re.search(r'data-testid="error-files">([^<]+)',
                                                               _text(response)).group(1)
    assert harness.container.policy_requests().list(_account(harness)) == []


def test_more_files_than_the_limit_are_refused(marco, harness):
    token = _token(marco)
    for seed in range(MAX_FILES):
        assert _stage(marco, token, _photo(seed)).status_code == 201
    response = _stage(marco, token, _photo(99))
    assert response.status_code == 422 and response.get_json()["code"] == "too_many_files"
    assert response.get_json()["message"] == (f"Puoi allegare al massimo {MAX_FILES} file: rimuovine qualcuno "
                                              "prima di aggiungerne altri.")
    assert _text(marco.get(FORM.format(MOTOR))).count('data-testid="staged-file"') == MAX_FILES


def test_another_customers_policy_and_files_are_404(client, harness, demo_accounts):
    _log_in(client)
    token = _token(client)
    staged = _stage(client, token, _photo(7)).get_json()
    response = _report(client, _motor(token, harness, attachments=[staged["id"]]))
    number = NUMBER.search(response.headers["Location"]).group(1)
    extra = _stage(client, token, _photo(8)).get_json()
    client.post("/esci", data={"csrf_token": token})
    _log_in(client, VALERIA)
    token = csrf_token(client, "/area-clienti")
    assert client.get(FORM.format(MOTOR)).status_code == 404
    assert _stage(client, token, _photo(9)).status_code == 404
    assert client.get(staged["download_url"]).status_code == 404
    assert client.get(extra["download_url"]).status_code == 404
    assert client.delete(extra["remove_url"], headers={"X-CSRFToken": token}).status_code == 404
    add = client.post(f"/area-clienti/richieste/{number}/documenti",
                      data={"csrf_token": token, "attachments": extra["id"]})
    assert add.status_code == 404


def test_a_customer_who_may_not_report_a_claim_cannot_stage_a_file_for_one(client, harness, demo_accounts):
    _log_in(client, VALERIA)  # her identity document has expired: the claim function is refused
    token = csrf_token(client, "/area-clienti")
    response = _stage(client, token, _photo(3), policy="DA20041530")
    assert response.status_code == 403
    assert response.get_json()["message"].startswith("Il tuo documento d'identità è scaduto")
    with harness.container.uow() as uow:
        assert uow.attachments.staged(_account(harness, VALERIA)) == []


def test_documents_added_later_add_a_step_to_the_timeline(marco, harness):
    token = _token(marco)
    response = _report(marco, _motor(token, harness, kind="vandalism", document="photo", files=[_photo(10)]))
    number = NUMBER.search(response.headers["Location"]).group(1)
    detail = _text(marco.get(f"/area-clienti/richieste/{number}"))
    assert "Denuncia alle autorità" in re.search(r'data-testid="claim-missing">(.*?)</div>', detail, re.S).group(1)
    assert "Documenti integrati" not in detail and 'data-testid="add-documents-form"' in detail
    later = _stage(marco, token, _photo(11, "verbale.jpg"), "police_report").get_json()
    added = marco.post(f"/area-clienti/richieste/{number}/documenti",
                       data={"csrf_token": token, "attachments": later["id"]})
    assert added.status_code == 303
    detail = _text(marco.get(f"/area-clienti/richieste/{number}"))
    assert "Documenti aggiunti alla denuncia" in detail
    assert re.search(r'data-step="documents_added">\s*<span class="when">[^<]+</span>\s*'
                     r'<span class="what">Documenti integrati</span>', detail)
    assert "verbale.jpg" in detail and 'data-testid="claim-missing"' not in detail
    request = harness.container.policy_requests().get(_account(harness), number)
    assert [e.step.value for e in request.events if e.step] == ["documents_added"]
    nothing = marco.post(f"/area-clienti/richieste/{number}/documenti", data={"csrf_token": token})
    assert nothing.status_code == 303
    assert "Scegli almeno un file da aggiungere." in _text(marco.get(f"/area-clienti/richieste/{number}"))


def test_without_the_script_rimuovi_posts_the_form_and_brings_it_back_with_everything_typed(marco, harness):
    token = _token(marco)
    kept = _stage(marco, token, _photo(12, "resta.jpg")).get_json()
    dropped = _stage(marco, token, _photo(13, "togli.jpg")).get_json()
    response = marco.post(f"{FORM.format(MOTOR)}/file/{dropped['id']}/rimuovi",
                          data=_motor(token, harness, attachments=[kept["id"], dropped["id"]]),
                          content_type="multipart/form-data")
    text = _text(response)
    assert response.status_code == 200
    assert "resta.jpg" in text and "togli.jpg" not in text
    assert 'value="Mario Verdi"' in text and "Tamponamento al semaforo" in text and 'value="collision" checked' in text
    assert harness.container.policy_requests().list(_account(harness)) == []


def test_a_maturity_claim_before_the_policy_matures_is_refused(marco, harness):
    form = {**_answers(), "csrf_token": _token(marco, VITA), "idempotency_key": "vita-maturity", "kind": "maturity",
            "event_date": (_today(harness) - timedelta(days=1)).isoformat(), "iban": "IT60X0542811101000000123456",
            "iban_holder": "Marco Rinaldi"}
    response = _report(marco, form, VITA)
    assert response.status_code == 422 and 'value="Marco Rinaldi"' in _text(response)
    assert harness.container.policy_requests().list(_account(harness, "marco.rinaldi@example.it")) == []


def test_the_form_offers_the_documents_of_its_product_only(marco):
    motor, vita = _text(marco.get(FORM.format(MOTOR))), _text(marco.get(FORM.format(VITA)))
    offered = lambda page: re.findall(r'<option value="([a-z_]+)"', page.split('data-testid="document-kind"')[1].split("</select>")[0])  # noqa: E731
    assert "cai_form" in offered(motor) and "death_certificate" not in offered(motor)
    assert "death_certificate" in offered(vita) and "photo" not in offered(vita)
