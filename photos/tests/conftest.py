from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageCms
from PIL.ExifTags import GPS, IFD

from offers.tests.factories import BuyerFactory, PropertyFactory, moderator, verified_owner

XMP = (b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
       b'<rdf:Description xmlns:photoshop="http://ns.adobe.com/photoshop/1.0/" photoshop:City="Secretville"/>'
       b'</rdf:RDF></x:xmpmeta>')


def two_colour(width: int = 400, height: int = 200, mode: str = "RGB") -> Image.Image:
    """Left half red, right half blue: after a rotation one can tell which way it turned."""
    image = Image.new(mode, (width, height), (200, 0, 0) if mode == "RGB" else (200, 0, 0, 255))
    image.paste((0, 0, 200) if mode == "RGB" else (0, 0, 200, 255), (width // 2, 0, width, height))
    return image


def jpeg_with_gps(orientation: int = 6) -> bytes:
    """A phone-like JPEG: EXIF with GPS position, camera and orientation, XMP, a comment and an ICC profile."""
    exif = Image.Exif()
    exif[0x0112] = orientation  # Orientation: 6 = rotate 90° clockwise to display
    exif[0x010F] = "SecretCam"  # Make
    gps = exif.get_ifd(IFD.GPSInfo)
    gps[GPS.GPSLatitudeRef] = "N"
    gps[GPS.GPSLatitude] = (59.0, 54.0, 41.0)
    gps[GPS.GPSLongitudeRef] = "E"
    gps[GPS.GPSLongitude] = (10.0, 45.0, 12.0)
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    out = io.BytesIO()
    two_colour().save(out, format="JPEG", exif=exif, xmp=XMP, comment=b"secret comment", icc_profile=icc)
    return out.getvalue()


def encoded(image: Image.Image, fmt: str, **params) -> bytes:
    out = io.BytesIO()
    image.save(out, format=fmt, **params)
    return out.getvalue()


def upload(data: bytes, name: str = "photo.jpg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="image/jpeg")


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def prop(db):
    return PropertyFactory(address="Fjordvegen 7")


@pytest.fixture
def owner(prop):
    return verified_owner(prop, name="Olav Eier")


@pytest.fixture
def co_owner(prop):
    return verified_owner(prop, name="Kari Eier")


@pytest.fixture
def other(db):
    return BuyerFactory(name="Per Annen")


@pytest.fixture
def mod(db):
    return moderator(name="Mona Moderator")


@pytest.fixture
def small_jpeg() -> bytes:
    return encoded(two_colour(), "JPEG")
