"""django-q2 entry points of CSV imports: they run in the worker (qcluster), never in the
publisher. Each takes an id, re-fetches and is safe to run twice."""


def preview(job_id: int) -> dict:
    from posts.imports.services import import_job_preview

    return import_job_preview(job_id=job_id)


def schedule(job_id: int) -> dict:
    from posts.imports.services import import_job_schedule

    return import_job_schedule(job_id=job_id)


def prune() -> int:
    """Every day: imports older than 30 days go, their stored files with them."""
    from posts.imports.services import import_jobs_prune

    return import_jobs_prune()
