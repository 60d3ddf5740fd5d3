"""Account-registration rates per unit and city-wide, the chart's series, the overview's order,
the reminder list and `units_missing_roster` (which compliance calls for its year-end list)."""
from datetime import date, datetime, timedelta, timezone

from portal.domain import rosters as rules
from portal.extensions import db
from portal.rosters.chart import registration_chart

NOW = datetime(2026, 11, 16, 2, 0, tzinfo=timezone.utc)
AFTER_DUE = datetime(2026, 11, 23, 2, 0, tzinfo=timezone.utc)


def _send(make, city, code, *, people, registered, headcount, at=NOW, accept_at=None, return_at=None):
    roster = city["rosters"][code]
    for n in range(people):
        make.roster_row(roster, full_name=f"Cán bộ {code} {n}", phone=f"09{n:02d}{abs(hash(code)) % 10**6:06d}",
                        registered_on=date(2026, 11, 3 + n) if n < registered else None)
    rules.set_headcount(roster, headcount, at)
    rules.submit(roster, None, at)
    if accept_at:
        rules.accept(roster, city["office"], accept_at)
    if return_at:
        rules.return_for_changes(roster, city["office"], return_at, "Bổ sung số điện thoại.")
    db.session.commit()
    return roster


def test_a_units_rate_is_registered_rows_over_its_headcount(make, city):
    roster = _send(make, city, "P00193", people=4, registered=3, headcount=8)
    registration = rules.registration_of(roster)
    assert (registration.registered, registration.headcount, registration.missing) == (3, 8, 5)
    assert registration.share == 0.375


def test_before_a_headcount_is_given_the_rows_are_the_denominator(make, city):
    roster = city["roster"]
    make.roster_row(roster, full_name="Nguyễn Văn An", registered_on=date(2026, 11, 5))
    make.roster_row(roster, full_name="Lê Thị Bình")
    assert rules.registration_of(roster) == rules.Registration(1, 2)


def test_citywide_rate_counts_only_units_that_sent_their_roster(make, city):
    _send(make, city, "P00193", people=4, registered=3, headcount=8)
    _send(make, city, "SO-NV", people=5, registered=1, headcount=12)
    draft = city["rosters"]["P00001"]
    make.roster_row(draft, full_name="Chưa nộp", registered_on=date(2026, 11, 5))
    standings = rules.campaign_standings(city["campaign"], NOW)
    citywide = rules.reported_registration(standings)
    assert (citywide.registered, citywide.headcount) == (4, 20)
    assert f"{citywide.share:.1%}" == "20.0%"


def test_series_is_cumulative_by_the_day_rows_were_marked(make, city):
    roster = _send(make, city, "P00193", people=4, registered=3, headcount=8)  # marked 3, 4, 5 November
    by_day = rules.registered_by_day([roster.id])
    assert by_day == {date(2026, 11, 3): 1, date(2026, 11, 4): 1, date(2026, 11, 5): 1}
    series = rules.registration_series(by_day, 8, date(2026, 11, 4), date(2026, 11, 20), date(2026, 11, 20))
    assert series.points[0] == (date(2026, 11, 4), 2)  # the 3 November account counts from the first day
    assert series.points[1] == (date(2026, 11, 5), 3)
    assert series.points[-1] == (date(2026, 11, 20), 3)
    assert series.share_on(date(2026, 11, 16)) == 3 / 8


def test_chart_draws_the_line_the_target_and_the_due_day(make, city):
    series = rules.registration_series({date(2026, 11, 3): 2, date(2026, 11, 10): 2}, 8, date(2026, 11, 2),
                                       date(2026, 11, 20), date(2026, 11, 20))
    chart = registration_chart(series, date(2026, 11, 16), date(2026, 11, 2), date(2026, 11, 20))
    assert chart.last_label == "50,0%"
    assert chart.due_label == "Hạn 20/11" and chart.due_x == chart.right
    assert chart.target_y == chart.top
    assert len(chart.line.split()) == 15  # drawn up to today (2 → 16 November), not beyond
    assert "50,0% (4/8 người)" in chart.description
    assert registration_chart(rules.registration_series({}, 0, date(2026, 11, 2), date(2026, 11, 20),
                                                        date(2026, 11, 20)), date(2026, 11, 16),
                              date(2026, 11, 2), date(2026, 11, 20)) is None


