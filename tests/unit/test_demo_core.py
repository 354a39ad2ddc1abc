"""The demo core system (SPEC §9): valid codes, and every scenario ends as its table row says."""
from __future__ import annotations

import itertools
from datetime import date, datetime, time, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from stdnum.it import codicefiscale, iva

from areaclienti.adapters.demo_core import (
    DemoCoreSystem,
    DemoData,
    build_demo_data,
    scenarios_as_json,
    seed_accounts,
)
from areaclienti.adapters.demo_core.data import tax_code_for, vat_number_for
from areaclienti.adapters.demo_core.ledger import InMemoryLedger
from areaclienti.app.ports.core_system import SUSPENSION_WITHDRAWAL, HandOff
from areaclienti.app.ports.security import PasswordHasher
from areaclienti.app.ports.unit_of_work import UnitOfWork
from areaclienti.domain import errors
from areaclienti.domain.accounts import Account, AccountOrigin, AccountStatus, ensure_may_register
from areaclienti.domain.contacts import normalise_email, normalise_mobile
from areaclienti.domain.products import DispositiveFunction
from areaclienti.domain.eligibility import (
    access_window_closes_on,
    check_can_register_with,
    is_in_force,
    visible_policies,
)
from areaclienti.domain.parties import PartyId, PartyKind, parse_tax_code, parse_vat_number
from areaclienti.domain.passwords import check_new_password, personal_fragments
from areaclienti.domain.policies import Company, Policy, PolicyStatus, Role
from areaclienti.domain.policy_information import DocumentKind, ValueKind
from areaclienti.domain.suspension import ROME

TODAY = date(2026, 3, 15)
NOW = datetime(2026, 3, 15, 9, 30, tzinfo=timezone.utc)
SCENARIOS = [
    "policyholder_vita",
    "policyholder_danni",
    "member_collective",
    "risk_certificate_holder",
    "insured_only",
    "expired_10_months",
    "expired_30_months",
    "company",
    "contacts_at_issuance",
    "legacy",
    "legacy_wrong_data",
    "already_registered",
    "identified",
    "identified_expired_document",
]
REGISTERED = ("already_registered", "identified", "identified_expired_document")
# What step 1 of the registration must answer, by the domain rules alone (accounts come after).
ELIGIBILITY_ERROR = {
    "insured_only": errors.RoleDoesNotQualify,
    "expired_30_months": errors.PolicyTooOld,
    "legacy_wrong_data": errors.PolicyDataMismatch,
}
# What the account rules add once the seeded accounts are in place.
ACCOUNT_ERROR = {
    "legacy": errors.LegacyAccountExists,
    "already_registered": errors.AlreadyRegistered,
    "identified": errors.AlreadyRegistered,
    "identified_expired_document": errors.AlreadyRegistered,
}
AWKWARD_DAYS = [date(2027, 1, 31), date(2028, 2, 29), date(2030, 12, 31), date(2025, 8, 31), date(2024, 3, 31)]


# --- fakes -----------------------------------------------------------------------------------------------
class FakeAccounts:
    def __init__(self) -> None:
        self.committed: dict[str, Account] = {}
        self.staged: dict[str, Account] = {}

    def add(self, account: Account) -> None:
        self.staged[account.id] = account

    def get_by_party(self, party_id: PartyId) -> Account | None:
        return next((a for a in self.staged.values() if a.party_id == party_id), None)


class FakeUnitOfWork(UnitOfWork):
    def __init__(self) -> None:
        self.accounts = FakeAccounts()  # type: ignore[assignment]
        self.commits = 0

    def _begin(self) -> None:
        self.accounts.staged = dict(self.accounts.committed)

    def _commit(self) -> None:
        self.accounts.committed = dict(self.accounts.staged)
        self.commits += 1

    def rollback(self) -> None:
        self.accounts.staged = dict(self.accounts.committed)


class FakeHasher(PasswordHasher):
    def hash(self, password: str) -> str:
        return "hashed:" + password

    def verify(self, password_hash: str, password: str) -> bool:
        return password_hash == self.hash(password)

    def needs_rehash(self, password_hash: str) -> bool:
        return False

    def dummy_verify(self) -> None:
        pass


def seeded(data: DemoData) -> FakeUnitOfWork:
    uow = FakeUnitOfWork()
    ids = (f"acc-{n}" for n in itertools.count(1))
    seed_accounts(uow, data=data, password_hasher=FakeHasher(), new_id=lambda: next(ids), now=NOW)
    return uow


@pytest.fixture
def data() -> DemoData:
    return build_demo_data(TODAY)


