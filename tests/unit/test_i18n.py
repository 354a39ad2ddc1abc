"""Italian is the source language; English must be complete, faithful to placeholders and actually served."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from areaclienti.entrypoints.web import i18n
from areaclienti.entrypoints.web.app import create_app
from tests.support import build_harness, test_settings

ROOT = Path(__file__).resolve().parents[2]
WEB = ROOT / "src" / "areaclienti" / "entrypoints" / "web"
EN_PO = i18n.TRANSLATIONS / "en" / "LC_MESSAGES" / "messages.po"
PLACEHOLDER = re.compile(r"%\(\w+\)[-#0 +]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa]")
KEYWORDS = {**DEFAULT_KEYWORDS, "lazy_gettext": None, "_l": None}  # _l: lazy_gettext, for module-level labels


def _catalogue():
    with EN_PO.open("rb") as po_file:
        return read_po(po_file, locale="en")


def _entries():
    return [m for m in _catalogue() if m.id]


def _placeholders(text: str) -> list[str]:
    return sorted(PLACEHOLDER.findall(text))


def _extracted() -> dict[str, set[str]]:
    """msgid -> where it is used, extracted exactly as `pybabel extract -F babel.cfg` does."""
    with (ROOT / "babel.cfg").open() as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    found: dict[str, set[str]] = {}
    for filename, lineno, message, _comments, _context in extract_from_dir(
        str(WEB), method_map, options_map, keywords=KEYWORDS, strip_comment_tags=True
    ):
        msgid = message[0] if isinstance(message, tuple) else message
        if msgid:
            found.setdefault(msgid, set()).add(f"{filename}:{lineno}")
    return found


# --- the catalogue ---------------------------------------------------------------------------------------------


def test_every_english_entry_is_translated_with_the_same_placeholders():
    problems = []
    for m in _entries():
        ids = list(m.id) if m.pluralizable else [m.id]
        strings = list(m.string) if m.pluralizable else [m.string]
        if m.fuzzy:
            problems.append(f"fuzzy: {m.id!r}")
        if m.pluralizable and len(strings) != 2:
            problems.append(f"expected 2 plural forms: {m.id!r}")
        for index, text in enumerate(strings):
            source = ids[min(index, len(ids) - 1)]
            if not (text or "").strip():
                problems.append(f"untranslated: {source!r}")
            elif _placeholders(text) != _placeholders(source):
                problems.append(f"placeholders differ: {source!r} -> {text!r}")
    assert not problems, "\n".join(problems)


def test_babel_checkers_find_nothing_wrong():
    errors = [(m.id, [str(e) for e in errs]) for m, errs in _catalogue().check()]
    assert not errors, errors


def test_english_catalogue_is_complete():
    """Fails when a new Italian string is added without an English translation:
    run pybabel extract + update (see babel.cfg) and translate it."""
    catalogue = _catalogue()
    extracted = _extracted()
    assert len(extracted) > 100  # sanity: the extractor really read the templates and the views
    missing = {msgid: sorted(where) for msgid, where in extracted.items() if msgid not in catalogue}
    assert not missing, "\n".join(f"{msgid!r} ({', '.join(where)})" for msgid, where in missing.items())


def test_plural_messages_are_plural_in_the_catalogue():
    with (ROOT / "babel.cfg").open() as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    catalogue = _catalogue()
    for _f, _l, message, _c, _ctx in extract_from_dir(str(WEB), method_map, options_map, keywords=KEYWORDS):
        if isinstance(message, tuple) and message[0] in catalogue:
            assert catalogue[message[0]].pluralizable, message


def test_seed_button_labels_keep_their_meaning():
    catalogue = _catalogue()
    expected = {"Registrati": "Register", "avanti": "next", "verifica codice": "verify code", "invia": "send",
                "password dimenticata?": "forgot password?"}
    assert {msgid: catalogue[msgid].string for msgid in expected} == expected


# --- through the app -------------------------------------------------------------------------------------------


@pytest.fixture
def client(tmp_path):
    settings = test_settings(tmp_path)
    return create_app(settings, build_harness(settings).container).test_client()


def _text(response) -> str:
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_login_page_is_italian_by_default(client):
    page = _text(client.get("/accesso"))
    assert "password dimenticata?" in page
    assert "Accedi ad Area Clienti" in page
    assert 'lang="it"' in page
    assert "forgot password?" not in page.lower()


def test_the_browser_language_does_not_switch_the_site_to_english(client):
    """Italian first: the browser's Accept-Language is deliberately ignored (see i18n.select_locale)."""
    page = _text(client.get("/accesso", headers={"Accept-Language": "en-GB,en;q=0.9"}))
    assert "password dimenticata?" in page
    assert "forgot password?" not in page.lower()


def test_login_page_in_english_once_chosen(client):
    client.get("/lingua/en?next=/accesso")
    page = _text(client.get("/accesso"))
    assert "forgot password?" in page.lower()
    assert "Log in to the Customer Area" in page
    assert '<html lang="en"' in page
    assert "password dimenticata?" not in page


def test_unknown_language_code_is_ignored(client):
    client.get("/lingua/de")
    page = _text(client.get("/accesso"))
    assert "password dimenticata?" in page


def test_chosen_language_sticks_for_the_session(client):
    response = client.get("/lingua/en?next=/registrazione")
    assert response.status_code in (302, 303)
    page = _text(client.get("/registrazione", headers={"Accept-Language": "it"}))
    assert "Registration" in page
    assert ">Register<" in page
    assert "Policy number" in page
    assert ">Registrati<" not in page

    client.get("/lingua/it")
    page = _text(client.get("/registrazione", headers={"Accept-Language": "en"}))
    assert ">Registrati<" in page
    assert "Numero di polizza" in page


def test_python_messages_are_translated_too(client):
    client.get("/lingua/en")
    page = client.get("/pagina-che-non-esiste").get_data(as_text=True)
    assert "The page you are looking for does not exist." in page


# --- the compiled catalogues (committed, never written by the app) ------------------------------------------


def test_committed_catalogues_match_their_po_files():
    problems = i18n.stale_catalogues()
    assert not problems, "\n".join(problems) + f"\nrun {i18n.RECOMPILE_COMMAND} to recompile, then commit the .mo"


def test_a_stale_or_missing_catalogue_is_reported_and_recompiling_fixes_it(tmp_path):
    import shutil

    shutil.copytree(i18n.TRANSLATIONS, tmp_path, dirs_exist_ok=True)
    po_path = tmp_path / "en" / "LC_MESSAGES" / "messages.po"
    i18n.compile_catalogues(tmp_path)
    assert i18n.stale_catalogues(tmp_path) == []

    with po_path.open("a", encoding="utf-8") as po_file:
        po_file.write('\nmsgid "Una frase appena aggiunta"\nmsgstr "A sentence just added"\n')
    problems = i18n.stale_catalogues(tmp_path)
    assert len(problems) == 1 and "'Una frase appena aggiunta'" in problems[0]

    assert i18n.compile_catalogues(tmp_path) == [po_path.with_suffix(".mo")]
    assert i18n.stale_catalogues(tmp_path) == []

    po_path.with_suffix(".mo").unlink()
    assert [p.endswith("is missing") for p in i18n.stale_catalogues(tmp_path)] == [True]
