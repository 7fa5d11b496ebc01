"""{% property_estimate_history %}: the owners' dashboard shows every version's estimate of a property."""
from __future__ import annotations

import datetime as dt

import pytest
from django.template import Context, Template
from django.utils import timezone

from offers.tests.factories import PropertyFactory
from recommendations.valuation.models import PropertyEstimateHistory, ValuationModelVersion
from recommendations.valuation.templatetags.valuation import property_estimate_history

pytestmark = pytest.mark.django_db


def test_the_tag_gives_each_versions_estimate_oldest_first_with_a_chart():
    prop, other = PropertyFactory(), PropertyFactory()
    now = timezone.now()
    for number, estimate in ((1, 4_000_000), (2, 4_400_000)):
        version = ValuationModelVersion.objects.create(version=number, artifact_name=f"v{number}",
                                                       artifact_sha256="0" * 64)
        PropertyEstimateHistory.objects.create(property=prop, version=version, estimate=estimate,
                                               low=estimate - 500_000, high=estimate + 500_000,
                                               estimated_at=now - dt.timedelta(days=30 * (2 - number)))
        PropertyEstimateHistory.objects.create(property=other, version=version, estimate=9_000_000,
                                               low=8_000_000, high=10_000_000, estimated_at=now)
    history = property_estimate_history(prop)
    assert [p.estimate for p in history["points"]] == [4_000_000, 4_400_000]
    assert len(history["chart"]["points"]) == 2 and history["chart"]["line"].startswith("M")
    assert property_estimate_history(PropertyFactory()) == {"points": [], "chart": None}


def test_the_tag_works_in_a_template_as_the_dashboard_uses_it():
    prop = PropertyFactory()
    version = ValuationModelVersion.objects.create(version=1, artifact_name="v1", artifact_sha256="0" * 64)
    PropertyEstimateHistory.objects.create(property=prop, version=version, estimate=4_000_000, low=3_500_000,
                                           high=4_500_000, estimated_at=timezone.now())
    html = Template("{% load valuation %}{% property_estimate_history p as h %}{{ h.points|length }}").render(
        Context({"p": prop}))
    assert html == "1"
