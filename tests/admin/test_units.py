"""Units: creating, renaming, and retiring or merging them into a successor. Open cases move with a
`unit_merged` event each; closed cases and every existing event stay exactly as they were."""
from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from portal.domain import units as unit_rules
from portal.extensions import db
from portal.models import AuditEntry, Case, CaseEvent, Category, Unit, User
from tests.admin.conftest import post_form, text_of
from tests.conftest import FIXED_NOW

EARLIER = datetime(2026, 11, 12, 3, 0, tzinfo=timezone.utc)


def event_rows(case_ids):
    return [(e.id, e.case_id, e.at, e.type, e.from_state, e.to_state, e.from_unit_id, e.to_unit_id, e.note)
            for e in db.session.scalars(select(CaseEvent).where(CaseEvent.case_id.in_(case_ids)).order_by(CaseEvent.id))]


@pytest.fixture
def ward_cases(make, city):
    """Hàng Bột's cases in every state, one with a transfer already in its history."""
    hang_bot = city["hang_bot"]
    cases = {state: make.case(unit=hang_bot, state=state) for state in
             ("assigned", "in_progress", "paused", "answered", "closed", "rejected")}
    db.session.add(CaseEvent(case_id=cases["in_progress"].id, at=EARLIER, type="transferred", from_state="assigned",
                             to_state="assigned", from_unit_id=city["van_chuong"].id, to_unit_id=hang_bot.id,
                             note="Không thuộc thẩm quyền"))
    db.session.commit()
    return cases


def test_merging_moves_open_cases_with_an_event_each_and_leaves_closed_cases_and_history_untouched(
        make, city, admin, ward_cases):
    hang_bot, van_chuong = city["hang_bot"], city["van_chuong"]
    handler = make.user("handler", hang_bot, username="cb.hang.bot")
    ward_cases["in_progress"].handler = handler
    db.session.commit()
    ids = [case.id for case in ward_cases.values()]
    history_before = event_rows(ids)
    done_before = {state: (ward_cases[state].unit_id, ward_cases[state].version, ward_cases[state].updated_at)
                   for state in ("answered", "closed", "rejected")}
    due_before = {state: ward_cases[state].due_at for state in ("assigned", "in_progress", "paused")}

    [done] = unit_rules.merge_units([hang_bot], van_chuong, admin, FIXED_NOW, note="Nghị quyết 1656/NQ-UBTVQH15")
    db.session.commit()

    assert (done.cases_moved, done.users_moved) == (3, 1)
    history_after = event_rows(ids)
    assert history_after[:len(history_before)] == history_before  # nothing earlier was touched
    added = history_after[len(history_before):]
    assert sorted((row[1], row[3], row[6], row[7]) for row in added) == sorted(
        (ward_cases[state].id, "unit_merged", hang_bot.id, van_chuong.id) for state in ("assigned", "in_progress", "paused"))
    assert all(row[2] == FIXED_NOW and "Nghị quyết 1656/NQ-UBTVQH15" in row[8] for row in added)
    assert all(row[4] == row[5] for row in added)  # the state does not change
    for state in ("assigned", "in_progress", "paused"):
        case = db.session.get(Case, ward_cases[state].id)
        assert (case.unit_id, case.state, case.due_at) == (van_chuong.id, state, due_before[state])
    assert db.session.get(Case, ward_cases["in_progress"].id).handler_id == handler.id
    for state, before in done_before.items():
        case = db.session.get(Case, ward_cases[state].id)
        assert (case.unit_id, case.version, case.updated_at) == before, state
    db.session.refresh(hang_bot)
    assert (hang_bot.active, hang_bot.successor_id) == (False, van_chuong.id)
    assert db.session.get(User, handler.id).unit_id == van_chuong.id


