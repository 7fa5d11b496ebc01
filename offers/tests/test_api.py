"""The offers API: submit and its errors, the buyer's and owner's views, transitions over HTTP,
object permissions, claims, and the anonymity guarantee on every owner-visible response and e-mail."""
from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from accounts.services import api_token_create
from offers import services
from offers.models import Offer, OfferStatus, OwnershipClaim

from .factories import HIGH_ACR, BuyerFactory, PropertyFactory, offer_in_state

pytestmark = pytest.mark.django_db


def client_for(user, *, acr: str | None = HIGH_ACR) -> APIClient:
    client = APIClient()
    client.force_login(user)
    if acr:
        session = client.session
        session["bankid_acr"] = acr
        session.save()
    return client


def submit(client, prop_ref, amount=7_500_000, **extra):
    return client.post("/api/v1/offers", {"property_id": prop_ref, "offer_amount": amount, **extra}, format="json")


def test_the_seed_request_is_accepted_with_the_matrikkel_number_and_the_callers_own_buyer_id(prop, buyer):
    response = submit(client_for(buyer), prop.external_id, buyer_id=str(buyer.pk), is_anonymous=True)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "pending" and body["offer_amount"] == 7_500_000 and body["is_anonymous"] is True
    assert "non-binding" in body["non_binding_notice"]
    assert Offer.objects.get().buyer == buyer
    assert [t["to_status"] for t in body["timeline"]] == ["pending"]


def test_a_buyer_id_that_is_not_the_caller_is_refused_with_403_buyer_mismatch(prop, buyer, other):
    response = submit(client_for(buyer), prop.external_id, buyer_id=str(other.pk))
    assert response.status_code == 403
    assert response.json()["code"] == "buyer_mismatch" and "buyer_id" in response.json()["message"]
    assert not Offer.objects.exists()


@pytest.mark.parametrize("form", ["id", "matrikkel_number", "matrikkelen_id"])
def test_property_id_takes_eptys_id_the_matrikkel_number_and_the_matrikkelen_id(buyer, form):
    prop = PropertyFactory(external_id="0301-207/80/0/0", matrikkelenhet_id=123456789)
    ref = {"id": prop.pk, "matrikkel_number": "0301-207/80/0/0", "matrikkelen_id": "matrikkelen_123456789"}[form]
    response = submit(client_for(buyer), ref)
    assert response.status_code == 201, response.content
    assert response.json()["property"]["id"] == prop.pk


@pytest.mark.parametrize("ref", ["9999-1/1/0/0", "matrikkelen_123", "matrikkelen_x", "999999", "²", "9" * 40])
def test_an_unknown_property_id_is_404_property_not_found_naming_the_accepted_forms(prop, buyer, ref):
    response = submit(client_for(buyer), ref)
    assert response.status_code == 404
    body = response.json()
    assert body["code"] == "property_not_found"
    assert "0301-207/80/0/0" in body["message"] and "matrikkelen_" in body["message"]
    assert len(body["extra"]["accepted_forms"]) == 3


@pytest.mark.parametrize("amount", ["²", "7500000²", "٣٠٠٠٠٠٠", "9" * 5000])
def test_an_amount_that_is_not_ascii_digits_is_400_not_a_crash(prop, buyer, amount):
    response = submit(client_for(buyer), prop.pk, amount)
    assert response.status_code == 400
    assert response.json()["code"] == "amount_not_whole"


def test_a_5000_digit_json_number_as_amount_is_400(prop, buyer):
    body = f'{{"property_id": {prop.pk}, "offer_amount": {"9" * 5000}}}'
    response = client_for(buyer).post("/api/v1/offers", body, content_type="application/json")
    assert response.status_code == 400 and response.json()["code"] == "invalid_json"


def test_a_second_submit_revises_the_live_offer(prop, buyer):
    client = client_for(buyer)
    first = submit(client, prop.pk, 5_000_000).json()
    response = submit(client, prop.pk, 5_500_000)
    assert response.status_code == 200
    assert response.json()["id"] == first["id"]
    assert [t["amount"] for t in response.json()["timeline"]] == [5_000_000, 5_500_000]


@pytest.mark.parametrize("amount, code", [(0, "amount_not_positive"), (-1, "amount_not_positive"),
                                          (7500000.5, "amount_not_whole"), ("lots", "amount_not_whole"),
                                          (10**12, "amount_above_cap")])
def test_bad_amounts_get_a_clear_400(prop, buyer, amount, code):
    response = submit(client_for(buyer), prop.pk, amount)
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == code and body["extra"]["fields"]["offer_amount"][0]["code"] == code


