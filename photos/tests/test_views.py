"""The owners' manager page, the file view, the gallery, result cards, the map and the API. Every page and
endpoint refuses another user (404/403) and never hands out a hidden photo to someone who may not see it."""
from __future__ import annotations

import html
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from offers.tests.factories import verified_owner
from photos import services
from photos.models import Photo

from .conftest import encoded, jpeg_with_gps, two_colour

pytestmark = pytest.mark.django_db


def add(user, prop, data: bytes) -> Photo:
    return services.photo_add(user=user, property_id=prop.pk, upload=SimpleUploadedFile("p.jpg", data))


def body(response) -> bytes:
    return b"".join(response.streaming_content)


@pytest.fixture
def photo(owner, prop):
    return add(owner, prop, jpeg_with_gps())


def test_an_owner_uploads_several_photos_on_the_manager_page_and_refused_ones_are_named(client, owner, prop):
    client.force_login(owner)
    response = client.post(f"/photos/{prop.pk}/upload/", {"photos": [
        SimpleUploadedFile("garden.jpg", jpeg_with_gps()),
        SimpleUploadedFile("kitchen.png", encoded(two_colour(), "PNG")),
        SimpleUploadedFile("notes.jpg", b"shopping list: milk, bread\n" * 20),
    ]}, follow=True)
    assert response.status_code == 200
    text = response.content.decode()
    assert "2 photos added." in text
    assert "notes.jpg was not added: This file is not a photo we can read." in text
    assert Photo.objects.filter(property=prop).count() == 2
    assert text.count('data-photo="') == 2 and "Cover photo" in text


def test_a_page_upload_beyond_the_limit_says_so(client, owner, prop, settings, small_jpeg):
    settings.PHOTO_MAX_PER_PROPERTY = 1
    client.force_login(owner)
    response = client.post(f"/photos/{prop.pk}/upload/", {"photos": [SimpleUploadedFile("a.jpg", small_jpeg),
                                                                     SimpleUploadedFile("b.jpg", small_jpeg)]},
                           follow=True)
    text = response.content.decode()
    assert "1 photo added." in text and "b.jpg was not added: A property can have at most 1 photos." in text
    assert 'id="photo-limit-reached"' in text and 'id="photo-upload"' not in text


def test_page_uploads_are_rate_limited_like_the_apis(client, owner, prop, monkeypatch, settings, small_jpeg):
    from rest_framework.throttling import SimpleRateThrottle

    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES",
                        {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "photo_upload": "1/hour"})
    client.force_login(owner)
    first = client.post(f"/photos/{prop.pk}/upload/", {"photos": SimpleUploadedFile("a.jpg", small_jpeg)}, follow=True)
    assert "1 photo added." in first.content.decode()
    again = client.post(f"/photos/{prop.pk}/upload/", {"photos": SimpleUploadedFile("b.jpg", small_jpeg)}, follow=True)
    assert "Too many uploads in a short time" in again.content.decode()
    assert Photo.objects.filter(property=prop).count() == 1


def test_a_page_upload_that_is_too_big_says_so(client, owner, prop, settings, small_jpeg):
    settings.PHOTO_MAX_UPLOAD_BYTES = 100
    client.force_login(owner)
    response = client.post(f"/photos/{prop.pk}/upload/", {"photos": SimpleUploadedFile("a.jpg", small_jpeg)},
                           follow=True)
    assert "a.jpg was not added: This file is larger than 0 MB." in response.content.decode()
    assert not Photo.objects.exists()


@pytest.mark.parametrize("method, path", [
    ("get", "/photos/{pid}/"),
    ("post", "/photos/{pid}/upload/"),
    ("post", "/photos/{pid}/reorder/"),
    ("post", "/photos/photo/{key}/delete/"),
    ("post", "/photos/photo/{key}/cover/"),
    ("post", "/photos/photo/{key}/move/"),
])
def test_someone_who_is_not_an_owner_gets_a_404_from_every_manager_page(client, other, prop, photo, small_jpeg,
                                                                        method, path):
    client.force_login(other)
    url = path.format(pid=prop.pk, key=photo.key)
    data = {"photos": SimpleUploadedFile("x.jpg", small_jpeg), "order": [photo.key], "direction": "up"}
    response = client.get(url) if method == "get" else client.post(url, data)
    assert response.status_code == 404
    assert Photo.objects.filter(property=prop).count() == 1 and Photo.objects.get().is_cover


