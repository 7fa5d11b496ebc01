"""Owners' side of silent bidding: open to offers with a private reserve, "meets your price" (owners only,
never learnable by a buyer), contact sharing after an accept, the follow-up and lapse notices, the owner's
dashboard with its counts, and the privacy hooks."""
from __future__ import annotations

import datetime as dt
import re
import threading

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from rest_framework.test import APIClient

from accounts import selectors as account_selectors
from accounts.saved.services import saved_property_add
from accounts.services import user_delete, user_profile_update
from offers import selectors, services
from offers.errors import ContactsAlreadyShared, ContactsNotOpen, NotAllowed
from offers.models import Offer, OfferEvent, OfferStatus, PropertyOpenness
from properties.models import Property, PropertyDailyViews

from .factories import HIGH_ACR, BuyerFactory, PropertyFactory, offer_in_state, verified_owner

pytestmark = pytest.mark.django_db
RESERVE = 6_000_000


def login(client, user, acr=HIGH_ACR):
    client.force_login(user)
    if acr:
        session = client.session
        session["bankid_acr"] = acr
        session.save()
    return client


def api(user, acr=HIGH_ACR) -> APIClient:
    return login(APIClient(), user, acr)


def open_with_reserve(prop, owner, reserve=RESERVE):
    return services.property_openness_set(property=prop, owner=owner, open=True, reserve=reserve)


# --- open to offers ---------------------------------------------------------------------------------------
def test_a_verified_owner_opens_and_closes_the_property_and_search_sees_it(prop, owner):
    openness = open_with_reserve(prop, owner)
    prop.refresh_from_db()
    assert openness.reserve == RESERVE and prop.open_to_offers_since == openness.opened_at
    services.property_openness_set(property=prop, owner=owner, open=True, reserve=None)
    assert PropertyOpenness.objects.get().reserve is None, "the reserve is optional and can be removed"
    services.property_openness_set(property=prop, owner=owner, open=False)
    prop.refresh_from_db()
    assert prop.open_to_offers_since is None and not PropertyOpenness.objects.exists()


def test_co_owners_share_the_flag_and_anyone_else_is_refused(prop, owner, other):
    co_owner = verified_owner(prop, name="Medeier")
    open_with_reserve(prop, owner)
    services.property_openness_set(property=prop, owner=co_owner, open=True, reserve=7_000_000)
    assert PropertyOpenness.objects.get().reserve == 7_000_000
    with pytest.raises(NotAllowed):
        services.property_openness_set(property=prop, owner=other, open=False)
    assert PropertyOpenness.objects.exists()


@pytest.mark.parametrize("reserve", [0, -5, "abc", 10**12])
def test_a_bad_reserve_is_refused_with_a_stable_code(prop, owner, reserve):
    with pytest.raises(ValidationError) as exc:
        open_with_reserve(prop, owner, reserve)
    assert exc.value.error_dict["reserve"][0].code == "invalid_reserve"
    assert not PropertyOpenness.objects.exists()


def test_the_openness_page_and_api_are_for_verified_owners_only(client, prop, owner, other):
    login(client, other)
    assert client.post(f"/offers/property/{prop.pk}/openness/", {"open_to_offers": "on"}).status_code == 404
    response = api(other).get(f"/api/v1/offers/properties/{prop.pk}/openness")
    assert response.status_code == 404 and "reserve" not in response.content.decode()
    response = api(other).put(f"/api/v1/offers/properties/{prop.pk}/openness", {"open_to_offers": True},
                              format="json")
    assert response.status_code == 404 and not PropertyOpenness.objects.exists()

    login(client, owner)
    response = client.post(f"/offers/property/{prop.pk}/openness/", {"open_to_offers": "on", "reserve": "6000000"})
    assert response.status_code == 302 and PropertyOpenness.objects.get().reserve == RESERVE
    body = api(owner).get(f"/api/v1/offers/properties/{prop.pk}/openness").json()
    assert body["open_to_offers"] is True and body["reserve"] == RESERVE
    response = api(owner).put(f"/api/v1/offers/properties/{prop.pk}/openness",
                              {"open_to_offers": True, "reserve": "lots"}, format="json")
    assert response.status_code == 400 and response.json()["code"] == "invalid_reserve"
    body = api(owner).put(f"/api/v1/offers/properties/{prop.pk}/openness", {"open_to_offers": False},
                          format="json").json()
    assert body == {"property_id": prop.pk, "open_to_offers": False, "open_since": None, "reserve": None}


