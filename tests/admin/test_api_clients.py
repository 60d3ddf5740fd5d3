"""API clients: the key is shown once on the page after creation, stored hashed; revocation is dated."""
import hashlib
import re

from sqlalchemy import select

from portal.extensions import db
from portal.models import ApiClient, AuditEntry
from tests.admin.conftest import post_form, text_of
from tests.conftest import FIXED_NOW

KEY = re.compile(r'data-secret="api-key">([A-Za-z0-9_-]{40,})<')


def create(client, name="Ứng dụng iHanoi", limit="60"):
    return post_form(client, "/admin/api-clients", {"name": name, "rate_limit_per_minute": limit})


def test_the_key_is_shown_once_and_only_its_hash_is_stored(admin_client, admin):
    response = create(admin_client)
    assert response.status_code == 201
    assert response.headers["Cache-Control"] == "no-store"
    key = KEY.search(text_of(response)).group(1)
    [client] = db.session.scalars(select(ApiClient))
    assert (client.name, client.rate_limit_per_minute, client.active, client.created_at) == (
        "Ứng dụng iHanoi", 60, True, FIXED_NOW)
    assert client.key_hash == hashlib.sha256(key.encode()).hexdigest() and client.check_key(key)
    assert key not in (client.key_hash, client.name)
    assert key not in text_of(admin_client.get("/admin/api-clients"))
    assert key not in text_of(admin_client.get("/admin/audit"))
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "api_client_created"))
    assert (entry.actor_id, entry.target) == (admin.id, "Ứng dụng iHanoi")


def test_two_clients_get_different_keys(admin_client):
    first = KEY.search(text_of(create(admin_client, "Ứng dụng A"))).group(1)
    second = KEY.search(text_of(create(admin_client, "Ứng dụng B"))).group(1)
    assert first != second


def test_revoking_sets_revoked_at_and_active_false_and_the_key_stops_matching_an_active_client(admin_client):
    create(admin_client)
    client = db.session.scalar(select(ApiClient))
    response = post_form(admin_client, f"/admin/api-clients/{client.id}/revoke")
    assert response.status_code == 302
    db.session.refresh(client)
    assert (client.active, client.revoked_at) == (False, FIXED_NOW)
    page = text_of(admin_client.get("/admin/api-clients"))
    assert "Đã thu hồi" in page and "16/11/2026 09:00" in page
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "api_client_revoked")).target == \
        "Ứng dụng iHanoi"
    again = post_form(admin_client, f"/admin/api-clients/{client.id}/revoke")
    assert "đã bị thu hồi trước đó" in text_of(admin_client.get(again.headers["Location"]))


def test_the_rate_limit_is_edited_and_bad_values_are_refused_in_the_row(admin_client):
    create(admin_client)
    client = db.session.scalar(select(ApiClient))
    assert post_form(admin_client, f"/admin/api-clients/{client.id}/limit",
                     {"rate_limit_per_minute": "300"}).status_code == 302
    db.session.refresh(client)
    assert client.rate_limit_per_minute == 300
    for value, message in (("0", "Từ 1 đến 10000 lần mỗi phút."), ("abc", "Vui lòng nhập một số nguyên."),
                           ("99999999999999999999", "Từ 1 đến 10000 lần mỗi phút.")):
        response = post_form(admin_client, f"/admin/api-clients/{client.id}/limit", {"rate_limit_per_minute": value})
        assert response.status_code == 422, value
        assert message in text_of(response), value
    db.session.refresh(client)
    assert client.rate_limit_per_minute == 300


def test_creating_a_client_with_bad_input_keeps_the_form_and_creates_nothing(admin_client):
    for name, limit, message in (("", "60", "Vui lòng nhập tên ứng dụng."), ("Ứng dụng", "-5", "Từ 1 đến 10000"),
                                 ("X" * 200, "60", "Tên ứng dụng tối đa 120 ký tự.")):
        response = create(admin_client, name, limit)
        assert response.status_code == 422 and message in text_of(response)
    create(admin_client, "Ứng dụng iHanoi")
    duplicate = create(admin_client, "Ứng dụng iHanoi")
    assert duplicate.status_code == 422 and "Đã có ứng dụng «Ứng dụng iHanoi» đang hoạt động" in text_of(duplicate)
    assert db.session.query(ApiClient).count() == 1
