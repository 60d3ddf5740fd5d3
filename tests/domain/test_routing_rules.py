"""Routing of new cases: the ward an address or a point means, and which rule or default decides the unit."""
import pytest

from portal.domain import routing
from portal.extensions import db
from portal.models import WardCentroid


@pytest.fixture
def hanoi(make):
    dong_da = make.unit("UBND Quận Đống Đa", kind="district")
    ha_dong = make.unit("UBND Quận Hà Đông", kind="district")
    thanh_xuan = make.unit("UBND Quận Thanh Xuân", kind="district")
    return {
        "dong_da": dong_da, "ha_dong": ha_dong, "thanh_xuan": thanh_xuan,
        "van_chuong": make.unit("UBND Phường Văn Chương", parent=dong_da),
        # A ward name found in two districts.
        "quang_trung_dd": make.unit("UBND Phường Quang Trung", parent=dong_da),
        "quang_trung_hd": make.unit("UBND Phường Quang Trung", parent=ha_dong),
        "thanh_xuan_bac": make.unit("UBND Phường Thanh Xuân Bắc", parent=thanh_xuan),
        "office": make.unit("Văn phòng UBND Thành phố", kind="city_office", code="VP-UBND"),
        "construction": make.unit("Sở Xây dựng", kind="department", code="SO-XD"),
        "water": make.unit("Công ty Nước sạch Hà Nội", kind="company", code="NS-HN"),
    }


@pytest.mark.parametrize("address", [
    "phuong van chuong",
    "P. Văn Chương",
    "P.Văn Chương, Q.Đống Đa, Hà Nội",
    "Văn Chương, Đống Đa",
    "Số 5 ngõ 40 phố Văn Chương, phường Văn Chương, quận Đống Đa",
    "UBND PHƯỜNG VĂN CHƯƠNG",
])
def test_the_ward_is_found_from_the_ways_people_write_it(hanoi, address):
    assert routing.PlaceIndex.load().ward_from_address(address) == hanoi["van_chuong"]


def test_a_ward_name_in_two_districts_needs_its_district(hanoi):
    places = routing.PlaceIndex.load()
    assert places.ward_from_address("Phường Quang Trung") is None
    assert places.ward_from_address("P. Quang Trung, Q. Hà Đông") == hanoi["quang_trung_hd"]
    assert places.ward_from_address("Quang Trung, Đống Đa, Hà Nội") == hanoi["quang_trung_dd"]


def test_the_longer_ward_name_wins_over_the_district_it_contains(hanoi):
    places = routing.PlaceIndex.load()
    assert places.ward_from_address("Số 2 Thanh Xuân Bắc, Thanh Xuân") == hanoi["thanh_xuan_bac"]


def test_a_ward_written_with_its_kind_beats_a_street_with_another_wards_name(hanoi):
    # "Quang Trung" is also a street; the ward named as a ward decides.
    places = routing.PlaceIndex.load()
    assert places.ward_from_address("Số 9 Quang Trung, phường Văn Chương") == hanoi["van_chuong"]


def test_an_address_without_a_known_ward_gives_its_district_or_nothing(hanoi):
    places = routing.PlaceIndex.load()
    assert places.place_of("Số 1 phố Huế, quận Đống Đa") == hanoi["dong_da"]
    assert places.place_of("Hồ Gươm") is None
    assert places.place_of("") is None


def test_a_merged_ward_leads_to_its_successor(hanoi, make):
    successor = make.unit("UBND Phường Đống Đa Mới")
    hanoi["van_chuong"].active = False
    hanoi["van_chuong"].successor = successor
    db.session.commit()
    assert routing.PlaceIndex.load().ward_from_address("P. Văn Chương") == successor


def test_coordinates_go_to_the_nearest_ward_centroid_within_3_km(hanoi):
    db.session.add_all([WardCentroid(unit_id=hanoi["van_chuong"].id, latitude=21.0206, longitude=105.8357),
                        WardCentroid(unit_id=hanoi["thanh_xuan_bac"].id, latitude=20.9950, longitude=105.8000)])
    db.session.commit()
    places = routing.PlaceIndex.load()
    assert places.ward_from_coordinates(21.0190, 105.8340) == hanoi["van_chuong"]
    assert places.ward_from_coordinates(20.9960, 105.8010) == hanoi["thanh_xuan_bac"]
    assert places.ward_from_coordinates(21.3000, 105.8000) is None  # ~30 km away: no ward
    # The address, when it names a ward, is believed before the point.
    assert places.place_of("P. Thanh Xuân Bắc", 21.0190, 105.8340) == hanoi["thanh_xuan_bac"]