def test_anonymous_users_are_sent_to_log_in_from_the_manager(client, prop, photo):
    response = client.get(f"/photos/{prop.pk}/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_owners_delete_reorder_and_choose_the_cover_on_the_page(client, owner, prop, small_jpeg,
                                                                django_capture_on_commit_callbacks):
    a, b = add(owner, prop, small_jpeg), add(owner, prop, small_jpeg)
    client.force_login(owner)
    client.post(f"/photos/photo/{b.key}/cover/")
    assert Photo.objects.get(is_cover=True) == b
    client.post(f"/photos/photo/{b.key}/move/", {"direction": "up"})
    assert list(Photo.objects.values_list("key", flat=True)) == [b.key, a.key]
    client.post(f"/photos/{prop.pk}/reorder/", {"order": [a.key, b.key]})
    assert list(Photo.objects.values_list("key", flat=True)) == [a.key, b.key]
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/photos/photo/{a.key}/delete/", follow=True)
    assert "The photo is deleted." in response.content.decode()
    assert list(Photo.objects.values_list("key", flat=True)) == [b.key]


def test_anyone_gets_a_visible_photo_without_metadata_and_cacheable(client, photo):
    for size in ("thumb", "medium", "large"):
        response = client.get(f"/photos/file/{photo.key}/{size}.jpg")
        assert response.status_code == 200
        assert response["Content-Type"] == "image/jpeg" and response["X-Content-Type-Options"] == "nosniff"
        assert "public" in response["Cache-Control"] and "max-age=3600" in response["Cache-Control"]
        data = body(response)
        assert len(Image.open(io.BytesIO(data)).getexif()) == 0
        assert b"Exif" not in data and b"GPS" not in data and b"xmpmeta" not in data and b"SecretCam" not in data


def test_an_unknown_key_or_size_is_a_404(client, photo):
    assert client.get("/photos/file/not-a-real-key-at-all/thumb.jpg").status_code == 404
    assert client.get(f"/photos/file/{photo.key}/original.jpg").status_code == 404


def test_a_hidden_photo_is_served_only_to_the_owners_and_staff_never_cached(client, photo, owner, mod, other):
    services.photo_hide(photo=photo, moderator=mod, reason="Shows a neighbour's car plate")
    url = f"/photos/file/{photo.key}/thumb.jpg"
    assert client.get(url).status_code == 404
    client.force_login(other)
    assert client.get(url).status_code == 404
    for user in (owner, mod):
        client.force_login(user)
        response = client.get(url)
        assert response.status_code == 200
        assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]


def test_the_owner_sees_why_staff_hid_a_photo(client, photo, owner, mod):
    services.photo_hide(photo=photo, moderator=mod, reason="Shows a neighbour's car plate")
    client.force_login(owner)
    text = html.unescape(client.get(f"/photos/{photo.property_id}/").content.decode())
    assert "Hidden by epty's staff: Shows a neighbour's car plate" in text


def test_the_property_page_shows_a_gallery_that_works_as_plain_links(client, owner, prop, small_jpeg):
    photos = [add(owner, prop, small_jpeg) for _ in range(3)]
    text = client.get(f"/properties/{prop.pk}/").content.decode()
    assert 'id="gallery"' in text and 'id="gallery-manage"' not in text
    assert f'src="/photos/file/{photos[0].key}/medium.jpg"' in text
    for photo in photos:
        assert f'href="/photos/file/{photo.key}/large.jpg"' in text
        assert f'src="/photos/file/{photo.key}/thumb.jpg"' in text
    assert 'alt="Photo 3 of 3"' in text
    client.force_login(owner)
    assert 'id="gallery-manage"' in client.get(f"/properties/{prop.pk}/").content.decode()


