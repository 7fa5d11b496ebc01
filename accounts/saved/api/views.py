"""API for collections, saved searches and search history. Everything is scoped to the caller:
another user's object is a 404."""
from __future__ import annotations

from typing import cast

from drf_spectacular.utils import extend_schema
from rest_framework import permissions, status
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from accounts.models import User
from epty.api.errors import ErrorSerializer
from epty.api.pagination import ordered_by

from .. import selectors, services
from ..models import Collection, SavedProperty
from .serializers import (
    CollectionInputSerializer,
    CollectionOutputSerializer,
    SavedPropertyAddInputSerializer,
    SavedPropertyMoveInputSerializer,
    SavedPropertyOutputSerializer,
    SavedPropertyUpdateInputSerializer,
    SavedSearchCreateInputSerializer,
    SavedSearchOutputSerializer,
    SavedSearchUpdateInputSerializer,
    SearchHistoryOutputSerializer,
)

ERRORS = {400: ErrorSerializer, 401: ErrorSerializer, 404: ErrorSerializer}


NewestFirst = ordered_by("-id")
NameFirst = ordered_by("-is_default", "name", "id")


def _valid(serializer_class, data):
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


class _Authenticated(GenericAPIView):
    permission_classes = [permissions.IsAuthenticated]


# --- collections ---------------------------------------------------------------------------------
class CollectionListCreateApi(_Authenticated):
    serializer_class = CollectionOutputSerializer
    pagination_class = NameFirst

    def get_queryset(self):
        user = cast(User, self.request.user)  # IsAuthenticated: never anonymous here
        services.collection_default_get(user=user)
        return selectors.collections_for(user=user)

    @extend_schema(operation_id="collections_list", tags=["collections"], summary="My collections",
                   responses={200: CollectionOutputSerializer(many=True), 401: ErrorSerializer})
    def get(self, request):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(CollectionOutputSerializer(page, many=True).data)

    @extend_schema(operation_id="collections_create", tags=["collections"], summary="Create a collection",
                   request=CollectionInputSerializer, responses={201: CollectionOutputSerializer, **ERRORS})
    def post(self, request):
        data = _valid(CollectionInputSerializer, request.data)
        collection = services.collection_create(user=request.user, name=data["name"])
        collection = selectors.collections_for(user=request.user).get(pk=collection.pk)
        return Response(CollectionOutputSerializer(collection).data, status=status.HTTP_201_CREATED)


