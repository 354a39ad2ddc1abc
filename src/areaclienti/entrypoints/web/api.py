"""The JSON API under /api/v1, over the same use cases as the pages; OpenAPI at /api/v1/openapi.json.

Anonymous journeys carry their flow token in the body; signed-in calls send the session token as
``Authorization: Bearer``. No cookies, so no CSRF token either.
"""
from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timezone
from decimal import Decimal
from functools import wraps
from http import HTTPStatus

from flask import Flask, g, request
from werkzeug.datastructures import WWWAuthenticate
from werkzeug.exceptions import Unauthorized
from flask_babel import gettext as _
from flask_smorest import Api, Blueprint
from webargs.flaskparser import FlaskParser
from webargs.multidictproxy import MultiDictProxy
from werkzeug.datastructures import CombinedMultiDict

from areaclienti.app.uploads import Upload
from areaclienti.app.use_cases.login import NewSession
from areaclienti.domain.claims import ClaimDateInFuture, ClaimDateOutsideCover, ClaimKindNotCovered, TooManyFiles
from areaclienti.domain.contacts import mask_email
from areaclienti.domain.errors import (
    AlreadyRegistered,
    AmountOutOfRange,
    ClaimIncomplete,
    ContactUnchanged,
    DomainError,
    EmailInUse,
    FileActiveContent,
    FileEmpty,
    FileMissing,
    FileTooLarge,
    FileTooManyPixels,
    FileTypeNotAllowed,
    FileUnreadable,
    FlowExpired,
    FunctionNotAvailable,
    IbanInvalid,
    InvalidCredentials,
    InvalidEmail,
    InvalidMobile,
    InvalidPartyId,
    InvalidTaxCode,
    InvalidTransition,
    InvalidVatNumber,
    LegacyAccountExists,
    LinkInvalid,
    NotFound,
    OtpAttemptsExhausted,
    OtpInvalid,
    OtpSendRefused,
    PasswordContainsPersonalData,
    PasswordsDoNotMatch,
    PasswordTooCommon,
    PasswordTooLong,
    PasswordTooShort,
    PaymentMethodNotAllowed,
    PaymentServiceUnavailable,
    PolicyDataMismatch,
    PolicyTooOld,
    PrivacyConsentRequired,
    PrivacyNotAccepted,
    ReceiptAlreadyInPayment,
    QuestionnairesInvalid,
    ReceiptsInvalid,
    RoleDoesNotQualify,
    SessionInUse,
    TemporarilyLocked,
    WrongCurrentPassword,
)
from areaclienti.domain.products import DispositiveFunction
from areaclienti.domain.questionnaires import QuestionnaireCode, QuestionnaireOutdated
from areaclienti.domain.questionnaires import current as current_questionnaire

from areaclienti.app.use_cases.consents import ChangeConsent
from areaclienti.app.use_cases.data_changes import ChangePersonalData
from areaclienti.app.use_cases.security import session_handle
from areaclienti.domain.consents import ConsentChannel, ConsentKind
from areaclienti.domain.data_changes import PersonalDataInvalid, Section

from . import personal_data_form
from .api_errors import ApiErrorSchema, api_error_body
from .errors import message_for, questionnaire_errors
from .helpers import container, http_status
from .security_labels import CHANNEL_LABELS, CONSENT_LABELS, device, event_label
from .schemas import (
    AccountContactsSchema,
    AddDocumentsSchema,
    ChangeLoginEmailSchema,
    ChangeMobileSchema,
    EmailChangeCancelledSchema,
    EmailChangeSentSchema,
    LoginEmailSchema,
    MobileChangedSchema,
    MobileChangeStepSchema,
    MobileCodeSchema,
    AttachmentSchema,
    ClaimFileSchema,
    ClaimFormSchema,
    ReportClaimSchema,
    ChangePasswordSchema,
    CodeSchema,
    ContactsSchema,
    EmailSentSchema,
    EmailSchema,
    FirstAccessSchema,
    ResendCodeSchema,
    FlowTokenSchema,
    LoginSchema,
    LastAnswersSchema,
    NewPasswordSchema,
    PayAdditionalSchema,
    PayReceiptsSchema,
    PolicyDetailSchema,
    PolicyFunctionsSchema,
    PolicyListSchema,
    ProfileSchema,
    QuestionnaireListSchema,
    RegistrationStepSchema,
    RequestListSchema,
    RequestSchema,
    SessionTokenSchema,
    StartRegistrationSchema,
    SubmittedSchema,
    ChangePersonalDataSchema,
    PersonalDataSchema,
    ConsentChangedSchema,
    ConsentsSchema,
    GiveConsentSchema,
    OpenSessionListSchema,
    SecurityEventListSchema,
    SessionsEndedSchema,
)



