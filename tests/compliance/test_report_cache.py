"""The kept compliance report is never stale: after each kind of write that changes what it shows, and
once an open case passes its deadline, the next request shows what a fresh computation shows; it is
kept per scope and user; it stays within its bounds."""
from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import event, text

from portal.compliance import cache
from portal.domain import freshness, inspections, units, workflow
from portal.domain.deadlines import load_calendar
from portal.extensions import db
from tests.compliance.dataset import build, hanoi
from tests.conftest import FIXED_NOW, IS_POSTGRES, signed_in_client

PERIOD = "period=custom&start=2026-08-01&end=2026-09-30"


@pytest.fixture
def city(make):
    return build(make)


@pytest.fixture
def office(app, make, city):
    return make.user("city_office", city["office"])


def _shown(client, path: str) -> str:
    """The page as a user reads it (the session's CSRF token left out)."""
    response = client.get(path)
    assert response.status_code == 200
    return re.sub(r'"X-CSRFToken": "[^"]+"|(value|content)="[\w.-]{40,}"', "", response.get_data(as_text=True))


def _computed_afresh(client, path: str) -> str:
    cache.current().clear()
    return _shown(client, path)


def _headline(html: str) -> str:
    return re.search(r'id="headline">([^<]*)<', html).group(1)


def _statements_of(client, path: str) -> int:
    seen = []

    def count(*args):
        seen.append(args[2])

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        client.get(path)
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    return len(seen)


def test_a_report_asked_again_is_the_kept_one_read_in_two_statements(app, make, city, office):
    client = signed_in_client(app, office)
    first = _shown(client, f"/compliance?{PERIOD}")
    assert len(cache.current()) == 1
    assert _shown(client, f"/compliance?{PERIOD}") == first
    # The signed-in user and the freshness mark; nothing of the report itself.
    assert _statements_of(client, f"/compliance?{PERIOD}") == 2


def test_an_action_through_the_workflow_shows_at_once(app, make, city, office):
    client = signed_in_client(app, office)
    before = _shown(client, f"/compliance?{PERIOD}")
    case = city.cases["long_deadline"]
    workflow.perform("reject", case, office, {"reason": "Nội dung trùng lặp, đã trả lời trước đó."}, now=FIXED_NOW,
                     calendar=load_calendar(), seen_version=case.version)
    db.session.commit()
    after = _shown(client, f"/compliance?{PERIOD}")
    assert "từ chối 3 (23,1%)" in _headline(after) and "từ chối 2" in _headline(before)
    assert after == _computed_afresh(client, f"/compliance?{PERIOD}")


def test_a_unit_renamed_shows_its_new_name(app, make, city, office):
    admin = make.user("admin", city["office"])
    client = signed_in_client(app, office)
    assert "Sở Xây dựng" in _shown(client, "/compliance")
    units.rename_unit(city["so_xay_dung"], "Sở Xây dựng Hà Nội", actor=admin, now=FIXED_NOW)
    db.session.commit()
    after = _shown(client, "/compliance")
    assert "Sở Xây dựng Hà Nội" in after
    assert after == _computed_afresh(client, "/compliance")


def test_a_ward_merged_into_another_hands_it_its_open_cases_at_once(app, make, city, office):
    chair = make.user("chair", city["dong_da"])
    client = signed_in_client(app, chair)
    before = _shown(client, "/compliance")
    units.merge_units([city["quoc_tu_giam"]], city["van_chuong"], None, FIXED_NOW)
    db.session.commit()
    after = _shown(client, "/compliance")
    assert after != before
    assert after == _computed_afresh(client, "/compliance")


def test_an_inspection_recorded_shows_on_the_units_page(app, make, city):
    inspector = make.user("inspector", city["office"])
    client = signed_in_client(app, inspector)
    path = f"/compliance/units/{city['dong_da'].id}"
    assert "Chưa có đợt kiểm tra nào" in _shown(client, path)
    inspections.record(city["dong_da"], recorded_by=inspector, now=FIXED_NOW, inspected_on=date(2026, 11, 12),
                       inspectors="Đoàn kiểm tra Sở Nội vụ", findings="Còn phản ánh quá hạn.",
                       conclusion="Yêu cầu khắc phục.", follow_up_due=None)
    db.session.commit()
    after = _shown(client, path)
    assert "Kiểm tra ngày 12/11/2026" in after
    assert after == _computed_afresh(client, path)