class CollectionDetailApi(_Authenticated):
    serializer_class = CollectionOutputSerializer

    @extend_schema(
        operation_id="collections_get", tags=["collections"], responses={200: CollectionOutputSerializer, **ERRORS}
    )
    def get(self, request, collection_id: int):
        collection = services.owned(selectors.collections_for(user=request.user), pk=collection_id)
        return Response(CollectionOutputSerializer(collection).data)

    @extend_schema(operation_id="collections_rename", tags=["collections"], summary="Rename a collection",
                   request=CollectionInputSerializer, responses={200: CollectionOutputSerializer, **ERRORS})
    def patch(self, request, collection_id: int):
        data = _valid(CollectionInputSerializer, request.data)
        services.collection_rename(user=request.user, collection_id=collection_id, name=data["name"])
        collection = selectors.collections_for(user=request.user).get(pk=collection_id)
        return Response(CollectionOutputSerializer(collection).data)

    @extend_schema(operation_id="collections_delete", tags=["collections"], summary="Delete a collection and its items",
                   responses={204: None, 409: ErrorSerializer, **ERRORS})
    def delete(self, request, collection_id: int):
        services.collection_delete(user=request.user, collection_id=collection_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class CollectionItemListCreateApi(_Authenticated):
    serializer_class = SavedPropertyOutputSerializer
    pagination_class = NewestFirst

    @extend_schema(operation_id="collections_items_list", tags=["collections"], summary="Properties in a collection",
                   responses={200: SavedPropertyOutputSerializer(many=True), **ERRORS})
    def get(self, request, collection_id: int):
        services.owned(Collection.objects.filter(user=request.user), pk=collection_id)
        page = self.paginate_queryset(selectors.collection_items_for(user=request.user, collection_id=collection_id))
        return self.get_paginated_response(SavedPropertyOutputSerializer(page, many=True).data)

    @extend_schema(
        operation_id="collections_items_add",
        tags=["collections"],
        summary="Save a property in a collection",
        request=SavedPropertyAddInputSerializer,
        responses={201: SavedPropertyOutputSerializer, **ERRORS},
    )
    def post(self, request, collection_id: int):
        data = _valid(SavedPropertyAddInputSerializer, request.data)
        item = services.saved_property_add(user=request.user, collection_id=collection_id, property_id=data["property"],
                                           note=data.get("note"), tags=data.get("tags"))
        return Response(SavedPropertyOutputSerializer(item).data, status=status.HTTP_201_CREATED)


class CollectionItemDetailApi(_Authenticated):
    serializer_class = SavedPropertyOutputSerializer

    @extend_schema(operation_id="collections_items_update", tags=["collections"], summary="Change the note or tags",
                   request=SavedPropertyUpdateInputSerializer, responses={200: SavedPropertyOutputSerializer, **ERRORS})
    def patch(self, request, collection_id: int, item_id: int):
        services.owned(
            SavedProperty.objects.filter(collection__user=request.user, collection_id=collection_id), pk=item_id
        )
        data = _valid(SavedPropertyUpdateInputSerializer, request.data)
        item = services.saved_property_update(user=request.user, item_id=item_id, note=data.get("note"),
                                              tags=data.get("tags"))
        return Response(SavedPropertyOutputSerializer(item).data)

    @extend_schema(operation_id="collections_items_remove", tags=["collections"], summary="Remove from the collection",
                   responses={204: None, **ERRORS})
    def delete(self, request, collection_id: int, item_id: int):
        services.owned(
            SavedProperty.objects.filter(collection__user=request.user, collection_id=collection_id), pk=item_id
        )
        services.saved_property_remove(user=request.user, item_id=item_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class CollectionItemMoveApi(_Authenticated):
    serializer_class = SavedPropertyOutputSerializer

    @extend_schema(operation_id="collections_items_move", tags=["collections"], summary="Move to another collection",
                   request=SavedPropertyMoveInputSerializer, responses={200: SavedPropertyOutputSerializer, **ERRORS})
    def post(self, request, collection_id: int, item_id: int):
        services.owned(
            SavedProperty.objects.filter(collection__user=request.user, collection_id=collection_id), pk=item_id
        )
        data = _valid(SavedPropertyMoveInputSerializer, request.data)
        item = services.saved_property_move(user=request.user, item_id=item_id, collection_id=data["collection"])
        return Response(SavedPropertyOutputSerializer(item).data)


# --- saved searches ------------------------------------------------------------------------------
class SavedSearchListCreateApi(_Authenticated):
    serializer_class = SavedSearchOutputSerializer
    pagination_class = NewestFirst

    @extend_schema(operation_id="saved_searches_list", tags=["saved searches"],
                   responses={200: SavedSearchOutputSerializer(many=True), 401: ErrorSerializer})
    def get(self, request):
        page = self.paginate_queryset(selectors.saved_searches_for(user=request.user))
        return self.get_paginated_response(SavedSearchOutputSerializer(page, many=True).data)

    @extend_schema(operation_id="saved_searches_create", tags=["saved searches"], summary="Save a search",
                   description="`params` are validated exactly as `GET /api/v1/properties` validates them, "
                               "with the same codes.",
                   request=SavedSearchCreateInputSerializer, responses={201: SavedSearchOutputSerializer, **ERRORS})
    def post(self, request):
        data = _valid(SavedSearchCreateInputSerializer, request.data)
        search = services.saved_search_create(user=request.user, name=data["name"], params=data["params"],
                                              frequency=data["frequency"])
        return Response(SavedSearchOutputSerializer(search).data, status=status.HTTP_201_CREATED)


class SavedSearchDetailApi(_Authenticated):
    serializer_class = SavedSearchOutputSerializer

    @extend_schema(
        operation_id="saved_searches_get",
        tags=["saved searches"],
        responses={200: SavedSearchOutputSerializer, **ERRORS},
    )
    def get(self, request, saved_search_id: int):
        search = services.owned(selectors.saved_searches_for(user=request.user), pk=saved_search_id)
        return Response(SavedSearchOutputSerializer(search).data)

    @extend_schema(
        operation_id="saved_searches_update",
        tags=["saved searches"],
        summary="Rename or change a saved search",
        request=SavedSearchUpdateInputSerializer,
        responses={200: SavedSearchOutputSerializer, **ERRORS},
    )
    def patch(self, request, saved_search_id: int):
        data = _valid(SavedSearchUpdateInputSerializer, request.data)
        search = services.saved_search_update(user=request.user, saved_search_id=saved_search_id, name=data.get("name"),
                                              params=data.get("params"), frequency=data.get("frequency"))
        return Response(SavedSearchOutputSerializer(search).data)

    @extend_schema(operation_id="saved_searches_delete", tags=["saved searches"], responses={204: None, **ERRORS})
    def delete(self, request, saved_search_id: int):
        services.saved_search_delete(user=request.user, saved_search_id=saved_search_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- search history -------------------------------------------------------------------------------
class SearchHistoryListApi(_Authenticated):
    serializer_class = SearchHistoryOutputSerializer
    pagination_class = NewestFirst

    @extend_schema(operation_id="search_history_list", tags=["search history"],
                   responses={200: SearchHistoryOutputSerializer(many=True), 401: ErrorSerializer})
    def get(self, request):
        page = self.paginate_queryset(selectors.search_history_for(user=request.user))
        return self.get_paginated_response(SearchHistoryOutputSerializer(page, many=True).data)

    @extend_schema(operation_id="search_history_clear", tags=["search history"], summary="Delete all my search history",
                   responses={204: None, 401: ErrorSerializer})
    def delete(self, request):
        services.search_history_clear(user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class SearchHistoryDetailApi(_Authenticated):
    serializer_class = SearchHistoryOutputSerializer

    @extend_schema(operation_id="search_history_delete", tags=["search history"], responses={204: None, **ERRORS})
    def delete(self, request, entry_id: int):
        services.search_history_delete(user=request.user, entry_id=entry_id)
        return Response(status=status.HTTP_204_NO_CONTENT)
