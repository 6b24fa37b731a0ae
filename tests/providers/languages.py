"""Helpers for the networks' language tests: an answer the fake network gives, refused
through the provider's own request path and error table, and the composer as a French
member sees it."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from integrations.providers.base import Phase, ProviderError
from organizations.texts import say


def refused(provider, httpserver, answer, *, phase=Phase.COMMIT, method="POST") -> ProviderError:
    """The error ``provider`` raises when the network answers ``answer`` (a werkzeug
    Response), sent through ``Provider.request`` like any of its calls."""
    httpserver.expect_request("/said", method=method).respond_with_response(answer)
    with pytest.raises(ProviderError) as caught:
        provider.request(method, httpserver.url_for("/said"), phase=phase)
    return caught.value


def kept(error: ProviderError) -> dict:
    """What a post's or a notification's JSON column keeps of the error."""
    assert error.text is not None, f"not kept as a Text: {error.user_message!r}"
    return json.loads(json.dumps(error.text.stored()))


def said(error: ProviderError) -> str:
    """The kept error as the active language says it."""
    return say(kept(error))


def speaking_french(user):
    user.language = "fr"
    user.save(update_fields=["language"])
    return user


def composer(org) -> str:
    return reverse("posts:new", args=[org.slug])


def composer_page(client, org, channel) -> str:
    """The composer with ``channel`` chosen, as the client's member sees it."""
    page = client.get(composer(org), {"channel": channel.pk})
    assert page.status_code == 200
    return page.content.decode()


def assert_composer_closed(org, outsider, viewer, client_for) -> None:
    """Someone of another organization is not told it exists; a viewer may not write."""
    assert client_for(outsider).get(composer(org)).status_code == 404
    assert client_for(viewer).get(composer(org)).status_code == 403