class _Parser(FlaskParser):
    """webargs reads form fields and files apart; a file with what it is comes as one multipart body."""

    __location_map__ = {**FlaskParser.__location_map__, "multipart": "load_multipart"}

    def load_multipart(self, req, schema):
        return MultiDictProxy(CombinedMultiDict([req.form, req.files]), schema)


blp = Blueprint("api", __name__, url_prefix="/api/v1", description="Area Clienti customer API")
blp.ARGUMENTS_PARSER = _Parser()
blp.DEFAULT_LOCATION_CONTENT_TYPE_MAPPING = {**Blueprint.DEFAULT_LOCATION_CONTENT_TYPE_MAPPING,
                                             "multipart": "multipart/form-data"}

API_SESSION = "api"  # API tokens and site cookies are sessions of different kinds, never interchangeable
PASSWORD_RULES = (PasswordTooShort, PasswordTooLong, PasswordTooCommon, PasswordContainsPersonalData,
                  PasswordsDoNotMatch)
OTP_CHECK = (OtpInvalid, OtpAttemptsExhausted)


def _is_api_session(stored) -> bool:
    return stored.data.get("kind") == API_SESSION


def bearer_required(view):
    @wraps(view)
    def wrapped(*args, **kwargs):
        header = request.headers.get("Authorization", "")
        token = header[7:].strip() if header.lower().startswith("bearer ") else ""
        stored = container().sessions().load(token, _is_api_session) if token else None
        if stored is None or stored.account_id is None:
            # Raised, not returned: the view's response schema must never see this answer.
            raise Unauthorized(description=_("Accedi per continuare."), www_authenticate=WWWAuthenticate("bearer"))
        g.api_account_id, g.api_session_hash = stored.account_id, stored.id_hash
        return view(*args, **kwargs)

    return blp.doc(security=[{"bearer": []}])(wrapped)


def _domain_error_body(error: DomainError) -> dict:
    message = message_for(error)
    retry_after = getattr(error, "retry_after", None)
    errors = {error.field: message} if error.field else None
    limits = None
    if isinstance(error, QuestionnairesInvalid):  # one message per answer at fault: questionnaire.question
        errors = questionnaire_errors(error.params.get("problems") or {})
    elif isinstance(error, QuestionnaireOutdated) and error.params.get("questionnaire"):
        errors = {error.params["questionnaire"]: message}
    elif isinstance(error, PersonalDataInvalid):  # one message per field at fault, e.g. residence.cap
        errors = {name: personal_data_form.problem_message(name, reason, error.params)
                  for name, reason in (error.params.get("problems") or {}).items()}
        message = _("Alcuni dati non sono validi: controlla i campi indicati.")
    elif isinstance(error, AmountOutOfRange) and error.params.get("minimum") is not None:
        limits = {"minimum": f"{error.params['minimum']:.2f}", "maximum": f"{error.params['maximum']:.2f}"}
    return api_error_body(error.code, message, field=error.field, errors=errors, limits=limits,
                          retry_after=retry_after.isoformat() if retry_after is not None else None)


@blp.errorhandler(DomainError)
def _domain_error(error: DomainError):
    headers = {}
    retry_after = getattr(error, "retry_after", None)
    if retry_after is not None:
        seconds = max(1, int((retry_after - container().clock().now()).total_seconds()))
        headers["Retry-After"] = str(seconds)
    return _domain_error_body(error), http_status(error), headers


# --- what each operation can answer besides success ----------------------------------------------
_RETRY_LATER = (OtpSendRefused, TemporarilyLocked)  # they carry retry_after, and a Retry-After header
_EXAMPLE_RETRY_AFTER = datetime(2026, 11, 25, 9, 1, tzinfo=timezone.utc)
_INVALID = "Alcuni dati non sono validi: controlla i campi indicati."
# The errors any operation of a kind can answer, whatever it checks: status -> (when, example body).
_GENERIC = {
    400: ("the body is not JSON", api_error_body("bad_request", _INVALID, errors={})),
    401: ("no valid session token: log in (POST /sessions) and send it as `Authorization: Bearer`",
          api_error_body("unauthorized", "Accedi per continuare.")),
    413: ("the body is larger than 1 MB", api_error_body("request_entity_too_large",
                                                         "Il contenuto inviato è troppo grande.")),
    422: ("fields missing or malformed, one message per field in `errors`",
          api_error_body("unprocessable_entity", _INVALID, errors={"email": "Compila questo campo."})),
    500: ("an unexpected failure", api_error_body("internal_server_error",
                                                  "Si è verificato un errore imprevisto: riprova più tardi.")),
    503: ("a service we depend on (the database) is unreachable: retry later",
          api_error_body("service_unavailable", "Il servizio non è disponibile in questo momento: riprova tra "
                                                "qualche minuto.")),
}
BODY = (400, 413, 422)  # every operation that reads a JSON body
SIGNED_IN = (401,)


