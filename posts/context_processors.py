"""The bell in the header: the unread count of the person's notifications in the
organization of the page."""

from django.urls import reverse
from django.utils.functional import SimpleLazyObject


def notifications(request):
    """Only on organization pages (the tenancy decorator set request.membership); the count
    is one indexed query, made only when the template shows the bell."""
    membership = getattr(request, "membership", None)
    user = getattr(request, "user", None)
    if membership is None or user is None or not user.is_authenticated:
        return {}
    organization = membership.organization
    return {
        "bell": {
            "url": reverse("posts:notifications", args=[organization.slug]),
            "unread": SimpleLazyObject(lambda: unread_for(request)),
            # Beside Approvals in the menu; counted only where the page shows it.
            "reviews": SimpleLazyObject(lambda: reviews_for(request)),
            # A client account reviews on its own page instead of the Approvals list.
            "client_review": reverse("posts:client_review", args=[organization.slug])
            if membership.can("posts.review_as_client")
            else "",
        }
    }


def unread_for(request) -> int:
    """The unread count for the page's organization, counted once per request."""
    if not hasattr(request, "_postiz_unread"):
        from posts.services.notifications import unread_count

        request._postiz_unread = unread_count(
            organization=request.membership.organization, user=request.user
        )
    return request._postiz_unread


def reviews_for(request) -> int:
    """The review groups waiting for this member, counted once per request."""
    if not hasattr(request, "_postiz_reviews"):
        from posts.selectors import reviews_waiting_count

        request._postiz_reviews = reviews_waiting_count(membership=request.membership)
    return request._postiz_reviews
