"""Knowing whether a request's transaction wrote anything, so one that only read can end with COMMIT.

Why it matters: psycopg forgets the statements it prepared on the server at every ROLLBACK. A request
that ends by rolling back its reads (what closing a Session does) leaves PostgreSQL to parse and plan
each of the next request's queries again; ending it with COMMIT keeps them, so a query the portal sends
for the fifth time runs from its prepared plan. A transaction that wrote (an ORM flush, or any statement
other than a SELECT) is never committed here: whatever it did not commit itself is still rolled back.
"""
from __future__ import annotations

from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session, scoped_session

# Keys in the connection's and the session's `info` dictionaries.
WROTE = "portal_transaction_wrote"
CONNECTION = "portal_transaction_connection"


def watch_writes(engine: Engine, sessions: scoped_session) -> None:
    """Mark, on the connection, every statement other than a SELECT sent in its current transaction."""
    for target, name, listener in ((engine, "before_cursor_execute", _note_write),
                                   (sessions, "after_begin", _note_begin)):
        if not event.contains(target, name, listener):
            event.listen(target, name, listener)


def _note_write(connection: Connection, cursor, statement: str, parameters, context, executemany) -> None:
    if executemany or statement.lstrip()[:6].upper() != "SELECT":
        connection.info[WROTE] = True


def _note_begin(session: Session, transaction, connection: Connection) -> None:
    connection.info[WROTE] = False
    session.info[CONNECTION] = connection


def only_read(session: Session) -> bool:
    """True when the session holds an open transaction on one connection that sent only SELECTs, and
    nothing is waiting to be flushed."""
    connection = session.info.pop(CONNECTION, None)
    return (
        connection is not None
        and not connection.closed
        and connection.in_transaction()
        and session.in_transaction()
        and connection.info.get(WROTE) is False
        and not (session.new or session.dirty or session.deleted)
    )
