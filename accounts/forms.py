from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from postiz.timezones import timezone_choices

_UNKNOWN_ZONE = _(
    "%(value)s is not a time zone we know. Pick one from the list, e.g. Europe/Paris."
)


class SignupForm(forms.Form):
    """Extra sign-up fields; allauth adds email and password."""

    # allauth's sign-up form subclasses this one and orders its fields by this list.
    field_order = ["name", "email", "password1", "password2", "timezone"]

    name = forms.CharField(
        max_length=150,
        required=False,
        label=_("Your name"),
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    # static/js/app.js fills fields marked data-detect-timezone with the browser's zone
    # (Intl API); the person can change it here or later in their profile.
    timezone = forms.ChoiceField(
        choices=timezone_choices,
        initial="UTC",
        label=_("Time zone"),
        required=False,
        help_text=_("Times are shown to you in this zone."),
        error_messages={"invalid_choice": _UNKNOWN_ZONE},
        widget=forms.Select(attrs={"data-detect-timezone": ""}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.is_bound:  # shown again with errors: keep the person's own choice
            self.fields["timezone"].widget.attrs.pop("data-detect-timezone", None)

    def clean_timezone(self):
        return self.cleaned_data.get("timezone") or "UTC"

    def signup(self, request, user):
        user.name = self.cleaned_data.get("name", "")
        user.timezone = self.cleaned_data["timezone"]
        user.save(update_fields=["name", "timezone"])


def language_choices():
    # Each language named in itself, so a person who cannot read the current one finds theirs.
    return [("", _("As my browser asks")), *settings.LANGUAGES]


class ProfileForm(forms.ModelForm):
    language = forms.ChoiceField(
        choices=language_choices,
        required=False,
        label=_("Language"),
        help_text=_("The language of every page and email for you."),
    )
    timezone = forms.ChoiceField(
        choices=timezone_choices,
        label=_("Time zone"),
        help_text=_("Times are shown to you in this zone."),
        error_messages={"invalid_choice": _UNKNOWN_ZONE},
    )

    class Meta:
        model = User
        fields = [
            "name",
            "timezone",
            "language",
            "clock",
            "notify_failures",
            "notify_success_digest",
        ]
        widgets = {"name": forms.TextInput(attrs={"autocomplete": "name"})}
        labels = {"name": _("Name")}
