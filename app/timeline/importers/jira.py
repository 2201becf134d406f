"""Import Jira issues from REST API JSON (v2 wiki markup or v3 ADF bodies).

Accepted inputs: one issue (``GET /rest/api/{2,3}/issue/KEY?expand=changelog``), a search
response holding several (``{"issues": [...]}``), or a comments page
(``GET .../issue/KEY/comment``). Each issue is a channel named by its key.

Events: ``created`` (kind detection), one ``comment`` per comment (kind guessed from the
text), and one event per changelog item. Changelog conventions, relied on by the
suggested-moments module:

* a status or resolution change has ``event_type="status_change"`` and
  ``raw = {"item": <changelog item>, "from": <old name>, "to": <new name>,
  "field": "status" | "resolution"}`` (names are ``fromString``/``toString``;
  ``None`` when unset);
* any other field has ``event_type="field_change"``, kind ``other``, the same ``raw``
  keys and text ``Field X: a -> b``.

Without a changelog only ``created`` and comments are produced (plus a resolution
``status_change`` from ``resolutiondate``) and the report warns.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator
from typing import Any, ClassVar

from ..kinds import guess_kind

# The package imports only this module; importing jira_csv registers "jira-csv" too.
from . import jira_csv  # noqa: F401
from .base import Attachment, ImportFormatError, ImportOptions, NormalizedEvent, ParseReport, Source
from .jira_adf import adf_to_markdown, wiki_to_markdown
from .jsondoc import JsonDoc
from .registry import register

_STATUS_KINDS = {
    "resolved": "recovery", "done": "recovery", "closed": "recovery", "fixed": "recovery",
    "complete": "recovery", "completed": "recovery", "recovered": "recovery",
    "mitigated": "mitigation", "monitoring": "mitigation",
    "investigating": "diagnosis", "identified": "diagnosis",
}
_COMMENT_ISSUE = re.compile(r"/issue/([\w-]+)/comment/")


def status_kind(status: str | None) -> str:
    """The timeline kind a move into `status` suggests (a hint, ``other`` when unsure)."""
    return _STATUS_KINDS.get((status or "").strip().lower(), "other")


def digest(*parts: Any) -> str:
    """A short deterministic id for an item the source gave no id."""
    blob = json.dumps(parts, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha1(blob.encode("utf-8", "surrogatepass")).hexdigest()[:16]


def render_body(body: Any) -> tuple[str, str, tuple[Attachment, ...]]:
    """Markdown, original text and attachments of a wiki-markup string or ADF document."""
    if body is None:
        return "", "", ()
    if isinstance(body, str):
        return wiki_to_markdown(body), body, ()
    text, attachments = adf_to_markdown(body)
    return text, json.dumps(body, ensure_ascii=False), attachments


class _Doc(JsonDoc):
    """JsonDoc plus this format's own values."""

    def body(self, value: Any, path: str) -> Any:
        if isinstance(value, dict) and _depth(value) > _MAX_BODY_DEPTH:
            raise self.error("ADF document nested too deeply", path)
        if value is None or isinstance(value, (str, dict)):
            return value
        raise self.error("expected wiki-markup text or an ADF document", path)

    def user(self, value: Any, path: str) -> tuple[str | None, str | None]:
        user = self.obj(value, path, optional=True)
        uid = (self.text(user.get("accountId"), path + ".accountId")
               or self.text(user.get("key"), path + ".key")
               or self.text(user.get("name"), path + ".name"))
        name = self.text(user.get("displayName"), path + ".displayName")
        # Cloud hides names of deleted or private users but keeps their accountId.
        return uid, name or ("Former user" if uid else None)


# Deeper bodies cannot be re-serialised for text_original without hitting recursion limits.
_MAX_BODY_DEPTH = 200


