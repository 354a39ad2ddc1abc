"""The demo dataset of the policy core system (SPEC §9).

Every path of the SPEC is reachable with it on a fresh machine: one person or company per scenario,
each with valid codici fiscali / partite IVA computed from their personal data, so testers can read
them off ``/_dev/demo-customers``. Personal data are fixed; policy dates are relative to ``today`` so
"expired 10 months ago" stays true whatever day the demo runs.
"""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from stdnum import luhn
from stdnum.it import codicefiscale

from areaclienti.domain.addresses import Address
from areaclienti.domain.data_changes import DeliveryMode, PartyDetails, PostalAddress
from areaclienti.domain.eligibility import add_months
from areaclienti.domain.identification import DocumentType, IdentityDocument
from areaclienti.domain.parties import Party, PartyId, PartyKind, parse_tax_code, parse_vat_number
from areaclienti.domain.policy_information import Cover
from areaclienti.domain.products import AmountLimits, DispositiveFunction, PaymentMethod, ProductRules
from areaclienti.domain.surrender import SurrenderRules
from areaclienti.domain.policies import (
    Company,
    Contacts,
    PartyRole,
    Policy,
    PolicyStatus,
    Premium,
    PremiumFrequency,
    Product,
    Role,
)


# --- the dataset -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class DemoScenario:
    """One line of the testers' table: who to type in, and what should happen."""

    scenario: str
    description_it: str
    tax_code: str | None
    vat_number: str | None
    policy_number: str
    expected: str
    email: str | None = None
    mobile: str | None = None
    password: str | None = None

    @property
    def party_id(self) -> PartyId:
        if self.vat_number is not None:
            return parse_vat_number(self.vat_number)
        assert self.tax_code is not None
        return parse_tax_code(self.tax_code)


@dataclass(frozen=True)
class LegacySeed:
    """An account of the old consultative area, as it is imported (R-LEG)."""

    scenario: str
    party_id: PartyId
    email: str
    mobile: str | None
    display_name: str


@dataclass(frozen=True)
class RegisteredSeed:
    """A customer who already finished registration (consultative account with a password), and, with a
    ``document``, was identified by video selfie (dispositive while the document is valid)."""

    scenario: str
    party_id: PartyId
    policy_number: str
    email: str
    mobile: str
    password: str
    display_name: str
    document: IdentityDocument | None = None
    marketing_consent: bool = False  # sees the promotional box on the dashboard (IVASS art. 43)


@dataclass
class DemoData:
    parties: dict[str, Party]
    policies: list[Policy]
    scenarios: list[DemoScenario]
    legacy_accounts: list[LegacySeed]
    registered_accounts: list[RegisteredSeed]
    product_rules: dict[str, ProductRules]
    covers: dict[str, tuple[Cover, ...]] = field(default_factory=dict)  # by product code
    party_details: dict[str, PartyDetails] = field(default_factory=dict)  # residence, contacts… by party id

    def scenario(self, name: str) -> DemoScenario:
        for scenario in self.scenarios:
            if scenario.scenario == name:
                return scenario
        raise KeyError(name)


# --- codici fiscali and partite IVA --------------------------------------------------------------------
_MONTH_LETTERS = "ABCDEHLMPRST"
_VOWELS = frozenset("AEIOU")


