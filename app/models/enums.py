"""The vocabulary's closed sets: roles, incident types and statuses, kinds, provenance."""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import Enum as SAEnum


class Role(StrEnum):
    VIEWER = "viewer"
    EDITOR = "editor"
    FACILITATOR = "facilitator"
    ADMIN = "admin"

    @property
    def rank(self) -> int:
        return _ROLE_RANK[self]

    def at_least(self, other: Role | str) -> bool:
        """True when this role includes everything `other` may do."""
        return self.rank >= Role(other).rank


_ROLE_RANK = {Role.VIEWER: 0, Role.EDITOR: 1, Role.FACILITATOR: 2, Role.ADMIN: 3}


class IncidentType(StrEnum):
    OUTAGE = "outage"
    DEGRADATION = "degradation"
    SECURITY = "security"
    USER_ISSUE = "user-issue"
    NEAR_MISS = "near-miss"


class IncidentStatus(StrEnum):
    INVESTIGATING = "investigating"
    IDENTIFIED = "identified"
    MONITORING = "monitoring"
    RESOLVED = "resolved"
    CLOSED = "closed"


class Provenance(StrEnum):
    IMPORTED = "imported"
    MANUAL = "manual"
    SUGGESTED = "suggested"
    DERIVED = "derived"


class EventKind(StrEnum):
    DETECTION = "detection"
    ACKNOWLEDGEMENT = "acknowledgement"
    ESCALATION = "escalation"
    DIAGNOSIS = "diagnosis"
    MITIGATION = "mitigation"
    RECOVERY = "recovery"
    COMMUNICATION = "communication"
    DECISION = "decision"
    OTHER = "other"


class ReviewStatus(StrEnum):
    DRAFT = "draft"
    IN_REVIEW = "in_review"
    PUBLISHED = "published"


class FactorCategory(StrEnum):
    PREVENTION = "prevention"
    DETECTION = "detection"
    TRIAGE = "triage"
    DIAGNOSIS = "diagnosis"
    REPAIR = "repair"
    RECOVERY = "recovery"
    PROCESS = "process"
    COMMUNICATION = "communication"


class ActionType(StrEnum):
    MITIGATE = "mitigate"
    PREVENT = "prevent"
    DETECT = "detect"
    PROCESS = "process"


class ActionStatus(StrEnum):
    OPEN = "open"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    WONT_DO = "wont_do"


class ActionPriority(StrEnum):
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


MOMENTS = (
    "started_at",
    "detected_at",
    "acknowledged_at",
    "identified_at",
    "mitigated_at",
    "recovered_at",
    "resolved_at",
)


def enum_column(enum_cls: type[StrEnum]) -> SAEnum:
    """A portable string column for a StrEnum (stores the value, not the member name)."""
    return SAEnum(
        enum_cls,
        native_enum=False,
        create_constraint=False,
        length=24,
        values_callable=lambda members: [m.value for m in members],
    )
