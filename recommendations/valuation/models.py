"""The valuation model registry: every trained model is a version; at most one is active."""
from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class ValuationModelVersion(models.Model):
    """One trained valuation model: its artifact (checksummed), metrics and what it was trained on."""

    version = models.PositiveIntegerField(unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    is_active = models.BooleanField(default=False)
    activated_at = models.DateTimeField(null=True, blank=True, help_text="Last time this version was activated.")
    # Artifacts are ValuationArtifact rows (joblib bytes) named here, written by this app only.
    artifact_name = models.CharField(max_length=100, help_text="Production model, trained on every sale.")
    artifact_sha256 = models.CharField(max_length=64)
    evaluation_artifact_name = models.CharField(max_length=100, blank=True,
                                                help_text="The same model trained on the older sales only (hold-out).")
    evaluation_artifact_sha256 = models.CharField(max_length=64, blank=True)
    metrics = models.JSONField(
        default=dict,
        blank=True,
        help_text="Hold-out figures: overall, per category and county, noise floor, plot sample.",
    )
    training_summary = models.JSONField(default=dict, blank=True)
    features = models.JSONField(default=list, blank=True)
    params = models.JSONField(default=dict, blank=True)
    training_seconds = models.FloatField(default=0)
    notes = models.TextField(blank=True)
    estimates_written_at = models.DateTimeField(null=True, blank=True)
    estimates_written = models.PositiveIntegerField(default=0)

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

    name = models.CharField(max_length=100, unique=True)
    sha256 = models.CharField(max_length=64)
    data = models.BinaryField()
    size = models.PositiveIntegerField(default=0, help_text="Bytes.")
    sklearn_version = models.CharField(max_length=32, blank=True, help_text="Empty: not recorded (an imported file).")
    numpy_version = models.CharField(max_length=32, blank=True)
    joblib_version = models.CharField(max_length=32, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.name


class PropertyEstimateHistory(models.Model):
    """One version's estimate of one property, kept when later versions replace it (the property page's chart)."""

    # Only the (property, version) unique index: a version writes a row for every property, so each extra
    # index is a million more entries to maintain; the unique index serves the property page's lookup.
    property = models.ForeignKey("properties.Property", on_delete=models.CASCADE, related_name="estimate_history",
                                 db_index=False)
    version = models.ForeignKey(ValuationModelVersion, on_delete=models.CASCADE, related_name="estimate_history",
                                db_index=False)
    estimate = models.BigIntegerField(help_text="NOK")
    low = models.BigIntegerField(help_text="NOK, 10th percentile")
    high = models.BigIntegerField(help_text="NOK, 90th percentile")
    estimated_at = models.DateTimeField()

    class Meta:
        verbose_name = _("estimate history entry")
        verbose_name_plural = _("estimate history entries")
        constraints = [
            models.UniqueConstraint(fields=["property", "version"], name="estimate_history_once_per_version"),
        ]
