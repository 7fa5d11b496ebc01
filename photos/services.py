"""Writes for owners' photos. Every interface (the manager page, the admin, the privacy hooks) calls these.

An upload, reorder or cover change locks the property row, so two owners uploading at once cannot pass the
count limit together. Files are written before their row; a deleted photo's files go after the commit."""
from __future__ import annotations

import logging
from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from epty.mail.services import absolute_url
from offers.models import ClaimStatus, OwnershipClaim
from offers.selectors import can_moderate
from offers.storage import private_storage
from properties.models import Property

from . import selectors
from .errors import NotModerator, NotPropertyOwner
from .images import photo_clean, photo_too_large
from .models import Photo

logger = logging.getLogger(__name__)


def _require_owner(user, property_id: int) -> None:
    if not selectors.can_manage(user=user, property_id=property_id):
        raise NotPropertyOwner(_("Only a verified owner of this property can change its photos."))


def _require_moderator(user) -> None:
    if not can_moderate(user):
        raise NotModerator(_("Only epty staff with the moderation permission can do this."))


def _lock_property(property_id: int) -> Property:
    return Property.objects.select_for_update().get(pk=property_id)


def _delete_files_after_commit(names: list[str]) -> None:
    def delete() -> None:
        storage = private_storage()
        for name in names:
            storage.delete(name)
    transaction.on_commit(delete)


def property_cover_refresh(*, property_id: int) -> str:
    """Write the property's cover thumbnail path (what result cards, the map and the API show) from its photos."""
    cover = selectors.cover_of(list(selectors.photos_of_property(property_id=property_id)))
    path = selectors.photo_url(cover, "thumb") if cover else ""
    Property.objects.filter(pk=property_id).exclude(cover_photo=path).update(cover_photo=path)
    return path


def _check_room(existing) -> None:
    if existing.count() >= settings.PHOTO_MAX_PER_PROPERTY:
        raise ValidationError(_("A property can have at most %(limit)s photos. Delete one to add another.")
                              % {"limit": settings.PHOTO_MAX_PER_PROPERTY}, code="photo_limit")


@transaction.atomic
def photo_add(*, user, property_id: int, upload) -> Photo:
    """Add one uploaded file as a photo of the property: checked by content, cleaned, stored in every size.

    ValidationError (code photo_too_large, photo_not_image, photo_too_many_pixels, photo_limit) when refused."""
    _require_owner(user, property_id)
    if upload.size is not None and upload.size > settings.PHOTO_MAX_UPLOAD_BYTES:
        raise photo_too_large()  # before reading it
    existing = Photo.objects.filter(property_id=property_id)
    _check_room(existing)  # cheap, before the work
    # Decoding and re-encoding take a while: done before the property's row is locked.
    upload.seek(0)
    clean = photo_clean(data=upload.read(settings.PHOTO_MAX_UPLOAD_BYTES + 1))
    _lock_property(property_id)
    _check_room(existing)  # again under the lock: two owners uploading at once cannot both take the last place
    last = existing.order_by("-position").values_list("position", flat=True).first()
    photo = Photo(property_id=property_id, uploaded_by=user, position=0 if last is None else last + 1,
                  width=clean.width, height=clean.height, is_cover=not existing.filter(is_cover=True).exists())
    storage = private_storage()
    written = []
    try:
        for size, data in clean.files.items():
            written.append(storage.save(photo.file_name(size), ContentFile(data)))
        photo.save()
    except BaseException:
        for name in written:
            storage.delete(name)
        raise
    property_cover_refresh(property_id=property_id)
    logger.info("Photo added: photo=%s property=%s", photo.pk, property_id)
    return photo


def _remove(photos: Iterable[Photo]) -> set[int]:
    """Delete photos and (after the commit) their files; the properties touched."""
    touched, names, ids = set(), [], []
    for photo in photos:
        touched.add(photo.property_id)
        names.extend(photo.file_names())
        ids.append(photo.pk)
    if ids:
        Photo.objects.filter(pk__in=ids).delete()
        _delete_files_after_commit(names)
    return touched


def _cover_after_removal(property_id: int) -> None:
    """If the chosen cover went, the first remaining photo becomes the cover."""
    remaining = Photo.objects.filter(property_id=property_id)
    if remaining.exists() and not remaining.filter(is_cover=True).exists():
        first = remaining.order_by("position", "id").first()
        if first is not None:
            remaining.filter(pk=first.pk).update(is_cover=True)
    property_cover_refresh(property_id=property_id)


@transaction.atomic
def photo_delete(*, user, photo: Photo) -> None:
    _require_owner(user, photo.property_id)
    _lock_property(photo.property_id)
    _remove([photo])
    _cover_after_removal(photo.property_id)


