"""Admin for channels, customers and server app registrations. Secrets never appear:
the encrypted fields are excluded and shown only as the names of the keys stored."""

from django.contrib import admin
from django.db import models
from django.utils.translation import gettext_lazy as _

from integrations.models import (
    ChannelAnalytics,
    ChannelMetric,
    Customer,
    CustomerAccess,
    InstanceApp,
    Integration,
)


@admin.register(Integration)
class IntegrationAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "provider",
        "organization",
        "status",
        "token_expires_at",
        "customer",
        "deleted_at",
    )
    list_filter = ("status", "provider", ("deleted_at", admin.EmptyFieldListFilter))
    search_fields = ("name", "username", "external_id", "organization__name", "organization__slug")
    list_select_related = ("organization", "customer")
    exclude = ("credentials",)
    readonly_fields = (
        "stored_secrets",
        "organization",
        "provider",
        "external_id",
        "connected_by",
        "token_expires_at",
        "refresh_expires_at",
        "last_refreshed_at",
        "last_error",
        "last_error_at",
        "scopes",
        "created_at",
        "updated_at",
    )
    raw_id_fields = ("customer",)
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    @admin.display(description=_("Credentials"))
    def stored_secrets(self, obj):
        keys = sorted(obj.credentials) if obj and obj.pk else []
        if not keys:
            return "none"
        return ", ".join(f"{key}: ••••••" for key in keys) + " (encrypted)"

    def has_add_permission(self, request):
        return False  # channels are connected through the product's connect flows


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = ("name", "organization", "approval_mode", "created_at")
    search_fields = ("name", "organization__name")
    list_select_related = ("organization",)
    raw_id_fields = ("organization",)
    # Changed on the channels page, whose service also moves the posts that follow.
    readonly_fields = ("approval_mode",)


@admin.register(CustomerAccess)
class CustomerAccessAdmin(admin.ModelAdmin):
    """Read-only: a member's customers change on the members page, where the change is
    checked (same organization, a Client keeps one) and audited."""

    list_display = ("customer", "membership", "invitation")
    search_fields = ("customer__name", "membership__user__email", "invitation__email")
    list_select_related = ("customer", "membership__user", "invitation")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(InstanceApp)
class InstanceAppAdmin(admin.ModelAdmin):
    list_display = ("instance_url", "provider", "redirect_uri", "created_at")
    list_filter = ("provider",)
    search_fields = ("instance_url",)
    exclude = ("client_secret",)
    readonly_fields = (
        "provider",
        "instance_url",
        "redirect_uri",
        "client_id",
        "scopes",
        "created_at",
    )

    def has_add_permission(self, request):
        return False


@admin.register(ChannelMetric)
class ChannelMetricAdmin(admin.ModelAdmin):
    list_display = ("integration", "metric", "day", "value", "updated_at")
    list_filter = ("metric", "integration__provider")
    list_select_related = ("integration",)
    date_hierarchy = "day"
    raw_id_fields = ("organization", "integration")


@admin.register(ChannelAnalytics)
class ChannelAnalyticsAdmin(admin.ModelAdmin):
    list_display = ("integration", "needs_reconnect", "channel_fetched_at", "window_used")
    list_filter = ("needs_reconnect",)
    list_select_related = ("integration",)
    raw_id_fields = ("organization", "integration")
