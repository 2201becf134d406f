"""Load the demo data set: people, services, a year of incidents with reviews and actions."""

from __future__ import annotations

import os
import random
import secrets
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.auth import service as users
from app.models import (
    Action,
    ActionPriority,
    ActionStatus,
    ActionType,
    ContributingFactor,
    EventKind,
    FactorCategory,
    Incident,
    IncidentStatus,
    IncidentType,
    Provenance,
    Review,
    ReviewSection,
    ReviewStatus,
    Service,
    Tag,
    Team,
    TimelineEvent,
    User,
)

from . import REPO_ROOT
from .demo_scenarios import CHATTER, PEOPLE, QUALIFIERS, SCENARIOS, SERVICES
from .reviews.catalog import as_snapshot
from .reviews.snapshot import build_snapshot
from .reviews.templates import load_directory

DEMO_TAG = "demo"
SLA_DAYS = {1: 15, 2: 30, 3: 60, 4: 90}


@dataclass
class DemoResult:
    created: bool
    message: str


def load_demo(db: Session, credentials_path: str, now: datetime | None = None,
              count: int = 48, seed: int = 7) -> DemoResult:
    """Create the demo set once; later runs only print the login again."""
    now = now or datetime.now(UTC)
    cred = Path(credentials_path)
    tag = db.scalar(select(Tag).where(Tag.name == DEMO_TAG))
    if tag is not None and db.scalar(select(func.count(Incident.id))):
        password = cred.read_text().split()[-1] if cred.exists() else None
        if password is None:
            password = _reset_password(db, cred)
        return DemoResult(False, _login_text(password, "Demo data already loaded."))
    password = secrets.token_urlsafe(12)
    people = _people(db, password)
    services = _services(db, people)
    tag = Tag(name=DEMO_TAG)
    db.add(tag)
    rng = random.Random(seed)
    templates = load_directory(REPO_ROOT / "review_templates")
    for n in range(count):
        _incident(db, rng, n, count, now, people, services, tag, templates)
    db.flush()
    _write_credentials(cred, password)
    return DemoResult(True, _login_text(password, f"Loaded {count} demo incidents."))


def _login_text(password: str, head: str) -> str:
    return (f"{head}\nDemo login: facilitator@example.com / {password}\n"
            "(also admin@, editor@ and viewer@example.com with the same password)")


