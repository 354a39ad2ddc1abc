"""The places addresses are checked against: the comuni of the ISTAT list with their CAPs, and countries."""
from __future__ import annotations

import abc
from collections.abc import Mapping

from areaclienti.domain.addresses import Comune


class Places(abc.ABC):
    """Look-ups over the official lists; answers come from memory (the lists are loaded once)."""

    @abc.abstractmethod
    def comuni_named(self, key: str) -> list[Comune]:
        """The comuni in force whose name (Italian or other official language) has this ``name_key``, in
        any province; empty when none."""

    @abc.abstractmethod
    def find_comune(self, name: str, province: str) -> Comune | None:
        """The comune with this name in this province (sigla, e.g. ``BO``), or None."""

    @abc.abstractmethod
    def countries(self, locale: str = "it") -> Mapping[str, str]:
        """ISO 3166 alpha-2 codes with their names in ``locale``, sorted by name (Italy included)."""
