"""The composer's live checks answer every state a half-filled form can be in.

The browser posts the whole form on each key and change, so the endpoint sees the date
without the time, the time without the date, no channel, no text: each must come back as
a 200 with the issue that says what is missing, never a server error.
"""

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.posts.test_groups import channel

pytestmark = pytest.mark.django_db

PARIS = ZoneInfo("Europe/Paris")


def _tomorrow() -> str:
    return (timezone.now().astimezone(PARIS) + timedelta(days=1)).date().isoformat()


def _yesterday() -> str:
    return (timezone.now().astimezone(PARIS) - timedelta(days=1)).date().isoformat()


def _checks(client, org, **fields):
    data = {"timezone": "Europe/Paris", "item-0-text": "Hello", **fields}
    data = {key: value for key, value in data.items() if value is not None}
    response = client.post(
        reverse("posts:composer_validate", args=[org.slug]), data, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200, response.content[:500]
    return response.content.decode()


@pytest.mark.parametrize(
    ("fields", "expected", "has_errors"),
    [
        pytest.param({}, "Ready for Mastodon", False, id="no date, no time"),
        pytest.param({"publish_date": "tomorrow"}, "Choose a time as well", True, id="date only"),
        pytest.param({"publish_time": "09:30"}, "Choose a date as well", True, id="time only"),
        pytest.param(
            {"publish_date": "tomorrow", "publish_time": "09:30"},
            "Ready for Mastodon",
            False,
            id="date and time",
        ),
        pytest.param(
            {"publish_date": "2026-13-45", "publish_time": "09:30"},
            "Give the date as YYYY-MM-DD",
            True,
            id="invalid date",
        ),
        pytest.param(
            {"publish_date": "tomorrow", "publish_time": "25:99"},
            "Give the date as YYYY-MM-DD",
            True,
            id="invalid time",
        ),
        pytest.param(
            {"publish_date": "yesterday", "publish_time": "09:30"},
            "09:30 (Europe/Paris) has passed",
            True,
            id="past",
        ),
        pytest.param(
            {"publish_date": "tomorrow", "publish_time": "09:30", "channels": []},
            "Choose at least one channel.",
            True,
            id="no channel",
        ),
        pytest.param(
            {"publish_date": "tomorrow", "publish_time": "09:30", "item-0-text": ""},
            "Write something to post.",
            True,
            id="no text",
        ),
    ],
)
def test_the_live_checks_answer_every_partial_form_with_what_is_missing(
    org, editor, client_for, fields, expected, has_errors
):
    masto = channel(org, "mastodon")
    dates = {"tomorrow": _tomorrow(), "yesterday": _yesterday()}
    if "publish_date" in fields:
        fields["publish_date"] = dates.get(fields["publish_date"], fields["publish_date"])
    fields.setdefault("channels", [str(masto.pk)])
    page = _checks(client_for(editor), org, **fields)
    assert expected in page
    assert f'data-has-errors="{"true" if has_errors else "false"}"' in page


def test_a_date_without_a_time_is_not_called_malformed(org, editor, client_for):
    masto = channel(org, "mastodon")
    page = _checks(client_for(editor), org, channels=[str(masto.pk)], publish_date=_tomorrow())
    assert "YYYY-MM-DD" not in page
