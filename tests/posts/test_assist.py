"""AI writing help: suggestions streamed from an OpenAI-compatible server (a local fake
with the real chunk and error shapes), checked against the channel's validator, counted
against the organization's daily allowance, and sealed like every composer route."""

from __future__ import annotations

import base64
import json
import logging
import socket

import pytest
from django.test import Client

from billing.models import DailyUsage, Plan
from tests.factories import MembershipFactory
from tests.posts.assist_fake import KEY, MODEL, FakeAI, error_body
from tests.posts.test_groups import channel, media

URL = "/o/acme/posts/assist/"
# The smallest PNG there is (one transparent pixel).
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
)


@pytest.fixture
def fake(settings, httpserver):
    ai = FakeAI(httpserver)
    settings.AI_BASE_URL = ai.base_url
    settings.AI_MODEL = MODEL
    settings.AI_API_KEY = KEY
    settings.AI_REQUESTS_PER_DAY = 100
    settings.STRIPE_SECRET_KEY = ""
    return ai


def events(response) -> list[tuple[str, dict]]:
    """The Server-Sent Events of a streamed answer, as (name, data)."""
    assert response["Content-Type"].startswith("text/event-stream")
    text = b"".join(response.streaming_content).decode()
    found = []
    for block in text.split("\n\n"):
        if not block.strip():
            continue
        lines = dict(line.split(": ", 1) for line in block.split("\n"))
        found.append((lines["event"], json.loads(lines["data"])))
    return found


def ask(client, **data):
    return client.post(URL, data)


def used_today(org) -> int:
    row = DailyUsage.objects.filter(organization=org, name="ai_requests_per_day").first()
    return row.count if row else 0


# -- Streaming ---------------------------------------------------------------------------------
def test_a_rewrite_streams_piece_by_piece_and_ends_with_the_checked_text(
    org, editor, client_for, fake
):
    mastodon = channel(org, "mastodon", name="Acme on Mastodon")
    response = ask(
        client_for(editor),
        action="rewrite",
        text="We ship on Friday https://acme.example/release",
        channel=mastodon.pk,
        tone="friendly",
        hashtags="1",
    )
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-cache"
    got = events(response)
    assert [name for name, _ in got] == ["delta"] * 5 + ["done"]
    assert "".join(data["text"] for name, data in got if name == "delta") == (
        "Hello from the fake model."
    )
    done = got[-1][1]
    assert done["text"] == "Hello from the fake model."
    assert done["limit"] == 500
    assert done["count"] == len("Hello from the fake model.")
    assert done["over"] is False
    assert done["network"] == "Mastodon"

    sent = fake.requests[0]
    assert sent["model"] == MODEL
    assert sent["stream"] is True
    assert fake.headers[0]["Authorization"] == f"Bearer {KEY}"
    prompt = fake.prompt()
    assert "for Mastodon" in prompt
    assert "at most 500 characters" in prompt
    assert "friendly" in prompt
    assert "hashtags" in prompt
    assert "https://acme.example/release" in prompt


def test_a_local_server_gets_no_authorization_header_without_a_key(
    org, editor, client_for, fake, settings
):
    settings.AI_API_KEY = ""
    mastodon = channel(org, "mastodon")
    events(ask(client_for(editor), action="rewrite", text="Hi", channel=mastodon.pk))
    assert "Authorization" not in fake.headers[0]


def test_a_rewrite_longer_than_the_channel_allows_is_flagged_by_its_validator(
    org, editor, client_for, fake
):
    x = channel(org, "x", name="Acme on X")
    fake.pieces = ["a" * 200, " " + "b" * 99]  # 300 characters
    done = events(ask(client_for(editor), action="rewrite", text="Launch day", channel=x.pk))[-1]
    assert done[0] == "done"
    assert done[1]["over"] is True
    assert done[1]["count"] == 300
    assert done[1]["limit"] == 280
    assert done[1]["issue"] == "X allows 280 characters; this has 300."
    assert "at most 280 characters" in fake.prompt()


