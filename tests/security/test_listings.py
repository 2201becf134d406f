"""A restricted incident leaks nowhere: lists, exports, calendars, reports, search, similar,
and forms that name its objects from another incident."""

from __future__ import annotations

import subprocess

from tests.conftest import csrf_token

from .conftest import changed_tables, snapshot
from .route_rules import call, routes, rule_of, scoped, url

# Words of the restricted incident's text, never the marker itself (the query is echoed).
SEARCHES = ["/search?q=signing", "/search?q=rotation", "/search?q=key&sort=newest",
            "/search?q=expiry", "/search?q=type:security", "/incidents?q=signing",
            "/actions?q=rotation"]


def _text(resp, tmp_path) -> str:
    if resp.mimetype == "application/pdf":
        src = tmp_path / "page.pdf"
        src.write_bytes(resp.data)
        return subprocess.run(["pdftotext", str(src), "-"], check=True,
                              capture_output=True).stdout.decode()
    return resp.get_data(as_text=True)


def _pages(app, world):
    """Every GET page a non-member can open that could list incidents or their parts."""
    for rule, method, key in routes(app):
        if method == "GET" and not scoped(rule) and rule_of(rule, key) in ("viewer", "editor"):
            yield url(rule, world["ids"])
    yield from SEARCHES
    # Both show "similar incidents", found by words the restricted incident shares.
    yield f"/incidents/{world['open'].id}"
    yield f"/incidents/{world['open'].id}/review"


def test_non_member_finds_no_trace_of_a_restricted_incident(client, world, login, tmp_path):
    login(world["outsider"])
    for target in _pages(client.application, world):
        resp = call(client, target)
        assert resp.status_code in (200, 302), (target, resp.status_code)
        assert "Zanzibar" not in _text(resp, tmp_path), f"{target} shows the restricted incident"


def test_member_finds_it_where_the_outsider_did_not(client, world, login, tmp_path):
    """The control: the same pages do show it to a member, so its absence above means hidden."""
    login(world["member"])
    for target in ("/incidents", "/search?q=signing", "/actions", "/incidents.csv",
                   "/actions/export.csv", "/actions/mine.ics",
                   f"/incidents/{world['open'].id}"):
        resp = call(client, target)
        assert "Zanzibar" in _text(resp, tmp_path), target


def _post(client, target, **data):
    return call(client, target, "POST", data={"csrf_token": csrf_token(client), **data})


def test_forms_cannot_reach_into_a_restricted_incident(client, db, world, login):
    """An editor of an open incident names the restricted incident's objects in forms."""
    login(world["outsider"])
    own, secret = world["open"].id, world["secret"].id
    before = snapshot(db)
    refused = {
        # The linked alert of the restricted incident cannot be pulled into another one.
        "attach": _post(client, f"/alerts/{world['linked_alert'].id}/attach",
                        incident_id=own),
        "attach-into": _post(client, f"/alerts/{world['unlinked_alert'].id}/attach",
                             incident_id=secret),
        "event": _post(client, f"/incidents/{own}/events/{world['event'].id}", text="x"),
        "flags": _post(client, f"/incidents/{own}/events/{world['event'].id}/flags", op="star"),
        "promote": _post(client, f"/incidents/{own}/events/{world['event'].id}/promote",
                         moment="detected_at"),
        "accept": _post(client, f"/incidents/{own}/suggestions/accept",
                        moment="detected_at", event_id=world["event"].id),
        "factor-events": _post(client, f"/incidents/{own}/review/factors",
                               category="detection", description="x",
                               event_ids=str(world["event"].id)),
        "delete-factor": _post(client,
                               f"/incidents/{own}/review/factors/{world['factor'].id}/delete"),
        "parking": _post(client,
                         f"/incidents/{own}/review/parking/{world['item'].id}/action"),
        "import": call(client, f"/incidents/{own}/imports/{world['import'].id}"),
        "upload": call(client, f"/incidents/{own}/import/{world['ids']['token']}"),
        "action-factor": _post(client, f"/incidents/{own}/actions/new", title="x",
                               priority="medium", type="mitigate",
                               factor_id=world["factor"].id),
    }
    for name, resp in refused.items():
        assert resp.status_code in (400, 404), (name, resp.status_code)
        assert "Zanzibar" not in resp.get_data(as_text=True), name
    # Bulk status skips what the user may not see, and says so.
    resp = _post(client, "/actions/bulk", ids=str(world["action"].id), status="done",
                 next="/actions")
    assert resp.status_code == 302
    assert changed_tables(before, snapshot(db)) == []
