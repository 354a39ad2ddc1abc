"""Common passwords, from the 30,000-entry list zxcvbn ships (SPEC §8: reject common passwords)."""
from __future__ import annotations

import re
import threading

from areaclienti.app.ports.security import PasswordBlocklist

# "password123!" is as weak as "password": a trailing run of digits and symbols adds little.
_TRAILING_DIGITS_AND_SYMBOLS = re.compile(r"[\W\d_]+$")
MIN_STEM_LENGTH = 6


class ZxcvbnPasswordBlocklist(PasswordBlocklist):
    """A password is common when, casefolded, it is on zxcvbn's list of leaked passwords, or when
    it is one of them followed by digits and symbols (the listed stem at least 6 characters long,
    so that "abc" + digits is not caught by accident).
    """

    _words: frozenset[str] | None = None
    _lock = threading.Lock()

    @classmethod
    def _common(cls) -> frozenset[str]:
        # Loaded once per process, on first use: the list is a large module.
        if cls._words is None:
            with cls._lock:
                if cls._words is None:
                    from zxcvbn.frequency_lists import FREQUENCY_LISTS

                    cls._words = frozenset(FREQUENCY_LISTS["passwords"])
        return cls._words

    def is_common(self, password: str) -> bool:
        folded = password.casefold()
        words = self._common()
        if folded in words:
            return True
        stem = _TRAILING_DIGITS_AND_SYMBOLS.sub("", folded)
        return stem != folded and len(stem) >= MIN_STEM_LENGTH and stem in words
