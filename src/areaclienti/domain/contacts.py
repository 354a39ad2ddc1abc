"""Email addresses and mobile numbers as customers type them."""
from __future__ import annotations

import phonenumbers
from email_validator import EmailNotValidError, validate_email

from .errors import InvalidEmail, InvalidMobile

DEFAULT_REGION = "IT"
_MOBILE_TYPES = {phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE}


def normalise_email(raw: str) -> str:
    """A syntactically valid address, domain lower-cased (no DNS lookup: addresses are checked by the link we send)."""
    raw = (raw or "").strip()
    if not raw or len(raw) > 254:
        raise InvalidEmail(reason="format")
    try:
        result = validate_email(raw, check_deliverability=False)
    except EmailNotValidError:
        raise InvalidEmail(reason="format") from None
    return result.normalized.lower()


def normalise_mobile(raw: str) -> str:
    """A mobile number in E.164 (+393471234567); Italian numbers may omit the +39 prefix."""
    raw = (raw or "").strip()
    if not raw:
        raise InvalidMobile(reason="empty")
    try:
        number = phonenumbers.parse(raw, DEFAULT_REGION)
    except phonenumbers.NumberParseException:
        raise InvalidMobile(reason="format") from None
    if not phonenumbers.is_valid_number(number):
        raise InvalidMobile(reason="format")
    if phonenumbers.number_type(number) not in _MOBILE_TYPES:
        raise InvalidMobile(reason="not_mobile")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def mask_mobile(e164: str) -> str:
    """Shown on screen so the customer recognises the number without revealing it: +39 *** *** 4567."""
    return f"{e164[:3]} *** *** {e164[-4:]}" if len(e164) > 7 else "***"


def mask_email(email: str) -> str:
    local, _, domain = email.partition("@")
    return f"{local[:1]}***@{domain}" if domain else "***"
