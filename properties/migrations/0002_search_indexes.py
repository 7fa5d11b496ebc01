"""Indexes for search sorting and keyset pagination, per database.

PostgreSQL: (sort key NULLS LAST, id) in both directions, the same led by
municipality and county, and a trigram index for free-text address search
(LIKE '%…%' on the folded search_text). SQLite (the embedded default) cannot
index NULLS LAST; it gets plain indexes that serve the same queries at demo scale.
The queries themselves are the same on both.
"""
from django.db import migrations

POSTGRESQL = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX prop_estimate_desc ON properties_property (estimate DESC NULLS LAST, id DESC)",
    "CREATE INDEX prop_estimate_asc ON properties_property (estimate ASC NULLS LAST, id ASC)",
    "CREATE INDEX prop_area_desc ON properties_property (usable_area DESC NULLS LAST, id DESC)",
    "CREATE INDEX prop_area_asc ON properties_property (usable_area ASC NULLS LAST, id ASC)",
    "CREATE INDEX prop_year_desc ON properties_property (year_built DESC NULLS LAST, id DESC)",
    "CREATE INDEX prop_muni_estimate ON properties_property (municipality_number, estimate DESC NULLS LAST, id DESC)",
    "CREATE INDEX prop_county_estimate ON properties_property (county_number, estimate DESC NULLS LAST, id DESC)",
    "CREATE INDEX prop_search_text_trgm ON properties_property USING gin (search_text gin_trgm_ops)",
]
OTHER = [
    "CREATE INDEX prop_estimate ON properties_property (estimate, id)",
    "CREATE INDEX prop_area ON properties_property (usable_area, id)",
    "CREATE INDEX prop_year ON properties_property (year_built, id)",
    "CREATE INDEX prop_muni_estimate ON properties_property (municipality_number, estimate, id)",
    "CREATE INDEX prop_county_estimate ON properties_property (county_number, estimate, id)",
]
NAMES = ["prop_estimate_desc", "prop_estimate_asc", "prop_area_desc", "prop_area_asc", "prop_year_desc",
         "prop_muni_estimate", "prop_county_estimate", "prop_search_text_trgm", "prop_estimate", "prop_area", "prop_year"]


def forwards(apps, schema_editor):
    for sql in POSTGRESQL if schema_editor.connection.vendor == "postgresql" else OTHER:
        schema_editor.execute(sql)


def backwards(apps, schema_editor):
    for name in NAMES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("properties", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