def _write_credentials(path: Path, password: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(f"facilitator@example.com {password}\n")


def _reset_password(db: Session, cred: Path) -> str:
    password = secrets.token_urlsafe(12)
    for email, *_ in PEOPLE:
        user = users.get_by_email(db, email)
        if user is not None:
            users.set_password(user, password)
    _write_credentials(cred, password)
    return password


def _people(db: Session, password: str) -> list[User]:
    result = []
    for email, name, role, zone in PEOPLE:
        user = users.get_by_email(db, email) or users.create_user(
            db, email, password, role=role, display_name=name, timezone=zone)
        result.append(user)
    return result


def _services(db: Session, people: list[User]) -> list[Service]:
    teams: dict[str, Team] = {}
    result = []
    for i, (name, team_name, rto, rpo) in enumerate(SERVICES):
        team = teams.get(team_name)
        if team is None:
            team = db.scalar(select(Team).where(Team.name == team_name)) or Team(
                name=team_name, manager=people[1 + i % (len(people) - 1)])
            team.members = [people[2 + (i + k) % (len(people) - 2)] for k in range(3)]
            db.add(team)
            teams[team_name] = team
        svc = db.scalar(select(Service).where(Service.name == name)) or Service(
            name=name, team=team, rto_minutes=rto, rpo_minutes=rpo,
            description=f"The {name} service, owned by {team_name}.")
        db.add(svc)
        result.append(svc)
    db.flush()
    return result


def _incident(db: Session, rng: random.Random, n: int, count: int, now: datetime,
              people: list[User], services: list[Service], tag: Tag, templates: dict) -> None:
    title, itype, svc_names, symptom, cause, fix, factors, actions = SCENARIOS[n % len(SCENARIOS)]
    itype = IncidentType(itype)
    severity = [1, 2, 2, 3, 3, 4][rng.randrange(6)] if itype != IncidentType.NEAR_MISS else 4
    # Spread over the last 12 months, most recent last; the newest few are still open.
    started = now - timedelta(days=365 * (count - n) / count, hours=rng.randrange(24),
                              minutes=rng.randrange(60))
    engineers = people[2:]
    commander, lead = rng.sample(engineers, 2)
    inc = Incident(
        title=title if n < len(SCENARIOS) else f"{title} {QUALIFIERS[n % len(QUALIFIERS)]}",
        type=itype,
        severity=severity, summary=f"{symptom.capitalize()}. Cause: {cause}; fixed when we {fix}.",
        impact_description=f"Customers saw {symptom}.",
        users_affected=rng.choice([None, 120, 800, 4500, 21000]),
        downtime_minutes=rng.choice([None, 12, 35, 90, 240]) if itype is IncidentType.OUTAGE
        else None,
        restricted=itype is IncidentType.SECURITY, commander=commander, resolution_lead=lead,
        status=IncidentStatus.INVESTIGATING if n >= count - 2 else IncidentStatus.CLOSED,
        services=[s for s in services if s.name in svc_names], tags=[tag],
    )
    if inc.restricted:
        inc.members = [commander, lead, people[1]]
    inc.responders = rng.sample(engineers, 3)
    db.add(inc)
    db.flush()
    moments = _moments(rng, started)
    if n % 11 == 5:
        moments.pop("detected_at")  # some incidents really lack a moment; metrics must say so
    for name, value in moments.items():
        setattr(inc, name, value)
        setattr(inc, f"{name}_source", rng.choice([Provenance.IMPORTED, Provenance.MANUAL]))
    _timeline(db, rng, inc, moments, started, symptom, cause, fix, engineers)
    if n >= count - 2:
        return  # still being worked on: no review yet
    review = _review(db, rng, inc, n, people, symptom, cause, fix, templates)
    due_base = (moments.get("recovered_at") or started).date()
    for i, (category, text) in enumerate(factors):
        factor = ContributingFactor(incident_id=inc.id, review_id=review.id,
                                    category=FactorCategory(category), description=text)
        db.add(factor)
        db.flush()
        if i < len(actions):
            a_title, a_type = actions[i]
            _action(db, rng, inc, review, factor, a_title, a_type, due_base, engineers)
    db.flush()
    _publish(db, review, inc)


def _moments(rng: random.Random, started: datetime) -> dict[str, datetime]:
    detect = started + timedelta(minutes=rng.choice([2, 4, 7, 15, 40]))
    ack = detect + timedelta(minutes=rng.choice([1, 3, 5, 12]))
    ident = ack + timedelta(minutes=rng.choice([10, 25, 45, 120]))
    mitig = ident + timedelta(minutes=rng.choice([5, 15, 30, 90]))
    recov = mitig + timedelta(minutes=rng.choice([5, 20, 60, 600, 2000]))
    return {"started_at": started, "detected_at": detect, "acknowledged_at": ack,
            "identified_at": ident, "mitigated_at": mitig, "recovered_at": recov}


def _timeline(db: Session, rng: random.Random, inc: Incident, moments: dict[str, datetime],
              started: datetime, symptom: str, cause: str, fix: str,
              engineers: list[User]) -> None:
    first = moments.get("detected_at", started + timedelta(minutes=5))
    key = [
        (first, "pagerduty", "PagerDuty", f"Triggered: {symptom}", EventKind.DETECTION),
        (moments["acknowledged_at"], "pagerduty", engineers[0].display_name,
         "Acknowledged", EventKind.ACKNOWLEDGEMENT),
        (moments["identified_at"], "slack", engineers[1].display_name,
         f"Found it: {cause}.", EventKind.DIAGNOSIS),
        (moments["mitigated_at"], "slack", engineers[2].display_name,
         f"We {fix}.", EventKind.MITIGATION),
        (moments["recovered_at"], "slack", engineers[0].display_name,
         "All clear: metrics back to normal.", EventKind.RECOVERY),
    ]
    span = (moments["recovered_at"] - first).total_seconds()
    filler = rng.randrange(6, 75)
    for _ in range(filler):
        at = first + timedelta(seconds=rng.uniform(0, span))
        author = rng.choice(engineers)
        key.append((at, "slack", author.display_name, rng.choice(CHATTER), EventKind.OTHER))
    for i, (at, source, author, text, kind) in enumerate(sorted(key, key=lambda e: e[0])):
        db.add(TimelineEvent(
            incident_id=inc.id, occurred_at=at, author_name=author, text=text,
            text_original=text, kind=kind, source=source, source_id=f"demo-{inc.id}-{i}",
            channel="inc-" + str(inc.id) if source == "slack" else None,
            starred=kind is not EventKind.OTHER, event_type="message"))


def _review(db: Session, rng: random.Random, inc: Incident, n: int, people: list[User],
            symptom: str, cause: str, fix: str, templates: dict) -> Review:
    status = [ReviewStatus.PUBLISHED, ReviewStatus.PUBLISHED, ReviewStatus.IN_REVIEW,
              ReviewStatus.DRAFT][n % 4]
    template = templates["standard" if inc.severity <= 2 else "quick"]
    snapshot = as_snapshot(template)
    review = Review(incident_id=inc.id, template_key=template.key,
                    template_hash=template.content_hash, template_snapshot=snapshot,
                    status=status, owner=inc.resolution_lead,
                    facilitator=people[1] if n % 2 else people[7],
                    attendees=[inc.resolution_lead, inc.commander])
    texts = {
        "summary": inc.summary,
        "impact": f"Customers saw {symptom}. Support handled the questions that came in.",
        "detection": "An alert paged the on-call engineer; customers noticed first twice.",
        "response_recovery": f"The team {fix}.",
        "went_well": "- The on-call engineer had the right dashboards\n- Comms were quick",
        "went_wrong": f"- It took a while to see that {cause}",
        "lucky": "- The incident started outside peak hours",
        "lessons": f"- {cause.capitalize()} can happen again without a guard",
        "messaging": "We are sorry for the disruption; here is what happened and what we "
                     "are changing.",
    }
    review.sections = [ReviewSection(key=sec["key"], position=i,
                                     content=texts.get(sec["key"], ""))
                       for i, sec in enumerate(snapshot["sections"])]
    db.add(review)
    db.flush()
    return review


def _publish(db: Session, review: Review, inc: Incident) -> None:
    if review.status is ReviewStatus.PUBLISHED:
        review.published_snapshot = build_snapshot(db, review, inc)
        review.published_version = 1
        review.published_at = (inc.recovered_at or inc.started_at) + timedelta(days=3)


def _action(db: Session, rng: random.Random, inc: Incident, review: Review,
            factor: ContributingFactor, title: str, atype: str, due_base: date,
            engineers: list[User]) -> None:
    due = due_base + timedelta(days=SLA_DAYS[inc.severity])
    status = rng.choice([ActionStatus.DONE, ActionStatus.DONE, ActionStatus.OPEN,
                         ActionStatus.IN_PROGRESS, ActionStatus.WONT_DO])
    owner = rng.choice(engineers)
    db.add(Action(
        incident_id=inc.id, review_id=review.id, factor_id=factor.id, title=title,
        owner=owner, type=ActionType(atype), status=status, due_date=due,
        priority=ActionPriority.HIGH if inc.severity <= 2 else ActionPriority.MEDIUM,
        status_reason="Superseded by the platform migration" if status is ActionStatus.WONT_DO
        else "", team=owner.teams[0] if owner.teams else None,
        completed_at=datetime.combine(due - timedelta(days=3), datetime.min.time(), UTC)
        if status is ActionStatus.DONE else None))
