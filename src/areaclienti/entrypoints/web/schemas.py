"""marshmallow schemas at the edge: web forms and JSON bodies load into use-case commands.

Schemas check presence and shape only; the business rules (tax code check character, mobile
numbers, password rules) live in the domain and answer with their own messages.
"""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

from flask_smorest.fields import Upload
from marshmallow import EXCLUDE, Schema, ValidationError, fields, post_load, pre_dump, validate

from areaclienti.app.use_cases.account_contacts import ChangeLoginEmail, ChangeMobile, ConfirmMobile
from areaclienti.app.use_cases.claims import ReportClaim
from areaclienti.app.use_cases.identification import GiveDocument
from areaclienti.app.use_cases.legacy import StartFirstAccess
from areaclienti.app.use_cases.login import LogIn
from areaclienti.app.use_cases.passwords import ChangePassword, CompleteLink
from areaclienti.app.use_cases.registration import GiveContacts, StartRegistration, VerifyMobile
from areaclienti.app.use_cases.requests import PayAdditional, PayReceipts
from areaclienti.domain.availability import Refusal, Scope
from areaclienti.domain.claims import ClaimKind, DocumentKind
from areaclienti.domain.identification import DocumentType, GateReason
from areaclienti.domain.products import DispositiveFunction, PaymentMethod
from areaclienti.domain.questionnaires import AnswerType, QuestionnaireCode
from areaclienti.domain.receipts import ReceiptKind
from areaclienti.domain.requests import RequestKind, RequestStatus, RequestStep

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


class ChangeLoginEmailSchema(_Base):
    current_password = fields.String(required=True, validate=validate.Length(min=1, max=1024))
    email = _text(254, metadata={"description": "The new login email", "example": EMAIL_EXAMPLE})

    @post_load
    def make(self, data, **_):
        return ChangeLoginEmail(account_id=self.extra.get("account_id", ""), **data)


class ChangeMobileSchema(_Base):
    current_password = fields.String(required=True, validate=validate.Length(min=1, max=1024))
    mobile = _text(30, metadata={"description": "The new mobile number", "example": MOBILE_EXAMPLE})

    @post_load
    def make(self, data, **_):
        return ChangeMobile(account_id=self.extra.get("account_id", ""), **data)


class MobileCodeSchema(_Base):
    flow_token = fields.String(load_default="")
    code = _text(12, metadata={"description": "The code received by SMS on the new number", "example": "12345"})

    @post_load
    def make(self, data, **_):
        values = {**data, **self.extra}  # the page puts the flow token and the account in from its session
        return ConfirmMobile(account_id=values.get("account_id", ""), flow_token=values.get("flow_token", ""),
                             code=values["code"])


class AccountContactsSchema(Schema):
    """The login email and the mobile, with the changes awaiting confirmation."""

    email = fields.String(allow_none=True)
    mobile = fields.String(allow_none=True)
    pending_email = fields.String(allow_none=True, metadata={
        "description": "The new login email whose confirmation link is not used yet"})
    pending_email_until = fields.DateTime(allow_none=True)
    pending_mobile = fields.String(allow_none=True, metadata={
        "description": "The new mobile (partly hidden) whose SMS code is still open"})
    pending_mobile_until = fields.DateTime(allow_none=True)


class EmailChangeSentSchema(Schema):
    email = fields.String(metadata={"description": "The address the confirmation link went to (the same answer "
                                                   "whether or not it already logs in another account)"})


class MobileChangeStepSchema(Schema):
    flow_token = fields.String(metadata={"description": "Send it back with the code (POST /me/mobile/code)"})
    masked_mobile = fields.String()


class MobileChangedSchema(Schema):
    masked_mobile = fields.String()


class LoginEmailSchema(Schema):
    email = fields.String(metadata={"description": "The login email from now on"})


class EmailChangeCancelledSchema(Schema):
    address_given_back = fields.Boolean(metadata={
        "description": "True when the change had been confirmed and the old address logs in again"})


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
    amount = fields.Decimal(as_string=True, metadata={"type": "string", "format": "decimal"})  # "86.40", not a number
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


