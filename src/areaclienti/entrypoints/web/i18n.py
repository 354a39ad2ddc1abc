"""Italian first, English second. Catalogues are compiled from the .po files at start-up when stale."""
from __future__ import annotations

from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import session

LOCALES = ("it", "en")
TRANSLATIONS = Path(__file__).parent / "translations"


def select_locale() -> str:
    """Italian unless the customer chose English with the IT/EN switch.

    The browser's Accept-Language is not followed: customers of an Italian insurer read Italian
    first, and a page that changes language by itself confuses more than it helps.
    """
    chosen = session.get("lang") if session else None
    return chosen if chosen in LOCALES else "it"


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
