"""Italian first, English second.

The compiled catalogues (``messages.mo``) are committed next to their ``.po`` files and shipped in the
package: the app only reads them, so it runs from a read-only install and its workers never race to
write them. After editing a ``.po`` file, recompile with ``./dev i18n`` (that is, ``python -m
areaclienti.entrypoints.web.i18n``); a unit test fails while a committed ``.mo`` differs from its ``.po``.
"""
from __future__ import annotations

import io
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po
from flask import g, session
from flask_babel import Domain, get_locale

LOCALES = ("it", "en")
TRANSLATIONS = Path(__file__).parent / "translations"
RECOMPILE_COMMAND = "./dev i18n (or: python -m areaclienti.entrypoints.web.i18n)"


def select_locale() -> str:
    """Italian unless the customer chose English with the IT/EN switch.

    The browser's Accept-Language is not followed: customers of an Italian insurer read Italian
    first, and a page that changes language by itself confuses more than it helps.
    """
    chosen = session.get("lang") if session else None
    return chosen if chosen in LOCALES else "it"


class RequestDomain(Domain):
    """Flask-Babel's message domain, with the catalogue looked up once per request.

    Flask-Babel looks the catalogue up again for every string (the locale's name, then its cache): a
    page's few dozen strings each paid it. Here the first string of a request keeps the catalogue, with the
    locale it is for, on ``g``; a locale changed meanwhile (``refresh``, ``force_locale``) is a new locale
    object, so it looks up again.
    """

    def get_translations(self):
        if not g:
            return super().get_translations()
        locale = get_locale()
        kept = g.get("_areaclienti_translations")
        if kept is None or kept[0] is not locale:
            kept = g._areaclienti_translations = (locale, super().get_translations())
        return kept[1]


def install_request_domain(app) -> None:
    """Make the app's Flask-Babel serve its default domain through ``RequestDomain`` (after ``Babel(app)``)."""
    configuration = app.extensions["babel"]
    configuration.instance.domain_instance = RequestDomain(domain=configuration.default_domain)


def _po_files(folder: Path) -> list[Path]:
    return sorted(folder.glob("*/LC_MESSAGES/messages.po"))


def _compiled(po_path: Path) -> bytes:
    with po_path.open("rb") as po_file:
        catalog = read_po(po_file)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    return buffer.getvalue()


def _translations(catalog: Catalog) -> tuple[str | None, dict]:
    """What gettext will serve from a catalogue: its plural rule and every msgid's translation."""
    def hashable(value):  # plural ids and strings come back as lists from a .mo, tuples from a .po
        return tuple(value) if isinstance(value, (list, tuple)) else value

    return catalog.plural_forms, {hashable(m.id): hashable(m.string) for m in catalog if m.id}


def stale_catalogues(folder: Path = TRANSLATIONS) -> list[str]:
    """The ``.mo`` files that are missing or do not serve what their ``.po`` says, one line each."""
    problems = []
    for po_path in _po_files(folder):
        mo_path = po_path.with_suffix(".mo")
        if not mo_path.exists():
            problems.append(f"{mo_path} is missing")
            continue
        with mo_path.open("rb") as mo_file:
            committed = _translations(read_mo(mo_file))
        expected = _translations(read_mo(io.BytesIO(_compiled(po_path))))
        if committed != expected:
            ids = committed[1].keys() | expected[1].keys()
            changed = sorted(repr(msgid) for msgid in ids if committed[1].get(msgid) != expected[1].get(msgid))
            problems.append(f"{mo_path} differs from its .po ({len(changed)} messages, e.g. {', '.join(changed[:3])})")
    return problems


def compile_catalogues(folder: Path = TRANSLATIONS) -> list[Path]:
    """Write each ``messages.mo`` from its ``messages.po``: a build step, never run by the app."""
    written = []
    for po_path in _po_files(folder):
        mo_path = po_path.with_suffix(".mo")
        mo_path.write_bytes(_compiled(po_path))
        written.append(mo_path)
    return written


def main(argv: list[str] | None = None) -> int:
    """``python -m areaclienti.entrypoints.web.i18n [--check]``: recompile the catalogues (or only check)."""
    args = sys.argv[1:] if argv is None else argv
    if args == ["--check"]:
        problems = stale_catalogues()
        for problem in problems:
            print(problem, file=sys.stderr)
        return 1 if problems else 0
    if args:
        print("usage: python -m areaclienti.entrypoints.web.i18n [--check]", file=sys.stderr)
        return 2
    for mo_path in compile_catalogues():
        print(f"compiled {mo_path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
