"""The photos API: anyone lists a property's photos; its verified owners upload, order, choose the cover and
delete (a property or photo someone may not manage is a 404, as on the pages)."""
from __future__ import annotations

from django.conf import settings
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import permissions, status
from rest_framework.generics import ListAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from epty.api.errors import ErrorSerializer
from epty.api.pagination import ordered_by, page_parameters
from epty.api.parsers import FormParser, JSONParser, MultiPartParser
from epty.throttles import ScopedWriteThrottle
from properties.models import Property

from .. import selectors, services
from .serializers import PhotoOrderInputSerializer, PhotoSerializer, PhotoUploadInputSerializer

WRITE_ERRORS = {400: ErrorSerializer, 401: ErrorSerializer, 403: ErrorSerializer, 404: ErrorSerializer,
                413: ErrorSerializer, 429: ErrorSerializer}


def _cover_id(property_id: int) -> int | None:
    cover = selectors.cover_of(list(selectors.photos_of_property(property_id=property_id)))
    return cover.pk if cover else None


class PropertyPhotoListApi(ListAPIView):
    """A property's photos in the owners' order (at most 20), files as absolute URLs. Photos hidden by staff are
    listed only to the property's verified owners and to staff."""

    serializer_class = PhotoSerializer
    pagination_class = ordered_by("position", "id")
    parser_classes = [MultiPartParser, FormParser, JSONParser]
    throttle_classes = [ScopedWriteThrottle]
    throttle_scope = "photo_upload"

    @property
    def max_body_bytes(self) -> int:
        return settings.PHOTO_MAX_UPLOAD_BYTES + 64 * 1024  # one photo and the multipart framing

    def get_permissions(self):
        if self.request.method == "POST":
            return [permissions.IsAuthenticated()]
        return [permissions.AllowAny()]

    def get_queryset(self):
        prop = get_object_or_404(Property, pk=self.kwargs["pk"])
        return selectors.photos_for_viewer(user=self.request.user, property_id=prop.pk)

    def get_serializer_context(self) -> dict:
        context = dict(super().get_serializer_context())
        if "pk" in self.kwargs:
            context["cover_id"] = _cover_id(self.kwargs["pk"])
        return context

    @extend_schema(operation_id="property_photos", tags=["photos"], summary="A property's photos",
                   parameters=page_parameters())
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(operation_id="property_photos_upload", tags=["photos"], summary="Add a photo (owners)",
                   description="A verified owner adds one photo. Refusals are 400 with a code: `photo_not_image`, "
                               "`photo_too_large`, `photo_too_many_pixels`, `photo_limit` (20 per property).",
                   request={"multipart/form-data": PhotoUploadInputSerializer},
                   responses={201: PhotoSerializer, **WRITE_ERRORS})
    def post(self, request, pk: int):
        prop = selectors.property_for_manager(user=request.user, property_id=pk)
        data = PhotoUploadInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        photo = services.photo_add(user=request.user, property_id=prop.pk, upload=data.validated_data["photo"])
        context = {"request": request, "cover_id": _cover_id(prop.pk)}
        return Response(PhotoSerializer(photo, context=context).data, status=status.HTTP_201_CREATED)


class PropertyPhotoOrderApi(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(operation_id="property_photos_order", tags=["photos"], summary="Order the photos (owners)",
                   request=PhotoOrderInputSerializer,
                   responses={200: PhotoSerializer(many=True), **WRITE_ERRORS})
    def put(self, request, pk: int):
        prop = selectors.property_for_manager(user=request.user, property_id=pk)
        data = PhotoOrderInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.photos_reorder(user=request.user, property_id=prop.pk, keys=data.validated_data["order"])
        photos = selectors.photos_of_property(property_id=prop.pk, include_hidden=True)
        context = {"request": request, "cover_id": _cover_id(prop.pk)}
        return Response(PhotoSerializer(photos, many=True, context=context).data)


class PhotoDeleteApi(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(operation_id="photos_delete", tags=["photos"], summary="Delete a photo (owners)",
                   description="Its files are removed from storage.", request=None,
                   responses={204: None, **WRITE_ERRORS})
    def delete(self, request, key: str):
        photo = selectors.photo_for_owner(user=request.user, key=key)
        services.photo_delete(user=request.user, photo=photo)
        return Response(status=status.HTTP_204_NO_CONTENT)


class PhotoCoverApi(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(operation_id="photos_cover", tags=["photos"], summary="Make a photo the cover (owners)",
                   request=None, responses={200: PhotoSerializer, **WRITE_ERRORS})
    def post(self, request, key: str):
        photo = selectors.photo_for_owner(user=request.user, key=key)
        services.photo_set_cover(user=request.user, photo=photo)
        photo.refresh_from_db()
        context = {"request": request, "cover_id": _cover_id(photo.property_id)}
        return Response(PhotoSerializer(photo, context=context).data)
