"""Reminder e-mail: compose a digest and send messages over SMTP (stdlib only)."""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from email.message import EmailMessage
from email.utils import formataddr, make_msgid
from typing import Any

from .reminders import Digest, describe


@dataclass(frozen=True)
class SmtpSettings:
    """Where and how to send; the password never appears in repr or output."""

    host: str
    port: int
    user: str
    password: str = field(repr=False)
    tls: bool
    sender: str

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> SmtpSettings:
        """Read the DEBRIEF_SMTP_* and DEBRIEF_MAIL_FROM settings."""
        return cls(host=config["DEBRIEF_SMTP_HOST"], port=int(config["DEBRIEF_SMTP_PORT"]),
                   user=config["DEBRIEF_SMTP_USER"], password=config["DEBRIEF_SMTP_PASSWORD"],
                   tls=bool(config["DEBRIEF_SMTP_TLS"]), sender=config["DEBRIEF_MAIL_FROM"])


def compose(digest: Digest, sender: str, base_url: str, today: date) -> EmailMessage:
    """The digest as a plain-text e-mail."""
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = formataddr((digest.recipient.display_name, digest.recipient.email))
    msg["Subject"] = digest.subject
    msg["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or "debrief")
    intro = ("These follow-up actions are overdue and may need help or a new plan:"
             if digest.kind == "escalation" else
             "These follow-up actions of yours are due soon or overdue:")
    lines = [f"Hello {digest.recipient.display_name},", "", intro, ""]
    root = base_url.rstrip("/")
    for action, line in zip(digest.actions, describe(digest, today), strict=True):
        lines.append(f"- {line}")
        if root:
            lines.append(f"  {root}/actions/{action.id}")
    lines += ["", "You receive at most one such message a day.", "-- Debrief"]
    msg.set_content("\n".join(lines))
    return msg


def send(settings: SmtpSettings, messages: list[EmailMessage]) -> list[tuple[int, str]]:
    """Send messages over one connection; (index, error) for those that failed."""
    failures: list[tuple[int, str]] = []
    sent: set[int] = set()
    if not messages:
        return failures
    try:
        with smtplib.SMTP(settings.host, settings.port, timeout=30) as smtp:
            if settings.tls:
                smtp.starttls(context=ssl.create_default_context())
            if settings.user:
                smtp.login(settings.user, settings.password)
            for i, msg in enumerate(messages):
                try:
                    smtp.send_message(msg)
                    sent.add(i)
                except (smtplib.SMTPRecipientsRefused, smtplib.SMTPDataError,
                        smtplib.SMTPSenderRefused) as exc:
                    failures.append((i, _safe(exc, settings)))
    except (OSError, smtplib.SMTPException) as exc:
        done = sent | {i for i, _ in failures}
        failures += [(i, _safe(exc, settings)) for i in range(len(messages)) if i not in done]
    return failures


def _safe(exc: BaseException, settings: SmtpSettings) -> str:
    text = f"{type(exc).__name__}: {exc}"
    return text.replace(settings.password, "***") if settings.password else text
