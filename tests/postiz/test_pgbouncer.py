"""Behind PgBouncer in transaction mode (Debian's pgbouncer, started on 127.0.0.1): the web,
the API and the worker work through it with POSTIZ_DB_PREPARED=0; the webhook sending job
stays one at a time (a lease row, not a session lock); the publisher, which holds its
claims with session locks, refuses such a connection and runs on
POSTIZ_PUBLISHER_DATABASE_URL.

The processes are real ones configured as production would be (DATABASE_URL through the
pooler); the test commits its rows so they see them. Without pgbouncer these are skipped
with the reason (they fail under POSTIZ_REQUIRE_PEERS, as in CI)."""

import json
import subprocess
import sys
import time
from datetime import timedelta

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone
from werkzeug import Response

from integrations.models import Integration
from posts import publisher
from posts.models import Post, WebhookDelivery
from posts.publisher import POOLED_ERROR
from posts.services.webhooks import DRAIN_LOCK
from posts.states import State
from tests.api.helpers import make_key
from tests.peers import pgbouncer
from tests.posts.helpers import make_post, status
from tests.posts.test_publisher import Process, _database_url, _wait_for
from tests.posts.test_webhooks import make_hook

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(scope="module")
def bouncer(django_db_setup, django_db_blocker):
    """PgBouncer in front of the test database; yields its DATABASE_URL."""
    database = dict(connection.settings_dict)
    with pgbouncer.pgbouncer(database) as port:
        yield pgbouncer.url(database, port)


@pytest.fixture(scope="module")
def one_server_connection(django_db_setup, django_db_blocker):
    """PgBouncer giving every client the same single server connection, in turn."""
    database = dict(connection.settings_dict)
    with pgbouncer.pgbouncer(database, pool_size=1) as port:
        yield pgbouncer.url(database, port)


@pytest.fixture
def mastodon(org, httpserver):
    return Integration.objects.create(
        organization=org,
        provider="mastodon",
        external_id="109",
        name="Acme on Mastodon",
        credentials={"access_token": "pooled-token"},
        meta={"instance": httpserver.url_for("").rstrip("/"), "account_id": "109"},
    )


