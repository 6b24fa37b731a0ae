"""django-q2 entry points for post counts (the worker's queue, never the publisher's).
Each takes ids, re-fetches and is safe to run twice."""

from __future__ import annotations


def metrics_round() -> dict:
    from posts.analytics.services import metrics_round as run

    return run()


def fetch_post_metrics(integration_id: int) -> dict:
    from posts.analytics.services import post_metrics_fetch

    return post_metrics_fetch(integration_id=integration_id)