def test_a_hidden_photo_is_not_in_the_public_gallery(client, owner, mod, prop, small_jpeg):
    kept, hidden = add(owner, prop, small_jpeg), add(owner, prop, small_jpeg)
    services.photo_hide(photo=hidden, moderator=mod, reason="No")
    text = client.get(f"/properties/{prop.pk}/").content.decode()
    assert kept.key in text and hidden.key not in text
    for user in (owner, mod):  # the owners and staff see it, marked
        client.force_login(user)
        text = html.unescape(client.get(f"/properties/{prop.pk}/").content.decode())
        assert hidden.key in text and "Hidden by epty's staff" in text


def test_the_result_card_shows_the_cover_thumbnail(client, photo, prop):
    text = client.get("/", {"municipality": "0301"}).content.decode()
    assert f'<img class="thumb photo" src="/photos/file/{photo.key}/thumb.jpg"' in text


def test_the_property_api_and_the_map_give_the_cover_as_an_absolute_url(client, photo, prop):
    cover = f"http://testserver/photos/file/{photo.key}/thumb.jpg"
    assert client.get(f"/api/v1/properties/{prop.pk}").json()["cover_photo"] == cover
    listed = {p["id"]: p for p in client.get("/api/v1/properties", {"municipality": "0301"}).json()["results"]}
    assert listed[prop.pk]["cover_photo"] == cover
    view = f"{prop.lon - 0.01},{prop.lat - 0.01},{prop.lon + 0.01},{prop.lat + 0.01}"
    points = client.get("/api/v1/properties/map", {"zoom": 16, "view": view}).json()["points"]
    assert [p["cover_photo"] for p in points if p["id"] == prop.pk] == [cover]


def test_a_property_without_photos_has_no_cover(client, prop):
    assert client.get(f"/api/v1/properties/{prop.pk}").json()["cover_photo"] is None


def test_the_photo_api_lists_visible_photos_to_anyone_and_hidden_ones_to_owners(client, owner, other, mod, prop,
                                                                                 small_jpeg):
    a, b = add(owner, prop, small_jpeg), add(owner, prop, small_jpeg)
    services.photo_hide(photo=b, moderator=mod, reason="No")
    url = f"/api/v1/properties/{prop.pk}/photos"
    data = client.get(url).json()
    assert data["next"] is None and [p["id"] for p in data["results"]] == [a.key]
    assert data["results"][0]["urls"]["large"] == f"http://testserver/photos/file/{a.key}/large.jpg"
    assert data["results"][0]["is_cover"] is True
    client.force_login(other)
    assert [p["id"] for p in client.get(url).json()["results"]] == [a.key]
    client.force_login(owner)
    listed = client.get(url).json()["results"]
    assert [(p["id"], p["hidden"]) for p in listed] == [(a.key, False), (b.key, True)]


def test_the_photo_api_of_a_missing_property_is_a_json_404(client):
    response = client.get("/api/v1/properties/999999/photos")
    assert response.status_code == 404 and response.json()["code"] == "not_found"


def test_the_data_export_lists_the_users_photos_with_their_urls(client, owner, other, prop, photo, small_jpeg):
    stranger = verified_owner(prop, name="Else Annen")
    add(stranger, prop, small_jpeg)
    client.force_login(owner)
    exported = client.get("/api/v1/me/export").json()["photos"]
    assert [p["id"] for p in exported] == [photo.pk]
    assert exported[0]["urls"]["thumb"] == f"http://testserver/photos/file/{photo.key}/thumb.jpg"
    assert exported[0]["property"] == prop.external_id


def test_the_manager_and_a_refusal_speak_bokmal(client, owner, prop):
    client.force_login(owner)
    response = client.post(f"/photos/{prop.pk}/upload/", {"photos": SimpleUploadedFile("x.jpg", b"not a photo")},
                           follow=True, HTTP_ACCEPT_LANGUAGE="nb")
    text = html.unescape(response.content.decode())
    assert "Last opp" in text and "Ingen bilder ennå." in text
    assert "x.jpg ble ikke lagt til: Denne filen er ikke et bilde vi kan lese." in text
