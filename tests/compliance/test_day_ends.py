"""The day ends recorded in one pass equal each day counted alone by the open-overdue rule, on the
hand-built city (paused, extended and reopened cases among them)."""
from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, select

from portal.domain import figures as f
from portal.extensions import db
from portal.models import Case
from tests.compliance.dataset import build
from tests.conftest import FIXED_NOW

NOW = FIXED_NOW


def test_every_day_end_recorded_in_one_pass_equals_the_rule_at_that_moment(make):
    build(make)
    days = [date(2026, 8, 1) + timedelta(days=n) for n in range((f.local_day(NOW) - date(2026, 8, 1)).days)]
    recorded = f.record_day_ends(days, now=NOW)
    counted_any = False
    for day in days:
        moment = f.day_start(day + timedelta(days=1))
        direct = dict(db.session.execute(select(Case.unit_id, func.count()).where(f.open_overdue_at(moment, now=NOW))
                                         .group_by(Case.unit_id)).all())
        assert recorded[day][f.RECORDED_MARK] == sum(direct.values()), day
        for unit_id, count in direct.items():
            if unit_id is not None:
                assert recorded[day][unit_id] >= count  # its subtree holds at least its own
        counted_any = counted_any or bool(direct)
    assert counted_any