# --- policy requests (SPEC §4) --------------------------------------------------------------------
class FunctionSchema(Schema):
    """One dispositive function the product offers, allowed today or with the first reason it is not."""

    function = fields.Enum(DispositiveFunction, by_value=True)
    allowed = fields.Boolean()
    refusal = fields.Enum(Refusal, by_value=True, allow_none=True, metadata={
        "description": "Why not: not_offered, role, policy_state, not_live_yet (see live_from), "
                       "identification (see gate_reason)"})
    scope = fields.Enum(Scope, by_value=True, allow_none=True, metadata={
        "description": "What an allowed function may do in the policy's state (e.g. open_receipts, reactivate)"})
    live_from = fields.Date(allow_none=True, metadata={"description": "The go-live day, with not_live_yet"})
    gate_reason = fields.Function(lambda a: a.gate.reason.value if a.gate else None, allow_none=True, metadata={
        "type": "string", "nullable": True, "enum": [r.value for r in GateReason] + [None],
        "description": "With identification: why the customer may not act (R-ID-5)"})


class ReceiptSchema(Schema):
    id = fields.String(metadata={"example": "DA20040288-20261201"})
    kind = fields.Enum(ReceiptKind, by_value=True)
    amount = fields.Decimal(as_string=True, metadata={"type": "string", "format": "decimal", "example": "86.40"})
    due_date = fields.Date()
    paid_on = fields.Date(allow_none=True)
    payable = fields.Boolean(metadata={"description": "The payment function may pay it today"})
    in_payment = fields.Boolean(metadata={"description": "Being paid by a request still open"})


class PolicyFunctionsSchema(Schema):
    policy = fields.Nested(PolicySchema)
    my_roles = fields.List(fields.String())
    functions = fields.List(fields.Nested(FunctionSchema))
    payment_methods = fields.List(fields.Enum(PaymentMethod, by_value=True),
                                  metadata={"description": "The methods the product accepts online"})
    receipts = fields.List(fields.Nested(ReceiptSchema),
                           metadata={"description": "Open and recently paid premium receipts, oldest first"})


def _idempotency_key() -> fields.String:
    return fields.String(required=True, validate=validate.Regexp(r"^[A-Za-z0-9._:-]{8,100}$"), metadata={
        "description": "Chosen by the client, new for each payment it means (a UUID): the same key again "
                       "answers the request it created, whatever the retries",
        "example": "5f0c2a4e-6d1b-4d7e-9a43-2b8f0e6c1d10"})


class PayReceiptsSchema(_Base):
    receipt_ids = fields.List(fields.String(validate=validate.Regexp(r"^[A-Za-z0-9._-]{1,60}$")), required=True,
                              validate=validate.Length(min=1, max=24),
                              metadata={"example": ["DA20040288-20261201"]})
    method = fields.Enum(PaymentMethod, by_value=True, required=True, metadata={"example": "card"})
    idempotency_key = _idempotency_key()

    @post_load
    def make(self, data, **_):
        return PayReceipts(account_id="", policy_number="", receipt_ids=tuple(data["receipt_ids"]),
                           method=data["method"], idempotency_key=data["idempotency_key"])


class RequestEventSchema(Schema):
    status = fields.Enum(RequestStatus, by_value=True)
    at = fields.DateTime()
    reason = fields.String(allow_none=True, metadata={"description": "A rejection's or refusal's reason"})
    step = fields.Enum(RequestStep, by_value=True, allow_none=True, metadata={
        "description": "A step that keeps the status, e.g. documents_added («integra documenti»)"})


