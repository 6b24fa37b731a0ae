"""Short links in the Django admin: settings readable (keys never shown), links with their
targets read-only (a link's target never changes once published)."""

from django.contrib import admin
from django.db import models

from posts.links.models import GroupLinkChoice, LinkSettings, ShortLink


@admin.register(LinkSettings)
class LinkSettingsAdmin(admin.ModelAdmin):
    list_display = ["organization", "preference", "shortener", "domain", "updated_at"]
    list_filter = ["preference", "shortener"]
    search_fields = ["organization__name", "organization__slug"]
    list_select_related = ["organization"]
    # The encrypted key is changed on the settings page only, never shown here.
    exclude = ["secrets"]
    raw_id_fields = ["organization"]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}


@admin.register(ShortLink)
class ShortLinkAdmin(admin.ModelAdmin):
    list_display = ["short_url", "target", "shortener", "clicks", "organization", "created_at"]
    list_filter = ["shortener"]
    search_fields = ["short_url", "target", "code", "organization__name"]
    list_select_related = ["organization"]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    readonly_fields = [
        "organization",
        "post",
        "item",
        "shortener",
        "code",
        "target",
        "short_url",
        "remote_id",
        "clicks",
        "clicks_synced_at",
        "created_at",
    ]

    def has_add_permission(self, request):
        return False  # links are made when posts are published


@admin.register(GroupLinkChoice)
class GroupLinkChoiceAdmin(admin.ModelAdmin):
    list_display = ["group", "shorten"]
    raw_id_fields = ["group"]
