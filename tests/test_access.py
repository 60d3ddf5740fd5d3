"""Who may see what: role and unit decide, on the server."""
import pytest
from sqlalchemy import select

from portal.domain import access
from portal.extensions import db
from portal.models import Case

ROLES = ("handler", "unit_lead", "chair", "city_office", "inspector", "hotline", "admin")
# feature → roles that may open it; every other role is refused.
EXPECTED_FEATURES = {
    "queue": {"handler", "unit_lead", "city_office"},
    "compliance": {"unit_lead", "chair", "city_office", "inspector"},
    "rosters": {"unit_lead", "city_office", "inspector", "chair"},
    "hotline": {"hotline", "city_office", "admin"},
    "admin": {"admin"},
}


@pytest.fixture
def city(make):
    """Two districts with a ward each, and a department: enough to tell own from other."""
    root = make.unit("UBND Thành phố Hà Nội", kind="city", code="HN")
    office = make.unit("Văn phòng UBND Thành phố", kind="city_office", parent=root, code="VP-UBND")
    dong_da = make.unit("UBND Quận Đống Đa", kind="district", parent=root)
    van_chuong = make.unit("UBND Phường Văn Chương", parent=dong_da)
    ba_dinh = make.unit("UBND Quận Ba Đình", kind="district", parent=root)
    truc_bach = make.unit("UBND Phường Trúc Bạch", parent=ba_dinh)
    return {"root": root, "office": office, "dong_da": dong_da, "van_chuong": van_chuong,
            "ba_dinh": ba_dinh, "truc_bach": truc_bach}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("feature", sorted(EXPECTED_FEATURES))
def test_feature_access_by_role(make, city, role, feature):
    user = make.user(role, city["van_chuong"] if role in ("handler", "unit_lead") else city["dong_da"])
    assert access.may_use(user, feature) is (role in EXPECTED_FEATURES[feature])


@pytest.mark.parametrize("role, sees_own, sees_sibling_ward, sees_other_district", [
    ("handler", True, False, False),
    ("unit_lead", True, False, False),
    ("chair", True, False, False),
    ("city_office", True, True, True),
    ("inspector", True, True, True),
    ("hotline", True, True, True),
])
def test_case_visibility_by_role_and_unit(make, city, role, sees_own, sees_sibling_ward, sees_other_district):
    dong_da, van_chuong = city["dong_da"], city["van_chuong"]
    sibling = make.unit("UBND Phường Quốc Tử Giám", parent=dong_da)
    home = {"chair": dong_da, "city_office": city["office"], "inspector": city["office"],
            "hotline": city["office"]}.get(role, van_chuong)
    user = make.user(role, home)
    own = make.case(unit=van_chuong)
    in_sibling = make.case(unit=sibling)
    elsewhere = make.case(unit=city["truc_bach"])
    assert access.can_view_case(user, own) is sees_own
    assert access.can_view_case(user, elsewhere) is sees_other_district
    expected_sibling = sees_sibling_ward or role == "chair"
    assert access.can_view_case(user, in_sibling) is expected_sibling
    visible = set(db.session.scalars(select(Case.id).where(access.case_filter(user))))
    assert (own.id in visible, in_sibling.id in visible, elsewhere.id in visible) == (
        sees_own, expected_sibling, sees_other_district)


def test_chair_sees_the_district_and_every_ward_below_it(make, city):
    chair = make.user("chair", city["dong_da"])
    assert access.can_see_unit(chair, city["dong_da"])
    assert access.can_see_unit(chair, city["van_chuong"])
    assert not access.can_see_unit(chair, city["ba_dinh"])
    assert not access.can_see_unit(chair, city["truc_bach"])
    assert access.scope_root(chair) == city["dong_da"]


def test_a_case_not_yet_routed_is_seen_only_by_city_wide_roles(make, city):
    waiting = make.case(unit=None, state="received")
    assert access.can_view_case(make.user("city_office", city["office"]), waiting)
    assert not access.can_view_case(make.user("handler", city["van_chuong"]), waiting)
    assert not access.can_view_case(make.user("chair", city["dong_da"]), waiting)


@pytest.mark.parametrize("role, sees_contact", [
    ("handler", True), ("unit_lead", True), ("city_office", True), ("hotline", True),
    ("chair", False), ("inspector", False), ("admin", False),
])
def test_citizen_contact_only_for_those_who_handle_or_look_up(make, city, role, sees_contact):
    home = city["van_chuong"] if role in ("handler", "unit_lead") else (
        city["dong_da"] if role == "chair" else city["office"])
    case = make.case(unit=city["van_chuong"], citizen_phone="0912345678")
    assert access.can_see_contact(make.user(role, home), case) is sees_contact


@pytest.mark.parametrize("role, home", [
    ("handler", "queue"), ("unit_lead", "queue"), ("chair", "compliance"), ("city_office", "queue"),
    ("inspector", "compliance"), ("hotline", "hotline"), ("admin", "admin"),
])
def test_each_role_has_a_home_it_may_open(make, city, role, home):
    user = make.user(role, city["office"])
    assert access.ROLE_HOME[role] == home
    assert access.may_use(user, home)
