"""Writes for collections, saved searches and search history. Every interface calls these."""
from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from epty.errors import ConflictError
from properties.models import Property
from properties.search.querystring import search_params_for_record
from properties.search.selectors import properties_filters_validate

from .models import AlertFrequency, Collection, SavedProperty, SavedSearch, SearchHistoryEntry

DEFAULT_COLLECTION_NAME = "Favourites"
MAX_COLLECTIONS = 100
MAX_SAVED_SEARCHES = 50
MAX_TAGS = 20
MAX_TAG_LENGTH = 40
UNSUBSCRIBE_SALT = "accounts.alerts.unsubscribe"
UNSUBSCRIBE_MAX_AGE = dt.timedelta(days=365)


class DefaultCollectionProtected(ConflictError):
    code = "default_collection"


def owned(queryset: QuerySet, **lookup):
    """The one object matching ``lookup`` in a queryset already scoped to the user, or 404."""
    obj = queryset.filter(**lookup).first()
    if obj is None:
        raise Http404
    return obj


# --- collections -------------------------------------------------------------------------
def _name_clean(name: str | None) -> str:
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise ValidationError(
            {"name": ValidationError(_("Give it a name of at most 100 characters."), code="invalid_name")}
        )
    return name


def tags_clean(tags) -> list[str]:
    if tags is None:
        return []
    if isinstance(tags, str):
        tags = tags.split(",")
    if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
        raise ValidationError({"tags": ValidationError(_("Tags are a list of words."), code="invalid_tags")})
    cleaned = list(dict.fromkeys(t.strip().lower() for t in tags if t.strip()))
    if len(cleaned) > MAX_TAGS or any(len(t) > MAX_TAG_LENGTH for t in cleaned):
        raise ValidationError({"tags": ValidationError(_("At most %(n)d tags of at most %(m)d characters.")
                                                       % {"n": MAX_TAGS, "m": MAX_TAG_LENGTH}, code="invalid_tags")})
    return cleaned


def _note_clean(note: str | None) -> str:
    note = (note or "").strip()
    if len(note) > 2000:
        raise ValidationError(
            {"note": ValidationError(_("The note is too long (at most 2000 characters)."), code="note_too_long")}
        )
    return note


def collection_default_get(*, user: User) -> Collection:
    """The user's "Favourites", created on first use."""
    collection = Collection.objects.filter(user=user, is_default=True).first()
    if collection is not None:
        return collection
    try:
        with transaction.atomic():
            return Collection.objects.create(user=user, name=DEFAULT_COLLECTION_NAME, is_default=True)
    except IntegrityError:  # created concurrently, or the user already has a collection called that
        return Collection.objects.get(user=user, is_default=True)


@transaction.atomic
def collection_create(*, user: User, name: str) -> Collection:
    name = _name_clean(name)
    collection_default_get(user=user)
    if Collection.objects.filter(user=user).count() >= MAX_COLLECTIONS:
        raise ValidationError(_("You have too many collections."), code="too_many_collections")
    if Collection.objects.filter(user=user, name__iexact=name).exists():
        raise ValidationError(
            {"name": ValidationError(_("You already have a collection with this name."), code="duplicate_name")}
        )
    return Collection.objects.create(user=user, name=name)


@transaction.atomic
def collection_rename(*, user: User, collection_id: int, name: str) -> Collection:
    collection = owned(Collection.objects.select_for_update().filter(user=user), pk=collection_id)
    name = _name_clean(name)
    if Collection.objects.filter(user=user, name__iexact=name).exclude(pk=collection.pk).exists():
        raise ValidationError(
            {"name": ValidationError(_("You already have a collection with this name."), code="duplicate_name")}
        )
    collection.name = name
    collection.save(update_fields=["name"])
    return collection


@transaction.atomic
def collection_delete(*, user: User, collection_id: int) -> None:
    collection = owned(Collection.objects.filter(user=user), pk=collection_id)
    if collection.is_default:
        raise DefaultCollectionProtected(_("Favourites cannot be deleted."))
    collection.delete()


