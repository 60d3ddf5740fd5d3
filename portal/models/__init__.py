"""The models, one module per aggregate; importing this package registers them all."""
from portal.models.api_client import ApiClient
from portal.models.audit import AuditEntry
from portal.models.calendar import CalendarException
from portal.models.call import Call
from portal.models.case import Case, CaseEvent
from portal.models.category import Category
from portal.models.login_attempt import LoginAttempt
from portal.models.unit import Unit
from portal.models.user import User

__all__ = ["ApiClient", "AuditEntry", "CalendarException", "Call", "Case", "CaseEvent", "Category", "LoginAttempt", "Unit", "User"]
