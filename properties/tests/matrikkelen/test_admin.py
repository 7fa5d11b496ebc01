"""Staff see sync runs and refresh one property by hand."""
from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from properties.matrikkelen.sync import matrikkel_sync
from properties.models import Property, SyncRun

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client):
    user = get_user_model().objects.create_superuser(**_superuser_fields())
    client.force_login(user)
    return client


def _superuser_fields() -> dict:
    User = get_user_model()
    fields = {"password": "a-long-test-password-1"}
    fields[User.USERNAME_FIELD] = "staff@example.no" if "email" in User.USERNAME_FIELD else "staff"
    if User.USERNAME_FIELD != "email" and any(f.name == "email" for f in User._meta.fields):
        fields["email"] = "staff@example.no"
    return fields


def test_staff_refresh_a_property_from_matrikkelen_with_the_admin_action(staff_client, source, standin, settings):
    settings.MATRIKKEL_SOURCE = "soap"
    settings.MATRIKKEL_BASE_URL = standin.soap_base_url
    settings.MATRIKKEL_USERNAME = ""
    matrikkel_sync(kind=SyncRun.Kind.FULL, source=source)
    prop = Property.objects.order_by("id").first()
    unit = standin.dataset.get(prop.matrikkelenhet_id)
    changed = {**unit, "units": [{**unit["units"][0], "area": unit["units"][0]["area"] + 11}]}
    standin.dataset.overrides[prop.matrikkelenhet_id] = changed  # changed upstream, not yet in the change log

    response = staff_client.post(reverse("admin:properties_property_changelist"),
                                 {"action": "refresh_from_matrikkelen", "_selected_action": [prop.pk]}, follow=True)

    assert response.status_code == 200
    prop.refresh_from_db()
    assert prop.usable_area == unit["units"][0]["area"] + 11
    run = SyncRun.objects.get(kind=SyncRun.Kind.REFRESH)
    assert run.status == SyncRun.Status.SUCCEEDED and run.updated == 1


def test_staff_see_sync_runs_with_counts_and_errors(staff_client, source, standin):
    matrikkel_sync(kind=SyncRun.Kind.FULL, source=source)
    standin.faults.fail_next = 1000
    failed = matrikkel_sync(source=source)

    listing = staff_client.get(reverse("admin:properties_syncrun_changelist"))
    detail = staff_client.get(reverse("admin:properties_syncrun_change", args=[failed.pk]))

    assert listing.status_code == 200 and b"Matrikkelen read cache" in listing.content
    assert b"upstream_unavailable" in detail.content