def test_submitting_without_a_high_assurance_bankid_session_is_refused(prop, buyer):
    for client in (client_for(buyer, acr=None), client_for(buyer, acr="urn:bankid:bis;LOA=3")):
        response = submit(client, prop.pk)
        assert response.status_code == 403 and response.json()["code"] == "bankid_assurance_required"
    assert submit(APIClient(), prop.pk).status_code in (401, 403)
    assert not Offer.objects.exists()


def test_api_tokens_cannot_submit_offers_but_can_read_and_withdraw(prop, buyer):
    _token, secret = api_token_create(user=buyer, name="script")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    response = submit(client, prop.pk)
    assert response.status_code == 403 and response.json()["code"] == "bankid_assurance_required"
    offer = offer_in_state(prop=prop, buyer=buyer, status="pending")
    assert client.get("/api/v1/offers").json()["results"][0]["id"] == offer.pk
    assert client.post(f"/api/v1/offers/{offer.pk}/withdraw", {}, format="json").json()["status"] == "withdrawn"


def test_the_daily_limit_is_a_429_with_a_code(prop, buyer, settings):
    settings.OFFERS_DAILY_LIMIT = 1
    client = client_for(buyer)
    assert submit(client, prop.pk).status_code == 201
    response = submit(client, PropertyFactory().pk)
    assert response.status_code == 429 and response.json()["code"] == "offer_daily_limit"


def test_an_impossible_transition_is_a_409_with_a_stable_code(prop, buyer, owner):
    offer = offer_in_state(prop=prop, buyer=buyer, status="declined")
    response = client_for(owner).post(f"/api/v1/offers/{offer.pk}/accept")
    assert response.status_code == 409
    assert response.json() == {"message": response.json()["message"], "code": "invalid_offer_transition",
                               "extra": {"from": "declined", "to": "accepted"}}
    other_offer = offer_in_state(prop=prop, buyer=BuyerFactory(), status="approved")
    offer_in_state(prop=prop, buyer=BuyerFactory(), status="accepted")
    response = client_for(owner).post(f"/api/v1/offers/{other_offer.pk}/accept")
    assert response.status_code == 409 and response.json()["code"] == "property_has_accepted_offer"


def test_owner_accepts_and_declines_over_the_api(prop, owner):
    a = offer_in_state(prop=prop, buyer=BuyerFactory(), status="approved")
    b = offer_in_state(prop=prop, buyer=BuyerFactory(), status="approved")
    client = client_for(owner, acr=None)
    assert (
        client.post(f"/api/v1/offers/{a.pk}/decline", {"reason": "Too low"}, format="json").json()["status"]
        == "declined"
    )
    body = client.post(f"/api/v1/offers/{b.pk}/accept").json()
    assert body["status"] == "accepted" and body["role"] == "owner"


def test_the_buyer_cannot_accept_their_own_offer_and_the_owner_cannot_withdraw_it(prop, buyer, owner):
    offer = offer_in_state(prop=prop, buyer=buyer, status="approved")
    response = client_for(buyer).post(f"/api/v1/offers/{offer.pk}/accept")
    assert response.status_code == 403 and response.json()["code"] == "not_allowed"
    offer.refresh_from_db()
    assert offer.status == "approved"
    response = client_for(owner).post(f"/api/v1/offers/{offer.pk}/withdraw", {}, format="json")
    assert response.status_code == 403 and response.json()["code"] == "not_allowed"


# --- object permissions ---------------------------------------------------------------------------
def test_nobody_sees_or_touches_offers_that_are_not_theirs(prop, buyer, owner, other, staff_without_permission, mod):
    offer = offer_in_state(prop=prop, buyer=buyer, status="approved")
    pending = offer_in_state(prop=prop, buyer=BuyerFactory(), status="pending")
    for outsider in (other, staff_without_permission, mod):
        client = client_for(outsider)
        assert client.get("/api/v1/offers").json()["results"] == []
        assert client.get("/api/v1/offers/received").json()["results"] == []
        for path in (f"/api/v1/offers/{offer.pk}",):
            assert client.get(path).status_code == 404
        for action in ("withdraw", "accept", "decline"):
            assert client.post(f"/api/v1/offers/{offer.pk}/{action}", {}, format="json").status_code == 404
    owner_client = client_for(owner)
    assert [o["id"] for o in owner_client.get("/api/v1/offers/received").json()["results"]] == [offer.pk]
    assert owner_client.get(f"/api/v1/offers/{pending.pk}").status_code == 404, "owners never see pending offers"
    assert owner_client.get("/api/v1/offers").json()["results"] == []
    offer.refresh_from_db()
    assert offer.status == "approved"


