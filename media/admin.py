from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from media.models import MediaFile
from media.templatetags import media_tags


@admin.register(MediaFile)
class MediaFileAdmin(admin.ModelAdmin):
    """Staff can look files up across organizations; bytes and measurements are read-only
    because they were checked at upload (changing them here would bypass those checks)."""

    list_display = (
        "name",
        "organization",
        "kind",
        "mime_type",
        "size",
        "video_facts",
        "created_at",
        "deleted_at",
    )
    list_filter = ("kind", ("deleted_at", admin.EmptyFieldListFilter))
    search_fields = ("name", "alt_text", "organization__name", "organization__slug", "sha256")
    list_select_related = ("organization",)
    date_hierarchy = "created_at"
    readonly_fields = (
        "public_id",
        "organization",
        "uploaded_by",
        "file",
        "thumbnail",
        "kind",
        "mime_type",
        "size",
        "width",
        "height",
        "duration",
        "frame_rate",
        "codec",
        "sha256",
        "source_url",
        "created_at",
    )
    fields = ("name", "alt_text", "deleted_at", *readonly_fields)

    @admin.display(description=_("Video"))
    def video_facts(self, media: MediaFile) -> str:
        """Length, dimensions, frame rate and codec, as the library shows them."""
        return media_tags.video_facts(media) if media.kind == MediaFile.Kind.VIDEO else ""

    def has_add_permission(self, request):
        return False  # uploads go through the library, which checks and cleans them