class RequestSchema(Schema):
    number = fields.String(metadata={"example": "RP-2026-000123"})
    kind = fields.Enum(RequestKind, by_value=True)
    status = fields.Enum(RequestStatus, by_value=True)
    policy_number = fields.String()
    created_at = fields.DateTime()
    amount = fields.Decimal(as_string=True, allow_none=True, metadata={"type": "string", "format": "decimal"})
    payment_method = fields.Enum(PaymentMethod, by_value=True, allow_none=True)
    core_reference = fields.String(allow_none=True, metadata={"description": "The core system's own number"})
    receipt_ids = fields.Function(lambda r: [x["id"] for x in r.payload.get("receipts", ())],
                                  metadata={"type": "array", "items": {"type": "string"}})
    timeline = fields.List(fields.Nested(RequestEventSchema), attribute="events",
                           metadata={"description": "Every state the request went through, oldest first"})


class RequestListSchema(Schema):
    requests = fields.List(fields.Nested(RequestSchema))


class BankTransferSchema(Schema):
    holder = fields.String()
    iban = fields.String()
    amount = fields.Decimal(as_string=True, metadata={"type": "string", "format": "decimal"})
    reference = fields.String(metadata={"description": "The causale: the request's number"})


class SubmittedSchema(Schema):
    request = fields.Nested(RequestSchema)
    redirect_url = fields.String(allow_none=True, metadata={
        "description": "Card and SEPA: the payment provider's page to send the customer to"})
    bank_transfer = fields.Nested(BankTransferSchema, allow_none=True, metadata={
        "description": "Bank transfer: where to send it and what to quote"})
    repeated = fields.Boolean(metadata={"description": "The same idempotency key was seen before: its request"})


# --- questionnaires (R-DISP-Q) and the Vita additional payment --------------------------------------
class OptionSchema(Schema):
    value = fields.String(metadata={"description": "What to answer", "example": "savings"})
    label = fields.String(metadata={"description": "What the customer reads", "example": "Risparmio e investimento"})


class ConditionSchema(Schema):
    question = fields.String(metadata={"description": "An earlier question of the same questionnaire",
                                       "example": "purpose"})
    values = fields.List(fields.String(), metadata={"description": "The answers to it that show this question",
                                                    "example": ["other"]})


class QuestionSchema(Schema):
    id = fields.String(metadata={"example": "purpose"})
    label = fields.String(metadata={"example": "Scopo e natura prevista del rapporto"})
    type = fields.Enum(AnswerType, by_value=True, metadata={
        "description": "choice: one of `options`; yes_no: `yes` or `no`; text: free text (200 characters at "
                       "most); country: ISO 3166 alpha-2 code (IT, DE…); tin: a tax identification number, "
                       "checked for the country in `tin_country`"})
    options = fields.List(fields.Nested(OptionSchema), metadata={"description": "With choice: the answers allowed"})
    required = fields.Boolean(metadata={"description": "An answer is needed whenever the question is shown"})
    shown_if = fields.List(fields.Nested(ConditionSchema), metadata={
        "description": "Shown when any of these holds (empty: always shown); answers to a hidden question are "
                       "dropped, never refused"})
    companies_only = fields.Boolean(metadata={"description": "Asked of companies only"})
    tin_country = fields.String(allow_none=True, metadata={
        "description": "With tin: `US`, or the id of the question whose answer is the country"})
    help = fields.String(metadata={"description": "An explanation to show beside the question (may be empty)"})

    @pre_dump
    def plain(self, question, **_):
        conditions = question.shown_if if isinstance(question.shown_if, tuple) else (
            () if question.shown_if is None else (question.shown_if,))
        return {"id": question.id, "label": question.label, "type": question.type,
                "options": [{"value": v, "label": label} for v, label in question.options],
                "required": question.required, "companies_only": question.companies_only,
                "shown_if": [{"question": c.question, "values": sorted(c.values)} for c in conditions],
                "tin_country": question.tin_country, "help": question.help}


class QuestionnaireSchema(Schema):
    code = fields.Enum(QuestionnaireCode, by_value=True)
    version = fields.Integer(metadata={"description": "Post answers with this version", "example": 1})
    title = fields.String(metadata={"example": "Residenza fiscale (FATCA e CRS)"})
    questions = fields.List(fields.Nested(QuestionSchema), metadata={
        "description": "In order: a condition only looks at questions above it"})


