"""Market trends and comparable levels, handed over from the recommendations app: state only, the tables stay.

`recommendations_markettrend` and `recommendations_comparablelevel` were created by recommendations
0002 and keep their names, rows, ids, indexes and constraints; recommendations 0003 removes the
models from that app's state.
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
                    name="ComparableLevel",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("municipality_number", models.CharField(max_length=4)),
                        ("category", models.CharField(max_length=16)),
                        ("area_bucket", models.SmallIntegerField()),
                        ("median_estimate", models.BigIntegerField()),
                        ("count", models.PositiveIntegerField()),
                        ("updated_at", models.DateTimeField()),
                    ],
                    options={
                        "db_table": "recommendations_comparablelevel",
                        "constraints": [models.UniqueConstraint(fields=("municipality_number", "category", "area_bucket"), name="comparablelevel_unique")],
                    },
                ),
                migrations.CreateModel(
                    name="MarketTrend",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("source", models.CharField(choices=[("ssb", "Statistics Norway (SSB)"), ("platform", "epty sales")], max_length=16)),
                        ("metric", models.CharField(choices=[("index", "Price index"), ("price_m2", "Price per m²")], max_length=16)),
                        ("region_kind", models.CharField(choices=[("country", "Norway"), ("county", "County"), ("municipality", "Municipality"), ("ssb_region", "SSB region")], max_length=16)),
                        ("region_code", models.CharField(help_text="NO, a county or municipality number, or SSB's code.", max_length=16)),
                        ("region_name", models.CharField(max_length=100)),
                        ("municipality_numbers", models.JSONField(blank=True, default=list)),
                        ("dwelling_type", models.CharField(default="all", help_text="all, a catalogue category, or SSB's dwelling type (enebolig, …).", max_length=32)),
                        ("period", models.CharField(max_length=8)),
                        ("period_start", models.DateField()),
                        ("value", models.FloatField()),
                        ("sales", models.PositiveIntegerField(blank=True, help_text="Sales behind the figure, where known.", null=True)),
                        ("fetched_at", models.DateTimeField()),
                    ],
                    options={
                        "db_table": "recommendations_markettrend",
                        "ordering": ["source", "region_code", "dwelling_type", "metric", "period_start"],
                        "indexes": [models.Index(fields=["region_kind", "region_code", "period_start"], name="markettrend_region")],
                        "constraints": [models.UniqueConstraint(fields=("source", "metric", "region_kind", "region_code", "dwelling_type", "period"), name="markettrend_unique")],
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
