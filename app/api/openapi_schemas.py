"""The OpenAPI document's component schemas: request bodies and response shapes.

Request bodies are validated against these same schemas (app.api.bodies), so the
document cannot drift from what the API accepts; tests check responses against them.
"""

from __future__ import annotations

from typing import Any

from app.models import (
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
)

MAX_ID = 2_147_483_647  # the databases' integer range
STR = {"type": "string"}
INT = {"type": "integer"}
BOOL = {"type": "boolean"}
ID = {"type": "integer", "minimum": 1, "maximum": MAX_ID}
TIME = {"type": "string", "format": "date-time"}
NULL_TIME = {"type": ["string", "null"], "format": "date-time"}
NULL_STR = {"type": ["string", "null"]}
NULL_INT = {"type": ["integer", "null"]}
COUNT = {"type": "integer", "minimum": 0, "maximum": MAX_ID}
NULL_ID = {"type": ["integer", "null"], "minimum": 1, "maximum": MAX_ID}
# At least one character that is not white space (the services strip and refuse empty text).
NONBLANK = r"\S"
# Text a database can store: no NUL (PostgreSQL refuses it) and no lone UTF-16 surrogate.
STORABLE = r"^[^\u0000\ud800-\udfff]*$"


def enum(values: Any) -> dict[str, Any]:
    """A string limited to an enum's values."""
    return {"type": "string", "enum": [v.value for v in values]}


def text(max_length: int, *, required: bool = False) -> dict[str, Any]:
    """A string field; `required` ones need a character that is not white space."""
    schema: dict[str, Any] = {"type": "string", "maxLength": max_length, "pattern": STORABLE}
    if required:
        # Two patterns in allOf, not one combined regex: that one would backtrack badly.
        schema.update(minLength=1, allOf=[{"pattern": NONBLANK}])
    return schema


def obj(properties: dict[str, Any], required: list[str] | None = None, *,
        closed: bool = True, **extra: Any) -> dict[str, Any]:
    """An object schema; response shapes list every property as required."""
    schema: dict[str, Any] = {"type": "object", "properties": properties,
                              "required": list(properties) if required is None else required}
    if closed:
        schema["additionalProperties"] = False
    schema.update(extra)
    return schema


def ref(name: str) -> dict[str, str]:
    """A reference to components/schemas/`name`."""
    return {"$ref": f"#/components/schemas/{name}"}


def page_of(item: str) -> dict[str, Any]:
    """One page of `item`s with counts and links."""
    return obj({"items": {"type": "array", "items": ref(item)}, "page": INT, "per_page": INT,
                "total": INT, "pages": INT, "links": ref("PageLinks")})


MOMENT = obj({"at": NULL_TIME, "source": {"type": ["string", "null"],
                                          "enum": [p.value for p in Provenance] + [None]}})

