from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from epty.numbers import whole_number

from .. import selectors
from ..models import NON_BINDING_NOTICE, OwnershipClaim


@extend_schema_field(OpenApiTypes.INT)
class AmountField(serializers.Field):
    """Whole NOK. Passed through as given; the service says precisely what is wrong with it."""

    def to_internal_value(self, data):
        number = whole_number(data) if isinstance(data, str) else None
        return data if number is None else number

    def to_representation(self, value):
        return value


PROPERTY_ID_HELP = ("epty's property id (12345), the matrikkel number (0301-207/80/0/0) or the Matrikkelen id "
                    "(matrikkelen_123456789). An unknown one is a 404 property_not_found.")


class OfferSubmitInputSerializer(serializers.Serializer):
    property_id = serializers.CharField(max_length=40, help_text=PROPERTY_ID_HELP)
    buyer_id = serializers.CharField(
        required=False, max_length=20,
        help_text="Optional: the buyer is always the logged-in user. If given it must be the caller's own user id; "
                  "another is a 403 buyer_mismatch.")
    offer_amount = AmountField(help_text="Whole NOK, more than 0 and below the sanity cap.")
    message = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)
    is_anonymous = serializers.BooleanField(required=False, default=True)
    reveal_identity_on_accept = serializers.BooleanField(
        required=False, default=False, help_text="Show my name and e-mail to the owner if the offer is accepted.")
    valid_days = serializers.IntegerField(required=False, allow_null=True, default=None,
                                          help_text="Days the offer stands (default from settings, 30).")


class ReasonInputSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=1000)


class PropertyRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    external_id = serializers.CharField()
    address = serializers.CharField()
    municipality_name = serializers.CharField()


class TimelineEntrySerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    kind = serializers.CharField(help_text="submitted, revised, transition, or after an accept contact_yes, "
                                           "contact_no, contact_revoked, contacts_shared.")
    actor = serializers.CharField(help_text="buyer, owner, moderator or system; never a person.")
    from_status = serializers.CharField(allow_null=True)
    to_status = serializers.CharField()
    amount = serializers.IntegerField()
    reason = serializers.CharField()


class _OfferBaseSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    property = PropertyRefSerializer()
    offer_amount = serializers.IntegerField(source="amount")
    message = serializers.CharField()
    status = serializers.CharField()
    status_reason = serializers.CharField()
    valid_until = serializers.DateTimeField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    non_binding_notice = serializers.SerializerMethodField()

    def get_non_binding_notice(self, offer) -> str:
        return str(NON_BINDING_NOTICE)


class BuyerOfferOutputSerializer(_OfferBaseSerializer):
    """An offer as its buyer sees it."""

    is_anonymous = serializers.BooleanField()
    reveal_identity_on_accept = serializers.BooleanField()


class BuyerViewSerializer(serializers.Serializer):
    display = serializers.CharField(help_text='"verified buyer" unless the identity is revealed.')
    name = serializers.CharField(allow_null=True)
    email = serializers.CharField(allow_null=True)


class OwnerOfferOutputSerializer(_OfferBaseSerializer):
    """An offer as an owner sees it: the buyer only as selectors.buyer_for_owner allows."""

    buyer = serializers.SerializerMethodField()

    @extend_schema_field(BuyerViewSerializer)
    def get_buyer(self, offer) -> dict:
        view = selectors.buyer_for_owner(offer)
        return {"display": view.display, "name": view.name, "email": view.email}


class ContactSerializer(serializers.Serializer):
    name = serializers.CharField()
    email = serializers.CharField(allow_null=True)
    phone = serializers.CharField(allow_null=True)


class ContactStateSerializer(serializers.Serializer):
    open = serializers.BooleanField(help_text="Whether the question is open: the offer is accepted, nothing shared.")
    you_agreed = serializers.BooleanField()
    they_agreed = serializers.BooleanField()
    shared = serializers.BooleanField(help_text="Both agreed: each side sees the other's details.")
    other = ContactSerializer(allow_null=True, help_text="The other side's details; null until both agreed.")


def _contacts(offer, role: str) -> dict:
    state = selectors.contact_state(offer=offer, role=role)
    other = state["other"]
    return {**state, "other": None if other is None else {"name": other.name, "email": other.email,
                                                          "phone": other.phone}}


