"""Italian first, English second. Catalogues are compiled from the .po files at start-up when stale."""
from __future__ import annotations

from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import request, session

LOCALES = ("it", "en")
TRANSLATIONS = Path(__file__).parent / "translations"


def select_locale() -> str:
    chosen = session.get("lang") if session else None
    if chosen in LOCALES:
        return chosen
    return request.accept_languages.best_match(LOCALES, default="it") or "it"


def compile_catalogues(folder: Path = TRANSLATIONS) -> None:
    for po_path in folder.glob("*/LC_MESSAGES/messages.po"):
        mo_path = po_path.with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        with po_path.open("rb") as po_file:
            catalog = read_po(po_file)
        tmp = mo_path.with_suffix(".mo.tmp")
        with tmp.open("wb") as mo_file:
            write_mo(mo_file, catalog)
        tmp.replace(mo_path)
