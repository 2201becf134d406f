"""Tracker webhooks: GitHub and Jira issue status changes update the linked actions."""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

from flask import Blueprint, abort, current_app, jsonify, request
from sqlalchemy import select

from app.db import session
from app.models import Action, ActionStatus
from app.security import csrf

from . import service, trackers

bp = Blueprint("action_hooks", __name__)

GITHUB_EVENTS = {"closed": ActionStatus.DONE.value, "reopened": ActionStatus.OPEN.value}
JIRA_CATEGORIES = {"done": "done", "indeterminate": "in_progress", "new": "open"}


def _json() -> dict[str, Any]:
    try:
        payload = json.loads(request.get_data() or b"")
    except (ValueError, UnicodeDecodeError):
        abort(400, "The body is not JSON.")
    if not isinstance(payload, dict):
        abort(400, "The body must be a JSON object.")
    return payload


def _apply(key: str, status: str, source: str, detail: str) -> Any:
    db = session()
    actions = list(db.scalars(select(Action).where(Action.tracker_key == key)))
    if not actions:
        return jsonify(status="ignored", detail=f"no action is linked to {detail}"), 202
    changed = []
    for action in actions:
        if service.set_status(db, None, action, status, source=f"{source} {detail}"):
            changed.append(action.id)
    db.commit()
    return jsonify(status="ok", updated=changed), 200


@bp.post("/hooks/github")
@csrf.exempt
def github():
    """GitHub `issues` events (closed, reopened), signed with X-Hub-Signature-256."""
    secret = current_app.config["DEBRIEF_GITHUB_WEBHOOK_SECRET"]
    if not secret:
        abort(401, "DEBRIEF_GITHUB_WEBHOOK_SECRET is not set: refusing unsigned deliveries.")
    expected = "sha256=" + hmac.new(secret.encode(), request.get_data(),
                                    hashlib.sha256).hexdigest()
    given = request.headers.get("X-Hub-Signature-256", "")
    if not hmac.compare_digest(expected.encode(), given.encode()):
        abort(401, "X-Hub-Signature-256 is missing or does not match the body.")
    event = request.headers.get("X-GitHub-Event", "")
    if event == "ping":
        return jsonify(status="pong"), 200
    payload = _json()
    status = GITHUB_EVENTS.get(str(payload.get("action")))
    if event != "issues" or status is None:
        return jsonify(status="ignored", detail=f"event {event!r} is not used"), 202
    issue, repo = payload.get("issue"), payload.get("repository")
    if not isinstance(issue, dict) or not isinstance(repo, dict):
        abort(400, "issue and repository objects are required.")
    ref = trackers.recognise(str(issue.get("html_url") or ""))
    if ref is None:
        try:
            ref = trackers.TrackerRef("github", "", trackers.github_key(
                str(repo["full_name"]), issue["number"]))
        except (KeyError, TypeError, ValueError):
            abort(400, "issue.number and repository.full_name are required.")
    return _apply(ref.key, status, "github", ref.key.removeprefix("github:"))


def _jira_secret_ok(secret: str) -> bool:
    given = request.args.get("secret") or request.headers.get("X-Debrief-Secret") or ""
    return hmac.compare_digest(secret.encode(), given.encode())


@bp.post("/hooks/jira")
@csrf.exempt
def jira():
    """Jira `jira:issue_updated` events with a status change, given the shared secret."""
    secret = current_app.config["DEBRIEF_JIRA_WEBHOOK_SECRET"]
    if not secret:
        abort(401, "DEBRIEF_JIRA_WEBHOOK_SECRET is not set: refusing deliveries.")
    if not _jira_secret_ok(secret):
        abort(401, "The secret (?secret= or X-Debrief-Secret) is missing or wrong.")
    payload = _json()
    items = (payload.get("changelog") or {}).get("items") if isinstance(
        payload.get("changelog"), dict) else None
    changed = isinstance(items, list) and any(
        isinstance(i, dict) and i.get("field") == "status" for i in items)
    if payload.get("webhookEvent") != "jira:issue_updated" or not changed:
        return jsonify(status="ignored", detail="not an issue status change"), 202
    try:
        key = str(payload["issue"]["key"])
        category = str(payload["issue"]["fields"]["status"]["statusCategory"]["key"])
    except (KeyError, TypeError):
        abort(400, "issue.key and issue.fields.status.statusCategory.key are required.")
    mapping = _jira_mapping()
    status = mapping.get(category)
    if status is None:
        return jsonify(status="ignored", detail=f"status category {category!r} not mapped"), 202
    return _apply(trackers.jira_key(key), status, "jira", key.upper())


def _jira_mapping() -> dict[str, str]:
    raw = current_app.config["DEBRIEF_JIRA_STATUS_CATEGORIES"]
    if not raw:
        return JIRA_CATEGORIES
    try:
        mapping = json.loads(raw) if isinstance(raw, str) else dict(raw)
    except ValueError:
        abort(503, "DEBRIEF_JIRA_STATUS_CATEGORIES is not valid JSON.")
    if not isinstance(mapping, dict):
        abort(503, "DEBRIEF_JIRA_STATUS_CATEGORIES must be a JSON object.")
    # wont_do needs a reason a tracker cannot give, so it is never set from outside.
    valid = {s.value for s in ActionStatus} - {ActionStatus.WONT_DO.value}
    return {str(k): str(v) for k, v in mapping.items() if str(v) in valid}