SCHEMAS: dict[str, Any] = {
    "Problem": obj({
        "type": STR, "title": STR, "status": INT, "detail": STR, "instance": STR,
        "errors": {"type": "array", "items": obj({"field": STR, "message": STR,
                                                  "position": STR},
                                                 required=["field", "message"])},
    }, required=["type", "title", "status", "detail"]),
    "PageLinks": obj({"self": STR, "first": STR, "last": STR, "next": NULL_STR,
                      "prev": NULL_STR}),
    "Incident": obj({
        "id": INT, "ref": STR, "title": STR, "type": enum(IncidentType),
        "severity": INT, "status": enum(IncidentStatus), "summary": STR,
        "restricted": BOOL, "services": {"type": "array", "items": STR},
        "tags": {"type": "array", "items": STR},
        "moments": obj({m: MOMENT for m in MOMENTS}),
        "impact": obj({"description": STR, "users_affected": NULL_INT,
                       "downtime_minutes": NULL_INT, "support_tickets": NULL_INT,
                       "data_loss_from": NULL_TIME, "data_loss_to": NULL_TIME}),
        "commander_id": NULL_INT, "resolution_lead_id": NULL_INT,
        "created_at": TIME, "updated_at": TIME,
        "links": obj({"self": STR, "events": STR, "review": STR}),
    }),
    "IncidentPage": page_of("Incident"),
    "IncidentCreate": obj({
        "title": text(200, required=True), "type": enum(IncidentType),
        "severity": {"type": "integer", "minimum": 1, "maximum": 4},
        "status": enum(IncidentStatus), "summary": text(100_000),
        "services": {"type": "array", "maxItems": 50, "items": text(120)},
        "tags": {"type": "array", "maxItems": 50, "items": text(60)},
        "restricted": BOOL, "started_at": TIME, "impact_description": text(100_000),
        "users_affected": COUNT, "downtime_minutes": COUNT, "support_tickets": COUNT,
        "commander_id": ID, "resolution_lead_id": ID,
    }, required=["title", "type", "severity"]),
    "MomentsUpdate": obj({m: NULL_TIME for m in MOMENTS}, required=[], minProperties=1),
    "Event": obj({
        "id": INT, "incident_id": INT, "occurred_at": TIME, "text": STR,
        "kind": enum(EventKind), "source": STR, "author_name": STR, "starred": BOOL,
        "hidden": BOOL, "annotation": STR, "original_occurred_at": NULL_TIME,
        "created_at": TIME,
    }),
    "EventPage": page_of("Event"),
    "EventCreate": obj({"occurred_at": TIME, "text": text(100_000, required=True),
                        "kind": enum(EventKind), "author_name": text(200)},
                       required=["occurred_at", "text"]),
    "EventBulk": obj({"events": {"type": "array", "minItems": 1, "maxItems": 5000,
                                 "items": ref("EventCreate")}}),
    "EventBulkResult": obj({"count": INT, "ids": {"type": "array", "items": INT},
                            "links": obj({"events": STR})}),
    "EventFlags": obj({"starred": BOOL, "hidden": BOOL}, required=[], minProperties=1),
    "Review": obj({
        "id": INT, "incident_id": INT, "status": enum(ReviewStatus), "status_reason": STR,
        "template_key": STR, "template_name": NULL_STR, "owner_id": NULL_INT,
        "facilitator_id": NULL_INT, "meeting_at": NULL_TIME,
        "sections": {"type": "array", "items": obj({
            "key": STR, "title": STR, "holds": STR, "required": BOOL, "content": STR,
            "version": INT})},
        "published_version": INT, "published_at": NULL_TIME,
        "published_snapshot": {"type": ["object", "null"],
                               "description": "what was frozen at the last publish"},
        "created_at": TIME, "updated_at": TIME,
    }),
    "SectionUpdate": obj({"content": text(200_000)}),
    "ReviewStatusChange": obj({"to": enum(ReviewStatus), "reason": text(2000)},
                              required=["to"]),
    "Factor": obj({"id": INT, "incident_id": INT, "review_id": NULL_INT,
                   "category": enum(FactorCategory), "description": STR,
                   "event_ids": {"type": "array", "items": INT}, "created_at": TIME}),
    "FactorList": obj({"items": {"type": "array", "items": ref("Factor")}, "total": INT}),
    "FactorCreate": obj({"category": enum(FactorCategory),
                         "description": text(20_000, required=True),
                         "event_ids": {"type": "array", "maxItems": 500, "items": ID}},
                        required=["category", "description"]),
    "Action": obj({
        "id": INT, "title": STR, "description": STR, "status": enum(ActionStatus),
        "status_reason": STR, "priority": enum(ActionPriority), "type": enum(ActionType),
        "owner_id": NULL_INT, "team_id": NULL_INT,
        "due_date": {"type": ["string", "null"], "format": "date"},
        "incident_id": NULL_INT, "review_id": NULL_INT, "factor_id": NULL_INT,
        "tracker_url": NULL_STR, "completed_at": NULL_TIME, "version": INT,
        "created_at": TIME, "updated_at": TIME, "links": obj({"self": STR}),
    }),
    "ActionPage": page_of("Action"),
    "ActionCreate": obj({
        "title": text(300, required=True), "description": text(20_000), "owner_id": ID,
        "team_id": ID, "priority": enum(ActionPriority), "type": enum(ActionType),
        "due_date": {"type": "string", "format": "date"}, "due_reason": text(2000),
        "factor_id": ID, "tracker_url": text(500), "incident_id": ID,
    }, required=["title"]),
    "ActionStatusUpdate": obj({"status": enum(ActionStatus), "reason": text(2000)},
                              required=["status"]),
    "SearchResults": obj({
        "query": STR, "sort": STR, "page": INT, "per_page": INT, "total": INT, "pages": INT,
        "suggestion": NULL_STR,
        "items": {"type": "array", "items": obj({
            "incident_id": INT, "ref": STR, "title": STR, "score": {"type": "number"},
            "snippet_html": STR})},
        "facets": {"type": "object", "additionalProperties": {"type": "array", "items": obj(
            {"value": STR, "label": STR, "count": INT})}},
    }),
    "MetricSummary": obj({
        "label": STR, "definition": STR, "n": INT, "missing_n": INT,
        "median_seconds": {"type": ["number", "null"]}, "p90_seconds": {"type": ["number",
                                                                                 "null"]},
        "min_seconds": {"type": ["number", "null"]}, "max_seconds": {"type": ["number",
                                                                             "null"]},
        "warning": NULL_STR,
        "histogram": {"type": "array", "items": obj({"label": STR, "count": INT})},
        "left_out": {"type": "array", "items": obj({"incident_id": INT, "reason": STR})},
        "dora": {"type": ["object", "null"], "additionalProperties": INT},
    }),
    "Metrics": obj({
        "incidents": INT, "percentile_method": STR, "dora_definition": STR,
        "metrics": {"type": "object", "additionalProperties": ref("MetricSummary")},
        "dashboard": obj({
            "recent_incident_ids": {"type": "array", "items": INT},
            "reviews_in_progress": {"type": "array", "items": obj({
                "review_id": INT, "incident_id": INT, "status": enum(ReviewStatus)})},
            "my_open_action_ids": {"type": "array", "items": INT},
            "open_actions": INT, "overdue_actions": INT}),
    }),
    "TokenInfo": obj({
        "id": INT, "name": STR, "scope": {"type": "string", "enum": ["read", "write"]},
        "prefix": STR, "user": obj({"id": INT, "email": STR, "display_name": STR,
                                    "role": STR}),
        "created_at": TIME, "expires_at": NULL_TIME, "last_used_at": NULL_TIME,
    }),
}
