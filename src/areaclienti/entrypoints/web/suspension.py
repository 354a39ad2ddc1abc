"""Suspension and reactivation on the customer site (R-DISP-SUSP): where the policy stands, the effect before
confirming, and the withdrawal of a suspension scheduled for later.

The steps: the page (GET: the state, the product's limits, the form for what may be done today) → «Verifica»
(POST: the day and the optional hour checked as «conferma» will check them; the effect the product computes,
with a fresh idempotency key) → «Conferma» (POST: the use case checks everything again) → the request's page.
Days and hours are Italian time; whatever is wrong comes back beside the form with what was typed.
"""
from __future__ import annotations

from datetime import date, datetime, time
from functools import wraps

from flask import Blueprint, Flask, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _

from areaclienti.app.calendar import italian_day
from areaclienti.app.use_cases.suspension import ScheduleChange, SuspensionState
from areaclienti.domain.availability import Scope
from areaclienti.domain.errors import DayMissing, DomainError, FunctionNotAvailable, NotFound, SuspensionAlreadyStarted
from areaclienti.domain.products import DispositiveFunction

from .errors import message_for
from .helpers import container, error_page, http_status, login_required

bp = Blueprint("suspension", __name__)
SUSPENSION = "/area-clienti/polizze/<number>/sospensione"
REACTIVATION = "/area-clienti/polizze/<number>/riattivazione"
SUSPEND, REACTIVATE = "suspend", "reactivate"
# Where a broken rule is shown: beside the day (the moment chosen), the hour, or above the form.
_FIELDS = {"day": "day", "start": "day", "hour": "hour"}


def _suspensions():
    return container().suspensions()


def _not_found():
    return error_page(404, _("La pagina che cerchi non esiste."))


def _refused(number: str):
    """The function's refusal as a page, as the payments show theirs: why, and what to do about it."""
    try:
        functions = container().policy_requests().functions(g.account_id, number)
    except NotFound:
        return _not_found()
    found = functions.function(DispositiveFunction.SUSPENSION)
    return render_template("suspension/refused.html", availability=found, policy=functions.detail.policy,
                           customer=functions.detail.customer), 403


def _parsed(form) -> tuple[date | None, time | None]:
    """The day and hour typed (``2026-11-26`` from the calendar, or ``26/11/2026`` typed by hand; ``14:00``).

    Raises DayMissing (``reason`` invalid_day or invalid_hour) for text that is not a day or an hour; an empty
    day is None, for the use case to refuse."""
    raw_day = (form.get("day") or "").strip()
    raw_hour = (form.get("hour") or "").strip().replace(".", ":")
    day = hour = None
    if raw_day:
        try:
            day = (date.fromisoformat(raw_day) if "-" in raw_day
                   else datetime.strptime(raw_day, "%d/%m/%Y").date())
        except ValueError:
            raise DayMissing(reason="invalid_day") from None
    if raw_hour:
        try:
            hour = time.fromisoformat(raw_hour if len(raw_hour) != 4 else "0" + raw_hour)
        except ValueError:
            raise DayMissing(field="hour", reason="invalid_hour") from None
        hour = hour.replace(second=0, microsecond=0, tzinfo=None)
    return day, hour


def _typed(form) -> dict[str, str]:
    return {"day": (form.get("day") or "")[:20], "hour": (form.get("hour") or "")[:10]}


def _page(state: SuspensionState, *, form: dict | None = None, error: DomainError | None = None,
          action: str | None = None, status: int = 200):
    errors: dict[str, str] = {}
    general = None
    if error is not None:
        field = _FIELDS.get(error.field or "")
        if field:
            errors[field] = message_for(error)
        else:
            general = message_for(error)
        status = http_status(error) if status == 200 else status
    return render_template(
        "suspension/page.html", state=state, policy=state.detail.policy, customer=state.detail.customer,
        form=form or {}, errors=errors, error=general, action=action,
        in_force=state.scope is Scope.SUSPEND, today=italian_day(state.now).isoformat(),
    ), status


