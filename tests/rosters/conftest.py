"""A small city for the roster tests: two districts with wards, a department, one user per role,
and a campaign due on Friday 20/11/2026 (the fixed clock is Monday 16/11/2026, 09:00 in Hanoi)."""
from datetime import date

import pytest

from tests.conftest import signed_in_client


@pytest.fixture
def city(make):
    root = make.unit("Ủy ban nhân dân Thành phố Hà Nội", kind="city", code="HN")
    office_unit = make.unit("Văn phòng UBND Thành phố", kind="city_office", parent=root, code="VP-UBND")
    dong_da = make.unit("UBND Quận Đống Đa", kind="district", parent=root, code="Q006")
    van_chuong = make.unit("UBND Phường Văn Chương", parent=dong_da, code="P00193")
    quoc_tu_giam = make.unit("UBND Phường Quốc Tử Giám", parent=dong_da, code="P00190")
    ba_dinh = make.unit("UBND Quận Ba Đình", kind="district", parent=root, code="Q001")
    truc_bach = make.unit("UBND Phường Trúc Bạch", parent=ba_dinh, code="P00001")
    home_affairs = make.unit("Sở Nội vụ", kind="department", parent=root, code="SO-NV")
    units = {"root": root, "office_unit": office_unit, "dong_da": dong_da, "van_chuong": van_chuong,
             "quoc_tu_giam": quoc_tu_giam, "ba_dinh": ba_dinh, "truc_bach": truc_bach, "home_affairs": home_affairs}
    users = {
        "lead": make.user("unit_lead", van_chuong, username="lead.vanchuong", full_name="Trần Văn Minh"),
        "other_lead": make.user("unit_lead", truc_bach, username="lead.trucbach", full_name="Lê Thị Hoa"),
        "handler": make.user("handler", van_chuong, username="handler.vanchuong"),
        "office": make.user("city_office", office_unit, username="office", full_name="Phạm Thu Hà"),
        "inspector": make.user("inspector", home_affairs, username="inspector"),
        "chair": make.user("chair", dong_da, username="chair.dongda"),
        "hotline": make.user("hotline", office_unit, username="hotline"),
    }
    campaign = make.roster_campaign([dong_da, van_chuong, quoc_tu_giam, ba_dinh, truc_bach, home_affairs],
                                    due_on=date(2026, 11, 20))
    rosters = {roster.unit.code: roster for roster in campaign.rosters}
    return {**units, **users, "campaign": campaign, "rosters": rosters, "roster": rosters["P00193"]}


@pytest.fixture
def signed_in(app):
    """signed_in(user) → a test client signed in as that user."""
    return lambda user: signed_in_client(app, user)


def roster_url(roster, suffix: str = "") -> str:
    return f"/rosters/campaigns/{roster.campaign_id}/units/{roster.unit.code}{suffix}"
