"""Settings whose choices come from the account (a Pinterest board, a YouTube playlist, a
TikTok privacy level): the composer offers them as a select, filled from what the channel
keeps or from the network, and falls back to typing when the network cannot say."""

import pytest
from django.urls import reverse

from integrations.models import Integration
from tests.factories import ChannelFactory
from tests.providers.conftest import fixture_response
from tests.providers.pinterest.conftest import BOARD, reply
from tests.providers.pinterest.conftest import TOKEN as PIN_TOKEN
from tests.providers.pinterest.conftest import configure as configure_pinterest
from tests.providers.youtube.conftest import HERE as YOUTUBE
from tests.providers.youtube.conftest import TOKEN as YT_TOKEN

pytestmark = pytest.mark.django_db

BOARDS = [
    {"id": BOARD, "name": "Summer Recipes", "privacy": "PUBLIC"},
    {"id": "549755885176", "name": "Workshop", "privacy": "SECRET"},
]


@pytest.fixture
def pinterest(org, settings, httpserver):
    configure_pinterest(settings, httpserver)
    return ChannelFactory(
        organization=org,
        provider="pinterest",
        name="Acme Home",
        credentials={"access_token": PIN_TOKEN},
        meta={"boards": list(BOARDS)},
    )


@pytest.fixture
def youtube(org, settings, httpserver):
    from tests.providers.conftest import point

    point(settings, httpserver, "youtube", api="/", token="/token")
    return ChannelFactory(
        organization=org,
        provider="youtube",
        name="Acme Studio",
        credentials={"access_token": YT_TOKEN},
    )


def choices_url(org, channel, name, **query):
    url = reverse("posts:composer_choices", args=[org.slug, channel.pk, name])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def new_post_page(client, org, channel):
    return client.get(reverse("posts:new", args=[org.slug]) + f"?channel={channel.pk}")


def test_the_composer_offers_the_boards_the_channel_keeps_as_a_select(
    org, editor, client_for, pinterest, httpserver
):
    page = new_post_page(client_for(editor), org, pinterest).content.decode()
    name = f"s{pinterest.pk}-board"
    assert f'<select name="{name}" id="{name}">' in page
    assert f'<option value="{BOARD}">Summer Recipes</option>' in page
    assert '<option value="549755885176">Workshop</option>' in page
    assert "New board" in page  # Pinterest can create one from here
    assert not httpserver.log  # drawn from what the channel keeps: Pinterest not asked


def test_a_playlist_select_is_filled_from_youtube(org, editor, client_for, youtube, httpserver):
    client = client_for(editor)
    page = new_post_page(client, org, youtube).content.decode()
    # Nothing known yet: a text box that asks for the list once the page is shown.
    assert f'hx-get="{choices_url(org, youtube, "playlistId")}?value=' in page
    httpserver.expect_oneshot_request(
        "/youtube/v3/playlists", headers={"Authorization": f"Bearer {YT_TOKEN}"}
    ).respond_with_response(fixture_response(YOUTUBE, "playlists"))
    answer = client.get(choices_url(org, youtube, "playlistId", value="PLacmeDrafts"))
    html = answer.content.decode()
    assert answer.status_code == 200
    assert f'<select name="s{youtube.pk}-playlistId"' in html
    assert '<option value="PLacmeLaunches">Launches</option>' in html
    assert '<option value="PLacmeDrafts" selected>Drafts</option>' in html
    # Asked again while typing: the answer of a moment ago is reused.
    again = client.get(choices_url(org, youtube, "playlistId")).content.decode()
    assert "Launches" in again
    assert len(httpserver.log) == 1


def test_when_youtube_cannot_list_them_a_text_box_says_why(
    org, editor, client_for, youtube, httpserver
):
    httpserver.expect_request("/youtube/v3/playlists").respond_with_response(
        fixture_response(YOUTUBE, "backend_error")
    )
    html = (
        client_for(editor)
        .get(choices_url(org, youtube, "playlistId", value="PLkept"))
        .content.decode()
    )
    name = f"s{youtube.pk}-playlistId"
    assert f'<input type="text" name="{name}" id="{name}" value="PLkept"' in html
    assert "could not be loaded from YouTube" in html and "Type the id" in html
    assert "<select" not in html