def _run(script: str, database_url: str, *args, timeout: float = 90) -> dict:
    """``script`` in a process of its own whose database is ``database_url`` (prepared
    statements off, as behind a pooler in transaction mode); returns what it printed last
    (JSON)."""
    env = {
        **__import__("os").environ,
        "DJANGO_SETTINGS_MODULE": "postiz.settings",
        "DATABASE_URL": database_url,
        "POSTIZ_DB_PREPARED": "0",
        "POSTIZ_ALLOW_PRIVATE_URLS": "1",
    }
    result = subprocess.run(
        [sys.executable, "-c", script, *args],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-4000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


WEB_AND_JOBS = r"""
import json, sys
import django
django.setup()
from django.db import connection
from django.test import Client
from django.conf import settings
from django.test.utils import override_settings, setup_test_environment

setup_test_environment()
# Static files are not collected here: their plain storage (the manifest is no concern).
plain = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
override_settings(STORAGES={**settings.STORAGES, "staticfiles": plain}).enable()
args = json.loads(sys.argv[1])
out = {"server_side_cursors": not connection.settings_dict["DISABLE_SERVER_SIDE_CURSORS"],
       "prepared": "prepare_threshold" in connection.settings_dict.get("OPTIONS", {})}
from accounts.models import User

web = Client()
web.force_login(User.objects.get(pk=args["user"]))
out["page"] = web.get(f"/o/{args['slug']}/calendar/").status_code
api = Client(HTTP_AUTHORIZATION=args["key"])
window = {"startDate": args["start"], "endDate": args["end"]}
out["compat"] = [api.get("/public/v1/posts", window).status_code for _ in range(3)]
out["compat_posts"] = len(api.get("/public/v1/posts", window).json()["posts"])
native = Client(HTTP_AUTHORIZATION="Bearer " + args["key"])
out["native"] = native.get("/api/v1/posts").status_code

from integrations import services as channels
from posts import tasks

out["sweep"] = tasks.sweep()
out["webhooks"] = tasks.deliver_webhooks()
out["pictures"] = channels.channels_missing_pictures(limit=10)  # iterates (.iterator())
print(json.dumps(out, default=str))
"""


def test_pages_the_api_and_the_worker_jobs_work_through_pgbouncer_in_transaction_mode(
    bouncer, org, owner, mastodon, httpserver
):
    httpserver.expect_request("/hook", method="POST").respond_with_data("ok")
    hook = make_hook(org, httpserver.url_for("/hook"))
    delivery = WebhookDelivery.objects.create(
        webhook=hook,
        event="post.published",
        event_id="2f0c3d9a-8a63-4d1e-9a4f-0d7c1f3e5b21",
        payload={"event": "post.published"},
        next_attempt_at=timezone.now(),
    )
    later = make_post(mastodon, "in the list", due=timezone.now() + timedelta(days=1))
    missed = make_post(mastodon, "due while we were down", due=timezone.now() - timedelta(hours=3))
    _, key = make_key(org, actor=owner)
    day = timezone.now().date()
    args = {
        "user": owner.pk,
        "slug": org.slug,
        "key": key,
        "start": f"{day - timedelta(days=1)}T00:00:00Z",
        "end": f"{day + timedelta(days=3)}T00:00:00Z",
    }

    out = _run(WEB_AND_JOBS, bouncer, json.dumps(args))

    assert out["server_side_cursors"] is False and out["prepared"] is False
    assert out["page"] == 200
    assert out["compat"] == [200, 200, 200] and out["compat_posts"] == 2  # both posts in the window
    assert out["native"] == 200
    assert out["sweep"]["missed"] == 1
    assert out["webhooks"] == 1
    assert Post.objects.get(pk=missed.pk).state == State.MISSED
    assert Post.objects.get(pk=later.pk).state == State.SCHEDULED
    assert WebhookDelivery.objects.get(pk=delivery.pk).state == "delivered"
    assert len(httpserver.log) == 1


TWO_SENDING_JOBS = r"""
import json, threading, time
import django
django.setup()
from django.db import connection
from django.utils import timezone
from postiz.models import Lease
from posts.services import webhooks

first = []

def job():
    try:
        first.append(webhooks.deliveries_send_due(concurrency=1))
    finally:
        connection.close()

thread = threading.Thread(target=job)
thread.start()
deadline = time.monotonic() + 20
while not Lease.objects.filter(name=webhooks.DRAIN_LOCK, expires_at__gt=timezone.now()).exists():
    assert time.monotonic() < deadline, "the first job never took the lease"
    time.sleep(0.02)
second = webhooks.deliveries_send_due(concurrency=1)
thread.join()
print(json.dumps({"first": first[0], "second": second}))
"""


def test_one_webhook_sending_job_at_a_time_even_when_every_client_shares_one_server_connection(
    one_server_connection, org, httpserver
):
    # A session lock would be taken and found on the one server connection both jobs use
    # in turn, and so be granted to both; the lease row is not.
    httpserver.expect_request("/hook", method="POST").respond_with_handler(
        lambda request: time.sleep(1.5) or Response("ok")
    )
    hook = make_hook(org, httpserver.url_for("/hook"))
    for n in range(3):
        WebhookDelivery.objects.create(
            webhook=hook,
            event="post.published",
            event_id=f"2f0c3d9a-8a63-4d1e-9a4f-0d7c1f3e5b2{n}",
            payload={"n": n},
            next_attempt_at=timezone.now() - timedelta(seconds=1),
        )

    out = _run(TWO_SENDING_JOBS, one_server_connection)

    assert out == {"first": 3, "second": 0}
    assert set(WebhookDelivery.objects.values_list("state", flat=True)) == {"delivered"}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT holder, expires_at <= now() FROM postiz_lease WHERE name = %s", [DRAIN_LOCK]
        )
        assert cursor.fetchone()[1] is True  # given back


def _wrapper(database_url: str):
    """A Django connection to ``database_url`` beside the test's own."""
    import environ
    from django.db.backends.postgresql.base import DatabaseWrapper

    config = environ.Env.db_url_config(database_url)
    return DatabaseWrapper(
        {**connection.settings_dict, **config, "OPTIONS": config.get("OPTIONS", {})},
        alias="pooled",
    )


