"""Every /admin route, generated from the URL map: the administrator gets in, every other role gets 403,
and a signed-out visitor is sent to the login page."""
import re
from datetime import date

import pytest
from flask import url_for

from portal.extensions import db
from portal.models import ApiClient, CalendarException, User
from tests.admin.conftest import post_form, text_of
from tests.conftest import signed_in_client

OTHER_ROLES = ("handler", "unit_lead", "chair", "city_office", "inspector", "hotline")


@pytest.fixture
def samples(make, city, admin):
    """One record of each kind an /admin URL can name."""
    other = make.user("handler", city["van_chuong"], username="can.bo")
    category = make.category(code="GT", name="Giao thông")
    exception = CalendarException(day=date(2026, 11, 23), kind="day_off", note="Thử")
    client = ApiClient(name="Ứng dụng thử")
    client.set_key("khoa-thu-nghiem")
    db.session.add_all([exception, client])
    db.session.commit()
    return {"user_id": other.id, "unit_id": city["van_chuong"].id, "category_id": category.id,
            "exception_id": exception.id, "client_id": client.id}


def admin_routes(app):
    """(url, methods) of every route of the admin blueprint."""
    return [rule for rule in app.url_map.iter_rules() if rule.endpoint.startswith("admin.")]


def url_of(app, rule, samples) -> str:
    with app.test_request_context():
        return url_for(rule.endpoint, **{name: samples[name] for name in rule.arguments})


def test_the_admin_blueprint_has_the_pages_the_issue_asks_for(app):
    paths = {rule.rule for rule in admin_routes(app)}
    assert {"/admin", "/admin/users", "/admin/units", "/admin/categories", "/admin/calendar", "/admin/api-clients",
            "/admin/audit"} <= paths


def test_every_admin_page_opens_for_the_administrator(app, admin_client, samples):
    for rule in admin_routes(app):
        url = url_of(app, rule, samples)
        if "GET" in rule.methods:
            response = admin_client.get(url)
            assert response.status_code == 200, f"GET {url} answered {response.status_code}"
            assert 'lang="vi"' in text_of(response)
        else:
            response = post_form(admin_client, url)
            assert response.status_code not in (403, 500), f"POST {url} answered {response.status_code}"


@pytest.mark.parametrize("role", OTHER_ROLES)
def test_every_admin_route_refuses_other_roles(app, make, city, samples, role):
    user = make.user(role, city["district"] if role == "chair" else city["van_chuong"])
    client = signed_in_client(app, user)
    users_before = db.session.query(User).count()
    for rule in admin_routes(app):
        url = url_of(app, rule, samples)
        if "GET" in rule.methods:
            assert client.get(url).status_code == 403, f"{role} opened GET {url}"
        response = post_form(client, url, {"name": "Đổi tên", "rate_limit_per_minute": "5"},
                             token_page="/account/password") if "POST" in rule.methods else None
        if response is not None:
            assert response.status_code == 403, f"{role} got {response.status_code} on POST {url}"
    assert db.session.query(User).count() == users_before
    assert db.session.get(ApiClient, samples["client_id"]).active
    assert db.session.get(CalendarException, samples["exception_id"]) is not None


def test_every_admin_route_sends_a_signed_out_visitor_to_login(app, client, samples):
    for rule in admin_routes(app):
        url = url_of(app, rule, samples)
        if "GET" in rule.methods:
            response = client.get(url)
        else:
            response = post_form(client, url, token_page="/login")
        assert response.status_code == 302, f"{url} answered {response.status_code}"
        assert re.search(r"/login", response.headers["Location"]), response.headers["Location"]


def test_the_administrators_navigation_links_to_admin_and_other_roles_do_not_see_it(app, admin_client, make, city):
    assert 'href="/admin"' in text_of(admin_client.get("/admin/users"))
    handler = signed_in_client(app, make.user("handler", city["van_chuong"]))
    assert 'href="/admin"' not in text_of(handler.get("/", follow_redirects=True))


def test_an_id_no_column_can_hold_is_not_found_rather_than_an_error(admin_client):
    for url in ("/admin/users/99999999999999999999", "/admin/units/99999999999999999999",
                "/admin/categories/2147483648"):
        assert admin_client.get(url).status_code == 404, url
