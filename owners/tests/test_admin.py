"""Staff in the admin: review the log, revert an owner's fact to Matrikkelen's value, hide a description."""
from __future__ import annotations

import pytest
from django.urls import reverse

from owners import services
from owners.models import FactChange, OwnerDescription
from properties.models import FactSource, Property

pytestmark = pytest.mark.django_db


def test_staff_review_the_log_and_revert_an_owners_fact(admin_client, admin_user, prop, owner):
    services.owner_facts_update(user=owner, property_id=prop.pk, values={"usable_area": 120, "rooms": 5})
    changes = reverse("admin:owners_factchange_changelist")
    assert admin_client.get(changes).status_code == 200
    area = FactChange.objects.get(fact="usable_area")

    response = admin_client.post(changes, {"action": "revert_selected", "_selected_action": [area.pk]}, follow=True)

    assert "Reverted 1 fact to Matrikkelen&#x27;s value." in response.content.decode()
    prop = Property.objects.get(pk=prop.pk)
    assert prop.usable_area == 112 and prop.fact_source("usable_area") == FactSource.MATRIKKEL_API
    assert prop.rooms == 5 and prop.fact_source("rooms") == FactSource.OWNER  # only what staff chose
    revert = FactChange.objects.get(action=FactChange.Action.REVERTED)
    assert (revert.fact, revert.old, revert.new, revert.user) == ("usable_area", 120, 112, admin_user)
    assert FactChange.objects.count() == 3  # set, set, reverted: nothing rewritten


def test_the_log_cannot_be_edited_or_deleted_in_the_admin(admin_client, prop, owner):
    services.owner_facts_update(user=owner, property_id=prop.pk, values={"usable_area": 120})
    change = FactChange.objects.get()

    page = admin_client.get(reverse("admin:owners_factchange_change", args=[change.pk]))
    assert page.status_code == 200 and b'name="_save"' not in page.content
    assert admin_client.post(reverse("admin:owners_factchange_delete", args=[change.pk]), {"post": "yes"}
                             ).status_code == 403
    assert FactChange.objects.get().new == 120


def test_staff_hide_a_description_with_a_reason_the_owner_sees(admin_client, client, prop, owner):
    services.owner_facts_update(user=owner, property_id=prop.pk, values={"description": "Call me on 900 00 000!"})
    description = OwnerDescription.objects.get()
    url = reverse("admin:owners_ownerdescription_change", args=[description.pk])

    admin_client.post(url, {"hidden_reason": "Contact details belong in the offer flow."})

    assert b"Call me" not in client.get(reverse("properties:detail", args=[prop.pk])).content
    client.force_login(owner)
    page = client.get(reverse("owners:edit", args=[prop.pk])).content.decode()
    assert "epty's staff have hidden your description: Contact details belong in the offer flow." in page
    assert FactChange.objects.filter(action=FactChange.Action.DESCRIPTION_HIDDEN,
                                     reason="Contact details belong in the offer flow.").exists()

    admin_client.post(url, {"hidden_reason": ""})  # cleared: shown again

    assert b"Call me" in client.get(reverse("properties:detail", args=[prop.pk])).content


def test_the_owners_admin_is_for_staff_only(client, prop, owner):
    client.force_login(owner)
    response = client.get(reverse("admin:owners_factchange_changelist"))
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
