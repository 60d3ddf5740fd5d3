"""The faults the soak injects: a PostgreSQL restart (only once other people's test and benchmark
databases are idle) and a gunicorn worker killed with SIGKILL in the middle of a request."""
from __future__ import annotations

import os
import re
import signal
import subprocess
import threading
import time
from pathlib import Path

import psycopg

QUIET_POLL_SECONDS = 5
QUIET_WAIT_SECONDS = 600
# Databases of other people's runs on the shared server (portal_test_…, portal_bench…, any other
# portal_… and the test suite's `test`): their connections must be gone first.
OTHER_RUNS = ("portal%", "test")


def connect(url, dbname: str | None = None, timeout: int = 3):
    return psycopg.connect(host=url.host, port=url.port or 5432, user=url.username, password=url.password,
                           dbname=dbname or url.database, connect_timeout=timeout, autocommit=True)


def cluster_for(port: int) -> tuple[str, str]:
    """The (version, name) of the local cluster listening on `port`, from pg_lsclusters."""
    listing = subprocess.run(["pg_lsclusters", "--no-header"], capture_output=True, text=True, check=True).stdout
    for line in listing.splitlines():
        version, name, cluster_port, *_ = line.split()
        if int(cluster_port) == port:
            return version, name
    raise SystemExit(f"no local PostgreSQL cluster on port {port} (pg_lsclusters: {listing.strip()})")


def other_runs(url) -> dict[str, int]:
    """Client connections to other people's test and benchmark databases, by database."""
    with connect(url, "postgres") as connection:
        rows = connection.execute(
            "SELECT datname, count(*) FROM pg_stat_activity WHERE backend_type = 'client backend' "
            "AND pid <> pg_backend_pid() AND datname <> %s AND (datname LIKE %s OR datname = %s) "
            "GROUP BY datname ORDER BY datname", (url.database, *OTHER_RUNS)).fetchall()
    return dict(rows)


def wait_until_quiet(url, say, should_stop=lambda: False) -> float | None:
    """Wait (polling every 5 s, up to 10 min) until no one else's tests or benchmarks are connected.
    Returns the seconds waited, or None when they were still busy after 10 minutes."""
    started = time.monotonic()
    said, said_at = None, 0.0
    while True:
        busy = other_runs(url)
        if not busy:
            return time.monotonic() - started
        waited = time.monotonic() - started
        if waited >= QUIET_WAIT_SECONDS or should_stop():
            return None
        listed = ", ".join(f"{name} ({count})" for name, count in busy.items())
        if listed != said or waited - said_at >= 30:  # say it when it changes, else every 30 s
            say(f"waiting to restart PostgreSQL: other runs are connected: {listed} [{waited:.0f} s]")
            said, said_at = listed, waited
        time.sleep(QUIET_POLL_SECONDS)


def restart_postgresql(url, version: str, cluster: str) -> dict:
    """`pg_ctlcluster VERSION CLUSTER restart`, with a probe connecting every 50 ms to time when the
    database stopped answering and when it answered again."""
    probe = _Probe(url)
    probe.start()
    began = time.monotonic()
    command = ["pg_ctlcluster", version, cluster, "restart"]
    if os.geteuid() != 0:
        command = ["sudo", "-n", *command]
    completed = subprocess.run(command, capture_output=True, text=True)
    returned = time.monotonic()
    if completed.returncode:
        probe.halt.set()
        raise SystemExit(f"pg_ctlcluster {version} {cluster} restart failed: {completed.stderr.strip()}")
    probe.back_event.wait(timeout=60)
    probe.halt.set()
    probe.join(timeout=5)
    back = probe.back or returned
    return {"began": began, "database_down": probe.down or began, "command_returned": returned,
            "database_back": back, "restart_seconds": round(back - began, 2)}


class _Probe(threading.Thread):
    def __init__(self, url):
        super().__init__(daemon=True)
        self.url = url
        self.down = self.back = None
        self.halt, self.back_event = threading.Event(), threading.Event()

    def run(self) -> None:
        while not self.halt.is_set():
            try:
                with connect(self.url, timeout=1) as connection:
                    connection.execute("SELECT 1")
                if self.down is not None and self.back is None:
                    self.back = time.monotonic()
                    self.back_event.set()
            except psycopg.OperationalError:
                if self.down is None:
                    self.down = time.monotonic()
            self.halt.wait(0.05)


def workers(master_pid: int) -> list[int]:
    try:
        return [int(pid) for pid in Path(f"/proc/{master_pid}/task/{master_pid}/children").read_text().split()]
    except OSError:
        return []


def kill_worker_mid_request(url, master_pid: int) -> dict:
    """SIGKILL a worker in the middle of a request. Best: one whose transaction has written (UPDATE or
    INSERT done, COMMIT not yet), looked for during 5 s; then one with any transaction open; then any."""
    pids = set(workers(master_pid))
    chosen = None
    with connect(url) as connection:
        for seconds, writes_only in ((5.0, True), (2.0, False)):
            deadline = time.monotonic() + seconds
            while chosen is None and time.monotonic() < deadline:
                rows = connection.execute(
                    "SELECT client_port, state, query FROM pg_stat_activity WHERE datname = %s "
                    "AND pid <> pg_backend_pid() AND state IN ('idle in transaction', 'active') "
                    "AND (NOT %s OR query ~* '^\\s*(UPDATE|INSERT)')", (url.database, writes_only)).fetchall()
                if rows:
                    owners = _socket_owners()
                    for port, state, query in rows:
                        if owners.get(port) in pids:
                            chosen = (owners[port], state, query)
                            break
                if chosen is None:
                    time.sleep(0.002)
            if chosen:
                break
    pid, state, query = chosen or (sorted(pids)[0], None, None)
    os.kill(pid, signal.SIGKILL)
    return {"pid": pid, "at": time.monotonic(), "transaction": state or "none seen",
            "query": re.sub(r"\s+", " ", query or "")[:60]}


def _socket_owners() -> dict[int, int]:
    """Local TCP port → pid, for established connections (from `ss -tnpH`)."""
    listing = subprocess.run(["ss", "-tnpH", "state", "established"], capture_output=True, text=True).stdout
    owners = {}
    for line in listing.splitlines():
        columns = line.split()
        if len(columns) < 5:
            continue
        local = columns[2]
        found = re.search(r"pid=(\d+)", line)
        if found and local.rsplit(":", 1)[-1].isdigit():
            owners[int(local.rsplit(":", 1)[-1])] = int(found.group(1))
    return owners
