"""The compliance pages: who sees what, the headline and table, sorting, periods and drill-down."""
from __future__ import annotations

import re

import pytest

from tests.compliance.dataset import build
from tests.conftest import signed_in_client

PERIOD_ARGS = "period=custom&start=2026-08-01&end=2026-09-30"


@pytest.fixture
def city(make):
    return build(make)


def _client(app, make, role, unit):
    return signed_in_client(app, make.user(role, unit))


def _rows(html: str) -> list[str]:
    """The unit names of the table's body, in order."""
    body = html.split('<tbody>', 1)[1].split('</tbody>', 1)[0]
    return [re.sub(r"<[^>]+>", "", cell).split("Có quá hạn")[0].strip()
            for cell in re.findall(r'<th scope="row">(.*?)</th>', body, re.S)]


def _cell(html: str, unit_code: str, key: str) -> str:
    row = re.search(rf'data-unit="{unit_code}">(.*?)</tr>', html, re.S).group(1)
    return re.search(rf'data-key="{key}">([^<]*)<', row).group(1)


def test_city_office_reads_the_headline_in_the_newspapers_words(app, make, city):
    client = _client(app, make, "city_office", city["office"])
    html = client.get(f"/compliance?{PERIOD_ARGS}").get_data(as_text=True)
    assert ("Tiếp nhận 13 phản ánh, kiến nghị; đã xử lý 5 (38,5%); đang xử lý 2 (15,4%); quá hạn 4 (30,8%); "
            "từ chối 2 (15,4%).") in html
    assert "từ 01/08/2026 đến 30/09/2026" in html
    assert _rows(html) == ["Sở Xây dựng", "UBND Quận Đống Đa", "Văn phòng UBND Thành phố",
                           "Chờ phân loại, chuyển đơn vị xử lý"]
    assert _cell(html, "Q006", "received") == "8"
    assert _cell(html, "Q006", "open_overdue") == "2"
    assert _cell(html, "Q006", "median_handling_days") == "11,5"
    assert _cell(html, "SO-XD", "satisfied_share") == "100,0%"


def test_overdue_units_are_marked_and_link_to_their_own_figures(app, make, city):
    client = _client(app, make, "city_office", city["office"])
    html = client.get(f"/compliance?{PERIOD_ARGS}").get_data(as_text=True)
    district_row = re.search(r'<tr class="is-overdue" data-unit="Q006">(.*?)</tr>', html, re.S)
    assert district_row, "the district with overdue cases is not marked"
    assert f'/compliance/units/{city["dong_da"].id}?period=custom' in district_row.group(1)
    assert '<tr class="" data-unit="VP-UBND">' in html


def test_sorting_by_overdue_puts_the_most_overdue_first_and_keeps_it_in_the_url(app, make, city):
    client = _client(app, make, "city_office", city["office"])
    html = client.get(f"/compliance?{PERIOD_ARGS}&sort=open_overdue&dir=desc").get_data(as_text=True)
    assert _rows(html)[0] == "UBND Quận Đống Đa"
    assert 'aria-sort="descending"' in html
    # The header link flips the order and keeps the period.
    assert "sort=open_overdue&amp;dir=asc" in html and "start=2026-08-01" in html
    ascending = client.get(f"/compliance?{PERIOD_ARGS}&sort=open_overdue&dir=asc").get_data(as_text=True)
    assert _rows(ascending)[:2] == ["Văn phòng UBND Thành phố", "Sở Xây dựng"]


def test_an_htmx_request_gets_only_the_report_region(app, make, city):
    client = _client(app, make, "city_office", city["office"])
    response = client.get(f"/compliance?{PERIOD_ARGS}&sort=received", headers={"HX-Request": "true"})
    html = response.get_data(as_text=True)
    assert html.lstrip().startswith('<section id="report"') and "<html" not in html
    assert "HX-Request" in response.headers["Vary"]
    full = client.get(f"/compliance?{PERIOD_ARGS}&sort=received").get_data(as_text=True)
    assert "<html" in full and 'id="report"' in full


def test_drill_down_from_district_to_ward_shows_the_wards_overdue_cases(app, make, city):
    client = _client(app, make, "city_office", city["office"])
    district = client.get(f"/compliance/units/{city['dong_da'].id}?{PERIOD_ARGS}").get_data(as_text=True)
    assert _rows(district) == ["UBND Phường Quốc Tử Giám", "UBND Phường Văn Chương", "UBND Quận Đống Đa (trực tiếp xử lý)"]
    assert "Toàn Thành phố" in district  # the way back up
    ward = client.get(f"/compliance/units/{city['quoc_tu_giam'].id}?{PERIOD_ARGS}").get_data(as_text=True)
    overdue = city.cases["overdue_open"]
    assert f'href="/cases/{overdue.code}"' in ward
    assert city.cases["long_deadline"].code not in ward  # open but not overdue
    assert "Phản ánh, kiến nghị quá hạn chưa xử lý (1)" in ward


def test_period_presets_choose_this_week_this_month_or_since_launch(app, make, city):
    client = _client(app, make, "city_office", city["office"])
    week = client.get("/compliance?period=week").get_data(as_text=True)
    assert "từ 16/11/2026 đến 16/11/2026" not in week and "ngày 16/11/2026" in week
    month = client.get("/compliance?period=month").get_data(as_text=True)
    assert "từ 01/11/2026 đến 16/11/2026" in month
    launch = client.get("/compliance").get_data(as_text=True)
    assert "từ khi triển khai (31/07/2026) đến 16/11/2026" in launch
    assert "Tiếp nhận 15 phản ánh, kiến nghị" in launch


