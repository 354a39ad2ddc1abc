"""The JSON of the core system's HTTP API: every type the port ``PolicyCoreSystem`` exchanges, both ways.

One codec for the client (``client.py``) and the demo core system's server (``entrypoints/core_server.py``),
so the two can only agree. It walks the domain's frozen dataclasses by their type hints: a field added to
``Policy`` or ``ProductRules`` travels without a line here, and the contract test compares what comes back
with what went in. On the wire: dates and instants in ISO 8601 (instants with their offset), amounts as
decimal strings (never floats), enums by value, sets as sorted lists, addresses as ``as_dict`` writes them.
"""
from __future__ import annotations

import dataclasses
import enum
import functools
import types
import typing
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Union

from areaclienti.app.ports.core_system import CoreStatus, HandOff
from areaclienti.domain.addresses import Address, ForeignAddress, address_from_dict
from areaclienti.domain.data_changes import PartyDetails
from areaclienti.domain.parties import Party, PartyId
from areaclienti.domain.policies import Policy
from areaclienti.domain.policy_information import PolicyDocument, PolicyInformation
from areaclienti.domain.products import ProductRules
from areaclienti.domain.receipts import Receipt

JSON = Any  # what json.dumps takes and json.loads gives

# The types the port exchanges (the tests walk these to check nothing is left out).
PORT_TYPES = (Policy, Party, PartyId, PartyDetails, ProductRules, Receipt, PolicyInformation, PolicyDocument,
              HandOff, CoreStatus)


class CodecError(ValueError):
    """A body that is not what the type expects (a core system of another version, a broken answer)."""


def encode(value: Any) -> JSON:
    """``value`` (a port type, a list or dict of them, or a plain value) as JSON-ready data."""
    if isinstance(value, enum.Enum):  # first: a str enum is a str too
        return value.value
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (datetime, date)):  # datetime first: it is a date too
        return value.isoformat()
    if isinstance(value, (Address, ForeignAddress)):
        return value.as_dict()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: encode(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Mapping):
        return {str(encode(k)): encode(v) for k, v in value.items()}
    if isinstance(value, (frozenset, set)):
        return sorted((encode(v) for v in value), key=str)
    if isinstance(value, (list, tuple)):
        return [encode(v) for v in value]
    raise TypeError(f"cannot encode {type(value).__name__}")


def decode(kind: Any, data: JSON) -> Any:
    """``data`` (as ``encode`` wrote it) back as ``kind``: a port type, ``list[Policy]``, ``X | None``…"""
    try:
        return _decode(kind, data)
    except CodecError:
        raise
    except (TypeError, ValueError, KeyError, ArithmeticError) as error:
        raise CodecError(f"not a {kind}: {error}") from error


def _decode(kind: Any, data: JSON) -> Any:
    if kind is Any:
        return data
    origin = typing.get_origin(kind)
    if origin in (Union, types.UnionType):
        options = typing.get_args(kind)
        if data is None:
            if type(None) in options:
                return None
            raise CodecError(f"{kind} cannot be null")
        if set(options) - {type(None)} <= {Address, ForeignAddress}:
            return address_from_dict(data)
        (only,) = [o for o in options if o is not type(None)]  # the port has no other unions
        return _decode(only, data)
    if data is None:
        raise CodecError(f"{kind} cannot be null")
    if origin in (list, tuple, frozenset, set):
        args = typing.get_args(kind)
        item = args[0] if args else Any
        if not isinstance(data, list):
            raise CodecError(f"{kind} must be a list")
        return origin(_decode(item, v) for v in data)
    if origin is dict or kind is dict:
        key_kind, value_kind = typing.get_args(kind) or (Any, Any)
        if not isinstance(data, dict):
            raise CodecError(f"{kind} must be an object")
        return {_decode(key_kind, k): _decode(value_kind, v) for k, v in data.items()}
    if isinstance(kind, type):
        if issubclass(kind, enum.Enum):
            return kind(data)
        if issubclass(kind, bool) or kind in (int, str, float):
            if not isinstance(data, kind) or (kind is int and isinstance(data, bool)):
                raise CodecError(f"{data!r} is not a {kind.__name__}")
            return data
        if issubclass(kind, Decimal):
            if not isinstance(data, str):  # never a float: an amount loses nothing on the wire
                raise CodecError(f"{data!r}: an amount travels as a string")
            return Decimal(data)
        if issubclass(kind, datetime):
            return datetime.fromisoformat(data)
        if issubclass(kind, date):
            return date.fromisoformat(data)
        if dataclasses.is_dataclass(kind):
            if not isinstance(data, dict):
                raise CodecError(f"{kind.__name__} must be an object")
            hints = _hints(kind)
            values = {f.name: _decode(hints[f.name], data[f.name])
                      for f in dataclasses.fields(kind) if f.init and f.name in data}
            return kind(**values)
    raise CodecError(f"cannot decode {kind}")


@functools.cache
def _hints(kind: type) -> dict[str, Any]:
    return typing.get_type_hints(kind)


def party_path(party_id: PartyId) -> str:
    """A party in a URL path: its kind, then its code (a tax code and a VAT number cannot be told apart
    by the core system otherwise)."""
    return f"{party_id.kind.value}/{party_id.value}"
