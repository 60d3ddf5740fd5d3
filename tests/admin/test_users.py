"""Accounts: creation with a one-time password, first sign-in forced to change it, edits audited,
an administrator who cannot lock themselves out, and a list filtered by unit, role and text."""
import re

from sqlalchemy import select

from portal.domain import accounts
from portal.domain.passwords import policy_problem
from portal.extensions import db
from portal.models import AuditEntry, User
from tests.admin.conftest import post_form, text_of
from tests.conftest import FIXED_NOW, Auth, csrf_token_from

OTP = re.compile(r'data-secret="password">([a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4})<')


def create(admin_client, **fields):
    data = {"username": "nguyen.van.an", "full_name": "Nguyễn Văn An", "unit": "P00193", "role": "handler",
            "email": "", "phone": ""}
    data.update(fields)
    return post_form(admin_client, "/admin/users/new", data)


def audit_entries(action):
    return list(db.session.scalars(select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)))


def test_creating_an_account_shows_a_one_time_password_once_and_keeps_only_its_hash(admin_client, admin):
    response = create(admin_client)
    assert response.status_code == 201
    page = text_of(response)
    password = OTP.search(page).group(1)
    assert "chỉ hiển thị một lần" in page
    assert response.headers["Cache-Control"] == "no-store"
    user = db.session.scalar(select(User).where(User.username == "nguyen.van.an"))
    assert user.unit.code == "P00193" and user.role == "handler" and user.full_name == "Nguyễn Văn An"
    assert user.must_change_password is True
    assert password not in user.password_hash and user.check_password(password)
    assert policy_problem(password, user.username) is None
    assert password not in text_of(admin_client.get(f"/admin/users/{user.id}"))
    assert password not in text_of(admin_client.get("/admin/users"))
    [entry] = audit_entries("user_created")
    assert (entry.actor_id, entry.target) == (admin.id, "nguyen.van.an")


def test_first_sign_in_with_the_one_time_password_must_choose_a_new_one(app, admin_client):
    password = OTP.search(text_of(create(admin_client))).group(1)
    newcomer = app.test_client()
    signed_in = Auth(newcomer).login("nguyen.van.an", password)
    assert signed_in.status_code == 302 and signed_in.headers["Location"] == "/account/password"
    assert newcomer.get("/cases/ABC").headers["Location"] == "/account/password"
    form = newcomer.get("/account/password")
    assert "mật khẩu cấp một lần" in text_of(form)
    changed = newcomer.post("/account/password", data={
        "csrf_token": csrf_token_from(text_of(form)), "current_password": password,
        "new_password": "Hanoi-moi-2026", "confirm": "Hanoi-moi-2026"})
    assert changed.status_code == 302
    user = db.session.scalar(select(User).where(User.username == "nguyen.van.an"))
    db.session.refresh(user)
    assert user.must_change_password is False and user.check_password("Hanoi-moi-2026")


def test_a_taken_username_is_a_message_at_the_field_and_nothing_is_created(admin_client, make, city):
    make.user("handler", city["van_chuong"], username="nguyen.van.an")
    response = create(admin_client, full_name="Người khác")
    assert response.status_code == 422
    assert "Tên đăng nhập nguyen.van.an đã có người dùng." in text_of(response)
    assert db.session.scalar(select(User).where(User.full_name == "Người khác")) is None
    # Said at once, even while another field is still wrong.
    both = create(admin_client, full_name="Người khác", role="")
    assert "Tên đăng nhập nguyen.van.an đã có người dùng." in text_of(both) and "Vui lòng chọn vai trò." in text_of(both)


def test_bad_account_input_is_refused_field_by_field_and_the_form_keeps_what_was_typed(admin_client):
    cases = [
        ({"username": "Nguyễn An"}, "chỉ gồm chữ thường không dấu"),
        ({"full_name": ""}, "Vui lòng nhập họ và tên."),
        ({"unit": "Phường Không Có"}, "Không tìm thấy đơn vị «Phường Không Có»"),
        ({"role": "superuser"}, "Lựa chọn không hợp lệ."),
        ({"email": "an@"}, "Địa chỉ thư điện tử không hợp lệ."),
        ({"phone": "12345"}, "Số điện thoại không hợp lệ"),
        ({"full_name": "Nguyễn\x00An"}, "ký tự điều khiển"),
        ({"full_name": "A" * 500}, "Họ và tên tối đa 120 ký tự."),
    ]
    for fields, message in cases:
        response = create(admin_client, **fields)
        assert response.status_code == 422, fields
        assert message in text_of(response), fields
    assert "value=\"nguyen.van.an\"" in text_of(create(admin_client, role=""))
    assert db.session.scalar(select(User).where(User.username == "nguyen.van.an")) is None


