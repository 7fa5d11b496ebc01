from __future__ import annotations

from django.db import models
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from .reference import FEATURES


class Category(models.TextChoices):
    RESIDENTIAL = "residential", _("Residential")
    CABIN = "cabin", _("Cabin")
    COMMERCIAL = "commercial", _("Commercial")


class Source(models.TextChoices):
    """Where a property (the matrikkelenhet, its number and place) came from."""

    MATRIKKELEN = "matrikkelen", _("Matrikkelen (Kartverket)")
    OPEN_REGISTER = "open_register", _("Kartverket's open address register")
    DEMO = "demo", _("Synthetic demo data")


class FactSource(models.TextChoices):
    """Where one fact about a property came from (Property.fact_sources)."""

    MATRIKKEL_API = "matrikkel_api", _("Matrikkelen (Kartverket's Matrikkel API)")
    OPEN_REGISTER = "open_register", _("Kartverket's open address register")
    OWNER = "owner", _("The owner")
    DEMO = "demo", _("Synthetic demo data")


# The facts that carry their own source. "location" is lat and lon together; "address" is the
# address with its postcode and town. A fact with no value is unknown: its source is the one that
# left it unknown (the open register has no buildings, the Matrikkel API no bedrooms).
FACTS = ("location", "address", "category", "building_type_code", "usable_area", "plot_area", "rooms", "bedrooms",
         "floors", "year_built", "features")
FACT_COLUMNS = {"location": ("lat", "lon"), "address": ("address", "postcode", "town", "addresses")}


class PropertyQuerySet(models.QuerySet):
    def active(self) -> PropertyQuerySet:
        return self.filter(retired_at__isnull=True)


