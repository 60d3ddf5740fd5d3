"""The compliance figures kept per unit subtree and per day and month (see portal.domain.rollups)."""
from sqlalchemy import BigInteger, Column, Date, Integer, String, Table

from portal.domain.rollups import count_columns
from portal.extensions import db

figure_rollups = Table(
    "figure_rollups",
    db.metadata,
    # The subtree's top unit; 0 for the cases no unit holds yet.
    Column("unit_id", Integer, primary_key=True, autoincrement=False),
    Column("grain", String(1), primary_key=True),  # "d": a day, "m": a month (its first day)
    Column("day", Date, primary_key=True),
    *[Column(name, Integer, nullable=False, server_default="0") for name in count_columns()],
)

overdue_snapshots = Table(
    "overdue_snapshots",
    db.metadata,
    # A unit's subtree, 0 for the cases not routed yet, -1: the day was recorded (the city's total).
    Column("unit_id", Integer, primary_key=True, autoincrement=False),
    Column("day", Date, primary_key=True),  # open and overdue at the end of this day
    Column("open_overdue", Integer, nullable=False),
)

figure_marks = Table(
    "figure_marks",
    db.metadata,
    # One row (id 1), bumped by triggers in the transaction of every write the compliance pages read
    # (see portal.domain.freshness): whoever writes, a cached page is never served after it commits.
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("version", BigInteger, nullable=False, server_default="0"),
    Column("units_version", BigInteger, nullable=False, server_default="0"),  # the units' tree alone
)

queue_counts = Table(
    "queue_counts",
    db.metadata,
    # How many cases a unit holds in a state (unit 0: the cases no unit holds yet), kept by triggers
    # (see portal.domain.tab_counts): the queue's tab counts.
    Column("unit_id", Integer, primary_key=True, autoincrement=False),
    Column("state", String(16), primary_key=True),
    Column("cases", Integer, nullable=False, server_default="0"),
)