def test_buyers_filter_and_sort_by_openness_on_the_page_and_the_api(client, owner, prop):
    closed = [PropertyFactory(estimate=9_000_000 + i) for i in range(3)]
    open_with_reserve(prop, owner)
    later = PropertyFactory()
    services.property_openness_set(property=later, owner=verified_owner(later), open=True)
    client_api = APIClient()
    body = client_api.get("/api/v1/properties", {"open_to_offers": "1"}).json()
    assert {p["id"] for p in body["results"]} == {prop.pk, later.pk}
    assert all(p["open_to_offers"] for p in body["results"])
    assert client_api.get("/api/v1/properties", {"open_to_offers": "maybe"}).json()["code"] in (
        "invalid_flag", "invalid")
    # Sorted by openness: the most recently opened first, then the rest; pages of one row keep the order.
    seen, url, params = [], "/api/v1/properties", {"sort": "open_to_offers", "limit": "1"}
    while url and len(seen) < 10:
        page = client_api.get(url, params).json()
        seen += [p["id"] for p in page["results"]]
        url, params = page["next"], None
    assert seen[:2] == [later.pk, prop.pk] and set(seen[2:]) == {p.pk for p in closed}
    page = client.get("/", {"open_to_offers": "1", "sort": "open_to_offers"}, HTTP_ACCEPT_LANGUAGE="en")
    cards = re.findall(r'class="result" data-id="(\d+)"', page.text)
    assert [int(c) for c in cards] == [later.pk, prop.pk]
    assert page.text.count("data-open-to-offers") >= 2 and 'id="id_open_to_offers" checked' in page.text
    assert "data-open-to-offers" in client.get(f"/properties/{prop.pk}/").text
    assert "data-open-to-offers" not in client.get(f"/properties/{closed[0].pk}/").text


def test_a_saved_search_for_open_properties_matches_as_the_search_does(prop, owner):
    from properties.search.matcher import SearchMatcher

    matcher = SearchMatcher({"open_to_offers": "1"})
    assert not matcher({"open_to_offers_since": None})
    open_with_reserve(prop, owner)
    prop.refresh_from_db()
    assert matcher({"open_to_offers_since": prop.open_to_offers_since})
    assert SearchMatcher({"open_to_offers": "0"})({"open_to_offers_since": None})


# --- the reserve never leaks to a buyer -------------------------------------------------------------------
def _normalise(text: str) -> str:
    text = re.sub(r"\d{4}-\d\d-\d\dT[\d:.]+(Z|[+-]\d\d:\d\d)?", "<date>", text)
    text = re.sub(r"\d[\d\u00a0 ,.]*\d", "<n>", text)
    text = re.sub(r"\d+", "<n>", text)
    return re.sub(r"(Kari|Per) \w+", "<name>", text)


def _buyer_view(client, api_client, offer_id, outbox, buyer) -> dict:
    page = client.get(f"/offers/{offer_id}/", HTTP_ACCEPT_LANGUAGE="en").text
    page = re.sub(r'<input type="hidden" name="csrfmiddlewaretoken" value="[^"]+">', "", page)
    page = re.sub(r'<meta name="csrf-token" content="[^"]+">', "", page)
    detail = api_client.get(f"/api/v1/offers/{offer_id}").content.decode()
    mine = api_client.get("/api/v1/offers").content.decode()
    mails = [(m.subject, m.body) for m in outbox if buyer.email in m.to]
    export = str(account_selectors.user_export(user=buyer)["offers"])
    return {k: _normalise(str(v)) for k, v in
            {"page": page, "detail": detail, "mine": mine, "mails": mails, "export": export}.items()}