def test_without_centroids_coordinates_do_not_place_a_case(hanoi):
    assert routing.PlaceIndex.load().ward_from_coordinates(21.0190, 105.8340) is None


def test_the_first_matching_rule_in_position_order_decides(hanoi, make):
    roads = make.category(code="GT")
    make.routing_rule(hanoi["water"], place=hanoi["dong_da"], position=20)
    make.routing_rule(hanoi["construction"], category=roads, place=hanoi["dong_da"], position=10)
    decision = routing.decide(roads, hanoi["van_chuong"])
    assert decision.unit == hanoi["construction"] and decision.rule.position == 10
    assert "quy tắc phân loại số 10" in decision.reason


def test_a_district_rule_covers_its_wards_and_not_others(hanoi, make):
    roads = make.category(code="GT")
    make.routing_rule(hanoi["construction"], place=hanoi["dong_da"])
    assert routing.route(roads, hanoi["van_chuong"]) == hanoi["construction"]
    assert routing.route(roads, hanoi["thanh_xuan_bac"]) == hanoi["thanh_xuan_bac"]  # the ward, by default


def test_a_rule_for_another_category_or_an_inactive_rule_is_skipped(hanoi, make):
    roads, water = make.category(code="GT"), make.category(code="NUOC")
    make.routing_rule(hanoi["water"], category=water)
    make.routing_rule(hanoi["construction"], category=roads, active=False, position=1)
    assert routing.route(roads, hanoi["van_chuong"]) == hanoi["van_chuong"]


def test_a_rule_for_any_place_applies_without_a_ward(hanoi, make):
    other = make.category(code="KHAC", default_unit_kind="city_office")
    make.routing_rule(hanoi["construction"], category=other)
    assert routing.route(other, None) == hanoi["construction"]


def test_no_rule_and_no_default_unit_leaves_the_case_to_the_city_office(hanoi, make):
    other = make.category(code="KHAC", default_unit_kind="city_office")
    roads = make.category(code="GT")
    decision = routing.decide(other, hanoi["van_chuong"])
    assert decision.unit is None and "Văn phòng UBND Thành phố" in decision.reason
    assert routing.route(roads, None) is None  # a ward category without a ward


def test_a_district_category_with_only_a_district_goes_to_the_district(hanoi, make):
    land = make.category(code="DD", kind="procedure", default_unit_kind="district")
    assert routing.route(land, hanoi["dong_da"]) == hanoi["dong_da"]
    assert routing.route(land, hanoi["van_chuong"]) == hanoi["dong_da"]


def test_a_rule_whose_unit_was_merged_sends_to_the_successor(hanoi, make):
    roads = make.category(code="GT")
    successor = make.unit("Sở Xây dựng (mới)", kind="department")
    hanoi["construction"].active = False
    hanoi["construction"].successor = successor
    db.session.commit()
    make.routing_rule(hanoi["construction"], category=roads)
    assert routing.route(roads, hanoi["van_chuong"]) == successor


@pytest.mark.parametrize("typed, expected", [
    ("Sở Xây dựng (SO-XD)", "construction"),
    ("SO-XD", "construction"),
    ("so xay dung", "construction"),
    ("Văn Chương, Đống Đa", None),  # not a place kind asked for
])
def test_a_unit_is_found_from_what_staff_type(hanoi, typed, expected):
    assert routing.find_unit(typed) == (hanoi[expected] if expected else None)


def test_a_place_is_found_from_an_address_like_text(hanoi):
    assert routing.find_unit("Văn Chương, Đống Đa", ("ward", "district")) == hanoi["van_chuong"]
    assert routing.find_unit("Quận Đống Đa", ("ward", "district")) == hanoi["dong_da"]
