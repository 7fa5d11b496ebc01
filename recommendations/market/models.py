"""Market trends per region and period (SSB and the platform's own sales), and comparable levels."""
from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class TrendSource(models.TextChoices):
    SSB = "ssb", _("Statistics Norway (SSB)")
    PLATFORM = "platform", _("epty sales")


class TrendMetric(models.TextChoices):
    INDEX = "index", _("Price index")
    PRICE_M2 = "price_m2", _("Price per m²")


class RegionKind(models.TextChoices):
    """Kinds of region; properties.regions.Region.kind uses the first three."""

    COUNTRY = "country", _("Norway")
    COUNTY = "county", _("County")
    MUNICIPALITY = "municipality", _("Municipality")
    SSB_REGION = "ssb_region", _("SSB region")


class MarketTrend(models.Model):
    """One figure for one region, dwelling type and period, from one source.

    `period` is "2024Q4" for quarters and "2024" for years; `period_start` orders them.
    SSB regions that span several municipalities ("Oslo med Bærum") list them in
    `municipality_numbers`, so a property's region is found without knowing SSB's codes.
    """

    source = models.CharField(_("source"), max_length=16, choices=TrendSource.choices)
    metric = models.CharField(_("metric"), max_length=16, choices=TrendMetric.choices)
    region_kind = models.CharField(_("region kind"), max_length=16, choices=RegionKind.choices)
    region_code = models.CharField(_("region code"), max_length=16,
                                   help_text=_("NO, a county or municipality number, or SSB's code."))
    region_name = models.CharField(_("region name"), max_length=100)
    municipality_numbers = models.JSONField(_("municipality numbers"), default=list, blank=True)
    dwelling_type = models.CharField(_("dwelling type"), max_length=32, default="all",
                                     help_text=_("all, a catalogue category, or SSB's dwelling type (enebolig, …)."))
    period = models.CharField(_("period"), max_length=8)
    period_start = models.DateField(_("period start"))
    value = models.FloatField(_("value"))
    sales = models.PositiveIntegerField(_("sales"), null=True, blank=True,
                                        help_text=_("Sales behind the figure, where known."))
    fetched_at = models.DateTimeField(_("fetched at"))

    class Meta:
        db_table = "recommendations_markettrend"  # created by the recommendations app, kept on the move
        ordering = ["source", "region_code", "dwelling_type", "metric", "period_start"]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "metric", "region_kind", "region_code", "dwelling_type", "period"],
                name="markettrend_unique",
            ),
        ]
        indexes = [models.Index(fields=["region_kind", "region_code", "period_start"], name="markettrend_region")]

    def __str__(self) -> str:
        return f"{self.source} {self.metric} {self.region_name} {self.dwelling_type} {self.period}: {self.value:g}"


class ComparableLevel(models.Model):
    """Median estimate of properties alike in municipality, category and size (log-spaced area bucket).

    Refreshed with the trends; the recommender compares a property's estimate with it
    ("estimate 6% below similar cabins").
    """

    municipality_number = models.CharField(_("municipality number"), max_length=4)
    category = models.CharField(_("category"), max_length=16)
    area_bucket = models.SmallIntegerField(_("area bucket"))
    median_estimate = models.BigIntegerField(_("median estimate"))
    count = models.PositiveIntegerField(_("count"))
    updated_at = models.DateTimeField(_("updated at"))

    class Meta:
        db_table = "recommendations_comparablelevel"  # created by the recommendations app, kept on the move
        constraints = [
            models.UniqueConstraint(fields=["municipality_number", "category", "area_bucket"],
                                    name="comparablelevel_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.municipality_number} {self.category} #{self.area_bucket}: {self.median_estimate}"