def test_buyers_above_and_below_the_reserve_see_exactly_the_same(client, prop, owner, mod, mail_on_commit):
    open_with_reserve(prop, owner)
    above = BuyerFactory(name="Kari Over", email="over@example.no")
    below = BuyerFactory(name="Per Under", email="under@example.no")
    views = {}
    for buyer, amount in ((above, RESERVE + 500_000), (below, RESERVE - 500_000)):
        buyer_api = api(buyer)
        submitted = buyer_api.post("/api/v1/offers", {"property_id": prop.pk, "offer_amount": amount}, format="json")
        offer = Offer.objects.get(buyer=buyer)
        services.offer_approve(offer=offer, moderator=mod)
        views[buyer.pk] = {"submit": (submitted.status_code, _normalise(submitted.content.decode())),
                           **_buyer_view(login(client, buyer), buyer_api, offer.pk, mail_on_commit, buyer)}
    assert views[above.pk] == views[below.pk]
    assert "reserve" not in str(views[above.pk]).lower() and "meets" not in str(views[above.pk]).lower()
    # The owners, and only they, see the marking, and were told at once.
    offer_above, offer_below = Offer.objects.get(buyer=above), Offer.objects.get(buyer=below)
    owner_mails = [m for m in mail_on_commit if owner.email in m.to]
    assert [m.subject for m in owner_mails] == ["epty: an offer meets your price", "epty: offer approved"]
    assert "meets your price" in owner_mails[0].body and "meets your price" not in owner_mails[1].body
    login(client, owner)
    assert 'id="offer-meets-price"' in client.get(f"/offers/{offer_above.pk}/", HTTP_ACCEPT_LANGUAGE="en").text
    assert 'id="offer-meets-price"' not in client.get(f"/offers/{offer_below.pk}/").text
    assert api(owner).get(f"/api/v1/offers/{offer_above.pk}").json()["meets_your_price"] is True
    assert api(owner).get(f"/api/v1/offers/{offer_below.pk}").json()["meets_your_price"] is False
    received = client.get("/offers/received/", HTTP_ACCEPT_LANGUAGE="en").text
    assert received.count("Meets your price") == 1


def test_a_buyer_never_gets_the_marking_even_on_their_own_offer_page(client, prop, owner, buyer):
    open_with_reserve(prop, owner)
    offer = offer_in_state(prop=prop, buyer=buyer, status="approved", amount=RESERVE * 2)
    login(client, buyer)
    page = client.get(f"/offers/{offer.pk}/", HTTP_ACCEPT_LANGUAGE="en").text
    assert "meets-price" not in page and "eets your price" not in page and "6,000,000" not in page
    body = api(buyer).get(f"/api/v1/offers/{offer.pk}").json()
    assert "meets_your_price" not in body and str(RESERVE) not in str(body)


# --- after an accept: contact sharing ------------------------------------------------------------------------
def test_nothing_is_shared_until_both_agree_and_either_may_take_a_yes_back(prop, owner, buyer, mail_on_commit):
    user_profile_update(user=buyer, phone="+47 912 34 567")
    user_profile_update(user=owner, phone="22 33 44 55")
    offer = offer_in_state(prop=prop, buyer=buyer, status="approved")
    with pytest.raises(ContactsNotOpen):
        services.offer_contact_answer(offer=offer, user=buyer, agree=True)
    services.offer_accept(offer=offer, owner=owner)

    services.offer_contact_answer(offer=offer, user=buyer, agree=True)
    offer.refresh_from_db()
    assert offer.contacts_shared_at is None
    assert selectors.contact_state(offer=offer, role="owner")["other"] is None
    assert selectors.contact_state(offer=offer, role="owner")["they_agreed"] is True
    services.offer_contact_answer(offer=offer, user=buyer, agree=False)  # revoke before the owner agrees
    services.offer_contact_answer(offer=offer, user=owner, agree=True)
    offer.refresh_from_db()
    assert offer.contacts_shared_at is None and offer.buyer_contact_consent_at is None
    services.offer_contact_answer(offer=offer, user=buyer, agree=True)
    offer.refresh_from_db()
    assert offer.contacts_shared_at is not None
    to_buyer = selectors.contact_state(offer=offer, role="buyer")["other"]
    to_owner = selectors.contact_state(offer=offer, role="owner")["other"]
    assert (to_buyer.name, to_buyer.email, to_buyer.phone) == ("Olav Eier", "olav.owner@example.no", "22334455")
    assert (to_owner.name, to_owner.email, to_owner.phone) == ("Kari Nordmann", "kari.buyer@example.no",
                                                               "+4791234567")
    with pytest.raises(ContactsAlreadyShared):
        services.offer_contact_answer(offer=offer, user=buyer, agree=False)
    kinds = [e["kind"] for e in selectors.timeline(offer=offer) if e["is_contact"]]
    assert kinds == ["contact_yes", "contact_revoked", "contact_yes", "contact_yes", "contacts_shared"]
    shared = [m for m in mail_on_commit if m.subject == "epty: contact details shared"]
    assert {m.to[0] for m in shared} == {buyer.email, owner.email}
    assert "+4791234567" in next(m.body for m in shared if m.to == [owner.email])
    assert "22334455" in next(m.body for m in shared if m.to == [buyer.email])


