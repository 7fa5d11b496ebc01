"""The owner's facts: provenance, the value beside it, the log, validation and restoring Matrikkelen's value."""
from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from owners import services
from owners.errors import NotAnOwner
from owners.models import FactChange, OwnerFact
from properties.models import FactSource, Property

pytestmark = pytest.mark.django_db


def codes(exc: ValidationError) -> dict[str, list[str]]:
    return {field: [e.code for e in errors] for field, errors in exc.error_dict.items()}


def test_an_owners_fact_is_in_the_column_labelled_owner_with_matrikkelens_value_beside_it(prop, owner):
    services.owner_facts_update(user=owner, property_id=prop.pk, values={"usable_area": 120, "bedrooms": 3})

    prop.refresh_from_db()
    assert (prop.usable_area, prop.bedrooms) == (120, 3)  # what search, the API and the valuation read
    assert prop.fact_source("usable_area") == FactSource.OWNER and prop.fact_source("bedrooms") == FactSource.OWNER
    assert prop.fact_source("rooms") == FactSource.MATRIKKEL_API  # not touched
    upstream = prop.fact_sources["upstream"]
    assert upstream["usable_area"] == {"value": 112, "source": FactSource.MATRIKKEL_API}
    assert upstream["bedrooms"] == {"value": None, "source": None}  # unknown before: nothing to restore but unknown
    log = {c.fact: c for c in FactChange.objects.all()}
    assert (log["usable_area"].old, log["usable_area"].new, log["usable_area"].user) == (112, 120, owner)
    assert log["usable_area"].action == FactChange.Action.SET and log["usable_area"].created_at is not None


def test_values_equal_to_matrikkelens_stay_matrikkelens(prop, owner):
    services.owner_facts_update(user=owner, property_id=prop.pk,
                                values={"usable_area": 112, "rooms": 4, "year_built": 1987, "features": []})

    prop.refresh_from_db()
    assert all(prop.fact_source(f) == FactSource.MATRIKKEL_API for f in ("usable_area", "rooms", "year_built"))
    assert not FactChange.objects.exists() and not OwnerFact.objects.exists()


def test_added_features_are_the_owners_and_the_registers_tags_keep_their_source(owner):
    from .conftest import matrikkel_property, verified_owner

    prop = matrikkel_property(facts={"features": ["road_access"]})
    prop.fact_sources = {**prop.fact_sources, "features": FactSource.OPEN_REGISTER,
                         "feature_tags": {"road_access": FactSource.OPEN_REGISTER}}
    prop.save()
    someone = verified_owner(prop)

    services.owner_facts_update(user=someone, property_id=prop.pk, values={"features": ["sauna", "road_access"]})

    prop.refresh_from_db()
    assert prop.features == ["sauna", "road_access"] and prop.feature_status("sauna") == "yes"
    assert prop.fact_sources["feature_tags"] == {"sauna": FactSource.OWNER, "road_access": FactSource.OPEN_REGISTER}


def test_clearing_a_fact_gives_it_back_to_matrikkelen_and_is_logged(prop, owner):
    services.owner_facts_update(user=owner, property_id=prop.pk, values={"usable_area": 120, "features": ["sauna"]})

    services.owner_facts_update(user=owner, property_id=prop.pk, values={"usable_area": None, "features": None})

    prop.refresh_from_db()
    assert prop.usable_area == 112 and prop.fact_source("usable_area") == FactSource.MATRIKKEL_API
    assert prop.features == [] and not prop.features_known and prop.feature_mask == 0
    assert "upstream" not in prop.fact_sources and not OwnerFact.objects.exists()
    removed = FactChange.objects.get(fact="usable_area", action=FactChange.Action.REMOVED)
    assert (removed.old, removed.new) == (120, 112)


@pytest.mark.parametrize(("values", "field", "code"), [
    ({"usable_area": 0}, "usable_area", "out_of_range"),
    ({"usable_area": 100_001}, "usable_area", "out_of_range"),
    ({"usable_area": "lots"}, "usable_area", "invalid_number"),
    ({"year_built": 1599}, "year_built", "out_of_range"),
    ({"year_built": dt.date.today().year + 1}, "year_built", "out_of_range"),
    ({"rooms": 3, "bedrooms": 4}, "bedrooms", "bedrooms_exceed_rooms"),
    ({"bedrooms": 5}, "bedrooms", "bedrooms_exceed_rooms"),  # Matrikkelen says 4 rooms
    ({"year_renovated": 1950}, "year_renovated", "renovated_before_built"),  # built 1987
    ({"features": ["sauna", "moat"]}, "features", "unknown_feature"),
    ({"features": "sauna"}, "features", "invalid_features"),
    ({"description": "x" * 2001}, "description", "description_too_long"),
    ({"plot_area": 5000}, "non_field_errors", "unknown_fact"),
])
def test_bad_input_is_refused_with_a_readable_message_and_a_stable_code(prop, owner, values, field, code):
    with pytest.raises(ValidationError) as caught:
        services.owner_facts_update(user=owner, property_id=prop.pk, values=values)

    assert code in codes(caught.value)[field]
    assert all(m and "%(" not in m for m in caught.value.messages)  # formatted, readable
    prop.refresh_from_db()
    assert prop.usable_area == 112 and not FactChange.objects.exists()


def test_the_range_message_says_the_range(prop, owner):
    with pytest.raises(ValidationError) as caught:
        services.owner_facts_update(user=owner, property_id=prop.pk, values={"usable_area": 0})
    assert caught.value.message_dict["usable_area"] == ["The usable area must be between 1 and 100000 m²."]


def test_only_a_verified_owner_may_change_facts(prop, stranger, claimant):
    for user in (stranger, claimant):
        with pytest.raises(NotAnOwner):
            services.owner_facts_update(user=user, property_id=prop.pk, values={"usable_area": 500})
    prop.refresh_from_db()
    assert prop.usable_area == 112


def test_several_owners_share_the_facts_and_each_change_names_its_author(prop, owner):
    from .conftest import verified_owner

    co_owner = verified_owner(prop)
    services.owner_facts_update(user=owner, property_id=prop.pk, values={"usable_area": 120})
    services.owner_facts_update(user=co_owner, property_id=prop.pk, values={"usable_area": 125})

    prop.refresh_from_db()
    assert prop.usable_area == 125 and prop.fact_sources["upstream"]["usable_area"]["value"] == 112
    assert list(FactChange.objects.order_by("id").values_list("user", "old", "new")) == [
        (owner.pk, 112, 120), (co_owner.pk, 120, 125)]
    assert OwnerFact.objects.get(fact="usable_area").user == co_owner


def test_the_log_is_append_only(prop, owner):
    services.owner_facts_update(user=owner, property_id=prop.pk, values={"usable_area": 120})
    change = FactChange.objects.get()
    change.new = 999
    with pytest.raises(ValueError):
        change.save()
    with pytest.raises(ValueError):
        change.delete()
    assert FactChange.objects.get().new == 120


def test_the_description_is_stored_as_plain_text_and_its_change_logged_without_the_text(prop, owner):
    services.owner_facts_update(user=owner, property_id=prop.pk,
                                values={"description": "  Sunny <b>flat</b> by the fjord.\r\nNew kitchen.  "})

    assert prop.owner_description.text == "Sunny <b>flat</b> by the fjord.\nNew kitchen."
    change = FactChange.objects.get()
    assert (change.fact, change.action, change.old, change.new) == ("description", "description", None, None)
    assert Property.objects.get(pk=prop.pk).fact_sources == prop.fact_sources  # the facts are untouched
