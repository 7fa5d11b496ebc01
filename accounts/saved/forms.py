from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from properties.search.querystring import search_params_from_query_string

from .models import AlertFrequency, Collection


class CollectionForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)


class SaveToCollectionForm(forms.Form):
    collection = forms.ModelChoiceField(label=_("Collection"), queryset=Collection.objects.none(), required=False)
    new_collection = forms.CharField(label=_("Or a new collection"), max_length=100, required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        collection = self.fields["collection"]
        assert isinstance(collection, forms.ModelChoiceField)
        collection.queryset = Collection.objects.filter(user=user)


class SavedPropertyForm(forms.Form):
    note = forms.CharField(
        label=_("Private note"), widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=2000
    )
    tags = forms.CharField(label=_("Private tags (comma-separated)"), required=False, max_length=1000)


class SavedSearchCreateForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    frequency = forms.ChoiceField(label=_("Alerts"), choices=AlertFrequency.choices, initial=AlertFrequency.DAILY)
    query = forms.CharField(required=False, widget=forms.HiddenInput, max_length=4000)

    def search_params(self) -> dict[str, str]:
        """The search's query string as the search reads it (repeated keys joined with commas)."""
        return search_params_from_query_string(self.cleaned_data.get("query") or "")


class SavedSearchUpdateForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    frequency = forms.ChoiceField(label=_("Alerts"), choices=AlertFrequency.choices)