# Rules whose example needs its parameters to read like the real answer.
_EXAMPLE_ERRORS = {
    AmountOutOfRange: lambda: AmountOutOfRange(minimum=Decimal("500"), maximum=Decimal("15000")),
    QuestionnairesInvalid: lambda: QuestionnairesInvalid(problems={
        "tax_residency": {"us_tin": "required", "residence_1_tin": "tin_invalid"},
        "anti_money_laundering": {"funds_source": "not_an_option"}}),
    QuestionnaireOutdated: lambda: QuestionnaireOutdated(questionnaire="tax_residency"),
    TooManyFiles: lambda: TooManyFiles(max=10),
    ClaimIncomplete: lambda: ClaimIncomplete(missing="description"),
    FileTooLarge: lambda: FileTooLarge(role="document", name="foto.jpg", max_mb=10),
    FileTypeNotAllowed: lambda: FileTypeNotAllowed(role="document", name="foto.heic"),
    PersonalDataInvalid: lambda: PersonalDataInvalid(problems={"residence.cap": "mismatch"}, comune="Bologna",
                                                     caps=["40121", "40141"]),
}


def _example_of(rule: type[DomainError]) -> dict:
    if rule in _EXAMPLE_ERRORS:
        return _domain_error_body(_EXAMPLE_ERRORS[rule]())
    error = rule(retry_after=_EXAMPLE_RETRY_AFTER) if issubclass(rule, _RETRY_LATER) else rule()
    return _domain_error_body(error)


def answers(*statuses: int, rules: tuple[type[DomainError], ...] = ()):
    """Document every error an operation can answer: the generic ``statuses`` (500 and 503 always) and the
    business ``rules`` it checks, each under its status from the one table (``http_status``), with an
    example of the body it gets. Every one of them is an ``ApiError``."""
    by_status: dict[int, list[type[DomainError]]] = {}
    for rule in rules:
        by_status.setdefault(http_status(rule), []).append(rule)

    def decorate(view):
        for status in sorted({*statuses, *by_status, 500, 503}):
            generic = _GENERIC.get(status)
            kinds = by_status.get(status, [])
            lines = [f"`{generic[1]['code']}`: {generic[0]}."] if generic else []
            if kinds:
                lines.append("Business rules: " + ", ".join(
                    f"`{kind.code}`" + (f" (field `{kind.field}`)" if kind.field else "") for kind in kinds) + ".")
            # One example per code the operation can answer with this status: the list a client can rely on.
            examples = {kind.code: {"value": _example_of(kind)} for kind in kinds}
            if generic:
                examples[generic[1]["code"]] = {"value": generic[1]}
            headers = ({"Retry-After": {"description": "Seconds until it may be tried again",
                                        "schema": {"type": "integer"}}}
                       if any(issubclass(kind, _RETRY_LATER) for kind in kinds) else None)
            view = blp.alt_response(status, schema=ApiErrorSchema, examples=examples, headers=headers,
                                    description=f"{HTTPStatus(status).phrase}. " + " ".join(lines))(view)
        return view

    return decorate


# --- registration --------------------------------------------------------------------------------
@blp.route("/registrations", methods=["POST"])
@blp.arguments(StartRegistrationSchema)
@blp.response(201, RegistrationStepSchema)
@answers(*BODY, rules=(InvalidTaxCode, InvalidVatNumber, InvalidPartyId, PrivacyNotAccepted, PolicyDataMismatch,
                       RoleDoesNotQualify, PolicyTooOld, LegacyAccountExists, AlreadyRegistered, OtpSendRefused))
def start_registration(cmd):
    """Step 1: tax code or VAT number, policy number, privacy acceptance."""
    return container().registration().start(cmd)


@blp.route("/registrations/contacts", methods=["POST"])
@blp.arguments(ContactsSchema)
@blp.response(200, RegistrationStepSchema)
@answers(*BODY, rules=(FlowExpired, InvalidEmail, InvalidMobile, OtpSendRefused))
def registration_contacts(cmd):
    """Step 2: login email and mobile number; an SMS code follows."""
    return container().registration().give_contacts(cmd)


@blp.route("/registrations/code", methods=["POST"])
@blp.arguments(CodeSchema)
@blp.response(200, EmailSentSchema)
@answers(*BODY, rules=(FlowExpired, *OTP_CHECK))
def registration_code(cmd):
    """Step 3: the SMS code; the set-password link goes by email."""
    return {"masked_email": mask_email(container().registration().verify_mobile(cmd))}


@blp.route("/registrations/code/resend", methods=["POST"])
@blp.arguments(ResendCodeSchema)
@blp.response(200, RegistrationStepSchema)
@answers(*BODY, rules=(FlowExpired, OtpSendRefused))
def registration_resend(data):
    """A new SMS code for step 3 (the previous one stops working)."""
    return container().registration().resend_code(data["flow_token"])