@pytest.fixture
def core(data: DemoData) -> DemoCoreSystem:
    return DemoCoreSystem(data)


def registration_outcome(core: DemoCoreSystem, uow: FakeUnitOfWork, scenario_name: str, today: date):
    """The error step 1 raises for a scenario (None: accepted), as the registration use case decides it."""
    scenario = core.data.scenario(scenario_name)
    try:
        check_can_register_with(core.find_policy(scenario.policy_number), scenario.party_id, today)
        ensure_may_register(uow.accounts.get_by_party(scenario.party_id))
    except errors.DomainError as error:
        return type(error)
    return None


# --- codes -----------------------------------------------------------------------------------------------
def test_the_generator_gives_the_textbook_codice_fiscale():
    assert tax_code_for(first_name="Mario", last_name="Rossi", birth_date=date(1980, 1, 1), female=False,
                        birthplace="H501") == "RSSMRA80A01H501U"
    # Four consonants or more in the first name: first, third and fourth; women add 40 to the day.
    assert tax_code_for(first_name="Francesca", last_name="Romano", birth_date=date(1990, 11, 5), female=True,
                        birthplace="L219")[:11] == "RMNFNC90S45"
    assert tax_code_for(first_name="Ugo", last_name="Fo", birth_date=date(2001, 6, 9), female=False,
                        birthplace="H501")[:6] == "FOXGUO"


@pytest.mark.parametrize(
    ("code_start", "first_name"),
    [("BNCGLI78C54F205", "Giulia"), ("SPSLCU85L22F839", "Luca"), ("RCCLSN99B18A944", "Alessandro"),
     ("MRNCHR82P70D612", "Chiara"), ("CNTLNE68T64B157", "Elena"), ("FNTMTT83R27G224", "Matteo")],
)
def test_tax_codes_spell_the_persons_data_as_worked_out_by_hand(data: DemoData, code_start: str, first_name: str):
    matches = [p for code, p in data.parties.items() if code.startswith(code_start)]
    assert [p.first_name for p in matches] == [first_name]


def test_every_person_has_a_valid_codice_fiscale_matching_birth_date(data: DemoData):
    persons = [p for p in data.parties.values() if p.id.kind is PartyKind.PERSON]
    assert len(persons) >= 12
    for party in persons:
        assert parse_tax_code(party.id.value) == party.id
        assert codicefiscale.is_valid(party.id.value)
        assert codicefiscale.get_birth_date(party.id.value) == party.birth_date
        assert party.first_name and party.last_name


def test_companies_have_valid_partite_iva(data: DemoData):
    companies = [p for p in data.parties.values() if p.id.kind is PartyKind.COMPANY]
    assert companies
    for party in companies:
        assert parse_vat_number(party.id.value) == party.id
        assert iva.is_valid(party.id.value)
    assert iva.is_valid(vat_number_for("1234567", "058"))


def test_every_code_in_the_dataset_is_valid(data: DemoData):
    codes = {pr.party_id for p in data.policies for pr in p.roles}
    codes |= {s.party_id for s in data.scenarios}
    codes |= {seed.party_id for seed in data.legacy_accounts + data.registered_accounts}
    for party_id in codes:
        parse = parse_vat_number if party_id.is_company else parse_tax_code
        assert parse(party_id.value) == party_id
    assert set(data.parties) == {p.id.value for p in data.parties.values()}


# --- scenarios --------------------------------------------------------------------------------------------
def test_the_scenarios_are_exactly_the_agreed_ones_each_with_its_own_person(data: DemoData):
    assert [s.scenario for s in data.scenarios] == SCENARIOS
    assert len({s.party_id for s in data.scenarios}) == len(SCENARIOS)
    for s in data.scenarios:
        assert (s.tax_code is None) != (s.vat_number is None)
        assert s.description_it and s.expected
        assert (s.password is not None) == (s.scenario in REGISTERED)


@pytest.mark.parametrize("today", [TODAY, *AWKWARD_DAYS])
def test_every_scenario_ends_as_its_row_says(today: date):
    data = build_demo_data(today)
    core, uow = DemoCoreSystem(data), seeded(data)
    for name in SCENARIOS:
        expected = ELIGIBILITY_ERROR.get(name) or ACCOUNT_ERROR.get(name)
        assert registration_outcome(core, uow, name, today) is expected, name
        assert data.scenario(name).expected.startswith("registration accepted") == (expected is None)


