"""The one body every JSON error carries, and its OpenAPI schema.

Every error handler that answers JSON (validation, business rules, CSRF, 401…503) builds its body
with ``api_error_body``, so the OpenAPI document can promise one shape and keep the promise.
"""
from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields


def api_error_body(code: str, message: str, **extra: Any) -> dict[str, Any]:
    """``{"code", "message"}`` plus the optional members of ``ApiErrorSchema`` that have a value.

    Args:
        code: a stable, machine-readable snake_case name (``email_invalid``, ``not_found``…).
        message: the user-facing text, already translated.
        extra: ``field``, ``errors`` (field name -> message), ``limits``, ``retry_after`` (ISO 8601); None is left
            out.
    """
    return {"code": code, "message": message, **{name: value for name, value in extra.items() if value is not None}}


class AmountLimitsSchema(Schema):
    minimum = fields.String(required=True, metadata={"format": "decimal", "description": "In euro",
                                                     "example": "500.00"})
    maximum = fields.String(required=True, metadata={"format": "decimal", "description": "In euro",
                                                     "example": "15000.00"})


class ApiErrorSchema(Schema):
    """Every error of the API: a stable code, an Italian (or English) message, the fields at fault."""

    code = fields.String(required=True, metadata={
        "description": "Stable, machine-readable name of the error (e.g. unprocessable_entity, email_invalid, "
                       "otp_send_refused, not_found, csrf_failed, service_unavailable)",
        "example": "unprocessable_entity"})
    message = fields.String(required=True, metadata={
        "description": "What went wrong, for a person, in the request's language",
        "example": "Alcuni dati non sono validi: controlla i campi indicati."})
    field = fields.String(metadata={"description": "The input at fault, when a business rule names one",
                                    "example": "email"})
    errors = fields.Dict(keys=fields.String(), values=fields.String(), metadata={
        "description": "One message per input at fault (field name -> message); for questionnaire answers "
                       "the key is `questionnaire.question` (e.g. `tax_residency.us_tin`)",
        "example": {"email": "Compila questo campo."}})
    limits = fields.Nested(AmountLimitsSchema, metadata={
        "description": "With amount_out_of_range: the amounts allowed for this policy"})
    retry_after = fields.DateTime(metadata={
        "description": "When a refused or locked action may be tried again (also in the Retry-After header)"})

    class Meta:
        ordered = True
