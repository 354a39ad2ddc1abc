"""Personal data changes on the customer site (R-DISP-DATA): residence, domicile, contact details,
correspondence email and the delivery mode of communications.

The page shows each value the core system holds with what the customer's requests not yet final ask beside
it («in lavorazione»); each section has its form (no script needed), which sends one request on the request
life cycle and leads to the request's page. The form carries a fresh idempotency key: a double click answers
the request the first click made. Reached from the profile and from the policy page («Richiesta di modifica
dati», ``?policy=<number>``: the request hangs on that policy).
"""
from __future__ import annotations

from flask import Blueprint, Flask, g, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _

from areaclienti.app.use_cases.data_changes import ChangePersonalData, PersonalData
from areaclienti.domain.data_changes import PersonalDataInvalid, Section
from areaclienti.domain.errors import FunctionNotAvailable, NotFound

from . import personal_data_form as forms
from .helpers import container, error_page, login_required, posted_idempotency_key

bp = Blueprint("personal_data", __name__)
PAGE = "/area-clienti/dati-personali"


def _policy_arg() -> str | None:
    number = (request.args.get("policy") or request.form.get("policy") or "").strip()
    return number[:30] or None


def _countries() -> dict[str, str]:
    return dict(container().places().countries(str(get_locale() or "it")))


def _load(policy: str | None):
    try:
        return container().data_changes().page(g.account_id, policy)
    except NotFound:
        return None


@bp.get(PAGE)
@login_required
def page():
    policy = _policy_arg()
    data = _load(policy)
    if data is None:
        return error_page(404, _("La pagina che cerchi non esiste."))
    rows = forms.value_rows(data, _countries())
    return render_template("personal_data/page.html", data=data, customer=data.customer, rows=rows,
                           refusal=forms.refusal_text(data),
                           policy=policy, sections=forms.SLUG_OF, titles=forms.SECTION_TITLES)


def _form_page(section: Section, data: PersonalData, values: dict, *, errors: dict | None = None,
               key: str | None = None, policy: str | None = None, status: int = 200):
    return render_template(
        "personal_data/form.html", section=section, slug=forms.SLUG_OF[section], title=forms.SECTION_TITLES[section],
        data=data, customer=data.customer, form=values, errors=errors or {}, idempotency_key=key or container().secrets().token(),
        policy=policy, countries=_countries(), delivery=forms.DELIVERY_LABELS, postal=forms.POSTAL_LABELS,
        has_domicile=data.details.domicile is not None, SECTION=Section), status


def _section(slug: str) -> Section | None:
    return forms.SECTION_SLUGS.get(slug)


@bp.get(PAGE + "/<slug>")
@login_required
def edit(slug: str):
    section, policy = _section(slug), _policy_arg()
    data = _load(policy) if section else None
    if data is None or section is None:
        return error_page(404, _("La pagina che cerchi non esiste."))
    if not data.allowed:
        return redirect(url_for("personal_data.page", policy=policy), 303)
    return _form_page(section, data, forms.form_values(section, data.details), policy=policy)


@bp.post(PAGE + "/<slug>")
@login_required
def submit(slug: str):
    section, policy = _section(slug), _policy_arg()
    if section is None:
        return error_page(404, _("La pagina che cerchi non esiste."))
    values = forms.posted(section, request.form)
    key = posted_idempotency_key()
    if key is None:  # not from the form page: start again
        return redirect(url_for("personal_data.edit", slug=slug, policy=policy), 303)
    try:
        submitted = container().data_changes().submit(ChangePersonalData(
            account_id=g.account_id, section=section, typed=values, idempotency_key=key, policy_number=policy))
    except NotFound:
        return error_page(404, _("La pagina che cerchi non esiste."))
    except FunctionNotAvailable:
        return redirect(url_for("personal_data.page", policy=policy), 303)
    except PersonalDataInvalid as invalid:
        data = _load(policy)
        if data is None:
            return error_page(404, _("La pagina che cerchi non esiste."))
        return _form_page(section, data, values, errors=forms.field_errors(invalid), key=key, policy=policy,
                          status=422)
    return redirect(url_for("requests.detail", number=submitted.number), 303)


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