def test_an_owner_of_another_property_sees_nothing(prop, buyer):
    offer_in_state(prop=prop, buyer=buyer, status="approved")
    from .factories import verified_owner

    stranger = verified_owner(PropertyFactory())
    assert client_for(stranger).get("/api/v1/offers/received").json()["results"] == []


def test_a_pending_claim_does_not_show_offers(prop, buyer, other):
    offer = offer_in_state(prop=prop, buyer=buyer, status="approved")
    OwnershipClaim.objects.create(property=prop, user=other, statement="Mine")
    client = client_for(other)
    assert client.get("/api/v1/offers/received").json()["results"] == []
    assert client.get(f"/api/v1/offers/{offer.pk}").status_code == 404


def test_claims_are_submitted_with_a_document_and_only_their_owner_sees_them(prop, other, buyer):
    client = client_for(other)
    response = client.post("/api/v1/claims", {"property_id": prop.external_id, "statement": "Bought it in 2015",
                                              "document": SimpleUploadedFile("deed.pdf", b"%PDF-1.4 test")},
                           format="multipart")
    assert response.status_code == 201, response.content
    claim = response.json()
    assert claim["status"] == "pending" and claim["has_document"] is True
    assert client.post("/api/v1/claims", {"property_id": prop.pk, "statement": "again"},
                       format="json").json()["code"] == "claim_already_open"
    bad = client.post("/api/v1/claims", {"property_id": PropertyFactory().pk, "statement": "x",
                                         "document": SimpleUploadedFile("x.exe", b"MZ")}, format="multipart")
    assert bad.status_code == 400 and bad.json()["code"] == "document_type"
    assert client.get(f"/api/v1/claims/{claim['id']}").status_code == 200
    assert client_for(buyer).get(f"/api/v1/claims/{claim['id']}").status_code == 404
    assert client_for(buyer).get("/api/v1/claims").json() == {"next": None, "results": []}
    OwnershipClaim.objects.get(pk=claim["id"]).document.delete()


def test_offer_lists_use_a_fixed_number_of_queries(prop, owner, django_assert_max_num_queries):
    for _ in range(15):
        offer_in_state(prop=prop, buyer=BuyerFactory(), status="approved", is_anonymous=False)
    client = client_for(owner)
    with django_assert_max_num_queries(8):
        assert len(client.get("/api/v1/offers/received").json()["results"]) == 15


# --- anonymity --------------------------------------------------------------------------------
def identifying_values(user) -> list[str]:
    return [user.name, user.email, user.bankid_altsub, user.username, f'"id": {user.pk}', f"/users/{user.pk}",
            user.first_name, user.last_name]


def assert_no_identity(text: str, user) -> None:
    for value in identifying_values(user):
        if value and value.strip():
            assert value not in text, f"owner-visible output contains the buyer's {value!r}"


def test_an_anonymous_buyer_is_never_visible_to_the_owner(prop, owner, mod, mail_on_commit):
    buyer = BuyerFactory(name="Kari Hemmelig", first_name="Kari", last_name="Hemmelig",
                         email="kari.hemmelig@example.no", bankid_altsub="9578-6000-4-424242")
    buyer_client = client_for(buyer)
    offer_id = submit(buyer_client, prop.pk, 6_000_000, is_anonymous=True, message="Vi elsker huset").json()["id"]
    offer = Offer.objects.get(pk=offer_id)
    services.offer_approve(offer=offer, moderator=mod)
    owner_client = client_for(owner)
    outputs = [owner_client.get("/api/v1/offers/received").content.decode(),
               owner_client.get(f"/api/v1/offers/{offer_id}").content.decode(),
               owner_client.get("/offers/received/").content.decode(),
               owner_client.get(f"/offers/{offer_id}/").content.decode(),
               owner_client.get(f"/properties/{prop.pk}/").content.decode()]
    assert "verified buyer" in outputs[0] and "verified buyer" in outputs[1]
    # The buyer revises (back to moderation) and is approved again; then the owner declines one and
    # accepts the next: identity stays hidden because the buyer did not allow the reveal.
    submit(buyer_client, prop.pk, 6_100_000, is_anonymous=True)
    services.offer_approve(offer=offer, moderator=mod)
    outputs.append(owner_client.post(f"/api/v1/offers/{offer_id}/accept").content.decode())
    outputs.append(owner_client.get(f"/api/v1/offers/{offer_id}").content.decode())
    buyer_client.post(f"/api/v1/offers/{offer_id}/withdraw", {}, format="json")
    outputs.append(owner_client.get(f"/api/v1/offers/{offer_id}").content.decode())
    owner_mails = [m for m in mail_on_commit if owner.email in m.to]
    assert {m.subject for m in owner_mails} >= {"epty: offer approved", "epty: offer accepted", "epty: offer withdrawn"}
    outputs += [m.subject + m.body + json.dumps(m.extra_headers) for m in owner_mails]
    for text in outputs:
        assert_no_identity(text, buyer)
    assert all("kari" not in t.lower() for t in outputs)