@blp.route("/password-links/<token>", methods=["POST"])
@blp.arguments(NewPasswordSchema)
@blp.response(204)
@answers(*BODY, rules=(LinkInvalid, *PASSWORD_RULES, EmailInUse))
def complete_link(cmd, token):
    """Step 4, and the end of first access and of a reset: the password from the emailed link."""
    container().complete_password_link()(replace(cmd, token=token))


# --- password reset and first access ------------------------------------------------------------
@blp.route("/password-resets", methods=["POST"])
@blp.arguments(EmailSchema)
@blp.response(202, FlowTokenSchema)
@answers(*BODY, rules=(InvalidEmail,))
def request_reset(data):
    """Start a reset; the answer is the same whether or not the email is known."""
    return {"flow_token": container().password_reset().request(data.email)}


@blp.route("/password-resets/code", methods=["POST"])
@blp.arguments(CodeSchema)
@blp.response(204)
@answers(*BODY, rules=OTP_CHECK)
def verify_reset(cmd):
    """The SMS code of a reset; the reset link goes by email."""
    container().password_reset().verify(cmd.flow_token, cmd.code)


@blp.route("/first-access", methods=["POST"])
@blp.arguments(FirstAccessSchema)
@blp.response(202, FlowTokenSchema)
@answers(*BODY, rules=(InvalidEmail, InvalidMobile))
def start_first_access(cmd):
    """Customers of the old consultative area: email + mobile; an SMS code follows if the email is theirs."""
    return {"flow_token": container().legacy_first_access().start(cmd)}


@blp.route("/first-access/code", methods=["POST"])
@blp.arguments(CodeSchema)
@blp.response(204)
@answers(*BODY, rules=OTP_CHECK)
def verify_first_access(cmd):
    """The SMS code of a first access; the next step arrives by email."""
    container().legacy_first_access().verify(cmd.flow_token, cmd.code)


# --- sessions and the reserved area --------------------------------------------------------------
@blp.route("/sessions", methods=["POST"])
@blp.arguments(LoginSchema)
@blp.response(201, SessionTokenSchema)
@answers(*BODY, rules=(InvalidCredentials, TemporarilyLocked))
def create_session(cmd):
    """Log in; the token is a server-side session with the same timeouts as the site's."""
    # The device the security page names; without the header it reads «App».
    user_agent = request.user_agent.string or None
    signed = container().login().start_session(cmd, NewSession({"kind": API_SESSION}, user_agent=user_agent))
    return {"token": signed.session_id}


@blp.route("/sessions/current", methods=["DELETE"])
@blp.response(204)
@answers(*SIGNED_IN)
@bearer_required
def delete_session():
    """Log out: the token stops working at once."""
    container().logout()(g.api_account_id, g.api_session_hash)


@blp.route("/me", methods=["GET"])
@blp.response(200, ProfileSchema)
@answers(*SIGNED_IN)
@bearer_required
def me():
    """The signed-in customer's profile."""
    return container().customer_policies().profile(g.api_account_id)


@blp.route("/me/password", methods=["PUT"])
@blp.arguments(ChangePasswordSchema)
@blp.response(204)
@answers(*SIGNED_IN, *BODY, rules=(WrongCurrentPassword, TemporarilyLocked, *PASSWORD_RULES))
@bearer_required
def change_password(cmd):
    """Change the password with the current one; other sessions end."""
    container().change_password()(replace(cmd, account_id=g.api_account_id, keep_session_hash=g.api_session_hash))


# --- the login email and the mobile (issue 12) ------------------------------------------------------
@blp.route("/me/contacts", methods=["GET"])
@blp.response(200, AccountContactsSchema)
@answers(*SIGNED_IN)
@bearer_required
def contacts():
    """The login email and the mobile, with the changes awaiting their link or code."""
    profile = container().customer_policies().profile(g.api_account_id)
    pending = container().account_contacts().pending(g.api_account_id)
    return {"email": profile.email, "mobile": profile.mobile, "pending_email": pending.email,
            "pending_email_until": pending.email_until, "pending_mobile": pending.mobile,
            "pending_mobile_until": pending.mobile_until}


@blp.route("/me/email", methods=["PUT"])
@blp.arguments(ChangeLoginEmailSchema)
@blp.response(202, EmailChangeSentSchema)
@answers(*SIGNED_IN, *BODY, rules=(InvalidEmail, WrongCurrentPassword, TemporarilyLocked, ContactUnchanged))
@bearer_required
def change_login_email(cmd):
    """Ask to log in with another address, with the current password: a link to confirm it goes there, a
    notice with a way back to the current one. Until the link is used the current address logs in."""
    return {"email": container().account_contacts().change_login_email(replace(cmd, account_id=g.api_account_id))}


@blp.route("/email-links/<token>/confirmation", methods=["POST"])
@blp.response(200, LoginEmailSchema)
@answers(rules=(LinkInvalid, EmailInUse))
def confirm_login_email(token):
    """The link emailed to the new address: from now on it is the login email (single use, 24 hours)."""
    return {"email": container().account_contacts().confirm_login_email(token)}


