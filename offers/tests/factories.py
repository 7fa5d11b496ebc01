from __future__ import annotations

import datetime as dt

import factory
from django.contrib.auth.models import Permission
from django.utils import timezone

from accounts.tests.factories import UserFactory
from offers.models import ClaimStatus, Offer, OfferEvent, OfferStatus, OwnershipClaim
from properties.models import Property

HIGH_ACR = "urn:bankid:bid;LOA=4"


class PropertyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Property

    external_id = factory.Sequence(lambda n: f"0301-{n + 1}/{n % 50 + 1}/0/0")
    category = "residential"
    address = factory.Sequence(lambda n: f"Storgata {n + 1}")
    postcode = "0155"
    town = "Oslo"
    municipality_number = "0301"
    municipality_name = "Oslo"
    county_number = "03"
    county_name = "Oslo"
    lat = 59.91
    lon = 10.75
    source = "demo"


class BuyerFactory(UserFactory):
    email = factory.Sequence(lambda n: f"buyer{n}@example.no")
    email_confirmed_at = factory.LazyFunction(timezone.now)


def moderator(**kwargs):
    user = UserFactory(is_staff=True, email=kwargs.pop("email", "mod@example.no"), **kwargs)
    user.user_permissions.add(Permission.objects.get(codename="moderate", content_type__app_label="offers"))
    return type(user).objects.get(pk=user.pk)  # fresh permission cache


def verified_owner(prop, **kwargs):
    user = BuyerFactory(**kwargs)
    OwnershipClaim.objects.create(property=prop, user=user, statement="I own it", status=ClaimStatus.VERIFIED)
    return user


def offer_in_state(*, prop, buyer, status: str, amount: int = 5_000_000, is_anonymous: bool = True,
                   reveal: bool = False, past_validity: bool = False) -> Offer:
    """An offer put straight into `status` (with a one-line history), for the transition matrix."""
    now = timezone.now()
    valid_until = now - dt.timedelta(hours=1) if past_validity else now + dt.timedelta(days=30)
    approved = status in (OfferStatus.APPROVED, OfferStatus.ACCEPTED, OfferStatus.DECLINED)
    offer = Offer.objects.create(property=prop, buyer=buyer, amount=amount, status=status, is_anonymous=is_anonymous,
                                 reveal_identity_on_accept=reveal, valid_until=valid_until,
                                 approved_at=now if approved else None)
    OfferEvent.objects.create(offer=offer, kind=OfferEvent.Kind.SUBMITTED, actor=buyer, actor_role="buyer",
                              from_status="", to_status=status, amount=amount)
    return offer
