"""An import's row notes are written by the worker and read by each member in their own
language; the API keeps the English message."""

import html as html_lib

import pytest
from django.urls import reverse

from organizations.permissions import Role
from posts.imports.models import ImportRow
from tests.factories import MembershipFactory
from tests.posts.imports.conftest import fixture_bytes

pytestmark = pytest.mark.django_db


def test_row_notes_are_read_in_each_members_language(client, owner, org, channels, upload):
    french = MembershipFactory(organization=org, role=Role.ADMIN).user
    french.language = "fr"
    french.save(update_fields=["language"])
    owner.language = "en"
    owner.save(update_fields=["language"])
    client.force_login(owner)
    job = upload(client, org, fixture_bytes("errors.csv"), name="errors.csv")
    row = ImportRow.objects.get(job=job, number=3)
    unknown = next(p for p in row.problems if p["code"] == "channel_unknown")
    assert unknown["message"].startswith("No channel “Acme on Myspace” in this organization")

    url = reverse("posts:import_job", args=[org.slug, job.public_id])
    english = html_lib.unescape(client.get(url).content.decode())
    client.force_login(french)
    in_french = html_lib.unescape(client.get(url).content.decode())

    assert "No channel “Acme on Myspace” in this organization" in english
    assert "Aucun canal « Acme on Myspace » dans cette organisation" in in_french
    assert "No channel “Acme on Myspace”" not in in_french


def test_file_notes_and_a_file_that_cannot_be_read_follow_the_readers_language(
    client, owner, org, channels, upload
):
    french = MembershipFactory(organization=org, role=Role.ADMIN).user
    french.language = "fr"
    french.save(update_fields=["language"])
    client.force_login(owner)
    semicolons = upload(client, org, b"text;date;time\nHello;2030-01-01;10:00\n")
    unreadable = upload(client, org, b" , \n ,\n")
    assert semicolons.notes[1] == "Columns are separated by semicolons."
    assert unreadable.error == "The file has no rows."

    client.force_login(french)

    def seen(job):
        url = reverse("posts:import_job", args=[org.slug, job.public_id])
        return html_lib.unescape(client.get(url).content.decode())

    assert "Les colonnes sont séparées par des points-virgules." in seen(semicolons)
    assert "Le fichier ne contient aucune ligne." in seen(unreadable)


def test_the_worker_checks_rows_in_the_language_of_who_uploaded_the_file(
    client, org, channels, upload
):
    from django.utils import translation

    from posts.imports.models import ImportJob
    from posts.imports.services import import_job_preview

    french = MembershipFactory(organization=org, role=Role.ADMIN).user
    french.language = "fr"
    french.save(update_fields=["language"])
    client.force_login(french)
    job = upload(client, org, fixture_bytes("errors.csv"), name="errors.csv")
    # Checked again by a worker, where no request chose a language.
    ImportRow.objects.filter(job=job).delete()
    ImportJob.objects.filter(pk=job.pk).update(state=ImportJob.State.UPLOADED)
    with translation.override("en"):
        import_job_preview(job_id=job.pk)

    too_long = ImportRow.objects.get(job=job, number=4)
    messages = " ".join(p["message"] for p in too_long.problems)
    assert "caractères" in messages, messages