@settings(max_examples=60, deadline=None)
@given(st.dates(min_value=date(2020, 1, 1), max_value=date(2035, 12, 31)))
def test_scenario_outcomes_hold_whatever_the_day(today: date):
    data = build_demo_data(today)
    core, uow = DemoCoreSystem(data), seeded(data)
    for name in SCENARIOS:
        expected = ELIGIBILITY_ERROR.get(name) or ACCOUNT_ERROR.get(name)
        assert registration_outcome(core, uow, name, today) is expected, name
    ten = core.find_policy(data.scenario("expired_10_months").policy_number)
    thirty = core.find_policy(data.scenario("expired_30_months").policy_number)
    assert not is_in_force(ten, today) and access_window_closes_on(ten) > today
    assert not is_in_force(thirty, today) and access_window_closes_on(thirty) <= today


@pytest.mark.parametrize("today", AWKWARD_DAYS)
def test_expired_policies_sit_either_side_of_the_24_month_window(today: date):
    data = build_demo_data(today)
    core = DemoCoreSystem(data)
    ten = core.find_policy(data.scenario("expired_10_months").policy_number)
    thirty = core.find_policy(data.scenario("expired_30_months").policy_number)
    assert ten.status is thirty.status is PolicyStatus.EXPIRED
    assert ten.expiry_date < today < access_window_closes_on(ten)
    assert access_window_closes_on(thirty) <= today
    # Both companies have a policy expired 10 and 30 months ago (SPEC §9).
    ages = {(p.company, p.expiry_date) for p in data.policies if p.status is PolicyStatus.EXPIRED}
    assert ages >= {(Company.VITA, ten.expiry_date), (Company.DANNI, thirty.expiry_date)}


def test_member_and_risk_certificate_holder_hold_their_roles(core: DemoCoreSystem):
    member = core.data.scenario("member_collective")
    collective = core.find_policy(member.policy_number)
    assert Role.MEMBER in collective.roles_of(member.party_id)
    assert all(pr.party_id.is_company for pr in collective.roles if pr.role is Role.POLICYHOLDER)

    holder = core.data.scenario("risk_certificate_holder")
    motor = core.find_policy(holder.policy_number)
    assert motor.roles_of(holder.party_id) == {Role.RISK_CERTIFICATE_HOLDER}
    assert [pr.party_id for pr in motor.roles if pr.role is Role.POLICYHOLDER] != [holder.party_id]

    company = core.data.scenario("company")
    assert company.vat_number and company.tax_code is None
    assert core.find_policy(company.policy_number).roles_of(company.party_id) == {Role.POLICYHOLDER}


def test_contacts_at_issuance_are_returned_for_that_customer_only(core: DemoCoreSystem):
    scenario = core.data.scenario("contacts_at_issuance")
    contacts = core.find_policy(scenario.policy_number).contacts_for(scenario.party_id)
    assert contacts is not None
    assert (contacts.email, contacts.mobile) == (scenario.email, scenario.mobile)
    others = [s for s in core.data.scenarios if s.scenario != "contacts_at_issuance"]
    assert all(p.contacts_for(s.party_id) is None for s in others for p in core.policies_of(s.party_id))


def test_contacts_are_valid_as_typed(data: DemoData):
    emails = [s.email for s in data.scenarios if s.email]
    mobiles = [s.mobile for s in data.scenarios if s.mobile]
    emails += [c.email for p in data.policies for c in p.issuance_contacts.values()]
    mobiles += [c.mobile for p in data.policies for c in p.issuance_contacts.values()]
    assert len(emails) >= 4 and len(mobiles) >= 3
    assert all(normalise_email(e) == e for e in emails)
    assert all(normalise_mobile(m) == m and m.startswith("+393") for m in mobiles)
    assert [s.scenario for s in data.scenarios if s.email] == [
        "contacts_at_issuance", "legacy", "legacy_wrong_data", *REGISTERED]


def test_legacy_wrong_data_is_unknown_to_the_core_but_the_real_person_can_register(core: DemoCoreSystem):
    scenario = core.data.scenario("legacy_wrong_data")
    assert core.find_party(scenario.party_id) is None
    assert core.policies_of(scenario.party_id) == []
    (seed,) = [s for s in core.data.legacy_accounts if s.scenario == "legacy_wrong_data"]
    assert seed.party_id == scenario.party_id
    policy = core.find_policy(scenario.policy_number)
    (real_id,) = [pr.party_id for pr in policy.roles if pr.role is Role.POLICYHOLDER]
    assert real_id.value in scenario.description_it
    assert core.find_party(real_id).display_name == seed.display_name
    check_can_register_with(policy, real_id, TODAY)


