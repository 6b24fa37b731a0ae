import re

import pytest
from django.urls import reverse

from organizations import services
from organizations.models import Membership

LINK = re.compile(r"https?://[^\s/]+(/invitations/[^\s]+/)")


def invitation_path(message) -> str:
    """The path of the acceptance link in an invitation email."""
    match = LINK.search(message.body)
    assert match, message.body
    return match.group(1)


def membership_of(org, user) -> Membership:
    return Membership.objects.get(organization=org, user=user)


def url(name, org, *args):
    return reverse(f"organizations:{name}", args=[org.slug, *args])


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


@pytest.fixture
def invite(org, owner, django_capture_on_commit_callbacks):
    """Invite an address to ``org`` as the owner; the email is sent (on commit)."""

    def make(email="newcomer@example.com", role="editor", by=None):
        actor = membership_of(org, by or owner)
        with django_capture_on_commit_callbacks(execute=True):
            return services.invitation_create(
                organization=org, actor_membership=actor, email=email, role=role
            )

    return make
