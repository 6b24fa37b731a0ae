"""Importing posts from a CSV file (upload → preview → schedule the good rows) and
exporting them as CSV. Importing needs posts.publish; exporting, anyone who may see the
calendar. A member limited to customers is offered only their customers' channels, sees
only their own uploads (posts.imports.selectors) and exports only the posts they see.
The preview and the scheduling run in the background worker; the job page polls their
progress."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from integrations.selectors import integrations_for
from organizations.access import organization_view
from postiz.timezones import timezone_choices
from posts import calendar as cal
from posts.imports import export as exporting
from posts.imports import formats
from posts.imports.models import ImportJob, ImportRow
from posts.imports.selectors import job_get, jobs_for, row_counts, rows_for
from posts.imports.services import import_job_confirm, import_job_create
from posts.states import State

ROWS_PER_PAGE = 200


class ImportForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("CSV file"))
    timezone = forms.ChoiceField(
        label=gettext_lazy("Time zone of rows that name none"),
        help_text=gettext_lazy("A row's own timezone column, or an offset in its date, wins."),
    )
    date_order = forms.ChoiceField(
        label=gettext_lazy("Dates like 03/04/2027 are"),
        choices=ImportJob.DateOrder.choices,
        initial=ImportJob.DateOrder.AUTO,
    )
    channels = forms.MultipleChoiceField(
        label=gettext_lazy("Channels for rows that name none"),
        help_text=gettext_lazy("Hootsuite's files name no channel: choose them here."),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, organization, zone: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["timezone"].choices = timezone_choices()
        self.fields["timezone"].initial = zone
        # The channels the member may see (only their customers' when they are limited).
        self.fields["channels"].choices = [
            (str(pk), name)
            for pk, name in integrations_for(organization=organization).values_list("pk", "name")
        ]


@organization_view("posts.publish")
@require_http_methods(["GET", "POST"])
def import_start(request):
    """The upload form and the organization's recent uploads."""
    organization = request.organization
    zone = cal.zone_for(request.user, organization).key
    form = ImportForm(
        request.POST or None, request.FILES or None, organization=organization, zone=zone
    )
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        if upload.size > formats.MAX_BYTES:
            form.add_error("file", _("The file is larger than 20 MB; split it into smaller files."))
        else:
            job = import_job_create(
                organization=organization,
                actor=request.user,
                data=upload.read(),
                filename=upload.name,
                timezone=form.cleaned_data["timezone"],
                date_order=form.cleaned_data["date_order"],
                default_channels=[int(c) for c in form.cleaned_data["channels"]],
            )
            return redirect("posts:import_job", organization.slug, job.public_id)
    return render(
        request,
        "posts/imports/start.html",
        {
            "organization": organization,
            "form": form,
            "jobs": list(jobs_for(organization=organization)[:10]),
            "columns": exporting.COLUMNS[:8],
        },
    )


def _job_or_404(request, job_id) -> ImportJob:
    job = job_get(organization=request.organization, public_id=job_id)
    if job is None:
        raise Http404("No such import.")
    return job


@organization_view("posts.publish")
@require_GET
def import_job(request, job_id):
    """The preview: what the file was read as, each row's problems, and the button that
    schedules the good rows; while the worker runs, a progress bar."""
    job = _job_or_404(request, job_id)
    status = request.GET.get("show", "")
    if status not in ImportRow.Status.values:
        status = ""
    counts = row_counts(job=job)
    page = Paginator(rows_for(job=job, status=status or None), ROWS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    zone = cal.zone_for(request.user, request.organization)
    return render(
        request,
        "posts/imports/job.html",
        {
            "organization": request.organization,
            "job": job,
            "format_name": formats.FORMAT_NAMES.get(job.format, ""),
            "counts": counts,
            "page": page,
            "show": status,
            "statuses": ImportRow.Status.choices,
            "zone": zone.key,
            "status_url": reverse(
                "posts:import_status", args=[request.organization.slug, job.public_id]
            ),
        },
    )


@organization_view("posts.publish")
@require_GET
def import_status(request, job_id):
    """What the job page polls: the job's state and progress."""
    job = _job_or_404(request, job_id)
    return JsonResponse(
        {
            "state": job.state,
            "state_label": job.get_state_display(),
            "done": job.progress_done,
            "total": job.progress_total,
            "percent": job.percent,
            "running": job.running,
        }
    )


@organization_view("posts.publish")
@require_POST
def import_schedule(request, job_id):
    """Schedule the previewed file's good rows (in the worker)."""
    job = _job_or_404(request, job_id)
    if import_job_confirm(job=job, actor=request.user):
        messages.success(request, _("Scheduling the rows without errors; this page shows how far."))
    else:
        messages.info(request, _("This file is already being scheduled, or was scheduled."))
    return redirect("posts:import_job", request.organization.slug, job.public_id)


@organization_view("organization.view")
@require_GET
def export(request):
    """The posts the filters keep, as CSV in the import's columns (streamed). Without
    ?download, the form choosing the filters."""
    organization = request.organization
    zone = cal.zone_for(request.user, organization)
    if "download" not in request.GET:
        customers, channels, _cards = cal.filter_choices(organization=organization)
        from posts.selectors import tags_for

        return render(
            request,
            "posts/imports/export.html",
            {
                "organization": organization,
                "zone": zone.key,
                "customers": customers,
                "channels": channels,
                "states": [(s, label) for s, label in State.choices if s != State.CANCELLED],
                "tags": list(tags_for(organization=organization)),
                "today": timezone.now().astimezone(zone).date(),
            },
        )
    posts = exporting.export_posts(
        organization=organization, filters=exporting.filters_from(request.GET), zone=zone
    )
    stamp = timezone.now().astimezone(zone).strftime("%Y%m%d-%H%M")
    return exporting.csv_response(
        exporting.export_csv(posts), f"posts-{organization.slug}-{stamp}.csv"
    )
