"""The access rule of every route, and helpers to walk the URL map against it.

Every (method, endpoint) of the app must have an entry in RULES: a new route without one
fails `test_every_route_has_a_rule` with its name, so nothing reaches production unchecked.
"""

from __future__ import annotations

from collections.abc import Iterator

from werkzeug.routing import Rule

# Who may use a route:
#   public   anyone, logged in or not
#   viewer   any logged-in user (restricted incidents still need membership)
#   editor / facilitator / admin   at least that role (a viewer gets 403)
#   token    authenticates with its own secret (webhooks, API): anonymous gets 401/403/404
RULES: dict[str, str] = {
    "GET static": "public",
    "GET health.healthz": "public",
    "GET auth.login": "public",
    "POST auth.login": "public",
    "POST auth.logout": "viewer",
    "GET auth.profile": "viewer",
    "POST auth.profile": "viewer",
    "GET auth.users": "admin",
    "POST auth.create_user": "admin",
    "GET auth.edit_user": "admin",
    "POST auth.edit_user": "admin",
    "GET admin.services": "admin",
    "GET admin.save_service": "admin",
    "POST admin.save_service": "admin",
    "POST admin.save_team": "admin",
    "GET alerts.integrations": "admin",
    "POST alerts.integrations": "admin",
    "GET review_templates.index": "admin",
    "POST review_templates.upload": "admin",
    "POST alerts.alertmanager": "token",
    "POST alerts.checkly": "token",
    "POST action_hooks.github": "token",
    "POST action_hooks.jira": "token",
    "GET alerts.unlinked": "editor",
    "POST alerts.attach": "editor",
    "GET incidents.dashboard": "viewer",
    "GET incidents.index": "viewer",
    "GET export.incidents_csv": "viewer",
    "GET incidents.create": "editor",
    "POST incidents.create": "editor",
    "GET incidents.show": "viewer",
    "GET incidents.edit": "editor",
    "POST incidents.edit": "editor",
    "POST incidents.set_moment": "editor",
    "POST incidents.set_people": "editor",
    "POST timeline.add": "editor",
    "GET timeline.edit_form": "editor",
    "POST timeline.edit": "editor",
    "POST timeline.flags": "editor",
    "POST moments.promote": "editor",
    "POST moments.paste": "editor",
    "POST moments.accept": "editor",
    "POST moments.accept_pager": "editor",
    "GET imports.form": "editor",
    "POST imports.upload": "editor",
    "GET imports.preview": "editor",
    "POST imports.confirm": "editor",
    "GET imports.result": "editor",
    "GET export.review_pdf": "viewer",
    "GET export.review_md": "viewer",
    "GET export.review_json": "viewer",
    "GET reviews.edit": "viewer",
    "GET reviews.start": "editor",
    "POST reviews.start": "editor",
    "POST reviews.save_section": "editor",
    "POST reviews.preview": "editor",
    "POST reviews.dismiss": "editor",
    "GET reviews.publish_check": "editor",
    "POST reviews.change_status": "editor",
    "GET reviews.history": "editor",
    "GET review_meeting.facilitate": "editor",
    "POST review_meeting.save_notes": "editor",
    "POST review_meeting.park": "editor",
    "POST review_meeting.parking_to_action": "editor",
    "POST review_meeting.add_factor": "editor",
    "POST review_meeting.delete_factor": "editor",
    # Attendees answer the two feedback questions whatever their role.
    "GET review_meeting.feedback": "viewer",
    "POST review_meeting.feedback": "viewer",
    "GET review_meeting.invite": "viewer",
    "GET actions.index": "viewer",
    "GET actions.mine": "viewer",
    "GET actions.mine_ics": "viewer",
    "GET actions.export_csv": "viewer",
    "GET actions.report": "viewer",
    "GET actions.show": "viewer",
    "GET actions.create": "editor",
    "POST actions.create": "editor",
    "GET actions.create_for_incident": "editor",
    "POST actions.create_for_incident": "editor",
    "GET actions.edit": "editor",
    "POST actions.edit": "editor",
    # An action's owner may also close it whatever their role (not the viewer walked here).
    "POST actions.set_status": "editor",
    "POST actions.bulk": "editor",
    "GET reports.index": "viewer",
    "GET reports.export_pdf": "viewer",
    "GET reports.incidents": "viewer",
    "GET search.index": "viewer",
    "GET jobs.show": "viewer",
    "GET jobs.state": "viewer",
    "GET tokens.index": "viewer",
    "POST tokens.create": "viewer",
    "POST tokens.revoke": "viewer",
    "GET chatops.admin": "admin",
    "POST chatops.admin": "admin",
    "POST chatops.delete_integration": "admin",
    "POST chatops.unlink": "admin",
    "GET webhooks.index": "admin",
    "POST webhooks.index": "admin",
    "POST webhooks.toggle": "admin",
    "POST webhooks.delete": "admin",
    "GET webhooks.deliveries": "admin",
    "POST webhooks.retry": "admin",
    # The API's description is public; every other /api/ route needs a token.
    "GET api.openapi": "public",
}

# Endpoint prefixes and paths of self-authenticated routes: they answer JSON, never a login page.
TOKEN_PATHS = ("/api/", "/hooks/")
# URL arguments naming something that belongs to a restricted incident or to another user
# (the world fixture builds each one): an outsider must get 404 wherever one appears.
SCOPED_ARGS = {"incident_id", "event_id", "review_id", "action_id", "import_id", "factor_id",
               "item_id", "alert_id", "token", "job_id"}
RANKS = {"public": 0, "viewer": 1, "editor": 2, "facilitator": 3, "admin": 4}


def routes(app) -> Iterator[tuple[Rule, str, str]]:
    """(rule, method, key) for every route and method except HEAD and OPTIONS."""
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: (r.rule, r.endpoint)):
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule, method, f"{method} {rule.endpoint}"


def missing_rules(app) -> list[str]:
    """'METHOD /path (endpoint)' of every route that has no rule."""
    return [f"{method} {rule.rule} ({rule.endpoint})" for rule, method, key in routes(app)
            if rule_of(rule, key) is None]


def rule_of(rule: Rule, key: str) -> str | None:
    """The access rule of a route: its RULES entry, else token under /api/ and /hooks/."""
    if key in RULES:
        return RULES[key]
    # Every API and webhook route authenticates with its own token by construction; the
    # token tests walk each one, so a new one is checked without a line here.
    return "token" if rule.rule.startswith(TOKEN_PATHS) else None


def url(rule: Rule, ids: dict[str, object]) -> str:
    """The route's URL with each argument taken from `ids` (a clear failure if unknown)."""
    unknown = set(rule.arguments) - set(ids)
    assert not unknown, (f"{rule.rule}: the security suite does not know how to fill "
                         f"{sorted(unknown)}; add them to the world fixture's ids")
    return rule.build({arg: ids[arg] for arg in rule.arguments})[1]


def scoped(rule: Rule) -> bool:
    """True when the route names an incident or something inside one."""
    return bool(set(rule.arguments) & SCOPED_ARGS)


def call(client, target: str, method: str = "GET", **kwargs):
    """One request, its body read and the response closed (static files hold a file open)."""
    resp = client.open(target, method=method, **kwargs)
    resp.get_data()
    resp.close()
    return resp
