"""The compliance questionnaires (R-DISP-Q) as data: their shape, validation over random answer sets, the TINs
checked by python-stdnum, the flags, and versions."""
from __future__ import annotations

import re
from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st
from stdnum.us import ssn

from areaclienti.domain import questionnaires as q
from areaclienti.domain.questionnaires import (
    AnswerType,
    Flag,
    Question,
    QuestionnaireCode,
    QuestionnaireInvalid,
    current,
    definition,
    flags,
    is_shown,
    validate,
)

from .strategies import tax_codes, vat_numbers

AML, TAX, SANCTIONS = (current(code) for code in QuestionnaireCode)
DEFINITIONS = list(q.ALL.values())

# Valid and invalid tax identification numbers of the countries python-stdnum knows (checked by it).
VALID_TINS = {"DE": ["36574261809"], "FR": ["3023217600053"], "ES": ["54362315K", "X2482300W"]}
# Germany: the IdNr, or the Steuernummer (10 to 13 digits, so an IdNr with a wrong check digit passes as one).
INVALID_TINS = {"IT": ["RSSMRA80A01H501X", "RSSMRA80A01H50"],
                "DE": ["365742618", "1234", "DE36574261809", "36574261808"],  # the last: a wrong check digit
                "FR": ["3023217600054"], "ES": ["54362315Z"], "US": ["12345678", "1234567890", "ABCDEFGHI"]}
UNKNOWN_FORMAT = ["SM", "JP", "BR", "MC"]  # no python-stdnum module: checked for length only
OTHER_COUNTRIES = ["IT", "FR", "DE", "US", "GB", "KP", "IR", "MM", "SY", "RU", "BY", "CU", "CH", "SM"]


def conditions(question: Question) -> tuple[q.Condition, ...]:
    if question.shown_if is None:
        return ()
    return question.shown_if if isinstance(question.shown_if, tuple) else (question.shown_if,)


def answers_allowed(question: Question) -> set[str] | None:
    """What a choice or yes/no question accepts (None: free text, a country or a TIN)."""
    if question.type is AnswerType.CHOICE:
        return {v for v, _ in question.options}
    if question.type is AnswerType.YES_NO:
        return {"yes", "no"}
    return None


def ssns() -> st.SearchStrategy[str]:
    """US social security numbers that python-stdnum accepts (not area 000, 666, 9xx; no group 00…)."""
    return st.builds("{:03d}-{:02d}-{:04d}".format, st.integers(1, 899), st.integers(1, 99),
                     st.integers(1, 9999)).filter(ssn.is_valid)


def tins(country: str) -> st.SearchStrategy[str]:
    if country == "IT":
        return st.one_of(tax_codes(), vat_numbers())
    if country == "US":
        return ssns()
    if country in VALID_TINS:
        return st.sampled_from(VALID_TINS[country])
    return st.text(alphabet="ABCDEFGHJKLMNPQRSTUVWXYZ0123456789", min_size=4, max_size=30)


def value_for(data, question: Question, given: dict[str, str]) -> str:
    allowed = answers_allowed(question)
    if allowed is not None:
        return data.draw(st.sampled_from(sorted(allowed)))
    if question.type is AnswerType.COUNTRY:
        tax_residence = re.fullmatch(r"residence_\d_country", question.id)
        pool = [*VALID_TINS, "IT", *UNKNOWN_FORMAT] if tax_residence else OTHER_COUNTRIES
        return data.draw(st.sampled_from(pool))
    if question.type is AnswerType.TIN:
        country = "US" if question.tin_country == "US" else given.get(question.tin_country or "", "IT")
        return data.draw(tins(country))
    return data.draw(st.text(alphabet="abcdefghilmnoprstuvz ", min_size=1, max_size=60).map(str.strip)
                     .filter(bool))


def valid_answers(data, questionnaire) -> dict[str, str]:
    """A valid answer to every question, shown or not (a TIN fits the country answered above it)."""
    given: dict[str, str] = {}
    for question in questionnaire.questions:
        given[question.id] = value_for(data, question, given)
    return given


