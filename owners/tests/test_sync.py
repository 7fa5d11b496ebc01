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
