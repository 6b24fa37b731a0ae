from django import forms

from accounts.models import User
from postiz.timezones import timezone_choices


class SignupForm(forms.Form):
    """Extra sign-up fields; allauth adds email and password."""

    name = forms.CharField(max_length=150, required=False, label="Your name")
    # Filled in by the browser (Intl API); the person can change it later in their profile.
    timezone = forms.ChoiceField(
        choices=timezone_choices, initial="UTC", label="Time zone", required=False
    )

    def clean_timezone(self):
        return self.cleaned_data.get("timezone") or "UTC"

    def signup(self, request, user):
        user.name = self.cleaned_data.get("name", "")
        user.timezone = self.cleaned_data["timezone"]
        user.save(update_fields=["name", "timezone"])


class ProfileForm(forms.ModelForm):
    timezone = forms.ChoiceField(choices=timezone_choices, label="Time zone")

    class Meta:
        model = User
        fields = ["name", "timezone", "notify_failures", "notify_success_digest"]
