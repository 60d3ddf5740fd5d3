"""Forms of the administrator's pages, every message in Vietnamese."""
from __future__ import annotations

import re

from flask_wtf.file import FileField, FileSize
from wtforms import BooleanField, SelectChoice, DateField, HiddenField, IntegerField, SelectField, StringField
from wtforms.widgets import TextInput
from wtforms.validators import DataRequired, Email, InputRequired, Length, NumberRange, Optional, ValidationError

from portal.domain.category_settings import DAYS_MAX, HOURS_MAX
from portal.domain.client_keys import RATE_LIMIT_MAX, RATE_LIMIT_MIN
from portal.domain.phones import is_phone
from portal.forms import PortalForm
from portal.models.audit import AUDIT_ACTIONS
from portal.models.calendar import EXCEPTION_KINDS
from portal.models.category import CASE_KINDS
from portal.models.unit import UNIT_KINDS
from portal.models.user import ROLES

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class AdminForm(PortalForm):
    def validate(self, extra_validators=None):
        valid = super().validate(extra_validators)
        for field in self:
            # A NUL or other control character is never meant, and PostgreSQL refuses NUL in text.
            if isinstance(field.data, str) and _CONTROL.search(field.data):
                message = "Có ký tự không hợp lệ (ký tự điều khiển); vui lòng nhập lại."
                if isinstance(field, HiddenField):  # not on the page: said above the form
                    self.form_errors.append(f"{message} ({field.label.text})")
                else:
                    field.errors = [*field.errors, message]
                valid = False
        return valid

    def add_error(self, field_name: str | None, message: str) -> None:
        """A rule the domain refused, shown at its field (or above the form)."""
        field = getattr(self, field_name, None) if field_name else None
        if field is not None and hasattr(field, "errors"):
            field.errors = [*field.errors, message]
        else:
            self.form_errors.append(message)


class FilterForm(AdminForm):
    """Filters read from the query string: no token, never an error page."""

    class Meta:
        csrf = False


def _phone(form, field):
    if field.data and not is_phone(field.data):
        raise ValidationError("Số điện thoại không hợp lệ (ví dụ 0912 345 678 hoặc 024 3825 1234).")


def _choices(mapping: dict[str, str], blank: str | None = None) -> list[SelectChoice]:
    pairs = ([("", blank)] if blank is not None else []) + list(mapping.items())
    return [SelectChoice(value, label) for value, label in pairs]


# Dates are typed as people write them here (24/11/2026); ISO is accepted too.
DATE_FORMATS = ["%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%Y-%m-%d"]


# -- users ---------------------------------------------------------------------------------------


class UserFilterForm(FilterForm):
    q = StringField("Tìm tài khoản", validators=[Optional(), Length(max=100)],
                    render_kw={"placeholder": "Tên đăng nhập, họ tên, thư điện tử", "type": "search"})
    unit = StringField("Đơn vị", validators=[Optional(), Length(max=200)],
                       render_kw={"placeholder": "Mã hoặc tên đơn vị", "list": "unit-options", "type": "search"})
    role = SelectField("Vai trò", choices=_choices(ROLES, "Tất cả vai trò"), validators=[Optional()])
    status = SelectField("Trạng thái", choices=_choices({"active": "Đang hoạt động", "locked": "Đã khóa",
                                                         "first_login": "Chưa đổi mật khẩu lần đầu"}, "Tất cả"),
                         validators=[Optional()])


class UserFields(AdminForm):
    full_name = StringField("Họ và tên", validators=[DataRequired("Vui lòng nhập họ và tên."),
                                                     Length(max=120, message="Họ và tên tối đa 120 ký tự.")])
    unit = StringField("Đơn vị", validators=[DataRequired("Vui lòng chọn đơn vị."), Length(max=200)],
                       render_kw={"list": "unit-options", "autocomplete": "off"})
    role = SelectField("Vai trò", choices=_choices(ROLES, "— Chọn vai trò —"),
                       validators=[DataRequired("Vui lòng chọn vai trò.")])
    email = StringField("Thư điện tử", validators=[Optional(), Length(max=120, message="Tối đa 120 ký tự."),
                                                   Email("Địa chỉ thư điện tử không hợp lệ.")],
                        render_kw={"type": "email"})
    phone = StringField("Điện thoại", validators=[Optional(), Length(max=20, message="Tối đa 20 ký tự."), _phone],
                        render_kw={"type": "tel"})


