"""While the database cannot be reached, pages and both APIs answer 503 saying the service
is unavailable for a moment (never a 500 with a traceback), and they recover by themselves
once it is back."""

import psycopg
import pytest
from django.db import OperationalError
from django.db.backends.utils import CursorWrapper
from django.test import Client

from tests.api.helpers import make_key

pytestmark = pytest.mark.django_db

REFUSED = 'connection to server at "127.0.0.1", port 5432 failed: Connection refused'


@pytest.fixture
def database(monkeypatch):
    """``database.down()`` makes every query fail as a lost connection does, through
    Django's cursors and the raw psycopg ones; ``database.up()`` brings it back."""

    class Switch:
        def down(self):
            def django_refused(*args, **kwargs):
                raise OperationalError(REFUSED)

            def psycopg_refused(*args, **kwargs):
                raise psycopg.OperationalError(REFUSED)

            monkeypatch.setattr(CursorWrapper, "execute", django_refused)
            monkeypatch.setattr(CursorWrapper, "executemany", django_refused)
            monkeypatch.setattr(psycopg.Cursor, "execute", psycopg_refused)

        def up(self):
            monkeypatch.undo()

    return Switch()


@pytest.fixture
def clients(org, owner, client_for):
    _key, raw = make_key(org, actor=owner)
    return {
        "page": client_for(owner),
        "native": Client(HTTP_AUTHORIZATION=f"Bearer {raw}"),
        "compat": Client(HTTP_AUTHORIZATION=raw),
        "anonymous": Client(),
    }


def test_the_calendar_answers_503_with_a_short_page_then_recovers(database, clients, org):
    database.down()
    response = clients["page"].get(f"/o/{org.slug}/calendar/")
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert b"unavailable for a moment" in response.content
    assert b"Traceback" not in response.content

    database.up()
    assert clients["page"].get(f"/o/{org.slug}/calendar/").status_code == 200


def test_signing_in_answers_503_then_recovers(database, clients, owner):
    database.down()
    response = clients["anonymous"].post(
        "/accounts/login/", {"login": owner.email, "password": "whatever it is"}
    )
    assert response.status_code == 503
    assert b"unavailable for a moment" in response.content

    database.up()
    assert clients["anonymous"].get("/accounts/login/").status_code == 200


def test_the_native_api_answers_a_503_problem_then_recovers(database, clients):
    database.down()
    response = clients["native"].get("/api/v1/posts")
    assert response.status_code == 503
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == 503 and "unavailable for a moment" in body["detail"]

    database.up()
    assert clients["native"].get("/api/v1/posts").status_code == 200


def test_the_compatible_api_answers_a_503_in_its_shape_then_recovers(database, clients):
    database.down()
    response = clients["compat"].get("/public/v1/integrations")
    assert response.status_code == 503
    assert response.json() == {
        "statusCode": 503,
        "message": "The service is unavailable for a moment; try again in a minute.",
    }

    database.up()
    assert clients["compat"].get("/public/v1/integrations").status_code == 200


def test_a_503_is_logged_in_one_line_without_a_traceback(database, clients, org, caplog):
    database.down()
    clients["page"].get(f"/o/{org.slug}/calendar/")
    records = [r for r in caplog.records if r.name == "django.request"]
    assert [r.getMessage() for r in records] == [f"Service Unavailable: /o/{org.slug}/calendar/"]
    assert records[0].exc_info is None
