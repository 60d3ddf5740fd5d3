"""The queue's filter form: read from the query string, so every filtered page has its own URL."""
from wtforms import BooleanField, HiddenField, IntegerField, SearchField, SelectField
from wtforms.validators import NumberRange, Optional

from portal.forms import PortalForm
from portal.models.case import PRIORITIES
from portal.models.category import CASE_KINDS


class QueueFilterForm(PortalForm):
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
