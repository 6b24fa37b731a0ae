"""Importing through the pages: a preview that names every row's problem before anything
is saved, scheduling only the good rows, never twice, in the organization's own channels."""

from datetime import UTC, datetime

import pytest
from django.urls import reverse
from pytest_httpserver import HTTPServer

from media.models import MediaFile
from posts.imports.models import ImportJob, ImportRow
from posts.models import Post, PostGroup, PostItem
from posts.states import State
from tests.factories import ChannelFactory, OrganizationFactory
from tests.posts.imports.conftest import fixture_bytes


def _rows(job):
    return {r.number: r for r in ImportRow.objects.filter(job=job)}


def _codes(row):
    return {p["code"] for p in row.problems}


def test_preview_names_each_rows_problem_and_saves_no_post(client, owner, org, channels, upload):
    client.force_login(owner)
    job = upload(client, org, fixture_bytes("errors.csv"), name="errors.csv")
    assert job.state == ImportJob.State.PREVIEWED
    rows = _rows(job)
    assert rows[2].status == ImportRow.Status.READY
    assert "channel_unknown" in _codes(rows[3])
    assert any("Acme on Myspace" in p["message"] for p in rows[3].problems)
    # X counts 280 characters: the composer's validator says so, per channel.
    assert rows[4].status == ImportRow.Status.ERROR
    assert any(p["message"].startswith("Acme on X: ") for p in rows[4].errors)
    assert "date_past" in _codes(rows[5])
    assert "zone_invalid" in _codes(rows[6])
    assert "media_unreachable" in _codes(rows[7])
    assert rows[8].status == ImportRow.Status.READY
    assert rows[9].status == ImportRow.Status.READY and "time_skipped" in _codes(rows[9])
    assert rows[10].status == ImportRow.Status.READY and "time_repeated" in _codes(rows[10])
    assert "date_required" in _codes(rows[11])
    assert not Post.objects.filter(organization=org).exists()

    page = client.get(reverse("posts:import_job", args=[org.slug, job.public_id]))
    body = page.content.decode()
    assert "Recognised as a <strong>Postiz CSV</strong>" in body
    assert "No channel “Acme on Myspace” in this organization" in body
    assert "Europe/Atlantis" in body and "Schedule 4 rows" in body


def test_scheduling_creates_only_the_good_rows_with_their_times(
    client, owner, org, channels, upload, schedule
):
    client.force_login(owner)
    job = schedule(client, upload(client, org, fixture_bytes("errors.csv")))
    assert job.state == ImportJob.State.DONE
    rows = _rows(job)
    scheduled = [n for n, r in rows.items() if r.status == ImportRow.Status.SCHEDULED]
    assert scheduled == [2, 8, 9, 10]
    groups = PostGroup.objects.filter(organization=org)
    assert groups.count() == 4
    assert set(groups.values_list("creation_method", flat=True)) == {"import"}
    gap = Post.objects.get(group=rows[9].group)
    assert gap.state == State.SCHEDULED
    assert gap.publish_at == datetime(2030, 3, 31, 1, 30, tzinfo=UTC)
    assert gap.group.timezone == "Europe/Berlin"
    assert rows[9].group.import_key == rows[9].key


def test_uploading_the_same_file_again_schedules_nothing_twice(
    client, owner, org, channels, upload, schedule
):
    client.force_login(owner)
    first = schedule(client, upload(client, org, fixture_bytes("postiz.csv")))
    assert Post.objects.filter(organization=org).count() == 4  # row 3 goes to two channels
    again = upload(client, org, fixture_bytes("postiz.csv"))
    assert again.same_file_as_id == first.pk
    assert any("already imported" in note for note in again.notes)
    assert {r.status for r in _rows(again).values()} == {ImportRow.Status.DUPLICATE}
    page = client.get(reverse("posts:import_job", args=[org.slug, again.public_id]))
    assert "Already imported on" in page.content.decode()
    assert "Schedule" not in page.content.decode().split("Rows</h2>")[1].split("<nav")[0]
    assert Post.objects.filter(organization=org).count() == 4