def test_a_unit_can_be_chosen_by_its_name_without_accents(admin_client):
    assert create(admin_client, unit="phuong van chuong").status_code == 201
    assert db.session.scalar(select(User).where(User.username == "nguyen.van.an")).unit.code == "P00193"


def test_a_retired_unit_is_refused_with_its_successor_named(admin_client, city, admin):
    from portal.domain.units import retire_unit

    retire_unit(city["hang_bot"], city["van_chuong"], actor=admin, now=FIXED_NOW)
    db.session.commit()
    response = create(admin_client, unit="P00196")
    assert response.status_code == 422
    assert "UBND Phường Hàng Bột đã ngừng hoạt động; đơn vị kế thừa: UBND Phường Văn Chương" in text_of(response)


def test_changing_a_role_is_recorded_in_the_audit_trail(admin_client, admin, make, city):
    user = make.user("handler", city["van_chuong"], username="tran.thi.b", full_name="Trần Thị B")
    response = post_form(admin_client, f"/admin/users/{user.id}", {
        "full_name": "Trần Thị B", "unit": "P00193", "role": "unit_lead", "active": "y"})
    assert response.status_code == 302
    db.session.refresh(user)
    assert user.role == "unit_lead"
    [entry] = audit_entries("role_changed")
    assert (entry.actor_id, entry.target, entry.detail) == (admin.id, "tran.thi.b", "Cán bộ xử lý → Lãnh đạo đơn vị")
    assert entry.at == FIXED_NOW
    assert "vai trò: Cán bộ xử lý → Lãnh đạo đơn vị" in text_of(admin_client.get(response.headers["Location"]))


def test_an_administrator_cannot_demote_themselves(admin_client, admin):
    response = post_form(admin_client, f"/admin/users/{admin.id}", {
        "full_name": admin.full_name, "unit": "SO-TTTT", "role": "handler", "active": "y"})
    assert response.status_code == 422
    assert "Bạn không thể tự thay đổi vai trò quản trị của chính mình" in text_of(response)
    db.session.refresh(admin)
    assert admin.role == "admin"
    assert audit_entries("role_changed") == []


def test_an_administrator_cannot_lock_themselves_out(admin_client, admin):
    response = post_form(admin_client, f"/admin/users/{admin.id}", {
        "full_name": admin.full_name, "unit": "SO-TTTT", "role": "admin"})  # "active" unticked
    assert response.status_code == 422
    assert "Bạn không thể tự khóa tài khoản của chính mình." in text_of(response)
    db.session.refresh(admin)
    assert admin.active is True


def test_locking_an_account_is_audited_and_ends_their_session(app, admin_client, make, city):
    user = make.user("handler", city["van_chuong"], username="le.van.c")
    handler_client = app.test_client()
    assert Auth(handler_client).login("le.van.c").status_code == 302
    response = post_form(admin_client, f"/admin/users/{user.id}", {
        "full_name": user.full_name, "unit": "P00193", "role": "handler"})
    assert response.status_code == 302
    assert [entry.target for entry in audit_entries("user_deactivated")] == ["le.van.c"]
    assert "/login" in handler_client.get("/cases/ABC").headers["Location"]


def test_moving_an_account_to_another_unit_is_recorded(admin_client, make, city):
    user = make.user("handler", city["van_chuong"], username="pham.d")
    post_form(admin_client, f"/admin/users/{user.id}", {
        "full_name": user.full_name, "unit": "P00196", "role": "handler", "active": "y"})
    db.session.refresh(user)
    assert user.unit.code == "P00196"
    [entry] = audit_entries("user_updated")
    assert "đơn vị: UBND Phường Văn Chương → UBND Phường Hàng Bột" in entry.detail


