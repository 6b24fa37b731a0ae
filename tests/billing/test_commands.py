"""The billing_plans command and the grace-period job."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from billing import tasks
from billing.models import Plan
from postiz.schedules import SCHEDULES


def _run(*args):
    out = StringIO()
    call_command("billing_plans", *args, stdout=out)
    return out.getvalue()


def test_the_default_plans_are_seeded_with_postiz_tiers(db):
    plans = {p.slug: p for p in Plan.objects.all()}
    assert list(plans) == ["free", "standard", "team", "pro", "ultimate"]
    assert [plans[s].channels for s in plans] == [0, 5, 10, 30, 100]
    assert [plans[s].members for s in plans] == [1, 1, None, None, None]
    assert [plans[s].api_access for s in plans] == [False, True, True, True, True]
    assert Plan.objects.get(is_free=True).slug == "free"


def test_prices_are_set_and_listed(db):
    _run("--plan", "team", "--monthly", "price_T1", "--yearly", "price_T12", "--trial-days", "14")
    team = Plan.objects.get(slug="team")
    assert (team.monthly_price_id, team.yearly_price_id, team.trial_days) == (
        "price_T1",
        "price_T12",
        14,
    )
    assert "price_T12" in _run()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--plan", "gold"], "No plan 'gold'"),
        (["--plan", "team", "--monthly", "prod_123"], "not a Stripe Price id"),
        (["--plan", "free", "--monthly", "price_x"], "never paid for"),
        (["--plan", "team", "--trial-days", "-1"], "0 or more"),
    ],
)
def test_bad_input_says_what_to_fix_and_changes_nothing(db, args, message):
    before = list(Plan.objects.values_list("slug", "monthly_price_id", "trial_days"))
    with pytest.raises(CommandError, match=message):
        _run(*args)
    assert list(Plan.objects.values_list("slug", "monthly_price_id", "trial_days")) == before


def test_one_price_cannot_belong_to_two_plans(db):
    _run("--plan", "team", "--monthly", "price_shared")
    with pytest.raises(CommandError, match="already uses that price"):
        _run("--plan", "pro", "--monthly", "price_shared")
    assert Plan.objects.get(slug="pro").monthly_price_id == ""


def test_the_grace_job_is_scheduled_and_idle_when_self_hosted(db):
    (entry,) = [s for s in SCHEDULES if s["func"] == "billing.tasks.expire_grace_periods"]
    assert entry["name"].startswith("billing.")
    assert tasks.expire_grace_periods() == 0
