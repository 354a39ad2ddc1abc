"""The JSON API under /api/v1, over the same use cases as the pages; OpenAPI at /api/v1/openapi.json.

Anonymous journeys carry their flow token in the body; signed-in calls send the session token as
``Authorization: Bearer``. No cookies, so no CSRF token either.
"""
from __future__ import annotations

from dataclasses import replace
from functools import wraps

from flask import Flask, current_app, g, request
from werkzeug.datastructures import WWWAuthenticate
from werkzeug.exceptions import Unauthorized
from flask_babel import gettext as _
from flask_smorest import Api, Blueprint

from areaclienti.domain.contacts import mask_email
from areaclienti.domain.errors import (
    DomainError,
    FlowExpired,
    InvalidCredentials,
    LinkInvalid,
    NotFound,
    OtpSendRefused,
    TemporarilyLocked,
)

from .errors import message_for
from .schemas import (
    ChangePasswordSchema,
    CodeSchema,
    ContactsSchema,
    EmailSentSchema,
    EmailSchema,
    FirstAccessSchema,
    ResendCodeSchema,
    FlowTokenSchema,
    LoginSchema,
    NewPasswordSchema,
    PolicyDetailSchema,
    PolicyListSchema,
    ProfileSchema,
    RegistrationStepSchema,
    SessionTokenSchema,
    StartRegistrationSchema,
)

blp = Blueprint("api", __name__, url_prefix="/api/v1", description="Area Clienti customer API")

API_SESSION = "api"  # API tokens and site cookies are sessions of different kinds, never interchangeable
STATUS = {NotFound: 404, InvalidCredentials: 401, TemporarilyLocked: 429, OtpSendRefused: 429,
          FlowExpired: 410, LinkInvalid: 410}


def container():
    return current_app.extensions["areaclienti.container"]


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

    return wrapped


@blp.errorhandler(DomainError)
def _domain_error(error: DomainError):
    status = next((code for kind, code in STATUS.items() if isinstance(error, kind)), 422)
    body = {"code": error.code, "message": message_for(error), "field": error.field}
    headers = {}
    retry_after = getattr(error, "retry_after", None)
    if retry_after is not None:
        body["retry_after"] = retry_after.isoformat()
        seconds = max(1, int((retry_after - container().clock().now()).total_seconds()))
        headers["Retry-After"] = str(seconds)
    return body, status, headers


# --- registration --------------------------------------------------------------------------------
@blp.route("/registrations", methods=["POST"])
@blp.arguments(StartRegistrationSchema)
@blp.response(201, RegistrationStepSchema)
def start_registration(cmd):
    """Step 1: tax code or VAT number, policy number, privacy acceptance."""
    return container().registration().start(cmd)


@blp.route("/registrations/contacts", methods=["POST"])
@blp.arguments(ContactsSchema)
@blp.response(200, RegistrationStepSchema)
def registration_contacts(cmd):
    """Step 2: login email and mobile number; an SMS code follows."""
    return container().registration().give_contacts(cmd)


@blp.route("/registrations/code", methods=["POST"])
@blp.arguments(CodeSchema)
@blp.response(200, EmailSentSchema)
def registration_code(cmd):
    """Step 3: the SMS code; the set-password link goes by email."""
    return {"masked_email": mask_email(container().registration().verify_mobile(cmd))}


@blp.route("/registrations/code/resend", methods=["POST"])
@blp.arguments(ResendCodeSchema)
@blp.response(200, RegistrationStepSchema)
def registration_resend(data):
    """A new SMS code for step 3 (the previous one stops working)."""
    return container().registration().resend_code(data["flow_token"])


@blp.route("/password-links/<token>", methods=["POST"])
@blp.arguments(NewPasswordSchema)
@blp.response(204)
def complete_link(cmd, token):
    """Step 4, and the end of first access and of a reset: the password from the emailed link."""
    container().complete_password_link()(replace(cmd, token=token))


# --- password reset and first access ------------------------------------------------------------
@blp.route("/password-resets", methods=["POST"])
@blp.arguments(EmailSchema)
@blp.response(202, FlowTokenSchema)
def request_reset(data):
    """Start a reset; the answer is the same whether or not the email is known."""
    return {"flow_token": container().password_reset().request(data.email)}


@blp.route("/password-resets/code", methods=["POST"])
@blp.arguments(CodeSchema)
@blp.response(204)
def verify_reset(cmd):
    """The SMS code of a reset; the reset link goes by email."""
    container().password_reset().verify(cmd.flow_token, cmd.code)


@blp.route("/first-access", methods=["POST"])
@blp.arguments(FirstAccessSchema)
@blp.response(202, FlowTokenSchema)
def start_first_access(cmd):
    """Customers of the old consultative area: email + mobile; an SMS code follows if the email is theirs."""
    return {"flow_token": container().legacy_first_access().start(cmd)}


@blp.route("/first-access/code", methods=["POST"])
@blp.arguments(CodeSchema)
@blp.response(204)
def verify_first_access(cmd):
    """The SMS code of a first access; the next step arrives by email."""
    container().legacy_first_access().verify(cmd.flow_token, cmd.code)


# --- sessions and the reserved area --------------------------------------------------------------
@blp.route("/sessions", methods=["POST"])
@blp.arguments(LoginSchema)
@blp.response(201, SessionTokenSchema)
def create_session(cmd):
    """Log in; the token is a server-side session with the same timeouts as the site's."""
    account_id = container().login()(cmd)
    return {"token": container().sessions().create({"kind": API_SESSION}, account_id)}


@blp.route("/sessions/current", methods=["DELETE"])
@blp.response(204)
@bearer_required
def delete_session():
    """Log out: the token stops working at once."""
    container().logout()(g.api_account_id, g.api_session_hash)


@blp.route("/me", methods=["GET"])
@blp.response(200, ProfileSchema)
@bearer_required
def me():
    """The signed-in customer's profile."""
    return container().customer_policies().profile(g.api_account_id)


@blp.route("/me/password", methods=["PUT"])
@blp.arguments(ChangePasswordSchema)
@blp.response(204)
@bearer_required
def change_password(cmd):
    """Change the password with the current one; other sessions end."""
    container().change_password()(replace(cmd, account_id=g.api_account_id, keep_session_hash=g.api_session_hash))


@blp.route("/policies", methods=["GET"])
@blp.response(200, PolicyListSchema)
@bearer_required
def list_policies():
    """The customer's policies, grouped by company."""
    overview = container().customer_policies().overview(g.api_account_id)
    return {company.value: policies for company, policies in overview.by_company.items()}


@blp.route("/policies/<number>", methods=["GET"])
@blp.response(200, PolicyDetailSchema)
@bearer_required
def policy_detail(number):
    """One policy; 404 unless the customer holds a qualifying role on it."""
    return container().customer_policies().detail(g.api_account_id, number)


def init_app(app: Flask, csrf) -> None:
    api = Api(app, spec_kwargs={"info": {"description": "Area Clienti JSON API (CA Vita, CA Assicurazioni)"}})
    api.spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    api.register_blueprint(blp)
    csrf.exempt(blp)
