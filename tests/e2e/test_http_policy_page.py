"""The policy page a customer is owed (R-INFO), the «Documenti» page, the document downloads and the dashboard's
promotional box (IVASS Regolamento 41/2018 art. 42 c.3 and art. 43), over HTTP with the test client."""
from __future__ import annotations

import html
import re
from datetime import time, timedelta
from urllib.parse import quote
from zoneinfo import ZoneInfo

import pytest
from babel.dates import format_date, format_datetime

from areaclienti.adapters.demo_core.data import DEMO_PASSWORD, MARCO_SUSPENDED
from areaclienti.app.use_cases.suspension import ScheduleChange
from areaclienti.domain.policy_information import DocumentKind

from .journeys import csrf_token

MARCO = "marco.rinaldi@example.it"
VALERIA = "valeria.costa@example.it"
MOTOR = "DA20040117"
HOME = "DA20040288"
SAVINGS = "VI10011940"
UNIT_LINKED = "VI10012205"
VALERIAS = "DA20041530"
ROME = ZoneInfo("Europe/Rome")


def _text(response) -> str:
    return html.unescape(response.get_data(as_text=True)).replace("\xa0", " ").replace("\u202f", " ")


def _section(page: str, testid: str) -> str:
    """The <section> (or <aside>) of the page with this data-testid; an assertion error when it is missing."""
    match = re.search(rf'<(section|aside)[^>]*data-testid="{testid}"[^>]*>(.*?)</\1>', page, re.S)
    assert match, f"no {testid!r} on the page"
    return match.group(2)


def _log_in(client, email: str = MARCO) -> None:
    response = client.post("/accesso", data={"csrf_token": csrf_token(client, "/accesso"), "email": email,
                                             "password": DEMO_PASSWORD})
    assert response.status_code == 302, _text(response)


def _account(harness, email: str = MARCO) -> str:
    with harness.container.uow() as uow:
        return uow.accounts.get_by_email(email).id


def _document(harness, number: str, kind: DocumentKind):
    return next(d for d in harness.container.core_system().documents([number])[number] if d.kind is kind)


def _long(day) -> str:
    return format_date(day, "d MMMM y", locale="it")


def _moment(moment) -> str:
    return format_datetime(moment, "d MMMM y, HH:mm", tzinfo=ROME, locale="it")


@pytest.fixture
def marco(client, demo_accounts):
    _log_in(client)
    return client


@pytest.fixture
def valeria(client, demo_accounts):
    _log_in(client, VALERIA)
    return client


# --- the policy page ------------------------------------------------------------------------------
def test_a_motor_policy_shows_its_covers_in_euro_and_the_risk_certificate_to_download(marco, harness):
    page = _text(marco.get(f"/area-clienti/polizze/{MOTOR}"))
    covers = _section(page, "covers")
    assert "Responsabilità civile auto" in covers and "Assistenza stradale" in covers
    assert "Massimale" in covers and "7.750.000,00 €" in covers
    assert "Franchigia" in covers and "250,00 €" in covers
    certificate = _document(harness, MOTOR, DocumentKind.RISK_CERTIFICATE)
    box = _section(page, "documents")
    link = f"/area-clienti/polizze/{MOTOR}/documenti/{certificate.id}.pdf"
    assert 'data-testid="risk-certificate"' in box and f'href="{link}" data-testid="risk-certificate-link"' in box
    conditions = _document(harness, MOTOR, DocumentKind.CONDITIONS)
    assert f"/area-clienti/polizze/{MOTOR}/documenti/{conditions.id}.pdf" in box
    assert f"emesso il {_long(conditions.issued_on)}" in box
    assert 'data-testid="policy-value"' not in page  # a Danni policy has no surrender value


def test_a_home_policy_has_its_conditions_but_no_risk_certificate(marco):
    page = _text(marco.get(f"/area-clienti/polizze/{HOME}"))
    assert "Incendio del fabbricato" in _section(page, "covers")
    documents = _section(page, "documents")
    assert "Condizioni di assicurazione" in documents
    assert "risk-certificate" not in documents and "Attestato di rischio" not in documents


