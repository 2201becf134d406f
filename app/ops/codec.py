"""Encode column values as JSON losslessly, and decode them for a target column."""

from __future__ import annotations

import base64
import datetime as dt
import enum
import uuid
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Column, Enum, Interval, LargeBinary, Numeric, null
from sqlalchemy.types import TypeDecorator, TypeEngine


class CodecError(ValueError):
    """A value in the archive does not fit its column."""


def is_json(column: Column[Any]) -> bool:
    """Whether the column stores JSON (its value is embedded in the archive as JSON)."""
    return isinstance(_impl(column.type), JSON)


def _impl(type_: TypeEngine[Any]) -> TypeEngine[Any]:
    while isinstance(type_, TypeDecorator):
        type_ = type_.impl_instance
    return type_


def encode(value: Any) -> Any:
    """A JSON-ready form of a non-JSON column's value; the column type says how to read it."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        # JSON has no NaN or infinities; a string keeps them exactly.
        return value if value == value and abs(value) != float("inf") else repr(value)
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes | bytearray | memoryview):
        return base64.b64encode(bytes(value)).decode("ascii")
    if isinstance(value, dt.timedelta):
        return [value.days, value.seconds, value.microseconds]
    if isinstance(value, uuid.UUID):
        return str(value)
    raise CodecError(f"cannot archive a value of type {type(value).__name__}")


def decoder(column: Column[Any]) -> Callable[[Any], Any]:
    """A function turning an archived value back into what `column` binds."""
    type_ = _impl(column.type)
    if isinstance(type_, JSON):
        # The archive writes SQL NULL as an absent key; a present null is JSON null.
        return lambda v: JSON.NULL if v is None else v
    if isinstance(type_, Enum) and type_.enum_class is not None:
        cls = type_.enum_class
        return _nullable(cls)
    if isinstance(type_, LargeBinary):
        return _nullable(base64.b64decode)
    if isinstance(type_, Numeric) and type_.asdecimal:
        return _nullable(lambda v: Decimal(str(v)))
    if isinstance(type_, Interval):
        return _nullable(lambda v: dt.timedelta(days=v[0], seconds=v[1], microseconds=v[2]))
    try:
        py = type_.python_type
    except NotImplementedError:
        return lambda v: v
    if py is dt.datetime:
        return _nullable(_datetime)
    if py is dt.date:
        return _nullable(dt.date.fromisoformat)
    if py is dt.time:
        return _nullable(dt.time.fromisoformat)
    if py is float:
        return _nullable(float)
    if py is uuid.UUID:
        return _nullable(uuid.UUID)
    return lambda v: v


def sql_null() -> Any:
    """The SQL NULL bind value for a JSON column (JSON null is `JSON.NULL`)."""
    return null()


def _nullable(fn: Callable[[Any], Any]) -> Callable[[Any], Any]:
    return lambda v: None if v is None else fn(v)


def _datetime(value: str) -> dt.datetime:
    return dt.datetime.fromisoformat(value)
