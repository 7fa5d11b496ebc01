"""The offer life cycle through the services: every transition by every actor, revisions, expiry,
the one-accepted rule, submit checks and claims."""
from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from offers import selectors, services
from offers.errors import (
    AssuranceTooLow,
    ClaimAlreadyOpen,
    ClaimNotPending,
    DailyLimitReached,
    InvalidOfferTransition,
    NotAllowed,
    OfferNotRevisable,
    PropertyAlreadyHasAcceptedOffer,
)
from offers.models import ClaimStatus, Offer, OfferEvent, OfferStatus, OwnershipClaim

from .factories import HIGH_ACR, BuyerFactory, PropertyFactory, offer_in_state

pytestmark = pytest.mark.django_db

ACTORS = ["buyer", "owner", "other", "staff_without_permission", "mod"]
# What each action is, who alone may do it, from which statuses, and where it leads.
ACTIONS = {
    "approve": ("mod", {"pending"}, "approved"),
    "reject": ("mod", {"pending"}, "rejected"),
    "accept": ("owner", {"approved"}, "accepted"),
    "decline": ("owner", {"approved"}, "declined"),
    "withdraw": ("buyer", {"pending", "approved", "accepted"}, "withdrawn"),
}


def run(action: str, offer: Offer, actor):
    if action == "approve":
        return services.offer_approve(offer=offer, moderator=actor)
    if action == "reject":
        return services.offer_reject(offer=offer, moderator=actor, reason="Contains contact details")
    if action == "accept":
        return services.offer_accept(offer=offer, owner=actor)
    if action == "decline":
        return services.offer_decline(offer=offer, owner=actor, reason="Not selling")
    return services.offer_withdraw(offer=offer, buyer=actor, reason="Changed my mind")


@pytest.mark.parametrize("status", OfferStatus.values)
@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize("actor_name", ACTORS)
def test_every_transition_by_every_actor(request, prop, buyer, owner, status, action, actor_name):
    actor = request.getfixturevalue(actor_name)
    offer = offer_in_state(prop=prop, buyer=buyer, status=status)
    events_before = offer.events.count()
    role, sources, target = ACTIONS[action]

    if actor_name != role:
        with pytest.raises(NotAllowed):
            run(action, offer, actor)
    elif status not in sources:
        with pytest.raises(InvalidOfferTransition) as exc:
            run(action, offer, actor)
        assert exc.value.status_code == 409 and exc.value.code == "invalid_offer_transition"
        assert exc.value.extra == {"from": status, "to": target}
    else:
        run(action, offer, actor)
        offer.refresh_from_db()
        assert offer.status == target
        event = offer.events.last()
        assert (event.from_status, event.to_status, event.actor, event.actor_role) == (
            status, target, actor, {"mod": "moderator"}.get(role, role))
        assert offer.events.count() == events_before + 1
        return
    offer.refresh_from_db()
    assert offer.status == status, "a refused change leaves the offer as it was"
    assert offer.events.count() == events_before


def test_full_flow_from_submit_to_accept_records_every_step(prop, buyer, owner, mod):
    offer, created = services.offer_submit(buyer=buyer, property=prop, amount=7_500_000, acr=HIGH_ACR)
    assert created and offer.status == OfferStatus.PENDING
    assert offer.valid_until - timezone.now() > dt.timedelta(days=29, hours=23)
    assert not selectors.offers_for_owner(user=owner).exists(), "owners do not see unmoderated offers"
    services.offer_approve(offer=offer, moderator=mod)
    assert list(selectors.offers_for_owner(user=owner)) == [offer]
    services.offer_accept(offer=offer, owner=owner)
    offer.refresh_from_db()
    assert offer.status == OfferStatus.ACCEPTED and offer.decided_at
    steps = [(e["from_status"], e["to_status"], e["actor"]) for e in selectors.timeline(offer=offer)]
    assert steps == [
        (None, "pending", "buyer"),
        ("pending", "approved", "moderator"),
        ("approved", "accepted", "owner"),
    ]


def test_a_second_offer_cannot_be_accepted_while_one_is(prop, owner):
    first = offer_in_state(prop=prop, buyer=BuyerFactory(), status="approved")
    second = offer_in_state(prop=prop, buyer=BuyerFactory(), status="approved")
    services.offer_accept(offer=first, owner=owner)
    with pytest.raises(PropertyAlreadyHasAcceptedOffer) as exc:
        services.offer_accept(offer=second, owner=owner)
    assert exc.value.status_code == 409 and exc.value.code == "property_has_accepted_offer"
    services.offer_withdraw(offer=first, buyer=first.buyer)
    services.offer_accept(offer=second, owner=owner)
    assert Offer.objects.filter(property=prop, status="accepted").get() == second


def test_the_database_refuses_two_accepted_offers_on_one_property(prop):
    offer_in_state(prop=prop, buyer=BuyerFactory(), status="accepted")
    with pytest.raises(IntegrityError), transaction.atomic():
        offer_in_state(prop=prop, buyer=BuyerFactory(), status="accepted")


