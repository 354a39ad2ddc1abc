"""Personal data changes (R-DISP-DATA) through the real container with in-memory adapters: one request per
party on the shared life cycle, applied by the demo core system once it completes it, the gate of R-ID-5,
the address, phone and email rules, and what is pending beside the current values."""
from __future__ import annotations

import pytest

from areaclienti.app.use_cases.data_changes import ChangePersonalData
from areaclienti.domain.data_changes import DeliveryMode, PersonalDataInvalid, PostalAddress, Section
from areaclienti.domain.errors import FunctionNotAvailable, NotFound
from areaclienti.domain.requests import RequestKind, RequestStatus

from .test_requests import MARCO, VALERIA, account_id, follow_up_after

S = RequestStatus
HOME = "DA20040288"  # Marco's registration policy
VITA = "VI10011940"
BOLOGNA = {"country": "IT", "street": "Via dell'Indipendenza", "number": "10", "cap": "40121", "comune": "bologna",
           "province": "bo"}


@pytest.fixture
def delay(harness) -> float:
    return harness.container.core_system().delay.total_seconds()


def change(harness, section: Section, typed: dict, *, key: str = "dc-1", policy: str | None = None,
           email: str = MARCO):
    return harness.container.data_changes().submit(ChangePersonalData(
        account_id(harness, email), section, typed, key, policy))


def marco_details(harness, demo):
    party = next(a.party_id for a in demo.registered_accounts if a.email == MARCO)
    return harness.container.core_system().party_details(party)


def test_a_new_residence_is_one_request_that_the_core_system_applies_once_completed(harness, seeded, delay):
    before = marco_details(harness, seeded)
    assert before.residence.comune == "Roma"
    request = change(harness, Section.RESIDENCE, BOLOGNA)
    assert request.kind is RequestKind.DATA_CHANGE and request.number.startswith("RP-")
    assert request.policy_number == HOME  # the registration policy, coming from the profile
    residence = request.payload["changes"]["residence"]
    assert residence["old"]["comune"] == "Roma"
    assert residence["new"] == {"country": "IT", "street": "Via dell'Indipendenza", "number": "10", "cap": "40121",
                                "comune": "Bologna", "province": "BO", "istat_code": "037006"}
    assert list(request.payload["changes"]) == ["residence"]  # only what changes
    page = harness.container.data_changes().page(account_id(harness))
    assert page.details.residence.comune == "Roma"  # not applied yet
    assert page.pending["residence"]["comune"] == "Bologna" and page.pending_numbers["residence"] == request.number

    follow_up_after(harness, delay)
    follow_up_after(harness, delay)
    done = harness.container.policy_requests().get(account_id(harness), request.number)
    assert done.status is S.COMPLETED
    after = marco_details(harness, seeded)
    assert (after.residence.comune, after.residence.cap, after.residence.province) == ("Bologna", "40121", "BO")
    assert after.landline == before.landline  # the rest as before
    page = harness.container.data_changes().page(account_id(harness))
    assert page.pending == {} and page.details.residence.comune == "Bologna"


def test_the_same_key_again_answers_the_first_request(harness, seeded):
    first = change(harness, Section.RESIDENCE, BOLOGNA)
    again = change(harness, Section.RESIDENCE, BOLOGNA)
    assert again.number == first.number
    assert harness.container.core_system().counts() == (1, 1)


def test_from_a_policy_page_the_request_hangs_on_that_policy(harness, seeded):
    request = change(harness, Section.RESIDENCE, BOLOGNA, policy=VITA)
    assert request.policy_number == VITA


def test_another_customers_policy_is_not_found(harness, seeded):
    with pytest.raises(NotFound):
        change(harness, Section.RESIDENCE, BOLOGNA, policy="DA20041530")  # Valeria's


def test_an_expired_document_may_not_send_a_change_and_the_page_says_why(harness, seeded):
    with pytest.raises(FunctionNotAvailable) as refused:
        change(harness, Section.RESIDENCE, BOLOGNA, email=VALERIA)
    assert refused.value.params["refusal"] == "identification"
    assert refused.value.params["gate"] == "document_expired"
    page = harness.container.data_changes().page(account_id(harness, VALERIA))
    assert not page.allowed and page.refusal.params["gate"] == "document_expired"
    assert page.details.residence.comune == "Verona"  # the current data are still shown
    assert harness.container.core_system().counts() == (0, 0)


