"""PostgreSQL: the most used search indexes carry the filter columns (INCLUDE), so the first step
of a search — the page's (id, sort key) — is an index-only scan that rejects non-matching rows
without reading the table. At 1M properties this took "homes of 80–120 m² with 4+ rooms, highest
estimate first" from 85 ms to 5 ms, and "cabins with a sauna in Innlandet built since 1980, newest
first" from 125 ms to 8 ms. Same keys as before; other databases are unchanged.
"""
from django.db import migrations

INCLUDE = ("usable_area, rooms, bedrooms, year_built, category, building_type_code, feature_mask, "
           "retired_at, municipality_number, county_number")
INDEXES = {
    "prop_estimate_desc": "(estimate DESC NULLS LAST, id DESC)",
    "prop_cat_estimate": "(category, estimate DESC NULLS LAST, id DESC)",
    "prop_muni_cat_estimate": "(municipality_number, category, estimate DESC NULLS LAST, id DESC)",
    "prop_county_cat_estimate": "(county_number, category, estimate DESC NULLS LAST, id DESC)",
}


def _rebuild(schema_editor, include: bool) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, key in INDEXES.items():
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")
        extra = f" INCLUDE ({INCLUDE})" if include else ""
        schema_editor.execute(f"CREATE INDEX {name} ON properties_property {key}{extra}")


def forwards(apps, schema_editor):
    _rebuild(schema_editor, include=True)


def backwards(apps, schema_editor):
    _rebuild(schema_editor, include=False)


class Migration(migrations.Migration):
    dependencies = [("properties", "0005_category_search_indexes")]
    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
