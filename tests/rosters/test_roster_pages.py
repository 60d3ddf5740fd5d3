"""The rosters pages: who may do what, inline rows with htmx, submission and review, accounts from rows,
exports, the City Office's overview, the reminder list and new campaigns."""
import io
from datetime import date, datetime, timezone

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from portal.domain import rosters as rules
from portal.extensions import db
from portal.models import AuditEntry, RosterCampaign, User
from tests.conftest import Auth, csrf_token_from
from tests.rosters.conftest import roster_url

NOW = datetime(2026, 11, 16, 2, 0, tzinfo=timezone.utc)
HTMX = {"HX-Request": "true"}
PERSON = {"full_name": "Phạm Thị Thu Trang", "job_title": "Công chức Văn phòng", "role": "focal",
          "phone": "0983 217 745", "email": "trang@hanoi.gov.vn"}


@pytest.fixture
def lead(city, signed_in):
    return signed_in(city["lead"])


@pytest.fixture
def office(city, signed_in):
    return signed_in(city["office"])


def _submitted(make, city, people=2):
    roster = city["roster"]
    for n in range(people):
        make.roster_row(roster, full_name=f"Cán bộ {n + 1}", phone=f"091200000{n}")
    rules.set_headcount(roster, 10, NOW)
    rules.submit(roster, city["lead"], NOW)
    db.session.commit()
    return roster


# --- Access -------------------------------------------------------------------------------------------

def test_a_lead_lands_on_the_units_roster(city, lead):
    response = lead.get("/rosters")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(roster_url(city["roster"]))
    page = lead.get(roster_url(city["roster"])).get_data(as_text=True)
    assert "UBND Phường Văn Chương" in page and "+ Thêm người" in page


def test_the_city_office_lands_on_the_campaign_overview(city, office):
    response = office.get("/rosters")
    assert response.headers["Location"].endswith(f"/rosters/campaigns/{city['campaign'].id}")


def test_a_lead_cannot_see_or_edit_another_units_roster(city, lead):
    other = city["rosters"]["P00001"]
    assert lead.get(roster_url(other)).status_code == 404
    token = csrf_token_from(lead.get(roster_url(city["roster"])).get_data(as_text=True))
    response = lead.post(roster_url(other, "/rows"), data={**PERSON, "csrf_token": token})
    assert response.status_code == 404
    assert other.rows == []
    assert lead.get(f"/rosters/campaigns/{city['campaign'].id}/export.xlsx").status_code == 403


@pytest.mark.parametrize("who", ["office", "inspector", "chair"])
def test_readers_cannot_edit_a_roster(city, signed_in, who):
    client = signed_in(city[who])
    roster = city["roster"]
    page = client.get(roster_url(roster))
    assert page.status_code == 200
    assert "+ Thêm người" not in page.get_data(as_text=True)
    token = csrf_token_from(page.get_data(as_text=True))
    assert client.post(roster_url(roster, "/rows"), data={**PERSON, "csrf_token": token}).status_code == 403
    assert client.post(roster_url(roster, "/submit"), data={"csrf_token": token}).status_code == 403
    assert roster.rows == []


def test_a_handler_has_no_access_to_rosters(city, signed_in):
    client = signed_in(city["handler"])
    assert client.get("/rosters").status_code == 403
    assert client.get(roster_url(city["roster"])).status_code == 403


def test_a_chair_reads_only_the_districts_units(city, signed_in):
    client = signed_in(city["chair"])
    assert client.get(roster_url(city["roster"])).status_code == 200
    assert client.get(roster_url(city["rosters"]["P00001"])).status_code == 404
    overview = client.get(f"/rosters/campaigns/{city['campaign'].id}").get_data(as_text=True)
    assert "UBND Phường Văn Chương" in overview and "UBND Phường Trúc Bạch" not in overview
    assert "các đơn vị thuộc UBND Quận Đống Đa" in overview


def test_the_city_office_reviews_every_unit_and_others_cannot(make, city, office, signed_in):
    roster = _submitted(make, city)
    other = city["rosters"]["SO-NV"]
    make.roster_row(other, full_name="Ngô Văn Khánh")
    rules.set_headcount(other, 3, NOW)
    rules.submit(other, None, NOW)
    db.session.commit()
    for target in (roster, other):
        page = office.get(roster_url(target)).get_data(as_text=True)
        assert "Duyệt danh sách" in page
        token = csrf_token_from(page)
        assert office.post(roster_url(target, "/review"),
                           data={"decision": "accepted", "comment": "", "csrf_token": token}).status_code == 302
    db.session.expire_all()
    assert roster.state == other.state == "accepted"
    for who in ("lead", "inspector", "chair"):
        client = signed_in(city[who])
        token = csrf_token_from(client.get(roster_url(roster)).get_data(as_text=True))
        response = client.post(roster_url(roster, "/review"), data={"decision": "returned", "comment": "Sửa lại.",
                                                                  "csrf_token": token})
        assert response.status_code == 403


