"""The demo rosters: Công điện 05 a week past due, a realistic mix of answers, about 40% registered city-wide,
and a draft in Phường Văn Chương for demo.lead."""
import random
from datetime import date, datetime, timezone

import pytest
from sqlalchemy import select

from portal.domain import rosters as rules
from portal.extensions import db
from portal.models import Roster, RosterCampaign, Unit, User
from portal.rosters.demo import seed_demo_rosters
from portal.seed import load_units
from tests.conftest import _app_for, fresh_database

ANCHOR = datetime(2026, 11, 20, 3, 0, tzinfo=timezone.utc)  # Friday 10:00 in Hanoi
SEED = 20250701


@pytest.fixture(scope="module")
def seeded_app(database_template, tmp_path_factory):
    """One database for the module, seeded once: these tests only read (the last adds a second campaign)."""
    directory = tmp_path_factory.mktemp("roster-demo")
    app = _app_for(fresh_database(database_template, directory), directory)
    with app.app_context():
        load_units()
        units = {unit.code: unit for unit in db.session.scalars(select(Unit).order_by(Unit.id))}
        db.session.add_all([User(username="demo.office", full_name="Phạm Thu Hà", role="city_office",
                                 unit=units["VP-UBND"], password_hash="-"),
                            User(username="demo.handler", full_name="Nguyễn Thị Hồng Nhung", role="handler",
                                 unit=units["P00193"], password_hash="-")])
        db.session.flush()
        seed_demo_rosters(random.Random(SEED), ANCHOR, units)
        db.session.commit()
        db.session.remove()
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def campaign(seeded_app):
    with seeded_app.app_context():
        yield db.session.scalar(select(RosterCampaign).order_by(RosterCampaign.id).limit(1))
        db.session.remove()


def _content(campaign):
    return [(roster.unit.code, roster.state, roster.headcount, roster.first_submitted_at,
             [(row.full_name, row.phone, row.registered_on) for row in roster.rows],
             [(version.number, len(version.rows)) for version in roster.versions],
             [(review.decision, review.comment) for review in roster.reviews])
            for roster in sorted(campaign.rosters, key=lambda roster: roster.unit.code)]


def test_the_campaign_is_cong_dien_05_due_a_week_ago(campaign):
    assert campaign.legal_basis == "Công điện số 05/CĐ-UBND"
    assert campaign.due_on == date(2026, 11, 13)
    kinds = {}
    for roster in campaign.rosters:
        kinds[roster.unit.kind] = kinds.get(roster.unit.kind, 0) + 1
    assert kinds == {"district": 30, "department": 18, "ward": 56}  # wards of Đống Đa, Ba Đình, Hoàn Kiếm, Cầu Giấy


def test_the_answers_are_a_realistic_mix(campaign):
    standings = rules.campaign_standings(campaign, ANCHOR)
    counts = rules.status_counts(standings)
    assert all(counts[status] > 0 for status in rules.STATUSES), counts
    assert counts["not_submitted"] >= 0.35 * len(standings)
    returned = [s.roster for s in standings if s.status == "returned"]
    assert all(rules.last_review(roster).comment for roster in returned)
    assert any(len(s.roster.versions) == 2 for s in standings if s.status == "accepted")  # a diff to look at
    citywide = rules.reported_registration(standings)
    assert 0.39 <= citywide.share <= 0.42, f"city-wide registration {citywide.share:.1%}"


def test_phuong_van_chuong_has_a_draft_for_demo_lead(campaign):
    roster = db.session.scalar(select(Roster).join(Unit).where(Unit.code == "P00193",
                                                               Roster.campaign_id == campaign.id))
    assert roster.state == "draft" and roster.first_submitted_at is None
    assert [row.role for row in roster.rows] == ["leader", "focal", "handler", "handler"]
    nhung = next(row for row in roster.rows if row.full_name == "Nguyễn Thị Hồng Nhung")
    assert nhung.user.username == "demo.handler"
    assert "P00193" in [unit.code for unit in rules.units_missing_roster(roster.campaign, ANCHOR)]


def test_the_demo_rosters_are_deterministic(campaign):
    units = {unit.code: unit for unit in db.session.scalars(select(Unit).order_by(Unit.id))}
    seed_demo_rosters(random.Random(SEED), ANCHOR, units)  # a second campaign from the same seed
    db.session.commit()
    again = db.session.scalar(select(RosterCampaign).where(RosterCampaign.id != campaign.id))
    assert _content(again) == _content(campaign)
