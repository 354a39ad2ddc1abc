"""The compliance questionnaires (R-DISP-Q) as HTML form fields, and back: any versioned definition of
``domain.questionnaires`` is rendered by one macro (templates/requests/_questionnaire.html) from the helpers here.

A field is named ``<questionnaire code>.<question id>`` and each questionnaire posts its version as
``<code>.version``, so that answers given against a version replaced meanwhile are recognised. Questions shown
only for some answers are in the page from the start, each saying when it applies: a small script
(static/js/questionnaire.js) hides those that do not, and without it the customer skips them; the domain keeps
only the answers to questions that apply.
"""
from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from datetime import datetime
from functools import lru_cache

import babel
from flask_babel import format_date, get_locale
from flask_babel import gettext as _

from areaclienti.app.use_cases.requests import answer_questionnaires
from areaclienti.domain.errors import QuestionnairesInvalid
from areaclienti.domain.questionnaires import AnswerType, Condition, Question, Questionnaire, QuestionnaireCode
from areaclienti.domain.questionnaires import current as current_questionnaire

from .errors import questionnaire_errors, tin_problem

# Two-letter territory codes in CLDR that name no country (groupings, test locales, the unknown region).
_NOT_COUNTRIES = frozenset({"EU", "EZ", "UN", "QO", "XA", "XB", "ZZ"})


def definitions() -> list[Questionnaire]:
    """The current version of every questionnaire, in the order the page asks them."""
    return [current_questionnaire(code) for code in QuestionnaireCode]


def current_version(code: str) -> int:
    return current_questionnaire(QuestionnaireCode(code)).version


def field_name(questionnaire: Questionnaire | QuestionnaireCode | str, question_id: str) -> str:
    code = getattr(questionnaire, "code", questionnaire)
    return f"{getattr(code, 'value', code)}.{question_id}"


def version_field(questionnaire: Questionnaire) -> str:
    return f"{questionnaire.code.value}.version"


def conditions(question: Question) -> tuple[Condition, ...]:
    if question.shown_if is None:
        return ()
    return question.shown_if if isinstance(question.shown_if, tuple) else (question.shown_if,)


def shown_if_data(questionnaire: Questionnaire, question: Question) -> list[dict]:
    """The conditions of a question for the page's script: shown when any holds, by field name."""
    return [{"field": field_name(questionnaire, c.question), "values": sorted(c.values)} for c in conditions(question)]


# --- countries ------------------------------------------------------------------------------------------------
@lru_cache(maxsize=4)
def _countries(locale: str) -> tuple[tuple[str, str], ...]:
    names = babel.Locale.parse(locale).territories
    found = [(code, name) for code, name in names.items()
             if len(code) == 2 and code.isalpha() and code not in _NOT_COUNTRIES]
    return tuple(sorted(found, key=lambda item: _sort_key(item[1])))