def test_legacy_customer_is_known_to_the_core_with_a_policy_in_force(core: DemoCoreSystem):
    scenario = core.data.scenario("legacy")
    assert core.find_party(scenario.party_id) is not None
    assert is_in_force(core.find_policy(scenario.policy_number), TODAY)
    check_can_register_with(core.find_policy(scenario.policy_number), scenario.party_id, TODAY)


def test_demo_password_is_acceptable(data: DemoData):
    scenario = data.scenario("already_registered")
    check_new_password(scenario.password, None, is_common=lambda p: False,
                       personal_data=personal_fragments(tax_code=scenario.tax_code, email=scenario.email))


# --- dashboard -----------------------------------------------------------------------------------------------
def test_insured_only_policies_are_never_visible(core: DemoCoreSystem):
    for party_id in (pid for pid in {pr.party_id for p in core.data.policies for pr in p.roles}):
        shown = visible_policies(core.policies_of(party_id), party_id, TODAY)
        assert all(p.roles_of(party_id) - {Role.INSURED, Role.BENEFICIARY} for p in shown)
    giulia = core.data.scenario("policyholder_vita").party_id
    hidden = [p for p in core.policies_of(giulia) if p.roles_of(giulia) == {Role.INSURED}]
    assert hidden and not set(hidden) & set(visible_policies(core.policies_of(giulia), giulia, TODAY))
    chiara = core.data.scenario("insured_only").party_id
    assert core.policies_of(chiara) and visible_policies(core.policies_of(chiara), chiara, TODAY) == []


@pytest.mark.parametrize("scenario_name", ["policyholder_vita", "policyholder_danni", "company"])
def test_main_customers_see_several_policies_in_both_companies(core: DemoCoreSystem, scenario_name: str):
    party_id = core.data.scenario(scenario_name).party_id
    shown = visible_policies(core.policies_of(party_id), party_id, TODAY)
    assert len(shown) >= 2
    assert {p.company for p in shown} == {Company.VITA, Company.DANNI}


def test_policy_expired_30_months_ago_is_hidden_from_the_dashboard(core: DemoCoreSystem):
    davide = core.data.scenario("expired_10_months").party_id
    assert len(core.policies_of(davide)) == 2
    assert [p.number for p in visible_policies(core.policies_of(davide), davide, TODAY)] == ["VI10002964"]


def test_policies_carry_premium_and_dates(data: DemoData):
    assert len({p.number for p in data.policies}) == len(data.policies)
    for policy in data.policies:
        assert policy.premium is not None and policy.premium.amount > 0
        assert policy.expiry_date is None or policy.start_date < policy.expiry_date
        if policy.status is PolicyStatus.IN_FORCE and policy.premium.next_due_date:
            assert policy.premium.next_due_date > TODAY
    assert {PolicyStatus.IN_FORCE, PolicyStatus.SUSPENDED, PolicyStatus.EXPIRED} <= {
        p.status for p in data.policies}


# --- the port -----------------------------------------------------------------------------------------------
def test_find_policy_normalises_the_number(core: DemoCoreSystem):
    assert core.find_policy(" vi 1000 4521 ").number == "VI10004521"
    assert core.find_policy("VI99999999") is None
    assert core.find_policy("") is None


def test_policies_of_returns_every_policy_of_a_party(core: DemoCoreSystem):
    party_ids = {pr.party_id for p in core.data.policies for pr in p.roles}
    for party_id in party_ids:
        expected = [p for p in core.data.policies if p.roles_of(party_id)]
        assert core.policies_of(party_id) == expected
    assert core.policies_of(PartyId(PartyKind.PERSON, "RSSMRA80A01H501U")) == []


def test_find_party_knows_every_party_on_a_policy(core: DemoCoreSystem):
    for policy in core.data.policies:
        for pr in policy.roles:
            assert core.find_party(pr.party_id).id == pr.party_id
    assert core.find_party(PartyId(PartyKind.PERSON, "RSSMRA80A01H501U")) is None


def test_for_today_builds_dates_from_that_day():
    core = DemoCoreSystem.for_today(date(2031, 5, 31))
    assert core.find_policy("VI10002964").expiry_date == date(2030, 7, 31)


