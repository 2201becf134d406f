"""Debrief: the application factory."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask

REPO_ROOT = Path(__file__).resolve().parent.parent


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app: config, database, auth, CSRF, blueprints, CLI, errors."""
    instance = os.environ.get("DEBRIEF_INSTANCE_PATH") or str(REPO_ROOT / "instance")
    if config and config.get("INSTANCE_PATH"):
        instance = str(config["INSTANCE_PATH"])
    app = Flask(
        __name__,
        instance_path=instance,
        template_folder=str(REPO_ROOT / "templates"),
        static_folder="static",
    )
    from . import config as config_module

    app.config.update(config_module.load(app.instance_path, config))

    from . import db, errors, security, web
    from .auth import init_app as init_auth

    db.init_app(app)
    from .search import init_app as init_search

    init_search(app)
    init_auth(app)
    security.init_app(app)
    web.init_app(app)
    errors.init_app(app)

    from .actions.hooks import bp as action_hooks_bp
    from .actions.views import bp as actions_bp
    from .auth.views import bp as auth_bp
    from .health import bp as health_bp
    from .incidents.admin_views import bp as admin_bp
    from .incidents.views import bp as incidents_bp
    from .job_views import bp as jobs_bp
    from .reviews.meeting_views import bp as review_meeting_bp
    from .reviews.template_views import bp as review_templates_bp
    from .reviews.views import bp as reviews_bp
    from .search.views import bp as search_bp
    from .timeline.alert_views import bp as alerts_bp
    from .timeline.import_views import bp as imports_bp
    from .timeline.moment_views import bp as moments_bp
    from .timeline.views import bp as timeline_bp

    for bp in (auth_bp, incidents_bp, admin_bp, timeline_bp, imports_bp, alerts_bp, moments_bp,
               health_bp, search_bp, actions_bp, action_hooks_bp, reviews_bp,
               review_meeting_bp, review_templates_bp, jobs_bp):
        app.register_blueprint(bp)
    from .export.report_views import bp as reports_bp
    from .export.views import bp as export_bp

    app.register_blueprint(export_bp)
    app.register_blueprint(reports_bp)
    from .api import init_app as init_api
    from .auth.token_views import bp as tokens_bp

    app.register_blueprint(tokens_bp)
    init_api(app)
    from .chatops import init_app as init_chatops
    from .chatops.views import bp as chatops_bp
    from .chatops.webhook_views import bp as webhooks_bp

    app.register_blueprint(chatops_bp)
    app.register_blueprint(webhooks_bp)
    init_chatops(app)

    from .cli import init_app as init_cli

    init_cli(app)
    return app
