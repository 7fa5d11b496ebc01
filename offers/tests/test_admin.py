"""Staff moderation in the admin: queues, bulk approve, bulk reject with a reason, the timeline
inline, and that only staff with `offers.moderate` can act."""
from __future__ import annotations

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth.models import Permission

from offers.models import ClaimStatus, Offer, OwnershipClaim

from .factories import BuyerFactory, PropertyFactory, offer_in_state

pytestmark = pytest.mark.django_db


def test_a_moderator_sees_the_pending_queue_and_approves_in_bulk(client, prop, mod):
    pending = [offer_in_state(prop=prop, buyer=BuyerFactory(), status="pending") for _ in range(3)]
    done = offer_in_state(prop=prop, buyer=BuyerFactory(), status="declined")
    client.force_login(mod)
    queue = client.get("/admin/offers/pendingoffer/")
    assert queue.status_code == 200
    shown = {o.pk for o in queue.context["cl"].result_list}
    assert shown == {o.pk for o in pending}, "the queue holds pending offers only"
    response = client.post("/admin/offers/pendingoffer/", {"action": "approve_selected",
                                                           ACTION_CHECKBOX_NAME: [o.pk for o in pending[:2]]})
    assert response.status_code == 302
    statuses = dict(Offer.objects.values_list("pk", "status"))
    assert [statuses[o.pk] for o in pending] == ["approved", "approved", "pending"]
    assert statuses[done.pk] == "declined"
    event = Offer.objects.get(pk=pending[0].pk).events.last()
    assert (event.actor, event.actor_role, event.from_status, event.to_status) == (
        mod,
        "moderator",
        "pending",
        "approved",
    )


def test_bulk_reject_asks_for_a_reason_then_records_it(client, prop, mod):
    offers = [offer_in_state(prop=prop, buyer=BuyerFactory(), status="pending") for _ in range(2)]
    client.force_login(mod)
    ids = [o.pk for o in offers]
    form = client.post("/admin/offers/offer/", {"action": "reject_selected", ACTION_CHECKBOX_NAME: ids})
    assert form.status_code == 200 and b"Reason" in form.content
    assert set(Offer.objects.values_list("status", flat=True)) == {"pending"}
    client.post("/admin/offers/offer/", {"action": "reject_selected", ACTION_CHECKBOX_NAME: ids, "apply": "1",
                                         "reason": "Phone number in the message"})
    for offer in Offer.objects.all():
        assert offer.status == "rejected" and offer.status_reason == "Phone number in the message"
        assert offer.events.last().reason == "Phone number in the message"


def test_a_bulk_action_reports_offers_it_could_not_change(client, prop, mod):
    pending = offer_in_state(prop=prop, buyer=BuyerFactory(), status="pending")
    withdrawn = offer_in_state(prop=prop, buyer=BuyerFactory(), status="withdrawn")
    client.force_login(mod)
    response = client.post("/admin/offers/offer/", {"action": "approve_selected",
                                                    ACTION_CHECKBOX_NAME: [pending.pk, withdrawn.pk]}, follow=True)
    text = response.content.decode()
    assert "Approved: 1." in text and f"#{withdrawn.pk}" in text
    withdrawn.refresh_from_db()
    assert withdrawn.status == "withdrawn"


def test_the_offer_page_in_the_admin_shows_the_timeline(client, prop, mod, buyer):
    offer = offer_in_state(prop=prop, buyer=buyer, status="pending")
    client.force_login(mod)
    page = client.get(f"/admin/offers/offer/{offer.pk}/change/")
    assert page.status_code == 200
    assert b"timeline" in page.content.lower() and b"submitted" in page.content


def test_staff_without_the_moderation_permission_cannot_act(client, prop, staff_without_permission):
    offer = offer_in_state(prop=prop, buyer=BuyerFactory(), status="pending")
    staff_without_permission.user_permissions.add(Permission.objects.get(codename="view_offer"))
    client.force_login(staff_without_permission)
    listing = client.get("/admin/offers/offer/")
    assert listing.status_code == 200 and b"approve_selected" not in listing.content
    client.post("/admin/offers/offer/", {"action": "approve_selected", ACTION_CHECKBOX_NAME: [offer.pk]})
    client.post("/admin/offers/offer/", {"action": "reject_selected", ACTION_CHECKBOX_NAME: [offer.pk],
                                         "apply": "1", "reason": "x"})
    offer.refresh_from_db()
    assert offer.status == "pending" and offer.events.count() == 1
    assert client.get("/admin/offers/pendingoffer/").status_code == 403


def test_non_staff_cannot_reach_the_moderation_queue(client, buyer):
    client.force_login(buyer)
    assert client.get("/admin/offers/pendingoffer/").status_code == 302  # to the admin login


