"""What the networks' tests need to read as a French member does (built on
tests/providers/languages.py, which the other networks' language tests use).

``said_in_french(error)``: the network's refusal as a record keeps it (its Text, through
JSON) and as a French reader sees it later. ``french(user)`` (a fixture): the member reads
every page in French; Django's test client leaves the page's language active on the
thread, so it is reset afterwards.
"""

import pytest
from django.utils import translation

from integrations.providers.base import ProviderError
from tests.providers.languages import said, speaking_french


def said_in_french(error: ProviderError) -> str:
    with translation.override("fr"):
        return said(error)


@pytest.fixture
def french(settings):
    yield speaking_french
    translation.activate(settings.LANGUAGE_CODE)


def fr(text: str) -> str:
    """French as the catalogs write it: typographic apostrophes (tests type plain ones)."""
    return text.replace("'", "\u2019")