# --- product features -----------------------------------------------------------------------------------------
def test_every_product_has_features_and_they_differ(core: DemoCoreSystem):
    features = core.data.product_rules
    assert {p.product.code for p in core.data.policies} <= set(features)
    shapes = [(f.functions, f.payment_methods) for f in features.values()]
    assert len(set(shapes)) == len(shapes)
    assert core.product_rules("VITA-TCM").allows(DispositiveFunction.SURRENDER) is False
    assert core.product_rules("VITA-INVPLUS").allows(DispositiveFunction.SURRENDER) is True
    assert core.product_rules("VITA-PREVCOLL").payment_methods == ()
    assert core.product_rules("NOPE") is None


def test_go_live_dates_are_set_per_function(core: DemoCoreSystem):
    for features in core.data.product_rules.values():
        assert set(features.go_live) == set(features.functions)
        for function in features.functions:
            live_from = features.live_from(function)
            assert live_from.month == 7 and live_from.day == 1
            vita = features.product_code.startswith("VITA-")
            assert features.is_available(function, TODAY) == (function is not DispositiveFunction.SUSPENSION
                                                              or not vita)
    motor = core.product_rules("DANNI-AUTO")
    assert motor.live_from(DispositiveFunction.SUSPENSION) == date(2025, 7, 1)
    assert core.product_rules("VITA-RISP").live_from(DispositiveFunction.SUSPENSION) == date(2026, 7, 1)
    assert motor.live_from(DispositiveFunction.SURRENDER) is None
    assert not motor.is_available(DispositiveFunction.SURRENDER, TODAY)


# --- seeding -----------------------------------------------------------------------------------------------
def test_seed_adds_the_old_area_accounts_and_the_finished_registration_once(data: DemoData):
    uow = FakeUnitOfWork()
    ids = (f"acc-{n}" for n in itertools.count(1))
    kwargs = dict(data=data, password_hasher=FakeHasher(), new_id=lambda: next(ids), now=NOW)
    assert seed_accounts(uow, **kwargs) == 5
    assert seed_accounts(uow, **kwargs) == 0
    assert uow.commits == 2 and len(uow.accounts.committed) == 5

    legacy = uow.accounts.get_by_party(data.scenario("legacy").party_id)
    assert (legacy.status, legacy.origin) == (AccountStatus.LEGACY_PENDING, AccountOrigin.LEGACY)
    assert (legacy.email, legacy.mobile) == (data.scenario("legacy").email, data.scenario("legacy").mobile)
    wrong = uow.accounts.get_by_party(data.scenario("legacy_wrong_data").party_id)
    assert wrong.status is AccountStatus.LEGACY_PENDING and wrong.mobile is None

    scenario = data.scenario("already_registered")
    registered = uow.accounts.get_by_party(scenario.party_id)
    assert (registered.status, registered.origin) == (AccountStatus.CONSULTATIVE, AccountOrigin.REGISTRATION)
    assert registered.can_log_in and registered.privacy_accepted_at == NOW
    assert (registered.email, registered.mobile, registered.policy_number) == (
        scenario.email, scenario.mobile, scenario.policy_number)
    assert FakeHasher().verify(registered.password_hash, scenario.password)
    with pytest.raises(errors.AlreadyRegistered):
        ensure_may_register(registered)
    with pytest.raises(errors.LegacyAccountExists):
        ensure_may_register(legacy)

    identified = uow.accounts.get_by_party(data.scenario("identified").party_id)
    expired = uow.accounts.get_by_party(data.scenario("identified_expired_document").party_id)
    assert identified.gate(TODAY).allowed and identified.registered_document.identified_at == NOW
    assert expired.registered_document is not None and expired.gate(TODAY).reason.value == "document_expired"


def test_seed_leaves_a_party_who_already_has_an_account_alone(data: DemoData):
    uow = FakeUnitOfWork()
    paolo = data.scenario("legacy").party_id
    mine = Account(id="mine", party_id=paolo, status=AccountStatus.CONSULTATIVE,
                   origin=AccountOrigin.LEGACY, created_at=NOW)
    uow.accounts.committed["mine"] = mine
    ids = (f"acc-{n}" for n in itertools.count(1))
    assert seed_accounts(uow, data=data, password_hasher=FakeHasher(), new_id=lambda: next(ids), now=NOW) == 4
    assert uow.accounts.get_by_party(paolo) is mine


# --- the testers' page --------------------------------------------------------------------------------------
def test_scenarios_as_json_leaves_out_what_is_not_there(data: DemoData):
    rows = scenarios_as_json(data)
    assert [r["scenario"] for r in rows] == SCENARIOS
    by_name = {r["scenario"]: r for r in rows}
    assert set(by_name["policyholder_vita"]) == {"scenario", "description", "tax_code", "policy_number", "expected"}
    assert set(by_name["company"]) == {"scenario", "description", "vat_number", "policy_number", "expected"}
    assert set(by_name["legacy_wrong_data"]) == {
        "scenario", "description", "tax_code", "policy_number", "email", "expected"}
    assert by_name["already_registered"]["password"] == data.scenario("already_registered").password
    assert all(isinstance(v, str) for r in rows for v in r.values())