def test_the_publisher_tells_a_pooler_in_transaction_mode_from_a_session_and_a_direct_one(
    bouncer,
):
    session_mode = bouncer.rsplit("/", 1)[0] + "/" + pgbouncer.SESSION_MODE
    assert publisher.pooled_in_transactions(using=_wrapper(bouncer)) is True
    assert publisher.pooled_in_transactions(using=_wrapper(session_mode)) is False
    assert publisher.pooled_in_transactions(using=_wrapper(_database_url())) is False


def test_a_publisher_reaching_the_database_through_a_transaction_pooler_refuses_to_run(
    bouncer, client, tmp_path
):
    started = Process(
        [sys.executable, "manage.py", "publisher"],
        {"DATABASE_URL": bouncer, "POSTIZ_DB_PREPARED": "0", "POSTIZ_PUBLISHERS": "1"},
        tmp_path / "publisher.log",
    )
    try:
        started.process.wait(timeout=60)
    finally:
        started.kill()
    assert started.process.returncode == 2
    assert "POSTIZ_PUBLISHER_DATABASE_URL" in started.log
    publisher_part = client.get("/health").json()["publisher"]
    assert publisher_part["ok"] is False and publisher_part["error"] == POOLED_ERROR


def test_the_publisher_runs_on_its_own_database_url_while_the_others_go_through_pgbouncer(
    bouncer, mastodon, httpserver, tmp_path
):
    httpserver.expect_request("/api/v1/statuses", method="POST").respond_with_json(status("7"))
    started = Process(
        [sys.executable, "manage.py", "publisher"],
        {
            "DATABASE_URL": bouncer,
            "POSTIZ_DB_PREPARED": "0",
            "POSTIZ_PUBLISHER_DATABASE_URL": _database_url(),
            "POSTIZ_ALLOW_PRIVATE_URLS": "1",
            "POSTIZ_PUBLISHERS": "1",
        },
        tmp_path / "publisher.log",
    )
    try:
        started.loops(1)
        post = make_post(mastodon, "through its own connection")
        _wait_for(
            lambda: Post.objects.get(pk=post.pk).state == State.PUBLISHED,
            30,
            f"the post published\n{started.log}",
        )
        assert started.stop() < 5
    finally:
        started.kill()
    assert "transaction mode" not in started.log


def test_a_worker_started_on_pgbouncer_runs_the_jobs_queued_through_it(
    bouncer, org, httpserver, tmp_path
):
    httpserver.expect_request("/hook", method="POST").respond_with_data("ok")
    hook = make_hook(org, httpserver.url_for("/hook"))
    delivery = WebhookDelivery.objects.create(
        webhook=hook,
        event="post.published",
        event_id="0c1d2e3f-4a5b-4c6d-8e7f-8091a2b3c4d5",
        payload={"event": "post.published"},
        next_attempt_at=timezone.now() - timedelta(seconds=1),
    )
    worker = Process(
        [sys.executable, "manage.py", "qcluster"],
        {"DATABASE_URL": bouncer, "POSTIZ_DB_PREPARED": "0", "POSTIZ_ALLOW_PRIVATE_URLS": "1"},
        tmp_path / "worker.log",
    )
    try:
        # Queued the way the web queues it (django-q2's ORM broker), through the pooler.
        _run(
            "import django, json; django.setup(); from django_q.tasks import async_task; "
            "print(json.dumps(async_task('posts.tasks.deliver_webhooks')))",
            bouncer,
        )
        _wait_for(
            lambda: WebhookDelivery.objects.get(pk=delivery.pk).state == "delivered",
            60,
            f"the delivery sent by the worker\n{worker.log}",
        )
    finally:
        worker.kill()
    assert len(httpserver.log) == 1


def test_without_pgbouncer_these_tests_fail_where_every_peer_must_run(monkeypatch):
    monkeypatch.setattr(pgbouncer, "binary", lambda: None)
    monkeypatch.setenv("POSTIZ_REQUIRE_PEERS", "1")
    starting = pgbouncer.pgbouncer(dict(connection.settings_dict))
    with pytest.raises(pytest.fail.Exception, match="apt-get install pgbouncer"):
        starting.__enter__()
