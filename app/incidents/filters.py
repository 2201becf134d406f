"""Read incident-list filters from query arguments (shared by pages and API)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta

from app.models import IncidentStatus, IncidentType
from app.timefmt import parse_local

from .service import IncidentFilter


def filter_from_args(args: Mapping[str, str], zone_name: str) -> IncidentFilter:
    """Build an IncidentFilter; ValueError names the bad argument."""
    flt = IncidentFilter()
    if args.get("type"):
        if args["type"] not in {t.value for t in IncidentType}:
            raise ValueError(f"type: unknown incident type {args['type']!r}")
        flt.type = args["type"]
    if args.get("severity"):
        if args["severity"] not in {"1", "2", "3", "4"}:
            raise ValueError("severity: must be 1 to 4")
        flt.severity = int(args["severity"])
    if args.get("status"):
        if args["status"] not in {s.value for s in IncidentStatus}:
            raise ValueError(f"status: unknown status {args['status']!r}")
        flt.status = args["status"]
    flt.service = args.get("service") or None
    for name in ("from", "to"):
        if args.get(name):
            try:
                value = parse_local(args[name], zone_name)
            except ValueError:
                raise ValueError(f"{name}: not a date (YYYY-MM-DD)") from None
            if name == "from":
                flt.start = value
            else:
                # A bare date "to" means through the end of that day.
                flt.end = value + timedelta(days=1) if len(args[name].strip()) == 10 else value
    if args.get("sort"):
        flt.sort = args["sort"]
    return flt
