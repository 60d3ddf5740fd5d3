"""Categories: name, default handling unit, processing time per priority, active."""
from datetime import datetime

from sqlalchemy import select

from portal.domain.deadlines import handling_due_at, load_calendar
from portal.domain.working_time import TZ
from portal.extensions import db
from portal.models import AuditEntry, Category
from tests.admin.conftest import post_form, text_of

SETTINGS = {"name": "Điện, chiếu sáng công cộng", "default_unit_kind": "department", "default_unit_code": "SO-TTTT",
            "receive_hours": "8", "urgent_hours": "2", "normal_days": "5", "complex_days": "12", "active": "y"}


def test_editing_processing_times_changes_new_deadlines_and_is_audited(admin_client, make):
    category = make.category(code="DIEN", name="Điện")
    response = post_form(admin_client, f"/admin/categories/{category.id}", SETTINGS)
    assert response.status_code == 302
    db.session.refresh(category)
    assert (category.name, category.default_unit_code, category.urgent_hours, category.normal_days,
            category.complex_days) == ("Điện, chiếu sáng công cộng", "SO-TTTT", 2, 5, 12)
    monday = datetime(2026, 11, 16, 9, 0, tzinfo=TZ)
    assert handling_due_at(load_calendar(), category, "normal", monday) == datetime(2026, 11, 23, 17, 0, tzinfo=TZ)
    assert handling_due_at(load_calendar(), category, "urgent", monday) == datetime(2026, 11, 16, 11, 0, tzinfo=TZ)
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "category_changed"))
    assert entry.target == "DIEN" and "bình thường: 10 → 5" in entry.detail.lower()


def test_bad_category_settings_are_refused_at_their_field(admin_client, make, city):
    category = make.category(code="DIEN", name="Điện")
    for change, message in (({"normal_days": "0"}, "Từ 1 đến 120 ngày làm việc."),
                            ({"urgent_hours": "nhiều"}, "Vui lòng nhập một số nguyên."),
                            ({"default_unit_code": "KHONG-CO"}, "Không có đơn vị mã KHONG-CO."),
                            ({"default_unit_code": "P00193"}, "không khớp loại đơn vị mặc định"),
                            ({"name": ""}, "Vui lòng nhập tên lĩnh vực.")):
        response = post_form(admin_client, f"/admin/categories/{category.id}", {**SETTINGS, **change})
        assert response.status_code == 422, change
        assert message in text_of(response), change
    db.session.refresh(category)
    assert category.name == "Điện" and category.normal_days == 10


def test_a_category_can_be_retired_and_a_new_one_created(admin_client, make):
    category = make.category(code="DIEN", name="Điện")
    post_form(admin_client, f"/admin/categories/{category.id}", {**SETTINGS, "active": ""})
    db.session.refresh(category)
    assert category.active is False
    created = post_form(admin_client, "/admin/categories/new", {
        **SETTINGS, "code": "chieusang", "name": "Chiếu sáng", "kind": "field", "default_unit_kind": "ward",
        "default_unit_code": ""})
    assert created.status_code == 302
    assert db.session.scalar(select(Category).where(Category.code == "CHIEUSANG")).name == "Chiếu sáng"
    taken = post_form(admin_client, "/admin/categories/new", {**SETTINGS, "code": "DIEN", "kind": "field"})
    assert taken.status_code == 422 and "Mã lĩnh vực DIEN đã có." in text_of(taken)
    assert "Ngừng dùng" in text_of(admin_client.get("/admin/categories"))