def test_the_database_refuses_two_live_offers_by_one_buyer_on_one_property(prop, buyer):
    offer_in_state(prop=prop, buyer=buyer, status="approved")
    with pytest.raises(IntegrityError), transaction.atomic():
        offer_in_state(prop=prop, buyer=buyer, status="pending")
    offer_in_state(prop=prop, buyer=buyer, status="rejected")  # finished offers do not count


def test_a_new_amount_revises_the_live_offer_and_history_keeps_every_amount(prop, buyer, owner, mod):
    offer, _ = services.offer_submit(buyer=buyer, property=prop, amount=5_000_000, acr=HIGH_ACR)
    services.offer_approve(offer=offer, moderator=mod)
    revised, created = services.offer_submit(buyer=buyer, property=prop, amount=5_200_000, acr=HIGH_ACR,
                                             message="Final")
    assert not created and revised.pk == offer.pk
    assert revised.status == OfferStatus.PENDING and revised.approved_at is None
    assert not selectors.offers_for_owner(user=owner).exists(), "a new amount goes back to moderation"
    services.offer_submit(buyer=buyer, property=prop, amount=5_300_000, acr=HIGH_ACR)
    assert [e.amount for e in offer.events.all()] == [5_000_000, 5_000_000, 5_200_000, 5_300_000]
    assert Offer.objects.filter(buyer=buyer, property=prop).count() == 1


def test_an_accepted_offer_cannot_be_revised(prop, buyer):
    offer_in_state(prop=prop, buyer=buyer, status="accepted")
    with pytest.raises(OfferNotRevisable) as exc:
        services.offer_submit(buyer=buyer, property=prop, amount=9_000_000, acr=HIGH_ACR)
    assert exc.value.status_code == 409


@pytest.mark.parametrize("status", ["rejected", "declined", "withdrawn", "expired"])
def test_after_a_finished_offer_the_buyer_may_send_a_new_one(prop, buyer, status):
    old = offer_in_state(prop=prop, buyer=buyer, status=status)
    new, created = services.offer_submit(buyer=buyer, property=prop, amount=6_000_000, acr=HIGH_ACR)
    assert created and new.pk != old.pk


def test_offers_past_their_validity_expire_and_nothing_else_does(prop, buyer, owner):
    stale_pending = offer_in_state(prop=prop, buyer=BuyerFactory(), status="pending", past_validity=True)
    stale_approved = offer_in_state(prop=prop, buyer=BuyerFactory(), status="approved", past_validity=True)
    stale_accepted = offer_in_state(prop=prop, buyer=BuyerFactory(), status="accepted", past_validity=True)
    fresh = offer_in_state(prop=prop, buyer=buyer, status="approved")
    assert services.offers_expire() == 3, "an accepted offer lapses too (the owners are told)"
    assert services.offers_expire() == 0, "running twice changes nothing"
    statuses = {o.pk: o.status for o in Offer.objects.all()}
    assert statuses == {stale_pending.pk: "expired", stale_approved.pk: "expired",
                        stale_accepted.pk: "expired", fresh.pk: "approved"}
    event = stale_approved.events.last()
    assert (event.from_status, event.to_status, event.actor_role, event.actor) == (
        "approved",
        "expired",
        "system",
        None,
    )


def test_an_offer_past_its_validity_cannot_be_accepted_before_the_task_runs(prop, owner):
    offer = offer_in_state(prop=prop, buyer=BuyerFactory(), status="approved", past_validity=True)
    with pytest.raises(InvalidOfferTransition) as exc:
        services.offer_accept(offer=offer, owner=owner)
    assert exc.value.extra["expired"] is True


def test_expiry_is_scheduled_in_code(settings):
    from epty.celery import beat_schedule

    entry = beat_schedule()["offers-expire"]
    assert entry["task"] == "offers.tasks.offers_expire" and entry["schedule"] <= 3600


def test_the_expiry_task_calls_the_service(prop):
    from offers.tasks import offers_expire

    offer_in_state(prop=prop, buyer=BuyerFactory(), status="pending", past_validity=True)
    assert offers_expire() == 1


# --- submit checks -----------------------------------------------------------------------
@pytest.mark.parametrize("acr", [None, "", "urn:bankid:bis;LOA=3"])
def test_submitting_needs_the_configured_level_of_assurance(prop, buyer, acr):
    with pytest.raises(AssuranceTooLow) as exc:
        services.offer_submit(buyer=buyer, property=prop, amount=1_000_000, acr=acr)
    assert exc.value.status_code == 403 and exc.value.code == "bankid_assurance_required"
    assert not Offer.objects.exists()


def test_the_level_of_assurance_comes_from_settings(prop, buyer, settings):
    settings.OFFERS_REQUIRED_ACR = "urn:bankid:bid;LOA=4 urn:bankid:bis;LOA=3"
    offer, _ = services.offer_submit(buyer=buyer, property=prop, amount=1_000_000, acr="urn:bankid:bis;LOA=3")
    assert offer.pk


