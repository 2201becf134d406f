"""ChatOps rules: link channels to incidents, add chat events and moments, answer commands.

Restricted incidents and chat: a chat user is not a Debrief user, so a channel can never
be linked to a restricted incident from chat, and the refusal reads exactly like the one
for a missing incident. If a linked incident becomes restricted later, commands stop
writing to it and replies name only its reference, never its title.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app import audit
from app.db import utcnow
from app.incidents.service import set_moment
from app.models import (
    ChatChannelLink,
    ChatIntegration,
    EventKind,
    Incident,
    IncidentStatus,
    Provenance,
    TimelineEvent,
)
from app.timeline.kinds import guess_kind

from . import commands

PLATFORMS = ("slack", "mattermost")
_NOT_LINKABLE = ("No incident INC-{id} can be linked from chat. Check the number "
                 "(restricted incidents are never linked to chat channels).")


@dataclass(frozen=True)
class ChatContext:
    """Who typed the command, where, and when (as the chat platform says)."""

    platform: str
    team_id: str
    channel_id: str
    channel_name: str
    user_id: str
    user_name: str
    request_id: str  # stable across the platform's retries of one request
    occurred_at: datetime
    zone: tzinfo
    zone_name: str = "UTC"


@dataclass(frozen=True)
class Reply:
    """The ephemeral answer shown to the person who typed the command."""

    text: str
    changed: bool = False


def _via(ctx: ChatContext) -> str:
    return f"{ctx.platform}:{ctx.user_name or ctx.user_id}"


def _label(incident: Incident) -> str:
    # A restricted incident's title never goes to a chat channel.
    return incident.ref if incident.restricted else f"{incident.ref} ({incident.title})"


def linked_incident(db: Session, ctx: ChatContext) -> Incident | None:
    """The incident this channel is linked to, if any."""
    link = _link(db, ctx)
    return db.get(Incident, link.incident_id) if link else None


def _link(db: Session, ctx: ChatContext) -> ChatChannelLink | None:
    return db.scalar(select(ChatChannelLink).where(
        ChatChannelLink.platform == ctx.platform, ChatChannelLink.team_id == ctx.team_id,
        ChatChannelLink.channel_id == ctx.channel_id))


def _writable(db: Session, ctx: ChatContext) -> Incident | Reply:
    incident = linked_incident(db, ctx)
    if incident is None:
        return Reply("This channel is not linked to an incident yet. "
                     "Link it first: `/debrief link INC-123`.")
    if incident.restricted:
        return Reply(f"{incident.ref} is restricted: chat commands cannot write to it. "
                     "Add to it in Debrief.")
    if incident.status is IncidentStatus.CLOSED:
        return Reply(f"{_label(incident)} is closed: reopen it in Debrief to add to it.")
    return incident


def link_channel(db: Session, ctx: ChatContext, incident_id: int) -> Reply:
    """Link the channel to an open, unrestricted incident (replacing an earlier link)."""
    incident = db.get(Incident, incident_id)
    if incident is None or incident.restricted:
        return Reply(_NOT_LINKABLE.format(id=incident_id))
    if incident.status is IncidentStatus.CLOSED:
        return Reply(f"{_label(incident)} is closed: reopen it in Debrief before linking.")
    link = _link(db, ctx)
    previous = link.incident_id if link else None
    if previous == incident.id:
        return Reply(f"This channel is already linked to {_label(incident)}.")
    if link is None:
        link = ChatChannelLink(platform=ctx.platform, team_id=ctx.team_id,
                               channel_id=ctx.channel_id)
    link.incident_id = incident.id
    link.channel_name = ctx.channel_name[:200]
    link.linked_by = (ctx.user_name or ctx.user_id)[:200]
    link.created_at = utcnow()
    try:
        with db.begin_nested():  # two people linking the channel at once: one wins
            db.add(link)
            db.flush()
    except IntegrityError:
        return Reply("Someone linked this channel at the same moment; "
                     "check with `/debrief status`.")
    audit.record(db, None, "chat_channel_link", link.id, "link",
                 {"channel": f"{ctx.platform}:{ctx.team_id}:{ctx.channel_id}",
                  "incident": [previous, incident.id], "via": _via(ctx)}, incident.id)
    was = f" (it was linked to INC-{previous})" if previous else ""
    return Reply(f"Linked this channel to {_label(incident)}{was}. "
                 "`/debrief add <text>` now adds to its timeline.", changed=True)


def add_chat_event(db: Session, ctx: ChatContext, incident: Incident, text: str, *,
                   source_id: str, occurred_at: datetime, author_id: str, author_name: str,
                   text_markdown: str | None = None, raw: Any = None) -> TimelineEvent | None:
    """Add one chat event once; None when this source id is already on the timeline."""
    exists = select(TimelineEvent.id).where(
        TimelineEvent.incident_id == incident.id, TimelineEvent.source == ctx.platform,
        TimelineEvent.source_id == source_id)
    if db.scalar(exists) is not None:
        return None
    body = (text_markdown if text_markdown is not None else text).strip()
    event = TimelineEvent(
        incident_id=incident.id, occurred_at=occurred_at, author_name=author_name[:200],
        author_id=author_id[:200] or None, text=body, text_original=text,
        kind=EventKind(guess_kind(body)), source=ctx.platform, source_id=source_id[:255],
        event_type="message", channel=ctx.channel_name[:200] or None, raw=raw)
    try:
        with db.begin_nested():  # a concurrent retry loses the race on the unique key
            db.add(event)
            db.flush()
    except IntegrityError:
        return None
    audit.record(db, None, "timeline_event", event.id, "create",
                 {"text": body[:200], "via": _via(ctx)}, incident.id)
    return event


def add_text(db: Session, ctx: ChatContext, text: str, markdown: str | None = None) -> Reply:
    """`/debrief add`: the text as a timeline event of the linked incident."""
    target = _writable(db, ctx)
    if isinstance(target, Reply):
        return target
    event = add_chat_event(db, ctx, target, text, source_id=f"cmd:{ctx.request_id}",
                           occurred_at=ctx.occurred_at, author_id=ctx.user_id,
                           author_name=ctx.user_name or ctx.user_id, text_markdown=markdown)
    if event is None:
        return Reply(f"Already added to {_label(target)} (this request was received before).")
    return Reply(f"Added to the timeline of {_label(target)}.", changed=True)


def add_message(db: Session, ctx: ChatContext, text: str, markdown: str, *, message_id: str,
                at: datetime, author_id: str, author_name: str, raw: Any = None) -> Reply:
    """The message shortcut: a chosen chat message as a timeline event (stored once)."""
    target = _writable(db, ctx)
    if isinstance(target, Reply):
        return target
    if not text.strip():
        return Reply("That message has no text to add.")
    event = add_chat_event(db, ctx, target, text, source_id=message_id, occurred_at=at,
                           author_id=author_id, author_name=author_name,
                           text_markdown=markdown, raw=raw)
    if event is None:
        return Reply(f"That message is already on the timeline of {_label(target)}.")
    return Reply(f"Message added to the timeline of {_label(target)}.", changed=True)


def mark_moment(db: Session, ctx: ChatContext, moment: str, at: datetime) -> Reply:
    """`/debrief moment`: set a lifecycle moment (provenance imported, manual values kept)."""
    target = _writable(db, ctx)
    if isinstance(target, Reply):
        return target
    word = moment.removesuffix("_at")
    current, _ = target.moment(moment)
    if not set_moment(db, None, target, moment, at, Provenance.IMPORTED,
                      overwrite_manual=False):
        return Reply(f"{word} of {_label(target)} was set by a person in Debrief "
                     f"({_utc(current)}); it is left as it is.")
    audit.record(db, None, "incident", target.id, "chat_moment",
                 {moment: _utc(at), "via": _via(ctx)}, target.id)
    return Reply(f"{_label(target)}: {word} set to {_utc(at)} ({ctx.zone_name}: "
                 f"{at.astimezone(ctx.zone):%Y-%m-%d %H:%M}).", changed=True)


def _utc(value: datetime | None) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC") if value else "unset"


def status(db: Session, ctx: ChatContext) -> Reply:
    """Which incident the channel is linked to."""
    incident = linked_incident(db, ctx)
    if incident is None:
        return Reply("This channel is not linked to an incident. `/debrief link INC-123`.")
    return Reply(f"This channel is linked to {_label(incident)}.")


def handle(db: Session, ctx: ChatContext, text: str, markdown_of: Any = None) -> Reply:
    """Run one `/debrief` command; the reply says what was done or what went wrong."""
    try:
        cmd = commands.parse(text, ctx.occurred_at, ctx.zone)
    except commands.CommandError as exc:
        return Reply(f"{exc}")
    if cmd.verb == "help":
        return Reply(commands.HELP.format(zone=ctx.zone_name))
    if cmd.verb == "status":
        return status(db, ctx)
    if cmd.verb == "link":
        return link_channel(db, ctx, cmd.incident_id or 0)
    if cmd.verb == "moment":
        return mark_moment(db, ctx, cmd.moment or "", cmd.at or ctx.occurred_at)
    markdown = markdown_of(cmd.text) if markdown_of else None
    return add_text(db, ctx, cmd.text, markdown)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_integration(db: Session, actor: Any, name: str, token: str,
                       platform: str = "mattermost") -> ChatIntegration:
    """Register a Mattermost slash command by the token Mattermost generated (stored hashed)."""
    if platform != "mattermost":
        raise ValueError("platform: only mattermost uses per-integration tokens")
    if not name.strip():
        raise ValueError("name: cannot be empty")
    token = token.strip()
    if len(token) < 16:
        raise ValueError("token: paste the whole token Mattermost shows (16+ characters)")
    if db.scalar(select(ChatIntegration).where(ChatIntegration.name == name.strip())):
        raise ValueError(f"name: an integration called {name.strip()!r} exists")
    if db.scalar(select(ChatIntegration).where(ChatIntegration.token_hash == _hash(token))):
        raise ValueError("token: another integration already uses this token")
    integration = ChatIntegration(name=name.strip()[:120], platform=platform,
                                  token_hash=_hash(token))
    db.add(integration)
    db.flush()
    audit.record(db, actor, "chat_integration", integration.id, "create",
                 {"name": integration.name, "platform": platform})
    return integration


def delete_integration(db: Session, actor: Any, integration: ChatIntegration) -> None:
    """Remove an integration: its token stops working at once."""
    audit.record(db, actor, "chat_integration", integration.id, "delete",
                 {"name": integration.name})
    db.delete(integration)
    db.flush()


def unlink(db: Session, actor: Any, link: ChatChannelLink) -> None:
    """Remove a channel link (an admin's decision in Debrief)."""
    audit.record(db, actor, "chat_channel_link", link.id, "unlink",
                 {"channel": f"{link.platform}:{link.team_id}:{link.channel_id}"},
                 link.incident_id)
    db.delete(link)
    db.flush()


def authenticate(db: Session, platform: str, token: str | None) -> ChatIntegration | None:
    """The integration of `platform` whose token matches, else None."""
    if not token:
        return None
    digest = _hash(token)
    integration = db.scalar(select(ChatIntegration).where(
        ChatIntegration.token_hash == digest, ChatIntegration.platform == platform))
    if integration is None or not hmac.compare_digest(integration.token_hash, digest):
        return None
    integration.last_used_at = utcnow()
    return integration
