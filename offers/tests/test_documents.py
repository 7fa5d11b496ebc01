"""Claim documents are private: checked by content on upload, stored with their type, and served only to the
claimant and moderators, as downloads; nothing serves the media folder itself."""
from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from offers import services
from offers.models import OwnershipClaim

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def claim(prop, other):
    return services.claim_submit(user=other, property=prop, statement="Bought it in 2015",
                                 document=SimpleUploadedFile("scan.jpg", PNG))


def test_the_type_is_judged_by_content_and_stored_whatever_the_file_name(claim):
    assert claim.document_content_type == "image/png" and claim.document.name.endswith(".png")


@pytest.mark.parametrize("name, content", [("deed.pdf", b"MZ\x90\x00 an executable"), ("deed.pdf", b"<html>hi")])
def test_a_file_named_like_a_pdf_but_not_one_is_refused(prop, other, name, content):
    with pytest.raises(ValidationError) as caught:
        services.claim_submit(user=other, property=prop, statement="x", document=SimpleUploadedFile(name, content))
    assert caught.value.error_dict["document"][0].code == "document_type"
    assert not OwnershipClaim.objects.exists()


def test_a_file_over_the_size_limit_is_refused(prop, other, settings):
    settings.OFFERS_CLAIM_DOCUMENT_MAX_BYTES = 100
    with pytest.raises(ValidationError) as caught:
        services.claim_submit(user=other, property=prop, statement="x",
                              document=SimpleUploadedFile("deed.pdf", PDF + b" " * 100))
    assert caught.value.error_dict["document"][0].code == "document_too_large"


def test_the_claimant_and_a_moderator_download_it_with_its_stored_type(client, claim, other, mod):
    url = claim.document.url
    for user in (other, mod):
        client.force_login(user)
        response = client.get(url)
        assert response.status_code == 200
        assert response["Content-Type"] == "image/png"
        assert response["Content-Disposition"] == f'attachment; filename="claim-{claim.pk}.png"'
        assert b"".join(response.streaming_content) == PNG


def test_anyone_else_gets_a_404_and_anonymous_users_are_sent_to_log_in(client, claim, buyer,
                                                                      staff_without_permission):
    url = claim.document.url
    assert client.get(url).status_code == 302
    for user in (buyer, staff_without_permission):
        client.force_login(user)
        assert client.get(url).status_code == 404
    assert client.get(url.replace(claim.document.name, "claims/other.png")).status_code == 404


def test_the_admin_links_to_the_permission_checked_download(client, claim, mod):
    client.force_login(mod)
    page = client.get(f"/admin/offers/ownershipclaim/{claim.pk}/change/").content.decode()
    assert f'href="{claim.document.url}"' in page
    assert client.get(claim.document.url).status_code == 200


def test_the_media_folder_itself_is_not_served(client, claim, mod):
    client.force_login(mod)
    assert client.get(f"/media/{claim.document.name}").status_code == 404
