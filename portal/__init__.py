"""Cổng xử lý phản ánh, kiến nghị: the staff portal. `create_app` is the one way to build it."""
from __future__ import annotations

import importlib
import os

from flask import Flask

from portal.config import DEVELOPMENT_SECRET_KEY, INSTANCE_PATH, PROJECT_ROOT, config_from_environment
from portal.extensions import csrf, db, login_manager, migrate

# Feature packages, each with a `views.bp` blueprint. A package not written yet is skipped.
FEATURES = ("auth", "main", "queue", "cases", "compliance", "rosters", "hotline", "open311", "intake", "admin")


def create_app(config: type | dict | None = None) -> Flask:
    """Build the portal. `config` is a Config class or a mapping of overrides (tests)."""
    app = Flask(
        __name__,
        instance_path=str(INSTANCE_PATH),
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
    )
    app.config.from_object(config_from_environment())
    if isinstance(config, dict):
        app.config.from_mapping(config)
    elif config is not None:
        app.config.from_object(config)
    _refuse_development_secret_in_production(app)

    os.makedirs(app.instance_path, exist_ok=True)
    db.init_app(app)
    # Batch mode lets Alembic alter SQLite tables (it copies them), and is harmless on PostgreSQL.
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"), render_as_batch=True, compare_type=True,
                     include_name=_made_by_models)
    login_manager.init_app(app)

    from portal import cli, errors, web

    web.init_app(app)  # before CSRF, so an oversized body gets 413 rather than a token error
    csrf.init_app(app)
    errors.init_app(app)
    cli.init_app(app)
    for feature in FEATURES:
        try:
            views = importlib.import_module(f"portal.{feature}.views")
        except ModuleNotFoundError as missing:
            if missing.name in (f"portal.{feature}", f"portal.{feature}.views"):
                continue
            raise
        app.register_blueprint(views.bp)
    return app


def _made_by_models(name, type_, parent_names) -> bool:
    """Autogenerate compares only what the models describe: the hand-made search index is left alone."""
    from portal.domain.search import is_search_index_object

    return not is_search_index_object(name, type_)


def _refuse_development_secret_in_production(app: Flask) -> None:
    if app.config.get("ENV_NAME") == "production" and app.config["SECRET_KEY"] in (DEVELOPMENT_SECRET_KEY, "", None):
        raise RuntimeError(
            "PORTAL_ENV=production needs SECRET_KEY set to a long random value; "
            "the development secret is refused."
        )
