"""Media library pages: the library (search, filter, pages, storage used), uploads (files
and addresses), a file's detail panel (rename, alt text, copy URL, delete), and the
picker fragment the composer embeds.

Every view is wrapped in ``organization_view``; files are read through ``selectors``, so
another organization's file is a 404. Refusals are ``MediaError`` messages shown as-is.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from media import selectors, services
from media.models import MediaFile
from media.services import MediaError, MediaInUse
from organizations.access import organization_view

PAGE_SIZE = 24
PICKER_PAGE_SIZE = 18
SEARCH_MAX = 100

# The type filter's options name groups of files, so they read in the plural.
KIND_PLURALS = {
    MediaFile.Kind.IMAGE.value: gettext_lazy("Images"),
    MediaFile.Kind.VIDEO.value: gettext_lazy("Videos"),
    MediaFile.Kind.DOCUMENT.value: gettext_lazy("Documents"),
}
KIND_OPTIONS = [(value, KIND_PLURALS[value]) for value in MediaFile.Kind.values]


# -- Helpers ----------------------------------------------------------------------------
def _zone(request) -> str:
    """The viewer's IANA zone, else the organization's, for showing upload times."""
    for name in (getattr(request.user, "timezone", ""), request.organization.timezone):
        try:
            if name:
                ZoneInfo(name)
                return name
        except (ZoneInfoNotFoundError, ValueError):
            continue
    return "UTC"


def _media_or_404(request, pk) -> MediaFile:
    media = selectors.media_get(request.organization, pk)
    if media is None:
        raise Http404(_("No such file."))
    return media


def _filters(request) -> tuple[str, str]:
    search = request.GET.get("q", "").strip()[:SEARCH_MAX]
    kind = request.GET.get("kind", "")
    return search, kind if kind in MediaFile.Kind.values else ""


def _wants_json(request) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def _library_url(request) -> str:
    return reverse("media:library", args=[request.organization.slug])


def _detail_url(media: MediaFile) -> str:
    return reverse("media:detail", args=[media.organization.slug, media.pk])


def _file_json(request, media: MediaFile) -> dict:
    """What the upload endpoint answers per stored file (the API has its own serializer)."""
    return {
        "id": media.pk,
        "public_id": str(media.public_id),
        "name": media.name,
        "kind": media.kind,
        "mime_type": media.mime_type,
        "size": media.size,
        "width": media.width,
        "height": media.height,
        "duration": media.duration,
        "frame_rate": media.frame_rate,
        "codec": media.codec,
        "url": services.media_public_url(media),
        "thumbnail_url": media.thumbnail.url if media.thumbnail else "",
        "detail_url": _detail_url(media),
        "html": render_to_string(
            "media/_card.html",
            {"media": media, "organization": request.organization, "zone": _zone(request)},
            request=request,
        ),
    }


def _storage_context(organization) -> dict:
    used = selectors.media_storage_used(organization)
    quota = services.quota_bytes()
    return {
        "storage_used": used,
        "storage_quota": quota,
        "storage_percent": min(100, round(used * 100 / quota)) if quota else 0,
        # The bar turns to its warning colour past 90%.
        "storage_high": quota * 9 // 10,
    }


def _answer_uploads(request, stored: list[MediaFile], errors: list[dict]):
    if _wants_json(request):
        status = 201 if stored else 400
        return JsonResponse(
            {"files": [_file_json(request, m) for m in stored], "errors": errors}, status=status
        )
    for media in stored:
        messages.success(request, _("Uploaded %(name)s.") % {"name": media.name})
    for error in errors:
        messages.error(request, error["error"])
    return redirect(_library_url(request))


# -- The library ------------------------------------------------------------------------
@organization_view("organization.view")
@require_GET
def library(request):
    """The organization's files, newest first, with search, a kind filter and pages."""
    organization = request.organization
    search, kind = _filters(request)
    files = selectors.media_for_organization(organization, search=search, kind=kind)
    page = Paginator(files, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "organization": organization,
        "page_obj": page,
        "search": search,
        "kind": kind,
        "kinds": KIND_OPTIONS,
        "kind_label": KIND_PLURALS.get(kind, ""),
        "filtered": bool(search or kind),
        "can_manage": request.membership.can("media.manage"),
        "zone": _zone(request),
        "limits": {k: services.size_limit(k) for k in MediaFile.Kind.values},
        **_storage_context(organization),
    }
    if request.htmx and request.htmx.target == "media-results":
        return render(request, "media/_results.html", context)
    return render(request, "media/library.html", context)