# --- Inline rows --------------------------------------------------------------------------------------

def _htmx_post(client, roster, suffix, data):
    token = csrf_token_from(client.get(roster_url(roster)).get_data(as_text=True))
    return client.post(roster_url(roster, suffix), data=data, headers={**HTMX, "X-CSRFToken": token})


def test_the_add_button_opens_an_empty_row_form_in_place(city, lead):
    response = lead.get(roster_url(city["roster"], "/rows/new"), headers=HTMX)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert html.lstrip().startswith('<tr id="row-new"')
    assert 'form="row-new-form"' in html and "<html" not in html


def test_adding_a_row_inline_answers_the_row_a_new_slot_and_the_summary(city, lead):
    roster = city["roster"]
    response = _htmx_post(lead, roster, "/rows", PERSON)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    db.session.expire_all()
    (row,) = roster.rows
    assert (row.full_name, row.role, row.phone, row.email) == ("Phạm Thị Thu Trang", "focal", "0983217745",
                                                               "trang@hanoi.gov.vn")
    assert f'<tr id="row-{row.id}">' in html and "0983 217 745" in html
    assert '<tr id="row-new" class="row-slot" hidden></tr>' in html
    assert 'id="roster-summary" aria-label="Tóm tắt danh sách" hx-swap-oob="true"' in html


def test_a_bad_row_answers_422_with_the_form_and_its_messages(city, lead):
    roster = city["roster"]
    response = _htmx_post(lead, roster, "/rows", {**PERSON, "phone": "abc", "role": "", "full_name": "  "})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert html.lstrip().startswith('<tr id="row-new" class="row-editing">')
    assert "“abc” không phải số điện thoại Việt Nam" in html
    assert "Chưa nhập họ và tên." in html and "Chưa chọn vai trò xử lý" in html
    assert 'value="trang@hanoi.gov.vn"' in html  # what was typed stays
    db.session.expire_all()
    assert roster.rows == []


def test_the_same_person_cannot_be_added_twice(make, city, lead):
    roster = city["roster"]
    make.roster_row(roster, full_name="Phạm T. T. Trang", phone="0983217745")
    response = _htmx_post(lead, roster, "/rows", PERSON)
    assert response.status_code == 422
    assert "Số điện thoại này đã có trong danh sách (Phạm T. T. Trang)" in response.get_data(as_text=True)


def test_editing_a_row_inline_saves_it(make, city, lead):
    roster = city["roster"]
    row = make.roster_row(roster, full_name="Đỗ Văn Hải", phone="0367112908")
    form = lead.get(roster_url(roster, f"/rows/{row.id}/edit"), headers=HTMX).get_data(as_text=True)
    assert f'<tr id="row-{row.id}" class="row-editing">' in form and 'value="Đỗ Văn Hải"' in form
    response = _htmx_post(lead, roster, f"/rows/{row.id}", {
        "full_name": "Đỗ Văn Hải", "job_title": "Cán bộ Đội trật tự đô thị", "role": "handler", "phone": "0367112908",
        "email": "", "registered": "y", "registered_on": "2026-11-12"})
    assert response.status_code == 200
    db.session.expire_all()
    assert (row.job_title, row.registered_on) == ("Cán bộ Đội trật tự đô thị", date(2026, 11, 12))
    assert "12/11/2026" in response.get_data(as_text=True)


def test_removing_a_row_inline_updates_the_summary(make, city, lead):
    roster = city["roster"]
    row = make.roster_row(roster, full_name="Đỗ Văn Hải")
    make.roster_row(roster, full_name="Vũ Văn Giang")
    response = _htmx_post(lead, roster, f"/rows/{row.id}/delete", {})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<tr" not in html  # the row's place is emptied
    assert '<dd class="big">1</dd>' in html
    db.session.expire_all()
    assert [r.full_name for r in roster.rows] == ["Vũ Văn Giang"]