@transaction.atomic
def photos_reorder(*, user, property_id: int, keys: list[str]) -> None:
    """Put the property's photos in the order of `keys`, which must name each of them exactly once."""
    _require_owner(user, property_id)
    _lock_property(property_id)
    photos = {p.key: p for p in Photo.objects.filter(property_id=property_id)}
    if len(keys) != len(photos) or set(keys) != set(photos):
        raise ValidationError(_("The new order must list every photo of the property once."),
                              code="photo_order_invalid")
    for position, key in enumerate(keys):
        if photos[key].position != position:
            Photo.objects.filter(pk=photos[key].pk).update(position=position)
    property_cover_refresh(property_id=property_id)


@transaction.atomic
def photo_move(*, user, photo: Photo, offset: int) -> None:
    """Move a photo one place earlier (-1) or later (+1) in the property's order."""
    keys = list(Photo.objects.filter(property_id=photo.property_id).order_by("position", "id")
                .values_list("key", flat=True))
    index = keys.index(photo.key)
    target = min(max(index + offset, 0), len(keys) - 1)
    keys.insert(target, keys.pop(index))
    photos_reorder(user=user, property_id=photo.property_id, keys=keys)


@transaction.atomic
def photo_set_cover(*, user, photo: Photo) -> None:
    _require_owner(user, photo.property_id)
    _lock_property(photo.property_id)
    Photo.objects.filter(property_id=photo.property_id, is_cover=True).exclude(pk=photo.pk).update(is_cover=False)
    Photo.objects.filter(pk=photo.pk).update(is_cover=True)
    property_cover_refresh(property_id=photo.property_id)


@transaction.atomic
def photo_hide(*, photo: Photo, moderator, reason: str) -> Photo:
    """Staff hide a photo from everyone but the property's owners (who see the reason) and staff."""
    _require_moderator(moderator)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": ValidationError(_("Give a reason for hiding the photo."),
                                                         code="reason_required")})
    photo = Photo.objects.select_for_update().get(pk=photo.pk)
    photo.hidden, photo.hidden_reason, photo.hidden_by, photo.hidden_at = True, reason, moderator, timezone.now()
    photo.save(update_fields=["hidden", "hidden_reason", "hidden_by", "hidden_at"])
    property_cover_refresh(property_id=photo.property_id)
    return photo


@transaction.atomic
def photo_show(*, photo: Photo, moderator) -> Photo:
    _require_moderator(moderator)
    photo = Photo.objects.select_for_update().get(pk=photo.pk)
    photo.hidden, photo.hidden_reason, photo.hidden_by, photo.hidden_at = False, "", None, None
    photo.save(update_fields=["hidden", "hidden_reason", "hidden_by", "hidden_at"])
    property_cover_refresh(property_id=photo.property_id)
    return photo


# --- an owner leaves: claim revoked, account deleted ------------------------------------------------------
def _release(user, photos: Iterable[Photo]) -> None:
    """The user's photos stay (attributed to no one) on properties another verified owner still holds, and go
    with their files everywhere else."""
    photos = list(photos)
    others = set(OwnershipClaim.objects.filter(property_id__in={p.property_id for p in photos},
                                               status=ClaimStatus.VERIFIED).exclude(user=user)
                 .values_list("property_id", flat=True))
    kept = [p.pk for p in photos if p.property_id in others]
    Photo.objects.filter(pk__in=kept).update(uploaded_by=None)
    for property_id in _remove(p for p in photos if p.property_id not in others):
        _cover_after_removal(property_id)


@transaction.atomic
def claim_photos_release(claim: OwnershipClaim) -> None:
    """Claim-end hook (offers.services.claim_revoke): the former owner's photos of that property."""
    _release(claim.user, Photo.objects.filter(uploaded_by=claim.user, property_id=claim.property_id))


def user_photos_release(user) -> None:
    """Deletion hook (accounts.services.user_delete): every photo the user uploaded."""
    _release(user, Photo.objects.filter(uploaded_by=user))


def user_photos_export(user) -> list[dict]:
    return [{
        "id": photo.pk, "property": photo.property.external_id, "property_id": photo.property_id,
        "uploaded_at": photo.created_at.isoformat(), "position": photo.position, "is_cover": photo.is_cover,
        "width": photo.width, "height": photo.height, "hidden": photo.hidden, "hidden_reason": photo.hidden_reason,
        "urls": {size: absolute_url(url) for size, url in selectors.photo_urls(photo).items()},
    } for photo in Photo.objects.filter(uploaded_by=user).select_related("property").order_by("created_at", "id")]
