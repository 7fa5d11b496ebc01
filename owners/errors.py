from __future__ import annotations

from epty.errors import NotFoundError


class NotAnOwner(NotFoundError):
    """Not a verified owner of the property (or no such property): the same 404 either way, so nobody
    learns which properties have owners."""

    code = "not_found"
