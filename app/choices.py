"""Select-field choices in the form WTForms 3.3+ expects."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from wtforms.fields.choices import SelectChoice


def choices(pairs: Iterable[tuple[Any, str]]) -> list[SelectChoice]:
    """(value, label) pairs as SelectChoice objects."""
    return [SelectChoice(value, label) for value, label in pairs]
