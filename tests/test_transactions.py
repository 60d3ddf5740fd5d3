"""How a request's transaction begins and ends: COMMIT when it only read (so PostgreSQL keeps the statements
psycopg prepared), ROLLBACK whenever it wrote something it did not commit itself, or failed; on PostgreSQL a
reading request (GET) opens no transaction until it writes, locks or streams, and a connection the server
closed is replaced when taken from the pool."""
from __future__ import annotations

from datetime import date

import pytest
from flask import abort
from sqlalchemy import create_engine, event, func, select, text, update
from sqlalchemy.pool import NullPool

from portal.extensions import csrf, db
from portal.models import CalendarException
from tests.conftest import IS_POSTGRES, _app_for

only_postgresql = pytest.mark.skipif(not IS_POSTGRES, reason="PostgreSQL's transactions and connections")

READ = select(func.count()).select_from(CalendarException)


@pytest.fixture
def app_with_routes(database_url, tmp_path):
    """A portal with a few test routes, and no app context held across requests (unlike the `app`
    fixture): each request ends its own session, as under gunicorn."""
    app = _app_for(database_url, tmp_path)

    @app.route("/_t/read", methods=["GET", "POST"])
    @csrf.exempt
    def read():
        return str(db.session.scalar(READ))

    @app.get("/_t/flush-without-commit")
    def flush_without_commit():
        db.session.add(CalendarException(day=date(2026, 12, 24), kind="day_off", note="thử"))
        db.session.flush()
        return "flushed"

    @app.get("/_t/update-without-commit")
    def update_without_commit():
        db.session.scalar(READ)
        db.session.execute(update(CalendarException).values(note="đã sửa"))
        return "updated"

    @app.get("/_t/pending-without-flush")
    def pending_without_flush():
        db.session.scalar(READ)
        db.session.add(CalendarException(day=date(2026, 12, 25), kind="day_off", note="thử"))
        return "pending"

    @app.get("/_t/read-then-404")
    def read_then_404():
        db.session.scalar(READ)
        abort(404)

    @app.get("/_t/read-then-fail")
    def read_then_fail():
        db.session.scalar(READ)
        raise RuntimeError("the view failed")

    @app.get("/_t/prepared")
    def prepared():
        db.session.scalar(READ)
        return str(db.session.scalar(text("SELECT count(*) FROM pg_prepared_statements")))

    def server_transaction() -> str:
        """Whether this request's connection has a transaction open on the server now (psycopg's view)."""
        return db.session.connection().connection.driver_connection.info.transaction_status.name

    @app.get("/_t/read-state")
    def read_state():
        db.session.scalar(READ)
        db.session.scalar(READ)
        return server_transaction()

    @app.post("/_t/read-state")
    @csrf.exempt
    def read_state_posted():
        db.session.scalar(READ)
        return server_transaction()

    @app.get("/_t/lock-state")
    def lock_state():
        db.session.scalar(READ)
        db.session.execute(select(CalendarException.id).with_for_update()).all()
        return server_transaction()

    @app.get("/_t/write-twice-then-fail")
    def write_twice_then_fail():
        db.session.scalar(READ)
        db.session.execute(update(CalendarException).values(note="lần một"))
        db.session.add(CalendarException(day=date(2026, 12, 26), kind="day_off", note="lần hai"))
        db.session.flush()
        raise RuntimeError("the view failed after two writes")

    @app.get("/_t/write-and-commit-then-read")
    def write_and_commit_then_read():
        db.session.execute(update(CalendarException).values(note="đã lưu"))
        db.session.commit()
        db.session.scalar(READ)
        return server_transaction()

    @app.get("/_t/backend")
    def backend():
        return str(db.session.scalar(text("SELECT pg_backend_pid()")))

    endings: list[str] = []
    with app.app_context():
        event.listen(db.engine, "commit", lambda connection: endings.append("commit"))
        event.listen(db.engine, "rollback", lambda connection: endings.append("rollback"))
        with db.engine.begin() as connection:
            connection.execute(CalendarException.__table__.insert().values(day=date(2026, 12, 31), kind="day_off",
                                                                          note="gốc"))
        endings.clear()
    app.endings = endings
    yield app
    with app.app_context():
        db.engine.dispose()


def _stored_notes(app) -> list[str]:
    with app.app_context():
        notes = list(db.session.scalars(select(CalendarException.note).order_by(CalendarException.day)))
        db.session.rollback()
        return notes


# How a GET that only read ends: with COMMIT; on PostgreSQL it read in autocommit (below), so the server holds
# no transaction to end: the session is closed (SQLAlchemy's "rollback"), psycopg sends nothing and keeps the
# statements it prepared.
GET_READ_ENDS = ["rollback"] if IS_POSTGRES else ["commit"]


