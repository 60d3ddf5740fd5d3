"""The demo data: Hanoi's real units, the demo accounts, and two months of cases shaped like iHanoi's figures."""
import hashlib
from datetime import datetime, timezone

import pytest
from sqlalchemy import func, select

from portal.domain.access import ROLE_HOME
from portal.extensions import db
from portal.models import ApiClient, Case, CaseEvent, Unit, User
from portal.models.api_client import hash_api_key
from portal.models.case import OPEN_STATES
from portal.seed import DEMO_ACCOUNTS, DEMO_OPEN311_KEY, seed_demo
from tests.conftest import Auth, _app_for, _migrate, fresh_database

ANCHOR = datetime(2026, 11, 20, 3, 0, tzinfo=timezone.utc)  # Friday 10:00 in Hanoi


def _digest() -> str:
    rows = db.session.execute(select(Case.code, Case.state, Case.unit_id, Case.due_at, Case.rating)
                              .order_by(Case.id)).all()
    events = db.session.execute(select(CaseEvent.case_id, CaseEvent.type, CaseEvent.at).order_by(CaseEvent.id)).all()
    return hashlib.sha256(repr((rows, events)).encode()).hexdigest()


@pytest.fixture(scope="module")
def seeded_app(database_template, tmp_path_factory):
    """One seeded database for the module: seeding takes seconds, and these tests only read."""
    directory = tmp_path_factory.mktemp("demo")
    app = _app_for(fresh_database(database_template, directory), directory)
    with app.app_context():
        seed_demo(ANCHOR)
        db.session.remove()
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def seeded(seeded_app):
    with seeded_app.app_context():
        yield seeded_app
        db.session.remove()


@pytest.fixture
def app(seeded):
    return seeded


@pytest.fixture
def runner(seeded):
    return seeded.test_cli_runner()


def test_units_are_hanois_real_list(seeded):
    assert db.session.scalar(select(func.count()).select_from(Unit)) == 583
    van_chuong = db.session.scalar(select(Unit).where(Unit.code == "P00193"))
    assert van_chuong.name == "UBND Phường Văn Chương"
    assert van_chuong.parent.name == "UBND Quận Đống Đa"
    assert van_chuong.parent.parent.code == "HN"
    wards_of_dong_da = db.session.scalar(select(func.count()).select_from(Unit).where(
        Unit.path.startswith(van_chuong.parent.path), Unit.kind == "ward"))
    assert wards_of_dong_da == 17  # after the 2025-01 ward mergers in Đống Đa


def test_cases_are_shaped_like_the_published_figures(seeded):
    total = db.session.scalar(select(func.count()).select_from(Case))
    by_state = dict(db.session.execute(select(Case.state, func.count()).group_by(Case.state)).all())
    answered = by_state.get("answered", 0) + by_state.get("closed", 0)
    open_ = sum(by_state.get(state, 0) for state in OPEN_STATES)
    overdue = db.session.scalar(select(func.count()).select_from(Case).where(
        Case.state.in_(("received", "assigned", "in_progress")), Case.due_at < ANCHOR))
    assert total == 5700
    assert 0.67 <= answered / total <= 0.73, f"answered share {answered / total:.3f}"
    assert 0.26 <= open_ / total <= 0.32, f"open share {open_ / total:.3f}"
    assert 0.005 <= overdue / total <= 0.02, f"open and overdue share {overdue / total:.3f}"
    ratings = dict(db.session.execute(select(Case.rating, func.count()).where(Case.rating.is_not(None))
                                      .group_by(Case.rating)).all())
    rated = sum(ratings.values())
    assert set(ratings) == {"satisfied", "accepted", "unsatisfied"}
    assert 0.8 <= (ratings["satisfied"] + ratings["accepted"]) / rated <= 0.92


def test_every_case_state_is_the_end_of_its_event_story(seeded):
    last_events = db.session.execute(
        select(Case.state, CaseEvent.to_state)
        .join(CaseEvent, CaseEvent.case_id == Case.id)
        .where(CaseEvent.id == select(func.max(CaseEvent.id)).where(
            CaseEvent.case_id == Case.id, CaseEvent.to_state.is_not(None)).correlate(Case).scalar_subquery())
    ).all()
    assert len(last_events) == 5700
    assert all(state == to_state for state, to_state in last_events)


def test_demo_accounts_and_api_key_exist(seeded):
    for username, _, role, unit_code in DEMO_ACCOUNTS:
        user = db.session.scalar(select(User).where(User.username == username))
        assert user.role == role and user.unit.code == unit_code
        assert user.check_password("demo-portal")
    client = db.session.scalar(select(ApiClient).where(ApiClient.key_hash == hash_api_key(DEMO_OPEN311_KEY)))
    assert client is not None and client.active


def test_demo_ward_has_a_live_queue(seeded):
    open_here = db.session.scalar(select(func.count()).select_from(Case).join(Unit, Case.unit_id == Unit.id)
                                  .where(Unit.code == "P00193", Case.state.in_(OPEN_STATES)))
    assert open_here >= 10


@pytest.mark.parametrize("username, role", [(username, role) for username, _, role, _ in DEMO_ACCOUNTS])
def test_each_demo_account_signs_in_and_lands_on_its_home(app, username, role):
    client = app.test_client()
    response = Auth(client).login(username, "demo-portal")
    assert response.status_code == 302
    landing = client.get("/", follow_redirects=True)
    assert landing.status_code == 200
    user = db.session.scalar(select(User).where(User.username == username))
    assert user.unit.name in landing.get_data(as_text=True)
    home_endpoint = {"queue": "queue.index", "compliance": "compliance.index", "hotline": "hotline.index",
                     "admin": "admin.index"}[ROLE_HOME[role]]
    if home_endpoint in app.view_functions:
        from flask import url_for
        with app.test_request_context():
            assert landing.request.path == url_for(home_endpoint)


def test_seed_is_deterministic(seeded, tmp_path):
    """The same anchor gives the same data, whichever database holds it."""
    first = _digest()
    other_url = f"sqlite:///{tmp_path / 'again.sqlite3'}"
    _migrate(other_url)
    other = _app_for(other_url, tmp_path)
    with other.app_context():
        seed_demo(ANCHOR)
        second = _digest()
        db.session.remove()
        db.engine.dispose()
    assert first == second


def test_seed_command_refuses_a_database_with_data(runner, seeded):
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code != 0
    assert "đã có dữ liệu" in result.output
    result = runner.invoke(args=["seed-demo", "--if-empty"])
    assert result.exit_code == 0
