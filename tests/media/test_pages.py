"""The media pages: library, uploads, detail panel, delete warning, picker; sealed per
organization and per role."""

import json
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from integrations.models import Integration
from media.models import MediaFile
from media.services import media_upload
from organizations.models import AuditEvent
from posts.models import PostItemMedia
from posts.states import State
from tests.factories import OrganizationFactory
from tests.media import files
from tests.posts.helpers import make_post


def url(name, org, *args):
    return reverse(f"media:{name}", args=[org.slug, *args])


def stored(org, user, name="photo.png", data=None):
    return media_upload(organization=org, actor=user, file=data or files.png(), filename=name)


def rows(org, count, **fields):
    """Library rows without bytes, for listing tests."""
    return MediaFile.objects.bulk_create(
        MediaFile(
            organization=org,
            name=f"file {n:02d}.png",
            kind=fields.get("kind", "image"),
            mime_type=fields.get("mime_type", "image/png"),
            size=1000,
            width=10,
            height=10,
            file=f"org/{org.pk}/f{n}.png",
            thumbnail=f"org/{org.pk}/thumbs/f{n}.webp",
        )
        for n in range(count)
    )


# -- The library ------------------------------------------------------------------------
def test_empty_library_says_so_and_offers_upload(org, editor, client_for):
    response = client_for(editor).get(url("library", org))
    assert response.status_code == 200
    assert "Your library is empty" in response.text
    assert 'name="file" multiple' in response.text
    assert "Storage used" in response.text


def test_viewer_sees_the_library_without_upload_controls(org, viewer, editor, client_for):
    stored(org, editor, "brand.png")
    response = client_for(viewer).get(url("library", org))
    assert "brand.png" in response.text
    assert "data-media-dropzone" not in response.text


def test_library_shows_facts_and_times_in_the_viewers_zone(org, editor, client_for):
    media = stored(org, editor, "team photo.jpg", files.jpeg(800, 600))
    editor.timezone = "Asia/Tokyo"
    editor.save(update_fields=["timezone"])
    response = client_for(editor).get(url("library", org))
    assert "team photo.jpg" in response.text
    assert "800\u00d7600" in response.text
    assert "times in Asia/Tokyo" in response.text
    local = media.created_at.astimezone(ZoneInfo("Asia/Tokyo"))
    assert local.strftime("%H:%M") in response.text


def test_storage_bar_shows_use_against_the_quota(org, editor, client_for, settings):
    settings.POSTIZ_MEDIA_QUOTA_MB = 1
    stored(org, editor, "clip.mp4", files.video(padding=512 * 1024))
    response = client_for(editor).get(url("library", org))
    assert 'max="1048576"' in response.text
    assert "of 1.0\xa0MB (50%)" in response.text


def test_search_and_kind_filter_narrow_the_library(org, editor, client_for):
    stored(org, editor, "summer beach.png")
    stored(org, editor, "winter.png")
    stored(org, editor, "summer promo.mp4", files.video())
    client = client_for(editor)
    found = client.get(url("library", org), {"q": "summer"}).text
    assert "summer beach.png" in found and "summer promo.mp4" in found
    assert "winter.png" not in found
    videos = client.get(url("library", org), {"q": "summer", "kind": "video"}).text
    assert "summer promo.mp4" in videos and "summer beach.png" not in videos
    nothing = client.get(url("library", org), {"q": "autumn"}).text
    assert "No files match" in nothing


