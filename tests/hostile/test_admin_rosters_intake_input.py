"""The administrator's forms and lists, the rosters (rows, headcount, review, campaigns, filters), the
routing rules and the sign-in and password forms, with any field hostile, missing or repeated: a page or a
Vietnamese refusal, never a 500 (tests/admin/test_hostile_input.py covers the admin forms more lightly)."""
from hypothesis import given
from hypothesis import strategies as st

from tests.hostile.conftest import hostile_settings, token_of
from tests.hostile.strategies import (FORM, csrf, encoded, fields, headers, hostile_text, once, path_segment,
                                      value_or_hostile, weighted)

UNIT_NAMES = ("UBND Phường Văn Chương", "P00193", "Q006", "UBND Phường Văn Chương (P00193)", "SO-NV", "")


def admin_requests(world):
    units, users = world.units, world.users
    gt = world.categories["GT"].id
    forms = {
        "/admin/users/new": {"username": value_or_hostile("nguyen.an", "quan.tri", ""),
                             "full_name": value_or_hostile("Nguyễn Văn An", ""), "unit": value_or_hostile(*UNIT_NAMES),
                             "role": value_or_hostile("handler", "unit_lead", "admin", ""),
                             "email": value_or_hostile("an@hanoi.gov.vn", ""), "phone": value_or_hostile("0912345678", "")},
        f"/admin/users/{users['handler'].id}": {"full_name": value_or_hostile("Nguyễn Thị Hồng Nhung"),
                                                "unit": value_or_hostile(*UNIT_NAMES), "role": value_or_hostile("handler", "hotline"),
                                                "active": value_or_hostile("y", ""), "email": value_or_hostile("nhung@hanoi.gov.vn", "")},
        "/admin/units/new": {"code": value_or_hostile("P99999", "P00193", ""), "name": value_or_hostile("UBND Phường Mới", ""),
                             "kind": value_or_hostile("ward", "district", "city", ""), "parent": value_or_hostile(*UNIT_NAMES)},
        f"/admin/units/{units['hang_bot'].id}/name": {"name": value_or_hostile("UBND Phường Hàng Bột", "")},
        f"/admin/units/{units['hang_bot'].id}/retire": {"successor": value_or_hostile(*UNIT_NAMES),
                                                        "note": value_or_hostile("Nghị quyết 1656/NQ-UBTVQH15", ""),
                                                        "confirm": value_or_hostile("1", "")},
        "/admin/categories/new": {"code": value_or_hostile("CX", "GT", ""), "name": value_or_hostile("Cây xanh", ""),
                                  "kind": value_or_hostile("field", "procedure"), "default_unit_kind": value_or_hostile("ward", "department"),
                                  "default_unit_code": value_or_hostile("SO-NV", ""), "receive_hours": value_or_hostile("8", "0"),
                                  "urgent_hours": value_or_hostile("4"), "normal_days": value_or_hostile("10"),
                                  "complex_days": value_or_hostile("15"), "active": value_or_hostile("y", "")},
        f"/admin/categories/{gt}": {"name": value_or_hostile("Giao thông"), "default_unit_kind": value_or_hostile("ward"),
                                    "receive_hours": value_or_hostile("8"), "urgent_hours": value_or_hostile("4"),
                                    "normal_days": value_or_hostile("10"), "complex_days": value_or_hostile("15")},
        "/admin/calendar": {"day": value_or_hostile("24/11/2026", "2026-11-24", "31/02/2026", ""),
                            "kind": value_or_hostile("day_off", "working_day", ""), "note": value_or_hostile("Thông báo 6150/TB-BNV", "")},
        "/admin/api-clients": {"name": value_or_hostile("Ứng dụng iHanoi", ""), "rate_limit_per_minute": value_or_hostile("120", "0", "10001")},
        "/admin/units/import": {"step": value_or_hostile("preview", "apply", ""), "units_text": value_or_hostile("code,name,kind,parent_code"),
                                "mapping_text": value_or_hostile("old_code,old_name,new_code"), "note": value_or_hostile("Nghị quyết 1656")},
        "/account/password": {"current_password": value_or_hostile("correct-horse-42", ""),
                              "new_password": value_or_hostile("ngua-dung-pin-2026", "ngan"),
                              "confirm_password": value_or_hostile("ngua-dung-pin-2026", "")},
    }
    posts = st.one_of(*(st.tuples(st.just("POST"), st.just(path), fields(spec)) for path, spec in forms.items()))
    lists = {
        "/admin/users": {"q": hostile_text(), "unit": value_or_hostile(*UNIT_NAMES), "role": value_or_hostile("handler"),
                         "status": value_or_hostile("active", "locked", "first_login"), "page": value_or_hostile("1", "2")},
        "/admin/units": {"q": value_or_hostile("dong da", "P00193"), "show": value_or_hostile("all", ""),
                         "parent": value_or_hostile(str(units["dong_da"].id)), "page": value_or_hostile("1")},
        "/admin/audit": {"action": value_or_hostile("login", "export"), "q": hostile_text(),
                         "date_from": value_or_hostile("01/11/2026"), "date_to": value_or_hostile("16/11/2026"), "page": value_or_hostile("1")},
        "/admin/calendar": {"year": value_or_hostile("2026", "1999", "3000")},
        "/admin/units/new": {"parent": value_or_hostile(str(units["dong_da"].id))},
        "/admin/categories": {}, "/admin/api-clients": {},
    }
    gets = st.one_of(*(st.tuples(st.just("GET"), st.just(path), fields(spec)) for path, spec in lists.items()))
    return st.tuples(weighted((3, posts), (2, gets)), csrf(world.tokens["admin"]), headers())


