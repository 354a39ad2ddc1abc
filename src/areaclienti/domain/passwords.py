"""What makes a password acceptable (SPEC §8): length, not common, not the customer's own data.

No composition rules, as NIST SP 800-63B advises.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable

from .errors import (
    PasswordContainsPersonalData,
    PasswordsDoNotMatch,
    PasswordTooCommon,
    PasswordTooLong,
    PasswordTooShort,
)

MIN_LENGTH = 12
MAX_LENGTH = 128


def personal_fragments(*, tax_code: str | None, email: str | None) -> list[str]:
    """The parts of the customer's own data a password may not contain."""
    fragments = []
    if tax_code:
        fragments.append(tax_code)
    if email:
        fragments.append(email)
        local = email.partition("@")[0]
        if len(local) >= 4:
            fragments.append(local)
    return [f.casefold() for f in fragments]


def check_new_password(
    password: str,
    confirmation: str | None,
    *,
    personal_data: Iterable[str],
    is_common: Callable[[str], bool],
    min_length: int = MIN_LENGTH,
    max_length: int = MAX_LENGTH,
) -> None:
    """Raise the first rule the new password breaks, in the order a customer fixes them."""
    if len(password) < min_length:
        raise PasswordTooShort(min_length=min_length)
    if len(password) > max_length:
        raise PasswordTooLong(max_length=max_length)
    folded = password.casefold()
    if any(fragment and fragment.casefold() in folded for fragment in personal_data):
        raise PasswordContainsPersonalData()
    if is_common(password):
        raise PasswordTooCommon()
    if confirmation is not None and confirmation != password:
        raise PasswordsDoNotMatch()
