"""List the plans, or attach Stripe Price ids to one: the scriptable side of the admin."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import IntegrityError, transaction

from billing.models import Plan


def _limit(value) -> str:
    return "-" if value is None else str(value)


class Command(BaseCommand):
    help = (
        "Show the plans and their limits; with --plan, set its Stripe Price ids "
        "(--monthly price_..., --yearly price_...) and trial length (--trial-days)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--plan", help="The plan's slug: free, standard, team, pro...")
        parser.add_argument("--monthly", help="Stripe Price id billed monthly ('' clears it).")
        parser.add_argument("--yearly", help="Stripe Price id billed yearly ('' clears it).")
        parser.add_argument("--trial-days", type=int)

    def handle(self, *args, plan=None, monthly=None, yearly=None, trial_days=None, **options):
        if plan:
            self._update(plan, monthly, yearly, trial_days)
        self.stdout.write(
            f"{'plan':<10} {'monthly price':<28} {'yearly price':<28} "
            "trial  chan  memb  posts  hooks  rss  api"
        )
        for p in Plan.objects.order_by("position", "id"):
            self.stdout.write(
                f"{p.slug:<10} {p.monthly_price_id or '-':<28} {p.yearly_price_id or '-':<28} "
                f"{p.trial_days:<6} {_limit(p.channels):<5} {_limit(p.members):<5} "
                f"{_limit(p.posts_per_month):<6} {_limit(p.webhooks):<6} "
                f"{_limit(p.rss_feeds):<4} {'yes' if p.api_access else 'no'}"
            )

    def _update(self, slug, monthly, yearly, trial_days):
        found = Plan.objects.filter(slug=slug).first()
        if found is None:
            names = ", ".join(Plan.objects.values_list("slug", flat=True))
            raise CommandError(f"No plan {slug!r}. The plans are: {names}.")
        for value in (monthly, yearly):
            if value and not value.startswith("price_"):
                raise CommandError(f"{value!r} is not a Stripe Price id (they start with price_).")
        if found.is_free and (monthly or yearly):
            raise CommandError("The free plan is never paid for; it takes no price.")
        if monthly is not None:
            found.monthly_price_id = monthly
        if yearly is not None:
            found.yearly_price_id = yearly
        if trial_days is not None:
            if trial_days < 0:
                raise CommandError("--trial-days must be 0 or more.")
            found.trial_days = trial_days
        try:
            with transaction.atomic():
                found.full_clean()
                found.save()
        except (IntegrityError, ValidationError) as error:
            raise CommandError(
                "Another plan already uses that price. Each Stripe Price belongs to one plan."
            ) from error
        self.stdout.write(self.style.SUCCESS(f"Updated {found.name}."))
