"""Progress of a background job: a page that follows it, and its state as JSON."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, jsonify, render_template
from flask_login import current_user, login_required

from . import jobs

bp = Blueprint("jobs", __name__)


def _job_or_404(job_id: str) -> dict:
    state = jobs.load(current_app.instance_path, job_id, current_user.id)
    if state is None:
        abort(404)  # someone else's job looks exactly like no job
    return state


@bp.get("/jobs/<job_id>")
@login_required
def show(job_id: str):
    """A progress bar that follows the job and moves on to its result when done."""
    return render_template("jobs/show.html", job=_job_or_404(job_id))


@bp.get("/jobs/<job_id>.json")
@login_required
def state(job_id: str):
    """done/total/message/state, polled by the progress page."""
    job = _job_or_404(job_id)
    result = job.get("result") or {}
    return jsonify(state=job["state"], done=job["done"], total=job["total"],
                   message=job["message"], error=job["error"], url=result.get("url"))
