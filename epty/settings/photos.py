"""Settings for owners' photos (imported by base.py)."""

# One uploaded file's largest size in bytes, before it is decoded.
PHOTO_MAX_UPLOAD_BYTES = 15 * 1024 * 1024
# Photos one property may hold (all its owners together, hidden ones included).
PHOTO_MAX_PER_PROPERTY = 20
# The most pixels an upload may decode to (width × height): more is refused as a possible decompression bomb.
PHOTO_MAX_PIXELS = 60_000_000
# How long browsers and shared caches may keep a visible photo (seconds); hidden ones are never cached.
PHOTO_CACHE_SECONDS = 3600
