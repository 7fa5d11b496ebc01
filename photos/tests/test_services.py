"""Owners add, order and delete photos; limits hold; files go with the photo; when an owner leaves, their photos
go unless another verified owner keeps the property."""
from __future__ import annotations

from pathlib import Path

import pytest
from django.core.exceptions import ValidationError

from accounts.services import user_delete
from epty.mail.models import OutboxMessage
from offers import services as offer_services
from offers.models import ClaimStatus, OwnershipClaim
from offers.tests.factories import PropertyFactory
from photos import services
from photos.errors import NotPropertyOwner
from photos.models import Photo
from properties.models import Property

from .conftest import jpeg_with_gps, upload

pytestmark = pytest.mark.django_db


def files_of(photo: Photo, settings) -> list[Path]:
    return [Path(settings.MEDIA_ROOT) / name for name in photo.file_names()]


def add(user, prop, data: bytes) -> Photo:
    return services.photo_add(user=user, property_id=prop.pk, upload=upload(data))


def test_an_owners_photo_is_stored_in_three_sizes_under_a_random_name_and_becomes_the_cover(owner, prop, settings):
    photo = add(owner, prop, jpeg_with_gps())
    assert all(path.is_file() for path in files_of(photo, settings))
    assert len(photo.key) >= 32 and photo.key not in ("photo", "photo.jpg")
    assert photo.is_cover and photo.uploaded_by == owner
    prop.refresh_from_db()
    assert prop.cover_photo == f"/photos/file/{photo.key}/thumb.jpg"


def test_someone_who_is_not_a_verified_owner_cannot_add_a_photo(prop, other, small_jpeg):
    OwnershipClaim.objects.create(property=prop, user=other, statement="Mine", status=ClaimStatus.PENDING)
    with pytest.raises(NotPropertyOwner):
        add(other, prop, small_jpeg)
    assert not Photo.objects.exists()


def test_the_21st_photo_is_refused(owner, co_owner, prop, settings, small_jpeg):
    for _ in range(10):
        add(owner, prop, small_jpeg)
    for _ in range(10):
        add(co_owner, prop, small_jpeg)  # the limit is per property, whoever uploads
    with pytest.raises(ValidationError) as caught:
        add(owner, prop, small_jpeg)
    assert caught.value.code == "photo_limit"
    assert "at most 20 photos" in caught.value.message
    assert Photo.objects.filter(property=prop).count() == 20


def test_a_file_too_big_is_refused_before_it_is_read(owner, prop, settings, small_jpeg):
    settings.PHOTO_MAX_UPLOAD_BYTES = len(small_jpeg) - 1
    with pytest.raises(ValidationError) as caught:
        add(owner, prop, small_jpeg)
    assert caught.value.code == "photo_too_large"
    assert not Photo.objects.exists() and not (Path(settings.MEDIA_ROOT) / "photos").exists()


def test_deleting_a_photo_removes_every_size_from_storage_and_moves_the_cover(
        owner, prop, settings, small_jpeg, django_capture_on_commit_callbacks):
    first, second = add(owner, prop, small_jpeg), add(owner, prop, small_jpeg)
    with django_capture_on_commit_callbacks(execute=True):
        services.photo_delete(user=owner, photo=first)
    assert not any(path.exists() for path in files_of(first, settings))
    assert all(path.exists() for path in files_of(second, settings))
    second.refresh_from_db()
    prop.refresh_from_db()
    assert second.is_cover and prop.cover_photo.endswith(f"/{second.key}/thumb.jpg")


def test_deleting_the_last_photo_clears_the_cover(owner, prop, small_jpeg, django_capture_on_commit_callbacks):
    photo = add(owner, prop, small_jpeg)
    with django_capture_on_commit_callbacks(execute=True):
        services.photo_delete(user=owner, photo=photo)
    prop.refresh_from_db()
    assert prop.cover_photo == ""


def test_another_user_cannot_delete_reorder_or_choose_the_cover(owner, other, prop, small_jpeg):
    photo = add(owner, prop, small_jpeg)
    with pytest.raises(NotPropertyOwner):
        services.photo_delete(user=other, photo=photo)
    with pytest.raises(NotPropertyOwner):
        services.photos_reorder(user=other, property_id=prop.pk, keys=[photo.key])
    with pytest.raises(NotPropertyOwner):
        services.photo_set_cover(user=other, photo=photo)
    assert Photo.objects.filter(pk=photo.pk).exists()


