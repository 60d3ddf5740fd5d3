"""Loading a re-organisation: Hanoi's 126 wards and communes of 1/7/2025 with a mapping of old wards to new.
All or nothing, with every problem named by file and line."""
import re

import pytest
from sqlalchemy import func, select

from portal import seed
from portal.admin.views import SAMPLE_REFORM_MAPPING, SAMPLE_REFORM_UNITS
from portal.domain import units as unit_rules
from portal.extensions import db
from portal.models import AuditEntry, Case, CaseEvent, Unit, User
from tests.admin.conftest import post_form, text_of
from tests.conftest import FIXED_NOW

REFORM = SAMPLE_REFORM_UNITS.read_text(encoding="utf-8")
MAPPING = SAMPLE_REFORM_MAPPING.read_text(encoding="utf-8")


@pytest.fixture
def hanoi(make):
    """Hanoi's 583 units as on 1/1/2025, an account and an open and a closed case in Phường Văn Chương."""
    seed.load_units()
    db.session.commit()
    by_code = {unit.code: unit for unit in db.session.scalars(select(Unit))}
    van_chuong = by_code["P00193"]
    handler = make.user("handler", van_chuong, username="cb.van.chuong")
    open_case = make.case(unit=van_chuong, state="in_progress", handler=handler)
    closed_case = make.case(unit=van_chuong, state="closed")
    admin = make.user("admin", by_code["SO-TTTT"], username="quantri")
    return {"units": by_code, "handler": handler, "open": open_case, "closed": closed_case, "admin": admin}


def unit(code):
    return db.session.scalar(select(Unit).where(Unit.code == code))


def snapshot():
    return (db.session.scalar(select(func.count()).select_from(Unit)),
            db.session.scalar(select(func.count()).select_from(Unit).where(Unit.active.is_(True))),
            db.session.scalar(select(func.count()).select_from(CaseEvent)),
            sorted(db.session.scalars(select(Unit.code))))


def test_the_2025_reform_merges_each_old_ward_into_its_new_ward_and_loads_again_as_a_no_op(hanoi):
    plan = unit_rules.plan_reform(REFORM, MAPPING, now=FIXED_NOW)
    assert plan.errors == []
    assert len(plan.new_units) == 126 and plan.unchanged == ["HN"]
    # 126 old wards whose code a new ward keeps, plus the 12 other Đống Đa wards and the district itself.
    assert len(plan.merges) == 139
    assert plan.open_cases == 1 and plan.users == 1 + 3 * 0

    result = unit_rules.apply_reform(plan, actor=hanoi["admin"], now=FIXED_NOW, note="Nghị quyết 1656/NQ-UBTVQH15")
    db.session.commit()

    new_vmqtg = unit("P00196")
    assert (new_vmqtg.name, new_vmqtg.parent.code, new_vmqtg.active) == ("UBND Phường Văn Miếu - Quốc Tử Giám", "HN", True)
    old_hang_bot = unit("P00196-CU-20261116")
    assert (old_hang_bot.name, old_hang_bot.active, old_hang_bot.successor_id) == ("UBND Phường Hàng Bột", False,
                                                                                   new_vmqtg.id)
    van_chuong = hanoi["units"]["P00193"]
    db.session.refresh(van_chuong)
    assert (van_chuong.active, van_chuong.successor_id) == (False, new_vmqtg.id)
    district = unit("Q006")
    assert (district.active, district.successor.name) == (False, "UBND Phường Đống Đa")
    assert unit("Q001").active  # Ba Đình was not mapped: it stays, with its wards that were not merged
    assert db.session.get(Case, hanoi["open"].id).unit_id == new_vmqtg.id
    assert db.session.get(Case, hanoi["closed"].id).unit_id == van_chuong.id
    [moved] = db.session.scalars(select(CaseEvent).where(CaseEvent.type == "unit_merged"))
    assert (moved.case_id, moved.from_unit_id, moved.to_unit_id) == (hanoi["open"].id, van_chuong.id, new_vmqtg.id)
    assert db.session.get(User, hanoi["handler"].id).unit_id == new_vmqtg.id
    assert (result.created, result.cases_moved, result.users_moved) == (126, 1, 1)
    assert db.session.scalar(select(func.count()).select_from(Unit).where(
        Unit.active.is_(True), Unit.parent_id == district.id)) == 0
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "units_imported")).detail.startswith(
        "126 đơn vị mới, 139 đơn vị sáp nhập")

    # Loading the same files again changes nothing.
    again = unit_rules.plan_reform(REFORM, MAPPING, now=FIXED_NOW)
    assert again.errors == [] and again.new_units == [] and again.merges == []
    assert again.already_done == 18


BAD_UNITS = """code,name,kind,parent_code
HN,Ủy ban nhân dân Thành phố Hà Nội,city,
P90001,UBND Phường Mới Một,ward,HN
P90002,UBND Phường Mới Hai,phuong,HN
P90001,UBND Phường Trùng Mã,ward,HN
P90003,,ward,HN
P90004,UBND Phường Mồ Côi,ward,KHONG-CO
"""
BAD_MAPPING = """old_code,old_name,new_code
P00193,UBND Phường Văn Chương,P90001
P99999,UBND Phường Không Có,P90001
P00196,UBND Phường Văn Miếu,P90001
P00178,UBND Phường Cát Linh,P77777
Q006,UBND Quận Đống Đa,P90001
"""