class QuestionnaireListSchema(Schema):
    questionnaires = fields.List(fields.Nested(QuestionnaireSchema))


_ANSWERS_EXAMPLE = {
    "anti_money_laundering": {"version": 1, "answers": {
        "purpose": "savings", "funds_source": "salary", "funds_country": "IT", "profession": "employee",
        "sector": "services", "pep_self": "no", "pep_family": "no", "pep_associate": "no"}},
    "tax_residency": {"version": 1, "answers": {
        "us_citizen": "no", "us_tax_resident": "no", "us_birthplace": "no", "residence_1_country": "IT",
        "residence_1_has_tin": "yes", "residence_1_tin": "RNLMRC79E21H501A", "residence_1_more": "no"}},
    "sanctions": {"version": 1, "answers": {"sanctioned_countries": "no", "sanctioned_persons": "no",
                                            "residence_country": "IT"}},
}


class AnswersSchema(_Base):
    """The answers to one questionnaire, with the version they answer."""

    version = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=10_000),
                             metadata={"example": 1})
    answers = fields.Dict(keys=fields.String(validate=validate.Length(min=1, max=60)),
                          values=fields.String(validate=validate.Length(max=1000)), required=True,
                          validate=validate.Length(max=100), metadata={
                              "description": "Question id -> answer; questions not shown may be left out",
                              "example": _ANSWERS_EXAMPLE["sanctions"]["answers"]})


class GivenAnswersSchema(Schema):
    version = fields.Integer(metadata={"example": 1})
    answers = fields.Dict(keys=fields.String(), values=fields.String())
    given_at = fields.DateTime()
    current = fields.Boolean(metadata={
        "description": "Answers the current version; if not, pre-fill the questions that still exist"})


def _by_questionnaire(schema: type[Schema], base: type[Schema] = Schema) -> type[Schema]:
    """One optional member per questionnaire code, each of ``schema``."""
    name = f"{schema.__name__.removesuffix('Schema')}ByQuestionnaireSchema"
    return type(name, (base,), {code.value: fields.Nested(schema) for code in QuestionnaireCode})


class LastAnswersSchema(Schema):
    questionnaires = fields.Nested(_by_questionnaire(GivenAnswersSchema), metadata={
        "description": "The customer's latest answers to each questionnaire ever answered, to pre-fill the next"})


class PayAdditionalSchema(_Base):
    """R-DISP-PAY Vita: a versamento aggiuntivo with the three questionnaires (R-DISP-Q)."""

    EXAMPLE_ANSWERS = _ANSWERS_EXAMPLE

    amount = fields.String(required=True, validate=validate.Regexp(r"^[0-9]{1,12}(\.[0-9]{1,10})?$"), metadata={
        "format": "decimal", "description": "In euro, with at most two decimals, within the product's limits",
        "example": "1000.00"})
    method = fields.Enum(PaymentMethod, by_value=True, required=True, metadata={"example": "card"})
    questionnaires = fields.Nested(_by_questionnaire(AnswersSchema, _Base), required=True, metadata={
        "description": "Questionnaire code -> the answers to its current version (GET /questionnaires)",
        "example": _ANSWERS_EXAMPLE})
    idempotency_key = _idempotency_key()

    @post_load
    def make(self, data, **_):
        return PayAdditional(account_id="", policy_number="", amount=data["amount"], method=data["method"],
                             questionnaires=data["questionnaires"], idempotency_key=data["idempotency_key"])


# --- claims (R-DISP-CLAIM) --------------------------------------------------------------------------
class ClaimFileSchema(_Base):
    """One file for a claim, as ``multipart/form-data``: staged until the claim (or «integra documenti») sends it."""

    file = Upload(required=True, metadata={
        "description": "A JPEG or PNG photo or a PDF (the type is read from the content, not the name), "
                       "10 MB at most"})
    document = fields.Enum(DocumentKind, by_value=True, required=True, metadata={
        "description": "What the file is (see the checklists of GET /policies/{number}/claim-form)",
        "example": "photo"})


