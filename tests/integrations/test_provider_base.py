"""Behaviour every provider inherits from the contract's base class."""

from datetime import UTC, datetime, timedelta

import pytest
import requests

from integrations.providers import get_provider, provider_classes
from integrations.providers.base import MediaItem, MediaRules, Provider, retry_after_seconds
from tests.factories import ChannelFactory

TWELVE = {
    "bluesky", "mastodon", "discord", "slack", "telegram", "nostr",
    "x", "linkedin", "linkedin-page", "threads", "reddit", "lemmy",
}  # fmt: skip


def _response(headers):
    response = requests.Response()
    response.status_code = 429
    response.headers.update(headers)
    return response


def test_the_twelve_networks_are_registered():
    assert set(provider_classes()) >= TWELVE


@pytest.mark.parametrize("identifier", sorted(TWELVE))
def test_every_provider_declares_its_contract(identifier):
    provider = get_provider(identifier)
    assert provider.display_name and provider.auth_kind
    assert provider.reply_mode in {"thread", "comment", "none"}
    assert provider.idempotency in {"native-key", "deterministic-key", "container-handle", "none"}
    assert provider.lookup in {"by-key", "by-content", "none"}
    # Production endpoints are the defaults; a custom-instance network has its user's server.
    assert provider.endpoints or provider.custom_instance


def test_retry_after_reads_seconds_http_dates_epochs_and_iso_times():
    assert retry_after_seconds(_response({"Retry-After": "7"})) == 7
    epoch = datetime.now(UTC).timestamp() + 120
    assert 110 < retry_after_seconds(_response({"x-rate-limit-reset": str(int(epoch))})) <= 120
    iso = (datetime.now(UTC) + timedelta(minutes=5)).isoformat()
    assert 290 < retry_after_seconds(_response({"X-RateLimit-Reset": iso})) <= 300


class _PullNetwork(Provider):
    identifier = "pull-test"
    display_name = "Pull"
    auth_kind = "oauth2"
    media_rules = MediaRules(max_count=4, requires_public_url=True)


def _image(public_url=""):
    return MediaItem("image/png", 10, lambda: b"", filename="a.png", public_url=public_url)


def test_a_network_that_pulls_media_refuses_files_without_a_public_url():
    provider = _PullNetwork()
    assert [i.code for i in provider.validate_media(0, [_image()])] == ["media_url"]
    assert provider.validate_media(0, [_image("https://media.example/a.png")]) == []


def test_unknown_settings_are_kept_with_a_warning_and_plug_keys_pass_silently():
    issues = _PullNetwork().validate_settings({"colour": "red", "plug--auto--likes": 5})
    assert [(i.code, i.severity) for i in issues] == [("setting_unknown", "warning")]


def test_channel_lists_name_the_network_as_people_know_it(org, owner, client_for):
    ChannelFactory(organization=org, provider="linkedin-page", external_id="1", name="Acme Corp")
    page = client_for(owner).get(f"/o/{org.slug}/channels/")
    assert b"LinkedIn Page" in page.content
    assert b"linkedin-page \xc2\xb7" not in page.content


def test_error_reports_never_carry_what_a_connect_form_posted(org, owner, client_for, settings):
    from django.views.debug import SafeExceptionReporterFilter

    # Nothing listens on port 9 here: the network answers at once, without leaving the host.
    settings.PROVIDER_ENDPOINTS = {"telegram": {"api": "http://127.0.0.1:9"}}
    response = client_for(owner).post(
        f"/o/{org.slug}/channels/connect/telegram/",
        {"bot_token": "123456:SECRET-TOKEN", "chat": "@news"},
    )
    request = response.wsgi_request
    cleansed = SafeExceptionReporterFilter().get_post_parameters(request)
    assert "SECRET-TOKEN" not in str(dict(cleansed))


@pytest.mark.parametrize("identifier", sorted(TWELVE))
def test_no_provider_claims_analytics_it_cannot_fetch(identifier):
    from integrations.providers.base import Provider

    provider = get_provider(identifier)
    own: dict = {}
    for cls in type(provider).__mro__:
        if cls is Provider:
            break
        own = {**cls.__dict__, **own}
    assert (provider.analytics in ("post", "both")) == ("post_metrics" in own)
    assert (provider.analytics in ("account", "both")) == ("channel_metrics" in own)


@pytest.mark.parametrize(
    "url, kept",
    [
        ("https://social.example/@acme/1", "https://social.example/@acme/1"),
        ("HTTP://social.example/1", "HTTP://social.example/1"),
        ("javascript:alert(document.cookie)", ""),
        ("data:text/html,<script>1</script>", ""),
        ("", ""),
        (None, ""),
    ],
)
def test_only_a_web_address_from_a_network_is_kept_as_the_posts_link(url, kept):
    from integrations.providers.base import RemoteRef

    assert RemoteRef("1", url).url == kept
