"""The forms of the case page, one per group of actions. They carry what the user typed; the rules
(what is long enough, which dates are allowed) live in portal.domain.workflow, so a refused value
comes back on the same form with the domain's message."""
from __future__ import annotations

from dataclasses import dataclass

from wtforms import DateField, HiddenField, MultipleFileField, RadioField, SelectField, StringField, TextAreaField

from portal.domain.attachments import MAX_FILE_BYTES, MAX_FILES, Upload
from portal.domain.numbers import whole_number
from portal.forms import PortalForm
from portal.models.case import RATINGS

FILE_HINT = (f"Ảnh JPEG, PNG hoặc tài liệu PDF; tối đa {MAX_FILES} tệp, mỗi tệp không quá "
             f"{MAX_FILE_BYTES // (1024 * 1024)} MB.")


class ActionForm(PortalForm):
    class Meta:
        # CSRFProtect checks the token of every POST; each form template renders it once, unprefixed.
        csrf = False

    version = HiddenField()

    def values(self) -> dict:
        """What the user sent, by the names the workflow reads (files as Upload objects)."""
        values = {}
        for name, field in self._fields.items():
            if name == "version":
                continue
            if isinstance(field, MultipleFileField):
                values[name] = [Upload(storage.filename or "", storage.read())
                                for storage in (field.data or []) if getattr(storage, "filename", None)]
            else:
                values[name] = field.data
        return values

    def seen_version(self) -> int | None:
        return whole_number(self.version.data)


def _area(label: str, rows: int = 3, placeholder: str = "") -> TextAreaField:
    return TextAreaField(label, render_kw={"rows": rows, "placeholder": placeholder} if placeholder else {"rows": rows})


class RouteForm(ActionForm):
    unit = SelectField("Đơn vị xử lý", choices=[], validate_choice=False)
    note = _area("Ghi chú cho đơn vị (không bắt buộc)", 2)


class AssignForm(ActionForm):
    handler = SelectField("Cán bộ xử lý", choices=[], validate_choice=False)


class AnswerForm(ActionForm):
    answer = _area("Nội dung trả lời người dân", 7,
                   "Kết quả kiểm tra, xử lý và nội dung trả lời gửi người dân…")
    files = MultipleFileField("Ảnh, tài liệu kèm theo",
                              render_kw={"accept": "image/jpeg,image/png,application/pdf"})


class ReviewForm(ActionForm):
    answer = _area("Nội dung trả lời (lãnh đạo có thể chỉnh sửa trước khi duyệt)", 7)
    reason = _area("Nội dung cần sửa (khi trả lại dự thảo)", 2)


class ApprovalForm(ActionForm):
    pass


class NoteForm(ActionForm):
    note = _area("Ghi chú nội bộ (không hiển thị cho người dân)", 2)


class PauseForm(ActionForm):
    reason = _area("Lý do tạm dừng", 2, "Ví dụ: chờ người dân bổ sung hình ảnh, giấy tờ…")


class ResumeForm(ActionForm):
    note = _area("Ghi chú (không bắt buộc)", 2)


class ExtensionRequestForm(ActionForm):
    proposed_date = DateField("Đề nghị gia hạn đến ngày")
    reason = _area("Lý do đề nghị gia hạn", 3)


class ExtensionDecisionForm(ActionForm):
    due_date = DateField("Hạn xử lý mới")
    note = _area("Ý kiến (không bắt buộc)", 2)
    reason = _area("Lý do không đồng ý (khi từ chối)", 2)


class ReturnForm(ActionForm):
    reason = _area("Lý do trả lại", 3, "Nêu rõ vì sao nội dung không thuộc thẩm quyền của đơn vị…")


class TransferForm(ActionForm):
    unit = SelectField("Chuyển đến đơn vị", choices=[], validate_choice=False)
    reason = _area("Lý do chuyển", 2)


