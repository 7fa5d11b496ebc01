"""Turning an upload into clean photos: judged by content (Pillow must open, verify and fully decode it),
turned upright by its EXIF orientation, converted to sRGB, then re-encoded from bare pixels at a few sizes, so no
metadata of the upload (EXIF with GPS, XMP, IPTC, ICC profiles, comments) can survive. The upload is not kept."""
from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from PIL import Image, ImageCms, ImageOps, UnidentifiedImageError
from pillow_heif import register_heif_opener

register_heif_opener()

# Long side in pixels of each stored size; a smaller upload is never enlarged.
SIZES: dict[str, int] = {"thumb": 320, "medium": 960, "large": 1920}
ACCEPTED_FORMATS = frozenset({"JPEG", "PNG", "WEBP", "HEIF"})
CONTENT_TYPE = "image/jpeg"
SUFFIX = "jpg"
QUALITY = 85


@dataclass
class CleanPhoto:
    files: dict[str, bytes]  # size name → JPEG bytes
    width: int  # of the largest stored size
    height: int


def _refuse(message: str, code: str) -> ValidationError:
    return ValidationError(message, code=code)


def _open(data: bytes) -> Image.Image:
    """The decoded image, or a ValidationError saying why it is not one we take."""
    max_pixels = settings.PHOTO_MAX_PIXELS
    not_image = _refuse(_("This file is not a photo we can read. Upload a JPEG, PNG, WebP or HEIC image."),
                        "photo_not_image")
    with warnings.catch_warnings():
        # Pillow warns (and past twice the limit refuses) on huge images; both refuse here.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(io.BytesIO(data)) as probe:
                if probe.format not in ACCEPTED_FORMATS:
                    raise not_image
                if probe.width * probe.height > max_pixels:
                    raise _too_many_pixels()
                probe.verify()
            image = Image.open(io.BytesIO(data))
            if image.format == "JPEG":
                # Decode at a reduced scale when that still covers the largest size: far less memory.
                image.draft("RGB", (max(SIZES.values()), max(SIZES.values())))
            image.load()  # a truncated file fails here (Pillow does not load truncated images by default)
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise _too_many_pixels() from exc
        except ValidationError:
            raise
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError, TypeError) as exc:
            raise not_image from exc
    return image


def _too_many_pixels() -> ValidationError:
    megapixels = settings.PHOTO_MAX_PIXELS // 1_000_000
    return _refuse(_("This image has more than %(megapixels)s million pixels. Upload a smaller one.")
                   % {"megapixels": megapixels}, "photo_too_many_pixels")


def _to_srgb(image: Image.Image) -> Image.Image:
    """Colours converted from an embedded ICC profile to sRGB (the profile itself is not kept); RGB out."""
    icc = image.info.get("icc_profile")
    if icc and image.mode in ("RGB", "RGBA", "CMYK", "L"):
        try:
            source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
            target = ImageCms.createProfile("sRGB")
            mode = "RGBA" if image.mode == "RGBA" else "RGB"
            converted = ImageCms.profileToProfile(image, source, target, outputMode=mode)
            if converted is not None:
                image = converted
        except (ImageCms.PyCMSError, OSError, ValueError):
            pass  # a broken profile: the pixels are taken as sRGB
    if image.mode in ("I;16", "I;16B", "I;16L", "I"):  # 16-bit greyscale: scaled to 8 bits, not clipped
        image = image.convert("I").point(lambda value: value * (1 / 256)).convert("L")
    if image.mode in ("RGBA", "LA", "PA", "RGBa", "La") or "transparency" in image.info:
        rgba = image.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        background.alpha_composite(rgba)
        return background.convert("RGB")
    return image.convert("RGB")


def _encode(image: Image.Image, long_side: int) -> tuple[bytes, int, int]:
    sized = image.copy()
    sized.thumbnail((long_side, long_side), Image.Resampling.LANCZOS)
    # A new image from the bare pixels: nothing of the upload's info (exif, xmp, icc_profile, comment) comes along.
    bare = Image.frombytes("RGB", sized.size, sized.tobytes())
    out = io.BytesIO()
    bare.save(out, format="JPEG", quality=QUALITY, optimize=True, progressive=True)
    return out.getvalue(), bare.width, bare.height


def photo_clean(*, data: bytes) -> CleanPhoto:
    """The stored sizes of an uploaded photo; ValidationError (with a code) if it is not one we take."""
    if len(data) > settings.PHOTO_MAX_UPLOAD_BYTES:
        raise photo_too_large()
    image = _open(data)
    try:
        # Down to the largest stored size first (in place, keeping the EXIF orientation to apply next): the copies
        # made below are then small whatever the upload's size.
        image.thumbnail((max(SIZES.values()), max(SIZES.values())), Image.Resampling.LANCZOS)
        upright = ImageOps.exif_transpose(image) or image
        rgb = _to_srgb(upright)
        files: dict[str, bytes] = {}
        width = height = 0
        for name, long_side in SIZES.items():
            files[name], width, height = _encode(rgb, long_side)
    except (OSError, ValueError) as exc:
        raise _refuse(_("This file is not a photo we can read. Upload a JPEG, PNG, WebP or HEIC image."),
                      "photo_not_image") from exc
    finally:
        image.close()
    return CleanPhoto(files=files, width=width, height=height)


def photo_too_large() -> ValidationError:
    megabytes = settings.PHOTO_MAX_UPLOAD_BYTES // (1024 * 1024)
    return _refuse(_("This file is larger than %(megabytes)s MB.") % {"megabytes": megabytes}, "photo_too_large")
