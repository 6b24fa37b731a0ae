"""How fast the calendar's week and month pages render, and whether their query count stays
flat as posts pile up.

    .venv/bin/python bench/calendar.py [--posts 10000] [--channels 20] [--runs 60]

One organization gets ``--posts`` posts over ``--channels`` channels (four customers),
spread over about four months, in every state the calendar draws. The week and month
views of a busy week are rendered through Django's test Client (the whole request: session,
tenancy, query, template), ``--runs`` times each after a warm-up; the time is measured
around each request. The query count of each view is taken with 0, 100 and all the posts.
Prints one line:

    BENCH calendar week_p50_ms=… month_p50_ms=… week_queries=a/b/c month_queries=a/b/c
        week_cpu_ms=app+db month_cpu_ms=app+db week_kb=… month_kb=… load=… posts=…

The p50 is wall-clock time and suffers from whatever else the machine runs; the CPU time
per request does not: ``app`` is this process (time.process_time: Django, the template,
the test Client), ``db`` the PostgreSQL backend serving its connection (from /proc; 0 when
the server is elsewhere). ``week_kb`` and ``month_kb`` are each page's HTML as sent
(thousands of bytes, before any compression). ``load`` is the 1-minute load average when
the line is printed.

The embedded PostgreSQL server lives in var/bench-calendar (POSTIZ_VAR_DIR), so var/ is
untouched; the data goes into a throwaway database that is dropped at the end.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# This file is named like the standard library's calendar module: take bench/ off the path
# before anything imports ``calendar``, and put the project first.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
sys.path.insert(0, str(ROOT))

import argparse  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402
from datetime import date, datetime, timedelta  # noqa: E402

STATES = ["scheduled"] * 12 + ["published"] * 5 + ["draft", "failed", "unconfirmed", "missed"]


def create_posts(organization, channels, count: int, first_day: date, days: int, offset: int):
    """``count`` posts with a root item, spread evenly over ``days`` days from ``first_day``."""
    from zoneinfo import ZoneInfo

    from posts.models import Post, PostGroup, PostItem

    utc = ZoneInfo("UTC")
    start = datetime.combine(first_day, datetime.min.time(), tzinfo=utc)
    step = timedelta(days=days) / max(count, 1)
    groups = PostGroup.objects.bulk_create(
        PostGroup(organization=organization) for _ in range(count)
    )
    posts = Post.objects.bulk_create(
        Post(
            organization=organization,
            group=groups[n],
            integration=channels[(n + offset) % len(channels)],
            state=STATES[(n + offset) % len(STATES)],
            publish_at=start + step * n + timedelta(minutes=(n * 7) % 60),
        )
        for n in range(count)
    )
    PostItem.objects.bulk_create(
        PostItem(
            post=post,
            position=0,
            content=f"Post number {offset + n}: a first line people read\nand a second line",
        )
        for n, post in enumerate(posts)
    )


def backend_cpu(pid: int) -> float:
    """Seconds of CPU the PostgreSQL backend serving this connection has used (0 where
    /proc cannot say, e.g. a server on another machine)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--posts", type=int, default=10_000)
    parser.add_argument("--channels", type=int, default=20)
    parser.add_argument("--runs", type=int, default=60)
    args = parser.parse_args()

    os.environ.setdefault("POSTIZ_VAR_DIR", str(ROOT / "var" / "bench-calendar"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "postiz.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    # Measured as production runs: no query log kept per request, whatever a local .env says
    # (the environment wins over .env). The cached template loader is on either way.
    os.environ["DEBUG"] = "false"
    import django

    django.setup()
    # Not setup_test_environment(): its instrumented template rendering copies the context
    # on every include and would be measured too. Only what the test Client needs: its
    # host name; and static files served from the source tree (no collectstatic manifest).
    from django.conf import settings
    from django.db import connection
    from django.test import Client, override_settings
    from django.test.utils import CaptureQueriesContext

    storages = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    override_settings(
        STORAGES=storages, ALLOWED_HOSTS=[*settings.ALLOWED_HOSTS, "testserver"]
    ).enable()
    # A throwaway database, migrated, dropped in the ``finally`` below.
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        from integrations.models import Customer, Integration
        from organizations.models import Membership, Organization
        from organizations.permissions import Role
        from tests.factories import UserFactory

        organization = Organization.objects.create(
            name="Bench", slug="bench", timezone="America/New_York"
        )
        user = UserFactory(timezone="America/New_York")
        Membership.objects.create(organization=organization, user=user, role=Role.OWNER)
        customers = [
            Customer.objects.create(organization=organization, name=f"Customer {n}")
            for n in range(4)
        ]
        channels = Integration.objects.bulk_create(
            Integration(
                organization=organization,
                provider="mastodon",
                external_id=str(n),
                name=f"Channel {n}",
                customer=customers[n % len(customers)] if n % 5 else None,
                avatar_url="" if n % 2 else f"https://cdn.example/avatar/{n}.png",
                credentials={"access_token": f"bench-{n}"},
                meta={"instance": "https://social.example", "account_id": str(n)},
            )
            for n in range(args.channels)
        )

        first_day = date(2026, 3, 2)  # a Monday; four months of posts from here
        days = 120
        anchor = (first_day + timedelta(days=days // 2)).isoformat()
        client = Client()
        client.force_login(user)
        urls = {
            "week": f"/o/{organization.slug}/calendar/?view=week&date={anchor}",
            "month": f"/o/{organization.slug}/calendar/?view=month&date={anchor}",
        }

        def queries(url: str) -> int:
            client.get(url)  # the session and the template cache settle first
            with CaptureQueriesContext(connection) as captured:
                response = client.get(url)
            assert response.status_code == 200, response.status_code
            return len(captured)

        counts = {name: [] for name in urls}
        created = 0
        for total in (0, 100, args.posts):
            create_posts(organization, channels, total - created, first_day, days, created)
            created = total
            for name, url in urls.items():
                counts[name].append(queries(url))

        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")  # as autovacuum would leave a settled table
            cursor.execute("SELECT pg_backend_pid()")
            backend = cursor.fetchone()[0]
        timings, cpu, db_cpu, sizes = {}, {}, {}, {}
        for name, url in urls.items():
            for _ in range(5):
                client.get(url)
            samples = []
            cpu_started, db_started = time.process_time(), backend_cpu(backend)
            for _ in range(args.runs):
                started = time.perf_counter()
                response = client.get(url)
                samples.append((time.perf_counter() - started) * 1000)
                assert response.status_code == 200
            cpu[name] = (time.process_time() - cpu_started) * 1000 / args.runs
            db_cpu[name] = (backend_cpu(backend) - db_started) * 1000 / args.runs
            timings[name] = statistics.median(samples)
            sizes[name] = len(response.content) / 1000
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)

    load = Path("/proc/loadavg").read_text().split()[0] if Path("/proc/loadavg").exists() else "?"
    print(
        f"BENCH calendar week_p50_ms={timings['week']:.1f} "
        f"month_p50_ms={timings['month']:.1f} "
        f"week_queries={'/'.join(map(str, counts['week']))} "
        f"month_queries={'/'.join(map(str, counts['month']))} "
        f"week_cpu_ms={cpu['week']:.1f}+{db_cpu['week']:.1f} "
        f"month_cpu_ms={cpu['month']:.1f}+{db_cpu['month']:.1f} "
        f"week_kb={sizes['week']:.0f} month_kb={sizes['month']:.0f} "
        f"load={load} posts={args.posts}"
    )
    flat = all(len(set(values)) == 1 for values in counts.values())
    return 0 if flat else 1


if __name__ == "__main__":
    sys.exit(main())