class RejectForm(ActionForm):
    reason = _area("Lý do từ chối", 2)
    duplicate_of = StringField("Trùng với phản ánh mã (nếu có)", render_kw={"placeholder": "Ví dụ: K7QX-4M9R"})


class RateForm(ActionForm):
    rating = RadioField("Đánh giá của người dân", choices=dict(RATINGS), validate_choice=False)


class CloseForm(ActionForm):
    note = _area("Ghi chú (không bắt buộc)", 2, "Ví dụ: hết thời hạn đánh giá")


@dataclass(frozen=True)
class ActionGroup:
    """One form on the case page and the workflow actions its buttons run (first one by default)."""

    name: str
    title: str
    form: type[ActionForm]
    actions: tuple[str, ...]


ACTION_GROUPS: dict[str, ActionGroup] = {g.name: g for g in (
    ActionGroup("take", "Nhận xử lý", ApprovalForm, ("take",)),
    ActionGroup("route", "Chuyển đơn vị xử lý", RouteForm, ("route",)),
    ActionGroup("assign", "Giao cán bộ xử lý", AssignForm, ("assign",)),
    ActionGroup("answer", "Trả lời người dân", AnswerForm, ("publish_answer", "save_draft")),
    ActionGroup("review", "Duyệt dự thảo trả lời", ReviewForm, ("approve_answer", "return_answer")),
    ActionGroup("decision", "Xem xét đề nghị gia hạn", ExtensionDecisionForm, ("grant_extension", "deny_extension")),
    ActionGroup("rate", "Ghi nhận đánh giá của người dân", RateForm, ("rate",)),
    ActionGroup("close", "Hoàn thành", CloseForm, ("close",)),
    ActionGroup("pause", "Tạm dừng (chờ bổ sung)", PauseForm, ("pause",)),
    ActionGroup("resume", "Tiếp tục xử lý", ResumeForm, ("resume",)),
    ActionGroup("extension", "Đề nghị gia hạn", ExtensionRequestForm, ("request_extension",)),
    ActionGroup("note", "Ghi chú nội bộ", NoteForm, ("note",)),
    ActionGroup("approval", "Yêu cầu trình duyệt", ApprovalForm, ("require_approval",)),
    ActionGroup("return", "Trả lại (không thuộc thẩm quyền)", ReturnForm, ("return_case",)),
    ActionGroup("transfer", "Chuyển đơn vị khác", TransferForm, ("transfer",)),
    ActionGroup("reject", "Từ chối tiếp nhận", RejectForm, ("reject",)),
)}


# -- what the page shows ------------------------------------------------------------------------
# The case page shows a handful of these forms on every view but reads one only on a POST. Binding
# WTForms classes and rendering them through their widgets was half of the page's template time, so the
# page shows each form as plain markup (templates/cases/_actions.html) from a description read
# once from the WTForms class; POSTs are still read and checked by the class, and a failed POST is
# shown from the bound form, so names, ids, labels, flags and the user's text are the same either way.

# What the plain markup renders for each kind of field; anything else on a field fails at start-up
# rather than silently disappearing from the page.
_SHOWN_KINDS = {
    "TextAreaField": ("textarea", {"rows", "placeholder"}, {"required", "maxlength", "minlength"}),
    "StringField": ("text", {"placeholder"}, {"required", "maxlength", "minlength"}),
    "DateField": ("date", set(), {"required"}),
    "MultipleFileField": ("file", {"accept"}, {"required"}),
    "SelectField": ("select", set(), {"required"}),
    "RadioField": ("radio", set(), {"required"}),
}


@dataclass(frozen=True, slots=True)
class FieldShape:
    """One field of an action form as WTForms would render it: name, id, label and attributes."""

    name: str
    id: str
    label: str
    kind: str
    rows: int | None = None
    placeholder: str | None = None
    accept: str | None = None
    required: bool = False
    maxlength: int | None = None
    minlength: int | None = None
    choices: tuple[tuple[str, str], ...] = ()  # a radio field's fixed options