@pytest.mark.parametrize("query, message", [
    ("period=custom&start=2026-09-30&end=2026-08-01", "Ngày kết thúc (ô “Đến ngày”) phải sau hoặc bằng ngày bắt đầu."),
    ("period=custom&start=31/02/2026&end=2026-09-30", "Ngày không hợp lệ ở ô “Từ ngày”"),
    ("period=custom&start=2026-08-01", "Vui lòng nhập ngày kết thúc của kỳ báo cáo (ô “Đến ngày”)."),
])
def test_bad_custom_dates_say_what_is_wrong_and_where(app, make, city, query, message):
    client = _client(app, make, "city_office", city["office"])
    response = client.get(f"/compliance?{query}")
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)


def test_dates_typed_the_vietnamese_way_are_understood(app, make, city):
    client = _client(app, make, "city_office", city["office"])
    html = client.get("/compliance?period=custom&start=01/08/2026&end=30/09/2026").get_data(as_text=True)
    assert "Tiếp nhận 13 phản ánh, kiến nghị" in html


def test_a_chair_sees_the_district_and_its_wards_only(app, make, city):
    client = _client(app, make, "chair", city["dong_da"])
    html = client.get(f"/compliance?{PERIOD_ARGS}").get_data(as_text=True)
    assert _rows(html) == ["UBND Phường Quốc Tử Giám", "UBND Phường Văn Chương", "UBND Quận Đống Đa (trực tiếp xử lý)"]
    assert "Tiếp nhận 8 phản ánh, kiến nghị" in html
    assert "Sở Xây dựng" not in html and "Chờ phân loại" not in html
    assert client.get(f"/compliance/units/{city['van_chuong'].id}").status_code == 200
    for outside in ("so_xay_dung", "city", "office"):
        assert client.get(f"/compliance/units/{city[outside].id}").status_code == 404
        assert client.get(f"/compliance/units/{city[outside].id}/overdue").status_code == 404
        assert client.get(f"/compliance/units/{city[outside].id}/table.xlsx").status_code == 404


def test_a_lead_sees_their_own_unit_only(app, make, city):
    client = _client(app, make, "unit_lead", city["quoc_tu_giam"])
    html = client.get(f"/compliance?{PERIOD_ARGS}").get_data(as_text=True)
    assert "Tiếp nhận 4 phản ánh, kiến nghị" in html
    assert city.cases["overdue_open"].code in html
    assert client.get(f"/compliance/units/{city['van_chuong'].id}").status_code == 404
    assert client.get(f"/compliance/units/{city['dong_da'].id}").status_code == 404


@pytest.mark.parametrize("path", ["/compliance", "/compliance/overdue", "/compliance/overdue-letter",
                                  "/compliance/overdue-letter.docx", "/compliance/table.xlsx",
                                  "/compliance/overdue.xlsx", "/compliance/year-end", "/compliance/year-end.xlsx"])
def test_a_handler_cannot_open_compliance(app, make, city, path):
    client = _client(app, make, "handler", city["van_chuong"])
    assert client.get(path).status_code == 403


def test_an_inspector_sees_the_whole_city(app, make, city):
    client = _client(app, make, "inspector", city["office"])
    html = client.get(f"/compliance?{PERIOD_ARGS}").get_data(as_text=True)
    assert "Tiếp nhận 13 phản ánh, kiến nghị" in html
    assert client.get(f"/compliance/units/{city['so_xay_dung'].id}").status_code == 200


def test_compliance_needs_sign_in(client, city):
    response = client.get("/compliance")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_the_trend_is_an_svg_drawn_on_the_server_without_inline_styles(app, make, city):
    client = _client(app, make, "city_office", city["office"])
    html = client.get(f"/compliance?{PERIOD_ARGS}").get_data(as_text=True)
    svg = html.split('<svg class="trend-chart"', 1)[1].split("</svg>", 1)[0]
    assert "Tiếp nhận" in svg and "Quá hạn chưa xử lý (cuối tuần)" in svg
    assert "Tiếp nhận 3, tuần 14/09–20/09/2026" in svg
    assert "Quá hạn chưa xử lý cuối tuần 2, tuần 14/09–20/09/2026" in svg
    assert "style=" not in html and "<script>" not in html


def test_the_overdue_list_of_a_unit_links_every_case(app, make, city):
    client = _client(app, make, "chair", city["dong_da"])
    html = client.get("/compliance/overdue").get_data(as_text=True)
    for name in ("overdue_open", "transferred_twice", "after_period"):
        assert f'href="/cases/{city.cases[name].code}"' in html
    assert city.cases["paused_late"].code not in html  # Sở Xây dựng is not the chair's
    assert "<strong>3</strong> phản ánh, kiến nghị" in html


ODD_ADDRESSES = (
    "/compliance?sort=bogus&dir=sideways", "/compliance?period=nam-ngoai",
    "/compliance?period=custom&start=9999-12-31&end=9999-12-31", "/compliance?period=custom&start=0001-01-01&end=0001-01-02",
    "/compliance?period=custom&start=%00&end=2026-13-45", "/compliance/overdue?page=-3", "/compliance/overdue?page=zz",
    "/compliance/overdue-letter?date=0001-01-01", "/compliance/year-end?year=99999", "/compliance/units/999999",
    "/compliance/table.xlsx?period=custom&start=2026-09-30&end=2026-08-01",
)


def test_odd_addresses_get_a_page_or_a_clear_refusal_never_a_server_error(app, make, city):
    client = _client(app, make, "city_office", city["office"])
    for path in ODD_ADDRESSES:
        response = client.get(path)
        assert response.status_code in (200, 404, 422), (path, response.status_code)
        if response.status_code == 422:
            body = response.get_data(as_text=True)
            assert "phải" in body or "không hợp lệ" in body, path