def test_a_row_already_imported_in_another_file_is_not_scheduled_again(
    client, owner, org, channels, upload, schedule
):
    client.force_login(owner)
    schedule(client, upload(client, org, fixture_bytes("buffer.csv")))
    data = fixture_bytes("buffer.csv") + b"A third one,,2030-04-04 09:00,acmex,\n"
    job = upload(client, org, data)
    statuses = [r.status for r in ImportRow.objects.filter(job=job).order_by("number")]
    assert statuses == ["duplicate", "duplicate", "ready"]
    schedule(client, job)
    assert PostGroup.objects.filter(organization=org).count() == 3


def test_two_confirmations_of_one_preview_schedule_once(
    client, owner, org, channels, upload, schedule
):
    client.force_login(owner)
    job = upload(client, org, fixture_bytes("buffer.csv"))
    schedule(client, job)
    schedule(client, job)
    assert PostGroup.objects.filter(organization=org).count() == 2


def test_a_same_row_twice_in_one_file_is_scheduled_once(client, owner, org, channels, upload):
    client.force_login(owner)
    line = b"Twice,acmex,2030-04-04 09:00\n"
    job = upload(client, org, b"text,channels,date\n" + line + line)
    rows = _rows(job)
    assert rows[3].status == ImportRow.Status.DUPLICATE
    assert "same post as row 2" in rows[3].problems[0]["message"]


def test_another_organizations_channel_in_a_row_is_an_unknown_channel(
    client, owner, org, channels, upload
):
    theirs = ChannelFactory(organization=OrganizationFactory(), name="Their channel")
    client.force_login(owner)
    data = (
        f"text,channels,date\nHi,Their channel,2030-04-04 09:00\nHo,{theirs.pk},2030-04-04 09:00\n"
    )
    job = upload(client, org, data.encode())
    rows = _rows(job)
    assert "channel_unknown" in _codes(rows[2])
    assert "channel_unknown" in _codes(rows[3])


def test_hootsuite_rows_go_to_the_channels_chosen_on_the_form(
    client, owner, org, mastodon, upload, schedule
):
    client.force_login(owner)
    job = upload(client, org, fixture_bytes("hootsuite.csv"), channels=[str(mastodon.pk)])
    assert job.format == "hootsuite"
    assert any("day first" in n for n in job.notes)
    schedule(client, job)
    post = Post.objects.filter(organization=org).order_by("publish_at").first()
    assert post.integration == mastodon
    # 15/03/2030 09:30 in Berlin (the form's zone), day first: 08:30 UTC.
    assert post.publish_at == datetime(2030, 3, 15, 8, 30, tzinfo=UTC)
    assert post.items.get().content == "Our new guide is out https://example.com/guide"


def test_hootsuite_rows_without_chosen_channels_say_to_choose_them(
    client, owner, org, mastodon, upload
):
    client.force_login(owner)
    job = upload(client, org, fixture_bytes("hootsuite.csv"))
    assert all("channel_required" in _codes(r) for r in _rows(job).values())
    assert (
        "choose the channels on the upload form"
        in ImportRow.objects.filter(job=job).first().problems[0]["message"]
    )


def test_buffer_tags_are_created_and_first_comments_become_the_second_item(
    client, owner, org, channels, upload, schedule
):
    client.force_login(owner)
    schedule(client, upload(client, org, fixture_bytes("buffer.csv")))
    schedule(client, upload(client, org, fixture_bytes("postiz.csv")))
    assert set(org.tags.values_list("name", flat=True)) == {"imported", "buffer", "launch", "sales"}
    comment = PostItem.objects.get(post__integration__username="@acmex", position=1)
    assert comment.content == "Details in the first comment"


