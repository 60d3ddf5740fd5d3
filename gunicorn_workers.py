"""The gunicorn worker the portal is served with (`worker_class` in gunicorn.conf.py).

gunicorn's `gthread` worker accepts every connection it is offered, up to `worker_connections` (1,000),
whether or not a thread is free to serve it. A client that keeps its connections alive (a browser, the
reverse proxy, a load test) can then find all of them accepted by one worker: one process, one core and
one interpreter lock for all of that load, while the other workers wait. Here a worker stops accepting
while all its threads are busy, so a new connection goes to a worker that can serve it now; when every
worker is busy it waits in the listening socket's backlog until a thread is free, as it would have waited
in the busy worker's queue.

A kept-alive connection stays with the worker that accepted it, and a worker that stops (recycled after
max_requests, or killed) hands its connections to the workers still running while its replacement starts:
the replacement then waits idle and the others carry everything (the benchmark saw one worker doing 89% of
the work of a page). So a connection is also closed after KEEPALIVE_REQUESTS answers ("Connection: close",
as nginx's keepalive_requests does): the client opens another, and it goes to a worker with a thread free.

This module is imported by the gunicorn master, so it must not import the portal: a `kill -HUP` after an
upgrade has to load the new code in the new workers (a change to this file needs a full restart).
"""
from __future__ import annotations

from gunicorn.workers.gthread import ThreadWorker

KEEPALIVE_REQUESTS = 100  # answers on one connection before it is closed (reconnecting: ~0.5 ms of CPU, once per 100)


class BalancedThreadWorker(ThreadWorker):
    """A `gthread` worker that accepts a new connection only while one of its threads is free, and closes
    a kept-alive connection after KEEPALIVE_REQUESTS answers."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.busy = 0  # requests handed to the thread pool and not finished yet

    def set_accept_enabled(self, enabled: bool) -> None:
        # The main loop asks for accepting whenever it holds fewer than worker_connections; free threads decide.
        super().set_accept_enabled(enabled and self.busy < self.cfg.threads)

    def enqueue_req(self, conn) -> None:
        self.busy += 1
        if self.busy >= self.cfg.threads:
            self.set_accept_enabled(False)
        super().enqueue_req(conn)

    def finish_request(self, conn, fs) -> None:
        self.busy -= 1
        super().finish_request(conn, fs)

    def handle_request(self, req, conn):
        conn.answered = getattr(conn, "answered", 0) + 1
        if conn.answered >= KEEPALIVE_REQUESTS:
            req.must_close = True  # this answer says "Connection: close"
        return super().handle_request(req, conn)
