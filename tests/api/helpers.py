"""Keys and channels for the API tests."""

from organizations.models import ALL_SCOPES
from organizations.services import api_key_create


def make_key(org, *, scopes=ALL_SCOPES, name="Script", actor=None, **kwargs):
    """A usable key for ``org``: returns (ApiKey, raw secret)."""
    return api_key_create(organization=org, actor=actor, name=name, scopes=scopes, **kwargs)


def auth(raw: str, *, bearer: bool = False) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}" if bearer else raw}
