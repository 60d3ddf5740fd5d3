"""Recording what must be answerable later: who signed in, who changed a role, who exported what."""
from __future__ import annotations

from datetime import datetime

from portal.extensions import db
from portal.models.audit import AUDIT_ACTIONS, AuditEntry
from portal.models.user import User


def record(action: str, *, now: datetime, actor: User | None = None, username: str | None = None,
           target: str | None = None, detail: str | None = None, address: str | None = None) -> AuditEntry:
    """Add one audit entry to the session (the caller commits with the change it records)."""
    if action not in AUDIT_ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    entry = AuditEntry(at=now, actor_id=actor.id if actor else None,
                       username=(username or (actor.username if actor else ""))[:64],
                       action=action, target=target, detail=detail, address=(address or "")[:64] or None)
    db.session.add(entry)
    return entry
