from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _


class OfferForm(forms.Form):
    offer_amount = forms.IntegerField(label=_("Amount (NOK)"), min_value=1,
                                      widget=forms.NumberInput(attrs={"step": 1, "min": 1, "inputmode": "numeric"}))
    message = forms.CharField(label=_("Message to the owner (optional)"), required=False, max_length=2000,
                              widget=forms.Textarea(attrs={"rows": 3}))
    is_anonymous = forms.BooleanField(label=_("Stay anonymous (the owner sees “verified buyer”)"), required=False,
                                      initial=True)
    reveal_identity_on_accept = forms.BooleanField(
        label=_("If the owner accepts, show them my name and e-mail"), required=False)
    valid_days = forms.IntegerField(label=_("The offer stands for (days)"), min_value=1,
                                    max_value=settings.OFFERS_MAX_VALID_DAYS)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["valid_days"].initial = settings.OFFERS_DEFAULT_VALID_DAYS


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason (optional)"), required=False, max_length=1000)


class OpennessForm(forms.Form):
    open_to_offers = forms.BooleanField(label=_("Open to offers"), required=False)
    reserve = forms.IntegerField(
        label=_("Reserve price (NOK, optional; buyers never see it)"), required=False, min_value=1,
        widget=forms.NumberInput(attrs={"step": 1, "min": 1, "inputmode": "numeric"}))


class ClaimForm(forms.Form):
    statement = forms.CharField(label=_("Why you own this property"), max_length=2000,
                                widget=forms.Textarea(attrs={"rows": 4}))
    document = forms.FileField(label=_("Document, e.g. a deed (optional; PDF, JPEG or PNG)"), required=False)
