"""Journey: two people of one unit work the same case in two browsers. The one whose page is older is told
who changed the case and when, keeps what they typed, and sends it once; a button clicked twice, a form
replayed or posted twice at the same moment changes the case once."""
from portal.extensions import db
from portal.models import Case, CaseEvent
from tests.browser.conftest import sign_in

ANSWER = "Phường đã kiểm tra thực tế, bóc xóa toàn bộ quảng cáo rao vặt và nhắc nhở các hộ liên quan."
NOTE = "Đề nghị chụp ảnh hiện trường trước và sau khi xử lý."
CONFLICT = "Phản ánh này vừa được {who} cập nhật lúc 09:00 ngày 16/11/2026."


def _unit(make):
    return make.unit("UBND Phường Văn Chương", parent=make.unit("UBND Quận Đống Đa", kind="district"))


def _events(case) -> list[tuple[str, int | None]]:
    db.session.expire_all()
    return [(event.type, event.actor_id) for event in
            db.session.scalars(db.select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.id))]


def _stored(case) -> Case:
    db.session.expire_all()
    return db.session.get(Case, case.id)


def test_an_answer_sent_from_an_older_page_is_stopped_kept_and_sent_once(live_server, page, second_page, make):
    ward = _unit(make)
    handler = make.user("handler", ward, username="demo.handler", full_name="Nguyễn Thị Hồng Nhung")
    lead = make.user("unit_lead", ward, username="demo.lead", full_name="Trần Văn Minh")
    case = make.case(unit=ward, state="in_progress", handler=handler, title="Quảng cáo rao vặt trên phố Văn Chương")

    sign_in(page, live_server, "demo.handler")
    sign_in(second_page, live_server, "demo.lead")
    page.goto(f"{live_server}/cases/{case.code}")
    second_page.goto(f"{live_server}/cases/{case.code}")
    page.get_by_label("Nội dung trả lời người dân").fill(ANSWER)  # the handler is still typing…

    second_page.locator("#action-note summary").click()  # …when the lead adds a note
    second_page.get_by_label("Ghi chú nội bộ (không hiển thị cho người dân)").fill(NOTE)
    second_page.get_by_role("button", name="Thêm ghi chú").click()
    second_page.get_by_text("Đã thêm ghi chú nội bộ.").wait_for()

    page.get_by_role("button", name="Trả lời và công khai").click()
    alert = page.locator("#case-alert [role=alert]")
    alert.wait_for()
    assert alert.inner_text().startswith(CONFLICT.format(who="Trần Văn Minh")), alert.inner_text()
    assert "nội dung bạn đã nhập vẫn được giữ" in alert.inner_text()
    assert page.get_by_label("Nội dung trả lời người dân").input_value() == ANSWER, "the typed answer was thrown away"
    assert page.locator("#case-state").inner_text() == "Đang xử lý"
    assert NOTE in page.locator("#timeline").inner_text(), "the page now shows what the lead did"
    stored = _stored(case)
    assert (stored.state, stored.answer, stored.version) == ("in_progress", None, 2), "the stale answer was saved"
    assert _events(case) == [("received", None), ("note", lead.id)]

    page.get_by_role("button", name="Trả lời và công khai").click()  # having read the note, they send it again
    page.get_by_text("Đã trả lời và công khai kết quả.").wait_for()
    assert page.locator("#case-state").inner_text() == "Đã xử lý"
    stored = _stored(case)
    assert (stored.state, stored.answer) == ("answered", ANSWER)
    assert [event for event in _events(case) if event[0] == "answered"] == [("answered", handler.id)], \
        "the answer was recorded more than once"