class AttachmentSchema(Schema):
    id = fields.String(metadata={"description": "Send it in attachment_ids", "example": "7c1e9b0a4f2d4c55"})
    document = fields.String(metadata={"example": "photo"})
    name = fields.String(metadata={"description": "The name the customer's device gave", "example": "foto1.jpg"})
    content_type = fields.Function(lambda a: a.file.content_type, metadata={
        "type": "string", "description": "Read from the content", "example": "image/jpeg"})
    size = fields.Function(lambda a: a.file.size, metadata={
        "type": "integer", "description": "Bytes kept (an image is re-encoded)"})
    added_at = fields.DateTime()


class ChecklistItemSchema(Schema):
    document = fields.Enum(DocumentKind, by_value=True)
    required = fields.Boolean(metadata={"description": "Needed to handle the claim (it may be added later)"})


class ClaimFormSchema(Schema):
    policy = fields.Function(lambda f: PolicySchema().dump(f.detail.policy), metadata={
        "type": "object", "description": "The policy (as in GET /policies/{number})"})
    kinds = fields.List(fields.Enum(ClaimKind, by_value=True), metadata={
        "description": "The kinds of claim this product covers"})
    first_day = fields.Date(metadata={"description": "The earliest day the event may have happened"})
    last_day = fields.Date(metadata={"description": "The latest day: today, the expiry, or the suspension"})
    checklists = fields.Function(
        lambda f: {kind.value: [ChecklistItemSchema().dump(i) for i in items] for kind, items in f.checklists.items()},
        metadata={"type": "object", "additionalProperties": {"type": "array", "items": {"type": "object"}},
                  "description": "Kind -> the documents it asks for (a signed CAI form adds cai_form)"})
    staged = fields.List(fields.Nested(AttachmentSchema), metadata={
        "description": "Files uploaded and not sent yet, oldest first"})
    max_files = fields.Integer(metadata={"description": "Files per claim, added later included"})
    needs_iban = fields.Boolean(attribute="is_vita", metadata={
        "description": "Vita: the payout account (iban, iban_holder) and the three questionnaires are needed"})


class CounterpartySchema(_Base):
    name = fields.String(validate=validate.Length(max=100), metadata={"example": "Mario Verdi"})
    plate = fields.String(validate=validate.Length(max=100), metadata={"example": "AB123CD"})
    insurer = fields.String(validate=validate.Length(max=100), metadata={"example": "Altra Assicurazioni"})


class ReportClaimSchema(_Base):
    """R-DISP-CLAIM: the report, with the files staged for it."""

    kind = fields.Enum(ClaimKind, by_value=True, required=True, metadata={"example": "collision"})
    event_date = fields.Date(required=True, metadata={"example": "2026-11-23"})
    event_time = fields.String(load_default=None, allow_none=True,
                               validate=validate.Regexp(r"^([01][0-9]|2[0-3]):[0-5][0-9]$"),
                               metadata={"description": "HH:MM, Italian time", "example": "18:40"})
    place = fields.String(load_default="", validate=validate.Length(max=200),
                          metadata={"example": "Roma, via Appia Nuova 120"})
    description = fields.String(load_default="", validate=validate.Length(max=2000), metadata={
        "description": "What happened (required but for Vita)", "example": "Tamponamento al semaforo."})
    counterparty = fields.Nested(CounterpartySchema, load_default=None, allow_none=True)
    cai_signed = fields.Boolean(load_default=False, metadata={
        "description": "Collision: a constatazione amichevole was signed (its scan is then required)"})
    attachment_ids = fields.List(fields.String(validate=validate.Length(min=1, max=64)), load_default=list,
                                 validate=validate.Length(max=50), metadata={
                                     "description": "Staged files (POST /policies/{number}/claim-files) to send"})
    iban = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=50), metadata={
        "description": "Vita: the account for the payout", "example": "IT60X0542811101000000123456"})
    iban_holder = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=200))
    questionnaires = fields.Nested(PayAdditionalSchema._declared_fields["questionnaires"].nested, load_default=None,
                                   allow_none=True, metadata={
                                       "description": "Vita: the answers to the current questionnaires"})
    idempotency_key = _idempotency_key()

    @post_load
    def make(self, data, **_):
        return ReportClaim(account_id="", policy_number="", kind=data["kind"].value, event_date=data["event_date"],
                           description=data["description"], idempotency_key=data["idempotency_key"],
                           attachment_ids=tuple(data["attachment_ids"]), event_time=data["event_time"],
                           place=data["place"], counterparty=data["counterparty"], cai_signed=data["cai_signed"],
                           iban=data["iban"], iban_holder=data["iban_holder"], questionnaires=data["questionnaires"])