def test_a_file_with_errors_changes_nothing_and_names_every_row(hanoi):
    before = snapshot()
    plan = unit_rules.plan_reform(BAD_UNITS, BAD_MAPPING, now=FIXED_NOW)
    found = {(error.file, error.line): error.message for error in plan.errors}
    assert "Loại đơn vị «phuong» không hợp lệ" in found[("units", 4)]
    assert found[("units", 5)] == "Mã P90001 lặp lại (đã có ở dòng 3)."
    assert found[("units", 6)] == "Đơn vị P90003 thiếu tên."
    assert found[("units", 7)] == "Không có đơn vị cấp trên mã KHONG-CO."
    assert found[("mapping", 3)] == "Không có đơn vị mã P99999 trong hệ thống."
    assert found[("mapping", 4)] == "Mã P00196 là «UBND Phường Hàng Bột», không phải «UBND Phường Văn Miếu»."
    assert "Mã đơn vị mới P77777 không có" in found[("mapping", 5)]
    assert "UBND Quận Đống Đa còn" in found[("mapping", 6)] and "đơn vị trực thuộc không có trong bảng ánh xạ" in found[("mapping", 6)]
    with pytest.raises(unit_rules.UnitRuleError):
        unit_rules.apply_reform(plan, actor=hanoi["admin"], now=FIXED_NOW)
    assert snapshot() == before


def test_a_file_without_the_expected_columns_is_refused_on_its_header(hanoi):
    plan = unit_rules.plan_reform("ma,ten\nP1,X\n", "old,new\n", now=FIXED_NOW)
    assert [(e.file, e.line) for e in plan.errors] == [("units", 1), ("mapping", 1)]
    assert "Thiếu cột code, name, kind, parent_code" in plan.errors[0].message


def test_a_failure_half_way_leaves_the_database_as_it_was(hanoi, monkeypatch):
    before = snapshot()
    plan = unit_rules.plan_reform(REFORM, MAPPING, now=FIXED_NOW)
    calls = []
    real = unit_rules.retire_unit

    def fail_on_the_tenth(*args, **kwargs):
        calls.append(1)
        if len(calls) == 10:
            raise unit_rules.UnitRuleError("hỏng giữa chừng")
        return real(*args, **kwargs)

    monkeypatch.setattr(unit_rules, "retire_unit", fail_on_the_tenth)
    with pytest.raises(unit_rules.UnitRuleError):
        unit_rules.apply_reform(plan, actor=hanoi["admin"], now=FIXED_NOW)
    db.session.rollback()
    assert snapshot() == before
    assert db.session.get(Case, hanoi["open"].id).unit_id == hanoi["units"]["P00193"].id


def test_the_import_page_previews_the_sample_then_applies_it(app, hanoi):
    from tests.conftest import signed_in_client

    client = signed_in_client(app, hanoi["admin"])
    preview = post_form(client, "/admin/units/import", {"step": "sample"})
    page = text_of(preview)
    assert preview.status_code == 200
    assert "<strong>126</strong> đơn vị mới được tạo" in page and "<strong>139</strong> đơn vị cũ" in page
    assert "1 phản ánh đang xử lý" in page
    assert unit("P00196").name == "UBND Phường Hàng Bột"  # nothing changed yet
    units_text = re.search(r'<textarea name="units_text" hidden>(.*?)</textarea>', page, re.S).group(1)
    mapping_text = re.search(r'<textarea name="mapping_text" hidden>(.*?)</textarea>', page, re.S).group(1)
    import html
    applied = post_form(client, "/admin/units/import", {
        "step": "apply", "units_text": html.unescape(units_text), "mapping_text": html.unescape(mapping_text),
        "note": "Nghị quyết 1656/NQ-UBTVQH15"})
    assert applied.status_code == 302
    assert "126 đơn vị mới, 139 đơn vị sáp nhập" in text_of(client.get(applied.headers["Location"]))
    db.session.expire_all()
    assert unit("P00196").name == "UBND Phường Văn Miếu - Quốc Tử Giám"


def test_the_import_page_lists_row_errors_with_a_422_and_changes_nothing(app, hanoi):
    from io import BytesIO

    from tests.conftest import signed_in_client

    client = signed_in_client(app, hanoi["admin"])
    before = snapshot()
    response = post_form(client, "/admin/units/import", {
        "step": "preview", "units_file": (BytesIO(BAD_UNITS.encode()), "don-vi.csv"),
        "mapping_file": (BytesIO(BAD_MAPPING.encode()), "anh-xa.csv")}, content_type="multipart/form-data")
    page = text_of(response)
    assert response.status_code == 422
    assert "Tệp có 8 lỗi; chưa thay đổi gì." in page
    assert "Mã P90001 lặp lại (đã có ở dòng 3)." in page
    assert "Xác nhận nhập" not in page
    latin1 = post_form(client, "/admin/units/import", {
        "step": "preview", "units_file": (BytesIO("code,name\nP1,Phường Hàng Bột".encode("utf-16")), "don-vi.csv"),
        "mapping_file": (BytesIO(b"old_code,new_code\n"), "anh-xa.csv")}, content_type="multipart/form-data")
    assert latin1.status_code == 422 and "mã hóa UTF-8" in text_of(latin1)
    assert snapshot() == before
