"""Schema-based fuzzing: schemathesis drives every operation in-process with a write token.

No answer may be a 5xx, and every answer must match the OpenAPI document (status, media
type, headers, body); invalid input must be refused. The run is bounded (max_examples) so
it stays within about a minute in CI. Path ids always point at a real incident (with a
review), event and action, so the fuzzed input reaches the services instead of a 404.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.config import SchemathesisConfig
from schemathesis.generation.modes import GenerationMode

from app.api.openapi import document
from tests.api.conftest import bearer

# Enough to find the classic faults (empty, huge, NUL, wrong types) in about a minute;
# DEBRIEF_FUZZ_EXAMPLES=500 runs a deeper search locally.
MAX_EXAMPLES = int(os.environ.get("DEBRIEF_FUZZ_EXAMPLES", "20"))


@pytest.fixture(scope="module")
def db_url(tmp_path_factory):
    """The fuzz run uses SQLite only, to keep it within its time budget."""
    from app import migrate

    url = "sqlite:///" + str(tmp_path_factory.mktemp("fuzz") / "fuzz.sqlite3")
    migrate.upgrade(url)
    return url


@pytest.fixture()
def world(db, make_user, make_incident, make_token):
    """An admin's write token and one incident with an event, a review, a factor, an action."""
    from app.actions.service import ActionData, create_action
    from app.models import Review, ReviewSection
    from app.reviews.factors import add_factor
    from app.timeline.service import add_event

    admin = make_user("admin")
    incident = make_incident(title="Fuzzed incident", actor=admin)
    event = add_event(db, admin, incident, datetime(2025, 3, 4, 10, 5, tzinfo=UTC), "paged")
    review = Review(incident_id=incident.id, template_key="quick",
                    template_snapshot={"key": "quick", "name": "Quick", "sections": [
                        {"key": "summary", "title": "Summary", "holds": "text"}]},
                    sections=[ReviewSection(key="summary", content="")])
    db.add(review)
    db.flush()
    add_factor(db, admin, review, "detection", "the alert fired late")
    action = create_action(db, admin, ActionData(title="Add an alert",
                                                 incident_id=incident.id))
    db.commit()
    return {"secret": make_token(admin, "write"), "incident_id": incident.id,
            "event_id": event.id, "action_id": action.id}


OPERATIONS = [(path, method.upper()) for path, item in document()["paths"].items()
              for method in item]
# Schema-valid input the services still refuse for reasons a schema cannot express: an
# owner or event that does not exist (422), a stale or random If-Match (412), a query the
# search language cannot parse (400), a state the review cannot move from (409).
VALID_BUT_REFUSED = ["2xx", "400", "401", "403", "404", "409", "412", "422", "429"]
CONFIG = {"checks": {"positive_data_acceptance": {"expected-statuses": VALID_BUT_REFUSED}}}


def _has_inputs(operation: dict) -> bool:
    return bool(operation.get("parameters") or operation.get("requestBody"))


CASES = [pytest.param(path, method, mode, id=f"{method} {path} {mode.value}")
         for path, method in OPERATIONS
         for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
         # With nothing to send there is nothing to make invalid.
         if mode is GenerationMode.POSITIVE or _has_inputs(
             document()["paths"][path][method.lower()])]


@pytest.fixture()
def api_schema(app):
    """The document as served by the app, loaded by schemathesis (WSGI, in-process)."""
    app.config["DEBRIEF_API_RATE_LIMIT"] = "100000 per minute"
    try:
        yield schemathesis.openapi.from_wsgi(
            "/api/v1/openapi.json", app, config=SchemathesisConfig.from_dict(CONFIG))
    finally:
        app.config["DEBRIEF_API_RATE_LIMIT"] = "600 per minute"


@pytest.mark.parametrize(("path", "method", "mode"), CASES)
def test_operation_conforms_to_the_document(api_schema, world, path, method, mode):
    operation = api_schema[path][method]
    fixed = {name: world[name] for name in ("incident_id", "event_id", "action_id")
             if "{" + name + "}" in path}
    strategy = operation.as_strategy(mode, path_parameters=fixed or None)

    @given(case=strategy)
    @settings(max_examples=MAX_EXAMPLES, deadline=None, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    def run(case):
        case.call_and_validate(headers=bearer(world["secret"]))

    run()
