"""The admin site's view of organizations: for staff who support an instance.

Memberships, invitations, the audit log and the events told to teams are shown, never
edited here: their rules (the
last owner stays, links are used once, the log is append-only) live in services that act
for a member of the organization. An organization's name and zone may be corrected; the
change goes through the same service as the settings page, so it is audited.
"""

from django import forms
from django.contrib import admin
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from organizations import events
from organizations.models import (
    ApiKey,
    AuditEvent,
    Event,
    Invitation,
    Membership,
    OAuthClient,
    Organization,
)
from organizations.services import organization_update
from postiz.timezones import timezone_choices


class ReadOnlyAdminMixin:
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class DeletedFilter(admin.SimpleListFilter):
    title = "deleted"
    parameter_name = "deleted"

    def lookups(self, request, model_admin):
        return [("no", "No"), ("yes", "Yes")]

    def queryset(self, request, queryset):
        if self.value() == "no":
            return queryset.filter(deleted_at__isnull=True)
        if self.value() == "yes":
            return queryset.filter(deleted_at__isnull=False)
        return queryset


class MembershipInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = Membership
    fields = ("user", "role", "created_at")
    readonly_fields = fields
    extra = 0
    show_change_link = True

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("user")


class OrganizationForm(forms.ModelForm):
    timezone = forms.ChoiceField(choices=timezone_choices, label="Time zone")

    class Meta:
        model = Organization
        fields = (
            "name",
            "timezone",
            "approval_mode",
            "allow_self_approval",
            "review_reminder_hours",
        )


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    form = OrganizationForm
    list_display = ("name", "slug", "timezone", "member_count", "created_at", "deleted_at")
    list_filter = (DeletedFilter, "timezone")
    search_fields = ("name", "slug")
    fields = (
        "name",
        "slug",
        "timezone",
        "approval_mode",
        "allow_self_approval",
        "review_reminder_hours",
        "created_by",
        "created_at",
        "deleted_at",
    )
    # Approvals are changed on the organization's settings page, whose service also moves
    # the posts that follow from the change; here they are shown only.
    readonly_fields = (
        "slug",
        "approval_mode",
        "allow_self_approval",
        "review_reminder_hours",
        "created_by",
        "created_at",
        "deleted_at",
    )
    inlines = (MembershipInline,)

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(member_count=Count("memberships"))

    @admin.display(description=_("members"), ordering="member_count")
    def member_count(self, obj):
        return obj.member_count

    def has_add_permission(self, request):
        # An organization is born with its owner: sign-up, the app, or createorganization.
        return False

    def has_delete_permission(self, request, obj=None):
        # Owners delete (softly) from the organization's settings; the audit log keeps it.
        return False

    def save_model(self, request, obj, form, change):
        original = Organization.objects.get(pk=obj.pk)
        organization_update(
            organization=original,
            actor=request.user,
            name=obj.name,
            timezone_name=obj.timezone,
            request=request,
        )


@admin.register(Membership)
class MembershipAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("user", "organization", "role", "customer_limited", "created_at")
    list_filter = ("role", "customer_limited")
    search_fields = ("user__email", "user__name", "organization__name", "organization__slug")
    list_select_related = ("user", "organization")


class InvitationStatusFilter(admin.SimpleListFilter):
    title = "status"
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return [(s, s.capitalize()) for s in ("pending", "expired", "accepted", "revoked")]

    def queryset(self, request, queryset):
        now = timezone.now()
        open_ = Q(accepted_at__isnull=True, revoked_at__isnull=True)
        conditions = {
            "pending": open_ & Q(expires_at__gt=now),
            "expired": open_ & Q(expires_at__lte=now),
            "accepted": Q(accepted_at__isnull=False),
            "revoked": Q(accepted_at__isnull=True, revoked_at__isnull=False),
        }
        if self.value() in conditions:
            return queryset.filter(conditions[self.value()])
        return queryset


@admin.register(Invitation)
class InvitationAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("email", "organization", "role", "customer_limited", "status", "expires_at")
    list_filter = (InvitationStatusFilter, "role", "created_at")
    search_fields = ("email", "organization__name", "organization__slug")
    list_select_related = ("organization",)
    readonly_fields = ("nonce",)

    @admin.display(description=_("status"))
    def status(self, obj):
        return obj.status


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = (
        "created_at",
        "organization",
        "actor_email",
        "action",
        "target_repr",
        "ip_address",
    )
    list_filter = ("action", "created_at")
    search_fields = ("actor_email", "action", "target_repr", "organization__slug")
    list_select_related = ("organization",)
    date_hierarchy = "created_at"
    # The log only grows; counting all of it on every page is not worth the time.
    show_full_result_count = False


# -- Events (the outbox): what happened and whether the team and webhooks were told ------
class EventToldFilter(admin.SimpleListFilter):
    title = "told"
    parameter_name = "told"

    def lookups(self, request, model_admin):
        return (("no", "Waiting to be told"), ("yes", "Told"))

    def queryset(self, request, queryset):
        if self.value() == "no":
            return queryset.filter(dispatched_at__isnull=True)
        if self.value() == "yes":
            return queryset.filter(dispatched_at__isnull=False)
        return queryset


@admin.register(Event)
class EventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = (
        "created_at",
        "organization",
        "name",
        "post_id",
        "integration_id",
        "dispatched_at",
    )
    list_filter = (EventToldFilter, "name")
    search_fields = ("name", "organization__slug", "message")
    list_select_related = ("organization",)
    date_hierarchy = "created_at"
    show_full_result_count = False
    actions = ("tell_waiting_events",)

    @admin.action(description=_("Tell every waiting event now (bell, emails and webhooks)"))
    def tell_waiting_events(self, request, queryset):
        told = events.dispatch_all()
        self.message_user(
            request,
            ngettext("%(count)s waiting event told.", "%(count)s waiting events told.", told)
            % {"count": told},
        )


# -- API keys: listed for support, never edited here; the hash is not shown --------------
@admin.register(ApiKey)
class ApiKeyAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = (
        "name",
        "prefix",
        "organization",
        "created_by",
        "created_at",
        "last_used_at",
        "expires_at",
        "revoked_at",
    )
    list_filter = ("created_at",)
    search_fields = ("name", "prefix", "organization__name", "organization__slug")
    fields = (
        "organization",
        "name",
        "prefix",
        "scopes",
        "created_by",
        "created_at",
        "last_used_at",
        "last_used_ip",
        "expires_at",
        "revoked_at",
        "request_rate",
        "create_rate",
        "oauth_application",
    )
    readonly_fields = fields
    list_select_related = ("organization", "created_by")


# -- OAuth apps: the toolkit's own admin lists applications and tokens (tokens stored as
# checksums only); this one says which organization registered an app. ---------------------
@admin.register(OAuthClient)
class OAuthClientAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("__str__", "organization", "created_by", "created_at", "first_approved_at")
    list_filter = ("created_at",)
    search_fields = ("application__name", "application__client_id", "organization__name")
    fields = ("application", "organization", "created_by", "created_at", "first_approved_at")
    readonly_fields = fields
    list_select_related = ("application", "organization", "created_by")

    def has_delete_permission(self, request, obj=None):
        # Deleting here would skip revoking the consents and the audit entry; the
        # organization's OAuth apps page (or the toolkit's Application admin) does it.
        return False
