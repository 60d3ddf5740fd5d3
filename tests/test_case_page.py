"""The case page: who may open it, and whose contact details it shows."""
import pytest

from tests.conftest import signed_in_client


@pytest.fixture
def places(make):
    district = make.unit("UBND Quận Đống Đa", kind="district")
    ward = make.unit("UBND Phường Văn Chương", parent=district)
    other = make.unit("UBND Phường Trúc Bạch", parent=make.unit("UBND Quận Ba Đình", kind="district"))
    office = make.unit("Văn phòng UBND Thành phố", kind="city_office", code="VP-UBND")
    return {"district": district, "ward": ward, "other": other, "office": office}


def test_handler_opens_their_units_case_with_contact_and_timeline(app, make, places):
    case = make.case(unit=places["ward"], citizen_name="Nguyễn Văn An", citizen_phone="0912345678",
                     title="Rác thải tồn đọng ở ngõ 45")
    client = signed_in_client(app, make.user("handler", places["ward"]))
    html = client.get(f"/cases/{case.code}").get_data(as_text=True)
    assert "Rác thải tồn đọng ở ngõ 45" in html
    assert "Nguyễn Văn An" in html and "0912345678" in html
    assert "Tiếp nhận phản ánh" in html
    assert "Chờ xử lý" in html


def test_code_typed_in_lower_case_without_dash_opens_the_case(app, make, places):
    case = make.case(unit=places["ward"])
    client = signed_in_client(app, make.user("handler", places["ward"]))
    assert client.get(f"/cases/{case.code.replace('-', '').lower()}").status_code == 200


def test_case_of_another_unit_is_not_found_and_shows_nothing(app, make, places):
    case = make.case(unit=places["other"], title="Vỉa hè bị lấn chiếm ở Trúc Bạch", citizen_phone="0987654321")
    client = signed_in_client(app, make.user("handler", places["ward"]))
    response = client.get(f"/cases/{case.code}")
    assert response.status_code == 404
    body = response.get_data(as_text=True)
    assert "Trúc Bạch" not in body and "0987654321" not in body


def test_unknown_code_is_a_404(app, make, places):
    client = signed_in_client(app, make.user("handler", places["ward"]))
    assert client.get("/cases/ZZZZ-ZZZZ").status_code == 404
    assert client.get("/cases/khong-phai-ma").status_code == 404


def test_chair_sees_a_ward_case_without_the_citizens_contact(app, make, places):
    case = make.case(unit=places["ward"], citizen_name="Nguyễn Văn An", citizen_phone="0912345678")
    client = signed_in_client(app, make.user("chair", places["district"]))
    html = client.get(f"/cases/{case.code}").get_data(as_text=True)
    assert case.title in html
    assert "0912345678" not in html and "Nguyễn Văn An" not in html


def test_case_page_needs_sign_in(client, make, places):
    case = make.case(unit=places["ward"])
    response = client.get(f"/cases/{case.code}")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