def test_a_savings_plan_shows_its_surrender_value_as_of_today_and_the_surrender_button(marco, harness):
    page = _text(marco.get(f"/area-clienti/polizze/{SAVINGS}"))
    value = _section(page, "policy-value")
    today = harness.clock.now().astimezone(ROME).date()
    assert f"Valore di riscatto al {_long(today)}" in value and "Premi versati" in value
    assert re.search(r'data-testid="value-amount">[\d.]+,\d\d €<', value)
    functions = _section(page, "functions")
    assert f'href="/area-clienti/polizze/{SAVINGS}/riscatto" data-testid="surrender-button"' in functions
    assert "Richiedi il riscatto" in functions


def test_a_plan_too_young_to_surrender_says_from_when_instead_of_a_button(marco, harness):
    functions = _section(_text(marco.get("/area-clienti/polizze/VI10013021")), "functions")
    policy = harness.container.core_system().find_policy("VI10013021")
    first = policy.start_date.replace(year=policy.start_date.year + 1)
    assert "surrender-button" not in functions
    assert f"Il riscatto sarà possibile dal {_long(first)}." in functions


def test_a_unit_linked_shows_the_value_of_the_position_with_its_day(marco, harness):
    page = _text(marco.get(f"/area-clienti/polizze/{UNIT_LINKED}"))
    value = _section(page, "policy-value")
    position = harness.container.core_system().information(UNIT_LINKED).value
    assert f"Controvalore della posizione al {_long(position.as_of)}" in value
    assert "Valore di riscatto al" not in value


def test_the_suspended_motorbike_shows_its_suspension_running_and_the_reactivate_button(marco, harness):
    page = _text(marco.get(f"/area-clienti/polizze/{MARCO_SUSPENDED}"))
    suspensions = _section(page, "suspensions")
    period = harness.container.core_system().information(MARCO_SUSPENDED).suspensions[-1]
    assert f"Sospesa dal {_moment(period.starts_at)}" in suspensions
    assert 'data-state="running"' in suspensions and "in corso" in suspensions
    functions = _section(page, "functions")
    assert f'href="/area-clienti/polizze/{MARCO_SUSPENDED}/sospensione" data-testid="reactivate-button"' in functions
    assert "Riattiva la copertura" in functions and "suspend-button" not in functions


def test_no_function_is_still_coming_soon_and_the_data_change_links_to_the_personal_data(marco):
    functions = _section(_text(marco.get(f"/area-clienti/polizze/{MOTOR}")), "functions")
    assert f'href="/area-clienti/polizze/{MOTOR}/sospensione" data-testid="suspend-button"' in functions
    items = re.findall(r'<li data-testid="function-(\w+)".*?</li>', functions, re.S)
    soon = [m for m in re.finditer(r'<li data-testid="function-(\w+)"(.*?)</li>', functions, re.S)
            if "Presto online" in m.group(2)]
    assert "suspension" in items and "data_change" in items and soon == []
    assert f'href="/area-clienti/dati-personali?policy={MOTOR}" data-testid="data-change-button"' in functions


def test_a_suspension_asked_for_tomorrow_is_scheduled_and_its_request_is_listed(marco, harness):
    tomorrow = harness.clock.now().astimezone(ROME).date() + timedelta(days=1)
    request = harness.container.suspensions().suspend(
        ScheduleChange(_account(harness), MOTOR, tomorrow, time(14, 0), "susp-http-1"))
    page = _text(marco.get(f"/area-clienti/polizze/{MOTOR}"))
    suspensions = _section(page, "suspensions")
    assert f"Sospesa dal {_long(tomorrow)}, 14:00" in suspensions
    assert 'data-state="scheduled"' in suspensions and "programmata" in suspensions
    requests = _section(page, "policy-requests")
    assert f'href="/area-clienti/richieste/{request.number}"' in requests
    assert "Sospensione" in requests and _moment(request.created_at) in requests


def test_a_policy_without_requests_says_so(marco):
    requests = _section(_text(marco.get(f"/area-clienti/polizze/{HOME}")), "policy-requests")
    assert "Non hai ancora fatto richieste su questa polizza." in requests


def test_another_customers_policy_page_is_not_found(marco):
    assert marco.get(f"/area-clienti/polizze/{VALERIAS}").status_code == 404


