"""The offers API: submit and revise, my offers, offers received as owner, detail with timeline,
withdraw, accept, decline; ownership claims.

Submitting needs a BankID *session* at the level of assurance in OFFERS_REQUIRED_ACR. API tokens
do not carry a level of assurance, so token requests cannot submit offers (403
bankid_assurance_required); everything else works with a token.
"""
from __future__ import annotations

from typing import Any

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import permissions, status
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.api.authentication import ApiTokenAuthentication
from epty.api.errors import ErrorSerializer
from epty.api.pagination import ordered_by, page_parameters
from epty.api.parsers import FormParser, JSONParser, MultiPartParser
from epty.numbers import whole_number
from epty.throttles import ScopedWriteThrottle

from .. import selectors, services
from ..errors import BuyerMismatch, PropertyNotFound
from ..filters import OfferFilter
from ..models import Actor
from .serializers import (
    BuyerOfferDetailSerializer,
    BuyerOfferOutputSerializer,
    BuyerOfferPageSerializer,
    ClaimOutputSerializer,
    ClaimPageSerializer,
    ClaimSubmitInputSerializer,
    ContactAnswerInputSerializer,
    OfferSubmitInputSerializer,
    OpennessInputSerializer,
    OpennessOutputSerializer,
    OwnerOfferDetailSerializer,
    OwnerOfferOutputSerializer,
    OwnerOfferPageSerializer,
    OwnerPropertyPageSerializer,
    OwnerPropertySerializer,
    ReasonInputSerializer,
)

ERRORS = {400: ErrorSerializer, 401: ErrorSerializer, 403: ErrorSerializer, 404: ErrorSerializer,
          409: ErrorSerializer, 429: ErrorSerializer}  # 429: every write sends e-mail and is throttled
LIST_PARAMETERS = [
    OpenApiParameter("status", OpenApiTypes.STR, many=True, description="Only offers in these statuses."),
    OpenApiParameter("property", OpenApiTypes.INT, description="Only offers on this property id."),
    *page_parameters(),
]


def session_acr(request) -> str | None:
    """The level of assurance of the BankID login behind this request; None for API tokens."""
    if isinstance(request.successful_authenticator, ApiTokenAuthentication):
        return None
    session = getattr(request._request, "session", None)
    return session.get("bankid_acr") if session is not None else None


OfferPagination = ordered_by("-created_at", "-id")
ClaimPagination = ordered_by("-created_at", "-id")
OwnedPagination = ordered_by("-created_at", "-id")


def _paginated(view: APIView, request, queryset, serializer_class, pagination=OfferPagination):
    paginator = pagination()
    page: list[Any] | None = paginator.paginate_queryset(queryset, request, view=view)
    return paginator.get_paginated_response(serializer_class(page, many=True).data)


