"""django-q2 entry points for plugs (the worker's queue, never the publisher's). Each
takes ids, re-fetches and is safe to run twice."""

from __future__ import annotations


def fire_plug_run(run_id: int) -> str:
    from posts.plugs.services import plug_run_fire

    return plug_run_fire(run_id=run_id)


def plugs_round() -> dict:
    from posts.plugs.services import plugs_round as run

    return run()