class UserCreateForm(UserFields):
    username = StringField("Tên đăng nhập", validators=[
        DataRequired("Vui lòng nhập tên đăng nhập."), Length(max=64, message="Tên đăng nhập tối đa 64 ký tự.")],
        render_kw={"autocomplete": "off", "spellcheck": "false"})


class UserEditForm(UserFields):
    active = BooleanField("Tài khoản đang hoạt động (bỏ chọn để khóa)")


class ConfirmForm(AdminForm):
    """A button that changes something: only the token."""


# -- units ---------------------------------------------------------------------------------------


class UnitFilterForm(FilterForm):
    q = StringField("Tìm đơn vị", validators=[Optional(), Length(max=100)],
                    render_kw={"placeholder": "Tên hoặc mã, ví dụ: dong da, P00193", "type": "search"})
    show = SelectField("Hiển thị", choices=_choices({"all": "Cả đơn vị đã sáp nhập, giải thể"}, "Đang hoạt động"),
                       validators=[Optional()])


class UnitCreateForm(AdminForm):
    code = StringField("Mã đơn vị", validators=[DataRequired("Vui lòng nhập mã đơn vị."),
                                                Length(max=32, message="Mã đơn vị tối đa 32 ký tự.")],
                       render_kw={"autocomplete": "off", "spellcheck": "false"})
    name = StringField("Tên đơn vị", validators=[DataRequired("Vui lòng nhập tên đơn vị."),
                                                 Length(max=200, message="Tên đơn vị tối đa 200 ký tự.")])
    kind = SelectField("Loại đơn vị", choices=_choices(UNIT_KINDS, "— Chọn loại —"),
                       validators=[DataRequired("Vui lòng chọn loại đơn vị.")])
    parent = StringField("Đơn vị cấp trên", validators=[DataRequired("Vui lòng chọn đơn vị cấp trên."),
                                                        Length(max=200)],
                         render_kw={"list": "unit-options", "autocomplete": "off"})


class UnitRenameForm(AdminForm):
    name = StringField("Tên đơn vị", validators=[DataRequired("Vui lòng nhập tên đơn vị."),
                                                 Length(max=200, message="Tên đơn vị tối đa 200 ký tự.")])


class UnitRetireForm(AdminForm):
    successor = StringField("Đơn vị tiếp nhận", validators=[Optional(), Length(max=200)],
                            render_kw={"list": "unit-options", "autocomplete": "off"})
    note = StringField("Căn cứ (số văn bản, nghị quyết)", validators=[Optional(), Length(
        max=300, message="Căn cứ tối đa 300 ký tự.")])
    confirm = HiddenField()


class ReformImportForm(AdminForm):
    units_file = FileField("Danh sách đơn vị mới (CSV: code, name, kind, parent_code)",
                           validators=[FileSize(1024 * 1024, message="Tệp tối đa 1 MB.")])
    mapping_file = FileField("Bảng ánh xạ đơn vị cũ → mới (CSV: old_code, old_name, new_code)",
                             validators=[FileSize(1024 * 1024, message="Tệp tối đa 1 MB.")])
    units_text = HiddenField()
    mapping_text = HiddenField()
    note = StringField("Căn cứ", validators=[Optional(), Length(max=200, message="Căn cứ tối đa 200 ký tự.")],
                       render_kw={"placeholder": "Ví dụ: Nghị quyết 1656/NQ-UBTVQH15"})


# -- categories ----------------------------------------------------------------------------------


def _hours(label):
    return IntegerField(label, validators=[
        InputRequired("Vui lòng nhập số giờ làm việc."),
        NumberRange(1, HOURS_MAX, f"Từ 1 đến {HOURS_MAX} giờ làm việc.")], render_kw={"min": 1, "max": HOURS_MAX})


def _days(label):
    return IntegerField(label, validators=[
        InputRequired("Vui lòng nhập số ngày làm việc."),
        NumberRange(1, DAYS_MAX, f"Từ 1 đến {DAYS_MAX} ngày làm việc.")], render_kw={"min": 1, "max": DAYS_MAX})


