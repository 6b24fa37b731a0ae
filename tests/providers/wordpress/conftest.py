"""The real WordPress sites the peer tests use (tests/peers/wordpress.py), started once for
the test run when a test asks for one: one MariaDB, a site with pretty permalinks and one
without (its REST API only at /?rest_route=)."""

import shutil
import tempfile
from pathlib import Path

import pytest

from tests.peers import wordpress


@pytest.fixture(scope="session")
def wordpress_home():
    # A short path of its own: MariaDB's unix socket lives in it (at most 107 bytes).
    home = Path(tempfile.mkdtemp(prefix="postiz-wp-"))
    yield home
    shutil.rmtree(home, ignore_errors=True)


@pytest.fixture(scope="session")
def wordpress_db(wordpress_home):
    (wordpress_home / "db").mkdir()
    with wordpress.mariadb(wordpress_home / "db") as socket_path:
        yield socket_path


@pytest.fixture(scope="session")
def wp_site(wordpress_home, wordpress_db):
    """A real WordPress with pretty permalinks (/wp-json/)."""
    with wordpress.wordpress_site(wordpress_home, wordpress_db, name="pretty", pretty=True) as site:
        yield site


@pytest.fixture(scope="session")
def wp_plain_site(wordpress_home, wordpress_db):
    """A real WordPress without pretty permalinks: /wp-json/ is a 404."""
    with wordpress.wordpress_site(wordpress_home, wordpress_db, name="plain", pretty=False) as site:
        yield site
