"""Action pages: lists, my actions, calendar, CSV, report, create, edit, status."""

from __future__ import annotations

import csv
import io
from dataclasses import asdict

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required
from sqlalchemy.orm.exc import StaleDataError

from app.auth.decorators import editable_incident_or_404, role_required
from app.auth.views import safe_next
from app.db import session, utcnow
from app.models import Action, Incident, Role

from . import display, ics, queries, service, sla
from .forms import ActionForm, BulkStatusForm, StatusForm, fill_choices, from_action, to_data

bp = Blueprint("actions", __name__)


def _sla() -> tuple[int, ...]:
    return sla.parse_days(current_app.config["DEBRIEF_ACTION_SLA_DAYS"])


def _visible_or_404(action_id: int) -> Action:
    action = session().get(Action, action_id)
    # An action of a restricted incident answers exactly like a missing one.
    if action is None or not service.can_view_action(session(), current_user, action):
        abort(404)
    return action


def _editable_or_404(action_id: int) -> Action:
    action = _visible_or_404(action_id)
    if not current_user.can(Role.EDITOR):
        abort(403, "Viewers cannot change actions.")
    return action


def _filter(**fixed: str) -> queries.ActionFilter:
    try:
        return queries.ActionFilter.from_args({**request.args.to_dict(), **fixed})
    except ValueError as exc:
        abort(400, str(exc))


