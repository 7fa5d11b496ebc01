from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from properties.models import Property

from .. import selectors
from .serializers import PhotoListSerializer


class PropertyPhotoListApi(APIView):
    """A property's photos in the owners' order, files as absolute URLs. Photos hidden by staff are listed only
    to the property's verified owners and to staff."""

    @extend_schema(operation_id="property_photos", responses=PhotoListSerializer, tags=["photos"])
    def get(self, request: Request, pk: int) -> Response:
        prop = get_object_or_404(Property, pk=pk)
        photos = list(selectors.photos_for_viewer(user=request.user, property_id=prop.pk))
        cover = selectors.cover_of(photos)
        results = [{
            "key": p.key, "position": index, "is_cover": cover is not None and p.pk == cover.pk,
            "width": p.width, "height": p.height, "hidden": p.hidden,
            "urls": {size: request.build_absolute_uri(url) for size, url in selectors.photo_urls(p).items()},
        } for index, p in enumerate(photos)]
        return Response(PhotoListSerializer({"next": None, "results": results}).data)
