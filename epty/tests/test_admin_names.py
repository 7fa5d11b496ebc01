"""The admin names every model in correct English and in Bokmål ("saved properties", not "saved propertys")."""
from __future__ import annotations

import re

from django.apps import apps
from django.utils import translation

OUR_APPS = {"mail", "properties", "accounts", "saved", "offers", "owners", "valuation", "market", "recommender"}


def test_no_model_is_named_with_a_naive_plural():
    wrong = []
    for model in apps.get_models():
        meta = model._meta
        if meta.app_label not in OUR_APPS:
            continue
        singular, plural = str(meta.verbose_name), str(meta.verbose_name_plural)
        if re.search(r"([^aeiou]y|ch|sh|s|x)$", singular) and plural == singular + "s":
            wrong.append(f"{meta.label}: {plural}")
    assert not wrong, wrong


def test_the_saved_things_and_offers_are_named_in_bokmal():
    from accounts.saved.models import SavedProperty, SearchHistoryEntry
    from offers.models import Offer

    with translation.override("nb"):
        assert str(SavedProperty._meta.verbose_name_plural) == "lagrede eiendommer"
        assert str(SearchHistoryEntry._meta.verbose_name_plural) == "oppføringer i søkehistorikken"
        assert str(Offer._meta.verbose_name_plural) == "bud"
    with translation.override("en"):
        assert str(SearchHistoryEntry._meta.verbose_name_plural) == "search history entries"
