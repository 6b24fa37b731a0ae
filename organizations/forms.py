"""Forms for organization pages. They check shape only; the rules live in services."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from organizations.models import ApprovalMode
from postiz.timezones import timezone_choices

_UNKNOWN_ZONE = gettext_lazy(
    "%(value)s is not a time zone we know. Pick one from the list, e.g. Europe/Paris."
)


def add_service_errors(form: forms.Form, error: ValidationError) -> None:
    """Show a service's ValidationError on the form, next to the field it names if any."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


class OrganizationForm(forms.Form):
    name = forms.CharField(max_length=100, label=gettext_lazy("Name"))
    timezone = forms.ChoiceField(
        choices=timezone_choices,
        label=gettext_lazy("Time zone"),
        help_text=gettext_lazy(
            "The default zone for posting slots and for members who have not chosen one."
        ),
        error_messages={"invalid_choice": _UNKNOWN_ZONE},
    )


class ApprovalSettingsForm(forms.Form):
    approval_mode = forms.ChoiceField(
        choices=ApprovalMode.choices,
        label=gettext_lazy("Approvals"),
        help_text=gettext_lazy(
            "Whether posts wait for an approval before they go out. A customer's own "
            "setting overrides this for its channels."
        ),
    )
    allow_self_approval = forms.BooleanField(
        required=False,
        label=gettext_lazy("Approvers may approve their own posts"),
    )
    review_reminder_hours = forms.IntegerField(
        min_value=0,
        max_value=720,
        label=gettext_lazy("Remind after (hours)"),
        help_text=gettext_lazy(
            "Approvers are reminded of a review that waits longer; 0 never reminds."
        ),
    )


class OrganizationDeleteForm(forms.Form):
    confirm_name = forms.CharField(max_length=100, label=gettext_lazy("Organization name"))

    def __init__(self, *args, organization, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["confirm_name"].label = _("Type %(name)s to confirm") % {
            "name": organization.name
        }
        self.fields["confirm_name"].widget.attrs.update(autocomplete="off", spellcheck="false")


_CUSTOMERS_HELP = gettext_lazy(
    "Only these customers' channels, posts, media and analytics, and no organization "
    "settings. None ticked: the whole organization. A client needs at least one."
)


def _customers_field(choices) -> forms.TypedMultipleChoiceField:
    return forms.TypedMultipleChoiceField(
        label=gettext_lazy("Limited to customers"),
        required=False,
        coerce=int,
        choices=choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=_CUSTOMERS_HELP,
        error_messages={"invalid_choice": gettext_lazy("Choose customers from the list.")},
    )


class InvitationForm(forms.Form):
    email = forms.EmailField(label=gettext_lazy("Email address"), max_length=254)
    role = forms.ChoiceField(label=gettext_lazy("Role"))

    def __init__(self, *args, role_choices, customer_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = role_choices
        # Offered only when the organization has customers to limit to.
        if customer_choices:
            self.fields["customers"] = _customers_field(customer_choices)

    def customer_ids(self) -> list[int]:
        return list(self.cleaned_data.get("customers") or [])


class MemberRoleForm(forms.Form):
    role = forms.ChoiceField(label=gettext_lazy("Role"))

    def __init__(self, *args, role_choices, customer_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = role_choices
        if customer_choices:
            self.fields["customers"] = _customers_field(customer_choices)

    def customer_ids(self) -> list[int] | None:
        """The chosen customers; None when the form did not offer them (left as they are)."""
        if "customers" not in self.fields:
            return None
        return list(self.cleaned_data.get("customers") or [])


class AuditFilterForm(forms.Form):
    action = forms.ChoiceField(label=gettext_lazy("Action"), required=False)
    actor = forms.CharField(
        label=gettext_lazy("Actor email"),
        required=False,
        max_length=254,
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )
    date_from = forms.DateField(
        label=gettext_lazy("From"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    date_to = forms.DateField(
        label=gettext_lazy("To"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def __init__(self, *args, actions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["action"].choices = self._action_choices(actions)

    @staticmethod
    def _action_choices(actions):
        """One group per prefix ("member."), offering the whole group and each action."""
        groups: dict[str, list[str]] = {}
        for action in actions:
            prefix = action.split(".", 1)[0] if "." in action else action
            groups.setdefault(prefix, []).append(action)
        choices: list = [("", _("All actions"))]
        for prefix, names in groups.items():
            options = [(name, name) for name in names]
            if len(names) > 1 or names[0] != prefix:
                options.insert(0, (f"{prefix}.", _("All %(prefix)s events") % {"prefix": prefix}))
            choices.append((prefix.capitalize(), options))
        return choices

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("The end date is before the start date."))
        return data
