"""Whatever is typed or put in the address, the administrator's pages answer with a page, never a 500."""
from datetime import date

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from portal.extensions import db
from portal.models import ApiClient, CalendarException
from tests.admin.conftest import post_form

# Text as it arrives from a browser or a script: any unicode (NUL and controls included), long or empty.
TEXT = st.one_of(st.text(max_size=300), st.sampled_from(["", " ", "0", "-1", "99999999999999999999", "31/02/2026",
                                                           "<script>alert(1)</script>", "' OR 1=1 --", "\x00",
                                                           "P00193", "đ" * 500, "1e9"]))
FIELDS = {
    "/admin/users/new": ("username", "full_name", "unit", "role", "email", "phone"),
    "/admin/units/new": ("code", "name", "kind", "parent"),
    "/admin/categories/new": ("code", "name", "kind", "default_unit_kind", "default_unit_code", "receive_hours",
                              "urgent_hours", "normal_days", "complex_days", "active"),
    "/admin/calendar": ("day", "kind", "note"),
    "/admin/api-clients": ("name", "rate_limit_per_minute"),
    "/admin/units/import": ("step", "units_text", "mapping_text", "note"),
}
SETTINGS = settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@SETTINGS
@given(url=st.sampled_from(sorted(FIELDS)), values=st.lists(TEXT, min_size=10, max_size=10))
def test_any_form_input_gets_a_page_not_an_error(admin_client, city, url, values):
    data = dict(zip(FIELDS[url], values))
    response = post_form(admin_client, url, data)
    assert response.status_code < 500, (url, data)
    db.session.rollback()


@SETTINGS
@given(values=st.lists(TEXT, min_size=6, max_size=6))
def test_any_edit_of_an_existing_record_gets_a_page_not_an_error(admin_client, city, admin, make, values):
    category = make.category()
    client = ApiClient(name="Thử")
    client.set_key(ApiClient.new_key())
    db.session.add(client)
    db.session.commit()
    for url, fields in ((f"/admin/users/{admin.id}", ("full_name", "unit", "role", "active", "email", "phone")),
                        (f"/admin/units/{city['hang_bot'].id}/name", ("name",)),
                        (f"/admin/units/{city['hang_bot'].id}/retire", ("successor", "note", "confirm")),
                        (f"/admin/categories/{category.id}", ("name", "default_unit_kind", "default_unit_code",
                                                             "receive_hours", "active", "normal_days")),
                        (f"/admin/api-clients/{client.id}/limit", ("rate_limit_per_minute",))):
        response = post_form(admin_client, url, dict(zip(fields, values)))
        assert response.status_code < 500, (url, values)
        db.session.rollback()


@SETTINGS
@given(query=st.dictionaries(st.sampled_from(["q", "unit", "role", "status", "page", "parent", "show", "action",
                                              "date_from", "date_to", "year"]), TEXT, max_size=5))
def test_any_filter_in_the_address_gets_a_page_not_an_error(admin_client, city, query):
    for url in ("/admin/users", "/admin/units", "/admin/audit", "/admin/calendar"):
        response = admin_client.get(url, query_string=query)
        assert response.status_code in (200, 404), (url, query)


def test_user_text_is_shown_inert(admin_client, city):
    post_form(admin_client, "/admin/api-clients", {"name": '<img src=x onerror=alert(1)> hx-get="/admin"',
                                                   "rate_limit_per_minute": "60"})
    page = admin_client.get("/admin/api-clients").get_data(as_text=True)
    assert "<img src=x" not in page and "&lt;img src=x onerror=alert(1)&gt;" in page
    db.session.add(CalendarException(day=date(2026, 11, 23), kind="day_off", note='"><script>alert(1)</script>'))
    db.session.commit()
    assert "<script>alert(1)" not in admin_client.get("/admin/calendar?year=2026").get_data(as_text=True)
