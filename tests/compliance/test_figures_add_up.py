"""Property: for random trees and cases, a unit's subtree figures are its own plus its children's."""
from __future__ import annotations

from datetime import date, timedelta

from hypothesis import HealthCheck, given, settings, strategies as st

from portal.domain import figures as f
from portal.domain.working_time import WorkingCalendar
from portal.extensions import db
from portal.models import Case, CaseEvent
from portal.models.case import STATES
from tests.compliance.dataset import hanoi
from tests.conftest import FIXED_NOW

NOW = FIXED_NOW
CALENDAR = WorkingCalendar()
DAY_ONE = hanoi(2026, 9, 1, 8)

trees = st.integers(min_value=1, max_value=7).flatmap(
    lambda size: st.tuples(*[st.integers(min_value=0, max_value=i) for i in range(size)]))
cases = st.lists(st.fixed_dictionaries({
    "unit": st.integers(min_value=0, max_value=7),
    "received": st.integers(min_value=0, max_value=70 * 24),  # hours after DAY_ONE
    "due": st.integers(min_value=-48, max_value=40 * 24),  # hours after receipt
    "state": st.sampled_from(sorted(STATES)),
    "answer_after": st.integers(min_value=1, max_value=40 * 24),
    "paused_after": st.one_of(st.none(), st.integers(min_value=0, max_value=30 * 24)),
    "rating": st.sampled_from([None, "satisfied", "accepted", "unsatisfied"]),
    "passed_on_by": st.lists(st.integers(min_value=0, max_value=7), max_size=2),
    "extensions": st.integers(min_value=0, max_value=2),
}), max_size=18)
periods = st.tuples(st.one_of(st.none(), st.integers(min_value=0, max_value=40)), st.integers(min_value=0, max_value=80))


def _build(make, parents, specs):
    root = make.unit(kind="city")
    units = [root]
    for index, parent in enumerate(parents[1:], start=1):
        units.append(make.unit(kind="ward", parent=units[min(parent, index - 1)]))
    category = make.category()
    for spec in specs:
        unit = units[spec["unit"] % len(units)]
        received = DAY_ONE + timedelta(hours=spec["received"])
        state = spec["state"]
        answered_at = received + timedelta(hours=spec["answer_after"]) if state in ("answered", "closed") else None
        paused_at = received + timedelta(hours=spec["paused_after"]) if spec["paused_after"] is not None else None
        case = Case(code=f"P{make_code()}", kind="field", category=category, title="Phản ánh thử",
                    content="Nội dung", unit=unit, state=state, received_at=received,
                    due_at=received + timedelta(hours=spec["due"]), answered_at=answered_at,
                    paused_at=paused_at if state == "paused" else None, rating=spec["rating"],
                    transfer_count=len(spec["passed_on_by"]), extension_count=spec["extensions"])
        db.session.add(case)
        db.session.flush()
        for hop, giver in enumerate(spec["passed_on_by"]):
            db.session.add(CaseEvent(case_id=case.id, at=received + timedelta(hours=hop + 1), type="transferred",
                                     from_unit_id=units[giver % len(units)].id, to_unit_id=unit.id))
        for n in range(spec["extensions"]):
            db.session.add(CaseEvent(case_id=case.id, at=received + timedelta(hours=n + 3), type="extension_granted"))
    db.session.commit()
    return units


_codes = iter(range(10**6))


def make_code() -> str:
    return f"{next(_codes):07d}"


def _same(left: f.Figures, right: f.Figures) -> None:
    assert left.counts() == right.counts()
    assert left.handled == right.handled
    assert left.median_handling_days == right.median_handling_days


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(parents=trees, specs=cases, period_days=periods)
def test_a_units_subtree_figures_are_its_own_plus_its_childrens(make, parents, specs, period_days):
    units = _build(make, parents, specs)
    first, length = period_days
    start = date(2026, 9, 1) + timedelta(days=first) if first is not None else None
    period = f.Period(start, (start or date(2026, 9, 1)) + timedelta(days=length))
    for unit in units:
        whole = f.figures_for(unit, period, now=NOW, calendar=CALENDAR)
        parts = f.figures_for(unit, period, now=NOW, calendar=CALENDAR, subtree=False)
        for child in units:
            if child.parent_id == unit.id:
                parts = parts + f.figures_for(child, period, now=NOW, calendar=CALENDAR)
        _same(whole, parts)
        assert whole.received == whole.answered + whole.open + whole.rejected
        assert whole.answered == whole.answered_on_time + whole.answered_late
    table = f.table(units[0], period, now=NOW, calendar=CALENDAR)
    _same(table.total, f.figures_for(units[0], period, now=NOW, calendar=CALENDAR))
