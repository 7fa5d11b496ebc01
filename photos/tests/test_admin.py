"""Staff hide a photo with a reason (and show it again) in the admin; they see hidden photos; others cannot."""
from __future__ import annotations

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.tests.factories import UserFactory
from offers.models import ClaimStatus, OwnershipClaim
from photos import services
from photos.models import Photo

pytestmark = pytest.mark.django_db


@pytest.fixture
def photo(owner, prop, small_jpeg):
    return services.photo_add(user=owner, property_id=prop.pk, upload=SimpleUploadedFile("p.jpg", small_jpeg))


def test_a_moderator_hides_a_photo_with_a_reason_and_shows_it_again(client, mod, photo):
    client.force_login(mod)
    listing = client.get("/admin/photos/photo/")
    assert listing.status_code == 200 and f"/photos/file/{photo.key}/thumb.jpg" in listing.text
    asked = client.post("/admin/photos/photo/", {"action": "hide_selected", ACTION_CHECKBOX_NAME: [photo.pk]})
    assert asked.status_code == 200 and 'id="hide-apply"' in asked.text
    client.post("/admin/photos/photo/", {"action": "hide_selected", ACTION_CHECKBOX_NAME: [photo.pk],
                                         "apply": "1", "reason": "Shows the neighbours' children"})
    photo.refresh_from_db()
    assert photo.hidden and photo.hidden_reason == "Shows the neighbours' children" and photo.hidden_by == mod
    assert client.get(f"/photos/file/{photo.key}/large.jpg").status_code == 200  # staff still see it
    client.post("/admin/photos/photo/", {"action": "show_selected", ACTION_CHECKBOX_NAME: [photo.pk]})
    photo.refresh_from_db()
    assert not photo.hidden and photo.hidden_reason == ""


def test_staff_without_the_moderation_permission_and_owners_cannot_use_the_photo_admin(client, owner, photo):
    for user in (UserFactory(is_staff=True, email="staff@example.no"), owner):
        client.force_login(user)
        assert client.get("/admin/photos/photo/").status_code in (302, 403)
        client.post("/admin/photos/photo/", {"action": "hide_selected", ACTION_CHECKBOX_NAME: [photo.pk],
                                             "apply": "1", "reason": "x"})
    assert not Photo.objects.get(pk=photo.pk).hidden


def test_a_moderator_revokes_a_verified_claim_in_the_admin_and_the_photos_go(
        client, mod, owner, prop, photo, django_capture_on_commit_callbacks):
    claim = OwnershipClaim.objects.get(user=owner, property=prop)
    client.force_login(mod)
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/admin/offers/ownershipclaim/", {"action": "revoke_selected", ACTION_CHECKBOX_NAME: [claim.pk],
                                                      "apply": "1", "reason": "The house was sold"})
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.REJECTED and claim.reason == "The house was sold"
    assert not Photo.objects.exists()