def test_on_acceptance_the_identity_is_revealed_only_if_the_buyer_allowed_it(prop, owner, mod, mail_on_commit):
    buyer = BuyerFactory(name="Ola Synlig", email="ola.synlig@example.no")
    offer_id = submit(client_for(buyer), prop.pk, is_anonymous=True, reveal_identity_on_accept=True).json()["id"]
    services.offer_approve(offer=Offer.objects.get(pk=offer_id), moderator=mod)
    owner_client = client_for(owner)
    assert_no_identity(owner_client.get(f"/api/v1/offers/{offer_id}").content.decode(), buyer)
    body = owner_client.post(f"/api/v1/offers/{offer_id}/accept").json()
    assert body["buyer"] == {"display": "Ola Synlig", "name": "Ola Synlig", "email": "ola.synlig@example.no"}
    accepted_mail = [m for m in mail_on_commit if owner.email in m.to and "accepted" in m.subject][0]
    assert "Ola Synlig" in accepted_mail.body and "ola.synlig@example.no" in accepted_mail.body


def test_a_buyer_who_is_not_anonymous_is_named(prop, owner, mod):
    buyer = BuyerFactory(name="Åpen Kjøper")
    offer = offer_in_state(prop=prop, buyer=buyer, status="approved", is_anonymous=False)
    assert client_for(owner).get(f"/api/v1/offers/{offer.pk}").json()["buyer"]["name"] == "Åpen Kjøper"


def test_the_buyer_is_told_at_each_step(prop, buyer, owner, mod, mail_on_commit):
    offer_id = submit(client_for(buyer), prop.pk).json()["id"]
    offer = Offer.objects.get(pk=offer_id)
    services.offer_approve(offer=offer, moderator=mod)
    services.offer_accept(offer=offer, owner=owner)
    subjects = [m.subject for m in mail_on_commit if m.to == [buyer.email]]
    assert subjects == ["epty: your offer was received", "epty: offer approved", "epty: offer accepted"]
    assert any(m.to == [mod.email] and "moderation" in m.subject for m in mail_on_commit)
    assert all("non-binding" in m.body for m in mail_on_commit if m.to == [buyer.email])
    assert OfferStatus.ACCEPTED == Offer.objects.get(pk=offer_id).status


def test_offer_and_claim_mails_link_absolutely_and_speak_each_recipients_language(prop, owner, mod, mail_on_commit):
    from epty.mail.models import OutboxMessage

    owner.language = "nb"
    owner.save()
    buyer = BuyerFactory(email="eva@example.no", language="en")
    offer_id = submit(client_for(buyer), prop.pk).json()["id"]
    services.offer_approve(offer=Offer.objects.get(pk=offer_id), moderator=mod)
    to_buyer = [m for m in mail_on_commit if m.to == [buyer.email]]
    to_owner = [m for m in mail_on_commit if m.to == [owner.email]]
    assert [m.subject for m in to_buyer] == ["epty: your offer was received", "epty: offer approved"]
    assert [m.subject for m in to_owner] == ["epty: bud godkjent"]  # the owner reads Bokmål
    assert all(f"http://testserver/offers/{offer_id}/" in m.body for m in to_buyer + to_owner)
    assert any(f"http://testserver/admin/offers/pendingoffer/{offer_id}/change/" in m.body
               for m in mail_on_commit if m.to == [mod.email])
    claimant = BuyerFactory(email="claims@example.no", language="en")
    client_for(claimant).post("/api/v1/claims", {"property_id": prop.pk, "statement": "I inherited it."},
                              format="multipart")
    [claim_mail] = [m for m in mail_on_commit if m.to == [claimant.email]]
    assert claim_mail.subject == "epty: your ownership claim was received"
    assert "http://testserver/offers/received/" in claim_mail.body
    assert OutboxMessage.objects.filter(sent_at__isnull=True).count() == 0  # every one stored was sent
