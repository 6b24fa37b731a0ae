from django import forms

from billing.services import INTERVALS


class CheckoutForm(forms.Form):
    plan = forms.SlugField(max_length=30)
    interval = forms.ChoiceField(choices=[(i, i) for i in INTERVALS])


class ChannelsForm(forms.Form):
    keep = forms.TypedMultipleChoiceField(coerce=int, required=False)

    def __init__(self, *args, channels=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["keep"].choices = [(c.pk, c.name) for c in channels]