class BuyerOfferDetailSerializer(BuyerOfferOutputSerializer):
    role = serializers.SerializerMethodField()
    timeline = serializers.SerializerMethodField()
    contacts = serializers.SerializerMethodField()

    def get_role(self, offer) -> str:
        return "buyer"

    @extend_schema_field(ContactStateSerializer)
    def get_contacts(self, offer) -> dict:
        return _contacts(offer, "buyer")

    @extend_schema_field(TimelineEntrySerializer(many=True))
    def get_timeline(self, offer):
        return TimelineEntrySerializer(selectors.timeline(offer=offer), many=True).data


class OwnerOfferDetailSerializer(OwnerOfferOutputSerializer):
    role = serializers.SerializerMethodField()
    timeline = serializers.SerializerMethodField()
    contacts = serializers.SerializerMethodField()
    meets_your_price = serializers.SerializerMethodField()

    def get_role(self, offer) -> str:
        return "owner"

    @extend_schema_field(ContactStateSerializer)
    def get_contacts(self, offer) -> dict:
        return _contacts(offer, "owner")

    def get_meets_your_price(self, offer) -> bool:
        """At or above your reserve price (owners only; buyers never see this nor the reserve)."""
        return selectors.offer_meets_reserve(offer)

    @extend_schema_field(TimelineEntrySerializer(many=True))
    def get_timeline(self, offer):
        return TimelineEntrySerializer(selectors.timeline(offer=offer), many=True).data


class ClaimSubmitInputSerializer(serializers.Serializer):
    property_id = serializers.CharField(max_length=40, help_text=PROPERTY_ID_HELP)
    statement = serializers.CharField(max_length=2000, help_text="Briefly, why you own the property.")
    document = serializers.FileField(required=False, allow_null=True, help_text="PDF, JPEG or PNG, at most 10 MB.")


class ClaimOutputSerializer(serializers.ModelSerializer):
    property = PropertyRefSerializer()
    has_document = serializers.SerializerMethodField()

    class Meta:
        model = OwnershipClaim
        fields = ["id", "property", "statement", "status", "reason", "has_document", "decided_at", "created_at"]

    def get_has_document(self, claim) -> bool:
        return bool(claim.document)


class BuyerOfferPageSerializer(serializers.Serializer):
    next = serializers.URLField(allow_null=True, help_text="The next page's URL; null on the last page.")
    results = BuyerOfferOutputSerializer(many=True)


class OwnerOfferPageSerializer(serializers.Serializer):
    next = serializers.URLField(allow_null=True, help_text="The next page's URL; null on the last page.")
    results = OwnerOfferOutputSerializer(many=True)


class ClaimPageSerializer(serializers.Serializer):
    next = serializers.URLField(allow_null=True, help_text="The next page's URL; null on the last page.")
    results = ClaimOutputSerializer(many=True)


class ContactAnswerInputSerializer(serializers.Serializer):
    share = serializers.BooleanField(help_text="true: share my contact details once the other side agrees too; "
                                               "false: no, or take a yes back (before both agreed).")


class OpennessInputSerializer(serializers.Serializer):
    open_to_offers = serializers.BooleanField()
    reserve = AmountField(required=False, allow_null=True, default=None,
                          help_text="Private reserve price, whole NOK; null for none. Buyers never see it.")


class OpennessOutputSerializer(serializers.Serializer):
    property_id = serializers.IntegerField()
    open_to_offers = serializers.BooleanField()
    open_since = serializers.DateTimeField(allow_null=True)
    reserve = serializers.IntegerField(allow_null=True)


class OffersByStateSerializer(serializers.Serializer):
    status = serializers.CharField()
    count = serializers.IntegerField()


class OwnerPropertySerializer(serializers.Serializer):
    """One property on the owner's dashboard: counts only, never who."""

    property = PropertyRefSerializer()
    estimate = serializers.IntegerField(allow_null=True, source="property.estimate")
    open_to_offers = serializers.BooleanField()
    reserve = serializers.IntegerField(allow_null=True, help_text="Private to the owners.")
    offers = OffersByStateSerializer(many=True, help_text="Offers visible to owners, by status.")
    meets_reserve = serializers.IntegerField(help_text="Approved offers at or above the reserve.")
    saved = serializers.IntegerField(help_text="People who saved the property.")
    views_week = serializers.IntegerField(help_text="Views of the property's page in the last 7 days, "
                                                    "the owners' own not counted.")


class OwnerPropertyPageSerializer(serializers.Serializer):
    next = serializers.URLField(allow_null=True, help_text="The next page's URL; null on the last page.")
    results = OwnerPropertySerializer(many=True)
