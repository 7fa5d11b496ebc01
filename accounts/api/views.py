"""The accounts API: start a BankID login, the user's profile, export, deletion and API tokens."""
from __future__ import annotations

from django.conf import settings
from django.contrib import auth
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, permissions, status
from rest_framework.response import Response
from rest_framework.views import APIView

from epty.api.errors import ErrorSerializer
from epty.api.pagination import ordered_by, page_parameters
from epty.throttles import ScopedWriteThrottle

from .. import ratelimit, selectors, services
from ..errors import LoginUnavailable
from ..models import ApiToken
from ..oidc.authorize import bankid_authorization_url, safe_next
from ..oidc.errors import LoginFailed, ProviderUnavailable
from .serializers import (
    ApiTokenCreatedSerializer,
    ApiTokenCreateInputSerializer,
    ApiTokenOutputSerializer,
    ApiTokenPageSerializer,
    MeEmailChangeInputSerializer,
    MeEmailChangeOutputSerializer,
    MeOutputSerializer,
    MeUpdateInputSerializer,
)

TokenPagination = ordered_by("-created_at", "-id")


class AuthBankIDStartApi(APIView):
    """Redirects the browser to BankID (or to the local stand-in in development)."""

    authentication_classes: list = []
    permission_classes = [permissions.AllowAny]

    @extend_schema(
        operation_id="auth_bankid_start", tags=["auth"], auth=[],
        summary="Start a BankID login",
        description="Redirects (302) to the provider's authorization endpoint with state, nonce and PKCE (S256). "
                    "After login the browser returns to `next` (a path on this site) or the profile page.",
        parameters=[
            OpenApiParameter("next", OpenApiTypes.STR, description="Where to land after login: a path on this site."),
            OpenApiParameter("method", OpenApiTypes.STR, enum=["BID", "BIM", "BIS"],
                             description="BankID method hint: BID (code device), BIM (mobile), BIS (app)."),
        ],
        responses={302: OpenApiResponse(description="Redirect to the provider."),
                   429: ErrorSerializer, 503: ErrorSerializer},
    )
    def get(self, request):
        allowed, wait = ratelimit.allow("bankid-start", ratelimit.client_ip(request),
                                        limit=settings.BANKID_LOGIN_RATE, window=settings.BANKID_LOGIN_RATE_WINDOW)
        if not allowed:
            raise exceptions.Throttled(wait=wait, detail="Too many login attempts. Try again later.")
        django_request = request._request
        try:
            url = bankid_authorization_url(
                django_request, next_url=safe_next(django_request, request.query_params.get("next")),
                hint=request.query_params.get("method"))
        except (ProviderUnavailable, LoginFailed) as exc:
            raise LoginUnavailable("BankID login is not available right now.", extra={"reason": exc.reason}) from exc
        response = Response(status=status.HTTP_302_FOUND, headers={"Location": url})
        return response


class MeApi(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(operation_id="me_retrieve", tags=["me"], responses={200: MeOutputSerializer, 401: ErrorSerializer})
    def get(self, request):
        return Response(MeOutputSerializer(request.user).data)

    @extend_schema(operation_id="me_update", tags=["me"], request=MeUpdateInputSerializer,
                   responses={200: MeOutputSerializer, 400: ErrorSerializer, 401: ErrorSerializer})
    def patch(self, request):
        data = MeUpdateInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        prefs = data.validated_data.get("preferences")
        if prefs is not None:
            prefs = {**request.user.preferences, **prefs}
        user = services.user_profile_update(user=request.user, name=data.validated_data.get("name"),
                                            language=data.validated_data.get("language"), preferences=prefs,
                                            phone=data.validated_data.get("phone"))
        return Response(MeOutputSerializer(user).data)

    @extend_schema(operation_id="me_delete", tags=["me"], summary="Delete my account and personal data",
                   responses={204: None, 401: ErrorSerializer})
    def delete(self, request):
        user = request.user
        services.user_delete(user=user)
        if request._request.session:
            auth.logout(request._request)
        return Response(status=status.HTTP_204_NO_CONTENT)


class MeEmailChangeApi(APIView):
    """Ask for a confirmation link to a new e-mail address (alerts and offer news go there once confirmed)."""

    permission_classes = [permissions.IsAuthenticated]
    throttle_classes = [ScopedWriteThrottle]
    throttle_scope = "mail"

    @extend_schema(
        operation_id="me_email_change", tags=["me"], summary="Confirm a new e-mail address",
        description="Mails a confirmation link to `email`; the address is stored when the link is followed "
                    "(within two days, logged in as the same user). At most EMAIL_CONFIRM_DAILY_LIMIT such mails "
                    "per user in 24 hours (429 `email_confirm_limit`); requests that send e-mail are also "
                    "throttled (429 `throttled`).",
        request=MeEmailChangeInputSerializer,
        responses={202: MeEmailChangeOutputSerializer, 400: ErrorSerializer, 401: ErrorSerializer,
                   429: ErrorSerializer})
    def post(self, request):
        data = MeEmailChangeInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.user_email_change_request(user=request.user, email=data.validated_data["email"])
        return Response({"email": data.validated_data["email"]}, status=status.HTTP_202_ACCEPTED)


class MeExportApi(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(operation_id="me_export", tags=["me"], summary="Everything stored about me, as JSON",
                   responses={200: OpenApiTypes.OBJECT, 401: ErrorSerializer})
    def get(self, request):
        return Response(selectors.user_export(user=request.user),
                        headers={"Content-Disposition": 'attachment; filename="epty-export.json"'})


class ApiTokenListCreateApi(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(operation_id="me_tokens_list", tags=["me"], parameters=page_parameters(),
                   responses={200: ApiTokenPageSerializer, 401: ErrorSerializer})
    def get(self, request):
        paginator = TokenPagination()
        page = paginator.paginate_queryset(selectors.api_tokens_for(user=request.user), request, view=self)
        return paginator.get_paginated_response(ApiTokenOutputSerializer(page, many=True).data)

    @extend_schema(operation_id="me_tokens_create", tags=["me"], request=ApiTokenCreateInputSerializer,
                   responses={201: ApiTokenCreatedSerializer, 400: ErrorSerializer, 401: ErrorSerializer})
    def post(self, request):
        data = ApiTokenCreateInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        token, plain = services.api_token_create(user=request.user, name=data.validated_data["name"])
        return Response({**ApiTokenOutputSerializer(token).data, "token": plain}, status=status.HTTP_201_CREATED)


class ApiTokenRevokeApi(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(operation_id="me_tokens_revoke", tags=["me"], summary="Revoke a token; it stops working at once",
                   responses={204: None, 401: ErrorSerializer, 404: ErrorSerializer})
    def delete(self, request, token_id: int):
        get_object_or_404(ApiToken, user=request.user, pk=token_id)
        services.api_token_revoke(user=request.user, token_id=token_id)
        return Response(status=status.HTTP_204_NO_CONTENT)
