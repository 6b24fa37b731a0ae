"""Plugs in the Django admin: the rules editable (through the same checks as the page),
their runs read-only (what happened on the network is never rewritten by hand)."""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError

from posts.plugs.models import Plug, PlugRun


class PlugAdminForm(forms.ModelForm):
    class Meta:
        model = Plug
        fields = ["organization", "integration", "kind", "metric", "threshold", "text", "enabled"]

    def clean(self):
        from posts.plugs.services import plug_clean

        data = super().clean()
        channel = data.get("integration")
        if channel is not None:
            if data.get("organization") and channel.organization_id != data["organization"].pk:
                raise ValidationError({"integration": "Pick a channel of this organization."})
            data.update(
                plug_clean(
                    channel,
                    kind=data.get("kind", ""),
                    metric=data.get("metric", ""),
                    threshold=data.get("threshold"),
                    text=data.get("text", ""),
                )
            )
        return data


@admin.register(Plug)
class PlugAdmin(admin.ModelAdmin):
    form = PlugAdminForm
    list_display = ["__str__", "integration", "organization", "kind", "enabled", "created_at"]
    list_filter = ["kind", "metric", "enabled", "integration__provider"]
    search_fields = ["integration__name", "organization__name", "text"]
    list_select_related = ["integration", "organization"]
    raw_id_fields = ["organization", "integration"]


@admin.register(PlugRun)
class PlugRunAdmin(admin.ModelAdmin):
    list_display = ["__str__", "plug", "state", "value", "fired_at", "remote_url", "created_at"]
    list_filter = ["state", "kind"]
    search_fields = ["remote_id", "post__remote_id", "organization__name"]
    list_select_related = ["plug", "post"]
    readonly_fields = [f.name for f in PlugRun._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
