"""Private uploads (ownership-claim documents): files under MEDIA_ROOT (a volume in production) that no web
server serves as files. A file's URL leads to `views.claim_document`, which checks permission first."""
from __future__ import annotations

from django.core.files.storage import FileSystemStorage
from django.urls import reverse

# What an upload's first bytes must be, and what it is then stored and served as.
DOCUMENT_SIGNATURES: tuple[tuple[bytes, str, str], ...] = (
    (b"%PDF-", "application/pdf", "pdf"),
    (b"\xff\xd8\xff", "image/jpeg", "jpg"),
    (b"\x89PNG\r\n\x1a\n", "image/png", "png"),
)


def document_type(head: bytes) -> tuple[str, str] | None:
    """(content type, suffix) of a PDF, JPEG or PNG judged by its content; None for anything else."""
    for signature, content_type, suffix in DOCUMENT_SIGNATURES:
        if head.startswith(signature):
            return content_type, suffix
    return None


class PrivateMediaStorage(FileSystemStorage):
    def url(self, name: str | None) -> str:
        return reverse("offers:claim_document", kwargs={"name": name})


def private_storage() -> PrivateMediaStorage:
    return PrivateMediaStorage()
