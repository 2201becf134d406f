"""Action rules: SLA dues, factor checks, statuses, locking, closing the loop."""

from datetime import UTC, date, datetime, timedelta

import pytest

from app.actions import service
from app.actions.service import ActionData
from app.incidents.service import set_moment
from app.models import AuditEvent, ContributingFactor, FactorCategory, Provenance


def _factor(db, incident, category=FactorCategory.DETECTION):
    factor = ContributingFactor(incident_id=incident.id, category=category,
                                description="No alert on queue depth")
    db.add(factor)
    db.flush()
    return factor


def test_create_from_incident_gets_sla_due(db, make_user, make_incident):
    editor = make_user("editor")
    incident = make_incident(severity=1)
    action = service.create_action(db, editor, ActionData(
        title="Alert on queue depth", incident_id=incident.id,
        tracker_url="https://github.com/acme/shop/issues/7"), today=date(2025, 3, 1))
    assert action.due_date == date(2025, 3, 16)
    assert action.tracker_key == "github:acme/shop#7"
    events = db.query(AuditEvent).filter_by(object_type="action", object_id=action.id).all()
    assert [e.verb for e in events] == ["create"]


def test_due_past_sla_needs_a_reason(db, make_user, make_incident):
    editor = make_user("editor")
    incident = make_incident(severity=2)
    data = ActionData(title="Rework failover", incident_id=incident.id,
                      due_date=date(2025, 6, 1))
    with pytest.raises(service.ActionError) as err:
        service.create_action(db, editor, data, today=date(2025, 3, 1))
    assert err.value.field == "due_reason"
    data.due_reason = "needs a vendor upgrade"
    action = service.create_action(db, editor, data, today=date(2025, 3, 1))
    assert action.due_date == date(2025, 6, 1)


def test_factor_must_belong_to_the_same_incident(db, make_user, make_incident):
    editor = make_user("editor")
    one, other = make_incident(), make_incident(title="Other")
    factor = _factor(db, other)
    with pytest.raises(service.ActionError) as err:
        service.create_action(db, editor, ActionData(
            title="x", incident_id=one.id, factor_id=factor.id))
    assert err.value.field == "factor_id"
    with pytest.raises(service.ActionError):
        service.create_action(db, editor, ActionData(title="x", factor_id=factor.id))


def test_viewer_cannot_create_and_hidden_incident_refused(db, make_user, make_incident):
    viewer, outsider = make_user("viewer"), make_user("editor")
    secret = make_incident(type="security")
    with pytest.raises(service.PermissionDenied):
        service.create_action(db, viewer, ActionData(title="x"))
    with pytest.raises(service.PermissionDenied):
        service.create_action(db, outsider, ActionData(title="x", incident_id=secret.id))


def test_wont_do_needs_reason_and_status_history(db, make_user):
    editor = make_user("editor")
    action = service.create_action(db, editor, ActionData(title="Standalone"))
    assert action.due_date is None  # no incident, no severity, no SLA
    with pytest.raises(service.ActionError) as err:
        service.set_status(db, editor, action, "wont_do", "  ")
    assert err.value.field == "reason"
    assert service.set_status(db, editor, action, "wont_do", "superseded by #9")
    assert action.completed_at is not None and action.status_reason == "superseded by #9"
    assert service.set_status(db, editor, action, "open")
    assert action.completed_at is None and action.status_reason == ""
    verbs = [e.verb for e in service.history(db, action)]
    assert verbs == ["create", "status", "status"]


def test_stale_edit_is_refused(db, make_user):
    editor = make_user("editor")
    action = service.create_action(db, editor, ActionData(title="Add canary"))
    db.commit()
    loaded = action.version
    service.update_action(db, editor, action, ActionData(title="Add canary stage"),
                          expected_version=loaded)
    db.commit()
    with pytest.raises(service.ActionConflict):
        service.update_action(db, editor, action, ActionData(title="Mine"),
                              expected_version=loaded)
    assert action.title == "Add canary stage"


def test_closing_every_action_derives_resolved_at(db, make_user, make_incident):
    editor = make_user("editor")
    incident = make_incident()
    a = service.create_action(db, editor, ActionData(title="one", incident_id=incident.id))
    b = service.create_action(db, editor, ActionData(title="two", incident_id=incident.id))
    t1 = datetime(2025, 4, 1, 9, tzinfo=UTC)
    service.set_status(db, editor, a, "done", now=t1)
    assert incident.resolved_at is None
    service.set_status(db, editor, b, "wont_do", "not worth it", now=t1 + timedelta(days=2))
    assert incident.resolved_at == t1 + timedelta(days=2)
    assert incident.resolved_at_source is Provenance.DERIVED
    service.set_status(db, editor, b, "in_progress")  # reopening clears the derived moment
    assert incident.resolved_at is None and incident.resolved_at_source is None
    service.set_status(db, editor, b, "done", now=t1 + timedelta(days=3))
    assert incident.resolved_at == t1 + timedelta(days=3)
    service.create_action(db, editor, ActionData(title="three", incident_id=incident.id))
    assert incident.resolved_at is None  # a new open action reopens the loop


def test_manual_resolved_at_is_never_overwritten(db, make_user, make_incident):
    editor = make_user("editor")
    incident = make_incident()
    manual = datetime(2025, 5, 5, tzinfo=UTC)
    set_moment(db, editor, incident, "resolved_at", manual)
    a = service.create_action(db, editor, ActionData(title="one", incident_id=incident.id))
    service.set_status(db, editor, a, "done")
    assert incident.resolved_at == manual and incident.resolved_at_source is Provenance.MANUAL
    service.set_status(db, editor, a, "open")
    assert incident.resolved_at == manual
