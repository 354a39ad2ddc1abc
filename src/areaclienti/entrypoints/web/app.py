"""The Flask application factory: one adapter among others, wired from the container."""
from __future__ import annotations

import logging

from flask import Flask, g, render_template, request, session
from flask_babel import Babel
from flask_talisman import Talisman
from flask_wtf.csrf import CSRFError, CSRFProtect
from werkzeug.exceptions import HTTPException, InternalServerError, ServiceUnavailable

from areaclienti.adapters.sqlalchemy.database import UNAVAILABLE_ERRORS, is_unavailable
from areaclienti.app.ports.core_system import CoreSystemUnavailable

from ..config import Settings
from ..container import Container, build_container
from . import (
    api,
    assistance,
    backoffice,
    backoffice_assistance,
    backoffice_requests,
    bench_routes,
    claims,
    customer,
    dev,
    documents,
    health,
    personal_data,
    identification,
    phone_assistance,
    profile,
    requests,
    security,
    sms_callbacks,
    surrender,
    suspension,
)
from .api_errors import api_error_body
from .helpers import wants_json
from .i18n import install_request_domain, select_locale
from .request_log import install as install_request_log
from .labels import register_template_helpers
from .sessions import CUSTOMER, OPERATOR, Realm, ServerSessionInterface

log = logging.getLogger(__name__)
DATABASE_RETRY_AFTER_S = 5  # a dropped connection is replaced at the next checkout; a restart takes seconds
CORE_RETRY_AFTER_S = 30  # the core system's circuit stays open about this long

CSP = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data: blob:",  # blob: previews of the chosen document images
    "media-src": "'self' blob:",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}


def create_app(settings: Settings | None = None, container: Container | None = None) -> Flask:
    settings = settings or Settings.from_env()
    container = container or build_container(settings)
    app = Flask(__name__)
    app.config.update(
        SECRET_KEY=settings.secret_key,
        MAX_CONTENT_LENGTH=1 * 1024 * 1024,
        BABEL_DEFAULT_LOCALE="it",
        BABEL_DEFAULT_TIMEZONE="Europe/Rome",
        WTF_CSRF_TIME_LIMIT=None,  # the token lives as long as the (server-side) session
        API_TITLE="Area Clienti API",
        API_VERSION="v1",
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX="/api/v1",
        OPENAPI_JSON_PATH="openapi.json",
        TESTING=settings.env == "test",
    )
    app.extensions["areaclienti.container"] = container
    app.extensions["areaclienti.settings"] = settings
    app.wsgi_app = _in_request_scope(app.wsgi_app, container)  # type: ignore[method-assign]
    install_request_log(app)  # outermost: one log line and one request id a request
    app.session_interface = ServerSessionInterface(
        [
            Realm(CUSTOMER, container.sessions(),
                  cookie_name="areaclienti_session" if settings.development else "__Host-areaclienti"),
            # Operators and customers are separate worlds (SPEC §8): another cookie, shorter lifetimes.
            Realm(OPERATOR, container.operator_sessions(),
                  cookie_name="areaclienti_bo" if settings.development else "__Host-areaclienti-bo",
                  samesite="Strict", path_prefix=backoffice.PREFIX, signs_in_accounts=False),
        ],
        secure=not settings.development,
    )

    @app.before_request
    def _session_was_read() -> None:
        # First of all hooks (CSRF checks read the session): a session the database could not give back
        # becomes the view's error, answered by the error handlers (503 when the database is unavailable).
        unreadable = getattr(session, "unreadable", None)
        if unreadable is not None:
            raise unreadable

    Babel(app, locale_selector=select_locale)
    install_request_domain(app)  # the catalogue looked up once a request, not once a string
    csrf = CSRFProtect(app)
    Talisman(
        app,
        force_https=False,  # TLS ends at the proxy in front of us; HSTS still tells browsers to stay on https
        strict_transport_security=not settings.development,
        session_cookie_secure=not settings.development,
        content_security_policy=CSP,
        frame_options="DENY",
        referrer_policy="no-referrer",
    )
    register_template_helpers(app)
    customer.init_app(app)
    profile.init_app(app)
    identification.init_app(app)
    requests.init_app(app, csrf)
    sms_callbacks.init_app(app, csrf)
    claims.init_app(app)
    surrender.init_app(app)
    suspension.init_app(app)
    documents.init_app(app)
    personal_data.init_app(app)
    security.init_app(app)
    assistance.init_app(app)
    phone_assistance.init_app(app)
    backoffice.init_app(app)
    backoffice_requests.init_app(app)
    backoffice_assistance.init_app(app)
    api.init_app(app, csrf)
    health.init_app(app)
    if settings.development:
        dev.init_app(app)
    if settings.bench_routes:
        bench_routes.init_app(app)
    _register_error_handlers(app)

    @app.before_request
    def _identify() -> None:
        # Only a customer session signs in a customer: the back-office never sets (nor reads) this.
        g.account_id = getattr(session, "account_id", None) if getattr(session, "realm", None) == CUSTOMER else None

    @app.context_processor
    def _globals() -> dict:
        from flask_babel import get_locale

        return {"development": settings.development, "get_locale": get_locale}

    return app