class AddDocumentsSchema(_Base):
    attachment_ids = fields.List(fields.String(validate=validate.Length(min=1, max=64)), required=True,
                                 validate=validate.Length(min=1, max=50), metadata={
                                     "description": "Staged files to add to the claim"})


# --- personal data changes (R-DISP-DATA) -----------------------------------------------------------------
class AddressSchema(Schema):
    country = fields.String(metadata={"description": "ISO 3166 alpha-2", "example": "IT"})
    street = fields.String(metadata={"example": "Via dell'Indipendenza"})
    number = fields.String(metadata={"example": "10"})
    cap = fields.String(metadata={"description": "CAP (Italy) or postcode", "example": "40121"})
    comune = fields.String(metadata={"description": "Comune (Italy) or city", "example": "Bologna"})
    province = fields.String(metadata={"description": "Sigla of the province (Italy only)", "example": "BO"})
    istat_code = fields.String(load_default=None, allow_none=True, metadata={"description": "ISTAT code (Italy)"})


class PartyDetailsSchema(Schema):
    residence = fields.Nested(AddressSchema, allow_none=True)
    domicile = fields.Nested(AddressSchema, allow_none=True, metadata={"description": "null: as the residence"})
    landline = fields.String(allow_none=True, metadata={"example": "+390516543210"})
    other_phone = fields.String(allow_none=True)
    correspondence_email = fields.String(allow_none=True)
    delivery_mode = fields.String(validate=validate.OneOf(["paper", "email", "reserved_area"]))
    postal_address = fields.String(allow_none=True, validate=validate.OneOf(["residence", "domicile"]))


class PersonalDataSchema(Schema):
    current = fields.Nested(PartyDetailsSchema, metadata={"description": "As the core system holds them today"})
    pending = fields.Dict(keys=fields.String(), values=fields.Raw(allow_none=True), metadata={
        "description": "«In lavorazione»: field -> the value a request not yet final asks"})
    pending_requests = fields.Dict(keys=fields.String(), values=fields.String(), metadata={
        "description": "field -> the number of the request that asks it"})
    allowed = fields.Boolean(metadata={"description": "May a change be sent today (R-ID-5 gate)"})
    policy_number = fields.String(allow_none=True, metadata={"description": "The policy a change hangs on"})
    refusal = fields.String(allow_none=True, metadata={"description": "Why not (domain.availability.Refusal)"})
    gate = fields.String(allow_none=True, metadata={"description": "With refusal identification: the gate's reason"})


def _typed(max_length: int = 100, **kwargs) -> fields.String:
    return fields.String(load_default="", validate=validate.Length(max=max_length), **kwargs)


