"""Daily allowances (AI requests): taken one at a time, renewed at midnight in the
organization's zone, never passed by requests that arrive together, and shown on the
billing page when the instance has AI writing help."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest
from django.db import connection
from django.utils import timezone

from billing import limits
from billing.limits import LimitReached
from billing.models import DailyUsage, Plan

NAME = "ai_requests_per_day"


def test_the_day_turns_at_midnight_in_the_organizations_zone(org, monkeypatch):
    org.timezone = "Pacific/Auckland"  # UTC+13 in December
    org.save(update_fields=["timezone"])
    now = {"at": datetime(2026, 12, 7, 10, 59, tzinfo=UTC)}  # 23:59 in Auckland
    monkeypatch.setattr(timezone, "now", lambda: now["at"])
    limits.daily_take(org, NAME, default=1)
    with pytest.raises(LimitReached) as refused:
        limits.daily_take(org, NAME, default=1)
    assert "after midnight (Pacific/Auckland)" in refused.value.message

    now["at"] = datetime(2026, 12, 7, 11, 1, tzinfo=UTC)  # 00:01 on the 8th in Auckland
    limits.daily_take(org, NAME, default=1)
    days = dict(DailyUsage.objects.filter(organization=org).values_list("day", "count"))
    assert days == {datetime(2026, 12, 7).date(): 1, datetime(2026, 12, 8).date(): 1}


def test_a_use_given_back_can_be_taken_again(org):
    limits.daily_take(org, NAME, default=1)
    limits.daily_give_back(org, NAME)
    limits.daily_take(org, NAME, default=1)
    assert limits.usage(org, NAME) == 1


def test_no_default_means_no_limit_when_billing_is_off(org):
    for _ in range(5):
        limits.daily_take(org, NAME, default=0)
    assert limits.usage(org, NAME) == 5


@pytest.mark.django_db(transaction=True)
def test_requests_arriving_together_never_pass_the_limit(org):
    start = threading.Barrier(6)
    taken, refused = [], []

    def ask():
        try:
            start.wait()
            limits.daily_take(org, NAME, default=2)
            taken.append(1)
        except LimitReached:
            refused.append(1)
        finally:
            connection.close()

    threads = [threading.Thread(target=ask) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert (len(taken), len(refused)) == (2, 4)
    assert limits.usage(org, NAME) == 2


def test_the_billing_page_shows_todays_ai_requests_when_ai_is_on(
    billed, org, owner, client_for, settings
):
    settings.AI_BASE_URL = "http://127.0.0.1:11434/v1"
    settings.AI_MODEL = "llama3.2"
    Plan.objects.filter(is_free=True).update(ai_requests_per_day=20)
    limits.daily_take(org, NAME, default=None)
    html = client_for(owner).get(f"/o/{org.slug}/billing/").content.decode()
    assert "<tr><td>AI requests today</td><td>1</td><td>20</td></tr>" in html
    assert "20 AI suggestions a day" in html


def test_the_billing_page_says_nothing_of_ai_when_it_is_off(
    billed, org, owner, client_for, settings
):
    settings.AI_BASE_URL = ""
    settings.AI_MODEL = ""
    html = client_for(owner).get(f"/o/{org.slug}/billing/").content.decode()
    assert "AI" not in html.replace("API", "")
