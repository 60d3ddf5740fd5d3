"""The compliance pages' filters (period, start, end, sort, dir, page; the letter's date; the year-end
year) and the inspection form, whatever they hold: a page or a Vietnamese refusal, never a 500."""
from hypothesis import given
from hypothesis import strategies as st

from tests.hostile.conftest import client_as, hostile_settings
from tests.hostile.strategies import FORM, csrf, encoded, fields, headers, once, value_or_hostile, weighted

COMPLIANCE_ROLES = ("chair", "city_office", "inspector", "unit_lead")
DAYS = ("2026-11-01", "2026-11-16", "01/11/2026", "16/11/2026", "2026-12-31", "1999-12-31", "2101-01-01", "")


def report_requests(world):
    units = world.units
    paths = [("/compliance", 6), ("/compliance/overdue", 4), (f"/compliance/units/{units['dong_da'].id}", 2),
             (f"/compliance/units/{units['van_chuong'].id}", 2), (f"/compliance/units/{units['truc_bach'].id}", 1),
             (f"/compliance/units/{units['van_chuong'].id}/overdue", 2), ("/compliance/units/99999999999", 1),
             ("/compliance/overdue-letter", 2), ("/compliance/year-end", 2), ("/compliance/table.xlsx", 1)]
    spec = {
        "period": value_or_hostile("week", "month", "launch", "custom", weight=3),
        "start": value_or_hostile(*DAYS, weight=2), "end": value_or_hostile(*DAYS, weight=2),
        "sort": value_or_hostile("name", "received", "answered", "open_overdue", "on_time_share", ""),
        "dir": value_or_hostile("asc", "desc", ""), "page": value_or_hostile("1", "2", "0"),
        "date": value_or_hostile(*DAYS), "year": value_or_hostile("2026", "2025", "1999", "20266", ""),
    }
    return st.tuples(st.sampled_from(COMPLIANCE_ROLES), weighted(*((w, st.just(p)) for p, w in paths)), fields(spec),
                     headers())


@hostile_settings(250)
@given(data=st.data())
def test_any_compliance_filter_gets_a_page(app, world, send, data):
    role, path, query, sent_headers = data.draw(once(world, "compliance", lambda: report_requests(world)))
    send(world.clients[role], "GET", path, query_string=encoded(query), headers=sent_headers)


def inspection_requests(world):
    spec = {
        "inspected_on": value_or_hostile("2026-11-10", "10/11/2026", "2026-11-17", "1999-01-01", ""),
        "inspectors": value_or_hostile("Đỗ Văn Kiên, Lê Thị Hoa", "", "a" * 501),
        "findings": value_or_hostile("Đơn vị trả lời đúng hạn 90% phản ánh.", ""),
        "conclusion": value_or_hostile("Đạt yêu cầu.", ""),
        "follow_up_due": value_or_hostile("2026-12-31", "2026-11-01", ""),
    }
    unit = world.units["van_chuong"].id
    return st.tuples(st.sampled_from(["inspector", "inspector", "inspector", "chair"]),
                     st.sampled_from([unit, unit, unit, world.units["dong_da"].id]), csrf(world.tokens["inspector"]),
                     fields(spec), headers())


@hostile_settings(150)
@given(data=st.data())
def test_any_inspection_form_is_recorded_or_refused_with_a_message(app, world, send, data):
    role, unit_id, token, body, sent_headers = data.draw(once(world, "inspections", lambda: inspection_requests(world)))
    token = [(name, world.tokens[role]) for name, _ in token] if token and token[0][1] == world.tokens["inspector"] else token
    send(world.clients[role], "POST", f"/compliance/units/{unit_id}/inspections/new", data=encoded(token + body),
         content_type=FORM, headers=sent_headers)


# Found by the generated requests above: the overdue list's page and the year-end year were read with
# str.isdigit() then int(), so "²" (a digit to isdigit(), not to int()) or a 5,000-digit year answered 500.
ODD_NUMBERS = ["/compliance/overdue?page=%C2%B2", "/compliance/overdue?page=" + "9" * 30,
               "/compliance/year-end?year=%C2%B2", "/compliance/year-end?year=" + "9" * 5000]


def test_odd_digits_in_the_overdue_page_or_year_get_a_page(app, make):
    chair = client_as(app, make.user("chair", make.unit("UBND Quận Đống Đa", kind="district")))
    answered = {url: chair.get(url).status_code for url in ODD_NUMBERS}
    assert all(status < 500 for status in answered.values()), answered

