"""Compliance questionnaires (R-DISP-Q): anti-money-laundering, tax residency (FATCA/CRS), sanctions.

Definitions are versioned data: questions with an answer type, options, conditions on earlier answers and
validation. ``validate`` checks a set of answers against one version; ``flags`` says which answers need a
person's attention (a politically exposed person, a US person, links to sanctioned countries, funds from
a high-risk country). Answers are kept with the request together with the version they answered, so a
new version never changes what an old request shows.
"""
from __future__ import annotations

import enum
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from stdnum import get_cc_module
from stdnum.exceptions import ValidationError

from .errors import DomainError

MAX_RESIDENCES = 3
TEXT_MAX = 200
COUNTRY = re.compile(r"^[A-Z]{2}$")
# FATF "black and grey list" countries (high-risk jurisdictions) and countries under EU/UN sanctions:
# funds from them, or links to them, need a person's review. Configurable data, not code.
HIGH_RISK_COUNTRIES = frozenset({"KP", "IR", "MM"})
SANCTIONED_COUNTRIES = frozenset({"KP", "IR", "SY", "RU", "BY", "CU"})
# How python-stdnum checks a tax identification number, by country; others are checked for length only.
TIN_FORMATS = {"IT": ("codicefiscale", "iva"), "DE": ("idnr",), "FR": ("nif",), "ES": ("nif",),
               "US": ("tin",), "GB": ("utr",), "NL": ("bsn",), "PT": ("nif",), "AT": ("tin",), "CH": ("ssn",),
               "BE": ("ssn",)}


class QuestionnaireCode(str, enum.Enum):
    ANTI_MONEY_LAUNDERING = "anti_money_laundering"
    TAX_RESIDENCY = "tax_residency"
    SANCTIONS = "sanctions"


class AnswerType(str, enum.Enum):
    CHOICE = "choice"
    YES_NO = "yes_no"
    TEXT = "text"
    COUNTRY = "country"  # ISO 3166 alpha-2
    TIN = "tin"  # a tax identification number, checked for the country of ``tin_country`` where known


class Flag(str, enum.Enum):
    POLITICALLY_EXPOSED = "politically_exposed"
    US_PERSON = "us_person"
    SANCTIONS_LINK = "sanctions_link"
    HIGH_RISK_FUNDS = "high_risk_funds"


@dataclass(frozen=True)
class Condition:
    """Shown only when ``question``'s answer is one of ``values``."""

    question: str
    values: frozenset[str]


@dataclass(frozen=True)
class Question:
    id: str
    label: str  # Italian
    type: AnswerType
    options: tuple[tuple[str, str], ...] = ()  # (value, Italian label), for CHOICE
    required: bool = True
    shown_if: Condition | tuple[Condition, ...] | None = None  # several: shown when any holds
    companies_only: bool = False
    tin_country: str | None = None  # for TIN: the question whose answer is the country, or a fixed "US"
    flag: Flag | None = None  # the flag raised …
    flag_values: frozenset[str] = frozenset()  # … by these answers ("yes", a country code, an option)
    help: str = ""


@dataclass(frozen=True)
class Questionnaire:
    code: QuestionnaireCode
    version: int
    title: str
    questions: tuple[Question, ...]

    def question(self, question_id: str) -> Question:
        return next(q for q in self.questions if q.id == question_id)


class QuestionnaireInvalid(DomainError):
    """Answers that do not fit the questionnaire; ``problems`` maps question ids to what is wrong."""

    code = "questionnaire_invalid"

    def __init__(self, questionnaire: str, problems: dict[str, str]) -> None:
        super().__init__(questionnaire=questionnaire, problems=problems)
        self.problems = problems


class QuestionnaireOutdated(DomainError):
    """Answers posted against a version that is no longer the current one: the page shows the new one."""

    code = "questionnaire_outdated"


def is_shown(question: Question, answers: Mapping[str, Any], *, is_company: bool) -> bool:
    if question.companies_only and not is_company:
        return False
    if question.shown_if is None:
        return True
    conditions = question.shown_if if isinstance(question.shown_if, tuple) else (question.shown_if,)
    return any(answers.get(c.question) in c.values for c in conditions)


def _tin_valid(country: str, value: str) -> bool:
    for name in TIN_FORMATS.get(country, ()):
        module = get_cc_module(country.lower(), name)
        if module is None:
            continue
        try:
            module.validate(value)
            return True
        except ValidationError:
            continue
    if country in TIN_FORMATS:
        return False
    return 4 <= len(value) <= 30 and value.replace("-", "").replace(" ", "").isalnum()


