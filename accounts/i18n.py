"""Writing to a person in their language, outside a request (emails, background jobs)."""

from __future__ import annotations

from django.conf import settings
from django.utils import translation


def language_of(user) -> str:
    """The person's chosen language, or the instance's default (English)."""
    return getattr(user, "language", "") or settings.LANGUAGE_CODE


def in_language_of(user):
    """``with in_language_of(person):`` renders emails and texts for that person."""
    return translation.override(language_of(user))