def test_the_offer_page_asks_both_sides_and_shows_the_details_only_when_both_agreed(client, prop, owner, buyer):
    offer = offer_in_state(prop=prop, buyer=buyer, status="accepted")
    login(client, buyer)
    page = client.get(f"/offers/{offer.pk}/", HTTP_ACCEPT_LANGUAGE="en").text
    assert 'id="contact-yes"' in page and owner.email not in page
    client.post(f"/offers/{offer.pk}/contacts/", {"share": "yes"})
    assert owner.email not in client.get(f"/offers/{offer.pk}/").text
    login(client, owner)
    page = client.get(f"/offers/{offer.pk}/", HTTP_ACCEPT_LANGUAGE="en").text
    assert "The other side agreed." in page and buyer.email not in page
    response = api(owner).post(f"/api/v1/offers/{offer.pk}/contacts", {"share": True}, format="json")
    assert response.status_code == 200 and response.json()["contacts"]["other"]["email"] == buyer.email
    assert buyer.email in client.get(f"/offers/{offer.pk}/").text
    login(client, buyer)
    assert owner.email in client.get(f"/offers/{offer.pk}/").text
    again = api(buyer).post(f"/api/v1/offers/{offer.pk}/contacts", {"share": False}, format="json")
    assert again.status_code == 409 and again.json()["code"] == "contacts_already_shared"


def test_no_one_else_can_answer_or_see_contact_sharing(client, prop, owner, buyer, other):
    offer = offer_in_state(prop=prop, buyer=buyer, status="accepted")
    login(client, other)
    assert client.post(f"/offers/{offer.pk}/contacts/", {"share": "yes"}).status_code == 404
    response = api(other).post(f"/api/v1/offers/{offer.pk}/contacts", {"share": True}, format="json")
    assert response.status_code == 404 and buyer.email not in response.content.decode()
    with pytest.raises(NotAllowed):
        services.offer_contact_answer(offer=offer, user=other, agree=True)
    assert not OfferEvent.objects.filter(kind__startswith="contact").exists()


# --- notices: staff on accept, owners when a buyer withdraws, declines or lets it lapse ---------------------
def test_staff_are_told_of_every_accept_and_the_queue_holds_it_until_followed_up(client, prop, owner, buyer, mod,
                                                                                  mail_on_commit):
    offer = offer_in_state(prop=prop, buyer=buyer, status="approved")
    services.offer_accept(offer=offer, owner=owner)
    staff = [m for m in mail_on_commit if m.to == [mod.email]]
    assert [m.subject for m in staff] == ["epty: an offer was accepted: follow it up"]
    assert f"/admin/offers/acceptedoffer/{offer.pk}/change/" in staff[0].body
    client.force_login(mod)
    queue = client.get("/admin/offers/acceptedoffer/")
    assert queue.status_code == 200 and f"/admin/offers/acceptedoffer/{offer.pk}/change/" in queue.text
    client.post("/admin/offers/acceptedoffer/", {"action": "follow_up_selected", "_selected_action": [offer.pk]})
    offer.refresh_from_db()
    assert offer.followed_up_at is not None
    assert f"/admin/offers/acceptedoffer/{offer.pk}/change/" not in client.get("/admin/offers/acceptedoffer/").text


def test_owners_hear_when_a_buyer_withdraws_an_accepted_offer(prop, owner, buyer, mail_on_commit):
    offer = offer_in_state(prop=prop, buyer=buyer, status="accepted")
    services.offer_withdraw(offer=offer, buyer=buyer)
    mail = next(m for m in mail_on_commit if m.to == [owner.email])
    assert mail.subject == "epty: offer withdrawn"
    assert "withdrawn the offer" in mail.body and "you accepted" in mail.body


def test_owners_hear_when_a_buyer_declines_to_share_contacts(prop, owner, buyer, mail_on_commit):
    offer = offer_in_state(prop=prop, buyer=buyer, status="accepted")
    services.offer_contact_answer(offer=offer, user=buyer, agree=False)
    services.offer_contact_answer(offer=offer, user=buyer, agree=False)  # said already: nothing new
    mails = [m for m in mail_on_commit if m.to == [owner.email]]
    assert [m.subject for m in mails] == ["epty: the other side does not want to share contact details"]
    assert OfferEvent.objects.filter(kind="contact_no").count() == 1


