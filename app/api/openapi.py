"""The OpenAPI 3.1 document of /api/v1, written by hand beside the endpoints it describes."""

from __future__ import annotations

import copy
from functools import cache
from typing import Any

from app.models import ActionType, IncidentStatus, IncidentType

from .openapi_schemas import ID, MAX_ID, SCHEMAS, STORABLE, ref

DOCUMENT_ID = "urn:debrief:api:v1:openapi"
JSON = "application/json"
PROBLEM = "application/problem+json"


def _param(name: str, where: str, schema: dict[str, Any], description: str,
           required: bool = False) -> dict[str, Any]:
    return {"name": name, "in": where, "required": required or where == "path",
            "schema": schema, "description": description}


def _text(max_length: int) -> dict[str, Any]:
    return {"type": "string", "maxLength": max_length, "pattern": STORABLE}


def _ids(*names: str) -> list[dict[str, Any]]:
    return [_param(n, "path", ID, f"the {n.removesuffix('_id')}'s number") for n in names]


PAGE = [_param("page", "query", {"type": "integer", "minimum": 1, "maximum": 100_000},
               "page number (default 1)"),
        _param("per_page", "query", {"type": "integer", "minimum": 1, "maximum": 1000},
               "items per page (default 50)")]
INCIDENT_FILTERS = [
    _param("type", "query", {"type": "string", "enum": [t.value for t in IncidentType]},
           "incident type"),
    _param("severity", "query", {"type": "integer", "minimum": 1, "maximum": 4},
           "severity level 1 (most severe) to 4"),
    _param("status", "query", {"type": "string", "enum": [s.value for s in IncidentStatus]},
           "incident status"),
    _param("service", "query", _text(120), "service name"),
    _param("from", "query", {"type": "string", "format": "date"},
           "started on or after this day (YYYY-MM-DD, in the token user's zone)"),
    _param("to", "query", {"type": "string", "format": "date"},
           "started on or before this day (YYYY-MM-DD, in the token user's zone)"),
    _param("sort", "query", {"type": "string", "enum": [
        "started", "-started", "severity", "-severity", "title", "-title"]},
           "order (a leading - is descending; default -started)"),
]
ACTION_FILTERS = [
    _param("status", "query", {"type": "string", "enum": [
        "active", "open", "in_progress", "done", "wont_do"]}, "status (active: not closed)"),
    _param("owner", "query", {"type": "string", "pattern": "^(me|none|[1-9][0-9]{0,8})$"},
           "owner: a user number, me or none"),
    _param("team", "query", {"type": "integer", "minimum": 1, "maximum": MAX_ID}, "team"),
    _param("incident", "query", {"type": "integer", "minimum": 1, "maximum": MAX_ID},
           "incident number"),
    _param("service", "query", _text(120), "service name"),
    _param("severity", "query", {"type": "integer", "minimum": 1, "maximum": 4},
           "severity of the action's incident"),
    _param("type", "query", {"type": "string", "enum": [t.value for t in ActionType]},
           "action type"),
    _param("overdue", "query", {"type": "string", "enum": ["1"]}, "only overdue ones"),
    _param("week", "query", {"type": "string", "enum": ["1"]}, "due in the next 7 days"),
    _param("sort", "query", {"type": "string", "enum": [
        "due", "-due", "created", "-created", "priority", "title", "status"]}, "order"),
]
IF_MATCH = _param("If-Match", "header", {"type": "string"},
                  "the ETag of your last read (412 if it changed since, 428 if missing)",
                  required=True)
ETAG = {"ETag": {"description": "the version to send back in If-Match", "required": True,
                 "schema": {"type": "string"}}}


def _op(summary: str, tag: str, ok: int, schema: str | None, *, params: list[Any] = (),
        body: str | None = None, errors: tuple[int, ...] = (), etag: bool = False,
        public: bool = False, operation_id: str) -> dict[str, Any]:
    ok_response: dict[str, Any] = {"description": summary}
    if schema:
        ok_response["content"] = {JSON: {"schema": ref(schema)}}
    if etag:
        ok_response["headers"] = ETAG
    codes = set(errors) | ({429} if public else {401, 403, 404, 429})
    if body:
        codes |= {400, 415, 422}
    op: dict[str, Any] = {
        "summary": summary, "tags": [tag], "operationId": operation_id,
        "parameters": list(params),
        "responses": {str(ok): ok_response,
                      **{str(c): {"$ref": "#/components/responses/Problem"} for c in
                         sorted(codes)},
                      "default": {"$ref": "#/components/responses/Problem"}},
    }
    if body:
        op["requestBody"] = {"required": True, "content": {JSON: {"schema": ref(body)}}}
    if public:
        op["security"] = []
    return op


