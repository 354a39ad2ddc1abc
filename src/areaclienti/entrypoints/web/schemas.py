"""marshmallow schemas at the edge: web forms and JSON bodies load into use-case commands.

Schemas check presence and shape only; the business rules (tax code check character, mobile
numbers, password rules) live in the domain and answer with their own messages.
"""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

from marshmallow import EXCLUDE, Schema, ValidationError, fields, post_load, validate

from areaclienti.app.use_cases.identification import GiveDocument
from areaclienti.app.use_cases.legacy import StartFirstAccess
from areaclienti.app.use_cases.login import LogIn
from areaclienti.app.use_cases.passwords import ChangePassword, CompleteLink
from areaclienti.app.use_cases.registration import GiveContacts, StartRegistration, VerifyMobile
from areaclienti.domain.identification import DocumentType

from .errors import REQUIRED, field_message


class FormInvalid(Exception):
    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("form invalid")
        self.errors = errors


def _text(max_length: int = 200, **kwargs) -> fields.String:
    return fields.String(required=True, validate=validate.Length(min=1, max=max_length), **kwargs)


class _Base(Schema):
    class Meta:
        unknown = EXCLUDE

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.extra: dict[str, Any] = {}  # values from outside the body (URL, session), set by load_form


EMAIL_EXAMPLE, MOBILE_EXAMPLE = "mario.rossi@example.it", "+39 347 123 4567"  # examples in the OpenAPI document


class StartRegistrationSchema(_Base):
    party_id = _text(40, metadata={"description": "Codice fiscale (persons) or partita IVA (companies)",
                                   "example": "RSSMRA80A01H501U"})
    policy_number = _text(40, metadata={"example": "VI10001234"})
    privacy_accepted = fields.Boolean(load_default=False, metadata={"example": True})
    marketing_consent = fields.Boolean(load_default=False)

    @post_load
    def make(self, data, **_):
        return StartRegistration(**data)


class ContactsSchema(_Base):
    flow_token = fields.String(load_default="")
    email = _text(254, metadata={"example": EMAIL_EXAMPLE})
    mobile = _text(30, metadata={"example": MOBILE_EXAMPLE})

    @post_load
    def make(self, data, **_):
        return GiveContacts(**{**data, **self.extra})


class CodeSchema(_Base):
    flow_token = fields.String(load_default="")
    code = _text(12, metadata={"description": "The code received by SMS", "example": "12345"})

    @post_load
    def make(self, data, **_):
        return VerifyMobile(**{**data, **self.extra})


class LoginSchema(_Base):
    email = _text(254, metadata={"example": EMAIL_EXAMPLE})
    password = fields.String(required=True, validate=validate.Length(min=1, max=1024))

    @post_load
    def make(self, data, **_):
        return LogIn(**data)


class EmailSchema(_Base):
    email = _text(254, metadata={"example": EMAIL_EXAMPLE})

    @post_load
    def make(self, data, **_):
        return _Email(data["email"])


class _Email:
    def __init__(self, email: str) -> None:
        self.email = email


class FirstAccessSchema(_Base):
    email = _text(254, metadata={"example": EMAIL_EXAMPLE})
    mobile = _text(30, metadata={"example": MOBILE_EXAMPLE})

    @post_load
    def make(self, data, **_):
        return StartFirstAccess(**data)


class NewPasswordSchema(_Base):
    password = fields.String(required=True, validate=validate.Length(min=1, max=1024))
    password_confirm = fields.String(required=True, validate=validate.Length(min=1, max=1024))

    @post_load
    def make(self, data, **_):
        return CompleteLink(token=self.extra.get("token", ""), **data)


class ChangePasswordSchema(_Base):
    current_password = fields.String(required=True, validate=validate.Length(min=1, max=1024))
    new_password = fields.String(required=True, validate=validate.Length(min=1, max=1024))
    new_password_confirm = fields.String(required=True, validate=validate.Length(min=1, max=1024))

    @post_load
    def make(self, data, **_):
        return ChangePassword(**data, account_id=self.extra.get("account_id", ""),
                              keep_session_hash=self.extra.get("keep_session_hash"))


