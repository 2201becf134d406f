"""Read monitoring webhook payloads (Alertmanager v4, Checkly) into plain alerts (pure)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from .importers.base import ImportFormatError
from .importers.timeparse import parse_iso


class PayloadError(ImportFormatError):
    """A webhook body that is not the documented shape; names the field."""


@dataclass
class ParsedAlert:
    """One alert notification, whatever system sent it."""

    dedupe_key: str
    status: str  # "firing" or "resolved"
    title: str
    starts_at: datetime
    ends_at: datetime | None = None
    description: str = ""
    labels: dict[str, str] = field(default_factory=dict)
    link: str | None = None

    @property
    def occurred_at(self) -> datetime:
        """When this notification's event happened: the end for a resolution."""
        return self.ends_at if self.status == "resolved" and self.ends_at else self.starts_at


def _str_map(value: Any, where: str) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise PayloadError("must be an object", field=where)
    return {str(k): str(v) for k, v in value.items()}


def _http_link(value: Any) -> str | None:
    """An http(s) link from a payload, else None: pages show it as a link to click."""
    if isinstance(value, str) and value.strip().lower().startswith(("https://", "http://")):
        return value.strip()[:500]  # the column holds 500 characters
    return None


def _key(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:40]


def parse_alertmanager(payload: Any) -> list[ParsedAlert]:
    """Alerts of an Alertmanager webhook (payload version 4)."""
    if not isinstance(payload, dict):
        raise PayloadError("the body must be a JSON object", field="(body)")
    if str(payload.get("version")) != "4":
        raise PayloadError("only Alertmanager webhook version 4 is understood", field="version")
    alerts = payload.get("alerts")
    if not isinstance(alerts, list):
        raise PayloadError("must be a list", field="alerts")
    common = _str_map(payload.get("commonLabels"), "commonLabels")
    out = []
    for i, item in enumerate(alerts):
        where = f"alerts[{i}]"
        if not isinstance(item, dict):
            raise PayloadError("must be an object", field=where)
        status = item.get("status")
        if status not in ("firing", "resolved"):
            raise PayloadError("must be firing or resolved", field=f"{where}.status")
        labels = {**common, **_str_map(item.get("labels"), f"{where}.labels")}
        notes = _str_map(item.get("annotations"), f"{where}.annotations")
        starts = parse_iso(item.get("startsAt"), field=f"{where}.startsAt")
        ends_raw = item.get("endsAt")
        # Alertmanager sends the zero time for alerts that have not ended.
        ends = None
        if isinstance(ends_raw, str) and not ends_raw.startswith("0001-"):
            ends = parse_iso(ends_raw, field=f"{where}.endsAt")
        fingerprint = item.get("fingerprint")
        if not isinstance(fingerprint, str) or not fingerprint:
            fingerprint = _key(*[f"{k}={v}" for k, v in sorted(labels.items())])
        name = labels.get("alertname", "alert")
        summary = notes.get("summary") or notes.get("description") or ""
        out.append(ParsedAlert(
            dedupe_key=_key("am", fingerprint, status, starts.isoformat()),
            status=status, title=f"{name}: {summary}" if summary else name,
            starts_at=starts, ends_at=ends, description=notes.get("description", ""),
            labels=labels, link=_http_link(item.get("generatorURL"))))
    return out


_CHECKLY_STATUS = {"ALERT_FAILURE": "firing", "ALERT_DEGRADED": "firing",
                   "ALERT_RECOVERY": "resolved", "ALERT_DEGRADED_RECOVERY": "resolved"}


def parse_checkly(payload: Any) -> list[ParsedAlert]:
    """The alert of a Checkly webhook (its default body template)."""
    if not isinstance(payload, dict):
        raise PayloadError("the body must be a JSON object", field="(body)")
    alert_type = payload.get("alert_type")
    if alert_type not in _CHECKLY_STATUS:
        raise PayloadError(f"must be one of {', '.join(_CHECKLY_STATUS)}", field="alert_type")
    check_name = payload.get("check_name")
    if not isinstance(check_name, str) or not check_name:
        raise PayloadError("missing", field="check_name")
    started = parse_iso(payload.get("started_at"), field="started_at")
    status = _CHECKLY_STATUS[alert_type]
    tags = payload.get("tags") or []
    if isinstance(tags, str):  # the default template renders {{TAGS}} as a joined string
        tags = [t.strip() for t in tags.split(",") if t.strip()]
    if not isinstance(tags, list):
        raise PayloadError("must be a list or a comma-separated string", field="tags")
    labels = {"check_name": check_name, "alert_type": alert_type}
    for key in ("check_type", "group_name", "region", "run_location", "check_id"):
        if isinstance(payload.get(key), str) and payload[key]:
            labels[key] = payload[key]
    for tag in tags:
        name, sep, value = str(tag).partition(":")
        labels[name.strip() if sep else f"tag:{name.strip()}"] = value.strip() if sep else "1"
    result_id = str(payload.get("check_result_id") or "")
    error = payload.get("check_error_message") if isinstance(
        payload.get("check_error_message"), str) else ""
    title = payload.get("event") if isinstance(payload.get("event"), str) else check_name
    return [ParsedAlert(
        dedupe_key=_key("checkly", result_id or str(payload.get("check_id")), alert_type,
                        started.isoformat()),
        status=status, title=title[:300], starts_at=started,
        ends_at=started if status == "resolved" else None, description=error,
        labels=labels, link=_http_link(payload.get("link")))]


PARSERS = {"alertmanager": parse_alertmanager, "checkly": parse_checkly}
