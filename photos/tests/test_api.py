"""The owners' photo API: upload, order, cover and delete for verified owners only (404 for anyone else), the API's
error shape with stable codes, and the upload size limit."""
from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from photos import services
from photos.models import Photo

from .conftest import jpeg_with_gps

pytestmark = pytest.mark.django_db


def add(user, prop, data: bytes) -> Photo:
    return services.photo_add(user=user, property_id=prop.pk, upload=SimpleUploadedFile("p.jpg", data))


def test_an_owner_uploads_a_photo_through_the_api(client, owner, prop):
    client.force_login(owner)
    response = client.post(f"/api/v1/properties/{prop.pk}/photos",
                           {"photo": SimpleUploadedFile("garden.jpg", jpeg_with_gps())})
    assert response.status_code == 201, response.content
    body = response.json()
    photo = Photo.objects.get()
    assert body["id"] == photo.key and body["is_cover"] is True
    assert body["urls"]["thumb"] == f"http://testserver/photos/file/{photo.key}/thumb.jpg"


def test_an_upload_that_is_not_an_image_is_a_400_with_its_code(client, owner, prop):
    client.force_login(owner)
    response = client.post(f"/api/v1/properties/{prop.pk}/photos",
                           {"photo": SimpleUploadedFile("holiday.jpg", b"plain text, renamed" * 10)})
    assert response.status_code == 400 and response.json()["code"] == "photo_not_image"
    assert not Photo.objects.exists()


def test_an_upload_over_the_size_limit_is_refused(client, owner, prop, settings):
    settings.PHOTO_MAX_UPLOAD_BYTES = 1000
    client.force_login(owner)
    response = client.post(f"/api/v1/properties/{prop.pk}/photos",
                           {"photo": SimpleUploadedFile("big.jpg", jpeg_with_gps() + b"\0" * 200_000)})
    assert response.status_code == 413
    assert not Photo.objects.exists()


def test_the_21st_photo_is_a_400_photo_limit(client, owner, prop, settings, small_jpeg):
    settings.PHOTO_MAX_PER_PROPERTY = 1
    add(owner, prop, small_jpeg)
    client.force_login(owner)
    response = client.post(f"/api/v1/properties/{prop.pk}/photos", {"photo": SimpleUploadedFile("a.jpg", small_jpeg)})
    assert response.status_code == 400 and response.json()["code"] == "photo_limit"


def test_owners_order_choose_the_cover_and_delete_through_the_api(client, owner, prop, small_jpeg,
                                                                  django_capture_on_commit_callbacks):
    a, b = add(owner, prop, small_jpeg), add(owner, prop, small_jpeg)
    client.force_login(owner)
    ordered = client.put(f"/api/v1/properties/{prop.pk}/photos/order", {"order": [b.key, a.key]},
                         content_type="application/json")
    assert ordered.status_code == 200 and [p["id"] for p in ordered.json()] == [b.key, a.key]
    bad = client.put(f"/api/v1/properties/{prop.pk}/photos/order", {"order": [a.key]},
                     content_type="application/json")
    assert bad.status_code == 400 and bad.json()["code"] == "photo_order_invalid"
    cover = client.post(f"/api/v1/photos/{b.key}/cover")
    assert cover.status_code == 200 and cover.json()["is_cover"] is True
    with django_capture_on_commit_callbacks(execute=True):
        assert client.delete(f"/api/v1/photos/{b.key}").status_code == 204
    assert list(Photo.objects.values_list("key", flat=True)) == [a.key]


def test_anyone_but_an_owner_gets_a_404_from_every_owner_endpoint_and_nothing_changes(client, other, prop, owner,
                                                                                     small_jpeg):
    photo = add(owner, prop, small_jpeg)
    calls = [
        lambda: client.post(f"/api/v1/properties/{prop.pk}/photos", {"photo": SimpleUploadedFile("x.jpg", small_jpeg)}),
        lambda: client.put(f"/api/v1/properties/{prop.pk}/photos/order", {"order": [photo.key]},
                           content_type="application/json"),
        lambda: client.post(f"/api/v1/photos/{photo.key}/cover"),
        lambda: client.delete(f"/api/v1/photos/{photo.key}"),
    ]
    assert [call().status_code for call in calls] == [401] * 4  # anonymous
    client.force_login(other)
    for call in calls:
        response = call()
        assert response.status_code == 404 and response.json()["code"] == "not_found"
    assert list(Photo.objects.values_list("key", "is_cover")) == [(photo.key, True)]
