"""Broken valuation rules, rendered by epty.errors.api_exception_handler."""
from rest_framework import status

from epty.errors import ApplicationError, ConflictError


class ArtifactRejected(ApplicationError):
    """A model file that this app did not write (no registry row) or whose checksum does not match."""

    code = "artifact_rejected"
    status_code = status.HTTP_409_CONFLICT


class NotEnoughSales(ApplicationError):
    code = "not_enough_sales"


class NoPreviousVersion(ConflictError):
    code = "no_previous_version"