def _sort_key(name: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", name.casefold()) if not unicodedata.combining(c))


def countries() -> tuple[tuple[str, str], ...]:
    """ISO 3166 alpha-2 codes with their names in the page's language (Italian by default), by name."""
    return _countries(str(get_locale() or "it"))


def country_name(code: str) -> str:
    return dict(countries()).get(code, code)


# --- the form, both ways --------------------------------------------------------------------------------------
def posted(form: Mapping[str, str]) -> dict[str, dict]:
    """The posted form as the use case takes it: code -> {"version", "answers"}."""
    found: dict[str, dict] = {}
    for questionnaire in definitions():
        raw_version = (form.get(version_field(questionnaire)) or "").strip()
        version = int(raw_version) if raw_version.isdigit() else (None if not raw_version else -1)
        answers = {q.id: form.get(field_name(questionnaire, q.id)) or "" for q in questionnaire.questions}
        found[questionnaire.code.value] = {"version": version, "answers": answers}
    return found


def prefilled(last: Mapping[str, Mapping]) -> dict[str, str]:
    """Form values from the customer's last answers (``PolicyRequests.last_answers``), for the questions the
    current versions still ask."""
    values: dict[str, str] = {}
    for questionnaire in definitions():
        given = (last.get(questionnaire.code.value) or {}).get("answers") or {}
        asked = {q.id for q in questionnaire.questions}
        values.update({field_name(questionnaire, qid): value for qid, value in given.items() if qid in asked})
    return values


def hidden_fields(kept: Mapping[str, Mapping]) -> list[tuple[str, str]]:
    """The answers kept after validation, as the hidden fields of the review page."""
    fields: list[tuple[str, str]] = []
    for questionnaire in definitions():
        given = kept.get(questionnaire.code.value) or {}
        fields.append((version_field(questionnaire), str(given.get("version", questionnaire.version))))
        fields += [(field_name(questionnaire, qid), value) for qid, value in (given.get("answers") or {}).items()]
    return fields


def given_on(last: Mapping[str, Mapping]) -> str | None:
    """The day of the latest answers (dd/mm/yyyy, Italian time), or None when there are none."""
    moments = [datetime.fromisoformat(g["given_at"]) for g in last.values() if g.get("given_at")]
    if not moments:
        return None
    return format_date(max(moments), "dd/MM/y")


def outdated(last: Mapping[str, Mapping]) -> set[str]:
    """Questionnaires last answered against a version replaced since: the page asks to review them."""
    return {q.code.value for q in definitions()
            if last.get(q.code.value) and last[q.code.value].get("version") != q.version}


def checked(form: Mapping[str, str], *, is_company: bool, now: datetime) -> tuple[dict[str, str], set[str], dict]:
    """The questionnaires of a posted form, checked as the use case will check them: a message per answer at
    fault, the questionnaires answered against a version replaced since, and (when nothing is wrong) what the
    use case keeps (``answer_questionnaires``)."""
    given = posted(form)
    outdated = {code for code, g in given.items() if g["version"] != current_version(code)}
    try:
        # Answers to a replaced version are checked against the current one all the same: the page shows
        # what would be wrong with them now, beside the note asking to review them.
        kept = answer_questionnaires({c: {**g, "version": None} if c in outdated else g for c, g in given.items()},
                                     is_company=is_company, now=now)
    except QuestionnairesInvalid as invalid:
        return problems(invalid.params.get("problems") or {}, form), outdated, {}
    return {}, outdated, kept


# --- what the customer reads ----------------------------------------------------------------------------------
def problems(invalid: Mapping[str, Mapping[str, str]], form: Mapping[str, str]) -> dict[str, str]:
    """QuestionnairesInvalid's problems as one message per field; a TIN wrong for its country names it."""
    messages = questionnaire_errors(dict(invalid))
    for questionnaire in definitions():
        for qid, problem in (invalid.get(questionnaire.code.value) or {}).items():
            question = questionnaire.question(qid)
            if problem == "tin_invalid" and question.tin_country and question.tin_country != "US":
                country = (form.get(field_name(questionnaire, question.tin_country)) or "").strip().upper()
                if country:
                    messages[field_name(questionnaire, qid)] = tin_problem(country, country_name(country))
    return messages


def answer_label(question: Question, value: str) -> str:
    """An answer as the review page shows it."""
    if question.type is AnswerType.YES_NO:
        return _("Sì") if value == "yes" else _("No") if value == "no" else value
    if question.type is AnswerType.CHOICE:
        return _(dict(question.options).get(value, value))
    if question.type is AnswerType.COUNTRY:
        return country_name(value)
    return value


def summary(questionnaire: Questionnaire, answers: Mapping[str, str]) -> list[tuple[str, str]]:
    """(question, answer) for every question answered, in the questionnaire's order."""
    return [(_(q.label), answer_label(q, answers[q.id])) for q in questionnaire.questions if answers.get(q.id)]


def applies_when(questionnaire: Questionnaire, question: Question) -> str:
    """When a conditional question applies, for a page without its script: «Rispondi solo se …»."""
    parts = []
    for condition in conditions(question):
        asked = questionnaire.question(condition.question)
        answers = _(" o ").join(f"«{answer_label(asked, v)}»" for v in sorted(condition.values))
        parts.append(_("a «%(question)s» hai risposto %(answers)s", question=_(asked.label), answers=answers))
    return _("Rispondi solo se %(conditions)s.", conditions=_(" oppure ").join(parts))