class OfferListSubmitApi(APIView):
    permission_classes = [permissions.IsAuthenticated]
    throttle_classes = [ScopedWriteThrottle]  # it sends e-mail
    throttle_scope = "mail"
    repeatable_parameters = frozenset({"status"})

    @extend_schema(operation_id="offers_mine", tags=["offers"], summary="My offers (as buyer)",
                   parameters=LIST_PARAMETERS, responses={200: BuyerOfferPageSerializer, 401: ErrorSerializer})
    def get(self, request):
        offers = OfferFilter(request.query_params, queryset=selectors.offers_for_buyer(user=request.user)).qs
        return _paginated(self, request, offers, BuyerOfferOutputSerializer)

    @extend_schema(
        operation_id="offers_submit", tags=["offers"], summary="Send an offer, or revise my live offer",
        description="A non-binding expression of interest. The buyer is always the logged-in user: a `buyer_id` in "
                    "the body must be the caller's own id (another is a 403 buyer_mismatch). `property_id` takes "
                    "epty's id, the matrikkel number or the Matrikkelen id (an unknown one is a 404 "
                    "property_not_found that lists these forms). Needs a BankID login at the configured level of "
                    "assurance; API tokens cannot submit. A second offer on the same property revises the live one "
                    "(200) and sends it back to moderation; the history keeps every amount.",
        request=OfferSubmitInputSerializer,
        responses={201: BuyerOfferDetailSerializer, 200: BuyerOfferDetailSerializer,
                   429: ErrorSerializer, **ERRORS},
    )
    def post(self, request):
        data = OfferSubmitInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        if "buyer_id" in values and whole_number(values["buyer_id"]) != request.user.pk:
            raise BuyerMismatch(str(_("buyer_id is not you: an offer is always sent by the logged-in user. Leave "
                                      "buyer_id out, or give your own user id.")))
        prop = selectors.property_by_ref(values["property_id"])
        offer, created = services.offer_submit(
            buyer=request.user, property=prop, amount=values["offer_amount"], acr=session_acr(request),
            message=values["message"], is_anonymous=values["is_anonymous"],
            reveal_identity_on_accept=values["reveal_identity_on_accept"], valid_days=values["valid_days"])
        return Response(BuyerOfferDetailSerializer(offer).data,
                        status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


class OfferReceivedListApi(APIView):
    permission_classes = [permissions.IsAuthenticated]
    repeatable_parameters = frozenset({"status"})

    @extend_schema(operation_id="offers_received", tags=["offers"], summary="Offers on properties I own",
                   description="Approved offers on properties where I am a verified owner. Anonymous buyers appear "
                               "as \"verified buyer\".",
                   parameters=LIST_PARAMETERS, responses={200: OwnerOfferPageSerializer, 401: ErrorSerializer})
    def get(self, request):
        offers = OfferFilter(request.query_params, queryset=selectors.offers_for_owner(user=request.user)).qs
        return _paginated(self, request, offers, OwnerOfferOutputSerializer)


def _detail(offer, role):
    serializer = BuyerOfferDetailSerializer if role == Actor.BUYER else OwnerOfferDetailSerializer
    return Response(serializer(offer).data)


class OfferDetailApi(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(operation_id="offers_get", tags=["offers"], summary="One offer with its timeline",
                   description="The buyer's view or, for a verified owner, the owner's view (see `role`).",
                   responses={200: OpenApiResponse(BuyerOfferDetailSerializer, description="Buyer's or owner's view"),
                              401: ErrorSerializer, 404: ErrorSerializer})
    def get(self, request, offer_id: int):
        offer, role = selectors.offer_for_viewer(user=request.user, offer_id=offer_id)
        return _detail(offer, role)


class OfferWithdrawApi(APIView):
    permission_classes = [permissions.IsAuthenticated]
    throttle_classes = [ScopedWriteThrottle]  # it sends e-mail
    throttle_scope = "mail"

    @extend_schema(operation_id="offers_withdraw", tags=["offers"], summary="Withdraw my offer",
                   request=ReasonInputSerializer, responses={200: BuyerOfferDetailSerializer, **ERRORS})
    def post(self, request, offer_id: int):
        data = ReasonInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        offer, role = selectors.offer_for_viewer(user=request.user, offer_id=offer_id)
        offer = services.offer_withdraw(offer=offer, buyer=request.user, reason=data.validated_data["reason"])
        return _detail(offer, role)


class OfferAcceptApi(APIView):
    permission_classes = [permissions.IsAuthenticated]
    throttle_classes = [ScopedWriteThrottle]  # it sends e-mail
    throttle_scope = "mail"

    @extend_schema(operation_id="offers_accept", tags=["offers"], summary="Accept an offer on my property",
                   description="At most one offer per property can be accepted (409 property_has_accepted_offer).",
                   request=None, responses={200: OwnerOfferDetailSerializer, **ERRORS})
    def post(self, request, offer_id: int):
        offer, role = selectors.offer_for_viewer(user=request.user, offer_id=offer_id)
        offer = services.offer_accept(offer=offer, owner=request.user)
        return _detail(offer, role)


class OfferDeclineApi(APIView):
    permission_classes = [permissions.IsAuthenticated]
    throttle_classes = [ScopedWriteThrottle]  # it sends e-mail
    throttle_scope = "mail"

    @extend_schema(operation_id="offers_decline", tags=["offers"], summary="Decline an offer on my property",
                   request=ReasonInputSerializer, responses={200: OwnerOfferDetailSerializer, **ERRORS})
    def post(self, request, offer_id: int):
        data = ReasonInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        offer, role = selectors.offer_for_viewer(user=request.user, offer_id=offer_id)
        offer = services.offer_decline(offer=offer, owner=request.user, reason=data.validated_data["reason"])
        return _detail(offer, role)


class ClaimListSubmitApi(APIView):
    permission_classes = [permissions.IsAuthenticated]
    throttle_classes = [ScopedWriteThrottle]  # it sends e-mail
    throttle_scope = "mail"
    parser_classes = [MultiPartParser, FormParser, JSONParser]
    max_body_bytes = 11 * 1024 * 1024  # a claim's document may be 10 MB

    @extend_schema(operation_id="claims_mine", tags=["offers"], summary="My ownership claims",
                   parameters=page_parameters(), responses={200: ClaimPageSerializer, 401: ErrorSerializer})
    def get(self, request):
        return _paginated(self, request, selectors.claims_for_user(user=request.user), ClaimOutputSerializer,
                          pagination=ClaimPagination)

    @extend_schema(operation_id="claims_submit", tags=["offers"], summary="Claim a property as its owner",
                   description="Staff verify or reject the claim. "
                               "A verified owner sees approved offers on the property.",
                   request={"multipart/form-data": ClaimSubmitInputSerializer,
                            "application/json": ClaimSubmitInputSerializer},
                   responses={201: ClaimOutputSerializer, **ERRORS})
    def post(self, request):
        data = ClaimSubmitInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        prop = selectors.property_by_ref(data.validated_data["property_id"])
        claim = services.claim_submit(user=request.user, property=prop, statement=data.validated_data["statement"],
                                      document=data.validated_data.get("document"))
        return Response(ClaimOutputSerializer(claim).data, status=status.HTTP_201_CREATED)


class ClaimDetailApi(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(operation_id="claims_get", tags=["offers"], summary="One of my ownership claims",
                   responses={200: ClaimOutputSerializer, 401: ErrorSerializer, 404: ErrorSerializer})
    def get(self, request, claim_id: int):
        claim = get_object_or_404(selectors.claims_for_user(user=request.user), pk=claim_id)
        return Response(ClaimOutputSerializer(claim).data)


class OfferContactsApi(APIView):
    permission_classes = [permissions.IsAuthenticated]
    throttle_classes = [ScopedWriteThrottle]  # it sends e-mail
    throttle_scope = "mail"

    @extend_schema(operation_id="offers_contacts", tags=["offers"], summary="Share contact details after an accept?",
                   description="The buyer's or a verified owner's answer on an accepted offer. Nothing is shared until "
                               "both sides said yes; then `contacts.other` holds the other side's name, e-mail and "
                               "phone and the answers are final (409 contacts_already_shared). 409 contacts_not_open "
                               "before an accept.",
                   request=ContactAnswerInputSerializer, responses={200: BuyerOfferDetailSerializer, **ERRORS})
    def post(self, request, offer_id: int):
        data = ContactAnswerInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        offer, role = selectors.offer_for_viewer(user=request.user, offer_id=offer_id)
        offer = services.offer_contact_answer(offer=offer, user=request.user, agree=data.validated_data["share"])
        return _detail(offer, role)


def _openness(prop) -> dict:
    openness = selectors.openness_for(property_id=prop.pk)
    return {"property_id": prop.pk, "open_to_offers": openness is not None,
            "open_since": openness.opened_at if openness else None, "reserve": openness.reserve if openness else None}


class PropertyOpennessApi(APIView):
    permission_classes = [permissions.IsAuthenticated]
    throttle_classes = [ScopedWriteThrottle]
    throttle_scope = "mail"

    def _owned(self, request, property_id):
        prop = selectors.property_by_ref(property_id)
        if not selectors.is_verified_owner(user=request.user, property_id=prop.pk):
            raise PropertyNotFound()  # not an owner: as if there were nothing here
        return prop

    @extend_schema(operation_id="offers_openness_get", tags=["offers"], summary="Open to offers? (owners)",
                   description="Whether the property is open to offers and its private reserve price. Verified "
                               "owners only; anyone else gets 404.",
                   responses={200: OpennessOutputSerializer, 401: ErrorSerializer, 404: ErrorSerializer})
    def get(self, request, property_id: int):
        return Response(OpennessOutputSerializer(_openness(self._owned(request, property_id))).data)

    @extend_schema(operation_id="offers_openness_set", tags=["offers"], summary="Open or close to offers (owners)",
                   description="Open the property to offers with an optional private reserve price, change the "
                               "reserve, or close it (`open_to_offers: false`; the reserve goes too). Shared by the "
                               "property's verified owners. 400 invalid_reserve.",
                   request=OpennessInputSerializer, responses={200: OpennessOutputSerializer, **ERRORS})
    def put(self, request, property_id: int):
        prop = self._owned(request, property_id)
        data = OpennessInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.property_openness_set(property=prop, owner=request.user,
                                       open=data.validated_data["open_to_offers"],
                                       reserve=data.validated_data["reserve"])
        return Response(OpennessOutputSerializer(_openness(prop)).data)


class OwnerPropertiesApi(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(operation_id="offers_owner_properties", tags=["offers"], summary="My properties (owner's dashboard)",
                   description="Each property I am a verified owner of: estimate, openness and private reserve, "
                               "offers by status, how many people saved it and how many times its page was viewed "
                               "this week. Counts only, never who.",
                   parameters=page_parameters(),
                   responses={200: OwnerPropertyPageSerializer, 400: ErrorSerializer, 401: ErrorSerializer})
    def get(self, request):
        paginator = OwnedPagination()
        claims = paginator.paginate_queryset(selectors.owner_claims(user=request.user), request, view=self)
        rows = [{**row, "open_to_offers": row["openness"] is not None,
                 "reserve": row["openness"].reserve if row["openness"] else None}
                for row in selectors.owner_dashboard(user=request.user, claims=claims)]
        return paginator.get_paginated_response(OwnerPropertySerializer(rows, many=True).data)