@blp.route("/email-links/<token>/cancellation", methods=["POST"])
@blp.response(200, EmailChangeCancelledSchema)
@answers(rules=(LinkInvalid,))
def cancel_login_email_change(token):
    """«Non sono stato io», the link emailed to the old address: the change is dropped (or undone) and
    every session of the account ends."""
    return {"address_given_back": container().account_contacts().cancel_login_email_change(token)}


@blp.route("/me/mobile", methods=["PUT"])
@blp.arguments(ChangeMobileSchema)
@blp.response(202, MobileChangeStepSchema)
@answers(*SIGNED_IN, *BODY, rules=(InvalidMobile, WrongCurrentPassword, TemporarilyLocked, ContactUnchanged,
                                   OtpSendRefused))
@bearer_required
def change_mobile(cmd):
    """Ask to use another mobile, with the current password (a landline is refused): a code goes to it."""
    return container().account_contacts().change_mobile(replace(cmd, account_id=g.api_account_id))


@blp.route("/me/mobile/code", methods=["POST"])
@blp.arguments(MobileCodeSchema)
@blp.response(200, MobileChangedSchema)
@answers(*SIGNED_IN, *BODY, rules=OTP_CHECK)
@bearer_required
def confirm_mobile(cmd):
    """The code sent to the new number: it becomes the mobile; the old number and the email are told."""
    return {"masked_mobile": container().account_contacts().confirm_mobile(replace(cmd, account_id=g.api_account_id))}


@blp.route("/me/mobile/code/resend", methods=["POST"])
@blp.arguments(ResendCodeSchema)
@blp.response(200, MobileChangeStepSchema)
@answers(*SIGNED_IN, *BODY, rules=(FlowExpired, OtpSendRefused))
@bearer_required
def resend_mobile_code(data):
    """A new code to the same new number; the previous one stops working."""
    return container().account_contacts().resend_mobile_code(g.api_account_id, data["flow_token"])


# --- consents, sessions and security events (issue 12) -------------------------------------------------
@blp.route("/me/consents", methods=["GET"])
@blp.response(200, ConsentsSchema)
@answers(*SIGNED_IN)
@bearer_required
def consents():
    """The privacy and marketing consents as they stand, since when, and every change (when, which, given or
    withdrawn, from which channel), newest first."""
    return _consents_body(container().consents().overview(g.api_account_id))


def _consents_body(overview) -> dict:
    return {"privacy": _consent_state(overview.privacy), "marketing": _consent_state(overview.marketing),
            "history": [{"at": e.at, "consent": e.consent.value, "given": e.given, "channel": e.channel.value,
                         "channel_label": str(CHANNEL_LABELS[e.channel])} for e in overview.history]}


def _consent_state(state) -> dict:
    return {"given": state.given, "since": state.since, "label": str(CONSENT_LABELS[state.consent])}


@blp.route("/me/consents/<any(privacy, marketing):consent>", methods=["PUT"])
@blp.arguments(GiveConsentSchema, example={"given": False})
@blp.response(200, ConsentChangedSchema)
@answers(*SIGNED_IN, *BODY, rules=(NotFound, PrivacyConsentRequired))
@bearer_required
def change_consent(data, consent):
    """Give or withdraw a consent, recorded in the history as given from the app. Withdrawing the marketing
    consent hides the promotional content at once; the privacy one cannot be withdrawn while the account is
    open (``privacy_consent_required``). The same choice again changes nothing (``changed`` false)."""
    kind = ConsentKind(consent)
    changed = container().consents().change(ChangeConsent(g.api_account_id, kind, data["given"],
                                                          ConsentChannel.API))
    state = getattr(container().consents().overview(g.api_account_id), kind.value)
    return {"consent": kind.value, "changed": changed, **_consent_state(state)}


@blp.route("/me/sessions", methods=["GET"])
@blp.response(200, OpenSessionListSchema)
@answers(*SIGNED_IN)
@bearer_required
def open_sessions():
    """The account's live sessions, on the site and the app, with the device each began on; this token's is
    ``current``."""
    overview = container().account_security().overview(g.api_account_id, g.api_session_hash)
    return {"sessions": [{"id": s.handle, "device": device(s), "current": s.current, "signed_in_at": s.created_at,
                          "last_used_at": s.last_seen_at} for s in overview.sessions]}


@blp.route("/me/sessions/<session_id>", methods=["DELETE"])
@blp.response(204)
@answers(*SIGNED_IN, rules=(NotFound, SessionInUse))
@bearer_required
def end_session(session_id):
    """Sign out one other session of the account (its ``id`` from ``GET /me/sessions``): its next call, or
    page, asks to log in. 404 when it has ended already or is not the account's; this token's own session
    ends with ``DELETE /sessions/current`` (``session_in_use``)."""
    if session_id == session_handle(g.api_session_hash):
        raise SessionInUse()
    if not container().account_security().end_session(g.api_account_id, session_id, g.api_session_hash):
        raise NotFound()


