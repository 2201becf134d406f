"""Fixtures for exports: a realistic reviewed incident, and PDF inspection with poppler."""

from __future__ import annotations

import shutil
import subprocess
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from app.actions.service import ActionData, create_action
from app.incidents.service import set_moment
from app.models import Provenance, Service
from app.reviews.factors import add_factor
from app.reviews.service import change_status, save_section, section, start_review
from app.reviews.snapshot import build_snapshot
from app.reviews.templates import load_template
from app.timeline.service import add_event, set_flags

REPO = Path(__file__).resolve().parents[2]
T0 = datetime(2025, 3, 4, 10, 0, tzinfo=UTC)

SECTIONS = {
    "summary": "Checkout returned errors for **42 minutes** after a config push.",
    "detection": "A synthetic check paged the on-call engineer.",
    "response_recovery": "The change was rolled back; traffic recovered.",
    "went_well": "- Rollback took two minutes",
    "went_wrong": "- Dashboards lagged by five minutes",
    "lucky": "- It happened during office hours",
    "messaging": "Internal note sent at 11:00; status page updated.",
}


def _poppler(tool: str) -> str:
    path = shutil.which(tool)
    if path is None:
        pytest.fail(f"{tool} is missing: apt-get install poppler-utils")
    return path


def pdf_text(pdf: bytes, tmp_path: Path) -> str:
    """The PDF's text as pdftotext reads it (reading order, pages split by form feeds)."""
    src = tmp_path / "doc.pdf"
    src.write_bytes(pdf)
    return subprocess.run([_poppler("pdftotext"), "-enc", "UTF-8", str(src), "-"],
                          check=True, capture_output=True).stdout.decode()


def pdf_fonts(pdf: bytes, tmp_path: Path) -> str:
    """The `pdffonts` table: which fonts are embedded."""
    src = tmp_path / "fonts.pdf"
    src.write_bytes(pdf)
    return subprocess.run([_poppler("pdffonts"), str(src)], check=True,
                          capture_output=True).stdout.decode()


def page_count(pdf: bytes, tmp_path: Path) -> int:
    """Pages of the PDF, from pdfinfo."""
    src = tmp_path / "info.pdf"
    src.write_bytes(pdf)
    out = subprocess.run([_poppler("pdfinfo"), str(src)], check=True,
                         capture_output=True).stdout.decode()
    return int(next(line.split()[-1] for line in out.splitlines() if line.startswith("Pages:")))


@pytest.fixture()
def reviewed(db, make_user, make_incident):
    """build(**overrides): a SEV2 outage with moments, starred events, a Standard review,
    factors and actions; publish=True publishes it."""

    def build(publish: bool = False, title: str = "Checkout errors after config push",
              summary: str = SECTIONS["summary"], sections: dict[str, str] | None = None,
              **incident_fields):
        owner = make_user("facilitator", display_name="Olu Owner", timezone="Europe/Berlin")
        facilitator = make_user("facilitator", display_name="Fay Facilitator")
        svc = Service(name=f"checkout-{owner.id}", rto_minutes=30, rpo_minutes=5)
        db.add(svc)
        db.flush()
        fields = {"title": title, "summary": summary, "services": [svc.name],
                  "users_affected": 1200, "downtime_minutes": 42, "support_tickets": 17,
                  "impact_description": "Card payments failed for EU customers.",
                  "actor": owner, "started_at": T0}
        fields.update(incident_fields)
        inc = make_incident(**fields)
        set_moment(db, owner, inc, "detected_at", T0 + timedelta(minutes=4), Provenance.IMPORTED)
        set_moment(db, owner, inc, "acknowledged_at", T0 + timedelta(minutes=6),
                   Provenance.IMPORTED)
        set_moment(db, owner, inc, "mitigated_at", T0 + timedelta(minutes=30))
        set_moment(db, owner, inc, "recovered_at", T0 + timedelta(minutes=42),
                   Provenance.SUGGESTED)
        events = []
        for n, (minutes, text, star) in enumerate([
                (0, "Config push to checkout", True), (4, "Synthetic check failed", True),
                (9, "Looking at dashboards", False), (30, "Rollback applied", True)]):
            ev = add_event(db, owner, inc, T0 + timedelta(minutes=minutes), text,
                           author_name=f"Responder {n}")
            if star:
                set_flags(db, owner, ev, starred=True)
            events.append(ev)
        template = load_template(REPO / "review_templates" / "standard.toml")
        review, _ = start_review(db, owner, inc, template, owner_id=owner.id,
                                 facilitator_id=facilitator.id)
        texts = dict(SECTIONS, **(sections or {}))
        texts["summary"] = summary
        for key, text in texts.items():
            sec = section(review, key)
            save_section(db, owner, review, key, text, sec.version)
        factor = add_factor(db, owner, review, "detection", "No alert on config errors",
                            [events[1].id])
        add_factor(db, owner, review, "process", "Config pushes skip the canary stage")
        create_action(db, owner, ActionData(title="Alert on config error rate",
                                            owner_id=owner.id, factor_id=factor.id,
                                            incident_id=inc.id, review_id=review.id,
                                            due_date=date(2025, 4, 1)))
        create_action(db, owner, ActionData(title="Canary for config pushes",
                                            incident_id=inc.id, review_id=review.id,
                                            due_date=date(2025, 4, 15)))
        if publish:
            change_status(db, owner, review, "published",
                          snapshot=build_snapshot(db, review, inc))
        db.commit()
        return {"incident": inc, "review": review, "owner": owner, "service": svc,
                "events": events}

    return build
