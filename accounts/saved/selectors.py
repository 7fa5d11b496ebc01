"""Reads for collections, saved searches and search history, always scoped to the user."""
from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Count, Prefetch, QuerySet

from accounts.models import User
from epty.mail.models import OutboxMessage
from properties.models import Property

from .models import Collection, SavedProperty, SavedSearch, SearchHistoryEntry


def collections_for(*, user: User) -> QuerySet[Collection]:
    return Collection.objects.filter(user=user).annotate(item_count=Count("items"))


def collection_items_for(*, user: User, collection_id: int) -> QuerySet[SavedProperty]:
    return (SavedProperty.objects.filter(collection__user=user, collection_id=collection_id)
            .select_related("property"))


def saved_property_ids(*, user: User, property_ids: Iterable[int]) -> set[int]:
    """Which of these properties the user has saved in any collection: one query."""
    ids = list(property_ids)
    if not ids or not getattr(user, "is_authenticated", False):
        return set()
    return set(SavedProperty.objects.filter(collection__user=user, property_id__in=ids)
               .values_list("property_id", flat=True).distinct())


def saved_searches_for(*, user: User) -> QuerySet[SavedSearch]:
    return SavedSearch.objects.filter(user=user)


def search_history_for(*, user: User) -> QuerySet[SearchHistoryEntry]:
    return SearchHistoryEntry.objects.filter(user=user)


def digest_for(*, user: User, key) -> OutboxMessage | None:
    return OutboxMessage.objects.filter(user=user, key=key).first()


def digest_properties(*, message: OutboxMessage) -> list[Property]:
    """Every property an alert digest covers, in the digest's order."""
    order = {pid: i for i, pid in enumerate(message.property_ids)}
    return sorted(Property.objects.filter(pk__in=message.property_ids), key=lambda p: order[p.pk])


def export_section(user: User) -> dict:
    """The user's collections, saved searches and search history, for the data export."""
    collections = Collection.objects.filter(user=user).prefetch_related(
        Prefetch("items", queryset=SavedProperty.objects.select_related("property")))
    return {
        "collections": [
            {"name": c.name, "is_default": c.is_default, "created_at": c.created_at.isoformat(),
             "items": [{"property": i.property.external_id, "note": i.note, "tags": i.tags,
                        "created_at": i.created_at.isoformat()} for i in c.items.all()]}
            for c in collections
        ],
        "saved_searches": [
            {"name": s.name, "params": s.params, "frequency": s.frequency,
             "last_notified": s.last_notified.isoformat(), "created_at": s.created_at.isoformat()}
            for s in SavedSearch.objects.filter(user=user)
        ],
        "search_history": [
            {"params": e.params, "result_count": e.result_count, "via": e.via, "created_at": e.created_at.isoformat()}
            for e in SearchHistoryEntry.objects.filter(user=user)
        ],
    }


def property_saved_counts(*, property_ids: Iterable[int]) -> dict[int, int]:
    """How many people saved each property (in any collection): counts only, never who."""
    rows = (SavedProperty.objects.filter(property_id__in=list(property_ids))
            .values("property_id").annotate(n=Count("collection__user", distinct=True)).order_by())
    return {row["property_id"]: row["n"] for row in rows}
