"""Action metrics over plain records: completion, age, overdue, recurrence (pure)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from statistics import median

# Below this many actions a rate says little; pages say so beside the figure.
SMALL_N = 5
ACTIVE = ("open", "in_progress")


@dataclass(frozen=True)
class ActionRecord:
    """What the metrics need to know about one action."""

    status: str
    created: date
    due: date | None = None
    team: str | None = None
    services: tuple[str, ...] = ()
    severity: int | None = None
    type: str = ""
    category: str | None = None
    recurred: bool | None = None  # done actions with a factor: did the factor come back?


@dataclass(frozen=True)
class Stats:
    """Figures for one group of actions."""

    key: str
    total: int
    done: int
    declined: int
    open: int
    completion_rate: float | None
    median_open_age_days: float | None
    overdue: int
    median_days_overdue: float | None

    @property
    def small(self) -> bool:
        return self.total < SMALL_N


def summarise(key: str, records: Iterable[ActionRecord], today: date) -> Stats:
    """Completion rate (done / not declined), open ages and overdue days of `records`."""
    rows = list(records)
    done = sum(r.status == "done" for r in rows)
    declined = sum(r.status == "wont_do" for r in rows)
    active = [r for r in rows if r.status in ACTIVE]
    ages = [(today - r.created).days for r in active]
    late = [(today - r.due).days for r in active if r.due is not None and r.due < today]
    decided = len(rows) - declined
    return Stats(
        key=key, total=len(rows), done=done, declined=declined, open=len(active),
        completion_rate=done / decided if decided else None,
        median_open_age_days=float(median(ages)) if ages else None,
        overdue=len(late), median_days_overdue=float(median(late)) if late else None)


def grouped(records: Iterable[ActionRecord], keys: Callable[[ActionRecord], Iterable[str]],
            today: date) -> list[Stats]:
    """Stats per group; a record may fall in several groups (e.g. several services)."""
    groups: dict[str, list[ActionRecord]] = {}
    for r in records:
        for k in keys(r):
            groups.setdefault(k, []).append(r)
    return [summarise(k, rows, today) for k, rows in sorted(groups.items())]


def by_team(records: Iterable[ActionRecord], today: date) -> list[Stats]:
    """Stats per owning team ('no team' for the rest)."""
    return grouped(records, lambda r: [r.team or "no team"], today)


def by_service(records: Iterable[ActionRecord], today: date) -> list[Stats]:
    """Stats per service of the action's incident ('no service' for the rest)."""
    return grouped(records, lambda r: list(r.services) or ["no service"], today)


def by_severity(records: Iterable[ActionRecord], today: date,
                labels: list[str] | None = None) -> list[Stats]:
    """Stats per incident severity ('no incident' for standalone actions)."""
    def key(r: ActionRecord) -> list[str]:
        if r.severity is None:
            return ["no incident"]
        return [labels[r.severity - 1] if labels else f"SEV{r.severity}"]
    return grouped(records, key, today)


@dataclass(frozen=True)
class Recurrence:
    """How often the factor an action addressed came back, for one group."""

    key: str
    total: int
    recurred: int

    @property
    def rate(self) -> float | None:
        return self.recurred / self.total if self.total else None

    @property
    def small(self) -> bool:
        return self.total < SMALL_N


def recurrence(records: Iterable[ActionRecord],
               key: Callable[[ActionRecord], str | None]) -> list[Recurrence]:
    """Recurrence rate of done actions with a known outcome, per group."""
    groups: dict[str, list[bool]] = {}
    for r in records:
        k = key(r)
        if r.status == "done" and r.recurred is not None and k:
            groups.setdefault(k, []).append(r.recurred)
    return [Recurrence(k, len(v), sum(v)) for k, v in sorted(groups.items())]
