"""Forms of the hotline: the call record, and a case filed for a caller."""
from __future__ import annotations

from datetime import date

from wtforms import DateField, EmailField, RadioField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, Length, Optional, ValidationError

from portal.domain.codes import normalize_code
from portal.domain.phones import phone_digits
from portal.forms import PortalForm
from portal.models.call import CALL_OUTCOMES, CALL_TOPICS
from portal.models.case import PRIORITIES


INVALID_CHOICE = "Giá trị đã chọn không có trong danh sách. Vui lòng chọn lại."


class _VietnameseChoiceMessages:
    """WTForms says "Not a valid choice" in English; the operator reads Vietnamese."""

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(INVALID_CHOICE) from None

    def pre_validate(self, form):
        try:
            super().pre_validate(form)
        except ValidationError:
            raise ValidationError(INVALID_CHOICE) from None


class ChoiceField(_VietnameseChoiceMessages, SelectField):
    pass


class ChoiceRadioField(_VietnameseChoiceMessages, RadioField):
    pass


class DayField(DateField):
    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError("Ngày không đúng định dạng (ngày/tháng/năm).") from None


def optional_int(value):
    """A select's value as an int, or None for the empty "choose…" option."""
    if value in ("", None):
        return None
    return int(value)


def vietnamese_phone(form, field):
    if field.data and field.data.strip() and phone_digits(field.data) is None:
        raise ValidationError("Số điện thoại không đúng. Ví dụ: 0912 345 678 hoặc +84 912 345 678.")


def case_code(form, field):
    if field.data and field.data.strip() and normalize_code(field.data) is None:
        raise ValidationError("Mã phản ánh gồm 8 ký tự, ví dụ K7QX-4M9R.")


TOPIC_CHOICES = [SelectChoice(code, label) for code, label in CALL_TOPICS.items()]
OUTCOME_CHOICES = [SelectChoice("", "— Chọn kết quả —"),
                   *(SelectChoice(code, label) for code, label in CALL_OUTCOMES.items())]
PRIORITY_CHOICES = [SelectChoice(code, label) for code, label in PRIORITIES.items()]


class CallForm(PortalForm):
    """The call on the line. Every field may stay empty until the call ends."""

    caller_phone = StringField("Số điện thoại người gọi", validators=[
        Optional(), Length(max=32, message="Số điện thoại tối đa 32 ký tự."), vietnamese_phone],
        render_kw={"inputmode": "tel", "autocomplete": "off"})
    topic = ChoiceRadioField("Chủ đề", choices=TOPIC_CHOICES, validators=[Optional()])
    case_code = StringField("Mã phản ánh liên quan", validators=[
        Optional(), Length(max=16, message="Mã phản ánh gồm 8 ký tự, ví dụ K7QX-4M9R."), case_code],
        render_kw={"autocomplete": "off", "placeholder": "VD: K7QX-4M9R"})
    notes = TextAreaField("Ghi chú", validators=[Optional(), Length(max=4000, message="Ghi chú tối đa 4.000 ký tự.")],
                          render_kw={"rows": 3})
    outcome = ChoiceField("Kết quả cuộc gọi", choices=OUTCOME_CHOICES, validators=[Optional()])

    def validate_for_end(self) -> bool:
        """The extra rule when the operator ends the call: topic and outcome chosen."""
        ok = True
        if not self.topic.data:
            self.topic.errors = [*self.topic.errors, "Chọn chủ đề của cuộc gọi."]
            ok = False
        if not self.outcome.data:
            self.outcome.errors = [*self.outcome.errors, "Chọn kết quả của cuộc gọi."]
            ok = False
        return ok


class NewCaseForm(PortalForm):
    """A case told on the phone: the same fields as any case, the caller's contact required."""

    citizen_name = StringField("Họ và tên người phản ánh", validators=[
        DataRequired("Nhập họ và tên người gọi."), Length(max=120, message="Họ và tên tối đa 120 ký tự.")])
    citizen_phone = StringField("Số điện thoại", validators=[
        DataRequired("Nhập số điện thoại để đơn vị liên hệ và báo kết quả."),
        Length(max=32, message="Số điện thoại tối đa 32 ký tự."), vietnamese_phone],
        render_kw={"inputmode": "tel"})
    citizen_email = EmailField("Thư điện tử (nếu có)", validators=[
        Optional(), Length(max=120, message="Thư điện tử tối đa 120 ký tự."), Email("Thư điện tử không đúng định dạng.", check_deliverability=False)])
    category = ChoiceField("Lĩnh vực", coerce=optional_int, validators=[DataRequired("Chọn lĩnh vực.")])
    priority = ChoiceField("Mức độ", choices=PRIORITY_CHOICES, default="normal")
    ward = ChoiceField("Phường, xã nơi xảy ra", coerce=optional_int, validators=[Optional()])
    address = StringField("Địa chỉ cụ thể", validators=[Length(max=300, message="Địa chỉ tối đa 300 ký tự.")],
                          render_kw={"placeholder": "Số nhà, ngõ, đường"})
    title = StringField("Tiêu đề", validators=[
        DataRequired("Nhập tiêu đề ngắn của phản ánh."), Length(max=300, message="Tiêu đề tối đa 300 ký tự.")])
    content = TextAreaField("Nội dung", validators=[
        DataRequired("Nhập nội dung người dân phản ánh."), Length(max=10000, message="Nội dung tối đa 10.000 ký tự.")],
        render_kw={"rows": 6})


class PeriodForm(PortalForm):
    """The period of the call counts (read from the query string, no token needed)."""

    class Meta:
        csrf = False

    start = DayField("Từ ngày", validators=[Optional()])
    end = DayField("Đến ngày", validators=[Optional()])

    def period(self, today: date) -> tuple[date, date]:
        end = self.end.data or today
        start = self.start.data or end.replace(day=1)
        return start, end
