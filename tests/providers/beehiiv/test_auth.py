"""Connecting beehiiv: an API key, checked by listing the publications it reaches."""

import pytest

from integrations.providers.base import ErrorKind, ProviderError
from tests.providers.beehiiv.conftest import BEARER, KEY, PUB, reply
from tests.providers.conftest import assert_no_secret


def test_the_key_is_checked_and_each_publication_is_a_choice(provider, httpserver, captured_logs):
    httpserver.expect_request("/api/v2/publications", headers=BEARER).respond_with_response(
        reply("publications")
    )
    grant = provider.authenticate({"api_key": f" {KEY} "})
    assert grant.credentials == {"api_key": KEY}
    first, second = provider.accounts(grant)
    assert (first.external_id, first.name) == (PUB, "Acme Weekly")
    assert second.name == "Acme Dev Notes"
    assert httpserver.log[0][0].args["limit"] == "100"
    assert_no_secret(captured_logs, KEY)


def test_a_wrong_key_is_explained(provider, httpserver):
    httpserver.expect_request("/api/v2/publications").respond_with_response(reply("unauthorized"))
    with pytest.raises(ProviderError) as caught:
        provider.authenticate({"api_key": "nope"})
    assert caught.value.kind == ErrorKind.AUTH_REVOKED
    assert "Settings → API" in caught.value.user_message


def test_a_key_reaching_no_publication_is_refused(provider, httpserver):
    httpserver.expect_request("/api/v2/publications").respond_with_response(
        reply("publications_empty")
    )
    with pytest.raises(ProviderError) as caught:
        provider.authenticate({"api_key": KEY})
    assert caught.value.kind == ErrorKind.NOT_FOUND


def test_the_profile_and_the_publications_tool(provider, httpserver, channel):
    httpserver.expect_request(f"/api/v2/publications/{PUB}").respond_with_response(
        reply("publication")
    )
    httpserver.expect_request("/api/v2/publications").respond_with_response(reply("publications"))
    assert provider.fetch_profile(channel).name == "Acme Weekly"
    assert provider.run_tool(channel, "publications", {})[0] == {"id": PUB, "name": "Acme Weekly"}


def test_the_provider_says_why_it_is_limited():
    from integrations.providers.beehiiv import BeehiivProvider

    assert "Enterprise" in BeehiivProvider.limited