@transaction.atomic
def saved_property_add(*, user: User, property_id: int, collection_id: int | None = None,
                       new_collection_name: str | None = None, note: str | None = None,
                       tags=None) -> SavedProperty:
    """Save a property into a collection (default Favourites, or a new one by name). Saving again updates."""
    if not Property.objects.filter(pk=property_id).exists():
        raise Http404
    if new_collection_name:
        collection = collection_create(user=user, name=new_collection_name)
    elif collection_id is not None:
        collection = owned(Collection.objects.filter(user=user), pk=collection_id)
    else:
        collection = collection_default_get(user=user)
    item, created = SavedProperty.objects.get_or_create(
        collection=collection, property_id=property_id,
        defaults={"note": _note_clean(note), "tags": tags_clean(tags)})
    if not created and (note is not None or tags is not None):
        if note is not None:
            item.note = _note_clean(note)
        if tags is not None:
            item.tags = tags_clean(tags)
        item.save(update_fields=["note", "tags"])
    return item


def _own_item(user: User, item_id: int, *, lock: bool = False) -> SavedProperty:
    queryset = SavedProperty.objects.filter(collection__user=user)
    if lock:
        queryset = queryset.select_for_update()
    return owned(queryset.select_related("collection"), pk=item_id)


@transaction.atomic
def saved_property_update(*, user: User, item_id: int, note: str | None = None, tags=None) -> SavedProperty:
    item = _own_item(user, item_id, lock=True)
    if note is not None:
        item.note = _note_clean(note)
    if tags is not None:
        item.tags = tags_clean(tags)
    item.save(update_fields=["note", "tags"])
    return item


@transaction.atomic
def saved_property_move(*, user: User, item_id: int, collection_id: int) -> SavedProperty:
    """Move to another of the user's collections; if it is there already, the two merge (note and tags kept)."""
    item = _own_item(user, item_id, lock=True)
    target = owned(Collection.objects.filter(user=user), pk=collection_id)
    if target.pk == item.collection_id:
        return item
    existing = SavedProperty.objects.filter(collection=target, property_id=item.property_id).first()
    if existing is not None:
        existing.note = "\n\n".join(n for n in (existing.note, item.note) if n)[:2000]
        existing.tags = list(dict.fromkeys([*existing.tags, *item.tags]))[:MAX_TAGS]
        existing.save(update_fields=["note", "tags"])
        item.delete()
        return existing
    item.collection = target
    item.save(update_fields=["collection"])
    return item


@transaction.atomic
def saved_property_remove(*, user: User, item_id: int) -> int:
    """Remove from its collection; returns the collection's id."""
    item = _own_item(user, item_id)
    item.delete()
    return item.collection_id


@transaction.atomic
def property_heart_toggle(*, user: User, property_id: int) -> bool:
    """The heart: unsaved → saved in Favourites; saved (in any collection) → removed from all. Returns saved."""
    items = SavedProperty.objects.filter(collection__user=user, property_id=property_id)
    if items.exists():
        SavedProperty.objects.filter(pk__in=list(items.values_list("pk", flat=True))).delete()
        return False
    saved_property_add(user=user, property_id=property_id)
    return True


# --- saved searches ----------------------------------------------------------------------------
def search_params_clean(params: Mapping[str, str]) -> dict[str, str]:
    """Validate search parameters exactly as the search page and API do; keep the non-empty filters."""
    raw = search_params_for_record(params)
    properties_filters_validate(raw)  # raises ValidationError with the search's own per-field codes
    return dict(sorted(raw.items()))


def _frequency_clean(frequency: str) -> str:
    if frequency not in AlertFrequency.values:
        raise ValidationError({"frequency": ValidationError(
            _("Choose one of %(ok)s.") % {"ok": ", ".join(AlertFrequency.values)}, code="invalid_frequency")})
    return frequency


@transaction.atomic
def saved_search_create(*, user: User, name: str, params: Mapping[str, str],
                        frequency: str = AlertFrequency.DAILY) -> SavedSearch:
    name = _name_clean(name)
    clean = search_params_clean(params)
    frequency = _frequency_clean(frequency)
    if SavedSearch.objects.filter(user=user).count() >= MAX_SAVED_SEARCHES:
        raise ValidationError(_("You have too many saved searches."), code="too_many_saved_searches")
    # Alerts cover what changes from now on; what matches today is on the search page.
    return SavedSearch.objects.create(
        user=user, name=name, params=clean, frequency=frequency, last_notified=timezone.now()
    )


