"""Review templates for admins: see the installed ones, upload a new one."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for

from app import REPO_ROOT
from app.auth.decorators import role_required
from app.models import Role

from . import catalog
from . import templates as loader

bp = Blueprint("review_templates", __name__)

MAX_TEMPLATE_BYTES = 200_000


@bp.get("/admin/review-templates")
@role_required(Role.ADMIN)
def index():
    """Installed templates with their sections and version hashes."""
    return render_template("reviews/templates.html", templates=catalog.available(
        REPO_ROOT, current_app.instance_path).values())


@bp.post("/admin/review-templates")
@role_required(Role.ADMIN)
def upload():
    """Validate and install an uploaded template (errors name the file and field)."""
    file = request.files.get("file")
    if file is None or not file.filename:
        flash("file: choose a .toml template to upload", "error")
        return redirect(url_for("review_templates.index")), 303
    raw = file.read(MAX_TEMPLATE_BYTES + 1)
    if len(raw) > MAX_TEMPLATE_BYTES:
        flash(f"{file.filename}: larger than {MAX_TEMPLATE_BYTES} bytes", "error")
        return redirect(url_for("review_templates.index")), 303
    try:
        template = catalog.save_upload(current_app.instance_path, file.filename,
                                       raw.decode("utf-8"))
    except UnicodeDecodeError:
        flash(f"{file.filename}: not UTF-8 text", "error")
    except loader.TemplateError as exc:
        flash(str(exc), "error")
    else:
        flash(f"Template {template.name} ({template.key}) installed; new reviews can use it. "
              "Existing reviews keep the version they started from.", "success")
    return redirect(url_for("review_templates.index")), 303
