"""The audit log: every entry, newest first, filtered by action, words and dates; nothing to edit."""
from datetime import datetime, timezone

from portal.domain import audit
from portal.extensions import db
from tests.admin.conftest import post_form, text_of


def rows(client, url):
    return text_of(client.get(url, headers={"HX-Request": "true"}))


def test_the_log_is_filtered_by_action_words_and_dates(admin_client, admin):
    audit.record("role_changed", now=datetime(2026, 11, 2, 3, 0, tzinfo=timezone.utc), actor=admin,
                 target="tran.thi.b", detail="Cán bộ xử lý → Lãnh đạo đơn vị")
    audit.record("export", now=datetime(2026, 11, 10, 3, 0, tzinfo=timezone.utc), actor=admin, target="bao-cao.xlsx")
    audit.record("login_failed", now=datetime(2026, 10, 1, 3, 0, tzinfo=timezone.utc), username="ke.la")
    db.session.commit()
    page = rows(admin_client, "/admin/audit?action=role_changed")
    assert "tran.thi.b" in page and "bao-cao.xlsx" not in page
    page = rows(admin_client, "/admin/audit?q=TRAN.THI")
    assert "tran.thi.b" in page and "bao-cao.xlsx" not in page
    page = rows(admin_client, "/admin/audit?date_from=05/11/2026&date_to=10/11/2026")
    assert "bao-cao.xlsx" in page and "tran.thi.b" not in page and "ke.la" not in page
    page = rows(admin_client, "/admin/audit?date_from=31/13/2026&page=abc")
    assert "ke.la" in page  # a date that is not one is ignored, not an error
    assert "Ngày không hợp lệ" in text_of(admin_client.get("/admin/audit?date_from=31/13/2026"))
    assert admin_client.get("/admin/audit?date_to=31/12/9999").status_code == 200


def test_the_log_cannot_be_changed_from_the_page(admin_client):
    assert post_form(admin_client, "/admin/audit").status_code == 405
