"""Staff compare versions, read the report, activate and roll back in the admin; the property page shows the
valuation."""

import re

import pytest
from django.urls import reverse

from properties.models import Property
from recommendations.valuation import artifacts, selectors, services
from recommendations.valuation.models import ValuationArtifact, ValuationModelVersion


@pytest.fixture
def staff(django_user_model):
    return django_user_model.objects.create_superuser("staff", "staff@example.com", "a-long-test-password")


@pytest.fixture
def version(demo_catalogue):
    return services.valuation_train(frame=selectors.sales_frame())


def test_report_page_shows_metric_tables_and_plots(client, staff, version):
    client.force_login(staff)
    response = client.get(reverse("admin:valuation_valuationmodelversion_report", args=[version.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "MdAPE" in html and "Noise floor" in html and "Per county" in html and html.count("<svg") >= 3


def test_staff_compare_and_activate_versions_from_the_list(client, staff, version, django_capture_on_commit_callbacks):
    client.force_login(staff)
    url = reverse("admin:valuation_valuationmodelversion_changelist")
    assert "report" in client.get(url).content.decode()
    compare = client.post(url, {"action": "compare_selected", "_selected_action": [version.pk]})
    assert compare.status_code == 200 and "valuation-v1" in compare.content.decode()
    with django_capture_on_commit_callbacks() as callbacks:
        client.post(url, {"action": "activate_selected", "_selected_action": [version.pk]})
    assert ValuationModelVersion.objects.get(pk=version.pk).is_active and len(callbacks) == 1


def test_property_page_shows_the_valuation_with_its_factors(client, version):
    services.valuation_version_activate(version=version, enqueue=False)
    services.valuation_estimates_write(version_id=version.pk)
    prop = Property.objects.order_by("id").first()
    html = client.get(reverse("properties:detail", args=[prop.pk])).content.decode()
    assert 'id="valuation"' in html and "valuation-factors" in html and "%" in html


@pytest.mark.parametrize("breakage", ["missing", "other_library_versions"])
def test_a_model_that_cannot_be_loaded_leaves_the_stored_estimate_with_its_explanation_unavailable(
    client, staff, version, breakage
):
    services.valuation_version_activate(version=version, enqueue=False)
    services.valuation_estimates_write(version_id=version.pk)
    artifacts._loaded.clear()  # another process: nothing loaded yet
    stored = ValuationArtifact.objects.filter(name=version.artifact_name)
    if breakage == "missing":
        stored.delete()
    else:
        stored.update(sklearn_version="0.24.2")
    prop = Property.objects.order_by("id").first()

    page = client.get(reverse("properties:detail", args=[prop.pk]))
    api = client.get(f"/api/v1/properties/{prop.pk}/valuation")
    client.force_login(staff)
    admin_list = client.get(reverse("admin:valuation_valuationmodelversion_changelist")).content.decode()

    html = page.content.decode()
    shown = r"\D?".join(f"{prop.estimate:,}".split(","))  # whatever the language's thousands separator
    assert page.status_code == 200 and re.search(shown + " kr", html)
    assert "valuation-unavailable" in html and "valuation-factors" not in html
    assert api.status_code == 200 and api.json()["explanation_unavailable"] is True and api.json()["factors"] == []
    assert api.json()["estimate"] == prop.estimate
    assert "no: The model" in admin_list


def test_property_page_says_how_accurate_and_draws_the_history_with_dots_in_bokmal(client, version):
    import re

    services.valuation_version_activate(version=version, enqueue=False)
    services.valuation_estimates_write(version_id=version.pk)
    prop = Property.objects.filter(sales__isnull=False).order_by("id").first()
    html = client.get(reverse("properties:detail", args=[prop.pk]), HTTP_ACCEPT_LANGUAGE="nb").content.decode()
    assert "medianfeilen" in html and "Estimatet bygger på" in html and "Estimathistorikk" in html
    chart = html[html.index('class="valuation-history"'):]
    chart = chart[:chart.index("</svg>")]
    numbers = re.findall(r'(?:d|cx|cy)="([^"]*)"', chart)
    assert numbers and 'class="history-sale"' in chart  # the property's recorded sales are drawn
    # The axes say what they measure: the value range in kroner and the first and last date, as the reader writes them.
    labels = re.findall(r"<text[^>]*>([^<]*)</text>", chart)
    assert sum(label.endswith(" kr") for label in labels) == 2, labels
    assert any(re.fullmatch(r"\d\d\.\d\d\.\d{4}", label) for label in labels), labels
    for value in numbers:
        assert "," not in value and re.fullmatch(r"[MLZ0-9. -]+", value), value
    english = client.get(reverse("properties:detail", args=[prop.pk]), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "the median error was" in english and "Estimate history" in english
    # English dates are day first with the month in words: 12/01/2026 would read as 12 January in Norway.
    english_chart = english[english.index('class="valuation-history"'):]
    english_labels = re.findall(r"<text[^>]*>([^<]*)</text>", english_chart[:english_chart.index("</svg>")])
    assert any(re.fullmatch(r"\d{1,2} [A-Z][a-z]{2} \d{4}", label) for label in english_labels), english_labels