class _DayField(fields.Field):
    """A calendar day from ``<input type=date>`` (2030-05-31) or typed by hand where the browser shows a plain
    text box (31/05/2030)."""

    def _deserialize(self, value, attr, data, **kwargs) -> date:
        text = str(value or "").strip()
        if not text:
            raise ValidationError("Missing data for required field.")
        for pattern in ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y"):
            try:
                return datetime.strptime(text, pattern).date()
            except ValueError:
                continue
        raise ValidationError("Not a valid date.")


class DocumentSchema(_Base):
    """R-ID-3: type, number and expiry of the identity document shown in the video."""

    document_type = fields.Enum(DocumentType, by_value=True, required=True)
    document_number = _text(40)
    expires_on = _DayField(required=True)

    @post_load
    def make(self, data, **_):
        return GiveDocument(account_id=self.extra.get("account_id", ""), attempt_id=self.extra.get("attempt_id", ""),
                            **data)


def load_form(schema: _Base, data, **extra):
    """Load form or JSON data into a command; missing and malformed fields raise FormInvalid."""
    schema.extra = extra
    source = data.to_dict() if hasattr(data, "to_dict") else dict(data or {})
    try:
        return schema.load(source)
    except ValidationError as error:
        messages = error.messages if isinstance(error.messages, dict) else {"_schema": error.messages}
        raise FormInvalid(italian_field_errors(messages)) from None


def italian_field_errors(messages: dict) -> dict[str, str]:
    """marshmallow's English messages as one Italian message per field."""
    errors = {}
    for name, problems in messages.items():
        problems = problems if isinstance(problems, list) else [problems]
        missing = any("required" in str(p).lower() or "shorter" in str(p).lower() for p in problems)
        errors[name] = field_message(name, REQUIRED if missing else "invalid")
    return errors


# --- JSON API responses ---------------------------------------------------------------------------
class RegistrationStepSchema(Schema):
    flow_token = fields.String()
    next_step = fields.String(metadata={"description": "contacts (step 2) or otp (step 3)"})
    masked_mobile = fields.String(allow_none=True)


class FlowTokenSchema(Schema):
    flow_token = fields.String()


class ResendCodeSchema(_Base):
    flow_token = _text(100)


class EmailSentSchema(Schema):
    masked_email = fields.String(metadata={"description": "Where the link went, partly hidden"})


class SessionTokenSchema(Schema):
    token = fields.String(metadata={"description": "Send as 'Authorization: Bearer <token>'"})


class ProfileSchema(Schema):
    party_id = fields.String()
    is_company = fields.Boolean()
    display_name = fields.String()
    email = fields.String(allow_none=True)
    mobile = fields.String(allow_none=True)
    identification_pending = fields.Boolean()
    marketing_consent = fields.Boolean()


class PremiumSchema(Schema):
    amount = fields.Decimal(as_string=True)
    frequency = fields.Function(lambda p: p.frequency.value)
    next_due_date = fields.Date(allow_none=True)


class PolicySchema(Schema):
    number = fields.String()
    company = fields.Function(lambda p: p.company.value)
    product_code = fields.Function(lambda p: p.product.code)
    product_name = fields.Function(lambda p: p.product.name)
    status = fields.Function(lambda p: p.status.value)
    start_date = fields.Date()
    expiry_date = fields.Date(allow_none=True)
    premium = fields.Nested(PremiumSchema, allow_none=True)


class PolicyDetailSchema(Schema):
    policy = fields.Nested(PolicySchema)
    my_roles = fields.Function(lambda d: sorted(r.value for r in d.my_roles))


class PolicyListSchema(Schema):
    vita = fields.List(fields.Nested(PolicySchema))
    danni = fields.List(fields.Nested(PolicySchema))