def shown_in_order(questionnaire, raw: dict[str, str], *, is_company: bool) -> tuple[dict, set[str]]:
    """The answers a customer sees and gives, top to bottom, and the required questions shown but left empty."""
    kept: dict[str, str] = {}
    missing: set[str] = set()
    for question in questionnaire.questions:
        if not is_shown(question, kept, is_company=is_company):
            continue
        if question.id in raw:
            kept[question.id] = raw[question.id]
        elif question.required:
            missing.add(question.id)
    return kept, missing


# --- the definitions ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("questionnaire", DEFINITIONS, ids=lambda d: f"{d.code.value}-v{d.version}")
def test_every_condition_looks_at_an_earlier_question_and_answers_it_can_give(questionnaire):
    earlier: dict[str, Question] = {}
    for question in questionnaire.questions:
        assert question.id not in earlier, f"{question.id} twice"
        for condition in conditions(question):
            assert condition.question in earlier, f"{question.id} looks at {condition.question}, not above it"
            allowed = answers_allowed(earlier[condition.question])
            assert allowed is not None and condition.values <= allowed, (question.id, condition)
        if question.type is AnswerType.TIN:
            assert question.tin_country == "US" or earlier[question.tin_country].type is AnswerType.COUNTRY
        if question.type is AnswerType.CHOICE:
            assert question.options and len({v for v, _ in question.options}) == len(question.options)
        if question.flag is not None:
            assert question.flag_values
        earlier[question.id] = question


def test_at_most_three_tax_residences_each_after_a_yes_to_the_one_before():
    ids = [question.id for question in TAX.questions]
    assert q.MAX_RESIDENCES == 3
    assert not [i for i in ids if i.startswith("residence_4")] and "residence_3_more" not in ids
    for n in (2, 3):
        for suffix in ("country", "has_tin"):
            question = TAX.question(f"residence_{n}_{suffix}")
            assert conditions(question) == (q.Condition(f"residence_{n - 1}_more", frozenset({"yes"})),)
            assert is_shown(question, {f"residence_{n - 1}_more": "yes"}, is_company=False)
            assert not is_shown(question, {f"residence_{n - 1}_more": "no"}, is_company=False)
            assert not is_shown(question, {}, is_company=False)


# --- validation over random answer sets ----------------------------------------------------------------------
@given(data=st.data(), questionnaire=st.sampled_from(DEFINITIONS), is_company=st.booleans())
def test_valid_answers_to_every_question_keep_only_the_questions_shown(data, questionnaire, is_company):
    raw = valid_answers(data, questionnaire)
    kept = validate(questionnaire, raw, is_company=is_company)
    expected, missing = shown_in_order(questionnaire, raw, is_company=is_company)
    assert missing == set() and kept == expected  # hidden questions' answers dropped, never an error
    for question in questionnaire.questions:
        if question.companies_only and not is_company:
            assert question.id not in kept


@given(data=st.data(), questionnaire=st.sampled_from(DEFINITIONS), is_company=st.booleans())
def test_a_question_is_required_only_when_it_is_shown(data, questionnaire, is_company):
    full = valid_answers(data, questionnaire)
    left_out = data.draw(st.sets(st.sampled_from(sorted(full))))
    raw = {k: v for k, v in full.items() if k not in left_out}
    expected, missing = shown_in_order(questionnaire, raw, is_company=is_company)
    if not missing:
        assert validate(questionnaire, raw, is_company=is_company) == expected
        return
    with pytest.raises(QuestionnaireInvalid) as refused:
        validate(questionnaire, raw, is_company=is_company)
    assert refused.value.problems == {question_id: "required" for question_id in missing}
    assert missing <= left_out


@given(data=st.data(), garbage=st.text(min_size=1, max_size=20).filter(lambda s: s.strip()))
def test_a_wrong_answer_to_a_hidden_question_is_dropped_not_refused(data, garbage):
    raw = {**valid_answers(data, AML), "purpose": "savings", "purpose_other": garbage, "beneficial_owner": garbage}
    kept = validate(AML, raw, is_company=False)
    assert "purpose_other" not in kept and "beneficial_owner" not in kept


