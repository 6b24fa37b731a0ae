import logging

import pytest
from django.db import connection

from postiz import warmup

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_warm_up_serves_the_sign_in_page_and_leaves_no_connection_for_the_fork(caplog):
    caplog.set_level(logging.DEBUG, logger="postiz.warmup")
    connection.ensure_connection()
    warmup.warm_up_web()
    assert connection.connection is None  # a forked worker must open its own
    assert not [r for r in caplog.records if r.name in ("postiz.warmup", "django.request")]


def test_a_failing_warm_up_never_stops_the_start(monkeypatch, caplog):
    caplog.set_level(logging.DEBUG, logger="postiz.warmup")

    def broken(request):
        raise RuntimeError("database unreachable")

    monkeypatch.setattr("postiz.health.health", broken)
    warmup.warm_up_web()
    assert "database unreachable" in caplog.text
    assert connection.connection is None