@transaction.atomic
def saved_search_update(*, user: User, saved_search_id: int, name: str | None = None,
                        params: Mapping[str, str] | None = None, frequency: str | None = None) -> SavedSearch:
    search = owned(SavedSearch.objects.select_for_update().filter(user=user), pk=saved_search_id)
    if name is not None:
        search.name = _name_clean(name)
    if params is not None:
        clean = search_params_clean(params)
        if clean != search.params:
            search.params = clean
            search.hits.all().delete()  # a different search: what the old one showed says nothing
    if frequency is not None:
        frequency = _frequency_clean(frequency)
        if search.frequency == AlertFrequency.OFF and frequency != AlertFrequency.OFF:
            search.last_notified = timezone.now()  # switching alerts back on does not replay the silent period
        search.frequency = frequency
    search.save()
    return search


@transaction.atomic
def saved_search_delete(*, user: User, saved_search_id: int) -> None:
    owned(SavedSearch.objects.filter(user=user), pk=saved_search_id).delete()


def unsubscribe_token(*, user_id: int, saved_search_id: int | None) -> str:
    """A signed token for one search's alerts (or all of the user's, with None), valid for UNSUBSCRIBE_MAX_AGE
    (every digest carries fresh ones). It is the credential of the one-click unsubscribe: no login needed."""
    return signing.dumps({"u": user_id, "s": saved_search_id}, salt=UNSUBSCRIBE_SALT, compress=True)


def alerts_unsubscribe_target(*, token: str) -> tuple[User, list[SavedSearch], bool]:
    """What a token would turn off, changing nothing: the user, their searches it names, and whether it
    names all of them. Raises ValidationError (invalid_unsubscribe_link, unsubscribe_link_expired)."""
    try:
        data = signing.loads(token, salt=UNSUBSCRIBE_SALT, max_age=UNSUBSCRIBE_MAX_AGE)
        user_id, search_id = data["u"], data["s"]
        if not isinstance(user_id, int) or not (search_id is None or isinstance(search_id, int)):
            raise ValueError
    except signing.SignatureExpired:
        raise ValidationError(_("This unsubscribe link has expired. Log in to turn alerts off on your saved "
                                "searches page."), code="unsubscribe_link_expired") from None
    except (signing.BadSignature, ValueError, KeyError, TypeError):
        raise ValidationError(_("This unsubscribe link is not valid."), code="invalid_unsubscribe_link") from None
    user = User.objects.filter(pk=user_id).first()
    if user is None:
        raise ValidationError(_("This unsubscribe link is not valid."), code="invalid_unsubscribe_link")
    searches = SavedSearch.objects.filter(user=user).order_by("pk")
    if search_id is not None:
        searches = searches.filter(pk=search_id)
    return user, list(searches), search_id is None


@transaction.atomic
def alerts_unsubscribe(*, token: str) -> tuple[User, list[SavedSearch], bool]:
    """Turn alerts off for the search (or all searches) named by a token. Idempotent.

    Returns the user, the searches turned off, and whether the token named all of them."""
    user, searches, everything = alerts_unsubscribe_target(token=token)
    SavedSearch.objects.filter(pk__in=[s.pk for s in searches]).update(frequency=AlertFrequency.OFF)
    return user, searches, everything


# --- search history ------------------------------------------------------------------------------
def search_history_record(*, user: User, params: Mapping[str, str], result_count: int | None,
                          count_is_exact: bool = True, via: str = SearchHistoryEntry.Via.PAGE) -> SearchHistoryEntry:
    entry = SearchHistoryEntry.objects.create(
        user=user, params=dict(sorted(params.items())), result_count=result_count,
        count_is_exact=count_is_exact, via=via, created_at=timezone.now())
    return entry


@transaction.atomic
def search_history_delete(*, user: User, entry_id: int) -> None:
    owned(SearchHistoryEntry.objects.filter(user=user), pk=entry_id).delete()


@transaction.atomic
def search_history_clear(*, user: User) -> int:
    return SearchHistoryEntry.objects.filter(user=user).delete()[0]


def search_history_purge(*, now: dt.datetime | None = None) -> int:
    """Delete entries older than SEARCH_HISTORY_RETENTION_DAYS (strictly older than the cut-off)."""
    cutoff = (now or timezone.now()) - dt.timedelta(days=settings.SEARCH_HISTORY_RETENTION_DAYS)
    return SearchHistoryEntry.objects.filter(created_at__lt=cutoff).delete()[0]
