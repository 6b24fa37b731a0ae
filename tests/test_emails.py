"""The emails the product sends are plain text: names read as people wrote them (never
HTML entities) and networks go by the names people know."""

from pathlib import Path

import pytest
from django.core import mail
from django.template.loader import render_to_string
from django.utils import timezone

from integrations.models import Integration
from integrations.services import integration_set_status
from organizations.models import Organization

pytestmark = pytest.mark.django_db

TEMPLATES = Path(__file__).resolve().parents[1] / "templates"
EMAILS = sorted(str(path.relative_to(TEMPLATES)) for path in TEMPLATES.glob("*/email/*.txt"))


@pytest.mark.parametrize("name", EMAILS)
def test_every_email_writes_names_as_they_are_not_as_html(name, org, owner):
    org.name = "Newbie's <Team> & Co"
    channel = Integration(
        organization=org, provider="bluesky", external_id="did:plc:x", name='Sam\'s "news"'
    )
    context = {
        "organization": org,
        "integration": channel,
        "invitation": type("Invitation", (), {"organization": org, "invited_by": owner})(),
        "notification": type("Note", (), {"title": 'A post to Sam\'s "news" failed'})(),
        "expires_at": timezone.now(),
        "url": "https://postiz.example.com/x?a=1&b=2",
        "count": 1,
        "days": 7,  # what the invitation sender passes (POSTIZ_INVITATION_DAYS)
    }
    text = render_to_string(name, context)
    assert "&#" not in text and "&amp;" not in text and "&lt;" not in text and "&quot;" not in text
    assert "bluesky" not in text.replace("Bluesky", "")  # never the network's id


def test_a_channel_needing_reconnection_emails_its_team_by_names_people_know(
    org, owner, django_capture_on_commit_callbacks
):
    Organization.objects.filter(pk=org.pk).update(name="Newbie's team")
    org.refresh_from_db()
    channel = Integration.objects.create(
        organization=org, provider="bluesky", external_id="did:plc:y", name="Sam's news"
    )
    with django_capture_on_commit_callbacks(execute=True):
        integration_set_status(
            integration=channel, status=Integration.Status.NEEDS_RECONNECT, error="Revoked."
        )
    [message] = mail.outbox
    assert message.subject == "Sam's news needs reconnecting in Newbie's team"
    assert message.body.startswith("Bluesky stopped accepting Postiz's access to Sam's news")
