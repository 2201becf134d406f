"""Chat hooks (Slack signed requests, Mattermost tokens) and the ChatOps admin page."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Mapping
from datetime import UTC, datetime

from flask import (
    Blueprint,
    Response,
    abort,
    after_this_request,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from sqlalchemy import select

from app.auth.decorators import role_required
from app.db import session, utcnow
from app.models import ChatChannelLink, ChatIntegration, Incident, Role
from app.security import csrf
from app.timefmt import zone
from app.timeline.importers.slack_mrkdwn import to_markdown

from . import service, slack
from .service import ChatContext, Reply

bp = Blueprint("chatops", __name__)


def _problem(status: int, detail: str):
    return jsonify(title="Unauthorized" if status == 401 else "Bad Request", status=status,
                   detail=detail), status


def _answer(reply: Reply):
    db = session()
    if reply.changed:
        db.commit()
    else:
        db.rollback()
    return jsonify(response_type="ephemeral", text=reply.text)


def _context(platform: str, form: Mapping[str, str], at: datetime) -> ChatContext:
    team, channel = form.get("team_id", ""), form.get("channel_id", "")
    if not team or not channel:
        abort(400, "team_id and channel_id are required")
    if len(team) > 64 or len(channel) > 64:
        abort(400, "team_id and channel_id: at most 64 characters")
    # Retries of one request repeat its body, so the body identifies it when no trigger does.
    request_id = form.get("trigger_id") or hashlib.sha256(request.get_data()).hexdigest()
    zone_name = current_app.config["DEBRIEF_DEFAULT_TIMEZONE"]
    return ChatContext(platform=platform, team_id=team, channel_id=channel,
                       channel_name=form.get("channel_name", ""), user_id=form.get("user_id", ""),
                       user_name=form.get("user_name", ""), request_id=request_id,
                       occurred_at=at, zone=zone(zone_name), zone_name=zone_name)


@bp.post("/hooks/slack")
@csrf.exempt
def slack_hook():
    """Slack `/debrief` slash command and message shortcut, verified by the signing secret."""
    secret = current_app.config["DEBRIEF_SLACK_SIGNING_SECRET"]
    if not secret:
        return _problem(401, "DEBRIEF_SLACK_SIGNING_SECRET is not set: refusing requests.")
    sent = request.headers.get("X-Slack-Request-Timestamp")
    problem = slack.verify(secret, sent, request.headers.get("X-Slack-Signature"),
                           request.get_data(cache=True), time.time())
    if problem:
        current_app.logger.warning("Slack request refused: %s", problem)
        return _problem(401, problem)
    if "payload" in request.form:
        return _slack_shortcut(request.form["payload"])
    at = datetime.fromtimestamp(int(sent or 0), tz=UTC)
    ctx = _context("slack", request.form, at)
    reply = service.handle(session(), ctx, request.form.get("text", ""),
                           markdown_of=lambda text: to_markdown(text, {}, {}))
    return _answer(reply)


def _slack_shortcut(raw: str):
    try:
        shortcut = slack.message_shortcut(raw)
    except slack.PayloadError as exc:
        return _problem(400, str(exc))
    zone_name = current_app.config["DEBRIEF_DEFAULT_TIMEZONE"]
    ctx = ChatContext(platform="slack", team_id=shortcut.team_id,
                      channel_id=shortcut.channel_id, channel_name=shortcut.channel_name,
                      user_id=shortcut.user_id, user_name=shortcut.user_name,
                      request_id=shortcut.message_ts, occurred_at=shortcut.message_at,
                      zone=zone(zone_name), zone_name=zone_name)
    # The same source id as a Slack export import, so importing the channel later dedupes.
    reply = service.add_message(
        session(), ctx, shortcut.text, to_markdown(shortcut.text, {}, {}),
        message_id=f"{shortcut.channel_id}:{shortcut.message_ts}", at=shortcut.message_at,
        author_id=shortcut.message_user, author_name=shortcut.message_author,
        raw=shortcut.raw)
    if slack.is_slack_response_url(shortcut.response_url):
        _reply_later(shortcut.response_url, reply.text)
    return _answer(reply)


def _reply_later(response_url: str, text: str) -> None:
    # Slack shows nothing from a shortcut's HTTP answer; the reply goes to its response_url,
    # after the response so Slack's three-second limit is kept.
    app = current_app._get_current_object()  # type: ignore[attr-defined]

    @after_this_request
    def _schedule(response: Response) -> Response:
        def send() -> None:
            problem = slack.send_reply(response_url, text)
            if problem:
                app.logger.warning("Slack shortcut reply not delivered: %s", problem)

        response.call_on_close(send)
        return response


def _mattermost_token() -> str | None:
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("token "):
        return header[6:].strip()
    return request.form.get("token")


@bp.post("/hooks/mattermost")
@csrf.exempt
def mattermost_hook():
    """Mattermost `/debrief` slash command, verified by its integration's token."""
    db = session()
    if service.authenticate(db, "mattermost", _mattermost_token()) is None:
        return _problem(401, "missing or wrong Mattermost slash command token")
    ctx = _context("mattermost", request.form, utcnow())
    reply = service.handle(db, ctx, request.form.get("text", ""))
    # Committed even when the command changed nothing: it keeps the token's last-used time.
    return _answer(Reply(reply.text, changed=True))


@bp.route("/admin/chatops", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def admin():
    """Mattermost slash commands (tokens stored hashed) and the linked channels."""
    db = session()
    if request.method == "POST":
        try:
            service.create_integration(db, current_user, request.form.get("name", ""),
                                       request.form.get("token", ""))
        except ValueError as exc:
            db.rollback()
            flash(str(exc), "error")
        else:
            db.commit()
            flash("Mattermost slash command added.", "success")
        return redirect(url_for("chatops.admin"))
    integrations = db.scalars(select(ChatIntegration).order_by(ChatIntegration.name)).all()
    links = db.execute(select(ChatChannelLink, Incident).join(
        Incident, Incident.id == ChatChannelLink.incident_id)
        .order_by(ChatChannelLink.created_at.desc())).all()
    return render_template("chatops/admin.html", integrations=integrations, links=links,
                           slack_ready=bool(current_app.config["DEBRIEF_SLACK_SIGNING_SECRET"]))


@bp.post("/admin/chatops/integrations/<int:integration_id>/delete")
@role_required(Role.ADMIN)
def delete_integration(integration_id: int):
    """Remove a Mattermost slash command; its token stops working."""
    db = session()
    service.delete_integration(db, current_user, db.get(ChatIntegration, integration_id)
                               or abort(404))
    db.commit()
    flash("Integration removed.", "success")
    return redirect(url_for("chatops.admin"))


@bp.post("/admin/chatops/links/<int:link_id>/delete")
@role_required(Role.ADMIN)
def unlink(link_id: int):
    """Unlink a chat channel from its incident."""
    db = session()
    service.unlink(db, current_user, db.get(ChatChannelLink, link_id) or abort(404))
    db.commit()
    flash("Channel unlinked.", "success")
    return redirect(url_for("chatops.admin"))
