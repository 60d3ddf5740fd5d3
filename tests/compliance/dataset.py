"""A hand-built city with known answers: every figure of every unit is counted by hand below.

The tree: city → Quận Đống Đa (district) → Phường Văn Chương, Phường Quốc Tử Giám; city → Sở Xây dựng.
The period is 01/08/2026–30/09/2026 (Quốc khánh 31/08–02/09 is off); "now" is the tests' fixed Monday
16/11/2026 09:00. Deadlines are the calendar's own (checked in test_figures), typed here as numbers.

Hand count for the period (on time / late by the deadline in force; open and overdue judged now):

| case | unit now | story | counts |
|---|---|---|---|
| on_time | Văn Chương | answered 12/08 before due 17/08, rated hài lòng | answered, on time, 7.125 days |
| late | Văn Chương | answered 20/08 after due 18/08, rated chấp nhận | answered, late, 12.25 days |
| overdue_open | Quốc Tử Giám | due 24/08, extended to 03/09, still in progress | open, overdue, 1 extension |
| paused_holiday | Quốc Tử Giám | paused 28/08 10:00 → 03/09 10:00 over Quốc khánh (8 working hours), due 15/09 → 16/09, answered 16/09 15:00 | answered, on time, 11.625 days |
| paused_in_time | Sở Xây dựng | paused 16/09 before due 29/09, still paused | open, paused, not overdue |
| paused_late | Sở Xây dựng | paused 19/08 after due 17/08, still paused | open, paused, overdue |
| extended | Sở Xây dựng | due 24/09, extended to 01/10, answered 30/09, hài lòng | answered, on time, 1 extension, 14.125 days |
| reopened | Văn Chương | answered 15/09, chưa hài lòng 16/09, reopened due 23/09, answered again 22/09 | answered, on time, chưa hài lòng, 11.125 days |
| transferred_twice | Quận Đống Đa | Văn Chương → Quốc Tử Giám → the district, due 28/09, in progress | open, overdue; a transfer out for each ward |
| rejected_at_door | not routed | rejected by the City Office | rejected |
| rejected_by_ward | Quốc Tử Giám | rejected as a duplicate | rejected |
| returned | not routed | Quốc Tử Giám returned it to the City Office, due 07/10 | open, overdue; a transfer out for Quốc Tử Giám |
| long_deadline | Quốc Tử Giám | due 20/11, in progress | open, not overdue |
| before_period | Văn Chương | received 31/07, answered | outside the period |
| after_period | Văn Chương | received 01/10, due 15/10, in progress | outside the period; open, overdue now |
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timezone

from portal.domain.figures import Period
from portal.domain.working_time import TZ
from portal.extensions import db
from portal.models import Case, CaseEvent, Unit

PERIOD = Period(date(2026, 8, 1), date(2026, 9, 30))


def hanoi(*parts: int) -> datetime:
    """A moment on Hanoi's clock, as aware UTC."""
    return datetime(*parts, tzinfo=TZ).astimezone(timezone.utc)


# The hand count for PERIOD, per line. handling: the answered cases' working days.
EXPECTED = {
    "van_chuong": dict(received=3, answered=3, answered_on_time=2, answered_late=1, open=0, open_overdue=0,
                       paused=0, rejected=0, transferred_out=1, extensions_granted=0, rated_satisfied=1,
                       rated_accepted=1, rated_unsatisfied=1),
    "quoc_tu_giam": dict(received=4, answered=1, answered_on_time=1, answered_late=0, open=2, open_overdue=1,
                         paused=0, rejected=1, transferred_out=2, extensions_granted=1, rated_satisfied=0,
                         rated_accepted=0, rated_unsatisfied=0),
    "dong_da_own": dict(received=1, answered=0, answered_on_time=0, answered_late=0, open=1, open_overdue=1,
                        paused=0, rejected=0, transferred_out=0, extensions_granted=0, rated_satisfied=0,
                        rated_accepted=0, rated_unsatisfied=0),
    "so_xay_dung": dict(received=3, answered=1, answered_on_time=1, answered_late=0, open=2, open_overdue=1,
                        paused=2, rejected=0, transferred_out=0, extensions_granted=1, rated_satisfied=1,
                        rated_accepted=0, rated_unsatisfied=0),
    "unrouted": dict(received=2, answered=0, answered_on_time=0, answered_late=0, open=1, open_overdue=1,
                     paused=0, rejected=1, transferred_out=0, extensions_granted=0, rated_satisfied=0,
                     rated_accepted=0, rated_unsatisfied=0),
}
EXPECTED["dong_da"] = {key: EXPECTED["van_chuong"][key] + EXPECTED["quoc_tu_giam"][key] + EXPECTED["dong_da_own"][key]
                       for key in EXPECTED["van_chuong"]}
EXPECTED["city"] = {key: EXPECTED["dong_da"][key] + EXPECTED["so_xay_dung"][key] + EXPECTED["unrouted"][key]
                    for key in EXPECTED["dong_da"]}