def test_without_javascript_rows_are_added_with_a_full_page(city, lead):
    roster = city["roster"]
    page = lead.get(roster_url(roster) + "?add=1").get_data(as_text=True)
    assert '<tr id="row-new" class="row-editing">' in page
    token = csrf_token_from(page)
    bad = lead.post(roster_url(roster, "/rows"), data={**PERSON, "phone": "12", "csrf_token": token})
    assert bad.status_code == 422 and "<html" in bad.get_data(as_text=True)
    assert "“12” không phải số điện thoại" in bad.get_data(as_text=True)
    good = lead.post(roster_url(roster, "/rows"), data={**PERSON, "csrf_token": token})
    assert good.status_code == 302
    assert "Đã thêm Phạm Thị Thu Trang vào danh sách." in lead.get(good.headers["Location"]).get_data(as_text=True)


def test_a_submitted_roster_refuses_inline_changes_with_a_message(make, city, lead):
    roster = _submitted(make, city)
    response = _htmx_post(lead, roster, "/rows", PERSON)
    assert response.status_code == 409
    assert response.headers["HX-Retarget"] == "#flashes"
    assert "đang chờ Văn phòng UBND Thành phố duyệt" in response.get_data(as_text=True)
    db.session.expire_all()
    assert len(roster.rows) == 2


# --- Submission, review, versions ---------------------------------------------------------------------

def test_submit_return_with_comment_and_the_lead_sees_it(make, city, lead, office):
    roster = city["roster"]
    make.roster_row(roster, full_name="Trần Văn Minh", role="leader", phone="0912460193")
    page = lead.get(roster_url(roster)).get_data(as_text=True)
    token = csrf_token_from(page)
    missing = lead.post(roster_url(roster, "/submit"), data={"csrf_token": token})
    assert missing.status_code == 422
    assert "Chưa nhập tổng số cán bộ, công chức" in missing.get_data(as_text=True)
    assert lead.post(roster_url(roster, "/headcount"), data={"headcount": "21", "csrf_token": token}).status_code == 302
    submitted = lead.post(roster_url(roster, "/submit"), data={"csrf_token": token}, follow_redirects=True)
    assert "Đã nộp danh sách (lần 1)" in submitted.get_data(as_text=True)

    token = csrf_token_from(office.get(roster_url(roster)).get_data(as_text=True))
    empty = office.post(roster_url(roster, "/review"), data={"decision": "returned", "comment": "", "csrf_token": token})
    assert empty.status_code == 422 and "Ghi rõ lý do trả lại" in empty.get_data(as_text=True)
    office.post(roster_url(roster, "/review"), data={"decision": "returned", "csrf_token": token,
                                                     "comment": "Chưa có cán bộ đầu mối; đề nghị bổ sung."})
    page = lead.get(roster_url(roster)).get_data(as_text=True)
    assert "Văn phòng UBND Thành phố đã trả lại danh sách" in page
    assert "Chưa có cán bộ đầu mối; đề nghị bổ sung." in page
    assert "+ Thêm người" in page  # returned: editable again


def test_the_version_page_shows_what_changed(make, city, lead):
    roster = _submitted(make, city)
    rules.return_for_changes(roster, city["office"], NOW, "Bổ sung cán bộ đầu mối.")
    make.roster_row(roster, full_name="Phạm Thị Thu Trang", role="focal", phone="0983217745")
    rules.submit(roster, city["lead"], NOW)
    db.session.commit()
    page = lead.get(roster_url(roster, "/versions/2")).get_data(as_text=True)
    assert "Thay đổi so với lần nộp 1" in page
    assert "Thêm:</span> Phạm Thị Thu Trang" in page
    assert "Thêm 1 · bớt 0 · sửa 0" in page
    assert "Trả lại" in lead.get(roster_url(roster, "/versions/1")).get_data(as_text=True)
    assert lead.get(roster_url(roster, "/versions/3")).status_code == 404


def test_registration_can_still_be_marked_after_acceptance(make, city, lead):
    roster = _submitted(make, city)
    rules.accept(roster, city["office"], NOW)
    db.session.commit()
    row = roster.rows[0]
    response = _htmx_post(lead, roster, f"/rows/{row.id}/registration", {"registered_on": "2026-11-15"})
    assert response.status_code == 200
    db.session.expire_all()
    assert row.registered_on == date(2026, 11, 15) and roster.state == "accepted"
    future = _htmx_post(lead, roster, f"/rows/{roster.rows[1].id}/registration", {"registered_on": "2026-12-01"})
    assert future.status_code == 409 and "không được sau hôm nay" in future.get_data(as_text=True)


# --- Accounts made from rows --------------------------------------------------------------------------