@pytest.mark.parametrize(("typed", "problems"), [
    ({**BOLOGNA, "comune": "Bolognina di Sopra"}, {"residence.comune": "unknown"}),
    ({**BOLOGNA, "cap": "00183"}, {"residence.cap": "mismatch"}),
    ({**BOLOGNA, "province": "MI"}, {"residence.province": "mismatch"}),
    ({**BOLOGNA, "cap": "4012"}, {"residence.cap": "format"}),
    ({**BOLOGNA, "country": "", "comune": "Paris", "cap": "75001", "province": ""}, {"residence.country": "missing"}),
    ({**BOLOGNA, "street": " ", "number": ""}, {"residence.street": "missing", "residence.number": "missing"}),
])
def test_bad_addresses_are_refused_field_by_field(harness, seeded, typed, problems):
    with pytest.raises(PersonalDataInvalid) as invalid:
        change(harness, Section.RESIDENCE, typed)
    assert invalid.value.params["problems"] == problems
    assert harness.container.core_system().counts() == (0, 0)


def test_a_foreign_address_with_its_country(harness, seeded):
    request = change(harness, Section.DOMICILE, {"country": "FR", "street": "Rue de Rivoli", "number": "5",
                                                  "cap": "75001", "comune": "Paris", "province": ""})
    assert request.payload["changes"]["domicile"] == {"old": None, "new": {
        "country": "FR", "street": "Rue de Rivoli", "number": "5", "cap": "75001", "comune": "Paris", "province": ""}}


def test_contacts_phones_email_and_paper_delivery(harness, seeded, delay):
    request = change(harness, Section.CONTACTS, {
        "landline": "051 6543210", "other_phone": "+33 1 42 68 53 00", "correspondence_email": "Marco@Example.IT",
        "delivery_mode": "paper", "postal_address": "residence"})
    changes = request.payload["changes"]
    assert changes["landline"] == {"old": "+390645678123", "new": "+390516543210"}
    assert changes["other_phone"]["new"] == "+33142685300"
    assert changes["correspondence_email"]["new"] == "marco@example.it"
    assert changes["delivery_mode"] == {"old": "reserved_area", "new": "paper"}
    assert changes["postal_address"] == {"old": None, "new": "residence"}
    follow_up_after(harness, 2 * delay)
    follow_up_after(harness, 2 * delay)
    after = marco_details(harness, seeded)
    assert after.delivery_mode is DeliveryMode.PAPER and after.postal_address is PostalAddress.RESIDENCE
    assert after.landline == "+390516543210"


@pytest.mark.parametrize(("typed", "problems"), [
    ({"landline": "329 118 0442", "delivery_mode": "reserved_area"}, {"landline": "not_landline"}),
    ({"landline": "12", "delivery_mode": "reserved_area"}, {"landline": "format"}),
    ({"correspondence_email": "marco@", "delivery_mode": "email"}, {"correspondence_email": "format"}),
    ({"delivery_mode": "email"}, {"correspondence_email": "needed_for_email"}),
    ({"delivery_mode": "paper"}, {"postal_address": "missing"}),
    ({"delivery_mode": "paper", "postal_address": "domicile"}, {"postal_address": "no_domicile"}),
    ({"delivery_mode": "fax"}, {"delivery_mode": "missing"}),
])
def test_bad_contacts_are_refused(harness, seeded, typed, problems):
    with pytest.raises(PersonalDataInvalid) as invalid:
        change(harness, Section.CONTACTS, typed)
    assert invalid.value.params["problems"] == problems


def test_nothing_changed_sends_nothing(harness, seeded):
    with pytest.raises(PersonalDataInvalid) as invalid:
        change(harness, Section.CONTACTS, {"landline": "+39 06 4567 8123",
                                           "correspondence_email": "marco.rinaldi@example.it",
                                           "delivery_mode": "reserved_area"})
    assert invalid.value.params["problems"] == {"contacts": "nothing_changed"}


def test_a_completed_change_is_applied_to_the_party_that_asked_only(harness, seeded, delay):
    valeria = next(a.party_id for a in seeded.registered_accounts if a.email == VALERIA)
    core = harness.container.core_system()
    before = core.party_details(valeria)
    change(harness, Section.RESIDENCE, BOLOGNA)
    follow_up_after(harness, 2 * delay)
    follow_up_after(harness, 2 * delay)
    assert core.party_details(valeria) == before
    assert marco_details(harness, seeded).residence.comune == "Bologna"