# --- the policy page's information (R-INFO) ------------------------------------------------------------------
MARCO_MOTOR, MARCO_BIKE, MARCO_HOME, MARCO_SAVINGS = "DA20040117", "DA20040355", "DA20040288", "VI10011940"
MARCO_UNIT_LINKED = "VI10012205"


def test_information_gives_the_covers_and_no_value_for_a_danni_policy():
    core = live_core()[0]
    found = core.information(" da 2004 0117 ")
    assert found.policy_number == MARCO_MOTOR
    assert found.covers == core.data.covers["DANNI-AUTO"] and len(found.covers) >= 3
    assert found.value is None and found.suspensions == ()
    assert core.information("DA99999999") is None and core.information("") is None


def test_information_gives_the_suspension_in_the_data_as_running():
    core = live_core()[0]
    bike = core.data.policies[[p.number for p in core.data.policies].index(MARCO_BIKE)]
    [period] = core.information(MARCO_BIKE).suspensions
    assert period.starts_at == datetime.combine(bike.suspended_on, time(0, 0), tzinfo=ROME)
    assert period.ends_at is None and period.active(NOW)
    assert core.information(MARCO_BIKE).current_suspension(NOW) == period


def test_a_savings_plan_is_worth_its_premiums_grown_as_of_today():
    core = live_core()[0]
    value = core.information(MARCO_SAVINGS).value
    assert value.kind is ValueKind.SURRENDER and value.as_of == TODAY
    assert value.amount > value.premiums_paid > 0 and value.surrender_value == value.amount
    assert core.information("VI10006183").value is None  # a term life has no value


@settings(max_examples=40, deadline=None)
@given(st.dates(min_value=date(2024, 1, 1), max_value=date(2032, 12, 31)))
def test_a_unit_linked_position_is_valued_on_the_last_working_day_before_today(today: date):
    core = DemoCoreSystem.for_today(today, now=lambda: datetime.combine(today, time(10, 0), tzinfo=ROME))
    value = core.information(MARCO_UNIT_LINKED).value
    assert value.kind is ValueKind.POSITION
    assert value.as_of < today and value.as_of.weekday() < 5 and (today - value.as_of).days <= 3
    assert all((value.as_of + timedelta(days=d)).weekday() >= 5 for d in range(1, (today - value.as_of).days))
    assert value.amount >= value.premiums_paid > 0


def test_documents_answers_several_policies_in_one_call_newest_first():
    core = live_core()[0]
    found = core.documents([MARCO_MOTOR, "vi1001 1940", "DA99999999", MARCO_HOME])
    assert set(found) == {MARCO_MOTOR, MARCO_SAVINGS, MARCO_HOME}
    for number, documents in found.items():
        assert all(d.policy_number == number for d in documents)
        assert len({d.id for d in documents}) == len(documents)
        assert [d.issued_on for d in documents] == sorted((d.issued_on for d in documents), reverse=True)
        assert {DocumentKind.CONDITIONS, DocumentKind.POLICY} <= {d.kind for d in documents}
    assert [d.kind for d in found[MARCO_MOTOR]].count(DocumentKind.RISK_CERTIFICATE) == 1
    assert DocumentKind.RISK_CERTIFICATE not in {d.kind for d in found[MARCO_HOME]}
    assert DocumentKind.STATEMENT in {d.kind for d in found[MARCO_SAVINGS]}
    assert core.documents([]) == {}


@settings(max_examples=30, deadline=None)
@given(st.dates(min_value=date(2024, 1, 1), max_value=date(2032, 12, 31)))
def test_the_risk_certificate_is_never_issued_in_the_future_nor_over_a_year_ago(today: date):
    core = DemoCoreSystem.for_today(today, now=lambda: datetime.combine(today, time(10, 0), tzinfo=ROME))
    [certificate] = [d for d in core.documents([MARCO_MOTOR])[MARCO_MOTOR]
                     if d.kind is DocumentKind.RISK_CERTIFICATE]
    assert certificate.issued_on <= today and (today - certificate.issued_on).days <= 366


