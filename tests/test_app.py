"""The app factory, configuration, health check, vendored htmx and response headers."""
import hashlib
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from portal import create_app
from portal.config import DEVELOPMENT_SECRET_KEY, ProductionConfig
from portal.extensions import db
from tests.conftest import IS_POSTGRES

HTMX = Path(__file__).resolve().parent.parent / "static" / "vendor" / "htmx-2.0.11.min.js"
# sha256 of dist/htmx.min.js in the npm package htmx.org@2.0.11.
HTMX_SHA256 = "d6fdc75f204e6bdefa99b69bf1e6d4ac69b8a364f77929f45c13476b4000f717"


def test_vendored_htmx_is_the_pinned_release():
    assert hashlib.sha256(HTMX.read_bytes()).hexdigest() == HTMX_SHA256


def test_production_refuses_the_development_secret():
    class Production(ProductionConfig):
        SECRET_KEY = DEVELOPMENT_SECRET_KEY
        SQLALCHEMY_DATABASE_URI = "sqlite://"

    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app(Production)


def test_production_starts_with_a_real_secret():
    class Production(ProductionConfig):
        SECRET_KEY = "a-long-random-value-from-the-environment"
        SQLALCHEMY_DATABASE_URI = "sqlite://"

    assert create_app(Production).config["SESSION_COOKIE_SECURE"] is True


def test_healthz_answers_ok_when_the_database_is_reachable(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok"}


def test_healthz_answers_503_when_the_database_is_unreachable(tmp_path):
    class Broken:
        TESTING = True
        SQLALCHEMY_DATABASE_URI = "postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=1"

    app = create_app(Broken)
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["database"] == "unreachable"


@pytest.mark.parametrize("path, headers", [("/queue", {}), ("/queue", {"HX-Request": "true"}),
                                           ("/cases/K7QX-4M9R", {}), ("/login", {})])
def test_a_signed_in_user_gets_the_vietnamese_503_page_while_the_database_is_down(path, headers):
    class Broken:
        TESTING = True
        SQLALCHEMY_DATABASE_URI = "postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=1"

    client = create_app(Broken).test_client()
    with client.session_transaction() as session:
        session["_user_id"] = "1"  # signed in: the page would load the user from the database
        session["_fresh"] = True
    response = client.get(path, headers=headers)
    body = response.get_data(as_text=True)
    assert response.status_code == 503, f"{path}: {response.status_code} instead of 503 while the database is down"
    assert "Hệ thống tạm thời gián đoạn" in body and "Không kết nối được cơ sở dữ liệu" in body
    assert "Traceback" not in body and "Internal Server Error" not in body


@pytest.mark.skipif(not IS_POSTGRES, reason="terminates a PostgreSQL backend, as a database restart does")
def test_a_connection_the_database_drops_during_a_request_does_not_fail_the_answer(app, database_url):
    with app.app_context():  # one request's context: a transaction is open when the page is answered
        backend = db.session.execute(text("SELECT pg_backend_pid()")).scalar()
        admin = create_engine(database_url, poolclass=NullPool)
        with admin.connect() as connection:
            connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": backend})
        admin.dispose()
    # Leaving the context ended the session without raising (a raise here is a 500 after the page).
    with app.app_context():
        assert db.session.execute(text("SELECT 1")).scalar() == 1, "the pool did not replace the dropped connection"


def test_pages_carry_security_headers(client):
    response = client.get("/login")
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "same-origin"


def test_login_page_is_vietnamese_with_htmx_configured(client):
    html = client.get("/login").get_data(as_text=True)
    assert '<html lang="vi">' in html
    assert "Đăng nhập" in html
    assert '"historyRestoreAsHxRequest": false' in html
    assert "vendor/htmx-2.0.11.min.js" in html
    assert 'hx-boost="true"' in html


def test_unknown_page_is_a_vietnamese_404(client):
    response = client.get("/khong-co-trang-nay")
    assert response.status_code == 404
    assert "Không tìm thấy" in response.get_data(as_text=True)


def test_json_clients_get_json_errors(client):
    response = client.get("/khong-co-trang-nay", headers={"Accept": "application/json"})
    assert response.status_code == 404
    assert response.get_json()["status"] == 404
