"""Clients for tests that sign in several people at once (the shared conftest keeps them apart)."""
from tests.conftest import signed_in_client


def client_for(app, user):
    """A client signed in as `user`."""
    return signed_in_client(app, user)