@blp.route("/me/sessions", methods=["DELETE"])
@blp.response(200, SessionsEndedSchema)
@answers(*SIGNED_IN)
@bearer_required
def end_other_sessions():
    """Sign out every session of the account but this token's, on the site and the app alike."""
    return {"ended": container().account_security().end_other_sessions(g.api_account_id, g.api_session_hash)}


@blp.route("/me/security-events", methods=["GET"])
@blp.response(200, SecurityEventListSchema)
@answers(*SIGNED_IN)
@bearer_required
def security_events():
    """The account's last security events (logins, failures, password and contact changes, sessions ended),
    newest first, each with what it says to the customer."""
    overview = container().account_security().overview(g.api_account_id, g.api_session_hash)
    return {"events": [{"kind": e.kind.value, "label": event_label(e), "at": e.at} for e in overview.events]}


@blp.route("/policies", methods=["GET"])
@blp.response(200, PolicyListSchema)
@answers(*SIGNED_IN)
@bearer_required
def list_policies():
    """The customer's policies, grouped by company."""
    overview = container().customer_policies().overview(g.api_account_id)
    return {company.value: policies for company, policies in overview.by_company.items()}


@blp.route("/policies/<number>", methods=["GET"])
@blp.response(200, PolicyDetailSchema)
@answers(*SIGNED_IN, rules=(NotFound,))
@bearer_required
def policy_detail(number):
    """One policy; 404 unless the customer holds a qualifying role on it."""
    return container().customer_policies().detail(g.api_account_id, number)


# --- policy requests (SPEC §4) ----------------------------------------------------------------------
@blp.route("/policies/<number>/functions", methods=["GET"])
@blp.response(200, PolicyFunctionsSchema)
@answers(*SIGNED_IN, rules=(NotFound,))
@bearer_required
def policy_functions(number):
    """What the customer may do on one policy today: each function the product offers, allowed or with the
    first reason it is not (role, policy state, go-live day, identification), and its premium receipts."""
    found = container().policy_requests().functions(g.api_account_id, number)
    payable_ids = {r.id for r in found.payable}
    return {
        "policy": found.detail.policy,
        "my_roles": sorted(r.value for r in found.detail.my_roles),
        "functions": found.functions,
        "payment_methods": list(found.rules.payment_methods) if found.rules else [],
        "receipts": [{"id": r.id, "kind": r.kind, "amount": r.amount, "due_date": r.due_date, "paid_on": r.paid_on,
                      "payable": r.id in payable_ids, "in_payment": r.id in found.busy_receipts}
                     for r in found.receipts],
    }


@blp.route("/policies/<number>/payments", methods=["POST"])
@blp.arguments(PayReceiptsSchema)
@blp.response(201, SubmittedSchema)
@answers(*SIGNED_IN, *BODY, rules=(NotFound, FunctionNotAvailable, ReceiptsInvalid, PaymentMethodNotAllowed,
                                   ReceiptAlreadyInPayment, PaymentServiceUnavailable))
@bearer_required
def pay_receipts(cmd, number):
    """Pay open premium receipts (R-DISP-PAY): card and SEPA answer the provider's page to send the customer
    to (``redirect_url``), a bank transfer where to send it. The request is paid only when the provider (or
    the bank) says so. The same ``idempotency_key`` again answers the request it created (``repeated``)."""
    submitted = container().policy_requests().pay_receipts(
        replace(cmd, account_id=g.api_account_id, policy_number=number))
    return _submitted_body(submitted)


def _submitted_body(submitted) -> dict:
    bank = submitted.bank_account
    return {"request": submitted.request, "redirect_url": submitted.redirect_url, "repeated": submitted.repeated,
            "bank_transfer": None if bank is None else {
                "holder": bank.holder, "iban": bank.iban, "amount": submitted.request.amount,
                "reference": submitted.request.number}}


@blp.route("/policies/<number>/additional-payments", methods=["POST"])
@blp.arguments(PayAdditionalSchema, example={"amount": "1000.00", "method": "card",
                                             "questionnaires": PayAdditionalSchema.EXAMPLE_ANSWERS,
                                             "idempotency_key": "5f0c2a4e-6d1b-4d7e-9a43-2b8f0e6c1d11"})
@blp.response(201, SubmittedSchema)
@answers(*SIGNED_IN, *BODY, rules=(NotFound, FunctionNotAvailable, AmountOutOfRange, PaymentMethodNotAllowed,
                                   QuestionnaireOutdated, QuestionnairesInvalid, PaymentServiceUnavailable))
