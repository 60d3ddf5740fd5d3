"""The models, one module per aggregate; importing this package registers them all."""
from portal.models.api_client import ApiClient
from portal.models.attachment import Attachment
from portal.models.audit import AuditEntry
from portal.models.calendar import CalendarException
from portal.models.call import Call
from portal.models.case import Case, CaseEvent
from portal.models.category import Category
from portal.models.figure_rollup import figure_marks, figure_rollups, overdue_snapshots, queue_counts
from portal.models.inspection import Inspection
from portal.models.intake_request import ApiRateWindow, IntakeRequest
from portal.models.login_attempt import LoginAttempt
from portal.models.roster import Roster, RosterCampaign, RosterReview, RosterRow, RosterVersion
from portal.models.routing_rule import RoutingRule, WardCentroid
from portal.models.unit import Unit
from portal.models.user import User

__all__ = [
    "ApiClient",
    "ApiRateWindow",
    "Attachment",
    "AuditEntry",
    "CalendarException",
    "Call",
    "Case",
    "CaseEvent",
    "Category",
    "Inspection",
    "IntakeRequest",
    "LoginAttempt",
    "Roster",
    "RosterCampaign",
    "RosterReview",
    "RosterRow",
    "RosterVersion",
    "RoutingRule",
    "Unit",
    "User",
    "WardCentroid",
    "figure_marks",
    "figure_rollups",
    "overdue_snapshots",
    "queue_counts",
]