def test_a_kept_list_answers_when_pinterest_is_down_and_says_so(
    org, editor, client_for, pinterest, httpserver
):
    httpserver.expect_request("/api/v5/boards").respond_with_response(reply("bad_gateway"))
    html = (
        client_for(editor)
        .get(choices_url(org, pinterest, "board", fresh=1, value=BOARD))
        .content.decode()
    )
    assert f'<option value="{BOARD}" selected>Summer Recipes</option>' in html
    assert "could not be asked just now" in html


def test_a_board_named_by_hand_is_selected_and_an_unknown_one_is_kept(
    org, editor, client_for, pinterest, httpserver
):
    httpserver.expect_request("/api/v5/boards").respond_with_response(reply("bad_gateway"))
    client = client_for(editor)
    by_name = client.get(choices_url(org, pinterest, "board", value="workshop")).content.decode()
    assert '<option value="549755885176" selected>Workshop</option>' in by_name
    gone = client.get(choices_url(org, pinterest, "board", value="999")).content.decode()
    assert '<option value="999" selected>999 (not in the list)</option>' in gone


def test_listing_the_boards_brings_the_kept_copy_up_to_date(
    org, editor, client_for, pinterest, httpserver
):
    httpserver.expect_ordered_request("/api/v5/boards").respond_with_response(reply("boards_page1"))
    httpserver.expect_ordered_request("/api/v5/boards").respond_with_response(reply("boards_page2"))
    html = client_for(editor).get(choices_url(org, pinterest, "board", fresh=1)).content.decode()
    assert '<option value="549755885177">Launches</option>' in html
    pinterest.refresh_from_db()
    assert [b["name"] for b in pinterest.meta["boards"]] == [
        "Summer Recipes",
        "Workshop",
        "Launches",
    ]


def test_a_board_created_in_the_composer_is_chosen_and_kept(
    org, editor, client_for, pinterest, httpserver
):
    httpserver.expect_oneshot_request(
        "/api/v5/boards",
        method="POST",
        json={"name": "Autumn Ideas", "privacy": "SECRET"},
    ).respond_with_response(reply("board_created"))
    key = f"s{pinterest.pk}-board"
    answer = client_for(editor).post(
        reverse("posts:composer_choice_create", args=[org.slug, pinterest.pk, "board"]),
        {key: BOARD, f"{key}-new-name": "Autumn Ideas", f"{key}-new-secret": "on"},
    )
    html = answer.content.decode()
    assert '<option value="549755885190" selected>Autumn Ideas</option>' in html
    assert "Created Autumn Ideas and chose it" in html
    pinterest.refresh_from_db()
    assert pinterest.meta["boards"][-1]["id"] == "549755885190"
    assert len(pinterest.meta["boards"]) == 3
    # The validator no longer doubts the new board.
    from integrations.providers.base import Draft, DraftItem

    issues = pinterest.provider_instance().validate(
        Draft([DraftItem("Hi")], {"board": "549755885190"}), pinterest.as_channel()
    )
    assert not [i for i in issues if i.field == "board"]


def test_a_board_without_a_name_is_not_sent(org, editor, client_for, pinterest, httpserver):
    answer = client_for(editor).post(
        reverse("posts:composer_choice_create", args=[org.slug, pinterest.pk, "board"]), {}
    )
    assert "Nothing was created: name is required." in answer.content.decode()
    assert not httpserver.log