def test_owners_order_the_photos_and_choose_the_cover(owner, co_owner, prop, small_jpeg):
    a, b, c = (add(owner, prop, small_jpeg) for _ in range(3))
    services.photos_reorder(user=co_owner, property_id=prop.pk, keys=[c.key, a.key, b.key])
    assert list(Photo.objects.filter(property=prop).values_list("key", flat=True)) == [c.key, a.key, b.key]
    services.photo_move(user=owner, photo=b, offset=-1)
    assert list(Photo.objects.filter(property=prop).values_list("key", flat=True)) == [c.key, b.key, a.key]
    services.photo_set_cover(user=owner, photo=b)
    assert list(Photo.objects.filter(is_cover=True).values_list("key", flat=True)) == [b.key]
    assert Property.objects.get(pk=prop.pk).cover_photo.endswith(f"/{b.key}/thumb.jpg")
    with pytest.raises(ValidationError) as caught:
        services.photos_reorder(user=owner, property_id=prop.pk, keys=[a.key, b.key])
    assert caught.value.code == "photo_order_invalid"


def test_a_hidden_cover_is_not_shown_on_cards_and_the_next_photo_stands_in(owner, mod, prop, small_jpeg):
    first, second = add(owner, prop, small_jpeg), add(owner, prop, small_jpeg)
    services.photo_hide(photo=first, moderator=mod, reason="Shows a person's face")
    assert Property.objects.get(pk=prop.pk).cover_photo.endswith(f"/{second.key}/thumb.jpg")
    services.photo_show(photo=first, moderator=mod)
    assert Property.objects.get(pk=prop.pk).cover_photo.endswith(f"/{first.key}/thumb.jpg")


def test_only_moderators_hide_photos_and_a_reason_is_required(owner, mod, prop, small_jpeg):
    photo = add(owner, prop, small_jpeg)
    with pytest.raises(Exception) as caught:
        services.photo_hide(photo=photo, moderator=owner, reason="mine")
    assert getattr(caught.value, "code", "") == "not_allowed"
    with pytest.raises(ValidationError):
        services.photo_hide(photo=photo, moderator=mod, reason=" ")
    assert not Photo.objects.get(pk=photo.pk).hidden


def test_a_revoked_owners_photos_are_removed_with_their_files(
        owner, mod, prop, settings, small_jpeg, django_capture_on_commit_callbacks):
    photo = add(owner, prop, small_jpeg)
    claim = OwnershipClaim.objects.get(user=owner, property=prop)
    with django_capture_on_commit_callbacks(execute=True):
        offer_services.claim_revoke(claim=claim, moderator=mod, reason="Sold the house in 2024")
    assert not Photo.objects.exists()
    assert not any(path.exists() for path in files_of(photo, settings))
    assert Property.objects.get(pk=prop.pk).cover_photo == ""
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.REJECTED and claim.reason == "Sold the house in 2024"
    mail = OutboxMessage.objects.get(user=owner)
    assert "ownership has ended" in mail.subject or "eierskap er avsluttet" in mail.subject
    assert "Sold the house in 2024" in mail.body_text


def test_a_revoked_owners_photos_stay_unattributed_when_another_verified_owner_remains(
        owner, co_owner, mod, prop, settings, small_jpeg, django_capture_on_commit_callbacks):
    photo = add(owner, prop, small_jpeg)
    with django_capture_on_commit_callbacks(execute=True):
        offer_services.claim_revoke(claim=OwnershipClaim.objects.get(user=owner, property=prop), moderator=mod,
                                    reason="Not an owner")
    photo.refresh_from_db()
    assert photo.uploaded_by is None
    assert all(path.exists() for path in files_of(photo, settings))


def test_only_a_verified_claim_can_be_revoked_and_only_by_a_moderator(owner, other, mod, prop):
    claim = OwnershipClaim.objects.get(user=owner, property=prop)
    with pytest.raises(Exception) as caught:
        offer_services.claim_revoke(claim=claim, moderator=other, reason="x")
    assert getattr(caught.value, "code", "") == "not_allowed"
    pending = OwnershipClaim.objects.create(property=prop, user=other, statement="Mine")
    with pytest.raises(Exception) as caught:
        offer_services.claim_revoke(claim=pending, moderator=mod, reason="x")
    assert getattr(caught.value, "code", "") == "claim_not_verified"


def test_deleting_the_account_removes_its_photos_except_where_another_owner_remains(
        owner, co_owner, prop, settings, small_jpeg, django_capture_on_commit_callbacks):
    alone = Property.objects.get(pk=add(owner, prop, small_jpeg).property_id)  # shared with co_owner
    solo = PropertyFactory()
    OwnershipClaim.objects.create(property=solo, user=owner, statement="Mine too", status=ClaimStatus.VERIFIED)
    shared_photo = Photo.objects.get(property=alone)
    solo_photo = add(owner, solo, small_jpeg)
    with django_capture_on_commit_callbacks(execute=True):
        user_delete(user=owner)
    shared_photo.refresh_from_db()
    assert shared_photo.uploaded_by is None and all(p.exists() for p in files_of(shared_photo, settings))
    assert not Photo.objects.filter(pk=solo_photo.pk).exists()
    assert not any(p.exists() for p in files_of(solo_photo, settings))
    assert Property.objects.get(pk=solo.pk).cover_photo == ""