class CategoryForm(AdminForm):
    name = StringField("Tên lĩnh vực", validators=[DataRequired("Vui lòng nhập tên lĩnh vực."),
                                                   Length(max=120, message="Tên lĩnh vực tối đa 120 ký tự.")])
    default_unit_kind = SelectField("Loại đơn vị xử lý mặc định", choices=_choices(UNIT_KINDS),
                                    validators=[DataRequired("Vui lòng chọn loại đơn vị.")])
    default_unit_code = StringField("Đơn vị xử lý cố định (nếu có)", validators=[Optional(), Length(max=200)],
                                    render_kw={"list": "unit-options", "autocomplete": "off"})
    receive_hours = _hours("Thời hạn tiếp nhận (giờ làm việc)")
    urgent_hours = _hours("Mức khẩn (giờ làm việc)")
    normal_days = _days("Mức bình thường (ngày làm việc)")
    complex_days = _days("Mức phức tạp (ngày làm việc)")
    active = BooleanField("Đang sử dụng (người dân chọn được lĩnh vực này)")


class CategoryCreateForm(CategoryForm):
    code = StringField("Mã lĩnh vực", validators=[DataRequired("Vui lòng nhập mã lĩnh vực."),
                                                  Length(max=32, message="Mã lĩnh vực tối đa 32 ký tự.")])
    kind = SelectField("Loại phản ánh", choices=_choices(CASE_KINDS),
                       validators=[DataRequired("Vui lòng chọn loại phản ánh.")])


# -- calendar ------------------------------------------------------------------------------------


class CalendarExceptionForm(AdminForm):
    day = DateField("Ngày", format=DATE_FORMATS, widget=TextInput(),
                    validators=[InputRequired("Vui lòng nhập ngày theo dạng ngày/tháng/năm, ví dụ 24/11/2026.")],
                    render_kw={"placeholder": "dd/mm/yyyy", "inputmode": "numeric", "autocomplete": "off"})
    kind = SelectField("Loại ngày", choices=_choices(EXCEPTION_KINDS),
                       validators=[DataRequired("Vui lòng chọn loại ngày.")])
    note = StringField("Căn cứ, lý do", validators=[DataRequired("Vui lòng ghi căn cứ hoặc lý do."),
                                                    Length(max=200, message="Tối đa 200 ký tự.")],
                       render_kw={"placeholder": "Ví dụ: Thông báo 6150/TB-BNV, làm bù cho ngày 02/05"})


# -- API clients ---------------------------------------------------------------------------------


def _rate_limit():
    return IntegerField("Giới hạn (lần gọi mỗi phút)", default=120, validators=[
        InputRequired("Vui lòng nhập giới hạn số lần gọi mỗi phút."),
        NumberRange(RATE_LIMIT_MIN, RATE_LIMIT_MAX, f"Từ {RATE_LIMIT_MIN} đến {RATE_LIMIT_MAX} lần mỗi phút.")],
        render_kw={"min": RATE_LIMIT_MIN, "max": RATE_LIMIT_MAX})


class ApiClientForm(AdminForm):
    name = StringField("Tên ứng dụng", validators=[DataRequired("Vui lòng nhập tên ứng dụng."),
                                                   Length(max=120, message="Tên ứng dụng tối đa 120 ký tự.")],
                       render_kw={"placeholder": "Ví dụ: Ứng dụng iHanoi"})
    rate_limit_per_minute = _rate_limit()


class RateLimitForm(AdminForm):
    rate_limit_per_minute = _rate_limit()


# -- audit ---------------------------------------------------------------------------------------


class AuditFilterForm(FilterForm):
    action = SelectField("Thao tác", choices=_choices(AUDIT_ACTIONS, "Tất cả thao tác"), validators=[Optional()])
    q = StringField("Người thực hiện hoặc đối tượng", validators=[Optional(), Length(max=100)],
                    render_kw={"type": "search", "placeholder": "Tên đăng nhập, mã đơn vị…"})
    date_from = DateField("Từ ngày", format=DATE_FORMATS, widget=TextInput(), validators=[Optional()],
                          render_kw={"placeholder": "dd/mm/yyyy", "inputmode": "numeric", "class": "date-input"})
    date_to = DateField("Đến ngày", format=DATE_FORMATS, widget=TextInput(), validators=[Optional()],
                        render_kw={"placeholder": "dd/mm/yyyy", "inputmode": "numeric", "class": "date-input"})
