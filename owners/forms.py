from __future__ import annotations

from typing import cast

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from properties import reference

from .models import DESCRIPTION_MAX_LENGTH


def _number(label):
    # Ranges are checked once, by the service (owners.services.LIMITS), which words the message.
    return forms.IntegerField(label=label, required=False,
                              widget=forms.NumberInput(attrs={"step": 1, "inputmode": "numeric"}))


class OwnerFactsForm(forms.Form):
    usable_area = _number(_("Usable area (m²)"))
    rooms = _number(_("Rooms"))
    bedrooms = _number(_("Bedrooms"))
    year_built = _number(_("Year built"))
    year_renovated = _number(_("Year renovated"))
    features = forms.MultipleChoiceField(label=_("Features"), required=False, widget=forms.CheckboxSelectMultiple,
                                         choices=[(tag, reference.feature_label(tag)) for tag in reference.FEATURES])
    description = forms.CharField(label=_("Description"), required=False, max_length=DESCRIPTION_MAX_LENGTH,
                                  widget=forms.Textarea(attrs={"rows": 6}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Labels in the reader's language (FEATURES' labels are translated when read).
        features = cast(forms.MultipleChoiceField, self.fields["features"])
        features.choices = [(tag, reference.feature_label(tag)) for tag in reference.FEATURES]
        self.fields["description"].help_text = gettext("Plain text, at most %(max)s characters.") % {
            "max": DESCRIPTION_MAX_LENGTH}
