"""Fixtures for the administrator's pages: a small city, an administrator signed in, and posting with a token."""
import pytest

from tests.conftest import csrf_token_from


@pytest.fixture
def city(make):
    """The city, its office, a department, and Quận Đống Đa with two wards."""
    root = make.unit("Ủy ban nhân dân Thành phố Hà Nội", kind="city", code="HN")
    office = make.unit("Văn phòng UBND Thành phố", kind="city_office", parent=root, code="VP-UBND")
    department = make.unit("Sở Thông tin và Truyền thông", kind="department", parent=root, code="SO-TTTT")
    district = make.unit("UBND Quận Đống Đa", kind="district", parent=root, code="Q006")
    van_chuong = make.unit("UBND Phường Văn Chương", parent=district, code="P00193")
    hang_bot = make.unit("UBND Phường Hàng Bột", parent=district, code="P00196")
    return {"root": root, "office": office, "department": department, "district": district,
            "van_chuong": van_chuong, "hang_bot": hang_bot}


@pytest.fixture
def admin(make, city):
    return make.user("admin", city["department"], username="quantri.vien", full_name="Hoàng Đức Thắng")


@pytest.fixture
def admin_client(app, admin):
    """A client whose session already holds the administrator (signing in through the form costs a scrypt
    check per test; the sign-in itself is tested in tests/test_auth.py and the first-login test here)."""
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = str(admin.id)
        session["_fresh"] = True
    return client


def post_form(client, url: str, data: dict | None = None, token_page: str = "/account/password", **kwargs):
    """POST a form as the browser would: with the session's CSRF token (read from `token_page`)."""
    token = csrf_token_from(client.get(token_page).get_data(as_text=True))
    return client.post(url, data={"csrf_token": token, **(data or {})}, **kwargs)


def text_of(response) -> str:
    return response.get_data(as_text=True)
