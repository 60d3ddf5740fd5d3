"""Journey: a case whose title, text and caller are script, opened from the queue in Chromium, and a note of
script typed into it (swapped in by htmx): nothing runs, nothing is fetched, the text reads as written."""
from tests.browser.conftest import sign_in

TITLE = ('Ổ gà <img src=x onerror="window.__xss=1;alert(1)"><script>window.__xss=2;alert(2)</script>'
         '<div hx-get="/admin?zqxtitle" hx-trigger="load">zqxtitle</div>{{7*7}}')
CONTENT = 'Nội dung "><svg onload="window.__xss=3"></svg><a href="javascript:window.__xss=4">bấm</a></textarea>'
CALLER = '<b hx-post="/logout?zqxcaller" hx-trigger="load">Nguyễn</b>'
NOTE = ('Ghi chú "><img src=x onerror="window.__xss=5;alert(5)"></textarea><script>window.__xss=6</script>'
        '<i hx-get="/admin?zqxnote" hx-trigger="load">zqxnote</i>')


def test_script_in_a_case_and_a_note_runs_nowhere(live_server, page, make):
    ward = make.unit("UBND Phường Văn Chương", parent=make.unit("UBND Quận Đống Đa", kind="district"))
    make.user("handler", ward, username="can.bo.xss", full_name="Nguyễn Thị Hồng Nhung")
    case = make.case(unit=ward, state="assigned", title=TITLE, content=CONTENT, citizen_name=CALLER,
                     citizen_phone="0912000555")
    dialogs, fetched = [], []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.on("request", lambda request: fetched.append(request.url))

    sign_in(page, live_server, "can.bo.xss")
    page.wait_for_url("**/queue")
    assert TITLE in page.locator("#results").inner_text()

    page.get_by_role("link", name=case.code).click()
    page.wait_for_url(f"**/cases/{case.code}")
    assert page.locator("h1").inner_text() == TITLE
    page.get_by_text("Ghi chú nội bộ", exact=True).click()
    page.get_by_label("Ghi chú nội bộ (không hiển thị cho người dân)").fill(NOTE)
    page.get_by_role("button", name="Thêm ghi chú").click()
    page.get_by_text("Đã thêm ghi chú nội bộ.").wait_for()
    page.wait_for_timeout(300)  # time for any hx-trigger="load" that should not be there to fire

    body = page.locator("body").inner_text()
    assert NOTE in body and CONTENT in body, "the note and the case's text are shown as written"
    assert dialogs == [], f"a dialog opened: {dialogs}"
    assert page.evaluate("window.__xss") is None, "script from the case ran"
    assert page.evaluate("document.querySelectorAll('script:not([src]), [onerror], [onload]').length") == 0
    assert not [url for url in fetched if "zqx" in url or url.endswith("/admin")], f"htmx fetched: {fetched}"