def _letters(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().upper()
    return "".join(c for c in plain if "A" <= c <= "Z")


def _split(text: str) -> tuple[str, str]:
    letters = _letters(text)
    return "".join(c for c in letters if c not in _VOWELS), "".join(c for c in letters if c in _VOWELS)


_PADDING = "X" * 3  # short names are padded with X, as the decree says


def tax_code_for(*, first_name: str, last_name: str, birth_date: date, female: bool, birthplace: str) -> str:
    """The codice fiscale of a person (DM 23/12/1976), ignoring omocodia; ``birthplace`` is the Belfiore code."""
    consonants, vowels = _split(last_name)
    surname = (consonants + vowels + _PADDING)[:3]
    consonants, vowels = _split(first_name)
    if len(consonants) >= 4:
        name = consonants[0] + consonants[2] + consonants[3]
    else:
        name = (consonants + vowels + _PADDING)[:3]
    day = birth_date.day + (40 if female else 0)
    body = f"{surname}{name}{birth_date.year % 100:02d}{_MONTH_LETTERS[birth_date.month - 1]}{day:02d}{birthplace}"
    return body + codicefiscale.calc_check_digit(body)


def vat_number_for(company_number: str, office: str) -> str:
    """A partita IVA: 7-digit company number, 3-digit provincial office, Luhn check digit."""
    body = f"{company_number:0>7}{office:0>3}"
    return body + luhn.calc_check_digit(body)


@dataclass(frozen=True)
class _Person:
    first_name: str
    last_name: str
    birth_date: date
    female: bool
    birthplace: str  # Belfiore code

    @property
    def tax_code(self) -> str:
        return tax_code_for(
            first_name=self.first_name,
            last_name=self.last_name,
            birth_date=self.birth_date,
            female=self.female,
            birthplace=self.birthplace,
        )

    def party(self) -> Party:
        return Party(
            id=PartyId(PartyKind.PERSON, self.tax_code),
            name=f"{self.first_name} {self.last_name}",
            birth_date=self.birth_date,
            first_name=self.first_name,
            last_name=self.last_name,
        )


# Belfiore codes: Milano F205, Napoli F839, Torino L219, Bologna A944, Firenze D612, Bari A662,
# Genova D969, Roma H501, Verona L781, Padova G224, Brescia B157.
_GIULIA = _Person("Giulia", "Bianchi", date(1978, 3, 14), True, "F205")
_STEFANO = _Person("Stefano", "Villa", date(1976, 8, 2), False, "F205")
_LUCA = _Person("Luca", "Esposito", date(1985, 7, 22), False, "F839")
_FRANCESCA = _Person("Francesca", "Romano", date(1990, 11, 5), True, "L219")
_ALESSANDRO = _Person("Alessandro", "Ricci", date(1999, 2, 18), False, "A944")
_ROBERTO = _Person("Roberto", "Ricci", date(1966, 1, 9), False, "A944")
_CHIARA = _Person("Chiara", "Marino", date(1982, 9, 30), True, "D612")
_DAVIDE = _Person("Davide", "Greco", date(1970, 4, 12), False, "A662")
_ELENA = _Person("Elena", "Conti", date(1968, 12, 24), True, "B157")
_SARA = _Person("Sara", "Gallo", date(1988, 6, 3), True, "D969")
_PAOLO = _Person("Paolo", "Ferrari", date(1960, 12, 1), False, "H501")
_ANNA = _Person("Anna", "Lombardi", date(1975, 5, 9), True, "L781")
# The old area holds Anna with 19 May instead of 9 May: a valid code the core system does not know.
_ANNA_AS_ON_FILE = _Person("Anna", "Lombardi", date(1975, 5, 19), True, "L781")
_MATTEO = _Person("Matteo", "Fontana", date(1983, 10, 27), False, "G224")
_MARCO = _Person("Marco", "Rinaldi", date(1979, 5, 21), False, "H501")
_VALERIA = _Person("Valeria", "Costa", date(1987, 2, 11), True, "L781")

_COMPANY_NAME = "Officine Meccaniche Lombarde S.r.l."
_COMPANY_VAT = vat_number_for("0734521", "015")  # 015: Milano

DEMO_PASSWORD = "Demo-Password-2026!"
# The policy on which the demo core system rejects every request (with a reason), so testers see a rejection.
REJECTED_BY_DEMO_CORE = "VI10012205"
MARCO_SUSPENDED = "DA20040355"  # Marco's motorbike, suspended two months ago: reactivate it
MARCO_YOUNG_VITA = "VI10013021"  # Marco's savings plan of five months: too early to surrender
DEMO_CORE_REJECTION = ("Sulla polizza è in corso un'operazione di switch tra fondi: la richiesta potrà essere "
                       "ripresentata al termine dell'operazione.")


# --- products ----------------------------------------------------------------------------------------
VITA_INVESTIMENTO_PLUS = Product("VITA-INVPLUS", "CA Vita Investimento Plus", Company.VITA)
VITA_RISPARMIO = Product("VITA-RISP", "CA Vita Risparmio", Company.VITA)
VITA_PROTEZIONE_TCM = Product("VITA-TCM", "CA Vita Protezione TCM", Company.VITA)
VITA_PREVIDENZA_COLLETTIVA = Product("VITA-PREVCOLL", "CA Vita Previdenza Collettiva", Company.VITA)
DANNI_AUTO = Product("DANNI-AUTO", "CA Auto Sicura", Company.DANNI)
DANNI_CASA = Product("DANNI-CASA", "CA Casa Serena", Company.DANNI)
DANNI_INFORTUNI = Product("DANNI-INF", "CA Infortuni", Company.DANNI)

PRODUCTS = (
    VITA_INVESTIMENTO_PLUS,
    VITA_RISPARMIO,
    VITA_PROTEZIONE_TCM,
    VITA_PREVIDENZA_COLLETTIVA,
    DANNI_AUTO,
    DANNI_CASA,
    DANNI_INFORTUNI,
)


def _next_july_first(today: date) -> date:
    this_year = date(today.year, 7, 1)
    return this_year if today < this_year else date(today.year + 1, 7, 1)


def _product_rules(today: date) -> dict[str, ProductRules]:
    # Most functions went live on 1 July of last year; suspension of a Vita policy goes live on the next
    # 1 July, so the "Disponibile dal 1 luglio" state is always on show (a motor policy's is live).
    live = date(today.year - 1, 7, 1)
    upcoming = _next_july_first(today)
    F, M = DispositiveFunction, PaymentMethod

    def features(product: Product, functions: set[DispositiveFunction], methods: tuple[PaymentMethod, ...],
                 **extra):
        later = product.company is Company.VITA
        go_live = {f: (upcoming if f is F.SUSPENSION and later else live) for f in functions}
        return ProductRules(product.code, frozenset(functions), methods, go_live, **extra)

    # Surrender: no earlier than one whole year; a penalty falling year by year; 26% on the gain.
    savings = SurrenderRules(minimum_years=1, penalty_by_year=(
        Decimal("0.03"), Decimal("0.025"), Decimal("0.02"), Decimal("0.01")))
    unit_linked = SurrenderRules(minimum_years=1, penalty_by_year=(
        Decimal("0.025"), Decimal("0.02"), Decimal("0.015"), Decimal("0.01")))
    # A pension plan: total only, after two years, taxed at 15%.
    pension = SurrenderRules(minimum_years=2, penalty_by_year=(), tax_rate=Decimal("0.15"), partial_allowed=False)

    # A Vita additional payment online: from €500 to €15,000 (above, the branch or a bank transfer).
    vita_limits = AmountLimits(Decimal("500"), Decimal("15000"))

    table = [
        features(VITA_INVESTIMENTO_PLUS, {F.PAYMENT, F.CLAIM, F.DATA_CHANGE, F.SURRENDER},
                 (M.BANK_TRANSFER, M.SEPA_DIRECT_DEBIT), additional_payment=vita_limits, surrender=unit_linked),
        features(VITA_RISPARMIO, {F.PAYMENT, F.CLAIM, F.DATA_CHANGE, F.SURRENDER, F.SUSPENSION},
                 (M.SEPA_DIRECT_DEBIT, M.BANK_TRANSFER, M.CARD), additional_payment=vita_limits, surrender=savings),
        # Term life has no surrender value.
        features(VITA_PROTEZIONE_TCM, {F.PAYMENT, F.CLAIM, F.DATA_CHANGE}, (M.SEPA_DIRECT_DEBIT, M.CARD)),
        # Contributions are paid by the employer through payroll: nothing for the member to pay.
        features(VITA_PREVIDENZA_COLLETTIVA, {F.CLAIM, F.DATA_CHANGE, F.SURRENDER}, (),
                 members_may_surrender=True, surrender=pension),
        features(DANNI_AUTO, {F.PAYMENT, F.CLAIM, F.DATA_CHANGE, F.SUSPENSION}, (M.CARD, M.SEPA_DIRECT_DEBIT)),
        features(DANNI_CASA, {F.PAYMENT, F.CLAIM, F.DATA_CHANGE}, (M.CARD, M.BANK_TRANSFER, M.SEPA_DIRECT_DEBIT)),
        features(DANNI_INFORTUNI, {F.PAYMENT, F.CLAIM, F.DATA_CHANGE}, (M.CARD,)),
    ]
    return {f.product_code: f for f in table}


def _covers() -> dict[str, tuple[Cover, ...]]:
    """What each product covers, as its conditions say (the demo's simplified version)."""
    d = Decimal
    return {
        DANNI_AUTO.code: (
            Cover("Responsabilità civile auto", "Danni a persone e cose causati a terzi con il veicolo.",
                  d("7750000.00")),
            Cover("Furto e incendio", "Furto totale o parziale del veicolo e danni da incendio.", None, d("250.00")),
            Cover("Assistenza stradale", "Soccorso e traino h24 in Italia e in Europa."),
        ),
        DANNI_CASA.code: (
            Cover("Incendio del fabbricato", "Incendio, fulmine, scoppio ed esplosione.", d("250000.00")),
            Cover("Responsabilità civile della famiglia", "Danni involontari causati a terzi nella vita privata.",
                  d("500000.00"), d("150.00")),
            Cover("Danni da acqua", "Spargimento d'acqua da impianti fissi e ricerca del guasto.", d("10000.00"),
                  d("150.00")),
        ),
        DANNI_INFORTUNI.code: (
            Cover("Morte da infortunio", "Capitale ai beneficiari in caso di morte da infortunio.", d("150000.00")),
            Cover("Invalidità permanente", "Indennizzo in proporzione al grado di invalidità (franchigia 3%).",
                  d("200000.00")),
            Cover("Rimborso spese mediche", "Spese sanitarie a seguito di infortunio.", d("5000.00"), d("100.00")),
        ),
        VITA_RISPARMIO.code: (
            Cover("Capitale a scadenza", "Il capitale rivalutato ogni anno con il rendimento della gestione "
                  "separata, con garanzia di restituzione dei premi."),
            Cover("Capitale in caso di morte", "Il capitale rivalutato alla data del decesso, ai beneficiari."),
        ),
        VITA_INVESTIMENTO_PLUS.code: (
            Cover("Capitale in caso di morte", "Il controvalore delle quote, maggiorato dell'1%, ai beneficiari."),
            Cover("Switch tra fondi", "Fino a quattro cambi gratuiti all'anno tra i fondi della linea."),
        ),
        VITA_PROTEZIONE_TCM.code: (
            Cover("Capitale in caso di morte", "Capitale fisso ai beneficiari in caso di decesso entro la scadenza.",
                  d("150000.00")),
        ),
        VITA_PREVIDENZA_COLLETTIVA.code: (
            Cover("Prestazione pensionistica", "Rendita o capitale al pensionamento, secondo il regolamento."),
            Cover("Anticipazioni", "Anticipazioni per spese sanitarie, prima casa e altre esigenze previste."),
        ),
    }


# --- building the data ---------------------------------------------------------------------------------
def _roles(*pairs: tuple[str, Role]) -> tuple[PartyRole, ...]:
    return tuple(PartyRole(_party_id(code), role) for code, role in pairs)


def _party_id(code: str) -> PartyId:
    return PartyId(PartyKind.COMPANY if code.isdigit() else PartyKind.PERSON, code)


def build_demo_data(today: date) -> DemoData:
    """The whole demo dataset, with policy dates relative to ``today``."""

    def months(n: int) -> date:
        """``n`` calendar months from today (negative: ago)."""
        return add_months(today, n)

    P, Fq, S, R = Premium, PremiumFrequency, PolicyStatus, Role

    persons = [_GIULIA, _STEFANO, _LUCA, _FRANCESCA, _ALESSANDRO, _ROBERTO, _CHIARA, _DAVIDE, _ELENA,
               _SARA, _PAOLO, _ANNA, _MATTEO, _MARCO, _VALERIA]
    parties = {p.tax_code: p.party() for p in persons}
    parties[_COMPANY_VAT] = Party(id=PartyId(PartyKind.COMPANY, _COMPANY_VAT), name=_COMPANY_NAME)

    giulia, stefano, luca = _GIULIA.tax_code, _STEFANO.tax_code, _LUCA.tax_code
    francesca, alessandro, roberto = _FRANCESCA.tax_code, _ALESSANDRO.tax_code, _ROBERTO.tax_code
    chiara, davide, elena, sara = _CHIARA.tax_code, _DAVIDE.tax_code, _ELENA.tax_code, _SARA.tax_code
    paolo, anna, matteo, company = _PAOLO.tax_code, _ANNA.tax_code, _MATTEO.tax_code, _COMPANY_VAT
    marco, valeria = _MARCO.tax_code, _VALERIA.tax_code

    sara_contacts = Contacts(email="sara.gallo@example.it", mobile="+393471852963")

    policies = [
        # Giulia Bianchi: unit-linked (Vita) and home (Danni); only insured on her husband's term life.
        Policy("VI10004521", VITA_INVESTIMENTO_PLUS, S.IN_FORCE, months(-50), None,
               _roles((giulia, R.POLICYHOLDER), (giulia, R.INSURED)),
               P(Decimal("50000.00"), Fq.SINGLE)),
        Policy("DA20018734", DANNI_CASA, S.IN_FORCE, months(-29), months(7),
               _roles((giulia, R.POLICYHOLDER), (giulia, R.INSURED)),
               P(Decimal("312.00"), Fq.ANNUAL, months(7))),
        Policy("VI10006183", VITA_PROTEZIONE_TCM, S.IN_FORCE, months(-40), months(200),
               _roles((stefano, R.POLICYHOLDER), (giulia, R.INSURED), (stefano, R.BENEFICIARY)),
               P(Decimal("384.50"), Fq.ANNUAL, months(8))),
        # Luca Esposito: car in force, motorbike suspended for the winter, term life with CA Vita.
        Policy("DA20022410", DANNI_AUTO, S.IN_FORCE, months(-41), months(5),
               _roles((luca, R.POLICYHOLDER), (luca, R.INSURED)),
               P(Decimal("645.80"), Fq.SEMIANNUAL, months(5))),
        Policy("DA20022977", DANNI_AUTO, S.SUSPENDED, months(-20), months(4),
               _roles((luca, R.POLICYHOLDER), (luca, R.INSURED)),
               P(Decimal("198.00"), Fq.ANNUAL, months(4)), suspended_on=months(-2)),
        Policy("VI10007355", VITA_PROTEZIONE_TCM, S.IN_FORCE, months(-26), months(214),
               _roles((luca, R.POLICYHOLDER), (luca, R.INSURED)),
               P(Decimal("27.90"), Fq.MONTHLY, months(1))),
        # Officine Meccaniche Lombarde: pension plan for the staff, company van, group accident cover.
        Policy("VI30000128", VITA_PREVIDENZA_COLLETTIVA, S.IN_FORCE, months(-75), None,
               _roles((company, R.POLICYHOLDER), (francesca, R.MEMBER), (francesca, R.INSURED)),
               P(Decimal("4800.00"), Fq.MONTHLY, months(1))),
        Policy("DA20031506", DANNI_AUTO, S.IN_FORCE, months(-15), months(9),
               _roles((company, R.POLICYHOLDER)),
               P(Decimal("1210.40"), Fq.ANNUAL, months(9))),
        Policy("DA20031642", DANNI_INFORTUNI, S.IN_FORCE, months(-33), months(3),
               _roles((company, R.POLICYHOLDER), (chiara, R.INSURED)),
               P(Decimal("1890.00"), Fq.QUARTERLY, months(3))),
        # Alessandro Ricci owns the car; his father Roberto is the policyholder.
        Policy("DA20027718", DANNI_AUTO, S.IN_FORCE, months(-22), months(2),
               _roles((roberto, R.POLICYHOLDER), (alessandro, R.RISK_CERTIFICATE_HOLDER)),
               P(Decimal("874.30"), Fq.ANNUAL, months(2))),
        # Davide Greco: savings plan matured 10 months ago; accident cover lapsed 30 months ago (hidden).
        Policy("VI10002964", VITA_RISPARMIO, S.EXPIRED, months(-130), months(-10),
               _roles((davide, R.POLICYHOLDER), (davide, R.INSURED)),
               P(Decimal("1800.00"), Fq.ANNUAL)),
        Policy("DA20009873", DANNI_INFORTUNI, S.EXPIRED, months(-54), months(-30),
               _roles((davide, R.POLICYHOLDER), (davide, R.INSURED)),
               P(Decimal("24.50"), Fq.MONTHLY)),
        # Elena Conti: car policy not renewed 30 months ago.
        Policy("DA20011259", DANNI_AUTO, S.EXPIRED, months(-42), months(-30),
               _roles((elena, R.POLICYHOLDER), (elena, R.INSURED)),
               P(Decimal("702.00"), Fq.ANNUAL)),
        # Sara Gallo gave email and mobile for Area Clienti when she signed.
        Policy("VI10008840", VITA_PROTEZIONE_TCM, S.IN_FORCE, months(-3), months(237),
               _roles((sara, R.POLICYHOLDER), (sara, R.INSURED)),
               P(Decimal("19.80"), Fq.MONTHLY, months(1)),
               issuance_contacts={sara: sara_contacts}),
        # Paolo Ferrari, customer of the old consultative area.
        Policy("VI10001377", VITA_RISPARMIO, S.IN_FORCE, months(-98), months(82),
               _roles((paolo, R.POLICYHOLDER), (paolo, R.INSURED)),
               P(Decimal("2400.00"), Fq.ANNUAL, months(6))),
        Policy("DA20015090", DANNI_CASA, S.IN_FORCE, months(-65), months(11),
               _roles((paolo, R.POLICYHOLDER), (paolo, R.INSURED)),
               P(Decimal("268.00"), Fq.ANNUAL, months(11))),
        # Anna Lombardi (the old area has her birth date wrong).
        Policy("DA20019921", DANNI_CASA, S.IN_FORCE, months(-36), months(6),
               _roles((anna, R.POLICYHOLDER), (anna, R.INSURED)),
               P(Decimal("295.00"), Fq.ANNUAL, months(6))),
        # Matteo Fontana already completed the registration.
        Policy("DA20034418", DANNI_AUTO, S.IN_FORCE, months(-8), months(4),
               _roles((matteo, R.POLICYHOLDER), (matteo, R.INSURED)),
               P(Decimal("533.70"), Fq.ANNUAL, months(4))),
        Policy("VI10009012", VITA_RISPARMIO, S.IN_FORCE, months(-30), months(150),
               _roles((matteo, R.POLICYHOLDER), (matteo, R.INSURED)),
               P(Decimal("100.00"), Fq.MONTHLY, months(1))),
        # Marco Rinaldi, identified by video selfie: he may act on his policies. His home policy has an
        # instalment due in a few days; the demo core system rejects requests on his unit-linked policy.
        Policy("DA20040117", DANNI_AUTO, S.IN_FORCE, months(-7), months(5),
               _roles((marco, R.POLICYHOLDER), (marco, R.INSURED)),
               P(Decimal("412.60"), Fq.SEMIANNUAL, months(5))),
        Policy("DA20040288", DANNI_CASA, S.IN_FORCE, months(-14), months(10),
               _roles((marco, R.POLICYHOLDER), (marco, R.INSURED)),
               P(Decimal("86.40"), Fq.QUARTERLY, today + timedelta(days=6))),
        Policy("VI10011940", VITA_RISPARMIO, S.IN_FORCE, months(-44), months(136),
               _roles((marco, R.POLICYHOLDER), (marco, R.INSURED)),
               P(Decimal("150.00"), Fq.MONTHLY, months(1))),
        Policy(REJECTED_BY_DEMO_CORE, VITA_INVESTIMENTO_PLUS, S.IN_FORCE, months(-19), None,
               _roles((marco, R.POLICYHOLDER), (marco, R.INSURED)),
               P(Decimal("25000.00"), Fq.SINGLE)),
        # His motorbike is suspended for the winter; a savings plan started five months ago cannot be
        # surrendered before its first year.
        Policy(MARCO_SUSPENDED, DANNI_AUTO, S.SUSPENDED, months(-16), months(8),
               _roles((marco, R.POLICYHOLDER), (marco, R.INSURED)),
               P(Decimal("236.00"), Fq.ANNUAL, months(8)), suspended_on=months(-2)),
        Policy(MARCO_YOUNG_VITA, VITA_RISPARMIO, S.IN_FORCE, months(-5), months(175),
               _roles((marco, R.POLICYHOLDER), (marco, R.INSURED)),
               P(Decimal("200.00"), Fq.MONTHLY, months(1))),
        # Valeria Costa was identified, but her identity card has expired: consultative again.
        Policy("DA20041530", DANNI_CASA, S.IN_FORCE, months(-11), months(1),
               _roles((valeria, R.POLICYHOLDER), (valeria, R.INSURED)),
               P(Decimal("240.00"), Fq.ANNUAL, months(1))),
    ]

    paolo_email, paolo_mobile = "paolo.ferrari@example.it", "+393356672104"
    anna_email = "anna.lombardi@example.com"
    matteo_email, matteo_mobile = "matteo.fontana@example.it", "+393204417839"
    marco_email, marco_mobile = "marco.rinaldi@example.it", "+393291180442"
    valeria_email, valeria_mobile = "valeria.costa@example.it", "+393386612093"
    wrong_anna = _ANNA_AS_ON_FILE.tax_code

    def scenario(name: str, description: str, code: str, policy: str, expected: str, **extra) -> DemoScenario:
        is_company = code.isdigit()
        return DemoScenario(
            scenario=name,
            description_it=description,
            tax_code=None if is_company else code,
            vat_number=code if is_company else None,
            policy_number=policy,
            expected=expected,
            **extra,
        )

    scenarios = [
        scenario("policyholder_vita",
                 "Contraente di una unit-linked CA Vita; ha anche una polizza casa CA Assicurazioni ed è solo "
                 "assicurata su una TCM del marito (non deve vederla).",
                 giulia, "VI10004521", "registration accepted"),
        scenario("policyholder_danni",
                 "Contraente di una polizza auto CA Assicurazioni; ha anche una moto sospesa e una TCM CA Vita.",
                 luca, "DA20022410", "registration accepted"),
        scenario("member_collective",
                 "Aderente della previdenza collettiva CA Vita stipulata dalla sua azienda.",
                 francesca, "VI30000128", "registration accepted"),
        scenario("risk_certificate_holder",
                 "Proprietario dell'auto, avente diritto all'attestato di rischio; il contraente è il padre.",
                 alessandro, "DA20027718", "registration accepted"),
        scenario("insured_only",
                 "Solo assicurata sulla polizza infortuni collettiva della sua azienda: non può registrarsi.",
                 chiara, "DA20031642", "refused: role does not qualify"),
        scenario("expired_10_months",
                 "Contraente di un piano di risparmio CA Vita scaduto 10 mesi fa: entro i 24 mesi, può registrarsi.",
                 davide, "VI10002964", "registration accepted"),
        scenario("expired_30_months",
                 "Contraente di una polizza auto scaduta 30 mesi fa: oltre i 24 mesi, non può registrarsi.",
                 elena, "DA20011259", "refused: policy expired more than 24 months ago"),
        scenario("company",
                 f"Società contraente ({_COMPANY_NAME}): si registra con la partita IVA; vede auto aziendale, "
                 "infortuni collettiva e previdenza collettiva.",
                 company, "DA20031506", "registration accepted"),
        scenario("contacts_at_issuance",
                 "Ha indicato email e cellulare alla sottoscrizione: il passo 2 viene saltato e l'OTP arriva "
                 "al cellulare indicato.",
                 sara, "VI10008840", "registration accepted; step 2 skipped (contacts from issuance)",
                 email=sara_contacts.email, mobile=sara_contacts.mobile),
        scenario("legacy",
                 "Cliente della vecchia Area Clienti consultativa: la registrazione è bloccata; al primo "
                 "accesso con l'email indica il cellulare, riceve l'OTP e poi il link per le nuove credenziali.",
                 paolo, "VI10001377", "blocked: already registered in the old area; use first access",
                 email=paolo_email, mobile=paolo_mobile),
        scenario("legacy_wrong_data",
                 "Cliente della vecchia area con data di nascita errata (19/05 invece di 09/05): al primo "
                 f"accesso riceve la notifica per una nuova registrazione, da fare con il codice corretto {anna} "
                 "e la polizza indicata.",
                 wrong_anna, "DA20019921",
                 "first access refused: personal data on file are wrong; notified to register again",
                 email=anna_email),
        scenario("already_registered",
                 "Ha già completato la registrazione (account consultativo): una nuova registrazione è "
                 "rifiutata; accede con email e password.",
                 matteo, "DA20034418", "refused: already registered; log in with email and password",
                 email=matteo_email, mobile=matteo_mobile, password=DEMO_PASSWORD),
        scenario("identified",
                 "Registrato e identificato con il video selfie, documento valido: paga le quietanze e segue le "
                 "richieste. Auto (sospendibile), moto sospesa da riattivare, casa (quietanza in scadenza), "
                 "risparmio Vita (riscattabile), un secondo risparmio di cinque mesi (troppo presto per il "
                 f"riscatto) e unit-linked (le richieste su {REJECTED_BY_DEMO_CORE} vengono respinte dal sistema "
                 "di polizza demo). Ha dato il consenso al marketing: vede il riquadro promozionale.",
                 marco, "DA20040288", "log in with email and password; dispositive functions allowed",
                 email=marco_email, mobile=marco_mobile, password=DEMO_PASSWORD),
        scenario("identified_expired_document",
                 "Identificata in passato, ma la carta d'identità è scaduta: torna consultativa e la pagina "
                 "della polizza spiega perché le funzioni dispositive non sono disponibili.",
                 valeria, "DA20041530", "log in; dispositive functions refused: document expired",
                 email=valeria_email, mobile=valeria_mobile, password=DEMO_PASSWORD),
    ]

    legacy_accounts = [
        LegacySeed("legacy", _party_id(paolo), paolo_email, paolo_mobile, _PAOLO.party().display_name),
        LegacySeed("legacy_wrong_data", _party_id(wrong_anna), anna_email, None, _ANNA.party().display_name),
    ]
    registered_accounts = [
        RegisteredSeed("already_registered", _party_id(matteo), "DA20034418", matteo_email, matteo_mobile,
                       DEMO_PASSWORD, _MATTEO.party().display_name),
        RegisteredSeed("identified", _party_id(marco), "DA20040288", marco_email, marco_mobile,
                       DEMO_PASSWORD, _MARCO.party().display_name,
                       IdentityDocument(DocumentType.CARTA_IDENTITA, "CA48213KM", add_months(today, 60)),
                       marketing_consent=True),
        RegisteredSeed("identified_expired_document", _party_id(valeria), "DA20041530", valeria_email,
                       valeria_mobile, DEMO_PASSWORD, _VALERIA.party().display_name,
                       IdentityDocument(DocumentType.CARTA_IDENTITA, "CA90317LP", today - timedelta(days=12))),
    ]
    return DemoData(
        parties=parties,
        policies=policies,
        scenarios=scenarios,
        legacy_accounts=legacy_accounts,
        registered_accounts=registered_accounts,
        product_rules=_product_rules(today),
        covers=_covers(),
        party_details=_party_details(),
    )


def _party_details() -> dict[str, PartyDetails]:
    """Residence, contacts and delivery mode of the customers testers log in as (R-DISP-DATA)."""
    return {
        _MARCO.tax_code: PartyDetails(
            residence=Address("Via Appia Nuova", "123", "00183", "Roma", "RM", "058091"),
            landline="+390645678123", correspondence_email="marco.rinaldi@example.it",
            delivery_mode=DeliveryMode.RESERVED_AREA),
        _VALERIA.tax_code: PartyDetails(
            residence=Address("Corso Porta Nuova", "45", "37122", "Verona", "VR", "023091"),
            correspondence_email="valeria.costa@example.it", delivery_mode=DeliveryMode.PAPER,
            postal_address=PostalAddress.RESIDENCE),
        _MATTEO.tax_code: PartyDetails(
            residence=Address("Via del Santo", "12", "35123", "Padova", "PD", "028060"),
            delivery_mode=DeliveryMode.EMAIL, correspondence_email="matteo.fontana@example.it"),
        _GIULIA.tax_code: PartyDetails(
            residence=Address("Via Torino", "8", "20123", "Milano", "MI", "015146"),
            domicile=Address("Via Garibaldi", "3", "16124", "Genova", "GE", "010025"),
            delivery_mode=DeliveryMode.PAPER, postal_address=PostalAddress.DOMICILE),
    }


def scenarios_as_json(data: DemoData) -> list[dict]:
    """The testers' table for ``/_dev/demo-customers``: absent values are left out, not null."""
    rows = []
    for s in data.scenarios:
        row: dict[str, str] = {"scenario": s.scenario, "description": s.description_it}
        if s.tax_code is not None:
            row["tax_code"] = s.tax_code
        if s.vat_number is not None:
            row["vat_number"] = s.vat_number
        row["policy_number"] = s.policy_number
        for key in ("email", "mobile"):
            if getattr(s, key) is not None:
                row[key] = getattr(s, key)
        row["expected"] = s.expected
        if s.password is not None:
            row["password"] = s.password
        rows.append(row)
    return rows