def test_a_request_that_only_read_ends_with_commit(app_with_routes):
    client = app_with_routes.test_client()
    response = client.get("/_t/read")
    assert response.status_code == 200 and response.get_data(as_text=True) == "1"
    assert app_with_routes.endings == GET_READ_ENDS, f"the read-only GET ended with {app_with_routes.endings}"
    app_with_routes.endings.clear()
    assert client.post("/_t/read").status_code == 200  # a POST reads in a transaction, everywhere
    assert app_with_routes.endings == ["commit"], f"the read-only POST ended with {app_with_routes.endings}"


@pytest.mark.parametrize("path", ["/_t/flush-without-commit", "/_t/update-without-commit",
                                  "/_t/pending-without-flush"])
def test_a_request_that_wrote_without_committing_is_rolled_back(app_with_routes, path):
    assert app_with_routes.test_client().get(path).status_code == 200
    assert "commit" not in app_with_routes.endings, f"{path}: its uncommitted write was committed"
    assert _stored_notes(app_with_routes) == ["gốc"], f"{path}: the database kept what the request did not commit"


def test_a_read_answered_with_an_error_page_still_commits_but_a_failure_rolls_back(app_with_routes):
    client = app_with_routes.test_client()
    assert client.get("/_t/read-then-404").status_code == 404
    assert app_with_routes.endings == GET_READ_ENDS
    app_with_routes.endings.clear()
    assert client.get("/_t/read-then-fail").status_code == 500
    assert "commit" not in app_with_routes.endings


@pytest.mark.skipif(not IS_POSTGRES, reason="prepared statements are PostgreSQL's")
def test_postgresql_keeps_the_statements_psycopg_prepared_from_one_request_to_the_next(app_with_routes):
    client = app_with_routes.test_client()
    # psycopg prepares a statement the fifth time it runs on a connection; a ROLLBACK would forget it.
    counts = [int(client.get("/_t/prepared").get_data(as_text=True)) for _ in range(7)]
    assert counts[-1] >= 1, f"no statement stayed prepared across requests: {counts}"


@only_postgresql
def test_a_reading_request_holds_no_transaction_open_on_the_server(app_with_routes):
    client = app_with_routes.test_client()
    assert client.get("/_t/read-state").get_data(as_text=True) == "IDLE", \
        "a GET that only read sent BEGIN: its statements ran in a transaction (two more round trips)"
    # Any other method begins its transaction as before, on the same pooled connection.
    assert client.post("/_t/read-state").get_data(as_text=True) == "INTRANS", "a POST read outside a transaction"
    assert client.get("/_t/read-state").get_data(as_text=True) == "IDLE"
    with app_with_routes.app_context():  # outside a request (command line, jobs): a transaction, as usual
        db.session.scalar(READ)
        assert db.session.connection().connection.driver_connection.info.transaction_status.name == "INTRANS"
        db.session.rollback()


@only_postgresql
def test_a_reading_request_that_locks_rows_holds_its_locks_in_a_transaction(app_with_routes):
    assert app_with_routes.test_client().get("/_t/lock-state").get_data(as_text=True) == "INTRANS", \
        "SELECT … FOR UPDATE in a GET ran in autocommit: its row locks were let go at once"


@only_postgresql
def test_a_reading_request_that_writes_keeps_its_writes_in_one_transaction(app_with_routes):
    client = app_with_routes.test_client()
    assert client.get("/_t/write-twice-then-fail").status_code == 500
    assert _stored_notes(app_with_routes) == ["gốc"], "a GET's first write was kept although the request failed"
    # A write it commits itself is kept, and its reads after that run without a transaction again.
    assert client.get("/_t/write-and-commit-then-read").get_data(as_text=True) == "IDLE"
    assert _stored_notes(app_with_routes) == ["đã lưu"]


@only_postgresql
def test_a_pooled_connection_the_server_ended_is_replaced_before_a_request_uses_it(app_with_routes, database_url):
    client = app_with_routes.test_client()
    first = int(client.get("/_t/backend").get_data(as_text=True))
    admin = create_engine(database_url, poolclass=NullPool)
    with admin.connect() as connection:  # as a database restart does to every idle connection
        # With a timeout, PostgreSQL (14+) answers once the backend is gone, its socket closed.
        ended = connection.execute(text("SELECT pg_terminate_backend(:pid, 5000)"), {"pid": first}).scalar()
    assert ended, "PostgreSQL did not end the connection within 5 s"
    admin.dispose()
    response = client.get("/_t/backend")
    assert response.status_code == 200, f"the request on the ended connection answered {response.status_code}"
    assert int(response.get_data(as_text=True)) != first
