"""TikTok Business's refusals are kept as sentences each reader sees in their own
language, and its checks speak the person's language."""

import json
from pathlib import Path

import pytest
from django.utils import translation

from integrations.providers.base import Draft, DraftItem, MediaItem, Phase, ProviderError
from integrations.providers.tiktok_business import TikTokBusinessProvider
from organizations.texts import say
from tests.providers.conftest import fixture_response

HERE = Path(__file__).parent


def test_a_refusal_from_the_table_is_read_in_portuguese(provider, httpserver):
    httpserver.expect_request("/api/probe").respond_with_response(
        fixture_response(HERE, "scope_missing")
    )
    with pytest.raises(ProviderError) as caught:
        provider.request("POST", provider.url("api", "/probe"), phase=Phase.COMMIT)
    kept = json.loads(json.dumps(caught.value.text.stored()))
    with translation.override("pt-br"):
        assert say(kept).startswith("O TikTok não permitiu isso na conta (")
        assert say(kept).endswith("reconecte o canal e conceda todas as permissões pedidas.")
    assert caught.value.user_message.startswith("TikTok did not allow this for the account (")


def test_a_comment_with_files_is_refused_in_french():
    video = MediaItem("video/mp4", 10, lambda: b"", filename="a.mp4", public_url="https://x/a")
    photo = MediaItem("image/png", 10, lambda: b"", filename="b.png", public_url="https://x/b")
    draft = Draft([DraftItem("Hello", [video]), DraftItem("More", [photo])], {})
    with translation.override("fr"):
        messages = [i.message for i in TikTokBusinessProvider().validate(draft)]
    assert "Un commentaire TikTok ne contient que du texte ; supprimez ses fichiers." in messages