def test_a_moved_case_has_a_new_version_so_an_editor_holding_the_old_one_gets_a_conflict(city, admin, ward_cases):
    case = ward_cases["assigned"]
    version = case.version
    unit_rules.retire_unit(city["hang_bot"], city["van_chuong"], actor=admin, now=FIXED_NOW)
    db.session.commit()
    assert db.session.get(Case, case.id).version == version + 1


def test_categories_routed_to_a_merged_unit_follow_it(make, city, admin):
    category = make.category(code="DIEN", default_unit_kind="ward", default_unit_code="P00196")
    unit_rules.retire_unit(city["hang_bot"], city["van_chuong"], actor=admin, now=FIXED_NOW)
    db.session.commit()
    assert db.session.get(Category, category.id).default_unit_code == "P00193"


@pytest.mark.parametrize("case, message", [
    ("successor_is_itself", "Đơn vị tiếp nhận phải khác đơn vị bị sáp nhập."),
    ("successor_retired", "Đơn vị tiếp nhận UBND Phường Văn Chương đã ngừng hoạt động"),
    ("has_active_wards", "UBND Quận Đống Đa còn 2 đơn vị trực thuộc đang hoạt động"),
    ("root", "đây là đơn vị gốc"),
    ("no_successor_with_cases", "cần chọn đơn vị tiếp nhận"),
])
def test_a_retirement_the_rules_refuse_changes_nothing(make, city, admin, case, message):
    make.case(unit=city["hang_bot"], state="assigned")
    unit, successor = city["hang_bot"], city["van_chuong"]
    if case == "successor_is_itself":
        successor = unit
    elif case == "successor_retired":
        unit_rules.retire_unit(city["van_chuong"], city["district"], actor=admin, now=FIXED_NOW)
        db.session.commit()
    elif case == "has_active_wards":
        unit, successor = city["district"], city["office"]
    elif case == "root":
        unit = city["root"]
    elif case == "no_successor_with_cases":
        successor = None
    events_before = db.session.query(CaseEvent).count()
    with pytest.raises(unit_rules.UnitRuleError) as refused:
        unit_rules.retire_unit(unit, successor, actor=admin, now=FIXED_NOW)
    db.session.rollback()
    assert message in refused.value.message
    assert db.session.query(CaseEvent).count() == events_before
    assert db.session.get(Unit, unit.id).active


def test_a_unit_with_nothing_left_can_be_retired_without_a_successor(make, city, admin):
    empty = make.unit("Tổ công tác thử nghiệm", kind="agency", parent=city["root"], code="TCT")
    unit_rules.retire_unit(empty, None, actor=admin, now=FIXED_NOW)
    db.session.commit()
    assert (empty.active, empty.successor_id) == (False, None)


# -- through the pages ------------------------------------------------------------------------------


def test_the_merge_page_says_how_many_open_cases_will_move_before_anything_moves(admin_client, city, ward_cases):
    hang_bot = city["hang_bot"]
    confirmation = post_form(admin_client, f"/admin/units/{hang_bot.id}/retire",
                             {"successor": "P00193", "note": "Nghị quyết 1656/NQ-UBTVQH15"})
    page = text_of(confirmation)
    assert confirmation.status_code == 200
    assert "Sáp nhập UBND Phường Hàng Bột vào UBND Phường Văn Chương?" in page
    assert "3 phản ánh đang xử lý" in page and "không hoàn tác được" in page
    assert db.session.get(Unit, hang_bot.id).active
    assert db.session.query(CaseEvent).filter_by(type="unit_merged").count() == 0

    done = post_form(admin_client, f"/admin/units/{hang_bot.id}/retire",
                     {"successor": "P00193", "note": "Nghị quyết 1656/NQ-UBTVQH15", "confirm": "yes"})
    assert done.status_code == 302
    assert "3 phản ánh đang xử lý và 0 tài khoản đã chuyển sang" in text_of(admin_client.get(done.headers["Location"]))
    db.session.expire_all()
    assert not db.session.get(Unit, hang_bot.id).active
    assert db.session.query(CaseEvent).filter_by(type="unit_merged").count() == 3
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "unit_merged"))
    assert entry.target == "P00196 → P00193"


