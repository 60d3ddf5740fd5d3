"""Sign-in, sign-out, throttling, CSRF and bad input on the login form."""
from datetime import timedelta

import pytest
from itsdangerous import TimestampSigner, URLSafeTimedSerializer
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import LoginAttempt, User
from tests.conftest import FIXED_NOW, csrf_token_from, signed_in_client

BAD_CREDENTIALS = "Tên đăng nhập hoặc mật khẩu không đúng."
THROTTLED = "Đăng nhập tạm thời bị khóa"


def test_handler_signs_in_and_sees_their_unit(app, auth, make):
    unit = make.unit("UBND Phường Văn Chương")
    make.user("handler", unit, username="can.bo")
    response = auth.login("can.bo")
    assert response.status_code == 302
    page = auth.client.get("/", follow_redirects=True).get_data(as_text=True)
    assert "UBND Phường Văn Chương" in page
    user = db.session.scalar(select(User).where(User.username == "can.bo"))
    assert user.last_login_at == FIXED_NOW


def test_username_is_not_case_sensitive(auth, make):
    make.user(username="can.bo")
    assert auth.login("  CAN.BO ").status_code == 302


@pytest.mark.parametrize("username, password", [("can.bo", "sai-mat-khau-1"), ("khong.ton.tai", "correct-horse-42")])
def test_wrong_password_and_unknown_user_get_the_same_message(auth, make, username, password):
    make.user(username="can.bo")
    response = auth.login(username, password)
    assert response.status_code == 422
    assert BAD_CREDENTIALS in response.get_data(as_text=True)


def test_empty_fields_say_what_is_missing(client, auth):
    response = client.post("/login", data={"username": "", "password": "", "csrf_token": auth.csrf_token()})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Vui lòng nhập tên đăng nhập." in html
    assert "Vui lòng nhập mật khẩu." in html


def test_five_failures_lock_the_username_even_with_the_right_password(app, auth, make):
    make.user(username="can.bo")
    for _ in range(5):
        assert auth.login("can.bo", "sai-mat-khau-1").status_code == 422
    response = auth.login("can.bo")
    assert response.status_code == 429
    assert THROTTLED in response.get_data(as_text=True)


def test_lock_lifts_after_the_window(app, auth, make):
    make.user(username="can.bo")
    for _ in range(5):
        auth.login("can.bo", "sai-mat-khau-1")
    app.config["FIXED_NOW"] = FIXED_NOW + timedelta(minutes=16)
    assert auth.login("can.bo").status_code == 302


def test_an_unknown_username_is_throttled_like_a_known_one(auth):
    for _ in range(5):
        auth.login("khong.ton.tai", "sai-mat-khau-1")
    assert auth.login("khong.ton.tai", "sai-mat-khau-1").status_code == 429


def test_many_failures_from_one_address_lock_that_address(app, auth, make):
    make.user(username="can.bo")
    app.config["LOGIN_THROTTLE_MAX_PER_ADDRESS"] = 6
    for n in range(6):
        auth.login(f"nguoi{n}", "sai-mat-khau-1")
    assert auth.login("can.bo").status_code == 429


def test_login_without_csrf_token_is_refused_and_records_nothing(client, make):
    make.user(username="can.bo")
    response = client.post("/login", data={"username": "can.bo", "password": "correct-horse-42"})
    assert response.status_code == 400
    assert "CSRF" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(LoginAttempt)) == 0
    assert client.get("/").status_code == 302  # still signed out


def test_logout_without_csrf_token_keeps_the_session(auth, make):
    make.user(username="can.bo")
    auth.login("can.bo")
    assert auth.client.post("/logout").status_code == 400
    assert auth.client.get("/", follow_redirects=True).request.path != "/login"


def test_htmx_header_token_is_accepted(auth, make):
    make.user(username="can.bo")
    auth.login("can.bo")
    page = auth.client.get("/", follow_redirects=True).get_data(as_text=True)
    token = csrf_token_from(page)
    response = auth.client.post("/logout", headers={"X-CSRFToken": token, "HX-Request": "true"})
    assert response.status_code == 302
    assert auth.client.get("/").headers["Location"].startswith("/login")


class _SignedAMinuteLater(TimestampSigner):
    def get_timestamp(self) -> int:
        return super().get_timestamp() + 60


def test_a_session_keeps_one_form_token_that_only_it_can_use(app, auth, make, monkeypatch):
    make.user(username="can.bo")
    make.user(username="can.bo.khac")
    auth.login("can.bo")
    first = csrf_token_from(auth.client.get("/", follow_redirects=True).get_data(as_text=True))
    with monkeypatch.context() as later:  # a minute later (as Flask-WTF would sign it then), a page with a form
        later.setattr(URLSafeTimedSerializer, "default_signer", _SignedAMinuteLater)
        again = csrf_token_from(auth.client.get("/account/password").get_data(as_text=True))
    assert again == first, "the same session was given a different token on its next page"
    other = signed_in_client(app, db.session.scalar(select(User).where(User.username == "can.bo.khac")))
    others_token = csrf_token_from(other.get("/", follow_redirects=True).get_data(as_text=True))
    assert others_token != first, "two sessions were given the same token"
    assert other.post("/logout", data={"csrf_token": first}).status_code == 400, "a token of another session was taken"
    assert auth.client.post("/logout", data={"csrf_token": first}).status_code == 302


