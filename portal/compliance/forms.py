"""The period filter of the compliance pages, the overdue letter's date, and an inspection record."""
from __future__ import annotations

from datetime import date

from wtforms import DateField, HiddenField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, ValidationError

from portal.domain.numbers import whole_number
from portal.forms import PortalForm

PERIODS = {
    "week": "Tuần này",
    "month": "Tháng này",
    "launch": "Từ khi triển khai",
    "custom": "Tùy chọn",
}
EARLIEST = date(2000, 1, 1)
LATEST = date(2100, 12, 31)
DATE_FORMATS = ["%Y-%m-%d", "%d/%m/%Y"]


class DayField(DateField):
    """A day typed as dd/mm/yyyy (or yyyy-mm-dd in a link); left empty it is simply not given."""

    def process_formdata(self, valuelist):
        if not valuelist or not valuelist[0].strip():
            self.data = None
            return
        super().process_formdata([valuelist[0].strip()])


def day_field(label: str, validators) -> DateField:
    """A day field whose error for a bad value names the field."""
    return DayField(label, validators=validators, format=DATE_FORMATS,
                     invalid_value_message=f"Ngày không hợp lệ ở ô “{label}”: nhập theo dạng ngày/tháng/năm, "
                                           "ví dụ 16/11/2026.")


class FilterForm(PortalForm):
    """Read from the query string: a GET form whose every value lives in the URL."""

    class Meta:
        csrf = False

    period = StringField("Kỳ báo cáo", default="launch")
    start = day_field("Từ ngày", [])
    end = day_field("Đến ngày", [])
    sort = HiddenField()
    dir = HiddenField()

    def validate_period(self, field):
        if field.data not in PERIODS:
            field.data = "launch"  # an unknown preset in a shared link: the default, not an error

    def validate_start(self, field):
        if self.period.data == "custom" and field.data is None and not field.errors:
            raise ValidationError("Vui lòng nhập ngày bắt đầu của kỳ báo cáo (ô “Từ ngày”).")
        if field.data is not None and not EARLIEST <= field.data <= LATEST:
            raise ValidationError("Ngày ở ô “Từ ngày” phải trong khoảng 01/01/2000 đến 31/12/2100.")

    def validate_end(self, field):
        if field.data is not None and not EARLIEST <= field.data <= LATEST:
            raise ValidationError("Ngày ở ô “Đến ngày” phải trong khoảng 01/01/2000 đến 31/12/2100.")
        if self.period.data != "custom":
            return
        if field.data is None and not field.errors:
            raise ValidationError("Vui lòng nhập ngày kết thúc của kỳ báo cáo (ô “Đến ngày”).")
        if field.data is not None and self.start.data is not None and field.data < self.start.data:
            raise ValidationError("Ngày kết thúc (ô “Đến ngày”) phải sau hoặc bằng ngày bắt đầu.")


class LetterForm(PortalForm):
    class Meta:
        csrf = False

    date = day_field("Tính đến ngày", [])

    def validate_date(self, field):
        if field.data is not None and field.data < EARLIEST:
            raise ValidationError("Ngày ở ô “Tính đến ngày” phải từ 01/01/2000 trở đi.")


class YearForm(PortalForm):
    class Meta:
        csrf = False

    year = StringField("Năm")

    def validate_year(self, field):
        text = (field.data or "").strip()
        if text and not 2000 <= (whole_number(text) or 0) <= 2100:
            raise ValidationError("Năm không hợp lệ ở ô “Năm”: nhập bốn chữ số, từ 2000 đến 2100.")

    def chosen_year(self, default: int) -> int:
        text = (self.year.data or "").strip()
        chosen = whole_number(text)
        return chosen if chosen is not None and 2000 <= chosen <= 2100 else default


class InspectionForm(PortalForm):
    inspected_on = day_field("Ngày kiểm tra", [DataRequired("Vui lòng nhập ngày kiểm tra.")])
    inspectors = StringField("Thành viên đoàn kiểm tra", validators=[
        DataRequired("Vui lòng nhập tên các thành viên đoàn kiểm tra."),
        Length(max=500, message="Danh sách thành viên đoàn dài quá 500 ký tự.")])
    findings = TextAreaField("Kết quả kiểm tra (phát hiện)", validators=[
        DataRequired("Vui lòng nhập kết quả kiểm tra."), Length(max=20000, message="Nội dung quá dài.")])
    conclusion = TextAreaField("Kết luận", validators=[
        DataRequired("Vui lòng nhập kết luận kiểm tra."), Length(max=20000, message="Nội dung quá dài.")])
    follow_up_due = day_field("Hạn báo cáo khắc phục", [])

    def __init__(self, *args, today: date, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today

    def validate_inspected_on(self, field):
        if field.data and field.data > self.today:
            raise ValidationError("Ngày kiểm tra không được sau ngày hôm nay.")
        if field.data and field.data < EARLIEST:
            raise ValidationError("Ngày kiểm tra phải từ 01/01/2000 trở đi.")

    def validate_follow_up_due(self, field):
        if field.data and self.inspected_on.data and field.data < self.inspected_on.data:
            raise ValidationError("Hạn báo cáo khắc phục phải sau ngày kiểm tra.")