def test_two_handlers_take_one_case_the_second_is_told_who_took_it(live_server, page, second_page, make):
    ward = _unit(make)
    first = make.user("handler", ward, username="demo.handler", full_name="Nguyễn Thị Hồng Nhung")
    second = make.user("handler", ward, username="demo.handler2", full_name="Lê Văn Tâm")
    case = make.case(unit=ward, state="assigned", title="Cây xanh nghiêng trước số 12 Văn Chương")

    sign_in(page, live_server, "demo.handler")
    sign_in(second_page, live_server, "demo.handler2")
    page.goto(f"{live_server}/cases/{case.code}")
    second_page.goto(f"{live_server}/cases/{case.code}")

    page.get_by_role("button", name="Nhận xử lý").click()
    page.get_by_text("Bạn đã nhận xử lý phản ánh.").wait_for()
    second_page.get_by_role("button", name="Nhận xử lý").click()
    alert = second_page.locator("#case-alert [role=alert]")
    alert.wait_for()
    assert alert.inner_text().startswith(CONFLICT.format(who="Nguyễn Thị Hồng Nhung")), alert.inner_text()
    assert second_page.locator("#case-handler").inner_text() == "Nguyễn Thị Hồng Nhung"
    assert second_page.get_by_role("button", name="Nhận xử lý").count() == 0, "the taken case still offers taking"
    assert _stored(case).handler_id == first.id
    assert [event for event in _events(case) if event[0] == "taken"] == [("taken", first.id)]
    assert second.id not in {actor for _, actor in _events(case)}


def test_a_double_click_a_replayed_post_and_two_posts_at_once_take_the_case_once(live_server, page, make):
    ward = _unit(make)
    handler = make.user("handler", ward, username="demo.handler", full_name="Nguyễn Thị Hồng Nhung")
    clicked = make.case(unit=ward, state="assigned", title="Đèn chiếu sáng hỏng ở ngõ 12")
    raced = make.case(unit=ward, state="assigned", title="Rác tồn đọng ngõ 45")
    sign_in(page, live_server, "demo.handler")

    page.goto(f"{live_server}/cases/{clicked.code}")
    with page.expect_request(lambda request: request.method == "POST" and "/actions/take" in request.url) as sent:
        page.get_by_role("button", name="Nhận xử lý").dblclick()
    page.locator("#case-alert [role=status]").wait_for()
    page.wait_for_load_state("networkidle")
    assert page.locator("#case-state").inner_text() == "Đang xử lý"
    assert page.locator("#case-alert [role=alert]").count() == 0, page.locator("#case-alert").inner_text()
    assert [event for event in _events(clicked) if event[0] == "taken"] == [("taken", handler.id)]

    # The browser retries the same form (a flaky network, the back button and "send again").
    replay = page.request.post(sent.value.url, headers={"Content-Type": sent.value.headers["content-type"]},
                               data=sent.value.post_data)
    assert replay.status == 200, replay.status
    assert "Thao tác này đã được ghi nhận trước đó." in replay.text()
    assert [event for event in _events(clicked) if event[0] == "taken"] == [("taken", handler.id)]
    assert _stored(clicked).version == 2

    # Two copies of one form reach the server at the same moment.
    page.goto(f"{live_server}/cases/{raced.code}")
    answers = page.evaluate("""async () => {
        const form = document.querySelector('#action-take form');
        const body = new URLSearchParams(new FormData(form));
        const headers = {'HX-Request': 'true', 'HX-Target': 'case'};  // as htmx sends it: the answer is the part
        const send = () => fetch(form.action, {method: 'POST', body, headers}).then(async r => [r.status, await r.text()]);
        return Promise.all([send(), send()]);
    }""")
    assert [status for status, _ in answers] == [200, 200], [status for status, _ in answers]
    messages = sorted("ghi nhận trước đó" in text for _, text in answers)
    assert messages == [False, True], "one copy takes the case, the other is told it was already done"
    assert all("Bạn đã nhận xử lý phản ánh." in text or "Thao tác này đã được ghi nhận trước đó." in text
               for _, text in answers)
    assert [event for event in _events(raced) if event[0] == "taken"] == [("taken", handler.id)]
    stored = _stored(raced)
    assert (stored.state, stored.handler_id, stored.version) == ("in_progress", handler.id, 2)
