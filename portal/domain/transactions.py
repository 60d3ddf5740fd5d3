"""How the portal's connections to the database begin and end their transactions.

Three rules, each worth a round trip to PostgreSQL on every page (a queue page sends three statements of
its own; it used to send six, with a ping, a BEGIN and a COMMIT around them):

- A request that only reads (GET or HEAD) sends no BEGIN: its SELECTs run in autocommit, each seeing what
  is committed when it runs, as each statement of a READ COMMITTED transaction does. The first statement
  that writes, locks rows (FOR UPDATE, FOR SHARE) or opens a server-side cursor (a streamed export) turns
  autocommit off first, so it and everything after it run in one transaction, committed or rolled back
  as any other. Other requests, the command line and migrations begin transactions as usual.
- A request's transaction that only read ends with COMMIT (portal.errors), never with ROLLBACK:
  psycopg forgets the statements it prepared on the server at every ROLLBACK, and PostgreSQL would parse
  and plan the next request's queries again. A transaction that wrote (an ORM flush, or any statement
  other than a SELECT) is never committed here: what the request did not commit itself is rolled back.
  A reading request still in autocommit has no transaction on the server to end: its session is closed
  without the COMMIT's bookkeeping (psycopg sends nothing either way, and keeps its prepared statements).
- A connection taken from the pool is checked without a round trip: one the server closed (a restart, a
  failover, a terminated backend) has its socket readable (the server's farewell and the end of the
  stream), and is replaced before use. SQLAlchemy's pool_pre_ping would send a query each time.
"""
from __future__ import annotations

import functools
import re
import select

from flask import has_request_context, request
from psycopg.pq import ConnStatus, TransactionStatus
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import Session, scoped_session

# Keys in the connection's and the session's `info` dictionaries.
WROTE = "portal_transaction_wrote"
CONNECTION = "portal_transaction_connection"
READS_IN_AUTOCOMMIT = "portal_reads_in_autocommit"

_LOCKING = re.compile(r"\bFOR\s+(?:NO\s+KEY\s+UPDATE|UPDATE|KEY\s+SHARE|SHARE)\b", re.IGNORECASE)
READING_METHODS = ("GET", "HEAD")


def watch_writes(engine: Engine, sessions: scoped_session) -> None:
    """Mark, on the connection, every statement other than a SELECT sent in its current transaction;
    on PostgreSQL, let reading requests run without a transaction until they write, and check pooled
    connections without a query."""
    listeners = [(engine, "before_cursor_execute", _note_write), (sessions, "after_begin", _note_begin)]
    if engine.dialect.name == "postgresql":
        listeners += [(engine, "checkout", _refuse_closed_connection), (engine, "checkin", _restore_transactions)]
    for target, name, listener in listeners:
        if not event.contains(target, name, listener):
            event.listen(target, name, listener)


def _note_write(connection: Connection, cursor, statement: str, parameters, context, executemany) -> None:
    writes = executemany or statement.lstrip()[:6].upper() != "SELECT"
    if writes:
        connection.info[WROTE] = True
    if connection.info.get(READS_IN_AUTOCOMMIT) and cursor.connection.autocommit and (
            writes or _locks(statement) or getattr(cursor, "name", None)):  # name: a server-side cursor
        # From here on, one transaction: psycopg sends BEGIN before this statement.
        cursor.connection.autocommit = False


# Asked of every SELECT sent in autocommit, and the portal sends the same few hundred statements
# (SQLAlchemy caches their compiled text): each is searched once, not again on every execution.
@functools.lru_cache(maxsize=2048)
def _locks(statement: str) -> bool:
    return _LOCKING.search(statement) is not None


def _note_begin(session: Session, transaction, connection: Connection) -> None:
    connection.info[WROTE] = False
    session.info[CONNECTION] = connection
    if connection.dialect.name == "postgresql":
        reading = has_request_context() and request.method in READING_METHODS
        driver = connection.connection.driver_connection
        if reading and not driver.autocommit and driver.info.transaction_status == TransactionStatus.IDLE:
            driver.autocommit = True
            connection.info[READS_IN_AUTOCOMMIT] = True
        elif not reading and connection.info.pop(READS_IN_AUTOCOMMIT, False):
            _restore(driver)


def _restore_transactions(dbapi_connection, connection_record) -> None:
    """A connection goes back to the pool beginning transactions as usual."""
    if connection_record.info.pop(READS_IN_AUTOCOMMIT, False) and dbapi_connection is not None:
        _restore(dbapi_connection)


def _restore(driver) -> None:
    if driver.autocommit and not driver.closed and driver.info.transaction_status == TransactionStatus.IDLE:
        driver.autocommit = False


def _refuse_closed_connection(dbapi_connection, connection_record, connection_proxy) -> None:
    """Raised DisconnectionError makes the pool discard this connection and hand out another."""
    pgconn = dbapi_connection.pgconn
    if dbapi_connection.closed or pgconn.status != ConnStatus.OK:
        raise DisconnectionError("the connection is closed")
    poller = select.poll()
    poller.register(pgconn.socket, select.POLLIN | select.POLLERR | select.POLLHUP)
    if poller.poll(0):  # an idle connection is sent nothing unless the server is ending it
        raise DisconnectionError("the server closed the connection")


def ends_with_commit(session: Session) -> bool:
    """True when the session holds an open transaction on one connection that sent only SELECTs, nothing
    is waiting to be flushed, and the server holds that transaction (not a read in autocommit)."""
    connection = session.info.pop(CONNECTION, None)
    return (
        connection is not None
        and not connection.closed
        and connection.in_transaction()
        and session.in_transaction()
        and connection.info.get(WROTE) is False
        and not (session.new or session.dirty or session.deleted)
        and not _reading_in_autocommit(connection)
    )


def _reading_in_autocommit(connection: Connection) -> bool:
    # Still in autocommit (it never wrote, locked or streamed): the server holds no transaction of it.
    if not connection.info.get(READS_IN_AUTOCOMMIT):
        return False
    driver = connection.connection.driver_connection
    return driver.autocommit and driver.info.transaction_status == TransactionStatus.IDLE