@pytest.mark.parametrize("amount, code", [(0, "amount_not_positive"), (-5, "amount_not_positive"),
                                          (1.5, "amount_not_whole"), ("7 mill", "amount_not_whole"),
                                          (True, "amount_not_whole"), (1_000_000_000, "amount_above_cap")])
def test_amounts_must_be_positive_whole_kroner_below_the_cap(prop, buyer, amount, code):
    with pytest.raises(ValidationError) as exc:
        services.offer_submit(buyer=buyer, property=prop, amount=amount, acr=HIGH_ACR)
    assert exc.value.error_dict["offer_amount"][0].code == code


def test_a_buyer_may_send_only_the_daily_limit_of_offers(prop, buyer, settings):
    settings.OFFERS_DAILY_LIMIT = 3
    for i in range(3):
        services.offer_submit(buyer=buyer, property=PropertyFactory(), amount=1_000_000 + i, acr=HIGH_ACR)
    with pytest.raises(DailyLimitReached) as exc:
        services.offer_submit(buyer=buyer, property=prop, amount=1_000_000, acr=HIGH_ACR)
    assert exc.value.status_code == 429 and exc.value.code == "offer_daily_limit"
    OfferEvent.objects.update(created_at=timezone.now() - dt.timedelta(hours=25))
    services.offer_submit(buyer=buyer, property=prop, amount=1_000_000, acr=HIGH_ACR)


def test_an_owner_cannot_offer_on_their_own_property(prop, owner):
    with pytest.raises(ValidationError) as exc:
        services.offer_submit(buyer=owner, property=prop, amount=1_000_000, acr=HIGH_ACR)
    assert exc.value.code == "own_property"


def test_validity_is_between_one_day_and_the_maximum(prop, buyer):
    with pytest.raises(ValidationError):
        services.offer_submit(buyer=buyer, property=prop, amount=1_000_000, acr=HIGH_ACR, valid_days=0)
    offer, _ = services.offer_submit(buyer=buyer, property=prop, amount=1_000_000, acr=HIGH_ACR, valid_days=7)
    assert dt.timedelta(days=6, hours=23) < offer.valid_until - timezone.now() <= dt.timedelta(days=7)


# --- claims --------------------------------------------------------------------------------------
def test_offers_on_an_unclaimed_property_wait_and_reach_the_owner_once_the_claim_is_verified(prop, buyer, mod,
                                                                                            mail_on_commit):
    offer, _ = services.offer_submit(buyer=buyer, property=prop, amount=4_000_000, acr=HIGH_ACR)
    services.offer_approve(offer=offer, moderator=mod)
    claimant = BuyerFactory(email="new.owner@example.no")
    claim = services.claim_submit(user=claimant, property=prop, statement="Inherited it in 2019")
    assert not selectors.offers_for_owner(user=claimant).exists()
    services.claim_verify(claim=claim, moderator=mod)
    assert list(selectors.offers_for_owner(user=claimant)) == [offer]
    to_owner = [m for m in mail_on_commit if m.to == ["new.owner@example.no"]]
    assert [m.subject for m in to_owner] == ["epty: your ownership claim was received",
                                             "epty: your ownership claim is verified"]
    assert "1 offer is waiting for you" in to_owner[1].body


def test_a_property_may_have_several_verified_owners(prop, mod):
    users = [BuyerFactory(), BuyerFactory()]
    for user in users:
        services.claim_verify(claim=services.claim_submit(user=user, property=prop, statement="Co-owner"),
                              moderator=mod)
    assert sorted(selectors.owner_ids(property_id=prop.pk)) == sorted(u.pk for u in users)


def test_claims_are_decided_once_by_moderators_only(prop, other, staff_without_permission, mod):
    claim = services.claim_submit(user=other, property=prop, statement="Mine")
    with pytest.raises(ClaimAlreadyOpen):
        services.claim_submit(user=other, property=prop, statement="Mine again")
    for actor in (other, staff_without_permission):
        with pytest.raises(NotAllowed):
            services.claim_verify(claim=claim, moderator=actor)
    with pytest.raises(ValidationError):
        services.claim_reject(claim=claim, moderator=mod, reason=" ")
    services.claim_reject(claim=claim, moderator=mod, reason="No proof")
    with pytest.raises(ClaimNotPending):
        services.claim_verify(claim=claim, moderator=mod)
    claim.refresh_from_db()
    assert (claim.status, claim.reason, claim.decided_by) == (ClaimStatus.REJECTED, "No proof", mod)
    services.claim_submit(user=other, property=prop, statement="Now with a deed")  # may try again
    assert OwnershipClaim.objects.filter(user=other).count() == 2


def test_rejecting_an_offer_needs_a_reason(prop, buyer, mod):
    offer = offer_in_state(prop=prop, buyer=buyer, status="pending")
    with pytest.raises(ValidationError) as exc:
        services.offer_reject(offer=offer, moderator=mod, reason="")
    assert exc.value.error_dict["reason"][0].code == "reason_required"