def test_windows_1252_semicolon_and_bom_files_schedule_with_their_accents(
    client, owner, org, channels, upload, schedule
):
    client.force_login(owner)
    schedule(client, upload(client, org, fixture_bytes("excel_windows1252_semicolons.csv")))
    schedule(client, upload(client, org, fixture_bytes("utf8_bom.csv")))
    texts = set(PostItem.objects.values_list("content", flat=True))
    assert "Café crème à 8 € seulement" in texts
    assert "Ünïcödé with a byte-order mark\r\nand a second line, with a comma" in texts
    evening = Post.objects.get(items__content="Déjà vu, encore")
    assert evening.publish_at == datetime(2030, 6, 3, 19, 15, tzinfo=UTC)  # 21:15 Paris


def test_media_addresses_are_fetched_into_the_library_and_attached(
    client, owner, org, channels, upload, schedule, httpserver: HTTPServer
):
    png = (
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00"
        b"\x00\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x04\x00\x09\xfb\x03\xfd"
        b"\xe3U\xf2\x9c\x00\x00\x00\x00IEND\xaeB`\x82"
    )
    httpserver.expect_request("/pic.png").respond_with_data(png, content_type="image/png")
    url = httpserver.url_for("/pic.png")
    client.force_login(owner)
    data = f"text,channels,date,media\nWith a picture,Acme on Mastodon,2030-04-04 09:00,{url}\n"
    job = schedule(client, upload(client, org, data.encode()))
    row = ImportRow.objects.get(job=job)
    assert row.status == ImportRow.Status.SCHEDULED, row.problems
    attachment = PostItem.objects.get(post__group=row.group).attachments.get()
    assert attachment.media.source_url == url
    # A second file naming the same address reuses the library's copy.
    upload(client, org, data.replace("With a", "Again with a").encode())
    assert MediaFile.objects.filter(organization=org).count() == 1


def test_a_ten_thousand_row_file_is_previewed_row_by_row(client, owner, org, mastodon, upload):
    lines = ["text,channels,date,time,timezone"]
    for n in range(10_000):
        day, at = f"2030-01-{n % 28 + 1:02d}", f"{n % 24:02d}:{n % 60:02d}"
        text = "x" * 501 if n % 1000 == 7 else f"Post number {n}"  # Mastodon counts 500
        lines.append(f"{text},Acme on Mastodon,{day},{at},UTC")
    client.force_login(owner)
    job = upload(client, org, "\n".join(lines).encode())
    assert job.state == ImportJob.State.PREVIEWED
    assert job.progress_total == 10_000 and job.percent == 100
    rows = ImportRow.objects.filter(job=job)
    assert rows.count() == 10_000
    assert set(rows.filter(status="error").values_list("number", flat=True)) == {
        n + 2 for n in range(10_000) if n % 1000 == 7
    }
    assert not Post.objects.filter(organization=org).exists()


def test_a_file_is_previewed_and_scheduled_in_several_worker_jobs(
    client, owner, org, mastodon, upload, schedule, monkeypatch
):
    """Each job stops after its time (here: after every batch) and the next one goes on
    where it stopped; the result is the same as in one job."""
    from posts.imports import services

    monkeypatch.setattr(services, "WORK_SECONDS", 0)
    monkeypatch.setattr(services, "SCHEDULE_BATCH", 7)
    lines = ["text,channels,date"] + [
        f"Post {n},Acme on Mastodon,2030-02-01 {n % 24:02d}:{n % 60:02d}" for n in range(250)
    ]
    lines.append(lines[5])  # a repeat, in a later job than its first
    client.force_login(owner)
    job = upload(client, org, "\n".join(lines).encode())
    assert job.state == ImportJob.State.PREVIEWED
    assert ImportRow.objects.filter(job=job, status="ready").count() == 250
    assert ImportRow.objects.get(job=job, number=252).status == ImportRow.Status.DUPLICATE
    job = schedule(client, job)
    assert job.state == ImportJob.State.DONE and job.percent == 100
    assert Post.objects.filter(organization=org).count() == 250


