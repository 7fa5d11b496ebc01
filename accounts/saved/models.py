"""Collections of saved properties, saved searches with their alert hits, and search history.

The tables were created by accounts before saved things had an app of their own; they keep their
names (``db_table``), so moving the models moved no data.
"""
from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from properties.search.querystring import search_query_string


class Collection(models.Model):
    """A user's named list of saved properties. Every user has exactly one default ("Favourites")."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE,
                             related_name="collections")
    name = models.CharField(_("name"), max_length=100)
    is_default = models.BooleanField(_("default"), default=False, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        db_table = "accounts_collection"
        verbose_name = _("collection")
        verbose_name_plural = _("collections")
        ordering = ["-is_default", "name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["user", "name"], name="collection_unique_name_per_user"),
            models.UniqueConstraint(fields=["user"], condition=models.Q(is_default=True),
                                    name="collection_one_default_per_user"),
        ]

    def __str__(self) -> str:
        return self.name


class SavedProperty(models.Model):
    """A property in a collection, with the user's private note and tags."""

    collection = models.ForeignKey(Collection, verbose_name=_("collection"), on_delete=models.CASCADE,
                                   related_name="items")
    property = models.ForeignKey("properties.Property", verbose_name=_("property"), on_delete=models.CASCADE,
                                 related_name="+")
    note = models.TextField(_("note"), blank=True, max_length=2000)
    tags = models.JSONField(_("tags"), default=list, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        db_table = "accounts_savedproperty"
        verbose_name = _("saved property")
        verbose_name_plural = _("saved properties")
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["collection", "property"], name="savedproperty_unique")]
        indexes = [models.Index(fields=["property", "collection"], name="savedproperty_property")]

    def __str__(self) -> str:
        return f"{self.property_id} in {self.collection_id}"


class AlertFrequency(models.TextChoices):
    INSTANT = "instant", _("Instantly")
    DAILY = "daily", _("Daily")
    WEEKLY = "weekly", _("Weekly")
    OFF = "off", _("Off")


class SavedSearch(models.Model):
    """A search's filters (the same parameters as the search page and API) with an alert frequency.

    `last_notified` is the alert watermark: the properties that changed after it have not yet
    been considered for this search. It starts when the search is saved.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE,
                             related_name="saved_searches")
    name = models.CharField(_("name"), max_length=100)
    params = models.JSONField(_("search parameters"), default=dict,
                              help_text=_("Search parameters as the search page takes them."))
    frequency = models.CharField(
        _("alerts"), max_length=8, choices=AlertFrequency.choices, default=AlertFrequency.DAILY
    )
    last_notified = models.DateTimeField(_("last notified"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        db_table = "accounts_savedsearch"
        verbose_name = _("saved search")
        verbose_name_plural = _("saved searches")
        ordering = ["name", "id"]
        indexes = [models.Index(fields=["frequency", "last_notified"], name="savedsearch_due")]

    def __str__(self) -> str:
        return self.name

    @property
    def query(self) -> str:
        """The search page's query string for these parameters."""
        return search_query_string(self.params)


class SavedSearchHit(models.Model):
    """A property a saved search has told its user about, with the estimate it showed.

    New matches are the properties without a hit; an already shown property is shown again only
    when its estimate has moved more than ALERTS_ESTIMATE_THRESHOLD from the one recorded here.
    """

    # An alert run writes millions of these rows, so they carry no more than they need. Neither key has an
    # index of its own: the unique constraint leads with the search, `savedsearchhit_property` serves the
    # property. Neither has a database constraint: checking one locks the referenced row (FOR KEY SHARE) for
    # every hit written, which cost a run at 1,000,000 properties a fifth of its time; the hits go with their
    # search or property through Django's cascade (one DELETE by the indexed key), and nothing deletes either
    # in SQL.
    saved_search = models.ForeignKey(SavedSearch, verbose_name=_("saved search"), on_delete=models.CASCADE,
                                     related_name="hits", db_index=False, db_constraint=False)
    property = models.ForeignKey("properties.Property", verbose_name=_("property"), on_delete=models.CASCADE,
                                 related_name="+", db_index=False, db_constraint=False)
    estimate = models.BigIntegerField(_("estimate"), null=True, blank=True)
    notified_at = models.DateTimeField(_("notified at"))

    class Meta:
        db_table = "accounts_savedsearchhit"
        verbose_name = _("saved search match")
        verbose_name_plural = _("saved search matches")
        constraints = [models.UniqueConstraint(fields=["saved_search", "property"], name="savedsearchhit_unique")]
        indexes = [models.Index(fields=["property"], name="savedsearchhit_property")]


class SearchHistoryEntry(models.Model):
    """One search a logged-in user made (page or API), kept for SEARCH_HISTORY_RETENTION_DAYS."""

    class Via(models.TextChoices):
        PAGE = "page", _("Search page")
        API = "api", _("API")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE,
                             related_name="search_history")
    params = models.JSONField(_("search parameters"), default=dict)
    result_count = models.IntegerField(
        _("result count"), null=True, blank=True,
        help_text=_("None when the search was not counted; capped like the search's count.")
    )
    count_is_exact = models.BooleanField(_("exact count"), default=True)
    via = models.CharField(_("searched via"), max_length=8, choices=Via.choices, default=Via.PAGE)
    created_at = models.DateTimeField(_("created at"), db_index=True)

    class Meta:
        db_table = "accounts_searchhistoryentry"
        verbose_name = _("search history entry")
        verbose_name_plural = _("search history entries")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "-created_at"], name="searchhistory_user_time")]

    @property
    def query(self) -> str:
        """The search page's query string for these parameters."""
        return search_query_string(self.params)
