"""The routing rules page /intake/rules: the City Office and administrators keep the rules."""
import re

import pytest
from sqlalchemy import select

from portal.domain import routing
from portal.extensions import db
from portal.models import RoutingRule

from tests.conftest import csrf_token_from, signed_in_client


@pytest.fixture
def city(make):
    district = make.unit("UBND Quận Đống Đa", kind="district", code="Q006")
    return {
        "district": district,
        "ward": make.unit("UBND Phường Văn Chương", parent=district, code="P00193"),
        "construction": make.unit("Sở Xây dựng", kind="department", code="SO-XD"),
        "office": make.unit("Văn phòng UBND Thành phố", kind="city_office", code="VP-UBND"),
        "roads": make.category(code="GT", name="Giao thông"),
    }


@pytest.fixture
def office(app, make, city):
    return signed_in_client(app, make.user("city_office", city["office"]))


def post_rule(client, path="/intake/rules", **fields):
    token = csrf_token_from(client.get("/intake/rules").get_data(as_text=True))
    data = {"csrf_token": token, "category_id": "", "place": "", "unit": "", "position": "100", "note": "",
            "active": "y"}
    data.update(fields)
    return client.post(path, data=data)


@pytest.mark.parametrize("role", ["handler", "unit_lead", "chair", "inspector", "hotline"])
def test_only_the_city_office_and_administrators_open_the_rules(app, make, city, role):
    client = signed_in_client(app, make.user(role, city["ward"]))
    assert client.get("/intake/rules").status_code == 403
    assert client.get("/intake/import").status_code == 403


def test_an_administrator_opens_the_rules_page(app, make, city):
    client = signed_in_client(app, make.user("admin", city["office"]))
    assert client.get("/intake/rules").status_code == 200


def test_the_intake_link_is_in_the_city_offices_navigation(office):
    page = office.get("/intake/rules").get_data(as_text=True)
    assert 'href="/intake"' in page and "Tiếp nhận" in page


def test_the_city_office_adds_a_rule_and_new_cases_follow_it(office, city):
    response = post_rule(office, category_id=str(city["roads"].id), place="Văn Chương, Đống Đa",
                         unit="Sở Xây dựng (SO-XD)", position="10", note="Đường do Sở quản lý")
    assert response.status_code == 302
    rule = db.session.scalar(select(RoutingRule))
    assert (rule.category, rule.place, rule.unit, rule.position) == (city["roads"], city["ward"], city["construction"], 10)
    assert routing.route(city["roads"], city["ward"]) == city["construction"]
    page = office.get("/intake/rules").get_data(as_text=True)
    assert "Đã thêm quy tắc số 10" in page and "Đường do Sở quản lý" in page


def test_a_rule_with_an_unknown_unit_is_refused_with_the_message_by_the_field(office, city):
    response = post_rule(office, place="Phường Không Có", unit="Sở Không Tồn Tại")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Không tìm thấy đúng một phường, xã hoặc quận, huyện" in page
    assert "Không tìm thấy đơn vị này" in page
    assert db.session.scalar(select(RoutingRule)) is None


def test_a_rule_needs_a_unit_and_a_sensible_position(office, city):
    response = post_rule(office, unit="", position="0")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Vui lòng chọn đơn vị nhận xử lý." in page and "Thứ tự là số nguyên từ 1 đến 9999." in page


def test_a_rule_is_edited_paused_and_deleted(office, make, city):
    rule = make.routing_rule(city["construction"], place=city["district"], position=30)
    form = office.get(f"/intake/rules/{rule.id}/edit").get_data(as_text=True)
    assert 'value="UBND Quận Đống Đa (Q006)"' in form
    assert post_rule(office, f"/intake/rules/{rule.id}/edit", place="UBND Quận Đống Đa (Q006)",
                     unit="Văn phòng UBND Thành phố", position="5").status_code == 302
    db.session.refresh(rule)
    assert (rule.position, rule.unit) == (5, city["office"])

    token = csrf_token_from(office.get("/intake/rules").get_data(as_text=True))
    office.post(f"/intake/rules/{rule.id}/toggle", data={"csrf_token": token})
    db.session.refresh(rule)
    assert rule.active is False
    assert routing.route(city["roads"], city["ward"]) == city["ward"]  # the paused rule no longer applies

    office.post(f"/intake/rules/{rule.id}/delete", data={"csrf_token": token})
    assert db.session.scalar(select(RoutingRule)) is None
    assert office.post(f"/intake/rules/{rule.id}/delete", data={"csrf_token": token}).status_code == 404


def test_the_routing_check_says_which_unit_and_why(office, make, city):
    make.routing_rule(city["construction"], category=city["roads"], place=city["district"], position=7)
    response = office.get("/intake/rules/check", query_string={"check-category_id": city["roads"].id,
                                                               "check-address": "Số 5 P. Văn Chương"},
                          headers={"HX-Request": "true"})
    part = response.get_data(as_text=True)
    assert part.startswith('<div id="route-check">')  # the region only, for htmx
    facts = re.findall(r"<dd>(.*?)</dd>", part)
    assert facts == ["UBND Phường Văn Chương", "<strong>Sở Xây dựng</strong>", "Theo quy tắc phân loại số 7"]
    full = office.get("/intake/rules/check", query_string={"check-category_id": city["roads"].id, "check-address": "không rõ"})
    assert "<html" in full.get_data(as_text=True)
    assert "Văn phòng UBND Thành phố phân loại" in full.get_data(as_text=True)