def test_owners_hear_when_an_accepted_offer_lapses_unless_contacts_were_shared(prop, owner, buyer, mail_on_commit):
    lapsing = offer_in_state(prop=prop, buyer=buyer, status="accepted", past_validity=True)
    assert services.offers_expire() == 1
    lapsing.refresh_from_db()
    assert lapsing.status == OfferStatus.EXPIRED
    mail = next(m for m in mail_on_commit if m.to == [owner.email])
    assert mail.subject == "epty: offer expired" and "lapsed" in mail.body
    shared = offer_in_state(prop=PropertyFactory(), buyer=buyer, status="accepted", past_validity=True)
    Offer.objects.filter(pk=shared.pk).update(contacts_shared_at=timezone.now())
    assert services.offers_expire() == 0


# --- the owner's dashboard and the view counter ----------------------------------------------------------
def test_a_page_view_is_counted_without_who_and_the_owners_own_views_are_not(client, prop, owner, buyer):
    client.get(f"/properties/{prop.pk}/")
    login(client, buyer)
    client.get(f"/properties/{prop.pk}/")
    login(client, owner)
    client.get(f"/properties/{prop.pk}/")
    row = PropertyDailyViews.objects.get()
    assert row.count == 2 and row.day == timezone.localdate()
    columns = {f.name for f in PropertyDailyViews._meta.get_fields()}
    assert columns == {"id", "property", "day", "count"}, "a count only: no user, IP or session is stored"


def test_the_dashboard_shows_each_owned_property_with_its_counts_and_controls(client, prop, owner, buyer, other):
    open_with_reserve(prop, owner)
    offer_in_state(prop=prop, buyer=buyer, status="approved", amount=RESERVE + 1)
    offer_in_state(prop=prop, buyer=other, status="declined")
    offer_in_state(prop=prop, buyer=BuyerFactory(), status="pending")  # not visible to owners yet
    for user in (buyer, other):
        saved_property_add(user=user, property_id=prop.pk)
    PropertyDailyViews.objects.create(property=prop, day=timezone.localdate(), count=5)
    PropertyDailyViews.objects.create(property=prop, day=timezone.localdate() - dt.timedelta(days=6), count=2)
    PropertyDailyViews.objects.create(property=prop, day=timezone.localdate() - dt.timedelta(days=7), count=100)
    not_mine = PropertyFactory(address="Andregata 1")
    login(client, owner)
    page = client.get("/offers/owner/", HTTP_ACCEPT_LANGUAGE="en")
    text = page.text
    assert page.status_code == 200 and f'id="property-{prop.pk}"' in text and "Andregata 1" not in text
    assert 'class="saved-count" data-count="2"' in text and 'class="views-count" data-count="7"' in text
    assert 'data-status="approved" data-count="1"' in text and 'data-status="declined" data-count="1"' in text
    assert 'data-status="pending"' not in text and "1 offer meets your price" in text
    assert 'value="6000000"' in text and 'id="nav-owner"' in text
    assert f'href="/owners/{prop.pk}/" id="owner-facts-{prop.pk}"' in text  # the owner's facts and photos
    assert f'href="/photos/{prop.pk}/" id="owner-photos-{prop.pk}"' in text
    assert buyer.name not in text and other.name not in text, "counts only, never who"
    assert 'id="offer-box-owner"' in client.get(f"/properties/{prop.pk}/").text
    body = api(owner).get("/api/v1/offers/owner/properties").json()
    assert body["next"] is None and len(body["results"]) == 1
    row = body["results"][0]
    assert (row["property"]["id"], row["reserve"], row["saved"], row["views_week"], row["meets_reserve"]) == (
        prop.pk, RESERVE, 2, 7, 1)
    assert {s["status"]: s["count"] for s in row["offers"]} == {"approved": 1, "declined": 1}
    assert api(other).get("/api/v1/offers/owner/properties").json() == {"next": None, "results": []}
    login(client, other)
    page = client.get("/offers/owner/", HTTP_ACCEPT_LANGUAGE="en")
    assert f'id="property-{prop.pk}"' not in page.text and "6000000" not in page.text
    assert 'id="nav-owner"' not in page.text
    assert client.post(f"/offers/property/{not_mine.pk}/openness/", {"open_to_offers": "on"}).status_code == 404


def test_the_dashboard_needs_a_login(client):
    assert client.get("/offers/owner/").status_code == 302


