"""`/queue`: what each role's queue holds, in what order, its tabs, filters, pages and quick actions."""
from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest
from sqlalchemy import event, text

from portal.domain.deadlines import forget_shown_calendar
from portal.domain.queue import QueueFilters, queue_page
from portal.extensions import db
from portal.models import Case, CaseEvent
from tests.clients import client_for
from tests.conftest import FIXED_NOW, IS_POSTGRES, csrf_token_from

HTMX = {"HX-Request": "true", "HX-Target": "results"}


def at(days: float) -> datetime:
    return FIXED_NOW + timedelta(days=days)


@pytest.fixture
def places(make):
    ward = make.unit("UBND Phường Văn Chương", parent=make.unit("UBND Quận Đống Đa", kind="district"))
    other = make.unit("UBND Phường Trúc Bạch")
    office = make.unit("Văn phòng UBND Thành phố", kind="city_office", code="VP-UBND")
    return {"ward": ward, "other": other, "office": office}


@pytest.fixture
def handler(make, places):
    return make.user("handler", places["ward"], full_name="Nguyễn Thị Hồng Nhung")


def _codes(html: str) -> list[str]:
    return re.findall(r'class="case-link">([A-Z0-9-]+)<', html)


def _count(html: str, tab: str) -> int:
    found = re.search(rf'data-tab="{tab}"[^>]*>[^<]*<span class="count">([\d.]+)</span>', html)
    assert found, f"no tab {tab}"
    return int(found.group(1).replace(".", ""))


def test_handler_sees_the_units_open_cases_most_urgent_first(app, make, places, handler):
    later = make.case(unit=places["ward"], state="in_progress", handler=handler, due_at=at(5), title="Đèn đường hỏng")
    overdue = make.case(unit=places["ward"], state="assigned", due_at=at(-2), title="Rác tồn đọng")
    soon = make.case(unit=places["ward"], state="paused", due_at=at(1), paused_at=at(-1), title="Cây nghiêng")
    make.case(unit=places["ward"], state="closed", due_at=at(-9), title="Đã hoàn thành")
    make.case(unit=places["other"], state="assigned", due_at=at(-3), title="Vỉa hè Trúc Bạch")
    html = client_for(app, handler).get("/queue").get_data(as_text=True)
    assert _codes(html) == [overdue.code, soon.code, later.code]
    assert "Trúc Bạch" not in html and "Đã hoàn thành" not in html
    assert re.search(rf'<tr id="row-{overdue.code}" class="is-overdue', html), "overdue rows are marked"
    assert (_count(html, "open"), _count(html, "assigned"), _count(html, "in_progress"), _count(html, "paused")) == (3, 1, 1, 1)


def test_filters_overdue_mine_and_text_narrow_the_list_and_the_counts(app, make, places, handler):
    mine_overdue = make.case(unit=places["ward"], state="in_progress", handler=handler, due_at=at(-1),
                             title="Rác tồn đọng ngõ 45")
    make.case(unit=places["ward"], state="assigned", due_at=at(3), title="Rác tồn đọng ngõ 12")
    make.case(unit=places["ward"], state="assigned", due_at=at(-1), title="Đèn đường hỏng")
    client = client_for(app, handler)
    overdue = client.get("/queue?overdue=y").get_data(as_text=True)
    assert len(_codes(overdue)) == 2 and _count(overdue, "open") == 2 and _count(overdue, "in_progress") == 1
    assert _codes(client.get("/queue?mine=y").get_data(as_text=True)) == [mine_overdue.code]
    found = client.get("/queue?text=ng%C3%B5+45").get_data(as_text=True)
    assert _codes(found) == [mine_overdue.code]
    assert _codes(client.get(f"/queue?text={mine_overdue.code.lower()}").get_data(as_text=True)) == [mine_overdue.code]


def test_an_htmx_filter_gets_the_results_only_and_the_same_url_reloads_as_a_full_page(app, make, places, handler):
    make.case(unit=places["ward"], state="assigned", due_at=at(-1))
    client = client_for(app, handler)
    part = client.get("/queue?overdue=y&tab=assigned", headers=HTMX)
    body = part.get_data(as_text=True)
    assert body.lstrip().startswith('<div id="results">') and "<html" not in body
    assert "HX-Request" in part.headers["Vary"]
    assert 'id="filter-tab" name="tab" value="assigned" hx-swap-oob="true"' in body
    full = client.get("/queue?overdue=y&tab=assigned")
    page = full.get_data(as_text=True)
    assert "<html" in page and 'id="queue-filters"' in page and 'id="results"' in page
    restored = client.get("/queue?overdue=y&tab=assigned", headers={**HTMX, "HX-History-Restore-Request": "true"})
    assert "<html" in restored.get_data(as_text=True)


