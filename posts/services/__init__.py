"""Every write to posts. Views, the API, imports and the publishing engine call these."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext_noop

from integrations.models import Integration
from organizations.texts import Text
from posts import events
from posts.models import Post
from posts.states import State, transition

# Posts that have not gone out and would go out later if nothing stopped them.
PENDING = (
    State.DRAFT,
    State.SCHEDULED,
    State.FAILED,
    State.UNCONFIRMED,
    State.MISSED,
    State.REVIEW,
)


def posts_pending_for_channel(*, integration: Integration) -> int:
    """Anyone may ask: how many posts deleting this channel would cancel."""
    return Post.objects.filter(integration=integration, state__in=PENDING).count()


@transaction.atomic
def posts_cancel_for_channel(*, integration: Integration, actor=None) -> int:
    """Called when a channel is deleted (inside its transaction); cancels what has not gone
    out. A post a worker already holds (publishing) is left to finish: it was sent."""
    posts = Post.objects.filter(integration=integration, state__in=PENDING)
    stopped = list(posts.values_list("pk", flat=True))
    deleted = Text(gettext_noop("The channel was deleted."))
    cancelled = transition(posts, State.CANCELLED, **Post.error_changes(deleted))
    if stopped:
        events.emit_many(events.POST_DELETED, post_ids=stopped)
    return cancelled