def test_shorten_fits_the_strictest_chosen_channel(org, editor, client_for, fake):
    mastodon = channel(org, "mastodon")
    x = channel(org, "x", name="Acme on X")
    text = "word " * 80  # 400 characters: fine on Mastodon, too long for X
    got = events(ask(client_for(editor), action="shorten", text=text, channel=[mastodon.pk, x.pk]))
    assert got[-1][1]["network"] == "X"
    assert "at most 280 characters" in fake.prompt()


def test_shorten_says_so_when_the_text_already_fits(org, editor, client_for, fake):
    x = channel(org, "x", name="Acme on X")
    response = ask(client_for(editor), action="shorten", text="Short", channel=x.pk)
    assert response.status_code == 400
    assert response.json()["error"] == "The text already fits X (5 of 280 characters)."
    assert fake.requests == []
    assert used_today(org) == 0


def test_translate_asks_for_the_chosen_language(org, editor, client_for, fake):
    got = events(
        ask(client_for(editor), action="translate", text="Good morning", language="German")
    )
    assert got[-1][0] == "done"
    assert "into German" in fake.prompt()
    bad = ask(client_for(editor), action="translate", text="Hi", language="Klingon")
    assert bad.status_code == 400
    assert bad.json()["error"] == "Choose a language to translate into."


def test_a_first_comment_is_suggested_within_the_channel_limit(org, editor, client_for, fake):
    x = channel(org, "x", name="Acme on X")
    got = events(ask(client_for(editor), action="first_comment", text="Our new app", channel=x.pk))
    assert got[-1][1]["text"] == "Hello from the fake model."
    assert "first comment" in fake.prompt()
    assert "at most 280 characters" in fake.prompt()


def test_wrapping_quotes_are_taken_off_the_suggestion(org, editor, client_for, fake):
    fake.pieces = ['"Fresh', ' bread today"']
    got = events(ask(client_for(editor), action="translate", text="Pain", language="English"))
    assert got[-1][1]["text"] == "Fresh bread today"


def test_nothing_to_work_on_is_refused_without_asking(org, editor, client_for, fake):
    mastodon = channel(org, "mastodon")
    response = ask(client_for(editor), action="rewrite", text="  ", channel=mastodon.pk)
    assert response.status_code == 400
    assert "Write something first" in response.json()["error"]
    assert fake.requests == []


