"""Forms of the rosters feature. A row's content is checked by portal.domain.rosters.check_row, the same
rule a file import uses; these forms carry the fields and the CSRF token."""
from flask_wtf.file import FileField
from wtforms import (BooleanField, DateField, IntegerField, RadioField, SelectChoice, SelectField, SelectMultipleField,
                     StringField, TextAreaField)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from portal.domain.rosters import UNIT_GROUPS
from portal.forms import PortalForm
from portal.models.roster import HANDLING_ROLES


class RowForm(PortalForm):
    """One person, edited inline in the roster's table."""

    full_name = StringField("Họ và tên")
    job_title = StringField("Chức vụ")
    role = SelectField("Vai trò xử lý", validate_choice=False, choices=[
        SelectChoice("", "– Chọn –"), *(SelectChoice(code, label) for code, label in HANDLING_ROLES.items())])
    phone = StringField("Số điện thoại")
    email = StringField("Thư điện tử")
    registered = BooleanField("Đã tạo tài khoản iHanoi")
    registered_on = StringField("Ngày tạo tài khoản")

    def row_values(self) -> dict:
        """The raw values for the domain's check; an unticked box means "not yet", whatever the date says."""
        return {
            "full_name": self.full_name.data, "job_title": self.job_title.data, "role": self.role.data,
            "phone": self.phone.data, "email": self.email.data,
            "registered": "có" if self.registered.data else "",
            "registered_on": self.registered_on.data if self.registered.data else "",
        }

    def show_errors(self, errors: dict[str, str]) -> None:
        for name, message in errors.items():
            target = self.registered if name == "registered" else getattr(self, name)
            target.errors = [*target.errors, message]


class RegistrationForm(PortalForm):
    registered_on = DateField("Ngày tạo tài khoản iHanoi", validators=[Optional()],
                              render_kw={"aria-label": "Ngày tạo tài khoản iHanoi"})


class HeadcountForm(PortalForm):
    headcount = IntegerField("Tổng số cán bộ, công chức của đơn vị", validators=[
        InputRequired("Nhập tổng số cán bộ, công chức."),
        NumberRange(min=1, max=100_000, message="Tổng số cán bộ, công chức phải từ 1 đến 100.000."),
    ])


class ImportForm(PortalForm):
    file = FileField("Tệp danh sách (.xlsx hoặc .csv)")


class SubmitForm(PortalForm):
    """Only the token: submitting has no fields."""


class ReviewForm(PortalForm):
    decision = RadioField("Kết quả", choices=[SelectChoice("accepted", "Duyệt danh sách"),
                                              SelectChoice("returned", "Trả lại để sửa")],
                          validators=[DataRequired("Chọn duyệt hoặc trả lại.")])
    comment = TextAreaField("Ý kiến", validators=[Length(max=2000, message="Ý kiến dài quá 2.000 ký tự.")],
                            render_kw={"rows": 3})


class CampaignForm(PortalForm):
    title = StringField("Tên đợt", validators=[DataRequired("Nhập tên đợt."), Length(max=300)],
                        default="Danh sách cán bộ tham gia xử lý phản ánh, kiến nghị trên ứng dụng iHanoi")
    legal_basis = StringField("Căn cứ", validators=[DataRequired("Nhập căn cứ, ví dụ Công điện số 05/CĐ-UBND."),
                                                    Length(max=200)], default="Công điện số 05/CĐ-UBND")
    due_on = DateField("Hạn nộp", validators=[InputRequired("Chọn hạn nộp.")])
    groups = SelectMultipleField("Đơn vị phải nộp", choices=[SelectChoice(key, label) for key, label in UNIT_GROUPS.items()
                                                              if key != "ward"],
                                 widget=ListWidget(prefix_label=False), option_widget=CheckboxInput())
    ward_districts = SelectMultipleField("Phường, xã, thị trấn thuộc quận, huyện", coerce=int,
                                         render_kw={"size": 8})