def _paths() -> dict[str, Any]:
    inc = _ids("incident_id")
    return {
        "/openapi.json": {"get": _op("This document", "meta", 200, None, public=True,
                                     operation_id="openapi")},
        "/me": {"get": _op("The token and the user it acts for", "meta", 200, "TokenInfo",
                           operation_id="me")},
        "/incidents": {
            "get": _op("Incidents you may see, filtered like the web list", "incidents", 200,
                       "IncidentPage", params=INCIDENT_FILTERS + PAGE, errors=(400,),
                       operation_id="list_incidents"),
            "post": _op("Open an incident (editor role, write token)", "incidents", 201,
                        "Incident", body="IncidentCreate", operation_id="create_incident"),
        },
        "/incidents/{incident_id}": {"get": _op(
            "One incident", "incidents", 200, "Incident", params=inc,
            operation_id="get_incident")},
        "/incidents/{incident_id}/moments": {"patch": _op(
            "Set or clear lifecycle moments (provenance manual)", "incidents", 200,
            "Incident", params=inc, body="MomentsUpdate", operation_id="update_moments")},
        "/incidents/{incident_id}/events": {
            "get": _op("Timeline events in time order", "timeline", 200, "EventPage",
                       params=inc + [
                           _param("kind", "query", SCHEMAS["Event"]["properties"]["kind"],
                                  "event kind"),
                           _param("source", "query", _text(40),
                                  "source (manual, slack, pagerduty...)"),
                           _param("author", "query", _text(200),
                                  "author name"),
                           _param("starred", "query", {"type": "string", "enum": ["0", "1"]},
                                  "only starred events"),
                           _param("hidden", "query", {"type": "string", "enum": ["0", "1"]},
                                  "include hidden events"),
                       ] + PAGE, errors=(400,), operation_id="list_events"),
            "post": _op("Append one event", "timeline", 201, "Event", params=inc,
                        body="EventCreate", operation_id="append_event"),
        },
        "/incidents/{incident_id}/events/bulk": {"post": _op(
            "Append up to 5,000 events in one transaction (all or none)", "timeline", 201,
            "EventBulkResult", params=inc, body="EventBulk", operation_id="append_events")},
        "/incidents/{incident_id}/events/{event_id}": {"patch": _op(
            "Star or hide an event", "timeline", 200, "Event",
            params=_ids("incident_id", "event_id"), body="EventFlags",
            operation_id="flag_event")},
        "/incidents/{incident_id}/review": {"get": _op(
            "The review, its sections and published snapshot", "reviews", 200, "Review",
            params=inc, etag=True, operation_id="get_review")},
        "/incidents/{incident_id}/review/sections/{key}": {"put": _op(
            "Replace one section's text", "reviews", 200, "Review",
            params=inc + [_param("key", "path", _text(60),
                                 "section key"), IF_MATCH],
            body="SectionUpdate", errors=(412, 428), etag=True, operation_id="save_section")},
        "/incidents/{incident_id}/review/status": {"post": _op(
            "Move the review to in_review, published or back to draft", "reviews", 200,
            "Review", params=inc + [IF_MATCH], body="ReviewStatusChange",
            errors=(409, 412, 428), etag=True, operation_id="change_review_status")},
        "/incidents/{incident_id}/factors": {
            "get": _op("Contributing factors", "reviews", 200, "FactorList", params=inc,
                       operation_id="list_factors"),
            "post": _op("Add a contributing factor to the review", "reviews", 201, "Factor",
                        params=inc, body="FactorCreate", errors=(409,),
                        operation_id="create_factor"),
        },
        "/actions": {
            "get": _op("Actions you may see, filtered like the web list", "actions", 200,
                       "ActionPage", params=ACTION_FILTERS + PAGE, errors=(400,),
                       operation_id="list_actions"),
            "post": _op("Create an action (due date from the severity's SLA)", "actions",
                        201, "Action", body="ActionCreate", etag=True,
                        operation_id="create_action"),
        },
        "/actions/{action_id}": {
            "get": _op("One action", "actions", 200, "Action", params=_ids("action_id"),
                       etag=True, operation_id="get_action"),
            "patch": _op("Change an action's status", "actions", 200, "Action",
                         params=_ids("action_id") + [IF_MATCH], body="ActionStatusUpdate",
                         errors=(412, 428), etag=True, operation_id="update_action_status"),
        },
        "/search": {"get": _op(
            "Search incidents with the search page's query language", "search", 200,
            "SearchResults", params=[
                _param("q", "query", _text(500),
                       "query: words, \"phrases\", field:value filters"),
                _param("sort", "query", {"type": "string", "enum": [
                    "relevance", "newest", "oldest"]}, "order"),
                _param("page", "query", {"type": "integer", "minimum": 1, "maximum": 500},
                       "page"),
                _param("per_page", "query", {"type": "integer", "minimum": 1,
                                             "maximum": 100}, "hits per page")],
            errors=(400,), operation_id="search")},
        "/metrics": {"get": _op(
            "Durations over the filtered incidents and the dashboard's counts", "metrics",
            200, "Metrics", params=INCIDENT_FILTERS, errors=(400,),
            operation_id="metrics")},
    }


@cache
def _document() -> dict[str, Any]:
    return {
        "openapi": "3.1.0",
        "jsonSchemaDialect": "https://json-schema.org/draft/2020-12/schema",
        "info": {"title": "Debrief API", "version": "1.0.0",
                 "description": "Incidents, timelines, reviews, actions, search and metrics "
                                "of a Debrief installation. Authenticate with a personal "
                                "token: 'Authorization: Bearer <token>'. Errors are RFC 9457 "
                                "problem details."},
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearer": []}],
        "paths": _paths(),
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer",
                                           "description": "a personal API token"}},
            "responses": {"Problem": {
                "description": "an error, as RFC 9457 problem details",
                "content": {PROBLEM: {"schema": ref("Problem")}}}},
            "schemas": SCHEMAS,
        },
    }


def document() -> dict[str, Any]:
    """The document (a shared, read-only copy: do not change it)."""
    return _document()


def document_copy() -> dict[str, Any]:
    """A private copy to serve or modify."""
    return copy.deepcopy(_document())
