"""AI writing help in the composer: suggestions from the operator's OpenAI-compatible
server (``client``), prompts built from a channel's rules (``prompts``), and the service
that counts the organization's daily allowance and streams a suggestion (``services``).

Off unless AI_BASE_URL and AI_MODEL are set: then no control shows and the route is 404.
"""

from django.conf import settings


def enabled() -> bool:
    """Whether this instance offers AI writing help."""
    return bool(settings.AI_BASE_URL and settings.AI_MODEL)
