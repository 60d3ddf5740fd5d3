"""The gunicorn worker the portal is served with (gunicorn_workers.BalancedThreadWorker): a worker whose
threads are all busy leaves a new connection to a worker that can serve it now, still serves the
connections it holds, and closes a kept-alive connection after KEEPALIVE_REQUESTS answers so that the
client's next connection can go to another worker."""
from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

from gunicorn_workers import KEEPALIVE_REQUESTS

# /slow takes half a second; every answer is the pid of the worker that served it.
SLOW_APP = '''
import os, time

def app(environ, start_response):
    if environ["PATH_INFO"] == "/slow":
        time.sleep(0.5)
    body = str(os.getpid()).encode()
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]
'''


@pytest.fixture
def two_workers_of_one_thread(tmp_path):
    (tmp_path / "slow_app.py").write_text(SLOW_APP)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    log = tmp_path / "gunicorn.log"
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--chdir", str(tmp_path), "--pythonpath", str(ROOT),
         "-k", "gunicorn_workers.BalancedThreadWorker", "--workers", "2", "--threads", "1",
         "--keep-alive", "5", "--bind", f"127.0.0.1:{port}", "--error-logfile", str(log), "slow_app:app"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 20
        def booted() -> int:
            return log.read_text().count("Booting worker") if log.exists() else 0

        while booted() < 2:
            assert server.poll() is None, f"gunicorn stopped: {log.read_text() if log.exists() else ''}"
            assert time.monotonic() < deadline, "gunicorn's two workers did not start within 20 s"
            time.sleep(0.05)
        time.sleep(0.3)  # both workers in their accept loop
        yield port
    finally:
        server.terminate()
        server.wait(timeout=30)


def _send(connection: socket.socket, path: str = "/slow") -> None:
    connection.sendall(f"GET {path} HTTP/1.1\r\nHost: portal\r\n\r\n".encode())


def _answer(connection: socket.socket, headers: list | None = None) -> int:
    """The pid in the body of the next response on a kept-alive connection (its header lines added to
    `headers` when given)."""
    data = b""
    while b"\r\n\r\n" not in data:
        data += connection.recv(4096)
    head, body = data.split(b"\r\n\r\n", 1)
    length = int(next(line.split(b":")[1] for line in head.split(b"\r\n") if line.lower().startswith(b"content-length")))
    while len(body) < length:
        body += connection.recv(4096)
    assert head.startswith(b"HTTP/1.1 200"), head
    if headers is not None:
        headers.extend(line.decode().lower() for line in head.split(b"\r\n")[1:])
    return int(body)


def test_a_busy_worker_leaves_a_new_connection_to_an_idle_one(two_workers_of_one_thread):
    port = two_workers_of_one_thread
    first = socket.create_connection(("127.0.0.1", port), timeout=10)
    _send(first)
    time.sleep(0.1)  # the first request is being served
    second = socket.create_connection(("127.0.0.1", port), timeout=10)
    _send(second)
    started = time.monotonic()
    pids = [_answer(first), _answer(second)]
    assert pids[0] != pids[1], "both connections went to one worker while the other had nothing to do"
    assert time.monotonic() - started < 0.9, "the second request waited for the first: they were not served at once"

    # Kept alive, each connection stays with its worker; a third waits for a free thread and is served.
    third = socket.create_connection(("127.0.0.1", port), timeout=10)
    for connection in (first, second, third):
        _send(connection)
    assert [_answer(first), _answer(second)] == pids
    assert _answer(third) in pids, "a connection that arrived while every thread was busy was not served"
    for connection in (first, second, third):
        connection.close()


def test_a_kept_alive_connection_is_closed_after_its_share_of_answers(two_workers_of_one_thread):
    connection = socket.create_connection(("127.0.0.1", two_workers_of_one_thread), timeout=10)
    for answered in range(1, KEEPALIVE_REQUESTS + 1):
        headers: list[str] = []
        _send(connection, "/")
        _answer(connection, headers)
        closing = "connection: close" in headers
        assert closing == (answered == KEEPALIVE_REQUESTS), \
            f"answer {answered} of {KEEPALIVE_REQUESTS} {'closed' if closing else 'kept'} the connection"
    assert connection.recv(1) == b"", "the connection stayed open after it said Connection: close"
    connection.close()