def validate(questionnaire: Questionnaire, raw: Mapping[str, Any], *, is_company: bool) -> dict[str, str]:
    """The answers kept (trimmed, only the questions shown), or QuestionnaireInvalid with every problem.

    Problems: ``required``, ``not_an_option``, ``too_long``, ``country_invalid``, ``tin_invalid``.
    """
    answers: dict[str, str] = {}
    problems: dict[str, str] = {}
    for question in questionnaire.questions:  # in order: conditions look at answers given above
        if not is_shown(question, answers, is_company=is_company):
            continue
        value = raw.get(question.id)
        value = value.strip() if isinstance(value, str) else ""
        if not value:
            if question.required:
                problems[question.id] = "required"
            continue
        if len(value) > TEXT_MAX:
            problems[question.id] = "too_long"
            continue
        if question.type in (AnswerType.CHOICE, AnswerType.YES_NO):
            allowed = {v for v, _ in question.options} if question.type is AnswerType.CHOICE else {"yes", "no"}
            if value not in allowed:
                problems[question.id] = "not_an_option"
                continue
        elif question.type is AnswerType.COUNTRY:
            value = value.upper()
            if not COUNTRY.match(value):
                problems[question.id] = "country_invalid"
                continue
        elif question.type is AnswerType.TIN:
            value = value.upper()
            country = question.tin_country if question.tin_country == "US" else answers.get(question.tin_country or "")
            if not _tin_valid(country or "", value):
                problems[question.id] = "tin_invalid"
                continue
        answers[question.id] = value
    if problems:
        raise QuestionnaireInvalid(questionnaire.code.value, problems)
    return answers


def flags(questionnaire: Questionnaire, answers: Mapping[str, str]) -> frozenset[Flag]:
    """The flags these (validated) answers raise: the request then waits for an operator."""
    raised = set()
    for question in questionnaire.questions:
        if question.flag is not None and answers.get(question.id) in question.flag_values:
            raised.add(question.flag)
    return frozenset(raised)


# --- the definitions ------------------------------------------------------------------------------------------
YES = frozenset({"yes"})


def _yes_no(id: str, label: str, **kw) -> Question:
    return Question(id, label, AnswerType.YES_NO, **kw)


def _aml_v1() -> Questionnaire:
    return Questionnaire(QuestionnaireCode.ANTI_MONEY_LAUNDERING, 1, "Adeguata verifica (antiriciclaggio)", (
        Question("purpose", "Scopo e natura prevista del rapporto", AnswerType.CHOICE, options=(
            ("savings", "Risparmio e investimento"), ("protection", "Protezione della famiglia"),
            ("retirement", "Previdenza integrativa"), ("succession", "Pianificazione successoria"),
            ("other", "Altro"))),
        Question("purpose_other", "Descrivi lo scopo", AnswerType.TEXT,
                 shown_if=Condition("purpose", frozenset({"other"}))),
        Question("funds_source", "Origine dei fondi versati", AnswerType.CHOICE, options=(
            ("salary", "Reddito da lavoro o pensione"), ("savings", "Risparmi accumulati"),
            ("inheritance", "Eredità o donazione"), ("sale", "Vendita di beni (immobili, quote)"),
            ("business", "Attività d'impresa"), ("other", "Altro"))),
        Question("funds_source_other", "Descrivi l'origine dei fondi", AnswerType.TEXT,
                 shown_if=Condition("funds_source", frozenset({"other"}))),
        Question("funds_country", "Paese da cui provengono i fondi", AnswerType.COUNTRY,
                 flag=Flag.HIGH_RISK_FUNDS, flag_values=HIGH_RISK_COUNTRIES),
        Question("profession", "Professione", AnswerType.CHOICE, options=(
            ("employee", "Lavoratore dipendente"), ("self_employed", "Lavoratore autonomo o libero professionista"),
            ("entrepreneur", "Imprenditore"), ("retired", "Pensionato"), ("not_working", "Non occupato"),
            ("student", "Studente"))),
        Question("sector", "Settore di attività", AnswerType.CHOICE, options=(
            ("public", "Pubblica amministrazione"), ("finance", "Finanza e assicurazioni"),
            ("industry", "Industria e artigianato"), ("trade", "Commercio"), ("services", "Servizi"),
            ("other", "Altro")),
            shown_if=Condition("profession", frozenset({"employee", "self_employed", "entrepreneur"}))),
        _yes_no("pep_self", "Sei una persona politicamente esposta?", flag=Flag.POLITICALLY_EXPOSED,
                flag_values=YES,
                help="Per esempio: parlamentari, membri del governo, giudici di alte corti, ambasciatori, "
                     "amministratori di imprese pubbliche, negli ultimi 12 mesi."),
        _yes_no("pep_family", "Un tuo familiare è una persona politicamente esposta?",
                flag=Flag.POLITICALLY_EXPOSED, flag_values=YES),
        _yes_no("pep_associate", "Hai stretti legami d'affari con una persona politicamente esposta?",
                flag=Flag.POLITICALLY_EXPOSED, flag_values=YES),
        Question("beneficial_owner", "Titolare effettivo della società (nome, cognome e codice fiscale)",
                 AnswerType.TEXT, companies_only=True),
    ))


