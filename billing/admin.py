from django.contrib import admin

from billing.models import DailyUsage, Plan, StripeCustomer, StripeEvent, Subscription


@admin.register(Plan)
class PlanAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "slug",
        "is_free",
        "is_public",
        "monthly_price_id",
        "yearly_price_id",
        "trial_days",
        "channels",
        "members",
        "posts_per_month",
        "webhooks",
        "rss_feeds",
        "api_access",
    )
    list_editable = ("monthly_price_id", "yearly_price_id", "trial_days")
    ordering = ("position", "id")
    fieldsets = (
        (None, {"fields": ("name", "slug", "position", "is_free", "is_public")}),
        (
            "Stripe",
            {
                "fields": (
                    "monthly_price_id",
                    "monthly_amount",
                    "yearly_price_id",
                    "yearly_amount",
                    "trial_days",
                )
            },
        ),
        (
            "Limits (empty = no limit)",
            {
                "fields": (
                    "channels",
                    "members",
                    "posts_per_month",
                    "webhooks",
                    "rss_feeds",
                    "api_access",
                    "ai_requests_per_day",
                )
            },
        ),
    )


@admin.register(Subscription)
class SubscriptionAdmin(admin.ModelAdmin):
    """Read-only: Stripe is the source of truth, changed through the portal or dashboard."""

    list_display = (
        "organization",
        "plan",
        "status",
        "interval",
        "current_period_end",
        "cancel_at_period_end",
        "grace_until",
    )
    list_filter = ("status", "plan")
    search_fields = ("organization__name", "stripe_subscription_id")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(StripeCustomer)
class StripeCustomerAdmin(admin.ModelAdmin):
    list_display = ("organization", "customer_id", "created_at")
    search_fields = ("organization__name", "customer_id")
    readonly_fields = ("organization", "customer_id", "created_at")


@admin.register(StripeEvent)
class StripeEventAdmin(admin.ModelAdmin):
    list_display = ("event_id", "type", "organization", "received_at")
    list_filter = ("type",)
    search_fields = ("event_id",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(DailyUsage)
class DailyUsageAdmin(admin.ModelAdmin):
    """What each organization used of its daily allowances; correct a count if need be."""

    list_display = ("organization", "name", "day", "count")
    list_filter = ("name", "day")
    search_fields = ("organization__name",)
    raw_id_fields = ("organization",)
