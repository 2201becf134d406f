"""A calendar (iCalendar) of action due dates, one all-day event per action."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from icalendar import Calendar, Event

from app.models import Action


def calendar(actions: Iterable[Action], base_url: str, now: datetime,
             domain: str = "debrief") -> bytes:
    """The .ics bytes: a VEVENT per action with a due date, with a UID stable across runs."""
    cal = Calendar()
    cal.add("prodid", "-//Debrief//follow-up actions//EN")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", "Debrief: my actions")
    root = base_url.rstrip("/")
    for action in actions:
        if action.due_date is None:
            continue
        event = Event()
        event.add("uid", f"action-{action.id}@{domain}")
        event.add("dtstamp", now)
        event.add("dtstart", action.due_date)
        event.add("dtend", action.due_date + timedelta(days=1))
        event.add("summary", f"Due: {action.title}")
        event.add("description", f"{action.status.value} · {action.priority.value} priority"
                                 + (f"\n\n{action.description}" if action.description else ""))
        if root:
            event.add("url", f"{root}/actions/{action.id}")
        cal.add_component(event)
    return cal.to_ical()
