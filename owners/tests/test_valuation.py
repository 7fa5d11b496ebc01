"""The valuation uses the owner's facts: a change re-estimates the property, and the explanation says so."""
from __future__ import annotations

import pytest
from django.core.management import call_command
from django.urls import reverse

from accounts.tests.factories import UserFactory
from offers.models import ClaimStatus, OwnershipClaim
from owners import services
from properties.models import Property
from recommendations.valuation import artifacts, selectors
from recommendations.valuation import services as valuation
from recommendations.valuation.tasks import valuation_property_estimate_task

pytestmark = pytest.mark.django_db


@pytest.fixture
def active_model(settings, tmp_path):
    settings.VALUATION_MODEL_DIR = tmp_path / "models"
    artifacts._loaded.clear()
    call_command("generate_demo", count=1500, seed=11, sales=3000, stdout=open("/dev/null", "w"))
    version = valuation.valuation_train(frame=selectors.sales_frame())
    valuation.valuation_version_activate(version=version, enqueue=False)
    valuation.valuation_estimates_write(version_id=version.pk, workers=1)
    yield version
    artifacts._loaded.clear()


def test_an_owners_area_changes_the_estimate_and_the_valuation_says_it_used_the_owners_fact(
        client, active_model, django_capture_on_commit_callbacks):
    prop = Property.objects.filter(category="residential", usable_area__gte=60).order_by("id").first()
    owner = UserFactory()
    OwnershipClaim.objects.create(property=prop, user=owner, statement="Mine", status=ClaimStatus.VERIFIED)
    before = prop.estimate

    with django_capture_on_commit_callbacks() as queued:
        services.owner_facts_update(user=owner, property_id=prop.pk, values={"usable_area": prop.usable_area * 3})
    assert len(queued) == 1  # a re-estimate of this property is queued once the change is committed
    assert valuation_property_estimate_task.run(property_id=prop.pk) is True  # what the worker runs

    prop.refresh_from_db()
    assert prop.estimate > before and prop.estimate_source == active_model.label
    valued = selectors.property_valuation(prop=prop)
    assert valued.fact_sources["usable_area"] == "owner" and valued.owner_facts == ["Usable area"]
    page = client.get(reverse("properties:detail", args=[prop.pk])).content.decode()
    assert "The estimate uses facts from the owner: Usable area." in page