# -- Alt text ----------------------------------------------------------------------------------
@pytest.fixture
def photo(org, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    item = media(org, name="photo.png", size=len(PNG))
    path = tmp_path / item.file.name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(PNG)
    return item


def test_alt_text_sends_the_image_to_the_model_as_a_data_url(org, editor, client_for, fake, photo):
    fake.pieces = ["A transparent pixel."]
    got = events(ask(client_for(editor), action="alt_text", media=photo.pk, text="Our logo, tiny"))
    assert got[-1] == (
        "done",
        {"text": "A transparent pixel.", "count": 20, "limit": 1500, "over": False, "issue": ""},
    )
    content = fake.messages()[-1]["content"]
    image = next(part for part in content if part["type"] == "image_url")
    assert image["image_url"]["url"] == "data:image/png;base64," + base64.b64encode(PNG).decode()
    assert "Our logo, tiny" in fake.prompt()


def test_a_model_without_vision_says_it_cannot_describe_images(
    org, editor, client_for, fake, photo
):
    # OpenAI's answer when a text-only model is sent an image.
    fake.error = (
        400,
        error_body(
            "Invalid content type. image_url is only supported by certain models.",
            "invalid_request_error",
            param="messages.[1].content.[1].type",
        ),
    )
    got = events(ask(client_for(editor), action="alt_text", media=photo.pk))
    assert got == [
        (
            "error",
            {
                "message": f"The AI model ({MODEL}) does not accept images, so it cannot "
                "describe this one. Tell your administrator: AI_MODEL must name a vision "
                "model to write alt text."
            },
        )
    ]
    assert used_today(org) == 0


def test_alt_text_needs_an_image(org, editor, client_for, fake):
    clip = media(org, mime="video/mp4", name="clip.mp4")
    response = ask(client_for(editor), action="alt_text", media=clip.pk)
    assert response.status_code == 400
    assert response.json()["error"] == "Choose an image to describe."


# -- Errors of the AI server -------------------------------------------------------------------
ERRORS = [
    (
        401,
        error_body(
            f"Incorrect API key provided: {KEY}. You can find your API key at "
            "https://platform.openai.com/account/api-keys.",
            "invalid_request_error",
            "invalid_api_key",
        ),
        "The AI server refused the API key. Tell your administrator: AI_API_KEY is missing "
        "or wrong.",
    ),
    (
        404,
        error_body(
            f"The model `{MODEL}` does not exist or you do not have access to it.",
            "invalid_request_error",
            "model_not_found",
        ),
        f"The AI server does not know the model {MODEL}.",
    ),
    (
        429,
        error_body(
            "Rate limit reached for requests. Please try again in 20s.",
            "requests",
            "rate_limit_exceeded",
        ),
        "The AI server is busy right now. Try again in a minute.",
    ),
    (
        429,
        error_body(
            "You exceeded your current quota, please check your plan and billing details.",
            "insufficient_quota",
            "insufficient_quota",
        ),
        "The AI account has used up its quota. Tell your administrator.",
    ),
    (
        500,
        error_body("The server had an error while processing your request.", "server_error"),
        "The AI server had a problem (error 500). Try again in a moment.",
    ),
    (
        503,
        "<html><body>upstream unavailable</body></html>",
        "The AI server had a problem (error 503). Try again in a moment.",
    ),
]


@pytest.mark.parametrize(("status", "body", "said"), ERRORS, ids=[str(e[0]) for e in ERRORS])
def test_an_error_of_the_ai_server_is_said_in_plain_words_and_not_counted(
    org, editor, client_for, fake, status, body, said, caplog
):
    mastodon = channel(org, "mastodon")
    fake.error = (status, body)
    with caplog.at_level(logging.DEBUG):
        got = events(ask(client_for(editor), action="rewrite", text="Hi", channel=mastodon.pk))
    assert len(got) == 1
    name, data = got[0]
    assert name == "error"
    assert data["message"].startswith(said)
    assert KEY not in data["message"]
    assert KEY not in caplog.text
    assert used_today(org) == 0


def test_a_chunk_that_is_not_json_ends_the_suggestion_with_a_clear_error(
    org, editor, client_for, fake
):
    mastodon = channel(org, "mastodon")
    fake.raw_lines = ['data: {"id": "chatcmpl-1", "choices": [\n\n']
    got = events(ask(client_for(editor), action="rewrite", text="Hi", channel=mastodon.pk))
    assert got[-1][0] == "error"
    assert got[-1][1]["message"].startswith("The AI server sent an answer that could not be read.")


def test_an_error_sent_inside_the_stream_is_shown(org, editor, client_for, fake):
    mastodon = channel(org, "mastodon")
    fake.raw_lines = [
        'data: {"error": {"message": "model ran out of memory", "type": "server_error"}}\n\n'
    ]
    got = events(ask(client_for(editor), action="rewrite", text="Hi", channel=mastodon.pk))
    assert got == [
        ("error", {"message": "The AI server stopped with an error: model ran out of memory."})
    ]


def test_a_server_that_refuses_connections_is_said_to_be_unreachable(
    org, editor, client_for, fake, settings
):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.AI_BASE_URL = f"http://127.0.0.1:{port}/v1"
    mastodon = channel(org, "mastodon")
    got = events(ask(client_for(editor), action="rewrite", text="Hi", channel=mastodon.pk))
    assert got[0][0] == "error"
    assert got[0][1]["message"].startswith("The AI server cannot be reached")
    assert used_today(org) == 0


def test_a_redirect_is_never_followed(org, editor, client_for, fake, settings, httpserver):
    elsewhere = httpserver.url_for("/elsewhere/v1/chat/completions")
    httpserver.expect_request("/moved/v1/chat/completions", method="POST").respond_with_data(
        "", status=307, headers={"Location": elsewhere}
    )
    httpserver.expect_request("/elsewhere/v1/chat/completions").respond_with_data("data: [DONE]")
    settings.AI_BASE_URL = httpserver.url_for("/moved/v1").rstrip("/")
    mastodon = channel(org, "mastodon")
    got = events(ask(client_for(editor), action="rewrite", text="Hi", channel=mastodon.pk))
    assert got[0][1]["message"].startswith("The AI server answered with a redirect")
    assert not any(req.path.startswith("/elsewhere") for req, _ in httpserver.log)


def test_prompts_and_suggestions_stay_out_of_the_logs(org, editor, client_for, fake, caplog):
    mastodon = channel(org, "mastodon")
    with caplog.at_level(logging.INFO, logger="postiz"):
        events(
            ask(
                client_for(editor),
                action="rewrite",
                text="Secret launch codename Bluebird",
                channel=mastodon.pk,
            )
        )
    assert "AI rewrite for acme" in caplog.text
    assert "Bluebird" not in caplog.text
    assert "fake model" not in caplog.text
    assert KEY not in caplog.text


# -- Going away mid-stream ---------------------------------------------------------------------
def test_when_the_browser_goes_away_the_server_stops_reading_from_the_ai(
    org, editor, client_for, fake
):
    mastodon = channel(org, "mastodon")
    fake.pieces = [f" word{n}" for n in range(200)]
    fake.pause = 0.02
    response = ask(client_for(editor), action="rewrite", text="Hi", channel=mastodon.pk)
    stream = iter(response.streaming_content)
    assert b"event: delta" in next(stream)
    response.close()  # what the WSGI server does when the person cancels
    assert fake.closed_early.wait(10)
    assert fake.sent < 200


# -- Daily allowance ---------------------------------------------------------------------------
def test_the_daily_allowance_setting_applies_when_billing_is_off(
    org, editor, client_for, fake, settings
):
    settings.AI_REQUESTS_PER_DAY = 2
    mastodon = channel(org, "mastodon")
    client = client_for(editor)
    for _ in range(2):
        assert events(ask(client, action="rewrite", text="Hi", channel=mastodon.pk))[-1][0] == (
            "done"
        )
    response = ask(client, action="rewrite", text="Hi", channel=mastodon.pk)
    assert response.status_code == 429
    assert response.json()["error"] == (
        "Your organization has used today's 2 AI requests. More are available after "
        f"midnight ({org.timezone or 'UTC'})."
    )
    assert len(fake.requests) == 2


def test_the_plan_sets_the_daily_allowance_when_billing_is_on(
    org, editor, client_for, fake, settings
):
    settings.STRIPE_SECRET_KEY = "sk_test_billing"
    Plan.objects.filter(is_free=True).update(ai_requests_per_day=1)
    mastodon = channel(org, "mastodon")
    client = client_for(editor)
    assert events(ask(client, action="rewrite", text="Hi", channel=mastodon.pk))[-1][0] == "done"
    response = ask(client, action="rewrite", text="Hi", channel=mastodon.pk)
    assert response.status_code == 429
    assert "today's 1 AI request of the Free plan" in response.json()["error"]
    assert "Billing page" in response.json()["error"]

    Plan.objects.filter(is_free=True).update(ai_requests_per_day=0)
    response = ask(client, action="rewrite", text="Hi", channel=mastodon.pk)
    assert response.json()["error"] == (
        "The Free plan includes no AI requests. Choose a bigger plan on the Billing page."
    )
    assert len(fake.requests) == 1


# -- Off by default, and sealed ----------------------------------------------------------------
def test_without_ai_settings_the_composer_shows_no_writing_help_and_the_route_is_404(
    org, editor, client_for, settings
):
    settings.AI_BASE_URL = ""
    settings.AI_MODEL = ""
    channel(org, "mastodon")
    client = client_for(editor)
    page = client.get("/o/acme/posts/new/").content.decode()
    assert "Writing help" not in page
    assert "assist.js" not in page
    assert ask(client, action="translate", text="Hi", language="German").status_code == 404


def test_with_ai_settings_the_composer_offers_writing_help(org, editor, client_for, fake):
    channel(org, "mastodon")
    page = client_for(editor).get("/o/acme/posts/new/").content.decode()
    assert "Writing help" in page
    assert "js/assist.js" in page
    assert 'data-assist="translate"' in page


def test_outsider_gets_404(org, outsider, client_for, fake):
    response = ask(client_for(outsider), action="translate", text="Hi", language="German")
    assert response.status_code == 404
    assert fake.requests == []


def test_a_viewer_who_cannot_write_posts_gets_403(org, viewer, client_for, fake):
    response = ask(client_for(viewer), action="translate", text="Hi", language="German")
    assert response.status_code == 403
    assert fake.requests == []


def test_another_organizations_channel_or_image_is_not_found(
    org, editor, outsider, client_for, fake
):
    theirs = channel(outsider.memberships.get().organization, "x")
    client = client_for(editor)
    response = ask(client, action="rewrite", text="Hi", channel=theirs.pk)
    assert response.status_code == 404
    their_photo = media(outsider.memberships.get().organization)
    assert ask(client, action="alt_text", media=their_photo.pk).status_code == 404
    assert fake.requests == []
    assert used_today(org) == 0


def test_the_post_needs_the_csrf_token(org, editor, fake):
    client = Client(enforce_csrf_checks=True)
    client.force_login(editor)
    response = client.post(URL, {"action": "translate", "text": "Hi", "language": "German"})
    assert response.status_code == 403
    assert fake.requests == []


def test_a_member_limited_to_a_customer_cannot_name_another_customers_channel(
    org, client_for, fake
):
    from integrations.models import Customer, CustomerAccess

    ours, theirs = (Customer.objects.create(organization=org, name=n) for n in ("Ours", "Theirs"))
    membership = MembershipFactory(organization=org, role="editor", customer_limited=True)
    CustomerAccess.objects.create(membership=membership, customer=ours)
    their_channel = channel(org, "x", customer=theirs)
    our_channel = channel(org, "mastodon", customer=ours)
    client = client_for(membership.user)
    assert ask(client, action="rewrite", text="Hi", channel=their_channel.pk).status_code == 404
    assert events(ask(client, action="rewrite", text="Hi", channel=our_channel.pk))[-1][0] == (
        "done"
    )


def test_a_server_that_stops_sending_midway_times_out_with_a_clear_error(
    org, editor, client_for, fake, monkeypatch
):
    from posts.assist import client

    monkeypatch.setattr(client, "READ_TIMEOUT", 0.3)
    fake.pieces = ["One", " two", " three"]
    fake.pause = 1.0
    mastodon = channel(org, "mastodon")
    got = events(ask(client_for(editor), action="rewrite", text="Hi", channel=mastodon.pk))
    assert got[-1] == ("error", {"message": "The AI server stopped answering midway. Try again."})
    assert used_today(org) == 0


def test_an_accepted_first_comment_comes_back_as_the_posts_first_reply(
    org, editor, client_for, fake
):
    # Without a reply yet, Accept sends the composer with the suggestion as part two.
    mastodon = channel(org, "mastodon")
    page = client_for(editor).post(
        "/o/acme/posts/new/",
        {
            "channels": mastodon.pk,
            "item-0-text": "Our new app",
            "item-1-text": "What would you build with it?",
            "op": "refresh::",
        },
    )
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="item-1-text"' in html
    assert "What would you build with it?</textarea>" in html


def test_a_suggestion_that_takes_too_long_in_all_is_given_up_with_a_clear_error(
    org, editor, client_for, fake, monkeypatch
):
    from posts.assist import client

    monkeypatch.setattr(client, "TOTAL_SECONDS", 0.5)
    fake.pieces = [f" w{n}" for n in range(40)]
    fake.pause = 0.1
    mastodon = channel(org, "mastodon")
    got = events(ask(client_for(editor), action="rewrite", text="Hi", channel=mastodon.pk))
    assert got[0][0] == "delta"
    assert got[-1] == (
        "error",
        {"message": "The AI server took too long to finish. Try a shorter text or try again."},
    )
    assert fake.closed_early.wait(10)


def test_a_reasoning_models_thinking_is_left_out_of_the_suggestion(org, editor, client_for, fake):
    fake.pieces = ["<think>The user wants", " German.</think>", "\n\nGuten Morgen"]
    client = client_for(editor)
    got = events(ask(client, action="translate", text="Good morning", language="German"))
    assert got[-1][1]["text"] == "Guten Morgen"