def test_a_row_becomes_a_handler_account_with_a_one_time_password(make, city, lead, app):
    roster = city["roster"]
    row = make.roster_row(roster, full_name="Nguyễn Thị Hồng Nhung", phone="0904558201", email="nhung@hanoi.gov.vn")
    response = _htmx_post(lead, roster, f"/rows/{row.id}/account", {})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    user = db.session.scalar(select(User).where(User.username == "nhungnth.p00193"))
    assert (user.role, user.unit_id, user.must_change_password, user.phone) == ("handler", roster.unit_id, True,
                                                                                "0904558201")
    password = html.split('class="one-time-password">')[1].split("<")[0]
    assert user.check_password(password) and len(password) == 12
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "user_created"))
    assert (entry.actor_id, entry.target) == (city["lead"].id, "nhungnth.p00193")
    assert password not in lead.get(roster_url(roster)).get_data(as_text=True)  # shown once

    again = _htmx_post(lead, roster, f"/rows/{row.id}/account", {})
    assert again.status_code == 409 and "đã có tài khoản" in again.get_data(as_text=True)

    newcomer = app.test_client()
    signed = Auth(newcomer).login("nhungnth.p00193", password)
    assert signed.status_code == 302 and signed.headers["Location"].endswith("/account/password")


def test_only_the_lead_makes_accounts(make, city, office):
    row = make.roster_row(city["roster"], full_name="Đỗ Văn Hải")
    token = csrf_token_from(office.get(roster_url(city["roster"])).get_data(as_text=True))
    assert office.post(roster_url(city["roster"], f"/rows/{row.id}/account"),
                       data={"csrf_token": token}).status_code == 403


# --- Exports and templates ----------------------------------------------------------------------------