@bearer_required
def pay_additional(cmd, number):
    """A Vita additional payment (versamento aggiuntivo, R-DISP-PAY) with the three compliance questionnaires
    (R-DISP-Q), answered against their current versions (``GET /questionnaires``).

    An amount outside the product's limits answers ``amount_out_of_range`` with them (``limits``); answers
    missing or invalid answer ``questionnaires_invalid`` with one message per answer in ``errors``, keyed
    ``questionnaire.question``; answers to an older version ``questionnaire_outdated`` (409): reload the
    questionnaires and answer again. Otherwise like ``POST /policies/{number}/payments``: card and SEPA answer
    the provider's page, a bank transfer where to send it, the same ``idempotency_key`` its request."""
    submitted = container().policy_requests().pay_additional(
        replace(cmd, account_id=g.api_account_id, policy_number=number))
    return _submitted_body(submitted)


@blp.route("/questionnaires", methods=["GET"])
@blp.response(200, QuestionnaireListSchema)
@answers(*SIGNED_IN)
@bearer_required
def questionnaires():
    """The current version of each compliance questionnaire (anti-money-laundering, tax residency, sanctions),
    in the order to show them: questions with their answer type, options, conditions and help."""
    return {"questionnaires": [current_questionnaire(code) for code in QuestionnaireCode]}


@blp.route("/questionnaires/answers", methods=["GET"])
@blp.response(200, LastAnswersSchema)
@answers(*SIGNED_IN)
@bearer_required
def last_answers():
    """The customer's latest answers to each questionnaire, with the version they answered and when, to
    pre-fill the next one; a questionnaire never answered is left out."""
    found = container().policy_requests().last_answers(g.api_account_id)
    return {"questionnaires": {
        code: {**given, "given_at": datetime.fromisoformat(given["given_at"]) if given.get("given_at") else None,
               "current": given.get("version") == current_questionnaire(QuestionnaireCode(code)).version}
        for code, given in found.items() if code in {c.value for c in QuestionnaireCode}}}


@blp.route("/requests", methods=["GET"])
@blp.response(200, RequestListSchema)
@answers(*SIGNED_IN)
@bearer_required
def list_requests():
    """The customer's requests, newest first, each with its timeline."""
    return {"requests": container().policy_requests().list(g.api_account_id)}


@blp.route("/requests/<number>", methods=["GET"])
@blp.response(200, RequestSchema)
@answers(*SIGNED_IN, rules=(NotFound,))
@bearer_required
def request_detail(number):
    """One of the customer's requests with its timeline; 404 for anyone else's."""
    return container().policy_requests().get(g.api_account_id, number)


# --- claims (R-DISP-CLAIM) --------------------------------------------------------------------------
FILE_REFUSALS = (FileMissing, FileEmpty, FileTooLarge, FileTypeNotAllowed, FileUnreadable, FileActiveContent,
                 FileTooManyPixels)
UPLOAD_MARGIN = 64 * 1024  # the multipart envelope and the document kind around the file


@blp.before_request
def _raise_upload_limit() -> None:
    # The site reads 1 MB per request; a claim's file may be as large as UploadLimits allows.
    if request.endpoint == "api.stage_claim_file":
        request.max_content_length = container().upload_limits().max_document_bytes + UPLOAD_MARGIN


@blp.route("/policies/<number>/claim-form", methods=["GET"])
@blp.response(200, ClaimFormSchema)
@answers(*SIGNED_IN, rules=(NotFound, FunctionNotAvailable))
@bearer_required
def claim_form(number):
    """What a claim on this policy needs: the kinds the product covers, the days the event may be (from the
    start of cover to today, the expiry or a suspension), each kind's documents, and the files staged and
    not sent yet."""
    return container().claims().form(g.api_account_id, number)


@blp.route("/policies/<number>/claim-files", methods=["POST"])
@blp.arguments(ClaimFileSchema, location="multipart")
@blp.response(201, AttachmentSchema)
@answers(*SIGNED_IN, *BODY, rules=(NotFound, FunctionNotAvailable, TooManyFiles, *FILE_REFUSALS))
@bearer_required
def stage_claim_file(data, number):
    """Upload one file for a claim being written (or for «integra documenti»), as ``multipart/form-data`` with
    ``file`` and ``document`` (what it is). It is checked (type from the content, size, active content in
    PDFs), cleaned and kept as *staged*: send its ``id`` in ``attachment_ids``, or remove it first. A refused
    file answers why, with its name, and nothing is kept."""
    account_id = g.api_account_id
    container().policy_requests().allowed(account_id, number, DispositiveFunction.CLAIM)
    picked = data["file"]
    return container().claims().stage(account_id, Upload(picked.stream, picked.filename or ""),
                                      data["document"].value, policy_number=number)


@blp.route("/claim-files/<attachment_id>", methods=["DELETE"])
@blp.response(204)
@answers(*SIGNED_IN, rules=(NotFound,))
@bearer_required
def discard_claim_file(attachment_id):
    """Remove a staged file before sending; 404 for a file already sent, or anyone else's."""
    container().claims().discard(g.api_account_id, attachment_id)