@given(data=st.data(), question_id=st.sampled_from(["purpose", "funds_source", "profession", "pep_self"]),
       wrong=st.text(min_size=1, max_size=20).filter(lambda s: s.strip() not in {
           "savings", "protection", "retirement", "succession", "other", "salary", "inheritance", "sale",
           "business", "employee", "self_employed", "entrepreneur", "retired", "not_working", "student", "yes",
           "no"} and s.strip()))
def test_an_answer_that_is_not_an_option_is_refused(data, question_id, wrong):
    raw = {**valid_answers(data, AML), question_id: wrong}
    with pytest.raises(QuestionnaireInvalid) as refused:
        validate(AML, raw, is_company=False)
    assert refused.value.problems[question_id] == "not_an_option"


def test_a_text_answer_too_long_and_a_country_that_is_not_a_code_are_refused():
    with pytest.raises(QuestionnaireInvalid) as refused:
        validate(AML, {"purpose": "other", "purpose_other": "x" * (q.TEXT_MAX + 1), "funds_country": "Italia"},
                 is_company=False)
    assert refused.value.problems["purpose_other"] == "too_long"
    assert refused.value.problems["funds_country"] == "country_invalid"


# --- FATCA: US persons --------------------------------------------------------------------------------------
def tax_answers(**changes) -> dict[str, str]:
    return {"us_citizen": "no", "us_tax_resident": "no", "us_birthplace": "no", "residence_1_country": "IT",
            "residence_1_has_tin": "no", "residence_1_no_tin_reason": "not_yet", "residence_1_more": "no",
            **changes}


@given(citizen=st.sampled_from(["yes", "no"]), resident=st.sampled_from(["yes", "no"]))
def test_a_us_citizen_or_tax_resident_without_us_tin_is_refused(citizen, resident):
    raw = tax_answers(us_citizen=citizen, us_tax_resident=resident)
    if "yes" in (citizen, resident):
        with pytest.raises(QuestionnaireInvalid) as refused:
            validate(TAX, raw, is_company=False)
        assert refused.value.problems == {"us_tin": "required"}
    else:
        assert "us_tin" not in validate(TAX, {**raw, "us_tin": "not a number"}, is_company=False)


@given(number=ssns(), citizen=st.booleans())
def test_a_us_person_with_a_valid_ssn_is_accepted(number, citizen):
    raw = tax_answers(**({"us_citizen": "yes"} if citizen else {"us_tax_resident": "yes"}), us_tin=number)
    assert validate(TAX, raw, is_company=False)["us_tin"] == number


@pytest.mark.parametrize("number", INVALID_TINS["US"])
def test_a_us_tin_that_is_not_one_is_refused(number):
    with pytest.raises(QuestionnaireInvalid) as refused:
        validate(TAX, tax_answers(us_citizen="yes", us_tin=number), is_company=False)
    assert refused.value.problems == {"us_tin": "tin_invalid"}


# --- tax identification numbers per country -------------------------------------------------------------------
def with_tin(country: str, tin: str) -> dict[str, str]:
    return tax_answers(residence_1_country=country, residence_1_has_tin="yes", residence_1_tin=tin)


@given(tin=st.one_of(tax_codes(), vat_numbers()))
def test_an_italian_codice_fiscale_or_partita_iva_is_accepted(tin):
    assert validate(TAX, with_tin("IT", tin.lower()), is_company=False)["residence_1_tin"] == tin


@given(code=tax_codes(), wrong=st.sampled_from("ABCDEFGHIJKLMNOPQRSTUVWXYZ"))
def test_an_italian_codice_fiscale_with_a_wrong_check_character_is_refused(code, wrong):
    if wrong == code[-1]:
        wrong = "A" if code[-1] != "A" else "B"
    with pytest.raises(QuestionnaireInvalid) as refused:
        validate(TAX, with_tin("IT", code[:-1] + wrong), is_company=False)
    assert refused.value.problems == {"residence_1_tin": "tin_invalid"}