# --- «Documenti» and the downloads ----------------------------------------------------------------
def test_the_documents_page_lists_every_policy_of_marco_vita_first(marco, harness):
    response = marco.get("/area-clienti/documenti")
    assert response.status_code == 200
    page = _text(response)
    assert 'data-testid="documents-link"' in page  # the nav link
    numbers = re.findall(r'data-testid="documents-((?:VI|DA)\d+)"', page)
    assert set(numbers) == {SAVINGS, "VI10013021", UNIT_LINKED, MOTOR, MARCO_SUSPENDED, HOME}
    assert all(n.startswith("VI") for n in numbers[:3]) and all(n.startswith("DA") for n in numbers[3:])
    for number, documents in harness.container.core_system().documents(numbers).items():
        for d in documents:
            assert f'href="/area-clienti/polizze/{number}/documenti/{d.id}.pdf">{html.escape(d.title)}' in \
                response.get_data(as_text=True)


def test_the_documents_page_asks_to_sign_in(client):
    response = client.get("/area-clienti/documenti")
    assert response.status_code == 302 and "/accesso" in response.headers["Location"]


def test_the_risk_certificate_downloads_as_a_pdf_attachment_not_kept_in_caches(marco, harness):
    certificate = _document(harness, MOTOR, DocumentKind.RISK_CERTIFICATE)
    response = marco.get(f"/area-clienti/polizze/{MOTOR}/documenti/{certificate.id}.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf" and response.data.startswith(b"%PDF")
    disposition = response.headers["Content-Disposition"]
    expected = f"Attestato_di_rischio_{MOTOR}_{certificate.issued_on.isoformat()}.pdf"
    assert disposition.startswith("attachment;") and f"filename={expected}" in disposition
    assert response.headers["Cache-Control"] == "no-store"


def test_a_title_with_accents_gets_a_plain_file_name(marco, harness):
    conditions = _document(harness, HOME, DocumentKind.CONDITIONS)
    response = marco.get(f"/area-clienti/polizze/{HOME}/documenti/{conditions.id}.pdf")
    assert response.status_code == 200
    name = re.search(r"filename=([^;]+)", response.headers["Content-Disposition"]).group(1)
    assert re.fullmatch(r"[A-Za-z0-9_.-]+\.pdf", name) and HOME in name, name
    assert quote(name) == name


def test_another_customers_document_and_an_unknown_one_get_the_same_404(marco, harness):
    hers = _document(harness, VALERIAS, DocumentKind.CONDITIONS)
    other = marco.get(f"/area-clienti/polizze/{VALERIAS}/documenti/{hers.id}.pdf")
    unknown = marco.get(f"/area-clienti/polizze/{MOTOR}/documenti/conditions-19000101.pdf")
    no_policy = marco.get("/area-clienti/polizze/DA99999999/documenti/conditions-19000101.pdf")
    assert other.status_code == unknown.status_code == no_policy.status_code == 404
    assert not other.data.startswith(b"%PDF")
    main = [re.search(r"<main.*?</main>", _text(r), re.S).group(0) for r in (other, unknown, no_policy)]
    assert main[0] == main[1] == main[2]
    assert "Il documento che cerchi non esiste." in main[0]


def test_marcos_risk_certificate_is_not_valerias_to_download(valeria, harness):
    certificate = _document(harness, MOTOR, DocumentKind.RISK_CERTIFICATE)
    assert valeria.get(f"/area-clienti/polizze/{MOTOR}/documenti/{certificate.id}.pdf").status_code == 404


# --- the promotional box (IVASS art. 43) ---------------------------------------------------------
def test_marco_gave_the_marketing_consent_and_sees_the_promotional_box_apart(marco):
    page = _text(marco.get("/area-clienti"))
    box = _section(page, "promo-box")
    assert "Comunicazione promozionale" in box and 'href="https://www.example.it/' in box
    assert re.search(r'<aside class="promo" aria-labelledby="promo-label"', page)
    assert 'id="promo-label">Comunicazione promozionale<' in page


def test_valeria_gave_no_marketing_consent_and_sees_no_promotion(valeria):
    page = _text(valeria.get("/area-clienti"))
    assert "promo-box" not in page and "Comunicazione promozionale" not in page
    assert "example.it/offerte" not in page