HANDLING_DAYS = {
    "van_chuong": [7.125, 12.25, 11.125],
    "quoc_tu_giam": [11.625],
    "so_xay_dung": [14.125],
}
# Grouped medians over classes of whole working days, by hand: Văn Chương has one case in each of the
# classes 7, 11, 12, so the middle (1.5 of 3) is half-way into class 11: 11.5. Đống Đa: 7, 11, 11, 12,
# the middle (2 of 4) is one of the two in class 11: 11.5. The city adds 14: the middle (2.5 of 5) is
# 1.5 of the 2 in class 11: 11.75.
MEDIAN_DAYS = {"van_chuong": 11.5, "quoc_tu_giam": 11.5, "dong_da": 11.5, "so_xay_dung": 14.5, "city": 11.75}


def classes_of(days: list[float]) -> list[int]:
    """The handling-time classes (whole working days) of some answered cases."""
    classes = [0] * 31
    for value in days:
        classes[min(int(value), 30)] += 1
    return classes


@dataclass
class City:
    units: dict[str, Unit]
    cases: dict[str, Case]

    def __getitem__(self, name: str) -> Unit:
        return self.units[name]


def event(case: Case, at: datetime, type_: str, from_state: str | None = None, to_state: str | None = None,
          from_unit: Unit | None = None, to_unit: Unit | None = None, note: str | None = None) -> None:
    db.session.add(CaseEvent(case_id=case.id, at=at, type=type_, from_state=from_state, to_state=to_state,
                             from_unit_id=from_unit.id if from_unit else None,
                             to_unit_id=to_unit.id if to_unit else None, note=note))


