"""Every page of the portal, for every role, generated from the URL map: never a 500, never another
unit's case or roster, never a citizen's contact for a role that does not handle or look up cases."""
from __future__ import annotations

import io
import zipfile

import openpyxl
import pytest
from flask import current_app

from tests.conftest import signed_in_client

ROLES = ("handler", "unit_lead", "chair", "city_office", "inspector", "hotline", "admin")
UNIT_ROLES = ("handler", "unit_lead", "chair")  # roles that see their own unit (or district) only
# What belongs to a ward of another district; a unit-scoped role must never see it.
OTHER_TITLE = "Bí mật phường Trúc Bạch"
OTHER_PHONE = "0987000222"
OTHER_PERSON = "Lê Thị Kín Đáo"
OWN_PHONE = "0912000111"
PUBLIC = {"auth.login", "main.healthz", "static"}


@pytest.fixture
def world(make):
    root = make.unit("Ủy ban nhân dân Thành phố Hà Nội", kind="city", code="HN")
    office = make.unit("Văn phòng UBND Thành phố", kind="city_office", parent=root, code="VP-UBND")
    dong_da = make.unit("UBND Quận Đống Đa", kind="district", parent=root, code="Q006")
    van_chuong = make.unit("UBND Phường Văn Chương", parent=dong_da, code="P00193")
    ba_dinh = make.unit("UBND Quận Ba Đình", kind="district", parent=root, code="Q001")
    truc_bach = make.unit("UBND Phường Trúc Bạch", parent=ba_dinh, code="P00004")
    home_affairs = make.unit("Sở Nội vụ", kind="department", parent=root, code="SO-NV")
    own = make.case(unit=van_chuong, state="in_progress", title="Rác thải ngõ 45 Văn Chương",
                    citizen_name="Nguyễn Văn Riêng", citizen_phone=OWN_PHONE)
    other = make.case(unit=truc_bach, state="assigned", title=OTHER_TITLE, citizen_phone=OTHER_PHONE,
                      citizen_name="Trần Thị Khác")
    campaign = make.roster_campaign([van_chuong, truc_bach])
    other_roster = next(roster for roster in campaign.rosters if roster.unit_id == truc_bach.id)
    make.roster_row(other_roster, full_name=OTHER_PERSON)
    homes = {"handler": van_chuong, "unit_lead": van_chuong, "chair": dong_da, "city_office": office,
             "inspector": home_affairs, "hotline": office, "admin": office}
    return {"own": own, "other": other, "other_unit": truc_bach, "campaign": campaign, "homes": homes}


def _get_rules():
    return [rule for rule in current_app.url_map.iter_rules()
            if "GET" in rule.methods and rule.endpoint not in PUBLIC and not rule.endpoint.startswith("open311.")]


def _path(rule, world, target_case) -> str | None:
    """The rule's URL pointed at the other unit's things, or None when an argument cannot be filled."""
    values = {}
    for name in rule.arguments:
        if name == "code":
            values[name] = world["other_unit"].code if rule.rule.startswith("/rosters") else target_case.code
        elif name == "unit_id":
            values[name] = world["other_unit"].id
        elif name == "campaign_id":
            values[name] = world["campaign"].id
        elif name in ("row_id", "attachment_id", "number"):
            values[name] = 1
        else:
            return None
    with current_app.test_request_context():
        from flask import url_for
        return url_for(rule.endpoint, **values)


def _text_of(response) -> str:
    """What a person could read in the response: the page, or every cell of a spreadsheet."""
    if response.mimetype.endswith("spreadsheetml.sheet"):
        book = openpyxl.load_workbook(io.BytesIO(response.data), read_only=True)
        return " ".join(str(cell) for sheet in book for row in sheet.iter_rows(values_only=True) for cell in row)
    if response.mimetype.endswith("wordprocessingml.document"):
        with zipfile.ZipFile(io.BytesIO(response.data)) as document:
            return document.read("word/document.xml").decode()
    return response.get_data(as_text=True)


@pytest.mark.parametrize("role", UNIT_ROLES)
def test_no_page_shows_a_unit_scoped_role_another_districts_case_or_roster(app, make, world, role):
    client = signed_in_client(app, make.user(role, world["homes"][role]))
    checked = 0
    for rule in _get_rules():
        path = _path(rule, world, world["other"])
        if path is None:
            continue
        response = client.get(path)
        assert response.status_code < 500, f"{path} answered {response.status_code} to {role}"
        body = _text_of(response) if response.status_code == 200 else response.get_data(as_text=True)
        response.close()
        for secret in (OTHER_TITLE, OTHER_PHONE, OTHER_PERSON):
            assert secret not in body, f"{path} showed {secret!r} to a {role} of another district"
        checked += 1
    assert checked >= 20, "the URL map was not walked"


@pytest.mark.parametrize("role", ROLES)
def test_every_page_answers_every_role_without_error(app, make, world, role):
    client = signed_in_client(app, make.user(role, world["homes"][role]))
    for rule in _get_rules():
        path = _path(rule, world, world["own"])
        if path is None:
            continue
        response = client.get(path)
        response.get_data()  # a streamed file is read to its end, inside this request's context
        response.close()
        assert response.status_code in (200, 302, 303, 403, 404), f"{path} answered {response.status_code} to {role}"


@pytest.mark.parametrize("role", ("chair", "inspector", "admin"))
def test_citizen_contact_never_reaches_roles_that_do_not_handle_or_look_up(app, make, world, role):
    client = signed_in_client(app, make.user(role, world["homes"][role]))
    paths = [p for rule in _get_rules() if (p := _path(rule, world, world["own"]))]
    # Searched by the citizen's name: a phone in the results would be the leak (a typed phone is echoed).
    paths += ["/hotline?q=nguyen+van+rieng", "/hotline?q=van+chuong", "/queue?text=van+chuong"]
    for path in paths:
        response = client.get(path)
        text = _text_of(response) if response.status_code == 200 else ""
        response.close()
        assert OWN_PHONE not in text, f"{path} showed the citizen's phone to {role}"


def test_signed_out_visitors_are_sent_to_the_login_page_from_every_page(app, world):
    client = app.test_client()
    for rule in _get_rules():
        path = _path(rule, world, world["own"])
        if path is None:
            continue
        response = client.get(path)
        response.close()
        assert response.status_code == 302 and "/login" in response.headers["Location"], \
            f"{path} answered {response.status_code} to a signed-out visitor"