def test_status_answers_the_progress_the_page_polls(client, owner, org, channels, upload):
    client.force_login(owner)
    job = upload(client, org, fixture_bytes("buffer.csv"))
    answer = client.get(reverse("posts:import_status", args=[org.slug, job.public_id])).json()
    assert answer == {
        "state": "previewed",
        "state_label": "Ready to schedule",
        "done": 2,
        "total": 2,
        "percent": 100,
        "running": False,
    }


def test_an_unreadable_file_says_why_on_its_page(client, owner, org, upload):
    client.force_login(owner)
    job = upload(client, org, b"foo,bar\n1,2\n")
    assert job.state == ImportJob.State.FAILED
    page = client.get(reverse("posts:import_job", args=[org.slug, job.public_id]))
    assert "The columns were not recognised" in page.content.decode()


def test_preview_page_reads_a_fixed_number_of_queries(
    client, owner, org, channels, upload, django_assert_max_num_queries
):
    client.force_login(owner)
    job = upload(client, org, fixture_bytes("errors.csv"))
    with django_assert_max_num_queries(10):
        client.get(reverse("posts:import_job", args=[org.slug, job.public_id]))


# -- Who may ---------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["import", "export"])
def test_outsider_gets_404_on_import_and_export_pages(client, outsider, org, name):
    client.force_login(outsider)
    assert client.get(reverse(f"posts:{name}", args=[org.slug])).status_code == 404


def test_viewer_may_export_but_not_import(client, viewer, org):
    client.force_login(viewer)
    assert client.get(reverse("posts:import", args=[org.slug])).status_code == 403
    assert client.get(reverse("posts:export", args=[org.slug])).status_code == 200


def test_another_organizations_import_is_not_found(client, owner, org, channels, upload):
    client.force_login(owner)
    job = upload(client, org, fixture_bytes("buffer.csv"))
    other = OrganizationFactory()
    from tests.factories import MembershipFactory

    stranger = MembershipFactory(organization=other, role="owner").user
    client.force_login(stranger)
    for name in ("import_job", "import_status"):
        url = reverse(f"posts:{name}", args=[other.slug, job.public_id])
        assert client.get(url).status_code == 404
    url = reverse("posts:import_schedule", args=[other.slug, job.public_id])
    assert client.post(url).status_code == 404
    job.refresh_from_db()
    assert job.state == ImportJob.State.PREVIEWED


def test_viewer_cannot_schedule_an_import(client, viewer, owner, org, channels, upload):
    client.force_login(owner)
    job = upload(client, org, fixture_bytes("buffer.csv"))
    client.force_login(viewer)
    url = reverse("posts:import_schedule", args=[org.slug, job.public_id])
    assert client.post(url).status_code == 403
    assert not Post.objects.filter(organization=org).exists()


def test_two_uploads_previewed_together_and_both_confirmed_schedule_each_row_once(
    client, owner, org, channels, upload, schedule
):
    client.force_login(owner)
    first = upload(client, org, fixture_bytes("buffer.csv"))
    second = upload(client, org, fixture_bytes("buffer.csv"))
    assert {r.status for r in _rows(second).values()} == {ImportRow.Status.READY}
    schedule(client, first)
    second = schedule(client, second)
    assert {r.status for r in _rows(second).values()} == {ImportRow.Status.DUPLICATE}
    assert "another upload" in _rows(second)[2].problems[-1]["message"]
    assert PostGroup.objects.filter(organization=org).count() == 2


def test_imports_older_than_thirty_days_are_pruned_but_their_rows_stay_imported(
    client, owner, org, channels, upload, schedule
):
    from datetime import timedelta

    from django.utils import timezone

    from posts.imports.tasks import prune

    client.force_login(owner)
    old = schedule(client, upload(client, org, fixture_bytes("buffer.csv")))
    ImportJob.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=31))
    recent = upload(client, org, fixture_bytes("postiz.csv"))
    assert prune() == 1
    assert list(ImportJob.objects.values_list("pk", flat=True)) == [recent.pk]
    again = upload(client, org, fixture_bytes("buffer.csv"))
    assert {r.status for r in _rows(again).values()} == {ImportRow.Status.DUPLICATE}