def test_a_week_end_recounted_shows_in_the_trend(app, make, city, office):
    client = signed_in_client(app, office)
    before = _shown(client, "/compliance")  # records the week ends it shows
    db.session.execute(text("UPDATE overdue_snapshots SET open_overdue = open_overdue + 40 WHERE day = :day"),
                       {"day": date(2026, 11, 8)})
    db.session.commit()
    after = _shown(client, "/compliance")
    assert after != before
    assert after == _computed_afresh(client, "/compliance")


def test_a_case_passing_its_deadline_counts_as_overdue_without_any_write(app, make, city, office):
    make.case(unit=city["van_chuong"], state="in_progress", received_at=FIXED_NOW - timedelta(days=3),
              due_at=FIXED_NOW + timedelta(hours=2))
    client = signed_in_client(app, office)
    before = _headline(_shown(client, "/compliance"))
    app.config["FIXED_NOW"] = FIXED_NOW + timedelta(hours=1)  # the same day, the deadline not passed yet
    assert _headline(_shown(client, "/compliance")) == before
    app.config["FIXED_NOW"] = FIXED_NOW + timedelta(hours=3)
    after = _shown(client, "/compliance")
    assert _headline(after) != before
    assert after == _computed_afresh(client, "/compliance")


def test_a_deadline_passing_elsewhere_keeps_a_districts_report(app, make, city):
    elsewhere = make.unit("UBND Quận Ba Đình", kind="district", parent=city["city"], code="Q001")
    make.case(unit=elsewhere, state="in_progress", received_at=FIXED_NOW - timedelta(days=3),
              due_at=FIXED_NOW + timedelta(hours=2))
    client = signed_in_client(app, make.user("chair", city["dong_da"]))
    _shown(client, "/compliance")  # records the week ends the trend shows (a write: the next one is kept)
    before = _shown(client, "/compliance")
    app.config["FIXED_NOW"] = FIXED_NOW + timedelta(hours=3)
    assert _statements_of(client, "/compliance") == 2  # still the kept report
    assert _shown(client, "/compliance").replace("16/11/2026 12:00", "16/11/2026 09:00") == before


@pytest.mark.skipif(not IS_POSTGRES, reason="a second writer at the same time: PostgreSQL")
def test_a_write_still_in_progress_shows_once_it_commits(app, make, city, office):
    client = signed_in_client(app, office)
    _computed_afresh(client, f"/compliance?{PERIOD}")  # the week ends recorded now, not behind the writer
    cache.current().clear()
    case = city.cases["long_deadline"]
    with db.engine.connect() as writer:
        writer.execute(text("UPDATE cases SET state = 'rejected' WHERE id = :id"), {"id": case.id})
        during = _shown(client, f"/compliance?{PERIOD}")  # computed and kept while the writer is not done
        assert "từ chối 2 " in _headline(during)
        assert _shown(client, f"/compliance?{PERIOD}") == during
        writer.commit()
    after = _shown(client, f"/compliance?{PERIOD}")
    assert "từ chối 3 " in _headline(after)
    assert after == _computed_afresh(client, f"/compliance?{PERIOD}")


def test_the_mark_moves_with_each_kind_of_write(app, make, city, office):
    def version():
        return freshness.read().version

    seen = [version()]
    writes = [
        "UPDATE cases SET rating = 'accepted' WHERE id = (SELECT min(id) FROM cases)",
        "INSERT INTO case_events (case_id, at, type) SELECT min(id), CURRENT_TIMESTAMP, 'note' FROM cases",
        "UPDATE units SET name = name || ' ' WHERE id = (SELECT max(id) FROM units)",
        "INSERT INTO overdue_snapshots (unit_id, day, open_overdue) VALUES (1, '2026-01-04', 3)",
        "DELETE FROM figure_rollups WHERE day = (SELECT min(day) FROM figure_rollups)",  # as a recount begins
        f"UPDATE users SET full_name = 'Nguyễn Văn Mới' WHERE id = {office.id}",
    ]
    for statement in writes:
        db.session.execute(text(statement))
        db.session.commit()
        seen.append(version())
    assert seen == sorted(set(seen)), "a write left the mark where it was"


