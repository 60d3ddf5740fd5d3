"""Test clients for tests that sign in several people at once.

The `app` fixture keeps one app context open for the whole test, so Flask reuses it (and its `g`,
where Flask-Login caches the signed-in user and Flask-WTF the CSRF token) for every request. A
second client would then act as the first one's user; these clients forget `g` before each request.
"""
from __future__ import annotations

from flask import g

from tests.conftest import signed_in_client


class PersonClient:
    def __init__(self, client):
        self.client = client

    def _fresh(self, method):
        def call(*args, **kwargs):
            _forget_request_cache()
            return method(*args, **kwargs)

        return call

    def __getattr__(self, name):
        attribute = getattr(self.client, name)
        return self._fresh(attribute) if name in ("get", "post", "open") else attribute


def client_for(app, user) -> PersonClient:
    """A client signed in as `user`, safe to use beside other signed-in clients in the same test."""
    _forget_request_cache()
    return PersonClient(signed_in_client(app, user))


def _forget_request_cache() -> None:
    for name in list(g):
        g.pop(name, None)
