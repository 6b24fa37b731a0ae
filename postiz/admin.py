from django.contrib import admin
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from postiz.models import WorkerHeartbeat


@admin.register(WorkerHeartbeat)
class WorkerHeartbeatAdmin(admin.ModelAdmin):
    """Shown for diagnosis only: the worker writes it, /health reads it."""

    list_display = ("name", "beat_at", "age")

    @admin.display(description=_("age"))
    def age(self, obj):
        return f"{(timezone.now() - obj.beat_at).total_seconds():.0f} s"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
