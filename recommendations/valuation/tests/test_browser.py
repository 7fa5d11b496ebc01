"""The valuation chart in a Bokmål browser: the estimate marker inside its interval bar, the factor bars drawn."""
from __future__ import annotations

import pytest

from properties.models import Property
from recommendations.valuation import selectors, services


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_bokmal_valuation_chart_draws_its_marker_inside_the_interval_and_its_factor_bars(
        browser, live_server, demo_catalogue):
    version = services.valuation_train(frame=selectors.sales_frame())
    services.valuation_version_activate(version=version, enqueue=False)
    services.valuation_estimates_write(version_id=version.pk)
    # A property whose estimate lies well inside its interval, so the marker's place is not at an edge by chance.
    prop = next(p for p in Property.objects.active().exclude(estimate=None).order_by("id")
                if 0.2 < (p.estimate - p.estimate_low) / (p.estimate_high - p.estimate_low) < 0.8)

    context = browser.new_context(locale="nb-NO")
    page = context.new_page()
    page.route("**/*", lambda route: route.continue_() if route.request.url.startswith(live_server.url)
               else route.abort())
    page.goto(f"{live_server.url}/properties/{prop.pk}/")
    assert page.locator("html").get_attribute("lang") == "nb"
    assert "Verdivurdering" in page.locator("#valuation h2").inner_text()

    interval = page.locator("svg.valuation-interval rect.interval-bar").bounding_box()
    marker = page.locator("svg.valuation-interval line.estimate-marker").bounding_box()
    expected_fraction = (prop.estimate - prop.estimate_low) / (prop.estimate_high - prop.estimate_low)
    marker_centre = marker["x"] + marker["width"] / 2
    assert interval["x"] + 0.15 * interval["width"] < marker_centre < interval["x"] + 0.85 * interval["width"]
    assert marker_centre == pytest.approx(interval["x"] + expected_fraction * interval["width"], abs=2)

    bars = page.locator("svg.valuation-factors rect.factor-bar")
    assert bars.count() >= 2
    widths = [bars.nth(i).bounding_box()["width"] for i in range(bars.count())]
    assert max(widths) == pytest.approx(150, abs=1)  # the biggest factor fills its half
    assert all(w > 0 for w in widths)
    factors = page.locator(".valuation-factor-list").inner_text()
    assert "Beliggenhet" in factors or "Størrelse" in factors  # the factors in Bokmål too
    assert "Location" not in factors and "Size" not in factors
    context.close()
