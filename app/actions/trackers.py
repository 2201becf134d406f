"""Recognise external tracker URLs: Jira, GitHub issues, Linear, ServiceNow (pure)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import parse_qs, unquote, urlsplit


@dataclass(frozen=True)
class TrackerRef:
    """An issue in a tracker: which tracker, the key people read, the key webhooks match."""

    tracker: str
    label: str
    key: str


_JIRA_KEY = re.compile(r"^([A-Za-z][A-Za-z0-9_]*-\d+)$")
_GITHUB_PATH = re.compile(r"^/([^/]+)/([^/]+)/issues/(\d+)/?$")
_LINEAR_PATH = re.compile(r"^/[^/]+/issue/([A-Za-z][A-Za-z0-9]*-\d+)(?:/.*)?$")
_SN_NUMBER = re.compile(r"number=([A-Za-z]+\d+)")
_SN_SYS_ID = re.compile(r"sys_id=([0-9a-fA-F]{32})")


def github_key(full_name: str, number: int | str) -> str:
    """The normalised key of GitHub issue `number` in repository `full_name`."""
    return f"github:{full_name.lower()}#{int(number)}"


def jira_key(issue_key: str) -> str:
    """The normalised key of Jira issue `issue_key` (e.g. ``ABC-12``)."""
    return f"jira:{issue_key.upper()}"


def recognise(url: str) -> TrackerRef | None:
    """The tracker issue a URL points at, or None for any other link."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    host, path = parts.hostname.lower(), parts.path
    if host in ("github.com", "www.github.com"):
        m = _GITHUB_PATH.match(path)
        if m:
            owner, repo, number = m.groups()
            label = f"{owner}/{repo}#{number}"
            return TrackerRef("github", label, github_key(f"{owner}/{repo}", number))
        return None
    if host == "linear.app":
        m = _LINEAR_PATH.match(path)
        if m:
            ident = m.group(1).upper()
            return TrackerRef("linear", ident, f"linear:{ident}")
        return None
    # Jira Cloud (x.atlassian.net) and self-hosted Jira share the /browse/KEY-12 shape.
    segments = [s for s in path.split("/") if s]
    if len(segments) >= 2 and segments[-2] == "browse" and _JIRA_KEY.match(segments[-1]):
        ident = segments[-1].upper()
        return TrackerRef("jira", ident, jira_key(ident))
    if "service-now.com" in host or "nav_to.do" in path or path.endswith(".do"):
        return _servicenow(unquote(parts.query))
    return None


def _servicenow(query: str) -> TrackerRef | None:
    # nav_to.do wraps the record URL in uri=...; unquoting once exposes its own query.
    inner = " ".join(v for vals in parse_qs(query).values() for v in vals) + " " + query
    number = _SN_NUMBER.search(inner)
    if number:
        ident = number.group(1).upper()
        return TrackerRef("servicenow", ident, f"servicenow:{ident}")
    sys_id = _SN_SYS_ID.search(inner)
    if sys_id:
        ident = sys_id.group(1).lower()
        return TrackerRef("servicenow", f"sys_id {ident[:8]}…", f"servicenow:{ident}")
    return None