@blp.route("/policies/<number>/claims", methods=["POST"])
@blp.arguments(ReportClaimSchema, example={
    "kind": "collision", "event_date": "2026-11-23", "event_time": "18:40", "place": "Roma, via Appia Nuova 120",
    "description": "Tamponamento al semaforo.", "cai_signed": False, "attachment_ids": ["7c1e9b0a4f2d4c55"],
    "counterparty": {"name": "Mario Verdi", "plate": "AB123CD", "insurer": "Altra Assicurazioni"},
    "idempotency_key": "0b7d1c9e-3f4a-4e21-8d6b-5a9c2e7f1b01"})
@blp.response(201, RequestSchema)
@answers(*SIGNED_IN, *BODY, rules=(NotFound, FunctionNotAvailable, ClaimKindNotCovered, ClaimIncomplete,
                                   ClaimDateInFuture, ClaimDateOutsideCover, IbanInvalid, TooManyFiles,
                                   QuestionnaireOutdated, QuestionnairesInvalid))
@bearer_required
def report_claim(cmd, number):
    """Report a claim (denuncia sinistro) with the files staged for it; it goes to the company once. The event
    may not be in the future nor outside the cover (``claim_date_outside_cover`` says the days allowed).
    Vita claims also need the payout account (``iban``, ``iban_holder``) and the three questionnaires. Required
    documents not sent yet are listed in the request and may be added later. The same ``idempotency_key``
    again answers the request it created."""
    return container().claims().report(replace(cmd, account_id=g.api_account_id, policy_number=number))


@blp.route("/requests/<number>/documents", methods=["POST"])
@blp.arguments(AddDocumentsSchema, example={"attachment_ids": ["7c1e9b0a4f2d4c55"]})
@blp.response(200, RequestSchema)
@answers(*SIGNED_IN, *BODY, rules=(NotFound, InvalidTransition, ClaimIncomplete, TooManyFiles))
@bearer_required
def add_claim_documents(data, number):
    """«Integra documenti»: add staged files to a claim already sent. They reach the company on their own, and
    the timeline gains a ``documents_added`` step; a closed claim answers 409."""
    return container().claims().add_documents(g.api_account_id, number, data["attachment_ids"])


# --- personal data changes (R-DISP-DATA) -----------------------------------------------------------------
@blp.route("/me/personal-data", methods=["GET"])
@blp.response(200, PersonalDataSchema)
@answers(*SIGNED_IN)
@bearer_required
def personal_data():
    """The residence, domicile, contacts, correspondence email and delivery mode the core system holds, with
    what the customer's requests not yet final ask (``pending``), and whether a change may be sent today."""
    data = container().data_changes().page(g.api_account_id)
    p = data.refusal.params if data.refusal else {}
    return {"current": data.details.as_dict(), "pending": data.pending, "pending_requests": data.pending_numbers,
            "allowed": data.allowed, "policy_number": data.policy_number, "refusal": p.get("refusal"),
            "gate": p.get("gate")}


@blp.route("/me/personal-data/<section>", methods=["POST"])
@blp.arguments(ChangePersonalDataSchema, example={
    "country": "IT", "street": "Via dell'Indipendenza", "number": "10", "cap": "40121", "comune": "Bologna",
    "province": "BO", "idempotency_key": "5f0c2a4e-6d1b-4d7e-9a43-2b8f0e6c1d12"})
@blp.response(201, RequestSchema)
@answers(*SIGNED_IN, *BODY, rules=(NotFound, FunctionNotAvailable, PersonalDataInvalid))
@bearer_required
def change_personal_data(data, section):
    """Ask the core system to change one ``section`` of the personal data: ``residence`` or ``domicile``
    (country, street, number, cap, comune, province; for the domicile ``same_as_residence``) or ``contacts``
    (landline, other_phone, correspondence_email, delivery_mode, postal_address). One request per party, applied
    to all of the party's policies; Italian comune, province and CAP checked against the ISTAT list. Problems
    answer ``personal_data_invalid`` with one message per field in ``errors`` (``residence.cap``...). The same
    ``idempotency_key`` again answers the request it created."""
    try:
        chosen = Section(section)
    except ValueError:
        raise NotFound() from None
    return container().data_changes().submit(ChangePersonalData(
        account_id=g.api_account_id, section=chosen, typed=personal_data_form.posted(chosen, data),
        idempotency_key=data["idempotency_key"], policy_number=data.get("policy_number")))


class _Api(Api):
    # Every error is an ApiError, flask-smorest's own 422 included; no catch-all "default" response, so a
    # status an operation does not list is a lie the schemathesis test catches.
    ERROR_SCHEMA = ApiErrorSchema
    DEFAULT_ERROR_RESPONSE_NAME = None


def init_app(app: Flask, csrf) -> None:
    api = _Api(app, spec_kwargs={"info": {"description": "Area Clienti JSON API (CA Vita, CA Assicurazioni)"}})
    api.spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    api.register_blueprint(blp)
    csrf.exempt(blp)