def _list(template: str, flt: queries.ActionFilter, **extra: object) -> str:
    db, today = session(), service.today_utc()
    args = {k: v for k, v in asdict(flt).items() if v}
    number = request.args.get("page", 1, type=int) or 1
    size = current_app.config["DEBRIEF_PAGE_SIZE"]
    rows, total = queries.page(db, queries.actions_query(current_user, flt, today), number, size)
    return render_template(template, rows=[display.row(a, i, today) for a, i in rows],
                           total=total, page=number, pages=max(1, -(-total // size)), flt=flt,
                           bulk_form=BulkStatusForm(), today=today,
                           csv_url=url_for("actions.export_csv", **args), **extra,
                           **display.filter_options(db))


@bp.get("/actions")
@login_required
def index():
    """All visible actions, filtered in the URL, sorted, paginated, with bulk status."""
    return _list("actions/index.html", _filter())


@bp.get("/actions/mine")
@login_required
def mine():
    """My actions: what I own, soonest due first."""
    return _list("actions/index.html", _filter(owner="me"), mine=True)


@bp.get("/actions/mine.ics")
@login_required
def mine_ics():
    """My open actions' due dates as a calendar feed."""
    flt = queries.ActionFilter(owner="me", status="active")
    actions = [a for a, _ in session().execute(
        queries.actions_query(current_user, flt, service.today_utc()))]
    body = ics.calendar(actions, current_app.config["DEBRIEF_ACTIONS_BASE_URL"], utcnow())
    return Response(body, mimetype="text/calendar",
                    headers={"Content-Disposition": 'attachment; filename="my-actions.ics"'})


@bp.get("/actions/export.csv")
@login_required
def export_csv():
    """The filtered list as CSV (the same filters as the list)."""
    today = service.today_utc()
    out = io.StringIO()
    writer = csv.writer(out)
    for line in queries.csv_rows(session(), queries.actions_query(
            current_user, _filter(), today), today):
        writer.writerow(line)
    return Response(out.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": 'attachment; filename="actions.csv"'})


@bp.get("/actions/report")
@login_required
def report():
    """Completion, age and overdue figures by team, service, severity; recurrence."""
    ctx = display.report(session(), current_user, service.today_utc(),
                         current_app.config["DEBRIEF_SEVERITY_LABELS"])
    return render_template("actions/report.html", **ctx)


@bp.get("/actions/<int:action_id>")
@login_required
def show(action_id: int):
    """The action page: details, hints, effectiveness, history."""
    action = _visible_or_404(action_id)
    return render_template("actions/show.html", **display.action_page(
        session(), current_user, action, service.today_utc()))


def _create(incident: Incident | None):
    db = session()
    form = ActionForm()
    fill_choices(form, db, incident)
    hint = display.sla_hint(incident.severity if incident else None, _sla(),
                            service.today_utc(), current_app.config["DEBRIEF_SEVERITY_LABELS"])
    if form.validate_on_submit():
        try:
            action = service.create_action(db, current_user, to_data(
                form, incident.id if incident else None), sla_days=_sla())
        except service.ActionError as exc:
            getattr(form, exc.field or "title", form.title).errors.append(str(exc))
        else:
            db.commit()
            flash(f"Action #{action.id} created, due {action.due_date or '—'}.", "success")
            return redirect(url_for("actions.show", action_id=action.id))
    status = 400 if request.method == "POST" else 200
    return render_template("actions/form.html", form=form, incident=incident, action=None,
                           sla_hint=hint), status


@bp.route("/actions/new", methods=["GET", "POST"])
@role_required(Role.EDITOR)
def create():
    """Create a standalone action (no incident)."""
    return _create(None)


@bp.route("/incidents/<int:incident_id>/actions/new", methods=["GET", "POST"])
@login_required
def create_for_incident(incident_id: int):
    """Create an action from an incident; its due date defaults from the severity's SLA."""
    return _create(editable_incident_or_404(incident_id))


@bp.route("/actions/<int:action_id>/edit", methods=["GET", "POST"])
@login_required
def edit(action_id: int):
    """Edit an action; a stale form (someone saved meanwhile) is refused, input kept."""
    action = _editable_or_404(action_id)
    db, form, conflict = session(), ActionForm(), None
    fill_choices(form, db, service.incident_of(db, action))
    if request.method == "GET":
        from_action(form, action)
    elif form.validate_on_submit():
        try:
            service.update_action(db, current_user, action, to_data(form, action.incident_id),
                                  expected_version=_int(form.version.data), sla_days=_sla())
            db.commit()
        except service.ActionError as exc:
            getattr(form, exc.field or "title", form.title).errors.append(str(exc))
        except (service.ActionConflict, StaleDataError):
            db.rollback()
            conflict = db.get(Action, action_id)
            form.version.data = str(conflict.version)  # a second, deliberate save wins
        else:
            flash("Action saved.", "success")
            return redirect(url_for("actions.show", action_id=action.id))
    code = 409 if conflict else 400 if request.method == "POST" else 200
    return render_template("actions/form.html", form=form, incident=service.incident_of(
        db, action), action=action, conflict=conflict), code


def _int(value: str | None) -> int:
    try:
        return int(value or "")
    except ValueError:
        abort(400, "version: missing; reload the edit page")


@bp.post("/actions/<int:action_id>/status")
@login_required
def set_status(action_id: int):
    """Change one action's status (won't do needs a reason); owners may, whatever their role."""
    action = _visible_or_404(action_id)
    # The person chasing an action must be able to close it, even with a read-only role.
    if not service.can_set_status(session(), current_user, action):
        abort(403, "Only editors and the action's owner can change its status.")
    form = StatusForm()
    if not form.validate_on_submit():
        abort(400, "status: choose open, in progress, done or won't do")
    try:
        service.set_status(session(), current_user, action, form.status.data,
                           form.reason.data or "")
    except service.ActionError as exc:
        abort(400, f"{exc.field}: {exc}")
    session().commit()
    flash("Status saved.", "success")
    return redirect(url_for("actions.show", action_id=action.id))


@bp.post("/actions/bulk")
@role_required(Role.EDITOR)
def bulk():
    """Set the status of the checked actions; each is checked for permission."""
    form = BulkStatusForm()
    if not form.validate_on_submit() or not form.ids.data:
        abort(400, "ids: check at least one action and choose a status")
    try:
        changed, skipped = service.bulk_set_status(session(), current_user, form.ids.data,
                                                   form.status.data, form.reason.data or "")
    except service.ActionError as exc:
        abort(400, f"{exc.field}: {exc}")
    session().commit()
    flash(f"{changed} actions changed" + (f", {skipped} skipped" if skipped else "") + ".",
          "success")
    return redirect(request.form.get("next") if _local(request.form.get("next"))
                    else url_for("actions.index"))


def _local(target: str | None) -> bool:
    # Only same-site paths: a crafted form must not bounce people to another site (the
    # login's check also refuses control characters, which browsers drop: "/\t/evil").
    return safe_next(target) is not None
