"""Fixtures: a property with Matrikkelen's facts, its verified owner, and people who are not its owner."""
from __future__ import annotations

import pytest

from accounts.tests.factories import UserFactory
from offers.models import ClaimStatus, OwnershipClaim
from offers.tests.factories import PropertyFactory
from properties import reference
from properties.models import FactSource

MATRIKKEL = FactSource.MATRIKKEL_API


def matrikkel_property(**kwargs):
    """A property as a Matrikkel API sync leaves it: area, rooms and year known; bedrooms and features not."""
    facts = {"usable_area": 112, "rooms": 4, "bedrooms": None, "year_built": 1987, "features": []}
    facts.update(kwargs.pop("facts", {}))
    sources = {f: MATRIKKEL for f in ("location", "address", "category", "building_type_code", "usable_area",
                                      "plot_area", "rooms", "floors", "year_built")}
    return PropertyFactory(source="matrikkelen", fact_sources=sources,
                           feature_mask=reference.feature_mask(facts["features"]), **facts, **kwargs)


def verified_owner(prop, **kwargs):
    user = UserFactory(**kwargs)
    OwnershipClaim.objects.create(property=prop, user=user, statement="Mine", status=ClaimStatus.VERIFIED)
    return user


@pytest.fixture
def prop(db):
    return matrikkel_property(address="Fjordvegen 7")


@pytest.fixture
def owner(prop):
    return verified_owner(prop, name="Aisha Berg")


@pytest.fixture
def stranger(db):
    return UserFactory(name="Stian Fremmed")


@pytest.fixture
def claimant(prop):
    """Claimed the property, but staff have not verified the claim."""
    user = UserFactory(name="Petter Venter")
    OwnershipClaim.objects.create(property=prop, user=user, statement="Mine too", status=ClaimStatus.PENDING)
    return user
