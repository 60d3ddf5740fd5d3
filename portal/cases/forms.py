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