def test_the_roster_exports_to_xlsx_that_openpyxl_opens(make, city, lead):
    roster = city["roster"]
    make.roster_row(roster, full_name="Trần Văn Minh", role="leader", phone="0912460193",
                    registered_on=date(2026, 11, 4))
    response = lead.get(roster_url(roster, "/export.xlsx"))
    assert response.status_code == 200
    assert "danh-sach-can-bo-P00193.xlsx" in response.headers["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.data)).active
    values = [[cell for cell in row] for row in sheet.iter_rows(values_only=True)]
    assert values[0][0].endswith("UBND PHƯỜNG VĂN CHƯƠNG")
    header = values.index(["STT", "Họ và tên", "Chức vụ", "Vai trò xử lý", "Số điện thoại", "Thư điện tử",
                           "Đã tạo tài khoản iHanoi", "Ngày tạo tài khoản"])
    assert values[header + 1][1:5] == ["Trần Văn Minh", "Chuyên viên", "Lãnh đạo phụ trách", "0912460193"]
    assert values[header + 1][6:] == ["Có", "04/11/2026"]
    assert db.session.scalar(select(AuditEntry.target).where(AuditEntry.action == "export")) == f"roster:{roster.id}"


def test_the_overview_exports_every_unit_to_xlsx(make, city, office):
    _submitted(make, city)
    response = office.get(f"/rosters/campaigns/{city['campaign'].id}/export.xlsx")
    sheet = load_workbook(io.BytesIO(response.data)).active
    rows = list(sheet.iter_rows(min_row=5, values_only=True))
    assert len(rows) == 6
    van_chuong = next(row for row in rows if row[1] == "UBND Phường Văn Chương")
    assert van_chuong[2:4] == ("UBND Quận Đống Đa", "Đã nộp")
    assert van_chuong[6:10] == (1, 2, 10, 0)


def test_the_import_templates_download(city, lead):
    xlsx = lead.get("/rosters/template.xlsx")
    assert load_workbook(io.BytesIO(xlsx.data)).sheetnames == ["Danh sách", "Hướng dẫn"]
    csv = lead.get("/rosters/template.csv")
    assert csv.data.startswith("\ufeffSTT,Họ và tên".encode())


# --- Overview, reminder, campaigns --------------------------------------------------------------------

def test_the_overview_shows_counts_rates_and_the_chart(make, city, office):
    _submitted(make, city)
    page = office.get(f"/rosters/campaigns/{city['campaign'].id}").get_data(as_text=True)
    assert "Công điện số 05/CĐ-UBND" in page and "Còn 4 ngày" in page
    assert '<span class="tile-value">6</span><span class="tile-label">Đơn vị phải nộp</span>' in page
    assert '<span class="tile-value">1</span><span class="tile-label">Đã nộp, chờ duyệt</span>' in page
    assert "<svg" in page and "Mục tiêu 100%" in page and "Hạn 20/11" in page
    assert 'style="' not in page  # the Content-Security-Policy forbids style attributes


def test_overview_filters_answer_the_units_part_to_htmx(make, city, office):
    url = f"/rosters/campaigns/{city['campaign'].id}?q=truc+bach"
    part = office.get(url, headers=HTMX)
    html = part.get_data(as_text=True)
    assert html.lstrip().startswith('<div id="units">') and "<html" not in html
    assert "UBND Phường Trúc Bạch" in html and "UBND Phường Văn Chương" not in html
    assert "HX-Request" in part.headers["Vary"]
    assert "<html" in office.get(url).get_data(as_text=True)  # the pushed URL loads as a full page


def test_the_reminder_lists_units_that_have_not_submitted(make, city, office):
    _submitted(make, city)
    page = office.get(f"/rosters/campaigns/{city['campaign'].id}/reminder").get_data(as_text=True)
    assert "còn <strong>5/6</strong>" in page
    assert "<li>UBND Phường Trúc Bạch (Quận Ba Đình)</li>" in page
    assert "UBND Phường Văn Chương" not in page


def test_the_city_office_creates_a_campaign(city, office, make):
    page = office.get("/rosters/campaigns/new").get_data(as_text=True)
    token = csrf_token_from(page)
    response = office.post("/rosters/campaigns/new", data={
        "title": "Cập nhật danh sách cán bộ năm 2027", "legal_basis": "Công văn số 123/VP-KSTT", "due_on": "2026-12-15",
        "groups": ["department"], "ward_districts": [str(city["ba_dinh"].id)], "csrf_token": token})
    assert response.status_code == 302
    campaign = db.session.scalar(select(RosterCampaign).where(RosterCampaign.legal_basis == "Công văn số 123/VP-KSTT"))
    assert sorted(roster.unit.code for roster in campaign.rosters) == ["P00001", "SO-NV"]
    assert all(roster.state == "draft" for roster in campaign.rosters)


def test_a_campaign_needs_units_and_a_due_day_not_past(city, office):
    token = csrf_token_from(office.get("/rosters/campaigns/new").get_data(as_text=True))
    response = office.post("/rosters/campaigns/new", data={
        "title": "Đợt thử", "legal_basis": "Công điện số 06/CĐ-UBND", "due_on": "2026-11-01", "csrf_token": token})
    assert response.status_code == 422 and "Hạn nộp không được trước hôm nay." in response.get_data(as_text=True)
    response = office.post("/rosters/campaigns/new", data={
        "title": "Đợt thử", "legal_basis": "Công điện số 06/CĐ-UBND", "due_on": "2026-12-01", "csrf_token": token})
    assert response.status_code == 422 and "Chọn ít nhất một nhóm đơn vị" in response.get_data(as_text=True)


@pytest.mark.parametrize("who", ["lead", "inspector", "chair"])
def test_only_the_city_office_creates_campaigns(city, signed_in, who):
    assert signed_in(city[who]).get("/rosters/campaigns/new").status_code == 403


def test_roster_page_has_no_style_attributes(make, city, lead):
    make.roster_row(city["roster"], full_name="Trần Văn Minh", registered_on=date(2026, 11, 4))
    page = lead.get(roster_url(city["roster"])).get_data(as_text=True)
    assert 'style="' not in page and "<script>" not in page


def test_two_people_acting_at_once_get_a_clear_conflict(make, city, lead, monkeypatch):
    roster = city["roster"]
    make.roster_row(roster, full_name="Trần Văn Minh")
    token = csrf_token_from(lead.get(roster_url(roster)).get_data(as_text=True))

    def meanwhile(*args, **kwargs):
        from sqlalchemy.orm.exc import StaleDataError
        raise StaleDataError("UPDATE statement on table 'rosters' expected to update 1 row(s); 0 were matched.")

    monkeypatch.setattr(rules, "submit", meanwhile)
    response = lead.post(roster_url(roster, "/submit"), data={"csrf_token": token})
    assert response.status_code == 409
    assert "Danh sách vừa được người khác cập nhật" in response.get_data(as_text=True)


def test_a_lead_whose_unit_is_not_required_is_told_so(city, make, signed_in):
    outside = make.unit("UBND Phường Hàng Bạc", parent=make.unit("UBND Quận Hoàn Kiếm", kind="district"))
    page = signed_in(make.user("unit_lead", outside)).get("/rosters").get_data(as_text=True)
    assert "UBND Phường Hàng Bạc không thuộc các đơn vị phải gửi danh sách" in page
