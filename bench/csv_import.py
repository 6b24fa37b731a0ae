"""A 10,000-row CSV import: the preview and the scheduling, as the worker runs them.

    .venv/bin/python bench/csv_import.py [--rows 10000] [--channels 2] [--profile]

One organization with ``--channels`` Mastodon channels; a file of ``--rows`` rows in our
own columns (each row to one channel, a time in 2030 in Europe/Berlin, a tag, a first
comment on every fifth row) is uploaded through the service, then the two worker jobs
(``posts.imports.tasks.preview`` and ``.schedule``) run in this process one after the
other (each job stops after about a minute; the next is run at once). Prints one line:

    BENCH csv_import rows=… preview_s=… schedule_s=… peak_rss_mb=… scheduled=…

``peak_rss_mb`` is this process's peak resident memory (the worker's, as it would be
after both jobs). The database lives in var/bench-csv (POSTIZ_VAR_DIR).
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import resource
import sys
import time
from pathlib import Path

sys.path[0] = str(Path(__file__).resolve().parent.parent)
from bench import _common  # noqa: E402


def make_file(rows: int, channels: list[str]) -> bytes:
    lines = ["text,channels,date,time,timezone,tags,first_comment"]
    for n in range(rows):
        day = f"2030-{n % 12 + 1:02d}-{n % 28 + 1:02d}"
        at = f"{n % 24:02d}:{n % 60:02d}"
        comment = f"More about {n}" if n % 5 == 0 else ""
        lines.append(
            f'"Post number {n}, with a line\nand a second",{channels[n % len(channels)]},'
            f"{day},{at},Europe/Berlin,bench,{comment}"
        )
    return "\n".join(lines).encode()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--channels", type=int, default=2)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    _common.configure("bench-csv", "http://127.0.0.1:9")
    _common.reset_database()

    from django.db import connection

    from integrations.models import Integration
    from organizations.models import Organization
    from posts.imports import tasks
    from posts.imports.models import ImportJob, ImportRow
    from posts.imports.services import import_job_confirm, import_job_create
    from posts.models import Tag

    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE posts_importjob, posts_importrow RESTART IDENTITY CASCADE")
    Tag.objects.all().delete()
    organization, _ = Organization.objects.get_or_create(slug="bench", defaults={"name": "Bench"})
    names = []
    for n in range(args.channels):
        channel = Integration.objects.create(
            organization=organization,
            provider="mastodon",
            external_id=f"csv-{n}",
            name=f"Bench channel {n}",
            credentials={"access_token": "t"},
            meta={"instance": "https://social.example", "account_id": str(n)},
        )
        names.append(channel.name)
    data = make_file(args.rows, names)
    # The worker's jobs are run here, not queued: the bench times them, not the queue.
    from unittest import mock

    with mock.patch("posts.imports.services._enqueue"):
        job = import_job_create(
            organization=organization, actor=None, data=data, filename="bench.csv"
        )
    profile = cProfile.Profile() if args.profile else None

    def timed(call):
        start = time.perf_counter()
        if profile:
            profile.enable()
        call()
        if profile:
            profile.disable()
        return time.perf_counter() - start

    def until_done(task, waiting):
        # A job stops after about a minute and queues the rest (patched out here): run
        # the next one at once, as an idle worker would.
        def run():
            while ImportJob.objects.filter(pk=job.pk, state__in=waiting).exists():
                task(job.pk)

        return run

    preview_s = timed(until_done(tasks.preview, ["uploaded", "previewing"]))
    job.refresh_from_db()
    assert job.state == ImportJob.State.PREVIEWED, (job.state, job.error)
    with mock.patch("posts.imports.services._enqueue"):
        assert import_job_confirm(job=job, actor=None)
    schedule_s = timed(until_done(tasks.schedule, ["scheduling"]))
    scheduled = ImportRow.objects.filter(job=job, status=ImportRow.Status.SCHEDULED).count()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    if profile:
        pstats.Stats(profile, stream=sys.stderr).sort_stats("cumulative").print_stats(
            r"posts|integrations|media|billing", 60
        )
    print(
        f"BENCH csv_import rows={args.rows} preview_s={preview_s:.1f} "
        f"schedule_s={schedule_s:.1f} peak_rss_mb={peak:.0f} scheduled={scheduled}"
    )


if __name__ == "__main__":
    main()