def test_tiktok_offers_only_the_privacy_levels_the_creator_has(org, editor, client_for):
    channel = ChannelFactory(
        organization=org,
        provider="tiktok",
        meta={"creator_info": {"privacy_level_options": ["FOLLOWER_OF_CREATOR", "SELF_ONLY"]}},
    )
    page = new_post_page(client_for(editor), org, channel).content.decode()
    name = f"s{channel.pk}-privacy_level"
    assert f'<select name="{name}" id="{name}">' in page
    assert '<option value="SELF_ONLY">Only me (SELF_ONLY)</option>' in page
    assert "PUBLIC_TO_EVERYONE" not in page.split(f'id="{name}"')[1].split("</select>")[0]


def test_gmb_post_types_stay_a_static_list(org, editor, client_for):
    channel = ChannelFactory(organization=org, provider="gmb")
    page = new_post_page(client_for(editor), org, channel).content.decode()
    assert f'<select name="s{channel.pk}-topicType"' in page
    assert "posts/choices" not in page


# -- Who may ask --------------------------------------------------------------------------
def test_an_outsider_cannot_read_the_choices_of_a_channel(org, outsider, client_for, pinterest):
    client = client_for(outsider)
    assert client.get(choices_url(org, pinterest, "board")).status_code == 404
    # Nor through their own organization, naming our channel's id.
    theirs = outsider.memberships.first().organization
    url = reverse("posts:composer_choices", args=[theirs.slug, pinterest.pk, "board"])
    assert client.get(url).status_code == 404
    create = reverse("posts:composer_choice_create", args=[theirs.slug, pinterest.pk, "board"])
    assert client.post(create, {f"s{pinterest.pk}-board-new-name": "Mine"}).status_code == 404


def test_a_viewer_cannot_read_or_create_choices(org, viewer, client_for, pinterest, httpserver):
    client = client_for(viewer)
    assert client.get(choices_url(org, pinterest, "board")).status_code == 403
    create = reverse("posts:composer_choice_create", args=[org.slug, pinterest.pk, "board"])
    assert client.post(create, {f"s{pinterest.pk}-board-new-name": "Mine"}).status_code == 403
    assert not httpserver.log


def test_a_setting_without_looked_up_choices_is_not_found(org, editor, client_for, pinterest):
    client = client_for(editor)
    assert client.get(choices_url(org, pinterest, "title")).status_code == 404
    deleted = ChannelFactory(organization=org, provider="pinterest")
    Integration.objects.filter(pk=deleted.pk).update(deleted_at="2026-01-01T00:00Z")
    assert client.get(choices_url(org, deleted, "board")).status_code == 404


def test_listmonk_offers_the_lists_the_channel_keeps_as_a_select(
    org, editor, client_for, httpserver
):
    channel = ChannelFactory(
        organization=org,
        provider="listmonk",
        name="Acme lists",
        credentials={"api_user": "postiz", "api_token": "t"},
        meta={
            "url": httpserver.url_for("/").rstrip("/"),
            "lists": [{"id": "3", "name": "Acme customers"}, {"id": "5", "name": "Workshop"}],
        },
    )
    page = new_post_page(client_for(editor), org, channel).content.decode()
    name = f"s{channel.pk}-lists"
    assert f'<select name="{name}" id="{name}">' in page
    assert '<option value="3">Acme customers</option>' in page
    assert not httpserver.log  # drawn from what the channel keeps: listmonk not asked


def test_ghost_newsletters_are_asked_of_the_site(org, editor, client_for, httpserver):
    from tests.providers.ghost.support import HERE as GHOST
    from tests.providers.ghost.support import KEY as GHOST_KEY

    channel = ChannelFactory(
        organization=org,
        provider="ghost",
        name="Acme Journal",
        credentials={"admin_api_key": GHOST_KEY},
        meta={"url": httpserver.url_for("/").rstrip("/")},
    )
    httpserver.expect_request("/ghost/api/admin/newsletters/").respond_with_response(
        fixture_response(GHOST, "newsletters")
    )
    html = client_for(editor).get(choices_url(org, channel, "newsletter")).content.decode()
    assert f'<select name="s{channel.pk}-newsletter"' in html
    assert '<option value="default-newsletter">Acme Weekly</option>' in html