def test_a_move_or_a_new_role_reaches_a_session_already_open_at_its_next_page(app, admin_client, make, city):
    user = make.user("handler", city["van_chuong"], username="pham.e")
    handler_client = app.test_client()
    assert Auth(handler_client).login("pham.e").status_code == 302
    assert "UBND Phường Văn Chương" in text_of(handler_client.get("/queue"))
    post_form(admin_client, f"/admin/users/{user.id}", {
        "full_name": user.full_name, "unit": "P00196", "role": "handler", "active": "y"})
    page = text_of(handler_client.get("/queue"))
    assert "UBND Phường Hàng Bột" in page and "UBND Phường Văn Chương" not in page, \
        "the moved handler still works the old unit's queue"
    post_form(admin_client, f"/admin/users/{user.id}", {
        "full_name": user.full_name, "unit": "P00196", "role": "inspector", "active": "y"})
    assert handler_client.get("/queue").status_code == 403, "the former handler still opens a queue"


def test_resetting_a_password_gives_a_new_one_time_password_and_the_old_one_stops_working(admin_client, make, city):
    user = make.user("handler", city["van_chuong"], username="vu.e")
    response = post_form(admin_client, f"/admin/users/{user.id}/password")
    assert response.status_code == 200
    password = OTP.search(text_of(response)).group(1)
    db.session.refresh(user)
    assert user.check_password(password) and not user.check_password("correct-horse-42")
    assert user.must_change_password is True
    assert [entry.target for entry in audit_entries("password_reset")] == ["vu.e"]


def test_the_one_time_password_is_random_and_never_contains_look_alike_characters():
    passwords = {accounts.one_time_password("an") for _ in range(200)}
    assert len(passwords) == 200
    assert not any(set(password) & set("01ilo") for password in passwords)


def rows(client, url):
    """Only the list region (what an htmx search swaps in), so the page header does not count."""
    return text_of(client.get(url, headers={"HX-Request": "true"}))


def test_the_list_filters_by_unit_role_and_words_without_accents(admin_client, make, city):
    make.user("handler", city["van_chuong"], username="dang.thi.hoa", full_name="Đặng Thị Hoa")
    make.user("unit_lead", city["van_chuong"], username="bui.van.long", full_name="Bùi Văn Long")
    make.user("handler", city["hang_bot"], username="do.minh.duc", full_name="Đỗ Minh Đức")
    page = rows(admin_client, "/admin/users?q=dang+thi")
    assert "Đặng Thị Hoa" in page and "Bùi Văn Long" not in page
    page = rows(admin_client, "/admin/users?unit=P00193&role=handler")
    assert "Đặng Thị Hoa" in page and "Bùi Văn Long" not in page and "Đỗ Minh Đức" not in page
    page = rows(admin_client, "/admin/users?unit=Q006")  # a district keeps its wards
    assert "Đặng Thị Hoa" in page and "Đỗ Minh Đức" in page and "Hoàng Đức Thắng" not in page
    page = rows(admin_client, "/admin/users?unit=hang+bot")
    assert "Đỗ Minh Đức" in page and "Đặng Thị Hoa" not in page


def test_the_list_is_cut_into_pages_and_an_htmx_search_gets_only_the_rows(admin_client, make, city):
    for n in range(30):
        make.user("handler", city["van_chuong"], username=f"canbo{n:02d}", full_name=f"Cán bộ {n:02d}")
    first = text_of(admin_client.get("/admin/users?unit=P00193"))
    assert "1–25 / 30 tài khoản" in first and "Trang 1 / 2" in first
    second = text_of(admin_client.get("/admin/users?unit=P00193&page=2"))
    assert "26–30 / 30 tài khoản" in second
    assert "26–30 / 30 tài khoản" in text_of(admin_client.get("/admin/users?unit=P00193&page=999999999999999"))
    part = admin_client.get("/admin/users?q=canbo07", headers={"HX-Request": "true"})
    assert "HX-Request" in part.headers["Vary"]
    assert text_of(part).lstrip().startswith("<section id=\"users\"") and "Cán bộ 07" in text_of(part)
    assert "<html" not in text_of(part)