@dataclass(slots=True)
class ShownField:
    """A field with what it shows now: `value` as the control's text, `data` as the chosen option."""

    shape: FieldShape
    value: str = ""
    data: str | None = None
    errors: tuple[str, ...] | list[str] = ()
    choices: list | dict = ()  # a select's options, set by the view


class ShownForm:
    """An action form as the page shows it: the version the user saw, the form's own errors and each
    field by name (`form.answer`), for templates/cases/_actions.html."""

    __slots__ = ("version", "form_errors", "fields")

    def __init__(self, version: str, fields: dict[str, ShownField], form_errors: list[str] | None = None):
        self.version = version
        self.fields = fields
        self.form_errors = form_errors or []

    def __getattr__(self, name: str) -> ShownField:
        try:
            return self.fields[name]
        except KeyError:
            raise AttributeError(name) from None

    @classmethod
    def fresh(cls, group: ActionGroup, version: int, data: dict[str, object] | None = None) -> ShownForm:
        """The form as a new view shows it, with `data` as the fields' starting values."""
        data = data or {}
        fields = {}
        for shape in shapes_of(group):
            value = data.get(shape.name.removeprefix(group.name + "-"))
            if shape.kind in ("select", "radio"):
                fields[shape.name.removeprefix(group.name + "-")] = ShownField(shape, data=value)
            else:
                shown = value.strftime("%Y-%m-%d") if hasattr(value, "strftime") else value
                fields[shape.name.removeprefix(group.name + "-")] = ShownField(
                    shape, value="" if shown is None else str(shown))
        return cls(str(version), fields)

    @classmethod
    def kept(cls, group: ActionGroup, form: ActionForm) -> ShownForm:
        """The form a POST was read into, shown again with the user's values and its errors."""
        fields = {}
        for shape in shapes_of(group):
            name = shape.name.removeprefix(group.name + "-")
            bound = form[name]
            if shape.kind in ("select", "radio"):
                fields[name] = ShownField(shape, data=bound.data, errors=list(bound.errors))
            elif shape.kind == "file":
                fields[name] = ShownField(shape, errors=list(bound.errors))
            else:
                fields[name] = ShownField(shape, value=bound._value(), errors=list(bound.errors))
        return cls(form.version.data, fields, list(form.form_errors))


_SHAPES: dict[str, tuple[FieldShape, ...]] = {}


def shapes_of(group: ActionGroup) -> tuple[FieldShape, ...]:
    """The fields of a group's form (its version aside), read once from a bound WTForms form."""
    shapes = _SHAPES.get(group.name)
    if shapes is None:
        form = group.form(formdata=None, prefix=group.name)
        shapes = _SHAPES[group.name] = tuple(_shape(field) for field in form if field.short_name != "version")
    return shapes


def _shape(field) -> FieldShape:
    kind, attributes, flags = _SHOWN_KINDS[field.type]
    render_kw = dict(field.render_kw or {})
    shown_flags = {name: getattr(field.flags, name) for name in dir(field.flags)
                   if name in ("required", "maxlength", "minlength", "disabled", "readonly", "pattern", "min", "max",
                               "step", "accept")}
    unknown = (set(render_kw) - attributes) | (set(shown_flags) - flags)
    if unknown:
        raise TypeError(f"{field.name}: the case page's plain markup does not render {sorted(unknown)}")
    return FieldShape(
        name=field.name, id=field.id, label=field.label.text, kind=kind,
        rows=render_kw.get("rows"), placeholder=render_kw.get("placeholder"), accept=render_kw.get("accept"),
        required=bool(shown_flags.get("required")), maxlength=shown_flags.get("maxlength"),
        minlength=shown_flags.get("minlength"),
        choices=tuple((str(option.data), option.label.text) for option in field) if kind == "radio" else (),
    )
