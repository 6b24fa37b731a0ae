"""Waiting for a network to finish something (media processing, a container, a job)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any


def poll(
    check: Callable[[], Any],
    *,
    attempts: int,
    interval: float | Callable[[], float],
    wait_first: bool = False,
) -> Any:
    """Call ``check`` until it answers something truthy, at most ``attempts`` times,
    sleeping ``interval`` seconds (a number, or a callable read before each sleep)
    between calls, and before the first when ``wait_first``. Returns the answer, or None
    when it never came: the caller raises its own "still processing" error, and the
    engine's retry resumes from the saved progress."""
    for attempt in range(attempts):
        if attempt or wait_first:
            seconds = interval() if callable(interval) else interval
            if seconds and seconds > 0:
                time.sleep(seconds)
        answer = check()
        if answer:
            return answer
    return None