def test_pages_keep_the_filters_in_their_links(app, make, places, handler):
    app.config["PAGE_SIZE"] = 2
    codes = [make.case(unit=places["ward"], state="assigned", due_at=at(i)).code for i in range(5)]
    client = client_for(app, handler)
    first = client.get("/queue?tab=assigned&kind=field").get_data(as_text=True)
    assert _codes(first) == codes[:2] and "Trang 1/3" in first
    assert 'href="/queue?tab=assigned&amp;kind=field&amp;page=2"' in first
    assert 'href="/queue.xlsx?tab=assigned&amp;kind=field"' in first, "the spreadsheet is of the list on screen"
    assert _codes(client.get("/queue?tab=assigned&kind=field&page=3").get_data(as_text=True)) == codes[4:]


@pytest.mark.parametrize("filtered", [False, True])
def test_a_page_past_the_last_shows_the_last_and_an_empty_tab_still_counts_the_others(app, make, places, handler,
                                                                                       filtered):
    """The counts come with the page's rows; a page with no rows must still say how many each tab holds."""
    app.config["PAGE_SIZE"] = 2
    codes = [make.case(unit=places["ward"], state="assigned", due_at=at(i)).code for i in range(5)]
    make.case(unit=places["ward"], state="in_progress", due_at=at(9))
    query = "&kind=field" if filtered else ""
    client = client_for(app, handler)
    past = client.get(f"/queue?tab=assigned&page=7{query}").get_data(as_text=True)
    assert _codes(past) == codes[4:] and "Trang 3/3" in past
    assert (_count(past, "open"), _count(past, "assigned"), _count(past, "in_progress"), _count(past, "paused")) \
        == (6, 5, 1, 0)
    empty = client.get(f"/queue?tab=paused{query}").get_data(as_text=True)
    assert _codes(empty) == [] and "Không có phản ánh nào" in empty
    assert (_count(empty, "open"), _count(empty, "assigned"), _count(empty, "paused")) == (6, 5, 0)


def test_taking_a_case_from_the_list_updates_the_row_and_the_tab_counts(app, make, places, handler):
    case = make.case(unit=places["ward"], state="assigned", due_at=at(2))
    client = client_for(app, handler)
    token = csrf_token_from(client.get("/queue").get_data(as_text=True))
    response = client.post(f"/queue/cases/{case.code}/take",
                           data={"csrf_token": token, "version": "1", "tab": "open"}, headers={"HX-Request": "true"})
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert body.lstrip().startswith(f'<tr id="row-{case.code}"') and "Đang xử lý" in body
    assert '<nav class="tabs" id="queue-tabs" aria-label="Trạng thái" hx-swap-oob="true">' in body
    assert _count(body, "assigned") == 0 and _count(body, "in_progress") == 1
    assert db.session.get(Case, case.id).handler_id == handler.id


def test_a_double_click_on_the_rows_take_button_takes_the_case_once(app, make, places, handler):
    case = make.case(unit=places["ward"], state="assigned", due_at=at(2))
    client = client_for(app, handler)
    form = {"csrf_token": csrf_token_from(client.get("/queue").get_data(as_text=True)), "version": "1", "tab": "open"}
    first = client.post(f"/queue/cases/{case.code}/take", data=form, headers={"HX-Request": "true"})
    second = client.post(f"/queue/cases/{case.code}/take", data=form, headers={"HX-Request": "true"})
    assert first.status_code == 200 and "Bạn đã nhận xử lý phản ánh." in first.get_data(as_text=True)
    assert second.status_code == 200 and "Thao tác này đã được ghi nhận trước đó." in second.get_data(as_text=True)
    taken = db.session.scalars(db.select(CaseEvent.type).where(CaseEvent.case_id == case.id, CaseEvent.type == "taken"))
    assert len(list(taken)) == 1, "the second click took the case again"
    assert db.session.get(Case, case.id).version == 2


