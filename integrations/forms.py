"""Forms for the Channels pages. They check shape only; the rules live in services."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from integrations.providers.base import CredentialField, SettingField
from postiz.timezones import timezone_choices


def lower_first(label: str) -> str:
    """A field's label inside a sentence: "Service URL" becomes "service URL"."""
    return label[:1].lower() + label[1:]


class CredentialForm(forms.Form):
    """Built from a provider's credential_fields(); secrets are never rendered back.

    When reconnecting, ``kept`` names the secrets stored for the channel: they may be left
    empty (the view reuses the stored one); any other secret must be entered again."""

    def __init__(
        self,
        *args,
        fields: list[CredentialField],
        reconnecting: bool = False,
        kept: frozenset[str] = frozenset(),
        addresses: str = "",
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        for spec in fields:
            common = {
                "label": spec.label,
                "required": spec.required,
                "help_text": spec.help_text,
                "initial": spec.initial or None,
            }
            if spec.type == "secret" and reconnecting:
                if spec.name in kept:
                    common["required"] = False
                    what = lower_first(str(spec.label))
                    if addresses:
                        hint = gettext(
                            "Leave empty to keep the stored %(what)s (used only while the "
                            "%(addresses)s stays the same)."
                        ) % {"what": what, "addresses": addresses}
                    else:
                        hint = gettext("Leave empty to keep the stored %(what)s.") % {"what": what}
                else:
                    what = lower_first(str(spec.label))
                    hint = gettext(
                        "It is not stored for this channel: enter the %(what)s again."
                    ) % {"what": what}
                common["help_text"] = f"{spec.help_text} {hint}".strip()
            if spec.type == "secret":
                field = forms.CharField(
                    widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
                    strip=True,
                    **common,
                )
            elif spec.type == "url":
                field = forms.URLField(assume_scheme="https", **common)
            elif spec.type == "textarea":
                field = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), **common)
            else:
                field = forms.CharField(**common)
            self.fields[spec.name] = field


class InstanceForm(forms.Form):
    instance_url = forms.CharField(
        label=_("Server address"),
        max_length=300,
        help_text=_("The address of the server the account lives on, e.g. mastodon.social."),
    )


class RenameForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)


class CustomerForm(forms.Form):
    name = forms.CharField(label=_("Customer name"), max_length=100)


class CustomerAssignForm(forms.Form):
    customer = forms.ChoiceField(label=_("Customer"), required=False)
    new_customer = forms.CharField(
        label=_("Or a new customer"), max_length=100, required=False, help_text=_("Creates it.")
    )

    def __init__(self, *args, customers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["customer"].choices = [("", _("No customer"))] + [
            (str(c.pk), c.name) for c in customers
        ]


class PostingTimesForm(forms.Form):
    timezone = forms.ChoiceField(choices=timezone_choices, label=_("Time zone"))


class PreferencesForm(forms.Form):
    """Built from a provider's preference_fields."""

    def __init__(self, *args, specs: tuple[SettingField, ...], **kwargs):
        super().__init__(*args, **kwargs)
        for spec in specs:
            common = {"label": spec.label or spec.name, "help_text": spec.help_text}
            if spec.type == "bool":
                field = forms.BooleanField(required=False, **common)
            elif spec.type == "enum":
                field = forms.ChoiceField(
                    choices=[(c, c) for c in spec.choices], required=spec.required, **common
                )
            elif spec.type == "int":
                field = forms.IntegerField(required=spec.required, **common)
            elif spec.type == "url":
                field = forms.URLField(
                    required=spec.required,
                    max_length=spec.max_length,
                    assume_scheme="https",
                    **common,
                )
            else:
                field = forms.CharField(
                    required=spec.required, max_length=spec.max_length, **common
                )
            self.fields[spec.name] = field


class SelectAccountsForm(forms.Form):
    accounts = forms.MultipleChoiceField(
        widget=forms.CheckboxSelectMultiple,
        label=_("Accounts to add"),
        error_messages={"required": _("Tick at least one account to add.")},
    )

    def __init__(self, *args, accounts, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["accounts"].choices = [
            (a.external_id, f"{a.name} ({a.kind})" if a.kind != "account" else a.name)
            for a in accounts
        ]
