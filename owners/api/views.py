"""The owners API: a verified owner reads and changes the facts and description of their property.

Anyone else (another user, an anonymous client, a property that does not exist) gets the same 404.
"""
from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from epty.api.errors import ErrorSerializer
from epty.throttles import ScopedWriteThrottle

from .. import selectors, services
from ..errors import NotAnOwner
from .serializers import OwnerFactsInputSerializer, OwnerFactsOutputSerializer

ERRORS = {400: ErrorSerializer, 404: ErrorSerializer}


def _output(prop) -> Response:
    description = selectors.owner_description(prop=prop)
    return Response(OwnerFactsOutputSerializer({
        "property_id": prop.pk,
        "facts": selectors.owner_fact_provenance(prop=prop),
        "description": description.text if description else "",
        "description_hidden": bool(description and description.is_hidden),
        "description_hidden_reason": description.hidden_reason if description else "",
    }).data)


class OwnerFactsApi(APIView):
    """GET: the facts in force with their provenance; PATCH: correct or add facts and the description."""

    throttle_classes = [ScopedWriteThrottle]
    throttle_scope = "owner_facts"

    def _owned(self, request, property_id: int):
        if not request.user.is_authenticated:
            raise NotAnOwner("Not found.")
        return selectors.owned_property(user=request.user, property_id=property_id)

    @extend_schema(operation_id="owners_facts_retrieve", tags=["owners"], summary="My property's facts, as owner",
                   responses={200: OwnerFactsOutputSerializer, 404: ErrorSerializer})
    def get(self, request, property_id: int):
        return _output(self._owned(request, property_id))

    @extend_schema(operation_id="owners_facts_update", tags=["owners"], summary="Correct or add facts, as owner",
                   description="Errors per field with stable codes: invalid_number, out_of_range, "
                               "bedrooms_exceed_rooms, renovated_before_built, unknown_feature, invalid_features, "
                               "description_too_long, unknown_fact.",
                   request=OwnerFactsInputSerializer, responses={200: OwnerFactsOutputSerializer, **ERRORS})
    def patch(self, request, property_id: int):
        prop = self._owned(request, property_id)
        if not isinstance(request.data, dict):
            raise ValidationError(_("Send the facts as a JSON object."), code="invalid")
        data = OwnerFactsInputSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        unknown = {key: request.data[key] for key in request.data if key not in data.fields}
        prop = services.owner_facts_update(user=request.user, property_id=prop.pk,
                                           values={**data.validated_data, **unknown})
        return _output(prop)
