"""Broken market trends rules, rendered by epty.errors.api_exception_handler."""
from epty.errors import ApplicationError


class UnknownRegion(ApplicationError):
    """A region name or number that is no municipality or county; `extra.suggestions` lists close names."""

    code = "unknown_region"
