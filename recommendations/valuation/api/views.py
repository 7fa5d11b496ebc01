from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from properties.models import Property

from .. import selectors
from .serializers import ValuationOutputSerializer


class PropertyValuationApi(APIView):
    """Estimate, 80 % interval, the main factors behind it and comparable recent sales nearby."""

    @extend_schema(operation_id="property_valuation", responses=ValuationOutputSerializer, tags=["valuation"])
    def get(self, request: Request, pk: int) -> Response:
        prop = get_object_or_404(Property, pk=pk)
        valuation = selectors.property_valuation(prop=prop)
        return Response(ValuationOutputSerializer(valuation).data)
