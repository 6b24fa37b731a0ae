"""What the networks' tests need to read as a French member does.

``said_in_french(error)``: the network's refusal as a record keeps it (its Text, through
JSON) and as a French reader sees it later. ``french(user)`` (a fixture): the member reads
every page in French; Django's test client leaves the page's language active on the
thread, so it is reset afterwards.
"""

import json

import pytest
from django.utils import translation

from integrations.providers.base import ProviderError
from organizations.texts import say


def said_in_french(error: ProviderError) -> str:
    assert error.text is not None, f"not kept as a Text: {error.user_message!r}"
    kept = json.loads(json.dumps(error.text.stored()))
    with translation.override("fr"):
        return say(kept)


@pytest.fixture
def french(settings):
    def make(user):
        user.language = "fr"
        user.save(update_fields=["language"])
        return user

    yield make
    translation.activate(settings.LANGUAGE_CODE)


def fr(text: str) -> str:
    """French as the catalogs write it: typographic apostrophes (tests type plain ones)."""
    return text.replace("'", "\u2019")
