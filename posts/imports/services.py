"""Importing a CSV file of posts: upload, preview (in the worker), confirm, schedule (in
the worker).

Nothing of a row is saved as a post before the person has seen the preview and asked
for the good rows to be scheduled. Every row is checked by the validator the composer
uses (posts.services.validation); a row with an error is left out and never stops the
others. Each row's key (a hash of what it asks for) is stored on the group it becomes,
unique per organization, so uploading the same file again, or a row already imported in
another file, never schedules a post twice.

The worker reads channels as the member who uploaded the file (``_act_as_creator``): a
member limited to customers finds only their customers' channels, so a row naming
another customer's channel is an unknown channel, in the preview and again when it is
scheduled, exactly as in the composer.

Media addresses are fetched during the preview, through the SSRF-guarded download of the
media library (media.services.media_upload_from_url), so the preview can check each file
against each network's rules; an address already fetched for this organization is reused.
"""

from __future__ import annotations

import hashlib
import logging
import time
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone as dj_timezone
from django.utils.translation import gettext_noop

from accounts.i18n import in_language_of
from billing.limits import LimitReached
from integrations.selectors import integrations_for
from organizations.models import Membership, Organization
from organizations.texts import Text, english, stored
from posts.imports import formats, times
from posts.imports.checks import (
    Channels,
    Media,
    check_row,
    is_iana,
    items_of,
    problem,
    row_key,
)
from posts.imports.models import ImportJob, ImportRow
from posts.models import PostGroup, Tag
from posts.services.validation import (
    ChannelInput,
    PostValidationError,
)

logger = logging.getLogger("postiz.imports")

# Progress is written every this many rows (one UPDATE each time).
PROGRESS_EVERY = 100
# Rows scheduled per transaction.
SCHEDULE_BATCH = 100
# A worker job stops after about this long and the rest continues in a new job, so no
# job of a large file runs into the worker's timeout (POSTIZ_TASK_TIMEOUT, 240 s).
WORK_SECONDS = 60


