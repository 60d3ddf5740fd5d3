"""The audit trail: sign-ins, failed sign-ins, role changes, exports; append-only."""
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import db
from portal.models.types import UTCDateTime, utcnow

AUDIT_ACTIONS = {
    "login": "Đăng nhập",
    "login_failed": "Đăng nhập không thành công",
    "logout": "Đăng xuất",
    "password_changed": "Đổi mật khẩu",
    "role_changed": "Thay đổi vai trò",
    "user_created": "Tạo tài khoản",
    "user_deactivated": "Khóa tài khoản",
    "export": "Xuất dữ liệu",
    # The administrator's changes (portal/admin): each is answerable later.
    "user_updated": "Sửa tài khoản",
    "password_reset": "Cấp lại mật khẩu",
    "unit_changed": "Thay đổi đơn vị",
    "unit_merged": "Sáp nhập, giải thể đơn vị",
    "units_imported": "Nhập sắp xếp đơn vị hành chính",
    "category_changed": "Thay đổi lĩnh vực",
    "calendar_changed": "Thay đổi lịch làm việc",
    "api_client_created": "Tạo ứng dụng kết nối",
    "api_client_changed": "Sửa ứng dụng kết nối",
    "api_client_revoked": "Thu hồi khóa ứng dụng",
}


class AuditEntry(db.Model):
    __tablename__ = "audit_entries"
    __table_args__ = (Index("ix_audit_entries_action_at", "action", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    # Kept as typed, so a failed sign-in for an unknown name is recorded too.
    username: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(32))
    target: Mapped[str | None] = mapped_column(String(200))
    detail: Mapped[str | None] = mapped_column(Text)
    address: Mapped[str | None] = mapped_column(String(64))

    @property
    def action_label(self) -> str:
        return AUDIT_ACTIONS.get(self.action, self.action)
