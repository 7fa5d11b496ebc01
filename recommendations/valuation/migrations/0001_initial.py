"""The valuation registry, handed over from the recommendations app: state only, the table stays.

The table `recommendations_valuationmodelversion` was created by recommendations 0001 and keeps
its name, rows, ids and constraints; recommendations 0003 removes the model from that app's state.
"""
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ("recommendations", "0002_market_trends"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="ValuationModelVersion",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("version", models.PositiveIntegerField(unique=True)),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        ("is_active", models.BooleanField(default=False)),
                        ("activated_at", models.DateTimeField(blank=True, help_text="Last time this version was activated.", null=True)),
                        ("artifact_name", models.CharField(help_text="Production model, trained on every sale.", max_length=100)),
                        ("artifact_sha256", models.CharField(max_length=64)),
                        ("evaluation_artifact_name", models.CharField(blank=True, help_text="The same model trained on the older sales only (hold-out).", max_length=100)),
                        ("evaluation_artifact_sha256", models.CharField(blank=True, max_length=64)),
                        ("metrics", models.JSONField(blank=True, default=dict, help_text="Hold-out figures: overall, per category and county, noise floor, plot sample.")),
                        ("training_summary", models.JSONField(blank=True, default=dict)),
                        ("features", models.JSONField(blank=True, default=list)),
                        ("params", models.JSONField(blank=True, default=dict)),
                        ("training_seconds", models.FloatField(default=0)),
                        ("notes", models.TextField(blank=True)),
                        ("estimates_written_at", models.DateTimeField(blank=True, null=True)),
                        ("estimates_written", models.PositiveIntegerField(default=0)),
                    ],
                    options={
                        "db_table": "recommendations_valuationmodelversion",
                        "ordering": ["-version"],
                        "constraints": [models.UniqueConstraint(condition=models.Q(("is_active", True)), fields=("is_active",), name="valuation_one_active_version")],
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