def _tax_v1() -> Questionnaire:
    questions = [
        _yes_no("us_citizen", "Hai la cittadinanza statunitense?", flag=Flag.US_PERSON, flag_values=YES),
        _yes_no("us_tax_resident", "Sei residente fiscale negli Stati Uniti (ad esempio con una green card)?",
                flag=Flag.US_PERSON, flag_values=YES),
        # A US citizen or US tax resident must give the US TIN (FATCA).
        Question("us_tin", "Codice fiscale statunitense (SSN, ITIN o EIN)", AnswerType.TIN, tin_country="US",
                 shown_if=(Condition("us_citizen", YES), Condition("us_tax_resident", YES))),
        _yes_no("us_birthplace", "Sei nato negli Stati Uniti?", flag=Flag.US_PERSON, flag_values=YES),
    ]
    for n in range(1, MAX_RESIDENCES + 1):
        shown = None if n == 1 else Condition(f"residence_{n - 1}_more", YES)
        questions += [
            Question(f"residence_{n}_country", f"Paese di residenza fiscale {n}", AnswerType.COUNTRY, shown_if=shown),
            _yes_no(f"residence_{n}_has_tin", "Hai un codice di identificazione fiscale (TIN) in questo paese?",
                    shown_if=shown),
            Question(f"residence_{n}_tin", "Codice di identificazione fiscale (TIN)", AnswerType.TIN,
                     tin_country=f"residence_{n}_country",
                     shown_if=Condition(f"residence_{n}_has_tin", YES)),
            Question(f"residence_{n}_no_tin_reason", "Perché non hai un TIN", AnswerType.CHOICE, options=(
                ("not_issued", "Il paese non rilascia TIN ai suoi residenti"),
                ("not_yet", "Non ho ancora ottenuto il TIN"),
                ("not_required", "Il paese non lo richiede")),
                shown_if=Condition(f"residence_{n}_has_tin", frozenset({"no"}))),
        ]
        if n < MAX_RESIDENCES:
            questions.append(_yes_no(f"residence_{n}_more", "Sei residente fiscale anche in un altro paese?",
                                     shown_if=shown))
    return Questionnaire(QuestionnaireCode.TAX_RESIDENCY, 1, "Residenza fiscale (FATCA e CRS)", tuple(questions))


def _sanctions_v1() -> Questionnaire:
    return Questionnaire(QuestionnaireCode.SANCTIONS, 1, "Sanzioni internazionali", (
        _yes_no("sanctioned_countries", "Hai rapporti (residenza, affari, beni) con paesi sottoposti a sanzioni "
                "internazionali?", flag=Flag.SANCTIONS_LINK, flag_values=YES,
                help="Ad esempio Corea del Nord, Iran, Siria, Russia, Bielorussia."),
        _yes_no("sanctioned_persons", "Hai rapporti con persone o società incluse nelle liste delle sanzioni "
                "internazionali (UE, ONU, OFAC)?", flag=Flag.SANCTIONS_LINK, flag_values=YES),
        Question("residence_country", "Paese di residenza", AnswerType.COUNTRY, flag=Flag.SANCTIONS_LINK,
                 flag_values=SANCTIONED_COUNTRIES),
    ))


ALL: dict[tuple[QuestionnaireCode, int], Questionnaire] = {
    (q.code, q.version): q for q in (_aml_v1(), _tax_v1(), _sanctions_v1())
}


def current(code: QuestionnaireCode) -> Questionnaire:
    return max((q for (c, _), q in ALL.items() if c is code), key=lambda q: q.version)


def definition(code: QuestionnaireCode, version: int) -> Questionnaire | None:
    return ALL.get((code, version))