def build(make) -> City:
    city = make.unit("UBND Thành phố Hà Nội", kind="city", code="HN")
    office = make.unit("Văn phòng UBND Thành phố", kind="city_office", parent=city, code="VP-UBND")
    dong_da = make.unit("UBND Quận Đống Đa", kind="district", parent=city, code="Q006")
    van_chuong = make.unit("UBND Phường Văn Chương", parent=dong_da, code="P00193")
    quoc_tu_giam = make.unit("UBND Phường Quốc Tử Giám", parent=dong_da, code="P00196")
    so_xay_dung = make.unit("Sở Xây dựng", kind="department", parent=city, code="SO-XD")
    units = {"city": city, "office": office, "dong_da": dong_da, "van_chuong": van_chuong,
             "quoc_tu_giam": quoc_tu_giam, "so_xay_dung": so_xay_dung}
    category = make.category(code="GT")
    cases: dict[str, Case] = {}

    def new(name, unit, received, due, state, routed_to=None, **fields):
        # The factory's case, without a commit per case (one commit for the whole city below).
        case = Case(code=f"HB{len(cases) + 1:02d}-{name[:4].upper()}", source="app", kind="field", category=category,
                    priority=fields.pop("priority", "normal"), title=f"Phản ánh {name.replace('_', ' ')}",
                    content="Nội dung phản ánh dựng tay.", unit=unit, state=state, received_at=received,
                    due_at=due, **fields)
        db.session.add(case)
        db.session.flush()
        cases[name] = case
        event(case, received, "received", to_state="received")
        if routed_to or unit:
            event(case, received.replace(minute=30), "routed", "received", "assigned", to_unit=routed_to or unit)
        return case

    vc, qtg, sxd = van_chuong, quoc_tu_giam, so_xay_dung

    c = new("on_time", vc, hanoi(2026, 8, 3, 9), hanoi(2026, 8, 17, 17), "closed",
            answered_at=hanoi(2026, 8, 12, 10), closed_at=hanoi(2026, 8, 13, 9), rating="satisfied")
    event(c, hanoi(2026, 8, 3, 10), "taken", "assigned", "in_progress")
    event(c, hanoi(2026, 8, 12, 10), "answered", "in_progress", "answered")
    event(c, hanoi(2026, 8, 13, 9), "rated", "answered", "closed", note="Hài lòng")

    c = new("late", vc, hanoi(2026, 8, 4, 9), hanoi(2026, 8, 18, 17), "closed",
            answered_at=hanoi(2026, 8, 20, 11), closed_at=hanoi(2026, 8, 21, 9), rating="accepted")
    event(c, hanoi(2026, 8, 4, 10), "taken", "assigned", "in_progress")
    event(c, hanoi(2026, 8, 20, 11), "answered", "in_progress", "answered")
    event(c, hanoi(2026, 8, 21, 9), "rated", "answered", "closed", note="Chấp nhận")

    c = new("overdue_open", qtg, hanoi(2026, 8, 10, 9), hanoi(2026, 9, 3, 17), "in_progress", extension_count=1)
    event(c, hanoi(2026, 8, 10, 10), "taken", "assigned", "in_progress")
    event(c, hanoi(2026, 8, 20, 9), "extension_requested")
    event(c, hanoi(2026, 8, 21, 9), "extension_granted", note="Gia hạn đến 03/09/2026")

    c = new("paused_holiday", qtg, hanoi(2026, 8, 27, 9), hanoi(2026, 9, 16, 17), "closed",
            answered_at=hanoi(2026, 9, 16, 15), closed_at=hanoi(2026, 9, 23, 15))
    event(c, hanoi(2026, 8, 27, 10), "taken", "assigned", "in_progress")
    event(c, hanoi(2026, 8, 28, 10), "paused", "in_progress", "paused")
    event(c, hanoi(2026, 9, 3, 10), "resumed", "paused", "in_progress")
    event(c, hanoi(2026, 9, 16, 15), "answered", "in_progress", "answered")
    event(c, hanoi(2026, 9, 23, 15), "closed", "answered", "closed")

    c = new("paused_in_time", sxd, hanoi(2026, 9, 15, 9), hanoi(2026, 9, 29, 17), "paused",
            paused_at=hanoi(2026, 9, 16, 10))
    event(c, hanoi(2026, 9, 15, 10), "taken", "assigned", "in_progress")
    event(c, hanoi(2026, 9, 16, 10), "paused", "in_progress", "paused")

    c = new("paused_late", sxd, hanoi(2026, 8, 3, 9), hanoi(2026, 8, 17, 17), "paused",
            paused_at=hanoi(2026, 8, 19, 9))
    event(c, hanoi(2026, 8, 3, 10), "taken", "assigned", "in_progress")
    event(c, hanoi(2026, 8, 19, 9), "paused", "in_progress", "paused")

    c = new("extended", sxd, hanoi(2026, 9, 10, 9), hanoi(2026, 10, 1, 17), "closed", extension_count=1,
            answered_at=hanoi(2026, 9, 30, 10), closed_at=hanoi(2026, 10, 1, 9), rating="satisfied")
    event(c, hanoi(2026, 9, 10, 10), "taken", "assigned", "in_progress")
    event(c, hanoi(2026, 9, 21, 9), "extension_requested")
    event(c, hanoi(2026, 9, 22, 9), "extension_granted", note="Gia hạn đến 01/10/2026")
    event(c, hanoi(2026, 9, 30, 10), "answered", "in_progress", "answered")
    event(c, hanoi(2026, 10, 1, 9), "rated", "answered", "closed", note="Hài lòng")

    c = new("reopened", vc, hanoi(2026, 9, 7, 9), hanoi(2026, 9, 23, 17), "answered",
            answered_at=hanoi(2026, 9, 22, 10), rating="unsatisfied")
    event(c, hanoi(2026, 9, 7, 10), "taken", "assigned", "in_progress")
    event(c, hanoi(2026, 9, 15, 10), "answered", "in_progress", "answered")
    event(c, hanoi(2026, 9, 16, 9), "rated", "answered", "answered", note="Chưa hài lòng")
    event(c, hanoi(2026, 9, 16, 9), "reopened", "answered", "in_progress")
    event(c, hanoi(2026, 9, 22, 10), "answered", "in_progress", "answered")

    c = new("transferred_twice", dong_da, hanoi(2026, 9, 14, 9), hanoi(2026, 9, 28, 17), "in_progress",
            transfer_count=2, routed_to=vc)
    event(c, hanoi(2026, 9, 14, 14), "transferred", "assigned", "assigned", from_unit=vc, to_unit=qtg)
    event(c, hanoi(2026, 9, 15, 9), "transferred", "assigned", "assigned", from_unit=qtg, to_unit=dong_da)
    event(c, hanoi(2026, 9, 15, 10), "taken", "assigned", "in_progress")

    c = new("rejected_at_door", None, hanoi(2026, 9, 18, 9), hanoi(2026, 10, 2, 17), "rejected",
            reject_reason="Nội dung trùng lặp.")
    event(c, hanoi(2026, 9, 18, 10), "rejected", "received", "rejected")

    c = new("rejected_by_ward", qtg, hanoi(2026, 9, 21, 9), hanoi(2026, 10, 5, 17), "rejected",
            reject_reason="Trùng với phản ánh đã xử lý.")
    event(c, hanoi(2026, 9, 22, 9), "rejected", "assigned", "rejected")

    c = new("returned", None, hanoi(2026, 9, 23, 9), hanoi(2026, 10, 7, 17), "received")
    event(c, hanoi(2026, 9, 23, 10), "routed", "received", "assigned", to_unit=qtg)
    event(c, hanoi(2026, 9, 23, 15), "returned", "assigned", "received", from_unit=qtg)

    c = new("long_deadline", qtg, hanoi(2026, 9, 30, 9), hanoi(2026, 11, 20, 17), "in_progress", priority="complex")
    event(c, hanoi(2026, 9, 30, 10), "taken", "assigned", "in_progress")

    c = new("before_period", vc, hanoi(2026, 7, 31, 9), hanoi(2026, 8, 14, 17), "answered",
            answered_at=hanoi(2026, 8, 5, 9))
    event(c, hanoi(2026, 8, 5, 9), "answered", "assigned", "answered")

    c = new("after_period", vc, hanoi(2026, 10, 1, 9), hanoi(2026, 10, 15, 17), "in_progress")
    event(c, hanoi(2026, 10, 1, 10), "taken", "assigned", "in_progress")

    db.session.commit()
    return City(units=units, cases=cases)
