"""The valuation model registry: every trained model is a version; at most one is active."""
from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class ValuationModelVersion(models.Model):
    """One trained valuation model: its artifact (checksummed), metrics and what it was trained on."""

    version = models.PositiveIntegerField(_("version"), unique=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    is_active = models.BooleanField(_("active"), default=False)
    activated_at = models.DateTimeField(_("activated at"), null=True, blank=True,
                                        help_text=_("Last time this version was activated."))
    # Artifacts are ValuationArtifact rows (joblib bytes) named here, written by this app only.
    artifact_name = models.CharField(_("artifact name"), max_length=100,
                                     help_text=_("Production model, trained on every sale."))
    artifact_sha256 = models.CharField(_("artifact checksum (SHA-256)"), max_length=64)
    evaluation_artifact_name = models.CharField(
        _("evaluation artifact name"), max_length=100, blank=True,
        help_text=_("The same model trained on the older sales only (hold-out)."),
    )
    evaluation_artifact_sha256 = models.CharField(_("evaluation artifact checksum (SHA-256)"), max_length=64,
                                                  blank=True)
    metrics = models.JSONField(
        _("metrics"),
        default=dict,
        blank=True,
        help_text=_("Hold-out figures: overall, per category and county, noise floor, plot sample."),
    )
    training_summary = models.JSONField(_("training summary"), default=dict, blank=True)
    features = models.JSONField(_("model features"), default=list, blank=True)
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    training_seconds = models.FloatField(_("training time (s)"), default=0)
    notes = models.TextField(_("notes"), blank=True)
    estimates_written_at = models.DateTimeField(_("estimates written at"), null=True, blank=True)
    estimates_written = models.PositiveIntegerField(_("estimates written"), default=0)

    class Meta:
        db_table = "recommendations_valuationmodelversion"  # created by the recommendations app, kept on the move
        ordering = ["-version"]
        constraints = [
            models.UniqueConstraint(fields=["is_active"], condition=models.Q(is_active=True),
                                    name="valuation_one_active_version"),
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        """What estimates written by this version carry as their estimate_source."""
        return f"valuation-v{self.version}"

    @property
    def mdape(self):
        return (self.metrics.get("overall") or {}).get("mdape")

    @property
    def coverage(self):
        return (self.metrics.get("overall") or {}).get("coverage")

    @property
    def floor_mdape(self):
        return (self.metrics.get("noise_floor") or {}).get("mdape")


class ValuationArtifact(models.Model):
    """A trained model's bytes (joblib), with the library versions that wrote it. Every process reads models
    from here: nothing depends on a disk shared between the web and worker containers."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    sha256 = models.CharField(_("checksum (SHA-256)"), max_length=64)
    data = models.BinaryField(_("model bytes"))
    size = models.PositiveIntegerField(_("size"), default=0, help_text=_("Bytes."))
    sklearn_version = models.CharField(_("scikit-learn version"), max_length=32, blank=True,
                                       help_text=_("Empty: not recorded (an imported file)."))
    numpy_version = models.CharField(_("NumPy version"), max_length=32, blank=True)
    joblib_version = models.CharField(_("joblib version"), max_length=32, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.name


class PropertyEstimateHistory(models.Model):
    """One version's estimate of one property, kept when later versions replace it (the property page's chart)."""

    # Only the (property, version) unique index: a version writes a row for every property, so each extra
    # index is a million more entries to maintain; the unique index serves the property page's lookup.
    property = models.ForeignKey("properties.Property", verbose_name=_("property"), on_delete=models.CASCADE,
                                 related_name="estimate_history", db_index=False)
    version = models.ForeignKey(ValuationModelVersion, verbose_name=_("model version"), on_delete=models.CASCADE,
                                related_name="estimate_history", db_index=False)
    estimate = models.BigIntegerField(_("estimate"), help_text=_("NOK"))
    low = models.BigIntegerField(_("low"), help_text=_("NOK, 10th percentile"))
    high = models.BigIntegerField(_("high"), help_text=_("NOK, 90th percentile"))
    estimated_at = models.DateTimeField(_("estimated at"))

    class Meta:
        verbose_name = _("estimate history entry")
        verbose_name_plural = _("estimate history entries")
        constraints = [
            models.UniqueConstraint(fields=["property", "version"], name="estimate_history_once_per_version"),
        ]