@pytest.mark.parametrize("country,tin", [(c, t) for c, ts in VALID_TINS.items() for t in ts])
def test_a_tin_valid_for_its_country_is_accepted(country, tin):
    assert validate(TAX, with_tin(country, tin), is_company=False)["residence_1_tin"] == tin


@pytest.mark.parametrize("country,tin", [(c, t) for c, ts in INVALID_TINS.items() if c != "US" for t in ts])
def test_a_tin_invalid_for_its_country_is_refused(country, tin):
    with pytest.raises(QuestionnaireInvalid) as refused:
        validate(TAX, with_tin(country, tin), is_company=False)
    assert refused.value.problems == {"residence_1_tin": "tin_invalid"}


def test_a_valid_tin_of_another_country_is_refused():
    with pytest.raises(QuestionnaireInvalid):
        validate(TAX, with_tin("DE", "RNLMRC79E21H501A"), is_company=False)  # an Italian code for Germany


@given(country=st.sampled_from(UNKNOWN_FORMAT),
       tin=st.text(alphabet="ABCDEFGHJKLMNPQRSTUVWXYZ0123456789-", min_size=1, max_size=40))
def test_a_tin_of_a_country_without_a_known_format_is_checked_for_length(country, tin):
    bare = tin.replace("-", "")
    fits = 4 <= len(tin) <= 30 and bare.isalnum()
    if fits:
        assert validate(TAX, with_tin(country, tin), is_company=False)["residence_1_tin"] == tin
    else:
        with pytest.raises(QuestionnaireInvalid):
            validate(TAX, with_tin(country, tin), is_company=False)


def test_each_tax_residence_has_its_tin_checked_for_its_own_country():
    raw = tax_answers(residence_1_more="yes", residence_2_country="ES", residence_2_has_tin="yes",
                      residence_2_tin="54362315K", residence_2_more="yes", residence_3_country="DE",
                      residence_3_has_tin="yes", residence_3_tin="54362315K")  # Spanish NIF given for Germany
    with pytest.raises(QuestionnaireInvalid) as refused:
        validate(TAX, raw, is_company=False)
    assert refused.value.problems == {"residence_3_tin": "tin_invalid"}


# --- flags -------------------------------------------------------------------------------------------------
@given(data=st.data())
def test_flags_are_raised_exactly_by_the_answers_that_need_a_person(data):
    """The expected flags come from the answers named here, not from the definitions' own flag fields."""
    answers = {definition.code: validate(definition, valid_answers(data, definition), is_company=False)
               for definition in (AML, TAX, SANCTIONS)}
    aml, tax, sanctions = answers[AML.code], answers[TAX.code], answers[SANCTIONS.code]
    def raised(**when: bool) -> set[Flag]:
        return {Flag[name.upper()] for name, holds in when.items() if holds}

    expected = {
        AML.code: raised(politically_exposed="yes" in (aml["pep_self"], aml["pep_family"], aml["pep_associate"]),
                         high_risk_funds=aml["funds_country"] in {"KP", "IR", "MM"}),
        TAX.code: raised(us_person="yes" in (tax["us_citizen"], tax["us_tax_resident"], tax["us_birthplace"])),
        SANCTIONS.code: raised(sanctions_link="yes" in (sanctions["sanctioned_countries"],
                                                        sanctions["sanctioned_persons"])
                               or sanctions["residence_country"] in {"KP", "IR", "SY", "RU", "BY", "CU"}),
    }
    for definition in (AML, TAX, SANCTIONS):
        assert flags(definition, answers[definition.code]) == expected[definition.code]


