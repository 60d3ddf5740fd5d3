"""What the generated requests found, each kept as a plain example: the answer a person gets now."""
from portal.domain.numbers import whole_number
from tests.hostile.strategies import FORM, encoded


def test_only_plain_digits_a_database_integer_holds_are_a_number():
    assert [whole_number(text) for text in ("12", " 7 ", "0", "2147483647")] == [12, 7, 0, 2147483647]
    assert [whole_number(text) for text in ("²", "١٢", "１２", "-1", "1e3", "2147483648", "9" * 5000, "", None)] \
        == [None] * 9


def test_an_odd_page_or_an_id_too_large_gets_a_page_not_an_error(app, world):
    handler = world.clients["handler"]
    assert handler.get("/queue?page=%C2%B2&category=" + "9" * 30).status_code == 200
    assert handler.get(f"/cases/{world.cases['in_progress'].code}/files/99999999999").status_code == 404
    assert world.clients["chair"].get("/compliance/units/99999999999").status_code == 404


def test_a_nul_character_is_refused_with_a_message(app, world):
    response = world.clients["handler"].get("/queue?priority=%00")
    assert response.status_code == 422
    assert "ký tự NUL" in response.get_data(as_text=True)
    case = world.cases["in_progress"]
    response = world.clients["handler"].post(f"/cases/{case.code}/actions/note", content_type=FORM, data=encoded([
        ("csrf_token", world.tokens["handler"]), ("note-version", str(case.version)), ("note-note", "Ghi chú\x00 dài")]))
    assert response.status_code == 422 and "ký tự NUL" in response.get_data(as_text=True)
    assert not [event for event in case.events if event.type == "note"]


def test_a_number_field_given_letters_says_so_in_vietnamese(app, world):
    url = f"/rosters/campaigns/{world.campaign.id}/units/P00193/headcount"
    response = world.clients["unit_lead"].post(url, data={"csrf_token": world.tokens["unit_lead"], "headcount": "mười"})
    assert response.status_code == 422 and "Vui lòng nhập một số nguyên." in response.get_data(as_text=True)
    response = world.clients["city_office"].post("/intake/rules", data={
        "csrf_token": world.tokens["city_office"], "category_id": "'", "unit": "P00193", "position": "1"})
    assert response.status_code == 422 and "Lựa chọn không hợp lệ." in response.get_data(as_text=True)


def test_a_refused_form_that_is_not_on_the_page_is_said_above_the_case(app, world):
    case = world.cases["assigned"]  # a handler has no "assign" form on it
    response = world.clients["handler"].post(f"/cases/{case.code}/actions/assign", data={
        "csrf_token": world.tokens["handler"], "assign-handler": "1"})
    assert response.status_code == 422
    assert "Biểu mẫu thiếu thông tin phiên bản; vui lòng tải lại trang." in response.get_data(as_text=True)


def test_reviewing_a_roster_not_submitted_says_why(app, world):
    url = f"/rosters/campaigns/{world.campaign.id}/units/P00193/review"
    response = world.clients["city_office"].post(url, data={"csrf_token": world.tokens["city_office"],
                                                            "decision": "accepted"})
    assert response.status_code == 422
    assert "Chỉ duyệt hoặc trả lại được danh sách đang chờ duyệt." in response.get_data(as_text=True)


def test_an_open311_field_too_long_says_its_length_and_the_limit(app, world):
    response = app.test_client().post("/open311/v2/requests.json", data={
        "api_key": world.api_key, "service_code": "GT", "lat": "21.0245", "long": "105.8412",
        "first_name": "A" * 117, "attribute[VI_TRI]": "long_duong"})
    assert response.status_code == 400
    assert response.get_json()[0]["description"] == "first_name dài 117 ký tự, tối đa 60 ký tự."