def test_overview_puts_overdue_units_first_then_by_status(make, city):
    _send(make, city, "P00193", people=2, registered=1, headcount=4, accept_at=NOW)
    _send(make, city, "SO-NV", people=2, registered=0, headcount=4, at=AFTER_DUE)  # late
    _send(make, city, "P00001", people=2, registered=0, headcount=4, return_at=NOW)
    standings = rules.campaign_standings(city["campaign"], AFTER_DUE)
    order = [(s.unit.code, s.status, s.overdue) for s in standings]
    assert order == [
        ("P00190", "not_submitted", True),
        ("Q001", "not_submitted", True),
        ("Q006", "not_submitted", True),
        ("P00001", "returned", True),
        ("SO-NV", "late", False),
        ("P00193", "accepted", False),
    ]
    counts = rules.status_counts(standings)
    assert counts == {"not_submitted": 3, "returned": 1, "late": 1, "submitted": 0, "accepted": 1, "overdue": 4}


def test_overview_filters_by_status_kind_district_and_name_without_accents(make, city):
    standings = rules.campaign_standings(city["campaign"], NOW)
    dong_da = city["dong_da"].id
    assert {s.unit.code for s in rules.filter_standings(standings, district_id=dong_da)} == {"Q006", "P00193", "P00190"}
    assert [s.unit.code for s in rules.filter_standings(standings, text="van chuong")] == ["P00193"]
    assert [s.unit.code for s in rules.filter_standings(standings, group="department")] == ["SO-NV"]
    assert rules.filter_standings(standings, status="overdue") == []  # not due yet on 16/11


def test_a_chair_sees_only_the_units_of_the_district(city):
    standings = rules.campaign_standings(city["campaign"], NOW, rules.roster_filter(city["chair"]))
    assert {s.unit.code for s in standings} == {"Q006", "P00193", "P00190"}
    lead_sees = rules.campaign_standings(city["campaign"], NOW, rules.roster_filter(city["lead"]))
    assert [s.unit.code for s in lead_sees] == ["P00193"]
    assert rules.campaign_standings(city["campaign"], NOW, rules.roster_filter(city["handler"])) == []


def test_units_missing_roster_before_the_due_day_are_those_that_sent_nothing(make, city):
    _send(make, city, "P00193", people=2, registered=0, headcount=4)  # sent, not yet reviewed
    missing = rules.units_missing_roster(city["campaign"], NOW)
    assert "UBND Phường Văn Chương" not in [unit.name for unit in missing]
    assert len(missing) == 5


def test_units_missing_roster_after_the_due_day_are_those_not_accepted_by_it(make, city):
    deadline = city["campaign"].deadline
    _send(make, city, "P00193", people=2, registered=0, headcount=4, accept_at=deadline - timedelta(hours=1))
    _send(make, city, "P00190", people=2, registered=0, headcount=4, accept_at=deadline + timedelta(hours=1))
    _send(make, city, "SO-NV", people=2, registered=0, headcount=4, at=NOW)  # sent in time, never reviewed
    missing = [unit.code for unit in rules.units_missing_roster(city["campaign"], AFTER_DUE)]
    assert missing == ["SO-NV", "P00190", "P00001", "Q001", "Q006"]  # by name, accents folded: Sở, then UBND …
    assert "P00193" not in missing


def test_reminder_lists_units_that_owe_their_roster_grouped_as_a_letter(make, city):
    _send(make, city, "P00193", people=2, registered=0, headcount=4)
    _send(make, city, "P00001", people=2, registered=0, headcount=4, return_at=NOW)
    groups = rules.reminder_groups(rules.campaign_standings(city["campaign"], AFTER_DUE))
    assert [(label, [s.unit.code for s in members]) for label, members in groups] == [
        ("Quận, huyện, thị xã", ["Q001", "Q006"]),
        ("Phường, xã, thị trấn", ["P00001", "P00190"]),  # by district: Ba Đình, then Đống Đa
        ("Sở, ban, ngành", ["SO-NV"]),
    ]