class Property(models.Model):
    """One matrikkelenhet (cadastral unit) with the facts epty shows and searches on."""

    # Not a column: km from the point of a search near a point, set on that search's results.
    distance: float

    external_id = models.CharField(
        max_length=40, unique=True,
        help_text=_("Matrikkelen ident: kommunenummer-gnr/bnr/fnr/snr, e.g. 0301-207/80/0/0."),
        verbose_name=_("Matrikkelen ident"),
    )
    matrikkelenhet_id = models.BigIntegerField(null=True, blank=True, unique=True,
                                               help_text=_("Matrikkelen's internal id, where known."),
                                               verbose_name=_("matrikkelenhet id"))
    source = models.CharField(max_length=16, choices=Source.choices, default=Source.MATRIKKELEN,
                              verbose_name=_("source"))

    category = models.CharField(max_length=16, choices=Category.choices, null=True, blank=True,
                                help_text=_("Unknown (empty) until a source that records buildings gives it."),
                                verbose_name=_("category"))
    building_type_code = models.PositiveSmallIntegerField(null=True, blank=True, verbose_name=_("building type code"))

    address = models.CharField(max_length=200, blank=True, help_text=_("The main address (see addresses)."),
                               verbose_name=_("address"))
    postcode = models.CharField(max_length=4, blank=True, verbose_name=_("postcode"))
    town = models.CharField(max_length=100, blank=True, verbose_name=_("town"))
    municipality_number = models.CharField(max_length=4, verbose_name=_("municipality number"))
    municipality_name = models.CharField(max_length=100, verbose_name=_("municipality name"))
    county_number = models.CharField(max_length=2, verbose_name=_("county number"))
    county_name = models.CharField(max_length=100, verbose_name=_("county name"))
    lat = models.FloatField(help_text=_("Latitude (WGS84)"), verbose_name=_("latitude"))
    lon = models.FloatField(help_text=_("Longitude (WGS84)"), verbose_name=_("longitude"))
    addresses = models.JSONField(default=list, blank=True,
                                 help_text=_("Every address of the matrikkelenhet: [{text, postcode, town, lat, lon}], "
                                             "the main one first."), verbose_name=_("addresses"))

    usable_area = models.PositiveIntegerField(null=True, blank=True, help_text=_("Square metres of usable area (BRA)."),
                                              verbose_name=_("usable area"))
    plot_area = models.PositiveIntegerField(null=True, blank=True, help_text=_("Square metres."),
                                            verbose_name=_("plot area"))
    rooms = models.PositiveSmallIntegerField(null=True, blank=True, verbose_name=_("rooms"))
    bedrooms = models.PositiveSmallIntegerField(null=True, blank=True, verbose_name=_("bedrooms"))
    floors = models.PositiveSmallIntegerField(null=True, blank=True, verbose_name=_("floors"))
    year_built = models.PositiveSmallIntegerField(null=True, blank=True, verbose_name=_("year built"))

    features = models.JSONField(default=list, blank=True,
                                help_text=format_lazy(_("Tags from: {tags}. A missing tag means “no” only where the "
                                                        "fact sources have “features” (a source that records them "
                                                        "all); otherwise “unknown”."), tags=", ".join(FEATURES)),
                                verbose_name=_("features"))
    # Bit i is properties.reference.FEATURES[i].
    feature_mask = models.PositiveIntegerField(default=0, editable=False,
                                               help_text=_("The features as a bit set, for search."),
                                               verbose_name=_("feature mask"))

    estimate = models.BigIntegerField(null=True, blank=True, help_text=_("In NOK."), verbose_name=_("estimate"))
    estimate_low = models.BigIntegerField(null=True, blank=True, help_text=_("NOK, 10th percentile."),
                                          verbose_name=_("estimate low"))
    estimate_high = models.BigIntegerField(null=True, blank=True, help_text=_("NOK, 90th percentile."),
                                           verbose_name=_("estimate high"))
    estimate_source = models.CharField(max_length=40, blank=True,
                                       help_text=_("What produced the estimate: a model version, or “demo”."),
                                       verbose_name=_("estimate source"))
    estimated_at = models.DateTimeField(null=True, blank=True, verbose_name=_("estimated at"))
    estimate_previous = models.BigIntegerField(null=True, blank=True, editable=False,
                                               # kept by a database trigger (migration 0004)
                                               help_text=_("NOK; the estimate before its last change (kept by the "
                                                           "database), for alerts when an estimate moves."),
                                               verbose_name=_("estimate previous"))

    # Kept by the photos app (photos.services): the path of the cover photo's thumbnail, "" without a visible one.
    cover_photo = models.CharField(max_length=200, blank=True, default="", db_default="", editable=False,
                                   help_text=_("Path of the visible cover photo's thumbnail (kept up to date "
                                               "from the photos)."),
                                   verbose_name=_("cover photo"))

    fact_sources = models.JSONField(
        default=dict, blank=True,
        help_text=_("The source of each fact, and of each feature tag present under “feature_tags”."),
        verbose_name=_("fact sources"))

    upstream_payload = models.JSONField(default=dict, blank=True, verbose_name=_("upstream payload"))
    upstream_changed_at = models.DateTimeField(null=True, blank=True, verbose_name=_("upstream changed at"))
    content_hash = models.CharField(max_length=32, editable=False,
                                    help_text=_("Hash of the upstream facts, to skip unchanged rows on sync."),
                                    verbose_name=_("content hash"))
    search_text = models.CharField(
        max_length=1000,
        editable=False,
        default="",
        help_text=_("Normalised addresses, postcodes, towns and municipality for free-text search."),
        verbose_name=_("search text"),
    )
    retired_at = models.DateTimeField(null=True, blank=True, help_text=_("Deleted upstream; kept for history."),
                                      verbose_name=_("retired at"))
    # Denormalised from offers (PropertyOpenness, the one place that decides it) so search can filter and
    # sort on it with an index (migration 0010); null: not open to offers. The reserve price never lives here.
    open_to_offers_since = models.DateTimeField(
        null=True, blank=True, editable=False,
        help_text=_("Since when a verified owner has had the property open to offers; empty when it is not."),
        verbose_name=_("open to offers since"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    objects = PropertyQuerySet.as_manager()

    class Meta:
        verbose_name = _("property")
        verbose_name_plural = _("properties")
        # The sort and keyset-pagination indexes are database-specific (PostgreSQL wants
        # DESC NULLS LAST, which SQLite cannot index): see migration 0002. Each index costs an entry on
        # every write of an indexed column; what each one serves, and those dropped: migration 0010.
        indexes = [
            # Map boxes and radius searches: the live rows only, carrying id and estimate, so that a box is
            # read from the index alone and sorted after (migration 0016).
            models.Index(fields=["lat", "lon"], include=["id", "estimate"], condition=models.Q(retired_at__isnull=True),
                         name="prop_lat_lon_live"),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(lat__gte=57.0, lat__lte=81.5, lon__gte=-10.0, lon__lte=35.0),
                                   name="prop_coordinate_in_norway"),
            models.CheckConstraint(
                condition=models.Q(estimate_low__isnull=True) | models.Q(estimate_low__lte=models.F("estimate")),
                name="prop_estimate_low_le_estimate"),
            models.CheckConstraint(
                condition=models.Q(estimate_high__isnull=True) | models.Q(estimate_high__gte=models.F("estimate")),
                name="prop_estimate_high_ge_estimate"),
        ]

    def __str__(self) -> str:
        return f"{self.address or self.external_id}, {self.municipality_name}"

    @property
    def estimate_per_m2(self) -> int | None:
        """The estimate per square metre of usable area, in whole NOK (None without both)."""
        if not self.estimate or not self.usable_area:
            return None
        return round(self.estimate / self.usable_area)

    @property
    def is_synthetic(self) -> bool:
        """The property itself is generated (not only some of its facts)."""
        return self.source == Source.DEMO

    def fact_source(self, fact: str) -> str | None:
        return (self.fact_sources or {}).get(fact)

    @property
    def synthetic_facts(self) -> list[str]:
        return [fact for fact in FACTS if self.fact_source(fact) == FactSource.DEMO]

    @property
    def features_known(self) -> bool:
        """Whether a missing tag means "no" (a source recorded every tag) rather than "unknown"."""
        return "features" in (self.fact_sources or {}) and self.fact_source("features") is not None

    def feature_status(self, tag: str) -> str:
        """'yes', 'no' or 'unknown' for one feature tag."""
        if tag in (self.features or []):
            return "yes"
        return "no" if self.features_known else "unknown"


class PropertyDailyViews(models.Model):
    """How many times a property's page was viewed on a day: a count only, never who (no user is stored).

    Incremented by one atomic upsert per view (services.property_view_record); the owners' dashboard
    reads the last seven days.
    """

    property = models.ForeignKey(Property, on_delete=models.CASCADE, related_name="+", db_index=False,
                                 verbose_name=_("property"))
    day = models.DateField(_("day"))
    count = models.PositiveIntegerField(_("views"), default=0)

    class Meta:
        verbose_name = _("daily page views")
        verbose_name_plural = _("daily page views")
        constraints = [models.UniqueConstraint(fields=["property", "day"], name="property_daily_views_once")]

    def __str__(self) -> str:
        return f"{self.property_id} {self.day}: {self.count}"


class PropertySale(models.Model):
    """A recorded sale (transaction) of a property."""

    # No index of its own: the unique constraint (property, sold_on, price) leads with it.
    property = models.ForeignKey(Property, verbose_name=_("property"), on_delete=models.CASCADE, related_name="sales",
                                 db_index=False)
    sold_on = models.DateField(_("sold on"))
    price = models.BigIntegerField(_("price"), help_text=_("NOK"))
    true_value = models.BigIntegerField(
        _("true value"), null=True, blank=True,
        help_text=_("Synthetic data only: the generator's noise-free value at the sale date.")
    )
    source = models.CharField(_("source"), max_length=40, default=Source.MATRIKKELEN)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    # The sold property's category, coordinate and area, kept by database triggers (migration 0007) so that
    # "recent sales of this kind near here" is one index range scan on this table (valuation comparables).
    category = models.CharField(_("category"), max_length=16, null=True, blank=True, editable=False)
    lat = models.FloatField(_("latitude"), null=True, blank=True, editable=False)
    lon = models.FloatField(_("longitude"), null=True, blank=True, editable=False)
    usable_area = models.PositiveIntegerField(_("usable area"), null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-sold_on", "-id"]
        indexes = [models.Index(fields=["sold_on"], name="sale_sold_on")]
        constraints = [
            models.UniqueConstraint(fields=["property", "sold_on", "price"], name="sale_unique_per_day_price"),
            models.CheckConstraint(condition=models.Q(price__gt=0), name="sale_price_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.property_id} sold {self.sold_on} for {self.price} NOK"


# --- The map's pre-aggregated cells --------------------------------------------------------------

class MapCell(models.Model):
    """Active properties counted per map grid cell, zoom level and category (rebuilt by map_cells_rebuild).

    The map asks for every match of a search in its view; for a search with no filter but the category
    this table answers with a few hundred rows at any scale instead of a pass over every property.
    The grid is fixed per zoom (properties/search/selectors.py: cell_size), so cells never move.
    """

    zoom = models.PositiveSmallIntegerField(_("zoom level"))
    gx = models.IntegerField(_("grid column"), help_text=_("floor(lon / cell width)"))
    gy = models.IntegerField(_("grid row"), help_text=_("floor(lat / cell height)"))
    category = models.CharField(_("category"), max_length=16, blank=True, help_text=_("Empty: category unknown."))
    count = models.PositiveIntegerField(_("count"))
    lat_sum = models.FloatField(_("latitude sum"))
    lon_sum = models.FloatField(_("longitude sum"))
    first_id = models.BigIntegerField(_("first property id"), help_text=_("The lowest property id in the cell."))

    class Meta:
        verbose_name = _("map cell")
        verbose_name_plural = _("map cells")
        indexes = [models.Index(fields=["zoom", "gx", "gy"], name="mapcell_zoom_cell")]

    def __str__(self) -> str:
        return f"z{self.zoom} {self.gx},{self.gy} {self.category or '-'}: {self.count}"


# --- Matrikkelen sync --------------------------------------------------------------------------

class SyncState(models.Model):
    """Durable sync position for one scope ("all" or a municipality number; "open:…" for the open register).

    `checkpoint` is the last change-log id whose effects are committed; it is written in the
    same transaction as the batch it covers. While a full import runs, `full_cursor` is the
    highest matrikkelenhet id loaded so far and `full_start_change_id` the change id to
    replay from once the bulk load is done. An open-register import keeps the file it reads
    (`file_sha256`) and, in `full_cursor`, the last municipality it finished in that file.
    """

    scope = models.CharField(_("scope"), max_length=16, unique=True)
    checkpoint = models.BigIntegerField(_("checkpoint"), null=True, blank=True)
    full_start_change_id = models.BigIntegerField(_("full import start change id"), null=True, blank=True)
    full_cursor = models.BigIntegerField(_("full import cursor"), null=True, blank=True)
    file_sha256 = models.CharField(_("file checksum (SHA-256)"), max_length=64, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    def __str__(self) -> str:
        return f"{self.scope} @ {self.checkpoint}"


class SyncRun(models.Model):
    # Not columns: the SyncState a running sync holds (matrikkel_sync attaches it).
    state: SyncState
    state_id: int

    class Kind(models.TextChoices):
        FULL = "full", _("Full import")
        INCREMENTAL = "incremental", _("Incremental (change log)")
        REFRESH = "refresh", _("Refresh of one property")
        OPEN_DATA = "open_data", _("Open address register import")

    class Status(models.TextChoices):
        RUNNING = "running", _("Running")
        SUCCEEDED = "succeeded", _("Succeeded")
        FAILED = "failed", _("Failed")
        INTERRUPTED = "interrupted", _("Interrupted")

    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.RUNNING)
    scope = models.CharField(_("scope"), max_length=16, default="all")
    source = models.CharField(_("source"), max_length=16, blank=True)
    started_at = models.DateTimeField(_("started at"))
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    checkpoint_before = models.BigIntegerField(_("checkpoint before"), null=True, blank=True)
    checkpoint_after = models.BigIntegerField(_("checkpoint after"), null=True, blank=True)
    created = models.PositiveIntegerField(_("created"), default=0)
    updated = models.PositiveIntegerField(_("updated"), default=0)
    unchanged = models.PositiveIntegerField(_("unchanged"), default=0)
    retired = models.PositiveIntegerField(_("retired"), default=0)
    failed = models.PositiveIntegerField(_("failed"), default=0)
    errors = models.JSONField(_("errors"), default=list, blank=True,
                              help_text=_("What went wrong, newest last (bounded)."))

    class Meta:
        ordering = ["-started_at", "-id"]
        indexes = [models.Index(fields=["status", "started_at"], name="syncrun_status_started")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.started_at:%Y-%m-%d %H:%M} ({self.status})"
