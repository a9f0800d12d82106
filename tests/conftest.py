import os

import pytest

from tests.factories import build_organization


def skip_or_fail(reason: str):
    """Skip with the reason; under CI (REQUIRE_ALL_SUITES=1) a missing dependency fails."""
    if os.environ.get("REQUIRE_ALL_SUITES") == "1":
        pytest.fail(f"CI must run this test, but: {reason}")
    pytest.skip(reason)


@pytest.fixture
def org(db):
    units, users = build_organization()
    return units, users


@pytest.fixture
def units(org):
    return org[0]


@pytest.fixture
def users(org):
    return org[1]


@pytest.fixture
def client_for(client, users):
    """Log the client in as one of the test users."""

    def login(username):
        client.force_login(users[username])
        return client

    return login


@pytest.fixture(scope="session")
def postgres_base_url():
    """A real PostgreSQL server for the session (tests/pgserver.py), or a skip that says why."""
    from tests import pgserver

    if pgserver.find_binaries() is None:
        skip_or_fail("the PostgreSQL tests need Debian's postgresql package (apt-get install postgresql)")
    with pgserver.running_postgres() as base_url:
        yield base_url
