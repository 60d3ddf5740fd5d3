"""The queue's filter form, read from the query string so every filtered page has its own URL; and
the period of the register export."""
from datetime import date

from wtforms import BooleanField, DateField, HiddenField, IntegerField, SearchField, SelectField
from wtforms.validators import NumberRange, Optional, ValidationError

from portal.domain.numbers import whole_number
from portal.domain.queue import QueueFilters
from portal.forms import PortalForm
from portal.models.case import PRIORITIES
from portal.models.category import CASE_KINDS


class QueueFilterForm(PortalForm):
    """The filters as the full page draws them; what they mean is read by `read_filters`."""

    class Meta:
        csrf = False  # a GET search, bookmarkable

    tab = HiddenField()
    text = SearchField("Tìm theo mã, tiêu đề, địa chỉ", render_kw={"placeholder": "Mã, tiêu đề hoặc địa chỉ…"})
    kind = SelectField("Loại", choices={"": "Tất cả loại", **CASE_KINDS}, validate_choice=False)
    category = SelectField("Lĩnh vực", choices=[], validate_choice=False)
    priority = SelectField("Mức độ", choices={"": "Tất cả mức độ", **PRIORITIES},
                           validate_choice=False)
    overdue = BooleanField("Chỉ quá hạn")
    mine = BooleanField("Của tôi")
    page = IntegerField(validators=[Optional(), NumberRange(min=1)])


# A checkbox reads as WTForms' BooleanField reads it: ticked unless absent, empty or "false".
_UNTICKED = (None, "", "false")


def read_filters(source) -> QueueFilters:
    """The filters a query string (or a row's form, which carries the list's) asks for, as the fields of
    QueueFilterForm name them. Read without building the form: an htmx part and a row's quick action
    never draw it. Whatever a field holds, it is a filter or none (the rest of the request goes on)."""
    return QueueFilters(
        tab=source.get("tab") or "", kind=source.get("kind") or "", category_id=whole_number(source.get("category")),
        priority=source.get("priority") or "", overdue=source.get("overdue") not in _UNTICKED,
        mine=source.get("mine") not in _UNTICKED, text=(source.get("text") or "")[:200],
        page=whole_number(source.get("page")) or 1,
    )


EARLIEST = date(2000, 1, 1)
LATEST = date(2100, 12, 31)
# The longest period one register export covers: a quarter (a million cases a year is about
# 250,000 rows, written in well under the server's timeout).
REGISTER_MAX_DAYS = 92


class _DayField(DateField):
    """A day typed as dd/mm/yyyy (or yyyy-mm-dd in a link)."""

    def process_formdata(self, valuelist):
        if not valuelist or not valuelist[0].strip():
            self.data = None
            return
        super().process_formdata([valuelist[0].strip()])


def _day(label: str) -> _DayField:
    return _DayField(label, format=["%d/%m/%Y", "%Y-%m-%d"],
                     invalid_value_message=f"Ngày không hợp lệ ở ô “{label}”: nhập theo dạng ngày/tháng/năm, "
                                           "ví dụ 16/11/2026.")


class RegisterForm(PortalForm):
    """The register export's period: the days on Hanoi's calendar whose received cases it lists."""

    class Meta:
        csrf = False  # a GET download, bookmarkable

    start = _day("Từ ngày")
    end = _day("Đến ngày")

    def validate_start(self, field):
        if field.data is None and not field.errors:
            raise ValidationError("Vui lòng nhập ngày bắt đầu (ô “Từ ngày”).")
        if field.data is not None and not EARLIEST <= field.data <= LATEST:
            raise ValidationError("Ngày ở ô “Từ ngày” phải trong khoảng 01/01/2000 đến 31/12/2100.")

    def validate_end(self, field):
        if field.data is None and not field.errors:
            raise ValidationError("Vui lòng nhập ngày kết thúc (ô “Đến ngày”).")
        if field.data is None or self.start.data is None:
            return
        if not EARLIEST <= field.data <= LATEST:
            raise ValidationError("Ngày ở ô “Đến ngày” phải trong khoảng 01/01/2000 đến 31/12/2100.")
        if field.data < self.start.data:
            raise ValidationError("Ngày kết thúc (ô “Đến ngày”) phải sau hoặc bằng ngày bắt đầu.")
        if (field.data - self.start.data).days + 1 > REGISTER_MAX_DAYS:
            raise ValidationError(f"Mỗi lần xuất sổ theo dõi tối đa {REGISTER_MAX_DAYS} ngày; vui lòng chia "
                                  "thành nhiều kỳ ngắn hơn.")