def _with_state(view):
    """The view gets the policy's suspension state: 404 for another's policy, the refusal page when the
    function is not available on it today."""
    @wraps(view)
    def wrapped(number: str):
        try:
            state = _suspensions().state(g.account_id, number)
        except NotFound:
            return _not_found()
        except FunctionNotAvailable:
            return _refused(number)
        return view(number, state)

    return wrapped


@bp.get(SUSPENSION)
@login_required
@_with_state
def page(number: str, state: SuspensionState):
    return _page(state)


def _effect(number: str, state: SuspensionState, action: str):
    """«Verifica»: the effect of what was typed, or the page again with the reason and the form as typed."""
    typed = _typed(request.form)
    try:
        day, hour = _parsed(request.form)
        if action == SUSPEND:
            state, effect = _suspensions().suspension_effect(g.account_id, number, day, hour)
        else:
            state, effect = _suspensions().reactivation_effect(g.account_id, number, day, hour)
    except NotFound:
        return _not_found()
    except FunctionNotAvailable:
        return _refused(number)
    except DomainError as error:
        return _page(state, form=typed, error=error, action=action)
    # A new key each time the effect is shown: a double click on «Conferma» is one request.
    return render_template(
        "suspension/effect.html", state=state, effect=effect, policy=state.detail.policy,
        customer=state.detail.customer, action=action, suspend=action == SUSPEND, idempotency_key=container().secrets().token(),
        day=day.isoformat() if day else "", hour=hour.strftime("%H:%M") if hour else "")


def _confirm(number: str, state: SuspensionState, action: str):
    key = (request.form.get("idempotency_key") or "").strip()
    if not key or len(key) > 100:  # not from the effect page: start again
        return redirect(url_for("suspension.page", number=number), 303)
    typed = _typed(request.form)
    try:
        day, hour = _parsed(request.form)
        command = ScheduleChange(g.account_id, number, day, hour, key)
        submitted = (_suspensions().suspend(command) if action == SUSPEND
                     else _suspensions().reactivate(command))
    except NotFound:
        return _not_found()
    except FunctionNotAvailable:
        return _refused(number)
    except DomainError as error:  # something changed since «Verifica» (the hour passed, another request)
        return _page(state, form=typed, error=error, action=action)
    return redirect(url_for("requests.detail", number=submitted.number), 303)


@bp.post(SUSPENSION + "/verifica")
@login_required
@_with_state
def check_suspension(number: str, state: SuspensionState):
    return _effect(number, state, SUSPEND)


@bp.post(SUSPENSION + "/conferma")
@login_required
@_with_state
def confirm_suspension(number: str, state: SuspensionState):
    return _confirm(number, state, SUSPEND)


@bp.post(REACTIVATION + "/verifica")
@login_required
@_with_state
def check_reactivation(number: str, state: SuspensionState):
    return _effect(number, state, REACTIVATE)


@bp.post(REACTIVATION + "/conferma")
@login_required
@_with_state
def confirm_reactivation(number: str, state: SuspensionState):
    return _confirm(number, state, REACTIVATE)


@bp.post("/area-clienti/richieste/<number>/ritira")
@login_required
def withdraw(number: str):
    """Withdraw a suspension scheduled for later; back to the policy's suspension page with what happened."""
    try:
        found = container().policy_requests().get(g.account_id, number)
        _suspensions().withdraw(g.account_id, found.number)
    except NotFound:
        return _not_found()
    except SuspensionAlreadyStarted as refused:
        flash(message_for(refused), "error")
    else:
        flash(_("Hai ritirato la sospensione richiesta con la richiesta %(number)s: la polizza resta in vigore.",
                number=found.number), "success")
    return redirect(url_for("suspension.page", number=found.policy_number), 303)


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