@hostile_settings(550)
@given(data=st.data())
def test_any_admin_form_or_filter_gets_a_page(app, world, send, data):
    (method, path, pairs), token, sent_headers = data.draw(once(world, "admin", lambda: admin_requests(world)))
    client = world.clients["admin"]
    if method == "GET":
        send(client, "GET", path, query_string=encoded(pairs), headers=sent_headers)
    else:
        send(client, "POST", path, data=encoded(token + pairs), content_type=FORM, headers=sent_headers)


def roster_requests(world):
    campaign = world.campaign.id
    own = f"/rosters/campaigns/{campaign}/units/P00193"
    row = world.rosters["P00193"].rows[0].id
    row_fields = {"full_name": value_or_hostile("Trần Thị Lan", ""), "job_title": value_or_hostile("Chuyên viên", ""),
                  "role": value_or_hostile("leader", "focal", "handler", ""),
                  "phone": value_or_hostile("0912345678", "0912 345 678", "", "12"),
                  "email": value_or_hostile("lan@hanoi.gov.vn", ""), "registered": value_or_hostile("y", ""),
                  "registered_on": value_or_hostile("2026-11-10", "10/11/2026", "2026-12-01", "")}
    posts = {
        (own + "/rows", "unit_lead"): row_fields,
        (own + f"/rows/{row}", "unit_lead"): row_fields,
        (own + f"/rows/{row}/registration", "unit_lead"): {"registered_on": value_or_hostile("2026-11-10", "2026-12-01", "")},
        (own + "/headcount", "unit_lead"): {"headcount": value_or_hostile("25", "0", "100001", "")},
        (own + "/review", "city_office"): {"decision": value_or_hostile("accepted", "returned", ""),
                                           "comment": value_or_hostile("Bổ sung số điện thoại", "", "a" * 2001)},
        ("/rosters/campaigns/new", "city_office"): {
            "title": value_or_hostile("Danh sách cán bộ năm 2027", ""), "legal_basis": value_or_hostile("Công điện số 05/CĐ-UBND", ""),
            "due_on": value_or_hostile("2026-12-01", "2026-11-01", ""), "groups": value_or_hostile("district", "department", "ward"),
            "ward_districts": value_or_hostile(str(world.units["dong_da"].id), "0")},
    }
    post = st.one_of(*(st.tuples(st.just("POST"), st.just(path), st.just(role), fields(spec)) for (path, role), spec in posts.items()))
    gets = {
        (f"/rosters/campaigns/{campaign}", "city_office"): {"status": value_or_hostile("not_submitted", "returned", "late", "overdue"),
                                                            "group": value_or_hostile("district", "ward"),
                                                            "district": value_or_hostile(str(world.units["dong_da"].id)),
                                                            "q": hostile_text()},
        (own, "unit_lead"): {"add": value_or_hostile("1"), "edit": value_or_hostile(str(row), "0")},
        (own + "/versions/1", "city_office"): {},
        (own + f"/rows/{row}", "unit_lead"): {}, (own + "/rows/new", "unit_lead"): {},
        (f"/rosters/campaigns/{campaign}/reminder", "city_office"): {},
    }
    get = st.one_of(*(st.tuples(st.just("GET"), st.just(path), st.just(role), fields(spec)) for (path, role), spec in gets.items()))
    odd_unit = st.tuples(st.just("GET"), hostile_text().map(lambda code: f"/rosters/campaigns/{campaign}/units/{path_segment(code)}"),
                         st.sampled_from(["city_office", "chair", "inspector"]), st.just([]))
    return st.tuples(weighted((4, post), (3, get), (1, odd_unit)), csrf("{token}"), headers())


