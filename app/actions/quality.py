"""Quality hints on an action: no owner, no due date, a 'be more careful' title (pure)."""

from __future__ import annotations

import re
from typing import Any

# Used only while app.reviews.blameless is absent: vigilance is not an improvement.
_VIGILANCE = re.compile(
    r"\b(be (more )?careful|make sure|remember to|double[- ]check|pay (more )?attention|"
    r"be (more )?vigilant|try harder|be aware)\b", re.IGNORECASE)


def vigilance(title: str) -> bool:
    """True when the title asks people to be more careful instead of changing a system."""
    try:
        from app.reviews import blameless  # written by the reviews feature
    except ImportError:
        return bool(_VIGILANCE.search(title or ""))
    return any(getattr(f, "rule", None) == "vigilance"
               for f in blameless.check(title or "", context="action"))


def hints(action: Any) -> list[str]:
    """Short notes on what would make this action likelier to get done and to help."""
    out = []
    if action.owner_id is None:
        out.append("no owner")
    if action.due_date is None:
        out.append("no due date")
    if vigilance(action.title):
        out.append("asks for vigilance: change a system, a tool or a process instead")
    return out