def _depth(value: Any) -> int:
    """How deeply `value` nests lists and objects (iteratively, so never recursing)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        node, level = stack.pop()
        deepest = max(deepest, level)
        children = node.values() if isinstance(node, dict) else node
        stack.extend((c, level + 1) for c in children if isinstance(c, (dict, list)))
    return deepest


def load_json(source: Source) -> Any:
    """The decoded JSON value of `source`, or an ImportFormatError saying where it broke."""
    data = source.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportFormatError(
            "the file is not UTF-8 text", file=source.name, position=exc.start
        ) from None
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


@register
class JiraImporter:
    """Jira REST issue JSON (one issue, search results, or a comments page)."""

    name: ClassVar[str] = "jira"
    label: ClassVar[str] = "Jira issue JSON (REST API v2/v3, single issue or search results)"
    needs_zone: ClassVar[bool] = False
    priority: ClassVar[int] = 40

    def sniff(self, source: Source) -> bool:
        """Tell a Jira issue, search response or comments page from its first bytes."""
        try:
            head = source.head(4096).lstrip(b"\xef\xbb\xbf \t\r\n")
        except Exception:  # noqa: BLE001 - sniffing never raises
            return False
        if not head.startswith(b"{"):
            return False
        return (
            (b'"fields"' in head and b'"key"' in head)
            or (b'"issues"' in head and (b'"startAt"' in head or b'"fields"' in head))
            or (b'"comments"' in head and b"/rest/api/" in head)
        )

    def parse(
        self, source: Source, options: ImportOptions, report: ParseReport
    ) -> Iterator[NormalizedEvent]:
        """Yield created, comment, status and field-change events of every issue."""
        doc = _Doc(source.name)
        top = load_json(source)
        seen: set[str] = set()
        if isinstance(top, dict) and "issues" in top:
            issues = [(item, f"issues[{i}]") for i, item in enumerate(
                doc.items(top.get("issues"), "issues"))]
        elif isinstance(top, dict) and "fields" in top:
            issues = [(top, "")]
        elif isinstance(top, dict) and "comments" in top:
            yield from self._comments_page(doc, top, options, report, seen)
            return
        else:
            raise ImportFormatError(
                "not a Jira issue: expected an object with 'fields' or 'issues'",
                file=source.name, line=1,
            )
        for issue, path in issues:
            for event in _issue_events(doc, doc.obj(issue, path), path, options, report):
                if event.source_id in seen:
                    report.skip("duplicate item")
                    continue
                seen.add(event.source_id)
                report.channels_seen[event.channel or ""] += 1
                yield event

    def _comments_page(
        self, doc: _Doc, top: dict[str, Any], options: ImportOptions, report: ParseReport,
        seen: set[str],
    ) -> Iterator[NormalizedEvent]:
        for i, item in enumerate(doc.items(top.get("comments"), "comments")):
            path = f"comments[{i}]"
            comment = doc.obj(item, path)
            match = _COMMENT_ISSUE.search(doc.text(comment.get("self"), path + ".self") or "")
            channel = match.group(1) if match else None
            if options.channels is not None and channel not in options.channels:
                report.skip("issue not in the chosen channels")
                continue
            event = _comment(doc, comment, path, channel, channel or "comments")
            if event.source_id not in seen:
                seen.add(event.source_id)
                report.channels_seen[channel or ""] += 1
                yield event


def _issue_events(
    doc: _Doc, issue: dict[str, Any], path: str, options: ImportOptions, report: ParseReport
) -> Iterator[NormalizedEvent]:
    prefix = path + "." if path else ""
    key = doc.text(issue.get("key"), prefix + "key")
    issue_id = doc.text(issue.get("id"), prefix + "id") or key
    if not key or not issue_id:
        raise doc.error("issue without a key", prefix + "key")
    if options.channels is not None and key not in options.channels:
        report.skip("issue not in the chosen channels")
        return
    fields = doc.obj(issue.get("fields"), prefix + "fields")
    fp = prefix + "fields."
    summary = doc.text(fields.get("summary"), fp + "summary") or ""
    desc, desc_original, attachments = render_body(
        doc.body(fields.get("description"), fp + "description"))
    author_id, author_name = doc.user(
        fields.get("reporter") or fields.get("creator"), fp + "reporter")
    yield NormalizedEvent(
        source="jira", source_id=f"{issue_id}:created",
        occurred_at=doc.time(fields.get("created"), fp + "created"),
        text=f"{key} created: {summary}" + (f"\n\n{desc}" if desc else ""),
        text_original=summary + (f"\n\n{desc_original}" if desc_original else ""),
        author_id=author_id, author_name=author_name, attachments=attachments,
        kind="detection", event_type="created", channel=key,
        raw={"key": key, "id": issue_id, "summary": summary,
             "created": fields.get("created"), "description": fields.get("description")},
    )
    comment_block = doc.obj(fields.get("comment"), fp + "comment", optional=True)
    for i, item in enumerate(doc.items(comment_block.get("comments"), fp + "comment.comments")):
        cpath = f"{fp}comment.comments[{i}]"
        yield _comment(doc, doc.obj(item, cpath), cpath, key, issue_id)
    if "changelog" not in issue:
        report.warn(f"{key}: no changelog in the export (export with expand=changelog to "
                    "get status changes)")
        yield from _resolution_without_changelog(doc, fields, fp, key, issue_id)
        return
    changelog = doc.obj(issue.get("changelog"), prefix + "changelog")
    histories = doc.items(changelog.get("histories"), prefix + "changelog.histories")
    total = changelog.get("total")
    if isinstance(total, int) and not isinstance(total, bool) and total > len(histories):
        report.warn(f"{key}: the changelog holds {len(histories)} of {total} entries; "
                    "fetch the rest from /changelog")
    for h, entry in enumerate(histories):
        hpath = f"{prefix}changelog.histories[{h}]"
        yield from _history(doc, doc.obj(entry, hpath), hpath, key, issue_id)


def _comment(
    doc: _Doc, comment: dict[str, Any], path: str, channel: str | None, issue_id: str
) -> NormalizedEvent:
    created = doc.time(comment.get("created"), path + ".created")
    updated_raw = comment.get("updated")
    updated = doc.time(updated_raw, path + ".updated") if updated_raw is not None else None
    body = doc.body(comment.get("body"), path + ".body")
    text, original, attachments = render_body(body)
    comment_id = doc.text(comment.get("id"), path + ".id") or digest(
        comment.get("created"), original)
    author_id, author_name = doc.user(comment.get("author"), path + ".author")
    return NormalizedEvent(
        source="jira", source_id=f"{issue_id}:comment:{comment_id}", occurred_at=created,
        text=text, text_original=original, author_id=author_id, author_name=author_name,
        edited=updated is not None and abs((updated - created).total_seconds()) > 1,
        attachments=attachments, kind=guess_kind(text), event_type="comment",
        channel=channel, raw=comment,
    )


def _history(
    doc: _Doc, entry: dict[str, Any], path: str, key: str, issue_id: str
) -> Iterator[NormalizedEvent]:
    when = doc.time(entry.get("created"), path + ".created")
    history_id = doc.text(entry.get("id"), path + ".id") or digest(entry.get("created"))
    author_id, author_name = doc.user(entry.get("author"), path + ".author")
    for i, raw_item in enumerate(doc.items(entry.get("items"), path + ".items")):
        ipath = f"{path}.items[{i}]"
        item = doc.obj(raw_item, ipath)
        field = (doc.text(item.get("field"), ipath + ".field")
                 or doc.text(item.get("fieldId"), ipath + ".fieldId") or "?")
        old = doc.text(item.get("fromString"), ipath + ".fromString")
        new = doc.text(item.get("toString"), ipath + ".toString")
        if old is None:
            old = doc.text(item.get("from"), ipath + ".from")
        if new is None:
            new = doc.text(item.get("to"), ipath + ".to")
        lowered = field.lower()
        if lowered == "status":
            text, kind, event_type = f"Status: {old} -> {new}", status_kind(new), "status_change"
        elif lowered == "resolution":
            text = f"Resolution: {new}" if new else f"Resolution cleared (was {old})"
            kind, event_type = ("recovery" if new else "other"), "status_change"
        else:
            text = f"Field {field}: {old or '(none)'} -> {new or '(none)'}"
            kind, event_type = "other", "field_change"
        yield NormalizedEvent(
            source="jira", source_id=f"{issue_id}:history:{history_id}:{i}", occurred_at=when,
            text=text, text_original=text, author_id=author_id, author_name=author_name,
            kind=kind, event_type=event_type, channel=key,
            raw={"item": item, "from": old, "to": new, "field": lowered
                 if lowered in ("status", "resolution") else field},
        )


def _resolution_without_changelog(
    doc: _Doc, fields: dict[str, Any], fp: str, key: str, issue_id: str
) -> Iterator[NormalizedEvent]:
    if fields.get("resolutiondate") is None:
        return
    when = doc.time(fields.get("resolutiondate"), fp + "resolutiondate")
    resolution = doc.obj(fields.get("resolution"), fp + "resolution", optional=True)
    name = doc.text(resolution.get("name"), fp + "resolution.name") or "Resolved"
    yield NormalizedEvent(
        source="jira", source_id=f"{issue_id}:resolved", occurred_at=when,
        text=f"Resolution: {name}", text_original=name, kind="recovery",
        event_type="status_change", channel=key,
        raw={"item": {"resolution": fields.get("resolution"),
                      "resolutiondate": fields.get("resolutiondate")},
             "from": None, "to": name, "field": "resolution"},
    )