# -- Upload ----------------------------------------------------------------------------
def import_job_create(
    *,
    organization: Organization,
    actor,
    data: bytes,
    filename: str = "",
    timezone: str = "",
    date_order: str = ImportJob.DateOrder.AUTO,
    default_channels: list[int] | None = None,
) -> ImportJob:
    """posts.publish (the caller checks). Stores the uploaded file and starts its preview
    in the worker once the upload is committed. ``timezone`` is the zone of rows that name
    none (the person's, else the organization's); ``default_channels`` (ids of this
    organization's channels) are used for rows of files without a channel column."""
    if len(data) > formats.MAX_BYTES:
        raise formats.FileProblem(formats.TOO_LARGE)
    if date_order not in ImportJob.DateOrder.values:
        date_order = ImportJob.DateOrder.AUTO
    wanted = [int(c) for c in default_channels or [] if str(c).isdigit()]
    channels = list(
        integrations_for(organization=organization)
        .filter(pk__in=wanted)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    with transaction.atomic():
        job = ImportJob.objects.create(
            organization=organization,
            created_by=actor if getattr(actor, "is_authenticated", False) else None,
            filename=(filename or "")[:255],
            data=data,
            sha256=hashlib.sha256(data).hexdigest(),
            timezone=timezone or organization.timezone or "UTC",
            date_order=date_order,
            default_channels=channels,
        )
        _enqueue("posts.imports.tasks.preview", job.pk)
    return job


def _enqueue(task: str, job_id: int) -> None:
    from django_q.tasks import async_task

    # The worker's queue (qcluster), never the publisher's: publishing never waits on it.
    transaction.on_commit(lambda: async_task(task, job_id, group="imports"))


# -- Preview ----------------------------------------------------------------------------
def _start_preview(job: ImportJob) -> formats.ReadFile | None:
    """The first run: claims the job, reads the file and records what it was read as.
    None (and the job failed, with why) when the file cannot be used."""
    claimed = ImportJob.objects.filter(pk=job.pk, state=ImportJob.State.UPLOADED).update(
        state=ImportJob.State.PREVIEWING, progress_done=0
    )
    if not claimed:
        return None
    try:
        read = formats.read(bytes(job.data), date_order=job.date_order)
    except formats.FileProblem as problem:
        said = problem.args[0] if problem.args else str(problem)
        ImportJob.objects.filter(pk=job.pk).update(
            state=ImportJob.State.FAILED,
            error=english(said),
            error_text=stored(said),
            finished_at=dj_timezone.now(),
        )
        return None
    notes = [
        Text(gettext_noop("Recognised as a %(format)s."), format=formats.FORMAT_NAMES[read.format]),
        *read.notes,
    ]
    order = job.date_order
    if order == ImportJob.DateOrder.AUTO:
        order = times.slashed_order([r.date for r in read.rows]) or ""
        if order:
            notes.append(
                Text(gettext_noop("Dates like 03/04 were read day first (3 April)."))
                if order == "dmy"
                else Text(gettext_noop("Dates like 03/04 were read month first (March 4)."))
            )
        else:
            # Every date reads both ways: month first where that is the custom (the
            # Americas' zones), else day first; the preview says which was used.
            order = "mdy" if job.timezone.startswith("America/") else "dmy"
            if any(times.is_ambiguous(r.date) for r in read.rows):
                said = (
                    gettext_noop(
                        "Dates like 03/04 were read month first (March 4); upload again "
                        "choosing the other order if that is wrong."
                    )
                    if order == "mdy"
                    else gettext_noop(
                        "Dates like 03/04 were read day first (3 April); upload again choosing "
                        "the other order if that is wrong."
                    )
                )
                notes.append(Text(said))
    earlier = (
        ImportJob.objects.filter(
            organization=job.organization, sha256=job.sha256, confirmed_at__isnull=False
        )
        .exclude(pk=job.pk)
        .order_by("-confirmed_at")
        .first()
    )
    if earlier is not None:
        notes.append(
            Text(
                gettext_noop(
                    "This file was already imported on %(when)s UTC; its rows that were "
                    "scheduled are marked “already imported” and will not be scheduled again."
                ),
                when=f"{earlier.confirmed_at:%Y-%m-%d %H:%M}",
            )
        )
    job.read_order = order
    ImportJob.objects.filter(pk=job.pk).update(
        format=read.format,
        encoding=read.encoding,
        delimiter=read.delimiter,
        read_order=order,
        progress_total=len(read.rows),
        notes=[english(note) for note in notes],
        notes_text=[stored(note) for note in notes],
        same_file_as=earlier,
    )
    return read


def _continue(task: str, job: ImportJob) -> dict:
    # The rest of the file in a new job of the worker: no single job runs past the
    # worker's timeout, and another worker may take it.
    _enqueue(task, job.pk)
    return {"continued": True}


def _act_as_creator(job: ImportJob) -> None:
    """Reads in the worker see what the uploader sees in a page: their customer
    limitation, read now (as a key's is at each request)."""
    if job.created_by_id is None:
        return
    membership = Membership.objects.filter(
        organization_id=job.organization_id, user_id=job.created_by_id
    ).first()
    if membership is not None:
        job.organization.acting_membership = membership


def import_job_preview(*, job_id: int) -> dict:
    """The worker: reads the stored file and records every row with its problems, in
    runs of about WORK_SECONDS each (a run continues in a new job). Safe to run twice:
    rows already recorded are kept, a finished preview is left as it is."""
    job = ImportJob.objects.select_related("organization", "created_by").filter(pk=job_id).first()
    if job is None:
        return {"skipped": True}
    _act_as_creator(job)
    # What the rows' problems say is read by the person who uploaded the file: in their
    # language, not the worker's.
    with in_language_of(job.created_by):
        return _job_preview(job)


def _job_preview(job: ImportJob) -> dict:
    if job.state == ImportJob.State.UPLOADED:
        read = _start_preview(job)
        if read is None:
            return {"skipped": True}
    elif job.state == ImportJob.State.PREVIEWING:
        read = formats.read(bytes(job.data), date_order=job.date_order)
    else:
        return {"skipped": True}

    deadline = time.monotonic() + WORK_SECONDS
    done = ImportRow.objects.filter(job=job).count()
    channels = Channels(job.organization)
    tags = {
        name.lower(): pk
        for pk, name in Tag.objects.filter(organization=job.organization).values_list("pk", "name")
    }
    media = Media(job)
    pending: list[ImportRow] = []
    for raw in read.rows[done:]:
        values, problems = check_row(
            raw,
            job=job,
            channels=channels,
            tags=tags,
            media=media,
            order=job.read_order,
            channel_column=read.has_channel_column,
        )
        status = (
            ImportRow.Status.ERROR
            if any(p["severity"] == "error" for p in problems)
            else ImportRow.Status.READY
        )
        pending.append(
            ImportRow(
                organization=job.organization,
                job=job,
                number=raw.number,
                values=values,
                problems=problems,
                status=status,
                key=row_key(values),
            )
        )
        if len(pending) >= PROGRESS_EVERY:
            done += _save_rows(job, pending)
            pending = []
            if time.monotonic() > deadline and done < len(read.rows):
                return _continue("posts.imports.tasks.preview", job)
    done += _save_rows(job, pending)
    ImportJob.objects.filter(pk=job.pk, state=ImportJob.State.PREVIEWING).update(
        state=ImportJob.State.PREVIEWED, progress_done=done, previewed_at=dj_timezone.now()
    )
    return {"rows": done}


def _save_rows(job: ImportJob, rows: list[ImportRow]) -> int:
    """Records checked rows (a row already recorded by another run is kept) and the
    progress; returns how many were given."""
    if not rows:
        return 0
    _mark_duplicates(job, rows)
    with transaction.atomic():
        ImportRow.objects.bulk_create(rows, ignore_conflicts=True)
        ImportJob.objects.filter(pk=job.pk).update(
            progress_done=ImportRow.objects.filter(job=job).count()
        )
    return len(rows)


def _mark_duplicates(job: ImportJob, rows: list[ImportRow]) -> None:
    """Rows already scheduled (by any earlier import), and rows repeating an earlier row
    of the same file, are duplicates: said in the preview, never scheduled."""
    keys = [r.key for r in rows]
    done: dict[str, datetime] = dict(
        PostGroup.objects.filter(
            organization_id=job.organization_id, import_key__in=keys
        ).values_list("import_key", "created_at")
    )
    seen: dict[str, int] = {}
    earlier = ImportRow.objects.filter(job=job, key__in=keys, status=ImportRow.Status.READY)
    for key, number in earlier.values_list("key", "number").order_by("number"):
        seen.setdefault(key, number)
    for row in rows:
        if row.key in done:
            row.status = ImportRow.Status.DUPLICATE
            row.problems.append(
                problem(
                    "already_imported",
                    Text(
                        gettext_noop(
                            "Already imported on %(date)s UTC: this post exists; it will not be "
                            "scheduled again."
                        ),
                        date=f"{done[row.key]:%Y-%m-%d}",
                    ),
                    severity="warning",
                )
            )
        elif row.key in seen and row.status == ImportRow.Status.READY:
            row.status = ImportRow.Status.DUPLICATE
            row.problems.append(
                problem(
                    "duplicate_row",
                    Text(
                        gettext_noop("The same post as row %(row)s; it is scheduled once."),
                        row=seen[row.key],
                    ),
                    severity="warning",
                )
            )
        if row.status == ImportRow.Status.READY:
            seen.setdefault(row.key, row.number)


# -- Housekeeping ----------------------------------------------------------------------
KEEP_IMPORTS = timedelta(days=30)


def import_jobs_prune(*, now: datetime | None = None) -> int:
    """The daily job only: deletes imports (the stored file, its rows) older than 30 days
    that are not running. Groups keep their rows' keys, so re-uploading an old file still
    schedules nothing twice. Returns how many imports went."""
    cutoff = (now or dj_timezone.now()) - KEEP_IMPORTS
    old = ImportJob.objects.filter(created_at__lt=cutoff).exclude(
        state__in=[ImportJob.State.PREVIEWING, ImportJob.State.SCHEDULING]
    )
    _deleted, by_model = old.delete()
    return by_model.get("posts.ImportJob", 0)


# -- Confirm and schedule --------------------------------------------------------------
def import_job_confirm(*, job: ImportJob, actor) -> bool:
    """posts.publish (the caller checks). Starts scheduling the good rows of a previewed
    file in the worker; False when the job is not (or no longer) waiting for this."""
    with transaction.atomic():
        moved = ImportJob.objects.filter(
            pk=job.pk, organization=job.organization, state=ImportJob.State.PREVIEWED
        ).update(
            state=ImportJob.State.SCHEDULING,
            confirmed_at=dj_timezone.now(),
            progress_done=0,
            progress_total=ImportRow.objects.filter(job=job, status=ImportRow.Status.READY).count(),
        )
        if moved:
            _enqueue("posts.imports.tasks.schedule", job.pk)
    return bool(moved)


def _tag_ids(organization: Organization, names: list[str], cache: dict[str, int]) -> list[int]:
    ids = []
    for name in names:
        key = name.lower()
        if key not in cache:
            tag = Tag.objects.filter(organization=organization, name__iexact=name).first()
            if tag is None:
                tag = Tag.objects.create(organization=organization, name=name[:50])
            cache[key] = tag.pk
        ids.append(cache[key])
    return ids


def import_job_schedule(*, job_id: int) -> dict:
    """The worker: schedules every ready row, each with its key stored on its group (so a
    run cut short and started again, or a second run, never makes a row twice), in runs
    of about WORK_SECONDS (a run continues in a new job). Rows that fail now (a time
    passed since the preview, a plan limit) are marked with why."""
    job = (
        ImportJob.objects.select_related("organization", "created_by")
        .filter(pk=job_id, state=ImportJob.State.SCHEDULING)
        .first()
    )
    if job is None:
        return {"skipped": True}
    _act_as_creator(job)
    # What the rows' problems say is read by the person who uploaded the file: in their
    # language, not the worker's.
    with in_language_of(job.created_by):
        return _job_schedule(job)


def _job_schedule(job: ImportJob) -> dict:
    deadline = time.monotonic() + WORK_SECONDS
    tag_cache: dict[str, int] = {}
    counts = {"scheduled": 0, "failed": 0, "duplicate": 0}
    pending = ImportRow.objects.filter(job=job, status=ImportRow.Status.READY).order_by("number")
    while True:
        batch = list(pending[:SCHEDULE_BATCH])
        if not batch:
            break
        # One transaction per batch; each row's group is written under its own savepoint
        # (post_group_create's): a commit per row would cost more than the row.
        with transaction.atomic():
            for row in batch:
                counts[_schedule_row(job, row, tag_cache)] += 1
            ImportRow.objects.bulk_update(batch, ["status", "group", "problems"])
            ImportJob.objects.filter(pk=job.pk).update(
                progress_done=F("progress_done") + len(batch)
            )
        if time.monotonic() > deadline:
            return _continue("posts.imports.tasks.schedule", job)
    ImportJob.objects.filter(pk=job.pk, state=ImportJob.State.SCHEDULING).update(
        state=ImportJob.State.DONE, progress_done=F("progress_total"), finished_at=dj_timezone.now()
    )
    logger.info("import %s scheduled %s", job.public_id, counts)
    return counts


def _schedule_row(job: ImportJob, row: ImportRow, tag_cache: dict[str, int]) -> str:
    """Writes one row's group, or records why not; the row is saved by the caller."""
    from posts.services.groups import post_group_create

    values = row.values
    zone = values.get("zone") if is_iana(values.get("zone", "")) else job.timezone
    # Outside the group's savepoint: a tag made for a row that then fails stays made.
    tag_ids = _tag_ids(job.organization, values.get("tags", []), tag_cache)
    try:
        row.group = post_group_create(
            organization=job.organization,
            actor=job.created_by,
            content=items_of(values),
            channels=[ChannelInput(c) for c in values.get("channel_ids", [])],
            action="schedule",
            publish_at=datetime.fromisoformat(values["publish_at"]),
            timezone=zone,
            tags=tag_ids,
            method=PostGroup.Method.IMPORT,
            import_key=row.key,
        )
        row.status = ImportRow.Status.SCHEDULED
        return "scheduled"
    except IntegrityError:
        # Another upload scheduled this very row first: one post, never two.
        row.problems.append(
            problem(
                "already_imported",
                Text(gettext_noop("Already imported by another upload; not scheduled again.")),
                severity="warning",
            )
        )
        row.status = ImportRow.Status.DUPLICATE
        return "duplicate"
    except PostValidationError as error:
        for issues in error.issues_by_channel.values():
            for issue in issues:
                if issue.severity == "error":
                    row.problems.append(problem(issue.code, issue.message))
    except LimitReached as error:
        row.problems.append(problem("plan_limit", error.message))
    except Exception:
        # One row's surprise never stops the others; it is logged for us to look at.
        logger.exception("import %s: row %s could not be scheduled", job.public_id, row.number)
        row.problems.append(
            problem(
                "internal_error",
                Text(gettext_noop("This row could not be scheduled; try it in the composer.")),
            )
        )
    row.status = ImportRow.Status.FAILED
    return "failed"