@hostile_settings(550)
@given(data=st.data())
def test_any_roster_form_or_filter_gets_a_page(app, world, send, data):
    (method, path, role, pairs), token, sent_headers = data.draw(once(world, "rosters", lambda: roster_requests(world)))
    client = world.clients[role]
    if method == "GET":
        send(client, "GET", path, query_string=encoded(pairs), headers=sent_headers)
    else:
        token = [(name, value.replace("{token}", world.tokens[role])) for name, value in token]
        send(client, "POST", path, data=encoded(token + pairs), content_type=FORM, headers=sent_headers)


def intake_requests(world):
    categories = [str(category.id) for category in world.categories.values()]
    rule = {"category_id": value_or_hostile(*categories, ""), "place": value_or_hostile("Phường Văn Chương", "P00193", ""),
            "unit": value_or_hostile(*UNIT_NAMES), "position": value_or_hostile("100", "0", "10000", ""),
            "note": value_or_hostile("Đường Văn Chương", ""), "active": value_or_hostile("y", "")}
    rule_id = world.rule.id
    post = st.tuples(st.just("POST"), st.sampled_from(["/intake/rules", f"/intake/rules/{rule_id}/edit"]), fields(rule))
    check = st.tuples(st.just("GET"), st.just("/intake/rules/check"),
                      fields({"check-category_id": value_or_hostile(*categories), "check-address": value_or_hostile(
                          "Số 5 ngõ 45 Văn Chương, Đống Đa", "Văn Chương", "")}))
    other = st.tuples(st.just("GET"), st.sampled_from(["/intake/rules", f"/intake/rules/{rule_id}/edit", "/intake/import"]),
                      fields({"first": value_or_hostile("1"), "last": value_or_hostile("2")}))
    return st.tuples(st.sampled_from(["city_office", "city_office", "admin"]), weighted((3, post), (3, check), (1, other)),
                     csrf("{token}"), headers())


@hostile_settings(300)
@given(data=st.data())
def test_any_routing_rule_or_check_gets_a_page(app, world, send, data):
    role, (method, path, pairs), token, sent_headers = data.draw(once(world, "intake", lambda: intake_requests(world)))
    client = world.clients[role]
    if method == "GET":
        send(client, "GET", path, query_string=encoded(pairs), headers=sent_headers)
    else:
        token = [(name, value.replace("{token}", world.tokens[role])) for name, value in token]
        send(client, "POST", path, data=encoded(token + pairs), content_type=FORM, headers=sent_headers)


def sign_in_requests():
    return st.tuples(fields({"username": value_or_hostile("can.bo", "khong.co", ""),
                             "password": value_or_hostile("correct-horse-42", "sai", ""),
                             "next": value_or_hostile("/queue", "//evil.example", "javascript:alert(1)", "")}),
                     st.booleans(), headers())


@hostile_settings(100)
@given(data=st.data())
def test_any_sign_in_form_signs_in_or_says_why_not(app, world, send, data):
    pairs, with_token, sent_headers = data.draw(once(world, "login", sign_in_requests))
    client = app.test_client()
    token = [("csrf_token", token_of(client, "/login"))] if with_token else []
    response = send(client, "POST", "/login", data=encoded(token + pairs), content_type=FORM, headers=sent_headers)
    location = response.headers.get("Location", "")
    assert not location.startswith(("//", "javascript:", "http")), f"sign-in sent the browser to {location!r}"