def test_every_listed_document_downloads_as_a_pdf_of_its_policy():
    core = live_core()[0]
    import io

    from pypdf import PdfReader

    marco = core.find_policy(MARCO_MOTOR).roles[0].party_id
    numbers = [p.number for p in core.policies_of(marco)]
    listed = core.documents(numbers)
    assert set(listed) == set(numbers)
    for number, documents in listed.items():
        for document in documents:
            content = core.document_content(number, document.id)
            assert content is not None and content.startswith(b"%PDF"), (number, document.id)
            text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
            assert number in text and document.title.split()[0] in text
    certificate = next(d for d in listed[MARCO_MOTOR] if d.kind is DocumentKind.RISK_CERTIFICATE)
    assert core.document_content(MARCO_MOTOR.lower(), certificate.id).startswith(b"%PDF")
    assert core.document_content(MARCO_HOME, certificate.id) is None  # the home policy has no such document
    assert core.document_content(MARCO_MOTOR, "risk_certificate-19990101") is None
    assert core.document_content(MARCO_MOTOR, "") is None
    assert core.document_content("DA99999999", certificate.id) is None


# --- the policy as of now: suspensions, reactivations and withdrawals received -------------------------------
class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def live_core(now: datetime = NOW) -> tuple[DemoCoreSystem, Clock]:
    clock = Clock(now)
    return DemoCoreSystem(DATA, ledger=InMemoryLedger(), now=clock), clock


DATA = build_demo_data(TODAY)
_keys = itertools.count(1)


def send(core: DemoCoreSystem, kind: str, policy: str, payload: dict, key: str | None = None) -> str:
    key = key or f"req-{next(_keys)}"
    core.hand_over(HandOff(key, f"RP-2026-{next(_keys):06d}", kind, policy, "RNLMRC79E21H501A", payload, NOW))
    return key


def suspend(core, policy: str, starts: datetime, key: str | None = None) -> str:
    return send(core, "suspension", policy, {"suspension": {"starts_at": starts.isoformat()}}, key)


def reactivate(core, policy: str, starts: datetime) -> str:
    return send(core, "reactivation", policy, {"reactivation": {"starts_at": starts.isoformat()}})


def withdraw(core, policy: str, key: str) -> str:
    return send(core, SUSPENSION_WITHDRAWAL, policy, {"withdraws": key})


def state_of(core: DemoCoreSystem, number: str) -> Policy:
    """The policy as find_policy and policies_of both answer it (they must agree)."""
    found = core.find_policy(number)
    holder = next(r.party_id for r in found.roles if r.role is Role.POLICYHOLDER)
    [listed] = [p for p in core.policies_of(holder) if p.number == number]
    assert listed == found
    return found


TOMORROW_14 = datetime.combine(TODAY + timedelta(days=1), time(14, 0), tzinfo=ROME)


def test_a_received_suspension_shows_once_its_start_has_passed_and_not_before():
    core, clock = live_core()
    expiry = core.find_policy(MARCO_MOTOR).expiry_date
    key = suspend(core, MARCO_MOTOR, TOMORROW_14)
    reference = core.request_status(key).reference
    assert state_of(core, MARCO_MOTOR).status is PolicyStatus.IN_FORCE
    [scheduled] = core.information(MARCO_MOTOR).suspensions
    assert (scheduled.starts_at, scheduled.ends_at, scheduled.reference) == (TOMORROW_14, None, reference)
    assert scheduled.scheduled(clock.now)
    clock.now = TOMORROW_14 - timedelta(minutes=1)
    assert state_of(core, MARCO_MOTOR).status is PolicyStatus.IN_FORCE
    clock.now = TOMORROW_14
    suspended = state_of(core, MARCO_MOTOR)
    assert suspended.status is PolicyStatus.SUSPENDED and suspended.suspended_on == TOMORROW_14.date()
    assert suspended.expiry_date == expiry  # it moves only once the cover starts again
    assert core.information(MARCO_MOTOR).current_suspension(clock.now) == scheduled


def test_a_reactivation_closes_the_suspension_and_moves_the_expiry_by_the_days_suspended():
    core, clock = live_core()
    bike = core.find_policy(MARCO_BIKE)
    assert bike.status is PolicyStatus.SUSPENDED and bike.suspended_on is not None
    back = datetime.combine(TODAY + timedelta(days=3), time(8, 0), tzinfo=ROME)
    reactivate(core, MARCO_BIKE, back)
    assert state_of(core, MARCO_BIKE).status is PolicyStatus.SUSPENDED  # not yet
    clock.now = back
    again = state_of(core, MARCO_BIKE)
    assert again.status is PolicyStatus.IN_FORCE and again.suspended_on is None
    assert again.expiry_date == bike.expiry_date + (back.date() - bike.suspended_on)
    [closed] = core.information(MARCO_BIKE).suspensions
    assert closed.ends_at == back and not closed.active(clock.now)


