from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import BooleanField, IntegerField, SelectField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from portal.forms import PortalForm


class RuleForm(PortalForm):
    category_id = SelectField("Lĩnh vực", coerce=str, choices=[])
    place = StringField("Địa bàn", validators=[Length(max=200, message="Địa bàn quá dài.")],
                        render_kw={"list": "places", "placeholder": "Để trống: mọi địa bàn", "autocomplete": "off"})
    unit = StringField("Đơn vị nhận xử lý", validators=[DataRequired("Vui lòng chọn đơn vị nhận xử lý."),
                                                       Length(max=200, message="Tên đơn vị quá dài.")],
                       render_kw={"list": "units", "placeholder": "Gõ tên hoặc mã đơn vị", "autocomplete": "off"})
    position = IntegerField("Thứ tự áp dụng", default=100,
                            validators=[InputRequired("Vui lòng nhập thứ tự (số nguyên từ 1 đến 9999)."),
                                        NumberRange(1, 9999, "Thứ tự là số nguyên từ 1 đến 9999.")])
    note = StringField("Ghi chú", validators=[Optional(), Length(max=300, message="Ghi chú tối đa 300 ký tự.")])
    active = BooleanField("Đang áp dụng", default=True)


class RouteTryForm(PortalForm):
    class Meta:
        csrf = False  # a read-only GET form

    category_id = SelectField("Lĩnh vực", coerce=str, choices=[])
    address = StringField("Địa chỉ", validators=[Length(max=300)],
                          render_kw={"placeholder": "Ví dụ: Số 5 ngõ 40 Văn Chương, Đống Đa"})


class ImportForm(PortalForm):
    file = FileField("Tệp phản ánh (.xlsx hoặc .csv)", validators=[
        FileRequired("Vui lòng chọn tệp để nhập."),
        FileAllowed(["xlsx", "csv"], "Chỉ nhận tệp .xlsx hoặc .csv."),
    ])