def test_a_chair_never_gets_another_scopes_report(app, make, city, office):
    other = make.unit("UBND Quận Ba Đình", kind="district", parent=city["city"], code="Q001")
    ward = make.unit("UBND Phường Trúc Bạch", parent=other, code="P00001")
    dong_da_chair = signed_in_client(app, make.user("chair", city["dong_da"]))
    ba_dinh_chair = signed_in_client(app, make.user("chair", other))
    city_wide = _shown(signed_in_client(app, office), "/compliance")
    assert "UBND Quận Đống Đa" in city_wide and "UBND Quận Ba Đình" in city_wide

    dong_da = _shown(dong_da_chair, "/compliance")
    assert "UBND Phường Văn Chương" in dong_da and "Sở Xây dựng" not in dong_da
    ba_dinh = _shown(ba_dinh_chair, "/compliance")
    assert "UBND Phường Trúc Bạch" in ba_dinh and "UBND Phường Văn Chương" not in ba_dinh
    # A unit another chair's report was kept for is still outside this chair's scope.
    assert dong_da_chair.get(f"/compliance/units/{city['van_chuong'].id}").status_code == 200
    assert ba_dinh_chair.get(f"/compliance/units/{city['van_chuong'].id}").status_code == 404
    assert dong_da_chair.get(f"/compliance/units/{ward.id}").status_code == 404


def test_an_inspector_keeps_the_record_button_a_city_officer_never_gets(app, make, city, office):
    path = f"/compliance/units/{city['dong_da'].id}"
    inspector = signed_in_client(app, make.user("inspector", city["office"]))
    assert "Ghi nhận kết quả kiểm tra" in _shown(inspector, path)
    assert "Ghi nhận kết quả kiểm tra" not in _shown(signed_in_client(app, office), path)


def test_the_cache_drops_the_least_recently_used_past_its_bytes():
    kept = cache.ReportCache(max_bytes=250, max_seconds=60)
    mark = freshness.Mark(1, 1)
    for name in ("a", "b", "c"):
        kept.put(name, mark, FIXED_NOW, {"name": name}, 100, until=None)
        if name == "b":
            assert kept.get("a", mark, FIXED_NOW) is not None  # "a" used: "b" is now the oldest
    assert kept.get("b", mark, FIXED_NOW) is None
    assert kept.get("a", mark, FIXED_NOW) == {"name": "a"} and kept.get("c", mark, FIXED_NOW) == {"name": "c"}
    assert kept.size == 200
    kept.put("huge", mark, FIXED_NOW, {}, 251, until=None)
    assert kept.get("huge", mark, FIXED_NOW) is None and kept.size == 200


def test_the_cache_serves_nothing_older_than_its_age_its_mark_or_the_next_deadline():
    mark, deadline = freshness.Mark(7, 1), FIXED_NOW + timedelta(hours=3)
    kept = cache.ReportCache(max_bytes=1000, max_seconds=0)
    kept.put("report", mark, FIXED_NOW, {}, 10, until=deadline)
    assert kept.get("report", mark, FIXED_NOW) is None
    kept = cache.ReportCache(max_bytes=1000, max_seconds=60)
    kept.put("report", mark, FIXED_NOW, {}, 10, until=deadline)
    assert kept.get("report", mark, deadline - timedelta(seconds=1)) is not None
    assert kept.get("report", freshness.Mark(8, 1), FIXED_NOW) is None
    kept.put("report", mark, FIXED_NOW, {}, 10, until=deadline)
    assert kept.get("report", mark, deadline) is None
    kept.put("report", mark, deadline, {}, 10, until=deadline)  # already past: not kept
    assert len(kept) == 0


def test_a_small_byte_bound_keeps_the_pages_right(app, make, city, office):
    app.extensions["compliance_cache"] = cache.ReportCache(max_bytes=30_000, max_seconds=60)
    client = signed_in_client(app, office)
    pages = [f"/compliance?{PERIOD}", "/compliance", "/compliance?period=month", f"/compliance?{PERIOD}"]
    shown = [_shown(client, path) for path in pages]
    assert cache.current().size <= 30_000
    assert shown[0] == shown[3] == _computed_afresh(client, pages[0])


def test_the_day_after_shows_the_new_days_figures(app, make, city, office):
    client = signed_in_client(app, office)
    before = _shown(client, "/compliance?period=week")
    app.config["FIXED_NOW"] = hanoi(2026, 11, 17, 9)
    after = _shown(client, "/compliance?period=week")
    assert "17/11/2026" in after and after != before
    assert after == _computed_afresh(client, "/compliance?period=week")