def test_a_withdrawn_suspension_never_shows_and_a_new_one_does():
    core, clock = live_core()
    first = suspend(core, MARCO_MOTOR, TOMORROW_14)
    withdraw(core, MARCO_MOTOR, first)
    assert core.information(MARCO_MOTOR).suspensions == ()
    clock.now = TOMORROW_14 + timedelta(days=2)
    assert state_of(core, MARCO_MOTOR).status is PolicyStatus.IN_FORCE
    later = TOMORROW_14 + timedelta(days=3)
    suspend(core, MARCO_MOTOR, later)  # scheduled again
    [period] = core.information(MARCO_MOTOR).suspensions
    assert period.starts_at == later
    clock.now = later
    assert state_of(core, MARCO_MOTOR).status is PolicyStatus.SUSPENDED


def test_a_withdrawal_received_before_its_suspension_still_removes_it():
    """The worker may hand over the withdrawal while the suspension's own hand-off is still on its way."""
    core, clock = live_core()
    withdraw(core, MARCO_MOTOR, "req-late")
    suspend(core, MARCO_MOTOR, TOMORROW_14, key="req-late")
    clock.now = TOMORROW_14 + timedelta(hours=1)
    assert state_of(core, MARCO_MOTOR).status is PolicyStatus.IN_FORCE
    assert core.information(MARCO_MOTOR).suspensions == ()


def test_a_suspension_handed_over_twice_is_one_suspension():
    core, clock = live_core()
    suspend(core, MARCO_MOTOR, TOMORROW_14, key="req-twice")
    suspend(core, MARCO_MOTOR, TOMORROW_14, key="req-twice")
    assert len(core.information(MARCO_MOTOR).suspensions) == 1
    assert core.counts() == (2, 1)


def test_suspensions_on_a_product_without_them_are_not_applied():
    core, clock = live_core()
    suspend(core, MARCO_HOME, TOMORROW_14)
    clock.now = TOMORROW_14 + timedelta(hours=1)
    assert state_of(core, MARCO_HOME).status is PolicyStatus.IN_FORCE


starts_in = st.tuples(st.integers(1, 60), st.integers(0, 23), st.sampled_from([0, 30]))


@settings(max_examples=60, deadline=None)
@given(start=starts_in, length=st.integers(0, 365), back_hour=st.integers(0, 23))
def test_any_suspension_then_reactivation_moves_the_expiry_by_exactly_the_days_suspended(start, length, back_hour):
    days, hour, minute = start
    core, clock = live_core()
    expiry = core.find_policy(MARCO_MOTOR).expiry_date
    begins = datetime.combine(TODAY + timedelta(days=days), time(hour, minute), tzinfo=ROME)
    back = datetime.combine(begins.date() + timedelta(days=length), time(back_hour, 0), tzinfo=ROME)
    if back <= begins:
        back = begins + timedelta(minutes=1)
    suspend(core, MARCO_MOTOR, begins)
    reactivate(core, MARCO_MOTOR, back)
    clock.now = begins
    assert state_of(core, MARCO_MOTOR).status is PolicyStatus.SUSPENDED
    clock.now = back - timedelta(seconds=1)
    assert state_of(core, MARCO_MOTOR).expiry_date == expiry
    clock.now = back
    after = state_of(core, MARCO_MOTOR)
    assert after.status is PolicyStatus.IN_FORCE
    assert after.expiry_date - expiry == back.date() - begins.date()


@settings(max_examples=60, deadline=None)
@given(start=starts_in, later=st.integers(0, 400 * 24), withdrawal_first=st.booleans())
def test_a_withdrawn_suspension_never_shows_whenever_asked(start, later, withdrawal_first):
    days, hour, minute = start
    core, clock = live_core()
    before = core.find_policy(MARCO_MOTOR)
    begins = datetime.combine(TODAY + timedelta(days=days), time(hour, minute), tzinfo=ROME)
    key = f"req-{next(_keys)}"
    if withdrawal_first:
        withdraw(core, MARCO_MOTOR, key)
    suspend(core, MARCO_MOTOR, begins, key=key)
    if not withdrawal_first:
        withdraw(core, MARCO_MOTOR, key)
    clock.now = NOW + timedelta(hours=later)
    assert state_of(core, MARCO_MOTOR) == before
    assert core.information(MARCO_MOTOR).suspensions == ()
