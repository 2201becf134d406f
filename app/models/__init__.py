"""The vocabulary: every table, one module per aggregate."""

from .action import Action, AuditEvent
from .actions_extra import ReminderLog
from .alerts import Alert, AlertIntegration
from .api_token import ApiToken
from .chatops import ChatChannelLink, ChatIntegration, WebhookDelivery, WebhookEndpoint
from .enums import (
    MOMENTS,
    ActionPriority,
    ActionStatus,
    ActionType,
    EventKind,
    FactorCategory,
    IncidentStatus,
    IncidentType,
    Provenance,
    ReviewStatus,
    Role,
)
from .incident import Incident, incident_member, incident_responder, incident_service, incident_tag
from .org import LoginFailure, Service, Tag, Team, User, team_member
from .review import ContributingFactor, Review, ReviewRevision, ReviewSection, factor_event
from .review_meeting import FindingDismissal, ParkingItem, ReviewFeedback
from .search import SearchOutbox, SearchTerm
from .timeline import TimelineEvent, TimelineImport

__all__ = [
    "ChatChannelLink", "ChatIntegration", "WebhookDelivery", "WebhookEndpoint",
    "FindingDismissal", "ParkingItem", "ReviewFeedback",
    "ReminderLog",
    "ApiToken",
    "Alert", "AlertIntegration", "SearchOutbox", "SearchTerm",
    "MOMENTS", "Action", "ActionPriority", "ActionStatus", "ActionType", "AuditEvent",
    "ContributingFactor", "EventKind", "FactorCategory", "Incident", "IncidentStatus",
    "IncidentType", "LoginFailure", "Provenance", "Review", "ReviewRevision", "ReviewSection",
    "ReviewStatus",
    "Role", "Service", "Tag", "Team", "TimelineEvent", "TimelineImport", "User",
    "factor_event", "incident_member", "incident_responder", "incident_service", "incident_tag",
    "team_member",
]