class ChangePersonalDataSchema(_Base):
    country = _typed(2, metadata={"description": "residence/domicile: ISO 3166 alpha-2", "example": "IT"})
    street = _typed(metadata={"example": "Via dell'Indipendenza"})
    number = _typed(20, metadata={"example": "10"})
    cap = _typed(12, metadata={"example": "40121"})
    comune = _typed(metadata={"example": "Bologna"})
    province = _typed(2, metadata={"example": "BO"})
    same_as_residence = fields.Boolean(load_default=False, metadata={"description": "domicile: as the residence"})
    landline = _typed(30, metadata={"description": "contacts: empty removes it"})
    other_phone = _typed(30, metadata={"description": "contacts: empty removes it"})
    correspondence_email = _typed(254, metadata={"description": "contacts"})
    delivery_mode = _typed(20, metadata={"description": "contacts: paper, email or reserved_area"})
    postal_address = _typed(20, metadata={"description": "contacts, with paper: residence or domicile"})
    policy_number = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=30), metadata={
        "description": "The policy the customer came from; else the registration policy"})
    idempotency_key = _idempotency_key()

    @post_load
    def make(self, data, **_):
        data["same_as_residence"] = "1" if data["same_as_residence"] else ""
        return data


# --- consents and the account's security (issue 12) --------------------------------------------------------
class ConsentStateSchema(Schema):
    given = fields.Boolean()
    since = fields.DateTime(allow_none=True, metadata={
        "description": "When it was given (or withdrawn); null when never given nor recorded"})
    label = fields.String(metadata={"description": "What it is, in the request's language",
                                    "example": "Comunicazioni promozionali nell'area riservata"})


class ConsentEventSchema(Schema):
    at = fields.DateTime()
    consent = fields.String(validate=validate.OneOf(["privacy", "marketing"]))
    given = fields.Boolean(metadata={"description": "Given (true) or withdrawn (false)"})
    channel = fields.String(validate=validate.OneOf(["registration", "web", "api"]), metadata={
        "description": "Where: at registration, on the site, or through this API (the app)"})
    channel_label = fields.String(metadata={"example": "app"})


class ConsentsSchema(Schema):
    privacy = fields.Nested(ConsentStateSchema, metadata={
        "description": "The condition of the account: it cannot be withdrawn while the account is open"})
    marketing = fields.Nested(ConsentStateSchema, metadata={
        "description": "Promotional content in the reserved area (IVASS Reg. 41/2018 art. 43)"})
    history = fields.List(fields.Nested(ConsentEventSchema), metadata={"description": "Every change, newest first"})


class GiveConsentSchema(_Base):
    given = fields.Boolean(required=True, metadata={"description": "Give (true) or withdraw (false)",
                                                    "example": False})


class ConsentChangedSchema(ConsentStateSchema):
    consent = fields.String(validate=validate.OneOf(["privacy", "marketing"]))
    changed = fields.Boolean(metadata={"description": "False when it already was so (nothing recorded)"})


class OpenSessionSchema(Schema):
    id = fields.String(metadata={"description": "Names the session to end it; opens nothing",
                                 "example": "3f9a0c1d2e4b5a6978c0d1e2"})
    device = fields.String(metadata={"description": "From the User-Agent it began with", "example": "Chrome su Android"})
    current = fields.Boolean(metadata={"description": "The session of this token"})
    signed_in_at = fields.DateTime()
    last_used_at = fields.DateTime(metadata={"description": "Approximate: recorded at most once a minute"})


class OpenSessionListSchema(Schema):
    sessions = fields.List(fields.Nested(OpenSessionSchema), metadata={
        "description": "Live sessions of the account on the site and the app: this one first, then the most "
                       "recently used"})


class SessionsEndedSchema(Schema):
    ended = fields.Integer(metadata={"description": "How many sessions ended", "example": 2})


class SecurityEventSchema(Schema):
    kind = fields.String(metadata={"description": "Stable name (login_succeeded, login_failed, password_changed…)",
                                   "example": "login_succeeded"})
    label = fields.String(metadata={"description": "What happened, in the request's language",
                                    "example": "Accesso all'area riservata"})
    at = fields.DateTime()


class SecurityEventListSchema(Schema):
    events = fields.List(fields.Nested(SecurityEventSchema), metadata={
        "description": "The last security events of the account, newest first (at most 20)"})
