"""A Matrikkelen sync never wipes an owner's fact: the owner's value stays in the column, Matrikkelen's new
value is recorded beside it, and restoring it gives Matrikkelen's latest value."""
from __future__ import annotations

import pytest

from accounts.tests.factories import UserFactory
from offers.models import ClaimStatus, OwnershipClaim
from owners import services
from properties.matrikkelen.sync import matrikkel_sync
from properties.models import FactSource, Property, SyncRun
from properties.tests.matrikkelen.conftest import _fast_retries, source, standin  # noqa: F401 (fixtures)

pytestmark = pytest.mark.django_db


def test_a_sync_keeps_the_owners_fact_and_records_matrikkelens_new_value_beside_it(source, standin):  # noqa: F811 - the fixtures above
    matrikkel_sync(kind=SyncRun.Kind.FULL, source=source)
    prop = Property.objects.filter(category="residential", usable_area__isnull=False).order_by("id").first()
    owner = UserFactory()
    OwnershipClaim.objects.create(property=prop, user=owner, statement="Mine", status=ClaimStatus.VERIFIED)
    registered = prop.usable_area
    services.owner_facts_update(user=owner, property_id=prop.pk,
                                values={"usable_area": registered + 8, "features": ["sauna"]})
    unit = standin.dataset.get(prop.matrikkelenhet_id)
    standin.dataset.overrides[prop.matrikkelenhet_id] = {**unit, "units": [{**unit["units"][0], "area": 999}]}
    standin.dataset._log("Oppdatering", "BruksenhetId", unit["units"][0]["id"], prop.matrikkelenhet_id)

    run = matrikkel_sync(source=source)

    prop.refresh_from_db()
    assert run.updated == 1
    assert prop.usable_area == registered + 8 and prop.fact_source("usable_area") == FactSource.OWNER
    assert prop.fact_sources["upstream"]["usable_area"] == {"value": 999, "source": FactSource.MATRIKKEL_API}
    assert prop.features == ["sauna"] and prop.feature_status("sauna") == "yes"  # not Matrikkelen's to say
    assert prop.fact_source("rooms") == FactSource.MATRIKKEL_API  # the facts the owner left alone still sync
    assert Property.objects.filter(usable_area__gte=registered + 8, usable_area__lt=registered + 9,
                                   pk=prop.pk).exists()

    assert matrikkel_sync(source=source).updated == 0  # and a second sync changes nothing

    services.owner_fact_revert(property_id=prop.pk, fact="usable_area", staff_user=None)
    prop.refresh_from_db()
    assert prop.usable_area == 999 and prop.fact_source("usable_area") == FactSource.MATRIKKEL_API
    assert "usable_area" not in prop.fact_sources.get("upstream", {})


@pytest.mark.parametrize("path", ["postgresql", "portable"])
def test_an_import_of_every_fact_keeps_the_owners_facts_and_records_the_imported_ones_beside(path, monkeypatch):
    """Both write paths of property_upsert_many (PostgreSQL's COPY upsert and the portable one) keep the rule."""
    import random

    from django.db import connection

    from properties import reference
    from properties.services import property_upsert_many
    from properties.tests.factories import property_row

    row = {**property_row(random.Random(3), 0), "usable_area": 100, "rooms": 4, "bedrooms": 2,
           "features": ["road_access"], "source": "matrikkelen", "fact_source": FactSource.MATRIKKEL_API}
    property_upsert_many(rows=[row])
    prop = Property.objects.get(external_id=row["external_id"])
    owner = UserFactory()
    OwnershipClaim.objects.create(property=prop, user=owner, statement="Mine", status=ClaimStatus.VERIFIED)
    services.owner_facts_update(user=owner, property_id=prop.pk,
                                values={"usable_area": 130, "features": ["road_access", "sauna"]})
    if path == "portable":
        monkeypatch.setattr(connection, "vendor", "portable")

    result = property_upsert_many(rows=[{**row, "usable_area": 105, "rooms": 5, "features": ["jetty"],
                                         "address": "Nyveien 1"}])

    prop.refresh_from_db()
    assert result.updated == 1 and prop.address == "Nyveien 1" and prop.rooms == 5  # the rest is synced
    assert prop.usable_area == 130 and prop.fact_source("usable_area") == FactSource.OWNER
    assert prop.features == ["sauna", "road_access"] and prop.fact_source("features") == FactSource.OWNER
    assert prop.fact_sources["feature_tags"] == {"road_access": FactSource.MATRIKKEL_API, "sauna": FactSource.OWNER}
    assert prop.feature_mask == reference.feature_mask(["road_access", "sauna"])
    upstream = prop.fact_sources["upstream"]
    assert upstream["usable_area"] == {"value": 105, "source": FactSource.MATRIKKEL_API}
    assert upstream["features"] == {"value": ["jetty"], "source": FactSource.MATRIKKEL_API,
                                    "feature_tags": {"jetty": FactSource.MATRIKKEL_API}}

    services.owner_fact_revert(property_id=prop.pk, fact="features", staff_user=None)
    prop.refresh_from_db()
    assert prop.features == ["jetty"] and prop.fact_sources["feature_tags"] == {"jetty": FactSource.MATRIKKEL_API}
    assert prop.feature_mask == reference.feature_mask(["jetty"])


def test_facts_set_from_another_source_later_go_beside_the_owners_value(db):
    """The demo generator (property_facts_set_many) follows the same rule as the syncs."""
    from properties.services import property_facts_set_many

    from .conftest import matrikkel_property, verified_owner

    prop = matrikkel_property()
    owner = verified_owner(prop)
    services.owner_facts_update(user=owner, property_id=prop.pk, values={"rooms": 6})

    property_facts_set_many(facts={prop.external_id: {"rooms": 3, "year_built": 1990}}, source=FactSource.DEMO)

    prop.refresh_from_db()
    assert prop.rooms == 6 and prop.fact_source("rooms") == FactSource.OWNER
    assert prop.fact_sources["upstream"]["rooms"] == {"value": 3, "source": FactSource.DEMO}
    assert prop.year_built == 1990 and prop.fact_source("year_built") == FactSource.DEMO  # not the owner's: set