def test_lead_assigns_from_the_list_and_a_stale_row_says_who_changed_it(app, make, places, handler):
    lead = make.user("unit_lead", places["ward"], full_name="Trần Văn Minh")
    first, second = (make.case(unit=places["ward"], state="assigned", due_at=at(2)) for _ in range(2))
    client = client_for(app, lead)
    html = client.get("/queue").get_data(as_text=True)
    assert f'id="assign-{first.code}"' in html and "Nguyễn Thị Hồng Nhung" in html
    token = csrf_token_from(html)
    done = client.post(f"/queue/cases/{first.code}/assign",
                       data={"csrf_token": token, "version": "1", "handler": str(handler.id), "tab": "assigned"},
                       headers={"HX-Request": "true"})
    body = done.get_data(as_text=True)
    assert done.status_code == 200 and "Đã giao cán bộ xử lý." in body
    assert _count(body, "assigned") == 1 and _count(body, "in_progress") == 1
    assert db.session.get(Case, first.id).handler_id == handler.id
    # Meanwhile the handler writes a note on the second case; the lead's row still shows version 1.
    colleague = client_for(app, handler)
    page = colleague.get(f"/cases/{second.code}").get_data(as_text=True)
    colleague.post(f"/cases/{second.code}/actions/note",
                   data={"csrf_token": csrf_token_from(page), "note-version": "1", "note-note": "Đã liên hệ người dân."})
    stale = client.post(f"/queue/cases/{second.code}/assign",
                        data={"csrf_token": token, "version": "1", "handler": str(handler.id)}, headers={"HX-Request": "true"})
    assert stale.status_code == 409
    assert "Phản ánh này vừa được Nguyễn Thị Hồng Nhung cập nhật lúc 09:00 ngày 16/11/2026." in stale.get_data(as_text=True)
    assert db.session.get(Case, second.id).handler_id is None


def test_city_office_queue_holds_cases_to_route_and_extension_requests(app, make, places):
    waiting = make.case(state="received", due_at=at(1), title="Chưa rõ đơn vị")
    asking = make.case(unit=places["ward"], state="in_progress", extension_requested_at=at(-1),
                       extension_proposed_due_at=at(10), extension_reason="Cần phối hợp.", transfer_count=2)
    make.case(unit=places["ward"], state="in_progress")
    client = client_for(app, make.user("city_office", places["office"]))
    html = client.get("/queue").get_data(as_text=True)
    assert _codes(html) == [waiting.code]
    assert (_count(html, "received"), _count(html, "extensions")) == (1, 1)
    extensions = client.get("/queue?tab=extensions").get_data(as_text=True)
    assert _codes(extensions) == [asking.code]
    assert "Chuyển 2 lần" in extensions, "a case passed on more than once is flagged in the queue"


@pytest.mark.parametrize("role", ["chair", "inspector", "hotline", "admin"])
def test_roles_without_a_queue_are_refused(app, make, places, role):
    assert client_for(app, make.user(role, places["office"])).get("/queue").status_code == 403


def test_the_list_costs_the_same_few_queries_for_3_or_30_rows(app, make, places, handler):
    """Tab counts in one grouped query; handler and category joined, never loaded per row."""
    def statements_for_queue() -> int:
        seen = []
        listener = lambda *args: seen.append(args[2])  # noqa: E731
        forget_shown_calendar()  # each count reads the calendar, as the first page of a worker does
        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            client.get("/queue")
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
        return len(seen)

    client = client_for(app, handler)
    for i in range(3):
        make.case(unit=places["ward"], state="in_progress", handler=handler, due_at=at(i), category=make.category())
    few = statements_for_queue()
    for i in range(27):
        make.case(unit=places["ward"], state="in_progress", handler=handler, due_at=at(i), category=make.category())
    assert statements_for_queue() == few


@pytest.mark.skipif(not IS_POSTGRES, reason="query plans are checked on PostgreSQL, the production database")
@pytest.mark.parametrize("tab, page_index", [("open", "ix_cases_unit_open_due"),
                                             ("in_progress", "ix_cases_unit_(state|open)_due")])
