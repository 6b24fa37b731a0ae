"""The errors and inputs every network shares are kept as sentences each reader sees in
their own language: a publish job writes them in no one's language, a French or German
reader reads them later in theirs (organizations.texts)."""

import json

import pytest
from django.utils import translation
from werkzeug import Response

from integrations.providers.base import (
    ErrorKind,
    MediaRules,
    Phase,
    Provider,
    ProviderError,
    Tool,
    ToolInput,
    ToolInputError,
)
from organizations.texts import Text, say
from tests.providers.conftest import point


class _Plain(Provider):
    """A network with no table of its own: only the shared mapping by status."""

    identifier = "plain-language-test"
    display_name = "Plain"
    auth_kind = "oauth2"
    media_rules = MediaRules(max_count=1)
    endpoints = {"api": "https://api.plain.example"}


@pytest.fixture
def provider(settings, httpserver):
    point(settings, httpserver, _Plain.identifier, api="/")
    return _Plain()


def refused(provider, httpserver, response, phase=Phase.COMMIT) -> ProviderError:
    httpserver.expect_request("/probe").respond_with_response(response)
    with pytest.raises(ProviderError) as caught:
        provider.request("POST", provider.url("api", "/probe"), phase=phase)
    return caught.value


def test_a_refusal_read_by_status_is_kept_for_each_readers_language(provider, httpserver):
    error = refused(provider, httpserver, Response("{}", status=403))

    assert error.user_message == "Plain does not allow this for the connected account."
    kept = json.loads(json.dumps(error.text.stored()))  # what the post's JSON column holds
    with translation.override("fr"):
        assert say(kept) == "Plain ne permet pas cela pour le compte connecté."
    with translation.override("de"):
        assert say(kept) == "Plain erlaubt dies für das verbundene Konto nicht."
    assert error.text.english() == error.user_message


def test_a_network_out_of_reach_is_said_in_the_readers_language(provider):
    provider.timeout = (0.5, 0.5)
    with pytest.raises(ProviderError) as caught:
        # Nothing listens there: refused before anything was sent.
        provider.request("GET", "http://127.0.0.1:9/", phase=Phase.READ)
    error = caught.value
    assert error.kind == ErrorKind.TRANSIENT_BEFORE_SEND
    with translation.override("es"):
        assert str(error.text) == "No se pudo contactar con Plain; lo intentaremos de nuevo."


def test_a_channel_without_a_refresh_token_asks_to_reconnect_in_the_readers_language():
    from integrations.providers.base import Channel
    from integrations.providers.google import google_oauth

    class _Google(_Plain):
        identifier = "plain-google-language-test"
        oauth = google_oauth(("A", "B"), write_scope="")

    with pytest.raises(ProviderError) as caught:
        _Google().refresh(Channel("id", {"access_token": "t"}))
    with translation.override("pt-br"):
        assert str(caught.value.text) == (
            "O Google não enviou nenhum token de atualização para este canal; conecte-o novamente."
        )
    with pytest.raises(ProviderError) as caught:
        _Plain().refresh(Channel("id", {"access_token": "t"}))
    with translation.override("fr"):
        assert str(caught.value.text) == "Plain vous demande de reconnecter ce canal."


def test_a_tools_inputs_are_explained_in_the_askers_language():
    tool = Tool("search", "Search", inputs=(ToolInput("q", description="Words"),))
    with translation.override("de"), pytest.raises(ToolInputError) as caught:
        tool.clean({"q": ["not", "text"]})
    assert caught.value.messages == ["q muss eine Zeichenkette sein"]
    optional = Tool("find", "Find", inputs=(ToolInput("q", description="Words", required=False),))
    with translation.override("fr"):
        assert optional.data_schema()[0]["description"] == "Words (facultatif)"
    assert optional.data_schema()[0]["description"] == "Words (optional)"


def test_an_unreadable_answer_on_the_commit_may_be_live_in_every_language(provider, httpserver):
    httpserver.expect_request("/probe").respond_with_response(Response("<html>", status=200))
    response = provider.request("POST", provider.url("api", "/probe"), phase=Phase.COMMIT)
    with pytest.raises(ProviderError) as caught:
        provider.read_json(response, Phase.COMMIT)
    assert isinstance(caught.value.text, Text)
    with translation.override("fr"):
        assert str(caught.value.text) == (
            "Plain a envoyé une réponse que nous n\u2019avons pas pu lire."
        )


def test_a_networks_settings_schema_is_json_in_the_askers_language():
    from integrations.providers.youtube import YouTubeProvider
    from postiz.api_serializers import settings_schema

    with translation.override("fr"):
        schema = json.loads(json.dumps(settings_schema(YouTubeProvider)))
    assert schema["properties"]["type"]["title"] == "Visibilité"
    english = json.loads(json.dumps(settings_schema(YouTubeProvider)))
    assert english["properties"]["type"]["title"] == "Visibility"