def test_page_writes_are_rate_limited(client, prop, owner, settings):
    settings.OFFERS_PAGE_WRITES_PER_HOUR = 2
    login(client, owner)
    for _ in range(2):
        client.post(f"/offers/property/{prop.pk}/openness/", {"open_to_offers": "on"})
    client.post(f"/offers/property/{prop.pk}/openness/", {"open_to_offers": ""})
    assert PropertyOpenness.objects.exists(), "the third change in the hour is refused"


# --- privacy ---------------------------------------------------------------------------------------------
def test_the_export_holds_the_reserve_and_contact_answers(prop, owner, buyer):
    open_with_reserve(prop, owner)
    offer = offer_in_state(prop=prop, buyer=buyer, status="accepted")
    services.offer_contact_answer(offer=offer, user=owner, agree=True)
    services.offer_contact_answer(offer=offer, user=buyer, agree=True)
    owner_export = account_selectors.user_export(user=owner)["offers"]
    assert owner_export["open_to_offers"][0]["reserve"] == RESERVE
    assert owner_export["open_to_offers"][0]["reserve_set_by_you"] is True
    assert owner_export["contact_sharing_as_owner"][0]["offer"] == offer.pk
    buyer_export = account_selectors.user_export(user=buyer)["offers"]
    assert buyer_export["offers"][0]["contact_sharing"]["you_agreed_at"]
    assert buyer_export["open_to_offers"] == [] and str(RESERVE) not in str(buyer_export)
    assert "contact_yes" in [h["kind"] for h in buyer_export["offers"][0]["history"]]


def test_deleting_an_owner_removes_their_reserve_and_consent_and_closes_what_they_alone_owned(prop, owner, buyer):
    shared_prop = PropertyFactory()
    verified_owner(shared_prop)
    from offers.models import ClaimStatus, OwnershipClaim
    OwnershipClaim.objects.create(property=shared_prop, user=owner, statement="x", status=ClaimStatus.VERIFIED)
    open_with_reserve(prop, owner)
    open_with_reserve(shared_prop, owner, 9_000_000)
    offer = offer_in_state(prop=prop, buyer=buyer, status="accepted")
    services.offer_contact_answer(offer=offer, user=owner, agree=True)
    user_delete(user=owner)
    prop.refresh_from_db()
    assert prop.open_to_offers_since is None and not PropertyOpenness.objects.filter(property=prop).exists()
    kept = PropertyOpenness.objects.get(property=shared_prop)
    assert kept.reserve is None, "the co-owner keeps the property open, without the deleted owner's reserve"
    assert Property.objects.get(pk=shared_prop.pk).open_to_offers_since is not None
    offer.refresh_from_db()
    assert offer.owner_contact_consent_at is None and offer.owner_contact_consent_by is None


def test_deleting_a_buyer_withdraws_an_accepted_offer_tells_the_owner_and_drops_the_consent(prop, owner, buyer,
                                                                                             mail_on_commit):
    offer = offer_in_state(prop=prop, buyer=buyer, status="accepted")
    services.offer_contact_answer(offer=offer, user=buyer, agree=True)
    user_delete(user=buyer)
    offer.refresh_from_db()
    assert offer.status == OfferStatus.WITHDRAWN and offer.buyer_id is None and offer.buyer_contact_consent_at is None
    assert any(m.to == [owner.email] and m.subject == "epty: offer withdrawn" for m in mail_on_commit)


@pytest.mark.parametrize("phone", ["12", "abc12345678", "+47 12 34 56 78 90 12 34 56"])
def test_a_bad_phone_number_is_refused(buyer, phone):
    with pytest.raises(ValidationError) as exc:
        user_profile_update(user=buyer, phone=phone)
    assert exc.value.error_dict["phone"][0].code == "invalid_phone"


@pytest.mark.django_db(transaction=True)
def test_concurrent_page_views_are_all_counted():
    from django.db import connection, connections

    from properties.services import property_view_record

    if connection.vendor != "postgresql":
        pytest.skip("needs concurrent writers")
    prop = PropertyFactory()
    threads, per_thread = 8, 25
    barrier = threading.Barrier(threads)

    def view_many():
        try:
            barrier.wait()
            for _ in range(per_thread):
                property_view_record(property_id=prop.pk)
        finally:
            connections.close_all()

    workers = [threading.Thread(target=view_many) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert PropertyDailyViews.objects.get(property=prop).count == threads * per_thread