def test_logout_signs_out(auth, make):
    make.user(username="can.bo")
    auth.login("can.bo")
    assert auth.logout().status_code == 302
    assert auth.client.get("/").headers["Location"].startswith("/login")


def test_a_10_mb_login_body_gets_a_clear_message(client):
    response = client.post("/login", data={"username": "a" * (10 * 1024 * 1024), "password": "x"})
    assert response.status_code == 413
    assert "vượt quá dung lượng" in response.get_data(as_text=True)


def test_malformed_unicode_is_a_clear_error_not_a_crash(client, auth):
    token = auth.csrf_token()
    body = b"username=%FF%FE%C3%28&password=%ED%A0%80&csrf_token=" + token.encode()
    response = client.post("/login", data=body, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 422
    assert BAD_CREDENTIALS in response.get_data(as_text=True)


def test_overlong_username_is_refused_politely(client, auth):
    response = client.post("/login", data={"username": "a" * 500, "password": "x", "csrf_token": auth.csrf_token()})
    assert response.status_code == 422
    assert "Tên đăng nhập quá dài." in response.get_data(as_text=True)


def test_expired_session_on_htmx_request_redirects_the_whole_page(client):
    response = client.get("/", headers={"HX-Request": "true"})
    assert response.status_code == 401
    assert response.headers["HX-Redirect"].startswith("/login")


def test_next_is_followed_only_within_the_site(auth, make):
    make.user(username="can.bo")
    token = auth.csrf_token()
    response = auth.client.post("/login?next=https://evil.example/", data={
        "username": "can.bo", "password": "correct-horse-42", "csrf_token": token})
    assert response.headers["Location"] == "/"


def test_one_time_password_must_be_changed_first(auth, make):
    user = make.user(username="can.bo.moi")
    user.must_change_password = True
    db.session.commit()
    assert auth.login("can.bo.moi").headers["Location"] == "/account/password"
    assert auth.client.get("/").headers["Location"] == "/account/password"
    page = auth.client.get("/account/password").get_data(as_text=True)
    response = auth.client.post("/account/password", data={
        "current_password": "correct-horse-42", "new_password": "ngan", "confirm": "ngan",
        "csrf_token": csrf_token_from(page)})
    assert response.status_code == 422
    assert "ít nhất 10 ký tự" in response.get_data(as_text=True)
    response = auth.client.post("/account/password", data={
        "current_password": "correct-horse-42", "new_password": "HaNoi-2026-moi", "confirm": "HaNoi-2026-moi",
        "csrf_token": csrf_token_from(page)})
    assert response.status_code == 302
    db.session.refresh(user)
    assert user.must_change_password is False
    assert user.check_password("HaNoi-2026-moi")


def test_passwords_are_stored_as_scrypt_hashes(make):
    user = make.user()
    user.set_password("HaNoi-2026-moi")
    assert user.password_hash.startswith("scrypt:")
    assert "HaNoi-2026-moi" not in user.password_hash


def test_inactive_account_cannot_sign_in(auth, make):
    user = make.user(username="nghi.viec")
    user.active = False
    db.session.commit()
    response = auth.login("nghi.viec")
    assert response.status_code == 422
    assert BAD_CREDENTIALS in response.get_data(as_text=True)


def test_sign_ins_and_failures_are_audited(auth, make):
    from portal.models import AuditEntry

    make.user(username="can.bo")
    auth.login("can.bo", "sai-mat-khau-1")
    auth.login("can.bo")
    auth.logout()
    entries = db.session.execute(select(AuditEntry.action, AuditEntry.username).order_by(AuditEntry.id)).all()
    assert entries == [("login_failed", "can.bo"), ("login", "can.bo"), ("logout", "can.bo")]


def test_a_session_in_use_is_renewed_once_a_minute_and_ends_after_hours_without_activity(app, auth, make, monkeypatch):
    import time

    make.user("handler", username="can.bo")
    assert auth.login("can.bo").status_code == 302
    client = auth.client
    assert client.get("/queue").status_code == 200
    # Within the minute: the page is answered without signing and sending the cookie again.
    assert "Set-Cookie" not in client.get("/queue").headers
    started = time.time()
    monkeypatch.setattr(time, "time", lambda: started + 61)
    renewed = client.get("/queue")
    assert renewed.status_code == 200 and "Expires=" in renewed.headers["Set-Cookie"], "the session was not renewed"
    # Active for hours, renewed on the way: still signed in.
    for hours in range(1, 12, 2):
        monkeypatch.setattr(time, "time", lambda: started + hours * 3600)
        assert client.get("/queue").status_code == 200, f"signed out after {hours} h of activity"
    # Eight hours (PERMANENT_SESSION_LIFETIME) and a bit without a request: sign in again.
    last = started + 11 * 3600
    monkeypatch.setattr(time, "time", lambda: last + app.config["PERMANENT_SESSION_LIFETIME"] + 120)
    response = client.get("/queue")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
