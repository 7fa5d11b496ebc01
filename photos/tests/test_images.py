"""An upload is judged by its content, turned upright, and re-encoded without any of its metadata."""
from __future__ import annotations

import io

import pytest
from django.core.exceptions import ValidationError
from PIL import Image
from pillow_heif import register_heif_opener

from photos.images import SIZES, photo_clean

from .conftest import encoded, jpeg_with_gps, two_colour

register_heif_opener()


def assert_bare(data: bytes) -> None:
    image = Image.open(io.BytesIO(data))
    assert image.format == "JPEG"
    assert len(image.getexif()) == 0
    assert not {"exif", "xmp", "icc_profile", "comment", "XML:com.adobe.xmp"} & set(image.info)
    for marker in (b"Exif", b"GPS", b"SecretCam", b"xmpmeta", b"Secretville", b"secret comment", b"ICC_PROFILE"):
        assert marker not in data


def colour_at(data: bytes, x: float, y: float) -> tuple[int, int, int]:
    image = Image.open(io.BytesIO(data)).convert("RGB")
    return image.getpixel((int(x * (image.width - 1)), int(y * (image.height - 1))))


def test_a_phone_photo_loses_every_piece_of_metadata_in_every_size_and_is_turned_upright():
    original = jpeg_with_gps(orientation=6)
    exif = Image.open(io.BytesIO(original)).getexif()
    assert exif.get_ifd(0x8825) and exif[0x010F] == "SecretCam"  # the upload does carry a position
    assert b"Exif" in original and b"Secretville" in original and b"secret comment" in original
    clean = photo_clean(data=original)
    assert set(clean.files) == set(SIZES)
    for data in clean.files.values():
        assert_bare(data)
    # 400 × 200 with orientation 6 is shown 200 × 400; red (the left half) ends up on top.
    large = Image.open(io.BytesIO(clean.files["large"]))
    assert large.size == (200, 400) == (clean.width, clean.height)
    red, blue = colour_at(clean.files["large"], 0.5, 0.1), colour_at(clean.files["large"], 0.5, 0.9)
    assert red[0] > 150 and red[2] < 60 and blue[2] > 150 and blue[0] < 60


def test_sizes_are_capped_on_the_long_side_and_small_photos_are_not_enlarged():
    clean = photo_clean(data=encoded(two_colour(3000, 1500), "JPEG"))
    sizes = {name: Image.open(io.BytesIO(data)).size for name, data in clean.files.items()}
    assert sizes == {"thumb": (320, 160), "medium": (960, 480), "large": (1920, 960)}


@pytest.mark.parametrize("fmt", ["PNG", "WEBP", "HEIF"])
def test_png_webp_and_heic_are_accepted_and_stored_as_bare_jpeg(fmt):
    source = two_colour(600, 300, mode="RGBA") if fmt == "PNG" else two_colour(600, 300)
    clean = photo_clean(data=encoded(source, fmt))
    assert Image.open(io.BytesIO(clean.files["large"])).size == (600, 300)
    for data in clean.files.values():
        assert_bare(data)


def test_a_heic_photos_exif_is_dropped_too():
    exif = Image.Exif()
    exif[0x010F] = "SecretCam"
    clean = photo_clean(data=encoded(two_colour(), "HEIF", exif=exif.tobytes()))
    for data in clean.files.values():
        assert_bare(data)


@pytest.mark.parametrize("data", [
    b"Just some text, renamed to holiday.jpg\n" * 50,
    b"\xff\xd8\xff\xe0 a JPEG's first bytes and then nothing of one" * 10,
    b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF",
], ids=["text", "fake-jpeg-header", "pdf"])
def test_something_that_is_not_an_image_is_refused_with_a_clear_message(data):
    with pytest.raises(ValidationError) as caught:
        photo_clean(data=data)
    assert caught.value.code == "photo_not_image"
    assert "not a photo we can read" in caught.value.message


def test_a_truncated_photo_is_refused():
    data = encoded(Image.effect_noise((800, 600), 60).convert("RGB"), "JPEG")
    with pytest.raises(ValidationError) as caught:
        photo_clean(data=data[: len(data) // 2])
    assert caught.value.code == "photo_not_image"


def test_a_gif_is_not_one_of_the_formats_taken():
    with pytest.raises(ValidationError) as caught:
        photo_clean(data=encoded(two_colour().convert("P"), "GIF"))
    assert caught.value.code == "photo_not_image"


def test_an_image_with_more_pixels_than_the_limit_is_refused_before_it_is_decoded(settings):
    settings.PHOTO_MAX_PIXELS = 10_000
    with pytest.raises(ValidationError) as caught:
        photo_clean(data=encoded(two_colour(200, 100), "PNG"))
    assert caught.value.code == "photo_too_many_pixels"
    assert "million pixels" in caught.value.message


def test_a_decompression_bomb_is_refused():
    # 20,000 × 20,000 one-bit pixels compress to a few kilobytes but would decode to 400 million pixels.
    bomb = encoded(Image.new("1", (20_000, 20_000)), "PNG", optimize=True)
    assert len(bomb) < 200_000
    with pytest.raises(ValidationError) as caught:
        photo_clean(data=bomb)
    assert caught.value.code == "photo_too_many_pixels"


def test_a_file_over_the_size_limit_is_refused(settings):
    settings.PHOTO_MAX_UPLOAD_BYTES = 1000
    with pytest.raises(ValidationError) as caught:
        photo_clean(data=encoded(Image.effect_noise((300, 300), 60).convert("RGB"), "JPEG"))
    assert caught.value.code == "photo_too_large"