@organization_view("organization.view")
@require_GET
def picker(request):
    """The composer's file chooser: a page of files as selectable buttons, and an upload."""
    organization = request.organization
    search, kind = _filters(request)
    files = selectors.media_for_organization(organization, search=search, kind=kind)
    page = Paginator(files, PICKER_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "media/_picker.html",
        {
            "organization": organization,
            "page_obj": page,
            "search": search,
            "kind": kind,
            "kinds": KIND_OPTIONS,
            "can_manage": request.membership.can("media.manage"),
        },
    )


# -- Uploads ----------------------------------------------------------------------------
@organization_view("media.manage")
@require_POST
def upload(request):
    """Store each file sent as ``file`` (one or many); JSON for scripts, else a redirect."""
    uploads = request.FILES.getlist("file")
    if not uploads:
        errors = [{"name": "", "error": _("Choose at least one file to upload.")}]
        return _answer_uploads(request, [], errors)
    stored, errors = [], []
    for uploaded in uploads:
        try:
            stored.append(
                services.media_upload(
                    organization=request.organization, actor=request.user, file=uploaded
                )
            )
        except MediaError as exc:
            errors.append({"name": uploaded.name, "error": exc.message})
    return _answer_uploads(request, stored, errors)


@organization_view("media.manage")
@require_POST
def upload_from_url(request):
    """Fetch the file at the address given as ``url`` and store it."""
    url = request.POST.get("url", "")
    try:
        media = services.media_upload_from_url(
            organization=request.organization, actor=request.user, url=url
        )
    except MediaError as exc:
        return _answer_uploads(request, [], [{"name": url, "error": exc.message}])
    return _answer_uploads(request, [media], [])


# -- One file ---------------------------------------------------------------------------
def _render_detail(request, media, *, status=200, form_error="", delete_error="", values=None):
    organization = request.organization
    context = {
        "organization": organization,
        "media": media,
        "public_url": services.media_public_url(media),
        "pending_uses": selectors.media_pending_use_count(media),
        "can_manage": request.membership.can("media.manage"),
        "zone": _zone(request),
        "form_error": form_error,
        "delete_error": delete_error,
        "values": values or {"name": media.name, "alt_text": media.alt_text},
        "alt_text_max": services.ALT_TEXT_MAX,
    }
    return render(request, "media/detail.html", context, status=status)


@organization_view("organization.view")
@require_GET
def detail(request, pk):
    """One file: a preview, its facts, its address, and (for managers) edit and delete."""
    return _render_detail(request, _media_or_404(request, pk))


@organization_view("media.manage")
@require_POST
def edit(request, pk):
    """Rename a file and set its alt text; on a refusal the typed values stay in the form."""
    media = _media_or_404(request, pk)
    values = {"name": request.POST.get("name", ""), "alt_text": request.POST.get("alt_text", "")}
    try:
        services.media_update(
            media_file=media, actor=request.user, name=values["name"], alt_text=values["alt_text"]
        )
    except MediaError as exc:
        return _render_detail(request, media, status=400, form_error=exc.message, values=values)
    messages.success(request, _("Saved %(name)s.") % {"name": media.name})
    return redirect(_detail_url(media))


@organization_view("media.manage")
@require_POST
def delete(request, pk):
    """Delete a file; when posts still to be published use it, ask again before doing so."""
    media = _media_or_404(request, pk)
    try:
        services.media_delete(
            media_file=media,
            actor=request.user,
            force=request.POST.get("confirm") == "yes",
            request=request,
        )
    except MediaInUse as exc:
        return _render_detail(request, media, status=409, delete_error=exc.message)
    messages.success(request, _("Deleted %(name)s.") % {"name": media.name})
    return redirect(_library_url(request))
