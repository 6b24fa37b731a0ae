"""Reads of imports, already scoped to one organization.

A member limited to customers sees only the uploads they made themselves: an upload is
not tied to one customer (its rows may name any channel, and its file and its rows'
problems show every channel it names), so another member's upload answers 404 to them,
like another organization's. Everyone else sees all of the organization's uploads."""

from __future__ import annotations

import uuid

from django.db.models import Count, Q, QuerySet

from integrations.selectors import acting_limit
from organizations.models import Organization
from posts.imports.models import ImportJob, ImportRow


def jobs_for(*, organization: Organization) -> QuerySet[ImportJob]:
    """The organization's uploads, newest first, without the stored files (only their
    own when the acting member is limited to customers)."""
    jobs = ImportJob.objects.filter(organization=organization)
    limited = acting_limit(organization)
    if limited is not None:
        jobs = jobs.filter(created_by_id=limited.user_id)
    return jobs.defer("data").select_related("created_by").order_by("-created_at", "-id")


def job_get(*, organization: Organization, public_id) -> ImportJob | None:
    """One upload of this organization; None for another organization's (or a bad id)."""
    try:
        found = uuid.UUID(str(public_id))
    except ValueError:
        return None
    return jobs_for(organization=organization).filter(public_id=found).first()


def row_counts(*, job: ImportJob) -> dict[str, int]:
    """How many rows are in each status, in one query."""
    statuses = ImportRow.Status.values
    counts = ImportRow.objects.filter(job=job).aggregate(
        total=Count("id"), **{s: Count("id", filter=Q(status=s)) for s in statuses}
    )
    return counts


def rows_for(*, job: ImportJob, status: str | None = None) -> QuerySet[ImportRow]:
    rows = ImportRow.objects.filter(job=job, organization_id=job.organization_id)
    if status:
        rows = rows.filter(status=status)
    return rows.order_by("number")
