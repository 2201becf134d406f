"""Import a GitHub issue's history from REST API JSON.

Accepted inputs (one file): an issue object; a list of comments (``/comments``); a list
of events (``/events``); a list of timeline items (``/timeline``); a single event or
comment; or a bundle ``{"issue": {...}, "comments": [...], "timeline": [...],
"events": [...]}`` (any of the lists optional), e.g. built with ``gh api``. An item found
in several lists (a comment in ``comments`` and ``timeline``) is imported once. The
channel is ``owner/repo#number`` when the URLs reveal it.

Status convention, relied on by the suggested-moments module: ``closed`` and
``reopened`` become ``event_type="status_change"`` with ``raw = {"item": <original>,
"from": "open" | "closed", "to": "closed" | "open", "field": "state"}``. A renamed title
is a ``field_change`` with the same ``raw`` keys (``field="title"``).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator
from datetime import datetime
from typing import Any, ClassVar

from ..kinds import guess_kind
from .base import ImportFormatError, ImportOptions, NormalizedEvent, ParseReport, Source
from .jsondoc import JsonDoc
from .registry import register

_ISSUE_URL = re.compile(
    r"(?:api\.github\.com/repos|github\.com)/([^/\s]+/[^/\s]+)/(?:issues|pull)/(\d+)")
_NOISE = {"subscribed", "unsubscribed", "mentioned"}
_LIST_KEYS = ("comments", "events", "timeline")


class _Doc(JsonDoc):
    """JsonDoc plus this format's own values."""

    def login(self, value: Any, path: str) -> tuple[str | None, str | None]:
        user = self.obj(value, path, optional=True)
        uid = self.text(user.get("id"), path + ".id")
        return uid, self.text(user.get("login"), path + ".login")


def _load(source: Source) -> Any:
    data = source.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportFormatError(
            "the file is not UTF-8 text", file=source.name, position=exc.start) from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ImportFormatError(
            f"not valid JSON ({exc.msg})", file=source.name, line=exc.lineno, position=exc.colno
        ) from None
    except (ValueError, RecursionError):
        raise ImportFormatError(
            "JSON nested too deeply or holding a number too large", file=source.name, line=1
        ) from None


