import pytest

from properties.models import PropertySale
from properties.tests.factories import make_catalogue


@pytest.fixture
def staff_client(client, django_user_model):
    user = django_user_model.objects.create_superuser("staff", "staff@example.com", "a-long-test-password")
    client.force_login(user)
    return client


@pytest.mark.django_db
def test_staff_search_properties_and_see_the_payload_read_only(staff_client):
    prop = make_catalogue(5, seed=8)[0]
    PropertySale.objects.create(property=prop, sold_on="2024-05-01", price=4_200_000)
    listing = staff_client.get("/admin/properties/property/", {"q": prop.external_id})
    assert listing.status_code == 200 and prop.external_id in listing.text
    change = staff_client.get(f"/admin/properties/property/{prop.id}/change/")
    assert change.status_code == 200
    assert "&quot;test&quot;: true" in change.text  # the payload, rendered read-only
    assert 'name="upstream_payload"' not in change.text
    assert "4200000" in change.text or "4,200,000" in change.text or "4 200 000" in change.text


@pytest.mark.django_db
def test_properties_cannot_be_deleted_in_the_admin(staff_client):
    prop = make_catalogue(1, seed=9)[0]
    assert staff_client.get(f"/admin/properties/property/{prop.id}/delete/").status_code == 403


@pytest.mark.django_db
def test_sales_admin_lists_and_filters(staff_client):
    prop = make_catalogue(1, seed=10)[0]
    PropertySale.objects.create(property=prop, sold_on="2023-01-10", price=3_000_000)
    response = staff_client.get("/admin/properties/propertysale/", {"q": prop.external_id})
    assert response.status_code == 200 and prop.external_id in response.text
