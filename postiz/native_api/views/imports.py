"""CSV import and export: upload a file (its preview runs in the worker), read its
progress and every row's problems, confirm to schedule its good rows; export posts as
CSV in the columns the import reads."""

from __future__ import annotations

from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response

from integrations import selectors as channel_selectors
from postiz.api import idempotent
from postiz.api_serializers import AnswerSerializer, TimestampField
from postiz.native_api.base import Conflict, NativeView, id_page
from postiz.native_api.serializers import PAGE_PARAMETERS, page_of
from postiz.native_api.views.common import _not_found, _uuid
from postiz.timezones import timezone_names
from posts.imports import formats
from posts.imports.models import ImportJob, ImportRow
from posts.imports.selectors import job_get, row_counts, rows_for


class ImportUploadSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="The CSV file: ours, Hootsuite's or Buffer's.")
    timezone = serializers.ChoiceField(
        choices=[],
        required=False,
        help_text="The zone of rows that name none; the organization's by default.",
    )
    date_order = serializers.ChoiceField(
        choices=ImportJob.DateOrder.values,
        required=False,
        default="auto",
        help_text="How dates like 03/04/2027 read: auto (from the file), dmy or mdy.",
    )
    channels = serializers.ListField(
        child=serializers.CharField(),
        required=False,
        help_text="Channel ids for rows that name none (Hootsuite's files).",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["timezone"].choices = list(timezone_names())


class ImportProgress(serializers.Serializer):
    done = serializers.IntegerField()
    total = serializers.IntegerField()
    percent = serializers.IntegerField()


class ImportCounts(serializers.Serializer):
    total = serializers.IntegerField()
    ready = serializers.IntegerField()
    error = serializers.IntegerField()
    duplicate = serializers.IntegerField(help_text="Already imported: never scheduled twice.")
    scheduled = serializers.IntegerField()
    failed = serializers.IntegerField(help_text="Ready at the preview, refused when scheduled.")


class ImportOut(AnswerSerializer):
    """An uploaded file: what it was read as, how far the worker is, its rows' counts."""

    id = serializers.CharField(source="public_id")
    filename = serializers.CharField()
    state = serializers.ChoiceField(choices=ImportJob.State.values)
    format = serializers.CharField(help_text="postiz, hootsuite or buffer; empty until read.")
    error = serializers.CharField(help_text="Why the file could not be read (state failed).")
    notes = serializers.ListField(child=serializers.CharField())
    progress = ImportProgress(source="*")
    counts = ImportCounts()
    created_at = TimestampField()
    confirmed_at = TimestampField(allow_null=True)
    finished_at = TimestampField(allow_null=True)

    @staticmethod
    def of(job: ImportJob) -> dict:
        job.counts = row_counts(job=job)
        job.done, job.total = job.progress_done, job.progress_total
        return ImportOut(job).data


class ImportProblem(serializers.Serializer):
    code = serializers.CharField()
    message = serializers.CharField()
    severity = serializers.ChoiceField(choices=["error", "warning"])
    column = serializers.CharField()


class ImportRowOut(AnswerSerializer):
    """One row of the file and what is wrong with it."""

    row = serializers.IntegerField(source="number", help_text="The line in the file.")
    status = serializers.ChoiceField(choices=ImportRow.Status.values)
    text = serializers.SerializerMethodField()
    channels = serializers.SerializerMethodField(help_text="The channels' names, as found.")
    publish_at = serializers.SerializerMethodField(help_text="When, in UTC; null if unread.")
    problems = ImportProblem(many=True)
    group_id = serializers.SerializerMethodField()

    def get_text(self, row) -> str:
        return row.values.get("text", "")

    def get_channels(self, row) -> list[str]:
        return list(row.values.get("channel_names", []))

    def get_publish_at(self, row) -> str | None:
        return row.values.get("publish_at")

    def get_group_id(self, row) -> str | None:
        return str(row.group.public_id) if row.group_id else None


def _created(job: ImportJob, code=status.HTTP_202_ACCEPTED) -> Response:
    response = Response(ImportOut.of(job), status=code)
    response["Location"] = reverse("native_import", args=[job.public_id])
    return response


class Imports(NativeView):
    scopes = {"POST": "posts:write"}

    @extend_schema(
        request={"multipart/form-data": ImportUploadSerializer},
        responses={202: ImportOut},
        description="Stores the file and starts its preview in the background; poll the "
        "import until its state is previewed, read its rows, then confirm.",
    )
    @idempotent
    def post(self, request):
        from posts.imports.services import import_job_create

        data = ImportUploadSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        upload = values["file"]
        if upload.size > formats.MAX_BYTES:
            raise exceptions.ValidationError({"file": "The file is larger than 20 MB."})
        wanted = [_uuid(c) for c in values.get("channels", [])]
        found = dict(
            channel_selectors.integrations_for(organization=self.organization)
            .filter(public_id__in=[w for w in wanted if w])
            .values_list("public_id", "pk")
        )
        missing = [str(w) for w in wanted if w not in found]
        if missing or None in wanted:
            raise exceptions.ValidationError({"channels": "No such channel here."})
        job = import_job_create(
            organization=self.organization,
            actor=request.auth.created_by,
            data=upload.read(),
            filename=upload.name,
            timezone=values.get("timezone") or self.organization.timezone,
            date_order=values["date_order"],
            default_channels=list(found.values()),
        )
        return _created(job)


def _job(view, public_id) -> ImportJob:
    job = job_get(organization=view.organization, public_id=public_id)
    if job is None:
        raise _not_found("Import")
    return job


class ImportDetail(NativeView):
    scopes = {"GET": "posts:read"}

    @extend_schema(responses=ImportOut)
    def get(self, request, public_id):
        return Response(ImportOut.of(_job(self, public_id)))


class ImportRows(NativeView):
    scopes = {"GET": "posts:read"}

    @extend_schema(
        responses=page_of(ImportRowOut),
        parameters=[
            *PAGE_PARAMETERS,
            OpenApiParameter(
                "status",
                str,
                required=False,
                enum=ImportRow.Status.values,
                description="Only rows in this status (error: the rows to fix).",
            ),
        ],
    )
    def get(self, request, public_id):
        job = _job(self, public_id)
        wanted = request.query_params.get("status") or None
        if wanted and wanted not in ImportRow.Status.values:
            raise exceptions.ValidationError(
                {"status": "Use " + ", ".join(ImportRow.Status.values)}
            )
        rows = rows_for(job=job, status=wanted).select_related("group")
        return id_page(request, rows, ImportRowOut, {"status": wanted})


class ImportConfirm(NativeView):
    scopes = {"POST": "posts:write"}
    creates = False
    schema_problems = {"POST": [409]}

    @extend_schema(
        request=None,
        responses={202: ImportOut},
        description="Schedules the previewed file's rows without errors, in the background. "
        "Rows already imported are never scheduled twice.",
    )
    @idempotent
    def post(self, request, public_id):
        from posts.imports.services import import_job_confirm

        job = _job(self, public_id)
        if not import_job_confirm(job=job, actor=request.auth.created_by):
            raise Conflict(
                f"The import is {job.get_state_display().lower()}; only a previewed "
                "import can be confirmed, once."
            )
        job.refresh_from_db()
        return _created(job)


class PostsExport(NativeView):
    scopes = {"GET": "posts:read"}

    @extend_schema(
        parameters=[
            OpenApiParameter("from", OpenApiTypes.DATE, required=False, description="First day."),
            OpenApiParameter("to", OpenApiTypes.DATE, required=False, description="Last day."),
            OpenApiParameter("customer", str, many=True, required=False),
            OpenApiParameter("channel", str, many=True, required=False),
            OpenApiParameter("state", str, many=True, required=False),
            OpenApiParameter("tag", str, many=True, required=False, description="Id or name."),
            OpenApiParameter(
                "timezone",
                str,
                required=False,
                description="The zone of from and to; the organization's by default.",
            ),
        ],
        responses={
            (200, "text/csv"): OpenApiResponse(
                OpenApiTypes.STR,
                description="One row per post, in the columns the import reads (streamed).",
            )
        },
    )
    def get(self, request):
        from zoneinfo import ZoneInfo

        from posts.imports import export as exporting

        zone_name = request.query_params.get("timezone") or self.organization.timezone or "UTC"
        if zone_name not in timezone_names():
            raise exceptions.ValidationError({"timezone": "Use an IANA name such as Europe/Paris."})
        filters = exporting.filters_from(request.query_params)
        for name in ("from", "to"):
            if request.query_params.get(name) and getattr(filters, name + "_day") is None:
                raise exceptions.ValidationError({name: "Use a date such as 2027-03-14."})
        posts = exporting.export_posts(
            organization=self.organization,
            filters=filters,
            zone=ZoneInfo(zone_name),
        )
        return exporting.csv_response(
            exporting.export_csv(posts), f"posts-{self.organization.slug}.csv"
        )