def _synthetic_id(*parts: Any) -> str:
    blob = json.dumps(parts, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha1(blob.encode("utf-8", "surrogatepass")).hexdigest()[:16]


def _channel_from(url: Any) -> str | None:
    match = _ISSUE_URL.search(url) if isinstance(url, str) else None
    return f"{match.group(1)}#{match.group(2)}" if match else None


def _own_channel(item: Any) -> str | None:
    """``owner/repo#n`` from the URLs an issue, comment or single event carries."""
    if not isinstance(item, dict):
        return None
    issue = item.get("issue")
    if isinstance(issue, dict) and "event" in item:
        return _channel_from(issue.get("url")) or _channel_from(issue.get("html_url"))
    if "number" in item:
        return _channel_from(item.get("url")) or _channel_from(item.get("html_url"))
    return _channel_from(item.get("issue_url")) or (
        _channel_from(item.get("html_url")) if "body" in item else None)


def _first_channel(top: Any) -> str | None:
    """The issue a whole file is about, for the items (most events) that do not say."""
    if isinstance(top, list):
        candidates: list[Any] = top
    elif isinstance(top, dict) and "event" not in top and isinstance(top.get("issue"), dict):
        candidates = [top["issue"]] + [
            x for k in _LIST_KEYS if isinstance(top.get(k), list) for x in top[k]]
    else:
        candidates = [top]
    for item in candidates:
        channel = _own_channel(item)
        if channel:
            return channel
    return None


@register
class GitHubImporter:
    """GitHub issue JSON: issue, comments, events, timeline, or a bundle of them."""

    name: ClassVar[str] = "github"
    label: ClassVar[str] = "GitHub issue JSON (issue, comments, events, timeline, or a bundle)"
    needs_zone: ClassVar[bool] = False
    priority: ClassVar[int] = 40

    def sniff(self, source: Source) -> bool:
        """Tell GitHub REST JSON from its first bytes (API URLs or node ids)."""
        try:
            head = source.head(4096).lstrip(b"\xef\xbb\xbf \t\r\n")
        except Exception:  # noqa: BLE001 - sniffing never raises
            return False
        if not head.startswith((b"{", b"[")):
            return False
        return b"api.github.com/" in head or (
            b'"node_id"' in head and (b'"event"' in head or b'"author_association"' in head))

    def parse(
        self, source: Source, options: ImportOptions, report: ParseReport
    ) -> Iterator[NormalizedEvent]:
        """Yield the issue's opening, comments, state changes and other events."""
        reader = _Reader(_Doc(source.name), report)
        seen: set[str] = set()
        for event in reader.events(_load(source)):
            if event.source_id in seen:
                report.skip("already read from another list of the bundle")
                continue
            seen.add(event.source_id)
            if options.channels is not None and event.channel not in options.channels:
                report.skip("not in the chosen channels")
                continue
            report.channels_seen[event.channel or ""] += 1
            yield event


class _Reader:
    """Turn one parsed document into events, remembering the issue's channel."""

    def __init__(self, doc: _Doc, report: ParseReport) -> None:
        self.doc = doc
        self.report = report
        self.channel: str | None = None

    def events(self, top: Any) -> Iterator[NormalizedEvent]:
        doc = self.doc
        self.channel = _first_channel(top)
        if isinstance(top, list):
            yield from self.items(top, "")
            return
        if not isinstance(top, dict):
            raise ImportFormatError("expected a JSON object or list", file=doc.file, line=1)
        if "event" in top:
            yield from self.items([top], "")
        elif "number" in top and "title" in top and "issue" not in top:
            self.report.warn("only the issue itself was given: comments and timeline are "
                             "missing (see the GitHub import guide)")
            yield from self.issue(top, "", closing=True)
        elif isinstance(top.get("issue"), dict) or any(
                isinstance(top.get(k), list) for k in _LIST_KEYS):
            issue = doc.obj(top.get("issue"), "issue", optional=True)
            has_history = any(top.get(k) for k in ("events", "timeline"))
            if issue:
                yield from self.issue(issue, "issue", closing=not has_history)
            for key in _LIST_KEYS:
                yield from self.items(doc.items(top.get(key), key), key + ".")
        elif "body" in top and "user" in top:
            yield from self.items([top], "")
        else:
            raise ImportFormatError(
                "not a GitHub issue, comment, event or timeline list", file=doc.file, line=1)

    def items(self, items: list[Any], prefix: str) -> Iterator[NormalizedEvent]:
        for i, raw in enumerate(items):
            path = f"{prefix}[{i}]" if prefix else f"[{i}]"
            item = self.doc.obj(raw, path)
            if "event" in item:
                event = self.event(item, path)
                if event is not None:
                    yield event
            elif "body" in item and "created_at" in item:
                yield self.comment(item, path)
            else:
                self.report.skip("item that is neither a comment nor an event")

    def channel_of(self, item: dict[str, Any], path: str) -> str | None:
        return _own_channel(item) or self.channel

    def issue(
        self, issue: dict[str, Any], path: str, *, closing: bool
    ) -> Iterator[NormalizedEvent]:
        doc, p = self.doc, (path + "." if path else "")
        number = doc.text(issue.get("number"), p + "number")
        issue_id = doc.text(issue.get("id"), p + "id") or number
        if not issue_id:
            raise doc.error("issue without an id or number", p + "id")
        title = doc.text(issue.get("title"), p + "title") or ""
        body = doc.text(issue.get("body"), p + "body") or ""
        author_id, author_name = doc.login(issue.get("user"), p + "user")
        head = f"Issue #{number} opened: {title}" if number else f"Issue opened: {title}"
        yield NormalizedEvent(
            source="github", source_id=f"issue:{issue_id}:opened",
            occurred_at=doc.time(issue.get("created_at"), p + "created_at"),
            text=head + (f"\n\n{body}" if body else ""),
            text_original=title + (f"\n\n{body}" if body else ""),
            author_id=author_id, author_name=author_name, kind="detection",
            event_type="created", channel=self.channel,
            raw={k: issue.get(k) for k in ("id", "number", "title", "state", "created_at",
                                           "closed_at", "html_url")},
        )
        if closing and issue.get("closed_at") is not None:
            closer_id, closer = doc.login(issue.get("closed_by"), p + "closed_by")
            yield NormalizedEvent(
                source="github", source_id=f"issue:{issue_id}:closed",
                occurred_at=doc.time(issue.get("closed_at"), p + "closed_at"),
                text="Issue closed", text_original="", author_id=closer_id, author_name=closer,
                kind="recovery", event_type="status_change", channel=self.channel,
                raw={"item": {"closed_at": issue.get("closed_at"),
                              "state_reason": issue.get("state_reason")},
                     "from": "open", "to": "closed", "field": "state"},
            )

    def comment(self, item: dict[str, Any], path: str) -> NormalizedEvent:
        doc = self.doc
        created = doc.time(item.get("created_at"), path + ".created_at")
        updated = (doc.time(item.get("updated_at"), path + ".updated_at")
                   if item.get("updated_at") is not None else None)
        body = doc.text(item.get("body"), path + ".body") or ""
        comment_id = doc.text(item.get("id"), path + ".id") or _synthetic_id(
            item.get("created_at"), body)
        author_id, author_name = doc.login(item.get("user") or item.get("actor"), path + ".user")
        return NormalizedEvent(
            source="github", source_id=f"comment:{comment_id}", occurred_at=created,
            text=body, text_original=body, author_id=author_id, author_name=author_name,
            edited=updated is not None and (updated - created).total_seconds() > 1,
            kind=guess_kind(body), event_type="comment", channel=self.channel_of(item, path),
            raw=item,
        )

    def event(self, item: dict[str, Any], path: str) -> NormalizedEvent | None:
        doc = self.doc
        name = doc.text(item.get("event"), path + ".event") or ""
        if name == "commented":
            return self.comment(item, path)
        if name in _NOISE:
            self.report.skip(f"{name} notification (noise)")
            return None
        when = self.when(item, path)
        if when is None:
            self.report.skip("timeline item without a time")
            return None
        text, event_type, kind, extra = self.describe(name, item, path)
        author_id, author_name = doc.login(item.get("actor"), path + ".actor")
        if name == "committed":
            author = doc.obj(item.get("author"), path + ".author", optional=True)
            author_id, author_name = None, doc.text(author.get("name"), path + ".author.name")
        event_id = doc.text(item.get("id"), path + ".id")
        if event_id:
            source_id = f"event:{event_id}"
        elif name == "committed" and doc.text(item.get("sha"), path + ".sha"):
            source_id = f"commit:{item.get('sha')}"
        else:
            source = doc.obj(item.get("source"), path + ".source", optional=True)
            source_issue = doc.obj(source.get("issue"), path + ".source.issue", optional=True)
            source_id = f"{name}:" + _synthetic_id(
                when.isoformat(), author_name, source_issue.get("url"), item.get("commit_id"))
        raw: Any = {"item": item, **extra} if extra else item
        return NormalizedEvent(
            source="github", source_id=source_id, occurred_at=when, text=text,
            text_original=text, author_id=author_id, author_name=author_name, kind=kind,
            event_type=event_type, channel=self.channel_of(item, path), raw=raw,
        )

    def when(self, item: dict[str, Any], path: str) -> datetime | None:
        doc = self.doc
        for key in ("created_at", "submitted_at", "updated_at"):
            if item.get(key) is not None:
                return doc.time(item.get(key), f"{path}.{key}")
        for key in ("committer", "author"):
            person = doc.obj(item.get(key), f"{path}.{key}", optional=True)
            if person.get("date") is not None:
                return doc.time(person.get("date"), f"{path}.{key}.date")
        source = doc.obj(item.get("source"), path + ".source", optional=True)
        issue = doc.obj(source.get("issue"), path + ".source.issue", optional=True)
        for key in ("updated_at", "created_at"):
            if issue.get(key) is not None:
                return doc.time(issue.get(key), f"{path}.source.issue.{key}")
        return None

    def describe(
        self, name: str, item: dict[str, Any], path: str
    ) -> tuple[str, str, str, dict[str, Any]]:
        """Text, event type, kind and extra raw keys for one event."""
        doc = self.doc
        if name in ("closed", "reopened"):
            closing = name == "closed"
            reason = doc.text(item.get("state_reason"), path + ".state_reason")
            text = "Issue closed" if closing else "Issue reopened"
            text += f" ({reason.replace('_', ' ')})" if closing and reason else ""
            return text, "status_change", "recovery" if closing else "other", {
                "from": "open" if closing else "closed", "to": "closed" if closing else "open",
                "field": "state"}
        if name in ("labeled", "unlabeled"):
            label = doc.obj(item.get("label"), path + ".label", optional=True)
            label_name = doc.text(label.get("name"), path + ".label.name") or "?"
            verb = "added" if name == "labeled" else "removed"
            return f"Label {verb}: {label_name}", "label", "other", {}
        if name in ("assigned", "unassigned"):
            _, who = doc.login(item.get("assignee"), path + ".assignee")
            text = "Assigned" if name == "assigned" else "Unassigned"
            if who:
                text = f"Assigned to {who}" if name == "assigned" else f"Unassigned {who}"
            return text, "assign", "other", {}
        if name == "renamed":
            rename = doc.obj(item.get("rename"), path + ".rename", optional=True)
            old = doc.text(rename.get("from"), path + ".rename.from")
            new = doc.text(rename.get("to"), path + ".rename.to")
            return f"Field title: {old} -> {new}", "field_change", "other", {
                "from": old, "to": new, "field": "title"}
        if name in ("milestoned", "demilestoned"):
            milestone = doc.obj(item.get("milestone"), path + ".milestone", optional=True)
            title = doc.text(milestone.get("title"), path + ".milestone.title") or "?"
            verb = "set" if name == "milestoned" else "removed"
            return f"Milestone {verb}: {title}", "milestone", "other", {}
        if name == "cross-referenced":
            source = doc.obj(item.get("source"), path + ".source", optional=True)
            issue = doc.obj(source.get("issue"), path + ".source.issue", optional=True)
            match = _ISSUE_URL.search(str(issue.get("html_url") or issue.get("url") or ""))
            where = f"{match.group(1)}#{match.group(2)}" if match else "another issue"
            title = doc.text(issue.get("title"), path + ".source.issue.title") or ""
            return f"Referenced from {where}: {title}".rstrip(": "), "cross_reference", "other", {}
        if name == "committed":
            sha = doc.text(item.get("sha"), path + ".sha") or ""
            message = doc.text(item.get("message"), path + ".message") or ""
            return f"Commit {sha[:7]}: {message}", "commit", guess_kind(message), {}
        if name == "referenced":
            sha = doc.text(item.get("commit_id"), path + ".commit_id") or ""
            return f"Referenced in commit {sha[:7]}", "referenced", "other", {}
        if name == "reviewed":
            state = doc.text(item.get("state"), path + ".state") or ""
            body = doc.text(item.get("body"), path + ".body") or ""
            return (f"Review {state.lower().replace('_', ' ')}" + (f": {body}" if body else ""),
                    "review", guess_kind(body), {})
        return (name.replace("_", " ").replace("-", " ").capitalize() or "Event",
                name or "event", "other", {})
