"""PostgreSQL: indexes led by category and building type, alone and after a place.

Prices are strongly correlated with category (cabins are cheaper than homes), so "cabins, most
expensive first" walking the plain estimate index reads ~70,000 homes before the first cabin at
1M properties; the same for recommendations that fix a place, a category and a price range
(cabins in Oslo for 5–8 M). Other databases keep the plain indexes from 0002; the queries are
the same.
"""
from django.db import migrations

POSTGRESQL = [
    "CREATE INDEX IF NOT EXISTS prop_cat_estimate ON properties_property "
    "(category, estimate DESC NULLS LAST, id DESC)",
    "CREATE INDEX IF NOT EXISTS prop_btype_estimate ON properties_property "
    "(building_type_code, estimate DESC NULLS LAST, id DESC)",
    "CREATE INDEX IF NOT EXISTS prop_muni_cat_estimate ON properties_property "
    "(municipality_number, category, estimate DESC NULLS LAST, id DESC)",
    "CREATE INDEX IF NOT EXISTS prop_county_cat_estimate ON properties_property "
    "(county_number, category, estimate DESC NULLS LAST, id DESC)",
]


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in POSTGRESQL:
            schema_editor.execute(sql)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for name in ("prop_cat_estimate", "prop_btype_estimate", "prop_muni_cat_estimate", "prop_county_cat_estimate"):
            schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("properties", "0004_estimate_previous")]
    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
