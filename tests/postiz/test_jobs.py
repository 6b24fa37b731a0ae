from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_q.models import Schedule

from postiz.models import WorkerHeartbeat
from postiz.schedules import SCHEDULES, install_schedules
from postiz.tasks import heartbeat

pytestmark = pytest.mark.django_db


def test_installing_periodic_jobs_twice_leaves_one_row_per_declared_job():
    install_schedules()
    install_schedules()

    for entry in SCHEDULES:
        rows = Schedule.objects.filter(name=entry["name"])
        assert rows.count() == 1
        assert rows.get().func == entry["func"]


def test_installing_periodic_jobs_repairs_a_changed_job():
    name = SCHEDULES[0]["name"]
    Schedule.objects.filter(name=name).update(func="postiz.tasks.gone", repeats=0)

    install_schedules()

    job = Schedule.objects.get(name=name)
    assert (job.func, job.repeats) == (SCHEDULES[0]["func"], -1)


def test_installing_periodic_jobs_removes_our_stale_jobs_and_keeps_an_operators():
    Schedule.objects.create(name="postiz.retired_job", func="postiz.tasks.retired")
    Schedule.objects.create(name="posts.retired_job", func="posts.tasks.retired")
    Schedule.objects.create(name="nightly backup", func="ops.tasks.backup")

    count = install_schedules()

    names = set(Schedule.objects.values_list("name", flat=True))
    assert names == {entry["name"] for entry in SCHEDULES} | {"nightly backup"}
    assert count == len(SCHEDULES)


def test_setup_schedules_command_installs_the_declared_jobs():
    Schedule.objects.all().delete()

    out = StringIO()
    call_command("setup_schedules", stdout=out)

    assert Schedule.objects.count() == len(SCHEDULES)
    assert f"{len(SCHEDULES)} periodic job(s) installed." in out.getvalue()


def test_the_heartbeat_job_updates_a_single_row():
    heartbeat()
    first = WorkerHeartbeat.objects.get().beat_at

    heartbeat()

    assert WorkerHeartbeat.objects.count() == 1
    row = WorkerHeartbeat.objects.get()
    assert row.name == "worker"
    assert first <= row.beat_at <= timezone.now()


def test_models_and_migrations_agree():
    # Exits (SystemExit) when a model change has no migration.
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)