def _in_request_scope(wsgi_app, container: Container):
    """Each request inside the container's request scope, from before its session is read until after it is
    saved: one connection, and one transaction while it only reads (issue 14)."""
    def scoped(environ, start_response):
        with container.request_scope()():
            return wsgi_app(environ, start_response)

    return scoped


def _italian_field_errors(messages: dict) -> dict[str, str]:
    """flask-smorest groups messages by location (json, query…); one Italian message per field."""
    from .schemas import italian_field_errors

    flat: dict[str, str] = {}
    for fields in messages.values():
        if isinstance(fields, dict):
            flat.update(italian_field_errors(fields))
    return flat


def _register_error_handlers(app: Flask) -> None:
    def error_template() -> str:
        # The back-office is another world: its errors never show the customer site (nor the reverse).
        return "backoffice/error.html" if backoffice.owns(request.path) else "error.html"

    @app.errorhandler(CSRFError)
    def _csrf(error: CSRFError):
        from flask_babel import gettext as _

        message = _("La pagina è rimasta aperta troppo a lungo o la sessione è scaduta: ricarica la pagina e riprova.")
        if wants_json():
            return api_error_body("csrf_failed", message), 400
        return render_template(error_template(), status=400, message=message), 400

    def database_unavailable(error: BaseException) -> ServiceUnavailable:
        from flask_babel import gettext as _

        # A warning, not a traceback per request: during an outage every request says the same thing.
        log.warning("database unavailable, answering 503: %s", (str(error) or type(error).__name__).splitlines()[0])
        return ServiceUnavailable(
            description=_("Servizio momentaneamente non disponibile: riprova tra qualche istante."),
            retry_after=DATABASE_RETRY_AFTER_S,
        )

    def _database(error: Exception):
        if is_unavailable(error):
            return _http(database_unavailable(error))
        return _unexpected(error)

    for error_class in UNAVAILABLE_ERRORS:
        app.register_error_handler(error_class, _database)

    @app.errorhandler(CoreSystemUnavailable)
    def _core_system(error: CoreSystemUnavailable):
        from flask_babel import gettext as _

        # The circuit breaker says how long it stays open: one warning line per refused page, no traceback.
        log.warning("core system unavailable, answering 503: %s", error)
        return _http(ServiceUnavailable(
            description=_("Servizio momentaneamente non disponibile: riprova tra qualche minuto."),
            retry_after=max(1, round(error.retry_after or CORE_RETRY_AFTER_S)),
        ))

    @app.errorhandler(HTTPException)
    def _http(error: HTTPException):
        from flask_babel import gettext as _

        if isinstance(error, InternalServerError) and is_unavailable(error.original_exception):
            # Raised after the view (saving the session): Flask wraps it in a 500.
            error = database_unavailable(error.original_exception)
        messages = {
            404: _("La pagina che cerchi non esiste."),
            405: _("Operazione non consentita su questa pagina."),
            413: _("Il contenuto inviato è troppo grande."),
        }
        message = messages.get(error.code or 500, error.description or "")
        if wants_json():
            code = (error.name or "error").lower().replace(" ", "_")
            data = getattr(error, "data", None)
            if isinstance(data, dict) and "messages" in data:  # flask-smorest's validation errors
                body = api_error_body(code, _("Alcuni dati non sono validi: controlla i campi indicati."),
                                      errors=_italian_field_errors(data["messages"]))
            else:
                body = api_error_body(code, message)
            response = app.json.response(body)
        else:
            try:
                page = render_template(error_template(), status=error.code, message=message)
            except Exception:  # an error page must never fail in turn
                log.exception("error page failed")
                page = message
            response = app.make_response(page)
        response.status_code = error.code or 500
        for name, value in error.get_headers():
            if name.lower() != "content-type":
                response.headers[name] = value
        return response

    @app.errorhandler(Exception)
    def _unexpected(error: Exception):
        if isinstance(error, HTTPException):
            return _http(error)
        from flask_babel import gettext as _

        log.exception("unhandled error")
        return _http(InternalServerError(description=_("Si è verificato un errore imprevisto: riprova più tardi.")))
