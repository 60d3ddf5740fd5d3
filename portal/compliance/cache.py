"""The compliance report as computed and drawn, kept per worker and served again while it is exact.

A city table costs ~20 ms to compute and draw (figures, 56 lines of 16 cells with their sort links,
the weekly trend as SVG, a unit's months and inspections); the same table is asked for again and again
between two writes. An entry is kept under everything its content depends on (the key, made by the
view: the page and unit, the user's role and unit, the period, the order, the day on Hanoi's
calendar) with the freshness mark it was computed at (`portal.domain.freshness`), and served only
while the mark's version is still the same and no open case of its scope has passed its deadline since. Entries are
dropped least recently used first when the total passes `COMPLIANCE_CACHE_BYTES`, and after
`COMPLIANCE_CACHE_SECONDS` whatever happens (a bound on anything the mark would not see, such as a
database restored from a backup under running workers).
"""
from __future__ import annotations

import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Hashable

from flask import Flask, current_app

from portal.domain.freshness import Mark

DEFAULT_BYTES = 8 * 1024 * 1024
DEFAULT_SECONDS = 60


@dataclass(frozen=True)
class Entry:
    mark: Mark  # the freshness mark read before the content was computed
    until: datetime | None  # the next deadline of an open case of the scope: overdue figures move then
    stored_at: float  # time.monotonic()
    size: int  # bytes, as counted against the bound
    content: dict[str, Any]  # plain values and drawn HTML, never ORM objects (their session is gone)


class ReportCache:
    """A least-recently-used map bounded in bytes and in age, safe to share between a worker's threads."""

    def __init__(self, max_bytes: int = DEFAULT_BYTES, max_seconds: float = DEFAULT_SECONDS):
        self.max_bytes = max_bytes
        self.max_seconds = max_seconds
        self._entries: OrderedDict[Hashable, Entry] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, key: Hashable, mark: Mark, now: datetime) -> dict[str, Any] | None:
        """The content kept under the key if it is still exact at this mark and moment, else None."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            if (entry.mark.version != mark.version or (entry.until is not None and now >= entry.until)
                    or time.monotonic() - entry.stored_at >= self.max_seconds):
                self._drop(key)
                return None
            self._entries.move_to_end(key)
            return entry.content

    def put(self, key: Hashable, mark: Mark, now: datetime, content: dict[str, Any], size: int,
            until: datetime | None) -> None:
        """Keep content computed at `now` after reading `mark`, exact until the moment `until` (None: no
        open deadline ahead)."""
        if size > self.max_bytes or (until is not None and now >= until):
            return
        with self._lock:
            if key in self._entries:
                self._drop(key)
            self._entries[key] = Entry(mark, until, time.monotonic(), size, content)
            self._bytes += size
            while self._bytes > self.max_bytes:
                self._drop(next(iter(self._entries)))

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._bytes = 0

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def size(self) -> int:
        return self._bytes

    def _drop(self, key: Hashable) -> None:
        self._bytes -= self._entries.pop(key).size


def init_app(app: Flask) -> None:
    app.extensions["compliance_cache"] = ReportCache(
        int(app.config.get("COMPLIANCE_CACHE_BYTES", DEFAULT_BYTES)),
        float(app.config.get("COMPLIANCE_CACHE_SECONDS", DEFAULT_SECONDS)))


def current() -> ReportCache:
    """This app's cache (each worker process has its own)."""
    return current_app.extensions["compliance_cache"]
