"""The case page: who may open it, and whose contact details it shows."""
import re

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


# The case page writes its action forms as plain markup (portal/cases/markup.py) while POSTs
# are read by the WTForms classes: what a user sees must stay what those classes would render.

def _csrf(html: str) -> str:
    return html.split('name="csrf_token" value="')[1].split('"')[0]


@pytest.mark.parametrize("role, state", [("handler", "in_progress"), ("unit_lead", "in_progress"),
                                         ("handler", "assigned"), ("unit_lead", "answered")])
def test_every_action_field_shows_its_label_name_and_attributes_as_its_form_class_renders_them(
        app, make, places, role, state):
    from portal.cases.forms import ACTION_GROUPS

    case = make.case(unit=places["ward"], state=state)
    html = signed_in_client(app, make.user(role, places["ward"])).get(f"/cases/{case.code}").get_data(as_text=True)
    shown = [name for name in ACTION_GROUPS if f'id="action-{name}"' in html]
    assert shown, "the page shows no action"
    checked = 0
    with app.test_request_context():
        for name in shown:
            form = ACTION_GROUPS[name].form(formdata=None, prefix=name)
            form.version.data = str(case.version)
            assert f'id="{form.version.id}" name="{form.version.name}" type="hidden" value="{case.version}"' in html
            for field in form:
                if field.short_name == "version":
                    continue
                assert f"{field.label.text}</" in html, f"{field.name}: label missing"
                assert f'name="{field.name}"' in html, f"{field.name}: not posted under its name"
                if field.type in ("TextAreaField", "StringField", "DateField"):
                    # The whole control as WTForms writes it: id, name, required, maxlength, placeholder, rows.
                    if name in ("answer", "review"):
                        field.data = case.answer_draft
                    hint = f"{field.id}-hint"
                    markup = field(aria_describedby=hint) if f'id="{hint}"' in html else field()
                    assert str(markup) in html, f"{field.name}: markup differs from {type(form).__name__}"
                    assert f'<label for="{field.id}">{field.label.text}</label>' in html
                    checked += 1
    assert checked


def test_a_refused_post_shows_the_error_next_to_the_field_and_keeps_the_text(app, make, places):
    handler = make.user("handler", places["ward"])
    case = make.case(unit=places["ward"], state="in_progress", handler=handler)
    client = signed_in_client(app, handler)
    token = _csrf(client.get(f"/cases/{case.code}").get_data(as_text=True))
    response = client.post(f"/cases/{case.code}/actions/pause",
                           data={"csrf_token": token, "pause-version": str(case.version), "intent": "pause",
                                 "pause-reason": "chờ <ảnh>"},
                           headers={"HX-Request": "true"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    field = html.split('<label for="pause-reason">Lý do tạm dừng</label>')[1].split("</div>")[0]
    assert 'aria-describedby="pause-reason-errors" aria-invalid="true" id="pause-reason" name="pause-reason"' in field
    assert ">\r\nchờ &lt;ảnh&gt;</textarea>" in field
    assert '<ul class="errors" id="pause-reason-errors"><li>Lý do quá ngắn' in field
    assert 'id="action-pause" open' in html
    # Nothing was saved: the case is still in progress, at the same version.
    page = client.get(f"/cases/{case.code}").get_data(as_text=True)
    assert "Đang xử lý" in page and f'name="pause-version" type="hidden" value="{case.version}"' in page


def test_the_timeline_comes_with_the_case_in_one_statement_in_order_with_names(app, make, places):
    """The case page reads the case and its events together; the events keep their order, who did them,
    where a transfer sent the case, and the moment on Hanoi's clock."""
    from datetime import datetime, timedelta, timezone

    from sqlalchemy import event

    from portal.extensions import db
    from portal.models import CaseEvent

    lead = make.user("unit_lead", places["ward"], full_name="Trần Văn Minh")
    handler = make.user("handler", places["ward"], full_name="Nguyễn Thị Hồng Nhung")
    case = make.case(unit=places["ward"], state="in_progress", handler=handler)
    start = datetime(2026, 11, 16, 1, 0, tzinfo=timezone.utc)  # 08:00 in Hanoi
    for minutes, kind, actor, to_unit, note in [(10, "routed", None, places["ward"], "Theo địa bàn."),
                                                (20, "assigned", lead, None, None),
                                                (30, "taken", handler, None, None)]:
        db.session.add(CaseEvent(case_id=case.id, at=start + timedelta(minutes=minutes), type=kind,
                                 actor_id=actor.id if actor else None, to_unit_id=to_unit.id if to_unit else None,
                                 note=note))
    db.session.commit()
    client = signed_in_client(app, handler)
    client.get(f"/cases/{case.code}")  # the user's first request: the worker's calendar is read
    seen = []
    listener = lambda conn, cursor, statement, *rest: seen.append(statement)  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        html = client.get(f"/cases/{case.code}").get_data(as_text=True)
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    assert not [s for s in seen if "FROM case_events" in s and "FROM cases" not in s], \
        "the events were read in a statement of their own"
    timeline = html.split('id="timeline"')[1].split("</ol>")[0]
    lines = [" ".join(part.split()) for part in re.findall(r"<li>(.*?)</li>", timeline, re.S)]
    lines = [re.sub(r"<[^>]+>", "", line) for line in lines]
    assert lines[1:] == ["Chuyển đơn vị xử lý: UBND Phường Văn Chương 16/11/2026 08:10 Theo địa bàn.",
                         "Giao cán bộ xử lý 16/11/2026 08:20 · Trần Văn Minh",
                         "Nhận xử lý 16/11/2026 08:30 · Nguyễn Thị Hồng Nhung"], lines
