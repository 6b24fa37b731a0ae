"""A 403 is an everyday answer: it is logged in one line, without a traceback, and every
record is printed once (Django's own console handler used to print it a second time when
DEBUG was on)."""

import logging
import sys

import pytest

pytestmark = pytest.mark.django_db


def test_a_403_is_logged_in_one_line_without_a_traceback(org, viewer, client_for, caplog):
    response = client_for(viewer).get(f"/o/{org.slug}/posts/new/")
    assert response.status_code == 403
    [record] = [r for r in caplog.records if r.name == "django.request"]
    assert record.getMessage() == f"Forbidden (Permission denied): /o/{org.slug}/posts/new/"
    assert record.levelno == logging.WARNING
    assert record.exc_info is None and record.exc_text is None


def test_an_error_still_keeps_its_traceback():
    from postiz.log_filters import OneLineRefusals

    try:
        raise RuntimeError("boom")
    except RuntimeError:
        record = logging.LogRecord(
            "django.request", logging.ERROR, __file__, 1, "Internal Server Error", None, None
        )
        record.exc_info = sys.exc_info()
    record.status_code = 500
    assert OneLineRefusals().filter(record) and record.exc_info is not None


def _printing_handlers(name: str, record: logging.LogRecord) -> list[logging.Handler]:
    """The handlers, ours and Django's (not pytest's), that would print ``record``."""
    found = []
    logger = logging.getLogger(name)
    while logger is not None:
        for handler in logger.handlers:
            ours = not type(handler).__module__.startswith("_pytest")
            if (
                ours
                and isinstance(handler, logging.StreamHandler)
                and record.levelno >= handler.level
                and handler.filter(record)
            ):
                found.append(handler)
        if not logger.propagate:
            break
        logger = logger.parent
    return found


@pytest.mark.parametrize("debug", [True, False])
def test_each_request_record_is_printed_once_with_or_without_debug(settings, debug):
    settings.DEBUG = debug
    record = logging.LogRecord(
        "django.request", logging.WARNING, __file__, 1, "Forbidden: /x", None, None
    )
    assert len(_printing_handlers("django.request", record)) == 1