@pytest.mark.parametrize("code,changes,flag", [
    (QuestionnaireCode.ANTI_MONEY_LAUNDERING, {"pep_family": "yes"}, Flag.POLITICALLY_EXPOSED),
    (QuestionnaireCode.ANTI_MONEY_LAUNDERING, {"funds_country": "KP"}, Flag.HIGH_RISK_FUNDS),
    (QuestionnaireCode.TAX_RESIDENCY, {"us_birthplace": "yes"}, Flag.US_PERSON),
    (QuestionnaireCode.SANCTIONS, {"residence_country": "RU"}, Flag.SANCTIONS_LINK),
    (QuestionnaireCode.SANCTIONS, {"sanctioned_persons": "yes"}, Flag.SANCTIONS_LINK),
])
def test_one_flag_answer_raises_its_flag_and_plain_answers_none(code, changes, flag):
    plain = {
        QuestionnaireCode.ANTI_MONEY_LAUNDERING: {"purpose": "savings", "funds_source": "salary",
                                                  "funds_country": "IT", "profession": "retired",
                                                  "pep_self": "no", "pep_family": "no", "pep_associate": "no"},
        QuestionnaireCode.TAX_RESIDENCY: tax_answers(),
        QuestionnaireCode.SANCTIONS: {"sanctioned_countries": "no", "sanctioned_persons": "no",
                                      "residence_country": "IT"},
    }[code]
    questionnaire = current(code)
    assert flags(questionnaire, validate(questionnaire, plain, is_company=False)) == frozenset()
    assert flags(questionnaire, validate(questionnaire, {**plain, **changes}, is_company=False)) == {flag}


# --- versions ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("code", list(QuestionnaireCode))
def test_a_definition_is_stable_and_the_current_one_is_the_highest_version(code):
    versions = [version for (c, version) in q.ALL if c is code]
    assert versions and current(code).version == max(versions)
    for version in versions:
        assert definition(code, version) is definition(code, version) == q.ALL[(code, version)]
        assert definition(code, version).code is code and definition(code, version).version == version
    assert definition(code, max(versions) + 1) is None and definition(code, 0) is None


def test_a_new_version_becomes_current_and_old_answers_still_validate_against_their_own(monkeypatch):
    old = current(QuestionnaireCode.SANCTIONS)
    new_question = Question("sanctioned_assets", "Hai beni in paesi sottoposti a sanzioni?", AnswerType.YES_NO)
    newer = replace(old, version=old.version + 1, questions=(*old.questions, new_question))
    monkeypatch.setitem(q.ALL, (newer.code, newer.version), newer)
    given_then = {"sanctioned_countries": "no", "sanctioned_persons": "no", "residence_country": "IT"}
    kept = {"version": old.version, "answers": validate(old, given_then, is_company=False)}  # what a request keeps

    assert current(QuestionnaireCode.SANCTIONS) is newer
    assert definition(QuestionnaireCode.SANCTIONS, old.version) is old
    assert validate(definition(QuestionnaireCode.SANCTIONS, kept["version"]), kept["answers"],
                    is_company=False) == kept["answers"]
    with pytest.raises(QuestionnaireInvalid) as refused:
        validate(newer, kept["answers"], is_company=False)
    assert refused.value.problems == {"sanctioned_assets": "required"}


# --- the texts ---------------------------------------------------------------------------------------------
ENGLISH = {"the", "your", "you", "are", "of", "and", "other", "country", "yes", "what", "which", "please",
           "have", "where", "number", "source"}
ITALIAN = {"di", "il", "la", "lo", "le", "del", "della", "dei", "e", "è", "in", "un", "una", "per", "con", "da",
           "sei", "hai", "a", "o", "nel", "negli", "gli", "tuo", "tuoi", "non", "ai", "anche", "questo", "ha"}


def texts(questionnaire) -> list[str]:
    found = [questionnaire.title]
    for question in questionnaire.questions:
        found += [question.label, *(label for _, label in question.options)]
        if question.help:
            found.append(question.help)
    return found


@pytest.mark.parametrize("questionnaire", DEFINITIONS, ids=lambda d: f"{d.code.value}-v{d.version}")
def test_the_texts_are_italian_and_never_empty(questionnaire):
    for text in texts(questionnaire):
        assert text.strip() == text and text, repr(text)
        words = {w.lower() for w in re.findall(r"[^\W\d_]+", text)}
        assert not words & ENGLISH, text
        if len(words) >= 5:  # a sentence: it reads as Italian
            assert words & ITALIAN, text
    for question in questionnaire.questions:
        assert question.type is not AnswerType.CHOICE or all(label for _, label in question.options)
