"""Owners' facts and descriptions are in the user's export; deleting the account reverts and removes them."""
from __future__ import annotations

import pytest

from accounts.services import user_delete
from owners import services
from owners.models import FactChange, OwnerDescription, OwnerFact
from properties.models import FactSource, Property

from .conftest import verified_owner

pytestmark = pytest.mark.django_db


def test_the_export_holds_the_owners_facts_descriptions_and_changes_and_nobody_elses(client, prop, owner):
    co_owner = verified_owner(prop)
    services.owner_facts_update(user=owner, property_id=prop.pk,
                                values={"usable_area": 120, "year_renovated": 2019, "description": "Mine."})
    services.owner_facts_update(user=co_owner, property_id=prop.pk, values={"rooms": 5})
    client.force_login(owner)

    data = client.get("/api/v1/me/export").json()["owners"]

    assert {(f["property_id"], f["fact"], f["value"]) for f in data["facts"]} == {
        (prop.pk, "usable_area", 120), (prop.pk, "year_renovated", 2019)}
    assert [(d["property_id"], d["text"]) for d in data["descriptions"]] == [(prop.pk, "Mine.")]
    assert {c["fact"] for c in data["changes"]} == {"usable_area", "year_renovated", "description"}


def test_deleting_the_account_reverts_its_facts_removes_its_description_and_anonymises_the_log(prop, owner):
    co_owner = verified_owner(prop)
    services.owner_facts_update(user=owner, property_id=prop.pk,
                                values={"usable_area": 120, "year_renovated": 2019, "description": "Mine.",
                                        "features": ["sauna"]})
    services.owner_facts_update(user=co_owner, property_id=prop.pk, values={"rooms": 5})

    owner_id = owner.pk
    user_delete(user=owner)

    prop = Property.objects.get(pk=prop.pk)
    assert prop.usable_area == 112 and prop.fact_source("usable_area") == FactSource.MATRIKKEL_API
    assert prop.features == [] and prop.fact_source("features") is None
    assert prop.rooms == 5 and prop.fact_source("rooms") == FactSource.OWNER  # the other owner's fact stays
    assert not OwnerDescription.objects.exists()
    assert list(OwnerFact.objects.values_list("fact", "user")) == [("rooms", co_owner.pk)]
    assert not FactChange.objects.filter(user_id=owner_id).exists()
    deleted = FactChange.objects.filter(action=FactChange.Action.ACCOUNT_DELETED)
    assert {c.fact for c in deleted} == {"usable_area", "features", "year_renovated"}
    assert all(c.user is None for c in deleted)
    assert FactChange.objects.filter(user=None, action=FactChange.Action.SET, new=120).exists()  # kept, anonymous


def test_when_staff_end_a_claim_that_owners_facts_and_description_for_the_property_go(prop, owner):
    from offers import services as offer_services
    from offers.models import OwnershipClaim
    from offers.tests.factories import moderator

    co_owner = verified_owner(prop)
    services.owner_facts_update(user=owner, property_id=prop.pk,
                                values={"usable_area": 120, "year_renovated": 2019, "description": "Mine."})
    services.owner_facts_update(user=co_owner, property_id=prop.pk, values={"rooms": 5})

    claim = OwnershipClaim.objects.get(user=owner, property=prop)
    offer_services.claim_revoke(claim=claim, moderator=moderator(), reason="Sold in 2024")

    prop = Property.objects.get(pk=prop.pk)
    assert prop.usable_area == 112 and prop.fact_source("usable_area") == FactSource.MATRIKKEL_API
    assert prop.rooms == 5 and prop.fact_source("rooms") == FactSource.OWNER  # the remaining owner's fact stays
    assert not OwnerDescription.objects.exists()
    assert list(OwnerFact.objects.values_list("fact", "user")) == [("rooms", co_owner.pk)]
    ended = FactChange.objects.filter(action=FactChange.Action.CLAIM_ENDED)
    assert {c.fact for c in ended} == {"usable_area", "year_renovated"}
    assert FactChange.objects.filter(user=owner, action=FactChange.Action.SET).exists()  # the log keeps who did it
