"""Who may use the hotline, and what the hotline may do with a case: look, never change."""
import re

import pytest
from flask import current_app, url_for

from portal.cases.forms import ACTION_GROUPS

from tests.conftest import csrf_token_from, signed_in_client

ROLES = ("handler", "unit_lead", "chair", "city_office", "inspector", "hotline", "admin")
HOTLINE_ROLES = {"hotline", "city_office", "admin"}
PAGES = ("/hotline", "/hotline?q=dong+da", "/hotline/calls", "/hotline/new-case", "/hotline/calls/counts.xlsx")


@pytest.fixture
def places(make):
    office = make.unit("Văn phòng UBND Thành phố", kind="city_office", code="VP-UBND")
    dong_da = make.unit("UBND Quận Đống Đa", kind="district")
    ward = make.unit("UBND Phường Văn Chương", parent=dong_da)
    return {"office": office, "dong_da": dong_da, "ward": ward}


def home_of(role, places):
    return {"handler": places["ward"], "unit_lead": places["ward"], "chair": places["dong_da"]}.get(
        role, places["office"])


@pytest.mark.parametrize("role", ROLES)
def test_only_hotline_city_office_and_admin_use_the_hotline(app, make, places, role):
    client = signed_in_client(app, make.user(role, home_of(role, places)))
    expected = 200 if role in HOTLINE_ROLES else 403
    for path in PAGES:
        assert client.get(path).status_code == expected, path
    nav = client.get("/hotline/calls" if role in HOTLINE_ROLES else "/login", follow_redirects=True)
    assert ('href="/hotline"' in nav.get_data(as_text=True)) is (role in HOTLINE_ROLES)


@pytest.mark.parametrize("role", sorted(set(ROLES) - HOTLINE_ROLES))
def test_other_roles_cannot_log_calls_or_file_cases_here(app, make, places, role):
    client = signed_in_client(app, make.user(role, home_of(role, places)))
    token = csrf_token_from(client.get("/", follow_redirects=True).get_data(as_text=True))
    assert client.post("/hotline/call", data={"csrf_token": token, "action": "start"}).status_code == 403
    assert client.post("/hotline/new-case", data={"csrf_token": token, "title": "x"}).status_code == 403


def test_signed_out_visitors_are_sent_to_sign_in(client):
    response = client.get("/hotline?q=dong+da")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    as_you_type = client.get("/hotline?q=dong+da", headers={"HX-Request": "true"})
    assert as_you_type.status_code == 401 and "/login" in as_you_type.headers["HX-Redirect"]


def test_the_hotline_lands_on_the_search_after_signing_in(app, make, places):
    client = signed_in_client(app, make.user("hotline", places["office"]))
    assert client.get("/").headers["Location"].endswith("/hotline")


@pytest.fixture
def answered_case(make, places):
    case = make.case(unit=places["ward"], state="answered", title="Rác thải tồn đọng ở ngõ 45",
                     citizen_name="Nguyễn Văn An", citizen_phone="0912345678", citizen_email="an@example.vn",
                     answer="Phường đã thu gom xong rác thải tồn đọng, nhắc nhở các hộ liên quan.")
    return case


def test_hotline_sees_state_timeline_public_answer_and_contact(app, make, places, answered_case):
    client = signed_in_client(app, make.user("hotline", places["office"]))
    html = client.get(f"/cases/{answered_case.code}").get_data(as_text=True)
    assert "Đã xử lý" in html
    assert "Tiếp nhận phản ánh" in html
    assert "Phường đã thu gom xong rác thải tồn đọng" in html
    assert "Nguyễn Văn An" in html and "0912345678" in html and "an@example.vn" in html


def test_hotline_case_page_has_no_form_that_changes_the_case(app, make, places, answered_case):
    client = signed_in_client(app, make.user("hotline", places["office"]))
    html = client.get(f"/cases/{answered_case.code}").get_data(as_text=True)
    posts = re.findall(r"<form[^>]*method=\"post\"[^>]*>", html, flags=re.IGNORECASE)
    actions = {re.search(r'action="([^"]*)"', form).group(1) for form in posts}
    with current_app.test_request_context():
        sign_out = url_for("auth.logout")
    assert actions <= {sign_out}, f"forms offered to the hotline: {actions}"
    assert "hx-post" not in html and "hx-put" not in html and "hx-delete" not in html


def test_hotline_is_refused_every_action_on_a_case(app, make, places, answered_case):
    """Every POST under /cases (the case actions, however many there are) answers 403 to the hotline."""
    client = signed_in_client(app, make.user("hotline", places["office"]))
    token = csrf_token_from(client.get("/hotline").get_data(as_text=True))
    actions = [rule for rule in current_app.url_map.iter_rules()
               if rule.endpoint.startswith("cases.") and "POST" in rule.methods]
    assert actions, "the case page has no actions to refuse"
    for rule in actions:
        # An action route names its group: try every real one, so a 404 for an unknown name proves nothing.
        for group in ACTION_GROUPS if "group_name" in rule.arguments else [None]:
            arguments = {name: answered_case.code if name == "code" else group if name == "group_name" else 1
                         for name in rule.arguments}
            with current_app.test_request_context():
                path = url_for(rule.endpoint, **arguments)
            response = client.post(path, data={"csrf_token": token}, headers={"X-CSRFToken": token})
            assert response.status_code == 403, f"{path} answered {response.status_code} to the hotline"
    # The case is as it was.
    assert client.get(f"/cases/{answered_case.code}").status_code == 200
