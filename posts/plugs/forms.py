"""The plug form of a channel's Plugs page: only the kinds and counts its network offers."""

from django import forms

from integrations.models import Integration
from posts.plugs.models import PlugKind

METRIC_LABELS = {
    "likes": "Likes",
    "shares": "Reposts (boosts, shares)",
    "comments": "Comments (replies)",
    "quotes": "Quotes",
    "saves": "Saves",
    "views": "Views",
    "impressions": "Impressions",
    "reach": "Reach",
    "clicks": "Clicks",
}


class PlugForm(forms.Form):
    kind = forms.ChoiceField(label="Action")
    metric = forms.ChoiceField(label="Count")
    threshold = forms.IntegerField(
        label="Threshold",
        min_value=1,
        help_text="The plug acts once a post has at least this many.",
    )
    text = forms.CharField(
        label="Follow-up text",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="For a reply: what it says, e.g. a link to your product.",
    )
    enabled = forms.BooleanField(label="On", required=False, initial=True)

    def __init__(self, *args, integration: Integration, kinds, metrics, **kwargs):
        super().__init__(*args, **kwargs)
        self.integration = integration
        self.fields["kind"].choices = [(k, PlugKind(k).label) for k in kinds]
        self.fields["metric"].choices = [(m, METRIC_LABELS.get(m, m.title())) for m in metrics]