def test_search_through_htmx_answers_only_the_results(org, editor, client_for):
    stored(org, editor, "summer.png")
    response = client_for(editor).get(
        url("library", org), {"q": "sum"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="media-results"
    )
    assert "summer.png" in response.text
    assert "<html" not in response.text


def test_library_pages_in_a_bounded_number_of_queries(
    org, editor, client_for, django_assert_max_num_queries
):
    rows(org, 60)
    client = client_for(editor)
    client.get(url("library", org))  # session and caches warm
    with django_assert_max_num_queries(10):
        first = client.get(url("library", org))
    assert first.text.count('class="media-card"') == 24
    assert "Page 1 of 3" in first.text
    last = client.get(url("library", org), {"page": 3})
    assert last.text.count('class="media-card"') == 12


def test_deleted_and_other_organizations_files_are_not_listed(org, editor, client_for):
    other = OrganizationFactory()
    MediaFile.objects.create(
        organization=other,
        name="theirs.png",
        kind="image",
        mime_type="image/png",
        size=1,
        file="x.png",
    )
    mine = stored(org, editor, "gone.png")
    client_for(editor).post(url("delete", org, mine.pk))
    response = client_for(editor).get(url("library", org))
    assert "theirs.png" not in response.text and "gone.png" not in response.text


# -- Uploading --------------------------------------------------------------------------
def test_several_files_upload_in_one_request_and_each_refusal_is_named(org, editor, client_for):
    response = client_for(editor).post(
        url("upload", org),
        {
            "file": [
                SimpleUploadedFile("a.jpg", files.jpeg()),
                SimpleUploadedFile("b.gif", files.animated_gif()),
                SimpleUploadedFile("evil.png", files.HTML),
            ]
        },
        HTTP_ACCEPT="application/json",
    )
    assert response.status_code == 201
    body = response.json()
    assert [f["name"] for f in body["files"]] == ["a.jpg", "b.gif"]
    assert body["files"][0]["thumbnail_url"]
    assert body["files"][0]["url"].startswith("http")
    assert 'class="media-card"' in body["files"][0]["html"]
    assert body["errors"][0]["name"] == "evil.png"
    assert "not a file type Postiz accepts" in body["errors"][0]["error"]
    assert MediaFile.objects.filter(organization=org).count() == 2


def test_upload_with_only_refusals_answers_400_with_the_reason(org, editor, client_for):
    response = client_for(editor).post(
        url("upload", org),
        {"file": SimpleUploadedFile("empty.png", b"")},
        HTTP_ACCEPT="application/json",
    )
    assert response.status_code == 400
    assert "empty.png is empty" in response.json()["errors"][0]["error"]


def test_upload_without_a_script_redirects_with_messages(org, editor, client_for):
    response = client_for(editor).post(
        url("upload", org), {"file": SimpleUploadedFile("logo.png", files.png())}, follow=True
    )
    assert response.redirect_chain[-1][0] == url("library", org)
    assert "Uploaded logo.png." in response.text
    assert "logo.png" in response.text


def test_upload_with_no_file_asks_for_one(org, editor, client_for):
    response = client_for(editor).post(url("upload", org), HTTP_ACCEPT="application/json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["error"] == "Choose at least one file to upload."


def test_upload_from_an_address_through_the_page(org, editor, client_for, httpserver):
    httpserver.expect_request("/img/cover.webp").respond_with_data(files.webp())
    response = client_for(editor).post(
        url("upload_url", org),
        {"url": httpserver.url_for("/img/cover.webp")},
        HTTP_ACCEPT="application/json",
    )
    assert response.status_code == 201
    assert response.json()["files"][0]["mime_type"] == "image/webp"


def test_refused_address_is_explained_on_the_page(org, editor, client_for, settings):
    settings.POSTIZ_ALLOW_PRIVATE_URLS = False
    response = client_for(editor).post(
        url("upload_url", org), {"url": "http://10.0.0.5/a.png"}, follow=True
    )
    assert "is not an https:// address" in response.text


def test_upload_page_needs_a_csrf_token(org, editor):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(editor)
    response = client.post(url("upload", org), {"file": SimpleUploadedFile("a.png", files.png())})
    assert response.status_code == 403
    assert not MediaFile.objects.exists()


# -- One file ---------------------------------------------------------------------------
def test_detail_shows_preview_address_and_edit_form(org, editor, client_for, settings):
    settings.SITE_URL = "https://postiz.example.org"
    media = stored(org, editor, "logo.png")
    response = client_for(editor).get(url("detail", org, media.pk))
    assert response.status_code == 200
    assert f'value="https://postiz.example.org{media.file.url}"' in response.text
    assert "Copy URL" in response.text
    assert 'name="alt_text"' in response.text


def test_rename_and_alt_text_are_saved(org, editor, client_for):
    media = stored(org, editor, "IMG_0001.png")
    response = client_for(editor).post(
        url("edit", org, media.pk), {"name": "  Launch   banner ", "alt_text": "A rocket"}
    )
    assert response.status_code == 302
    media.refresh_from_db()
    assert (media.name, media.alt_text) == ("Launch banner", "A rocket")


def test_refused_edit_keeps_what_was_typed_and_saves_nothing(org, editor, client_for):
    media = stored(org, editor, "IMG_0001.png")
    long_alt = "x" * 1600
    response = client_for(editor).post(
        url("edit", org, media.pk), {"name": "New name", "alt_text": long_alt}
    )
    assert response.status_code == 400
    assert "Alt text may be at most 1500 characters; this one has 1600" in response.text
    assert 'value="New name"' in response.text and long_alt in response.text
    media.refresh_from_db()
    assert media.name == "IMG_0001.png"


def test_blank_name_is_refused(org, editor, client_for):
    media = stored(org, editor)
    response = client_for(editor).post(url("edit", org, media.pk), {"name": "  ", "alt_text": ""})
    assert response.status_code == 400
    assert "Enter a name for the file." in response.text


def test_deleting_an_unused_file_removes_it_and_its_bytes(
    org, editor, client_for, media_root, django_capture_on_commit_callbacks
):
    media = stored(org, editor, "old.png")
    path = media_root / media.file.name
    assert path.exists()
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(editor).post(url("delete", org, media.pk))
    assert response.status_code == 302
    media.refresh_from_db()
    assert media.deleted_at is not None
    assert not path.exists()
    event = AuditEvent.objects.get(action="media.delete")
    assert event.actor == editor and event.details["name"] == "old.png"


@pytest.fixture
def channel(org):
    return Integration.objects.create(
        organization=org, provider="mastodon", external_id="1", name="Acme on Mastodon"
    )


def attach(post, media):
    PostItemMedia.objects.create(item=post.items.get(position=0), media=media)


def test_deleting_a_file_a_scheduled_post_uses_warns_first(org, editor, client_for, channel):
    media = stored(org, editor, "launch.png")
    attach(make_post(channel, "Launch day"), media)
    attach(make_post(channel, "Draft", state=State.DRAFT), media)
    attach(make_post(channel, "Already out", state=State.PUBLISHED), media)
    client = client_for(editor)
    page = client.get(url("detail", org, media.pk)).text
    assert "Still used by 2 scheduled posts" in page
    refused = client.post(url("delete", org, media.pk))
    assert refused.status_code == 409
    assert "launch.png is still used by 2 scheduled posts" in refused.text
    assert 'name="confirm" value="yes"' in refused.text
    media.refresh_from_db()
    assert media.deleted_at is None
    confirmed = client.post(url("delete", org, media.pk), {"confirm": "yes"})
    assert confirmed.status_code == 302
    media.refresh_from_db()
    assert media.deleted_at is not None
    # The posts keep the file: its bytes stay in storage.
    assert media.file.storage.exists(media.file.name)


# -- The composer's picker --------------------------------------------------------------
def test_picker_lists_files_as_buttons_with_their_data(org, editor, client_for):
    image = stored(org, editor, "cat.png")
    video = stored(org, editor, "clip.mp4", files.video())
    response = client_for(editor).get(url("picker", org), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    text = response.text
    assert f'data-media-id="{image.pk}"' in text and f'data-media-id="{video.pk}"' in text
    assert f'data-thumb="{image.thumbnail.url}"' in text
    assert 'data-name="cat.png"' in text and 'data-mime="video/mp4"' in text
    assert "data-media-dropzone" in text  # upload inside the picker
    assert "<html" not in text


def test_picker_searches_filters_and_pages(org, editor, client_for, django_assert_max_num_queries):
    rows(org, 40)
    rows(org, 1, kind="video", mime_type="video/mp4")
    client = client_for(editor)
    client.get(url("picker", org))
    with django_assert_max_num_queries(6):
        page2 = client.get(url("picker", org), {"page": 2})
    assert page2.text.count("data-media-id=") == 18
    videos = client.get(url("picker", org), {"kind": "video"})
    assert videos.text.count("data-media-id=") == 1
    assert "No files match" in client.get(url("picker", org), {"q": "zzz"}).text


def test_viewer_picker_has_no_upload(org, viewer, client_for):
    assert "data-media-dropzone" not in client_for(viewer).get(url("picker", org)).text


# -- Sealed ---------------------------------------------------------------------------
WRITE_VIEWS = ["upload", "upload_url"]
FILE_WRITE_VIEWS = ["edit", "delete"]


@pytest.mark.parametrize("name", WRITE_VIEWS)
def test_viewer_cannot_upload(org, viewer, client_for, name):
    response = client_for(viewer).post(
        url(name, org),
        {"file": SimpleUploadedFile("a.png", files.png()), "url": "http://127.0.0.1/a.png"},
    )
    assert response.status_code == 403
    assert not MediaFile.objects.exists()


@pytest.mark.parametrize("name", FILE_WRITE_VIEWS)
def test_viewer_cannot_change_or_delete_a_file(org, viewer, editor, client_for, name):
    media = stored(org, editor, "keep.png")
    response = client_for(viewer).post(url(name, org, media.pk), {"name": "hacked"})
    assert response.status_code == 403
    media.refresh_from_db()
    assert media.name == "keep.png" and media.deleted_at is None


@pytest.mark.parametrize("name", ["detail", *FILE_WRITE_VIEWS])
def test_another_organizations_file_is_not_found(org, editor, client_for, outsider, name):
    theirs_org = outsider.memberships.get().organization
    theirs = stored(theirs_org, outsider, "secret.png")
    method = "get" if name == "detail" else "post"
    response = getattr(client_for(editor), method)(url(name, org, theirs.pk), {"name": "mine"})
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.name == "secret.png" and theirs.deleted_at is None


@pytest.mark.parametrize("name", ["library", "picker"])
def test_outsider_cannot_see_the_library(org, editor, outsider, client_for, name):
    stored(org, editor, "private.png")
    response = client_for(outsider).get(url(name, org))
    assert response.status_code == 404


def test_outsider_cannot_upload(org, outsider, client_for):
    response = client_for(outsider).post(
        url("upload", org), {"file": SimpleUploadedFile("a.png", files.png())}
    )
    assert response.status_code == 404
    assert not MediaFile.objects.exists()


def test_json_answer_is_valid_for_scripts(org, editor, client_for):
    response = client_for(editor).post(
        url("upload", org),
        {"file": SimpleUploadedFile("a.png", files.png())},
        HTTP_ACCEPT="application/json",
    )
    assert response["Content-Type"] == "application/json"
    assert json.loads(response.content)["files"][0]["kind"] == "image"
