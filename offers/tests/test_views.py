"""Offer pages: the offer box on the property page, the form, my and received offers, claims; privacy hooks."""
from __future__ import annotations

import pytest

from accounts import selectors as account_selectors
from accounts.services import user_delete
from offers.models import Offer, OfferStatus, OwnershipClaim

from .factories import HIGH_ACR, BuyerFactory, offer_in_state

pytestmark = pytest.mark.django_db


def login(client, user, acr=HIGH_ACR):
    client.force_login(user)
    if acr:
        session = client.session
        session["bankid_acr"] = acr
        session.save()


def test_the_property_page_shows_the_offer_box_with_the_non_binding_notice(client, prop, buyer):
    page = client.get(f"/properties/{prop.pk}/", HTTP_ACCEPT_LANGUAGE="en")
    assert 'id="offer-box"' in page.text and "non-binding" in page.text and "Log in with BankID" in page.text
    login(client, buyer)
    page = client.get(f"/properties/{prop.pk}/", HTTP_ACCEPT_LANGUAGE="en")
    assert f"/offers/property/{prop.pk}/offer/" in page.text and f"/offers/property/{prop.pk}/claim/" in page.text


def test_a_buyer_sends_and_revises_an_offer_through_the_form(client, prop, buyer):
    login(client, buyer)
    form = client.get(f"/offers/property/{prop.pk}/offer/", HTTP_ACCEPT_LANGUAGE="en")
    assert "non-binding" in form.text
    response = client.post(f"/offers/property/{prop.pk}/offer/", {"offer_amount": "4500000", "is_anonymous": "on",
                                                                  "valid_days": "30", "message": ""})
    offer = Offer.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/offers/{offer.pk}/"
    client.post(f"/offers/property/{prop.pk}/offer/", {"offer_amount": "4600000", "valid_days": "10"})
    offer.refresh_from_db()
    assert offer.amount == 4_600_000 and offer.is_anonymous is False
    mine = client.get("/offers/", HTTP_ACCEPT_LANGUAGE="en")
    assert "4" in mine.text and f'data-offer="{offer.pk}"' in mine.text


def test_the_form_shows_service_errors(client, prop, buyer):
    login(client, buyer, acr="urn:bankid:bis;LOA=3")
    response = client.post(f"/offers/property/{prop.pk}/offer/", {"offer_amount": "4500000", "valid_days": "30"},
                           HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200 and "high level of assurance" in response.text
    login(client, buyer)
    response = client.post(f"/offers/property/{prop.pk}/offer/", {"offer_amount": "2000000000", "valid_days": "30"},
                           HTTP_ACCEPT_LANGUAGE="en")
    assert "must be below" in response.text and not Offer.objects.exists()


def test_the_owner_sees_received_offers_and_accepts_on_the_page(client, prop, owner):
    offer = offer_in_state(prop=prop, buyer=BuyerFactory(name="Skjult Person"), status="approved")
    login(client, owner, acr=None)
    received = client.get("/offers/received/", HTTP_ACCEPT_LANGUAGE="en")
    assert "verified buyer" in received.text and "Skjult" not in received.text
    client.post(f"/offers/{offer.pk}/accept/")
    offer.refresh_from_db()
    assert offer.status == OfferStatus.ACCEPTED
    detail = client.get(f"/offers/{offer.pk}/", HTTP_ACCEPT_LANGUAGE="en")
    assert 'id="offer-timeline"' in detail.text and "Skjult" not in detail.text


def test_pages_of_other_peoples_offers_are_404(client, prop, buyer, other):
    offer = offer_in_state(prop=prop, buyer=buyer, status="approved")
    login(client, other)
    assert client.get(f"/offers/{offer.pk}/").status_code == 404
    assert client.post(f"/offers/{offer.pk}/withdraw/").status_code == 404
    assert f'data-offer="{offer.pk}"' not in client.get("/offers/received/").text


def test_a_user_claims_a_property_on_the_page(client, prop, other):
    login(client, other)
    response = client.post(f"/offers/property/{prop.pk}/claim/", {"statement": "I bought it in 2010"})
    assert response.status_code == 302
    assert OwnershipClaim.objects.get().user == other
    assert str(prop) in client.get("/offers/claims/").text


def test_the_export_holds_the_users_offers_and_claims(prop, buyer):
    offer_in_state(prop=prop, buyer=buyer, status="pending", amount=3_000_000)
    OwnershipClaim.objects.create(property=prop, user=buyer, statement="Also mine")
    data = account_selectors.user_export(user=buyer)
    assert data["offers"]["offers"][0]["amount"] == 3_000_000
    assert data["offers"]["ownership_claims"][0]["statement"] == "Also mine"


def test_deleting_the_buyer_anonymises_offers_but_keeps_amounts_and_history(prop, buyer, owner):
    live = offer_in_state(prop=prop, buyer=buyer, status="approved", amount=3_000_000)
    user_delete(user=buyer)
    live.refresh_from_db()
    assert live.buyer is None and live.message == "" and live.status == OfferStatus.WITHDRAWN
    assert [e.amount for e in live.events.all()] == [3_000_000, 3_000_000]
    assert live.events.last().reason == "account deleted"


def test_the_timeline_names_statuses_in_the_readers_language(client, prop, buyer):
    offer = offer_in_state(prop=prop, buyer=buyer, status="approved")
    login(client, buyer)
    nb = client.get(f"/offers/{offer.pk}/", HTTP_ACCEPT_LANGUAGE="nb").text
    timeline = nb[nb.index('id="offer-timeline"'):]
    assert 'data-status="approved">Godkjent, sendt til eieren</span>' in timeline
    en = client.get(f"/offers/{offer.pk}/", HTTP_ACCEPT_LANGUAGE="en").text
    assert 'data-status="approved">Approved, with the owner</span>' in en
