"""Shared fixtures: an app on a fresh, migrated database (SQLite, or PostgreSQL when
TEST_DATABASE_URL names one), clients signed in by role, and a small factory of records."""
from __future__ import annotations

import os
import re
import shutil
import uuid
from datetime import datetime, timezone
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from portal import create_app
from portal.config import TestConfig
from portal.extensions import db

from tests.factory import Factory

# A Monday morning in Hanoi (09:00 local): every test's "now" unless it sets its own.
FIXED_NOW = datetime(2026, 11, 16, 2, 0, tzinfo=timezone.utc)
DATABASE_URL = os.environ.get("TEST_DATABASE_URL", "")
IS_POSTGRES = DATABASE_URL.startswith("postgresql")


def pytest_report_header(config):
    return f"database: {'PostgreSQL ' + make_url(DATABASE_URL).render_as_string() if IS_POSTGRES else 'SQLite'}"


def _app_for(url: str, tmp_path: Path | None = None, **overrides):
    settings = {
        "SQLALCHEMY_DATABASE_URI": url,
        "FIXED_NOW": FIXED_NOW,
        "UPLOAD_FOLDER": str(tmp_path / "uploads") if tmp_path else "/tmp/portal-test-uploads",
    }
    settings.update(overrides)

    class Config(TestConfig):
        pass

    for key, value in settings.items():
        setattr(Config, key, value)
    app = create_app(Config)
    # Tests hold one app context, so Flask reuses it (and its `g`) for every request; forget the last
    # request's signed-in user and CSRF token, so each test client is who its own cookie says.
    app.before_request_funcs.setdefault(None, []).insert(0, _forget_previous_request)
    return app


def _forget_previous_request() -> None:
    from flask import g

    for name in ("_login_user", "csrf_token", "csrf_valid"):
        g.pop(name, None)


def _migrate(url: str) -> None:
    from flask_migrate import upgrade

    app = _app_for(url)
    with app.app_context():
        upgrade()
        db.engine.dispose()


@pytest.fixture(scope="session")
def database_template(tmp_path_factory):
    """The schema, made once per run by the migrations themselves (never create_all)."""
    if IS_POSTGRES:
        base = make_url(DATABASE_URL)
        name = f"portal_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
        admin = create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        url = base.set(database=name).render_as_string(hide_password=False)
        _migrate(url)
        yield url
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    else:
        path = tmp_path_factory.mktemp("db") / "template.sqlite3"
        _migrate(f"sqlite:///{path}")
        yield path


def fresh_database(template, directory: Path) -> str:
    """A fresh database: a copy of the template file, or emptied PostgreSQL tables."""
    if IS_POSTGRES:
        engine = create_engine(template)
        with engine.begin() as connection:
            tables = connection.execute(text(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'alembic_version'"
            )).scalars().all()
            if tables:
                connection.execute(text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE"))
        engine.dispose()
        return template
    path = directory / "portal.sqlite3"
    shutil.copy(template, path)
    return f"sqlite:///{path}"


@pytest.fixture
def database_url(database_template, tmp_path):
    return fresh_database(database_template, tmp_path)


@pytest.fixture
def app(database_url, tmp_path):
    app = _app_for(database_url, tmp_path)
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def make(app):
    return Factory()


def csrf_token_from(html: str) -> str:
    found = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html) or re.search(
        r'name="csrf_token" value="([^"]+)"', html)
    assert found, "the page has no CSRF token"
    return found.group(1)


class Auth:
    """Signs a test client in and out through the real login form (token and all)."""

    def __init__(self, client):
        self.client = client

    def csrf_token(self, path: str = "/login") -> str:
        return csrf_token_from(self.client.get(path).get_data(as_text=True))

    def login(self, username: str, password: str = "correct-horse-42"):
        token = self.csrf_token()
        return self.client.post("/login", data={"username": username, "password": password, "csrf_token": token})

    def logout(self):
        token = csrf_token_from(self.client.get("/", follow_redirects=True).get_data(as_text=True))
        return self.client.post("/logout", data={"csrf_token": token})


@pytest.fixture
def auth(client):
    return Auth(client)


def signed_in_client(app, user, password: str = "correct-horse-42"):
    """A new client signed in as user through the login form."""
    client = app.test_client()
    response = Auth(client).login(user.username, password)
    assert response.status_code == 302, f"login as {user.username} failed: {response.status_code}"
    return client