def test_a_moderator_verifies_and_rejects_claims_in_bulk(client, prop, mod):
    claims = [OwnershipClaim.objects.create(property=prop, user=BuyerFactory(), statement="Mine") for _ in range(3)]
    client.force_login(mod)
    queue = client.get("/admin/offers/pendingclaim/?q=" + prop.external_id)
    assert {c.pk for c in queue.context["cl"].result_list} == {c.pk for c in claims}
    client.post("/admin/offers/pendingclaim/", {"action": "verify_selected", ACTION_CHECKBOX_NAME: [claims[0].pk]})
    client.post("/admin/offers/pendingclaim/", {"action": "reject_selected",
                                                ACTION_CHECKBOX_NAME: [c.pk for c in claims[1:]],
                                                "apply": "1", "reason": "No document"})
    statuses = [OwnershipClaim.objects.get(pk=c.pk).status for c in claims]
    assert statuses == [ClaimStatus.VERIFIED, ClaimStatus.REJECTED, ClaimStatus.REJECTED]
    assert OwnershipClaim.objects.get(pk=claims[0].pk).decided_by == mod


def test_the_offer_page_formats_the_amount_and_shows_the_buyers_and_the_propertys_other_offers(
        client, prop, mod, buyer):
    offer = offer_in_state(prop=prop, buyer=buyer, status="pending", amount=7_500_000)
    earlier = offer_in_state(prop=PropertyFactory(address="Annen vei 2"), buyer=buyer, status="declined",
                             amount=4_100_000)
    rival = offer_in_state(prop=prop, buyer=BuyerFactory(), status="approved", amount=7_900_000)
    client.force_login(mod)
    html = client.get(f"/admin/offers/offer/{offer.pk}/change/", HTTP_ACCEPT_LANGUAGE="en").text
    assert "7,500,000 kr" in html and "7500000" not in html
    buyers = html[html.index("field-buyer_other_offers"):html.index("field-property_other_offers")]
    assert f"/admin/offers/offer/{earlier.pk}/change/" in buyers and "4,100,000 kr" in buyers
    others = html[html.index("field-property_other_offers"):]
    assert f"/admin/offers/offer/{rival.pk}/change/" in others and "7,900,000 kr" in others
    listing = client.get("/admin/offers/offer/", HTTP_ACCEPT_LANGUAGE="en").text
    assert "7,500,000 kr" in listing


def test_a_moderator_approves_and_rejects_from_the_offers_own_page(client, prop, mod, buyer):
    first = offer_in_state(prop=prop, buyer=buyer, status="pending")
    second = offer_in_state(prop=PropertyFactory(), buyer=buyer, status="pending")
    client.force_login(mod)
    page = client.get(f"/admin/offers/offer/{first.pk}/change/").text
    assert 'id="offer-approve"' in page and 'id="offer-reject"' in page
    response = client.post(f"/admin/offers/offer/{first.pk}/approve/", follow=True)
    assert "Approved: #" in response.text
    assert Offer.objects.get(pk=first.pk).status == "approved"
    assert 'id="offer-approve"' not in response.text  # no longer waiting
    response = client.post(f"/admin/offers/offer/{second.pk}/reject/", {"reason": ""}, follow=True)
    assert Offer.objects.get(pk=second.pk).status == "pending" and "Not changed" in response.text
    client.post(f"/admin/offers/offer/{second.pk}/reject/", {"reason": "Amount looks mistyped"})
    second.refresh_from_db()
    assert second.status == "rejected" and second.status_reason == "Amount looks mistyped"
    assert client.get(f"/admin/offers/offer/{second.pk}/approve/").status_code == 405


def test_staff_without_the_permission_get_no_buttons_and_cannot_post(client, prop, staff_without_permission):
    offer = offer_in_state(prop=prop, buyer=BuyerFactory(), status="pending")
    staff_without_permission.user_permissions.add(Permission.objects.get(codename="view_offer"))
    client.force_login(staff_without_permission)
    assert 'id="offer-approve"' not in client.get(f"/admin/offers/offer/{offer.pk}/change/").text
    client.post(f"/admin/offers/offer/{offer.pk}/approve/")
    offer.refresh_from_db()
    assert offer.status == "pending"


def test_a_moderator_reads_the_moderation_actions_and_their_outcome_in_bokmal(client, prop, mod):
    # Given a moderator whose browser asks for Bokmål, one offer that can be approved and one that cannot
    pending = offer_in_state(prop=prop, buyer=BuyerFactory(), status="pending")
    withdrawn = offer_in_state(prop=prop, buyer=BuyerFactory(), status="withdrawn")
    client.force_login(mod)
    nb = {"HTTP_ACCEPT_LANGUAGE": "nb"}
    # When they open the queue, the actions are offered in Bokmål
    queue = client.get("/admin/offers/offer/", **nb).text
    assert "Godkjenn de valgte budene" in queue and "Avvis de valgte budene (med begrunnelse) …" in queue
    # and when they reject, the page asking for the reason is in Bokmål too
    asked = client.post("/admin/offers/offer/", {"action": "reject_selected", ACTION_CHECKBOX_NAME: [pending.pk]},
                        **nb).text
    assert "1 valgt:" in asked and "Begrunnelse (vises for brukeren)" in asked and 'value="Avvis"' in asked
    assert f"Bud #{pending.pk} på eiendom {prop.pk}: 5\u00a0000\u00a0000 kr (Venter på moderering)" in asked
    # Then approving both says in Bokmål what changed and what did not
    done = client.post("/admin/offers/offer/", {"action": "approve_selected",
                                                ACTION_CHECKBOX_NAME: [pending.pk, withdrawn.pk]}, follow=True, **nb)
    assert "Godkjent: 1." in done.text and f"Ikke endret: #{withdrawn.pk}: " in done.text