def test_a_refused_merge_is_shown_at_the_successor_field(admin_client, city):
    response = post_form(admin_client, f"/admin/units/{city['district'].id}/retire", {"successor": "VP-UBND"})
    assert response.status_code == 422
    assert "UBND Quận Đống Đa còn 2 đơn vị trực thuộc đang hoạt động" in text_of(response)
    response = post_form(admin_client, f"/admin/units/{city['hang_bot'].id}/retire", {"successor": "KHONG-CO"})
    assert response.status_code == 422 and "Không tìm thấy đơn vị «KHONG-CO»" in text_of(response)


def test_a_merged_case_shows_the_move_on_its_timeline(admin_client, city, admin, ward_cases):
    unit_rules.retire_unit(city["hang_bot"], city["van_chuong"], actor=admin, now=FIXED_NOW)
    db.session.commit()
    page = text_of(admin_client.get(f"/cases/{ward_cases['assigned'].code}"))
    assert "<strong>Chuyển do sắp xếp đơn vị hành chính</strong>: UBND Phường Văn Chương" in page
    assert "Sáp nhập UBND Phường Hàng Bột vào UBND Phường Văn Chương" in page


def test_creating_a_unit_puts_it_in_the_tree_and_a_taken_code_is_a_field_message(admin_client, city):
    response = post_form(admin_client, "/admin/units/new", {
        "code": "p00999", "name": "UBND Phường Thử Nghiệm", "kind": "ward", "parent": "Q006"})
    assert response.status_code == 302
    unit = db.session.scalar(select(Unit).where(Unit.code == "P00999"))
    assert unit.parent_id == city["district"].id and unit.is_within(city["district"])
    again = post_form(admin_client, "/admin/units/new", {
        "code": "P00999", "name": "Trùng mã", "kind": "ward", "parent": "Q006"})
    assert again.status_code == 422
    assert "Mã đơn vị P00999 đã được dùng cho đơn vị khác." in text_of(again)
    bad = post_form(admin_client, "/admin/units/new", {"code": "Mã có dấu", "name": "X", "kind": "ward",
                                                       "parent": "Q006"})
    assert bad.status_code == 422 and "không hợp lệ" in text_of(bad)
    assert db.session.query(Unit).filter_by(name="Trùng mã").count() == 0


def test_renaming_a_unit_is_audited(admin_client, city):
    response = post_form(admin_client, f"/admin/units/{city['hang_bot'].id}/name", {"name": "UBND Phường Hàng Bột Mới"})
    assert response.status_code == 302
    db.session.refresh(city["hang_bot"])
    assert city["hang_bot"].name == "UBND Phường Hàng Bột Mới"
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "unit_changed"))
    assert entry.detail == "Đổi tên: UBND Phường Hàng Bột → UBND Phường Hàng Bột Mới"
    empty = post_form(admin_client, f"/admin/units/{city['hang_bot'].id}/name", {"name": "  "})
    assert empty.status_code == 422 and "Vui lòng nhập tên đơn vị." in text_of(empty)


def test_the_tree_opens_the_city_and_search_finds_a_ward_without_accents(admin_client, city):
    page = text_of(admin_client.get("/admin/units", headers={"HX-Request": "true"}))
    assert "UBND Quận Đống Đa" in page and "UBND Phường Văn Chương" not in page
    page = text_of(admin_client.get(f"/admin/units?parent={city['district'].id}", headers={"HX-Request": "true"}))
    assert "UBND Phường Văn Chương" in page and "UBND Phường Hàng Bột" in page
    page = text_of(admin_client.get("/admin/units?q=van+chuong", headers={"HX-Request": "true"}))
    assert "UBND Phường Văn Chương" in page and "UBND Phường Hàng Bột" not in page
