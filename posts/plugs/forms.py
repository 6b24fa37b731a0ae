"""The plug form of a channel's Plugs page: only the kinds and counts its network offers."""

from django import forms
from django.utils.translation import gettext_lazy as _

from integrations.models import Integration
from integrations.providers.base.data import METRIC_LABELS as DATA_METRIC_LABELS
from posts.plugs.models import PlugKind

METRIC_LABELS = {
    **DATA_METRIC_LABELS,
    "shares": _("Reposts (boosts, shares)"),
    "comments": _("Comments (replies)"),
}


class PlugForm(forms.Form):
    kind = forms.ChoiceField(label=_("Action"))
    metric = forms.ChoiceField(label=_("Count"))
    threshold = forms.IntegerField(
        label=_("Threshold"),
        min_value=1,
        help_text=_("The plug acts once a post has at least this many."),
    )
    text = forms.CharField(
        label=_("Follow-up text"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("For a reply: what it says, e.g. a link to your product."),
    )
    enabled = forms.BooleanField(label=_("On"), required=False, initial=True)

    def __init__(self, *args, integration: Integration, kinds, metrics, **kwargs):
        super().__init__(*args, **kwargs)
        self.integration = integration
        self.fields["kind"].choices = [(k, PlugKind(k).label) for k in kinds]
        self.fields["metric"].choices = [(m, METRIC_LABELS.get(m, m.title())) for m in metrics]
