"""The short-link settings form."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from postiz.ssrf import UnsafeURL, check_url
from posts.links.models import Preference, Shortener


def _default_label() -> str:
    kind = settings.SHORTLINK_PROVIDER
    name = Shortener(kind).label if kind in Shortener.values else kind
    return _("This site's default (%(name)s)") % {"name": name}


class LinkSettingsForm(forms.Form):
    preference = forms.ChoiceField(
        label=gettext_lazy("Shorten the links of posts"),
        choices=Preference.choices,
        widget=forms.RadioSelect,
        help_text=gettext_lazy(
            "“Ask each time” lets whoever writes a post choose in the composer."
        ),
    )
    shortener = forms.ChoiceField(label=gettext_lazy("Shortener"), required=False)
    domain = forms.CharField(
        label=gettext_lazy("Short domain"),
        required=False,
        max_length=253,
        help_text=gettext_lazy(
            "Dub: optional (your workspace's default otherwise). Short.io: required."
        ),
    )
    kutt_url = forms.URLField(
        label=gettext_lazy("Kutt server"),
        required=False,
        max_length=300,
        assume_scheme="https",
        help_text=gettext_lazy("The address of your Kutt, e.g. https://kutt.example.com."),
    )
    api_key = forms.CharField(
        label=gettext_lazy("API key"),
        required=False,
        max_length=500,
        strip=True,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        help_text=gettext_lazy("Stored encrypted. Leave empty to keep the saved key."),
    )
    remove_api_key = forms.BooleanField(
        label=gettext_lazy("Remove the saved API key"), required=False
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["shortener"].choices = [("", _default_label()), *Shortener.choices]

    def clean_domain(self) -> str:
        domain = self.cleaned_data["domain"].strip().lower()
        if "/" in domain or " " in domain:
            raise forms.ValidationError(_("Enter the domain alone, like go.example.com."))
        return domain

    def clean_kutt_url(self) -> str:
        url = self.cleaned_data["kutt_url"]
        if url:
            try:
                check_url(url)
            except UnsafeURL as error:
                raise forms.ValidationError(str(error)) from None
        return url

    def clean(self):
        data = super().clean()
        kind = data.get("shortener") or settings.SHORTLINK_PROVIDER
        if kind == Shortener.SHORTIO and not (data.get("domain") or settings.SHORTIO_DOMAIN):
            self.add_error("domain", _("Short.io needs the short domain to make links on."))
        if kind == Shortener.KUTT and not (data.get("kutt_url") or settings.KUTT_URL):
            self.add_error("kutt_url", _("Give the address of your Kutt server."))
        return data