@pytest.mark.parametrize("mine", [False, True])
def test_the_unit_list_and_counts_use_the_queue_indexes(app, make, places, handler, tab, page_index, mine):
    """One statement. The unfiltered counts are the rows kept per unit and state (five key lookups);
    filtered, each state's count is a (unit, state) range of an index, never a scan of the unit's
    closed cases. The default tab's page comes from the partial index of open cases in deadline order
    (no sort of the unit's whole backlog)."""
    make.case(unit=places["ward"], state="in_progress", handler=handler)
    captured = []
    listener = lambda conn, cursor, statement, params, context, many: captured.append((statement, params))  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        page = queue_page(handler, QueueFilters(tab=tab, mine=mine), FIXED_NOW, 25)
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    assert page.counts["in_progress"] == 1 and [row.state for row in page.cases] == ["in_progress"]
    queue_queries = [(s, p) for s, p in captured if "FROM cases" in s]
    assert len(queue_queries) == 1, f"the counts and the page in one statement, not {len(queue_queries)}"
    db.session.commit()
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM ANALYZE cases"))  # as a table in use is: index-only scans pay
        connection.execute(text("SET enable_seqscan = off"))  # a tiny test table would be read whole otherwise
        [(statement, params)] = queue_queries
        plan = "\n".join(row[0] for row in connection.exec_driver_sql("EXPLAIN " + statement, params))
        counts = statement[:statement.index("FROM (SELECT")]
        if mine:
            # (On a table this small the planner reads the unit's few rows whichever way; the statement's
            # shape is what keeps a generic plan on the (unit, state) ranges at scale.)
            assert len(re.findall(r"\(SELECT count\(\*\) AS count_\d+ \nFROM cases \nWHERE cases.unit_id = "
                                  r"%\(unit_id\)s::INTEGER AND cases.state = '\w+'", counts)) == 5, counts
            assert "IN (" not in counts and "ANY" not in counts, \
                "no list of states in the counts: a prepared statement's generic plan would filter every case of the unit"
        else:
            assert "FROM cases" not in counts, "the unfiltered counts are not counted from the cases"
            lookups = re.findall(r"Index Scan using pk_queue_counts on queue_counts", plan)
            assert len(lookups) == 5, f"one key lookup per state:\n{plan}"
        assert re.search(f"Index (Only )?Scan using {page_index} on cases", plan), plan
        if tab == "open" and not mine:
            assert "Sort Key: cases.due_at" not in plan, f"the open cases are read in deadline order, not sorted:\n{plan}"


def test_the_list_on_screen_exports_to_a_spreadsheet_with_every_row_and_nothing_else(app, make, places, handler):
    import io

    import openpyxl
    from sqlalchemy import select

    from portal.models import AuditEntry

    overdue = [make.case(unit=places["ward"], state="assigned", due_at=at(-n - 1), title=f"Rác tồn đọng {n}")
               for n in range(30)]  # more than one page of the list
    make.case(unit=places["ward"], state="assigned", due_at=at(4), title="Chưa đến hạn")
    make.case(unit=places["other"], state="assigned", due_at=at(-3), title="Vỉa hè Trúc Bạch")
    client = client_for(app, handler)
    page = client.get("/queue?overdue=y").get_data(as_text=True)
    link = re.search(r'href="(/queue\.xlsx\?[^"]+)"', page).group(1).replace("&amp;", "&")
    assert "overdue=y" in link, "the export link carries the filters on screen"
    response = client.get(link)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = list(openpyxl.load_workbook(io.BytesIO(response.data)).active.iter_rows(values_only=True))
    header = rows.index(next(row for row in rows if row and row[0] == "Mã"))
    exported = [row for row in rows[header + 1:] if row and row[0]]
    assert [row[0] for row in exported] == [case.code for case in reversed(overdue)]  # most overdue first
    assert exported[0][7] == "Chờ xử lý" and exported[0][6].startswith("quá hạn")
    assert all("Trúc Bạch" not in str(row) and "Chưa đến hạn" not in str(row) for row in exported)
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "export"))
    assert entry.target == "queue" and entry.actor_id == handler.id


@pytest.mark.parametrize("args", [
    {}, {"overdue": "y", "mine": "y"}, {"overdue": "false", "mine": ""}, {"overdue": "0"}, {"category": "12"},
    {"category": "mười"}, {"category": "99999999999"}, {"kind": "field", "priority": "urgent"}, {"text": "ổ gà " * 60},
    {"tab": "paused", "page": "3"}, {"page": "-1"}, {"page": "²"},
])
def test_the_filters_a_list_applies_are_the_ones_its_form_shows(app, args):
    """An htmx part reads the filters without building the form; the full page's form must show the same."""
    from werkzeug.datastructures import MultiDict

    from portal.queue.forms import QueueFilterForm, read_filters

    with app.test_request_context():
        filters, form = read_filters(MultiDict(args)), QueueFilterForm(formdata=MultiDict(args))
        assert (filters.kind, filters.priority, filters.overdue, filters.mine) == \
            (form.kind.data or "", form.priority.data or "", form.overdue.data, form.mine.data)
        assert filters.text == (form.text.data or "")[:200]
        assert str(filters.category_id or "") == (form.category.data or "" if filters.category_id else "")
        assert filters.page == (form.page.data if form.page.data and form.page.data > 0 else 1)
