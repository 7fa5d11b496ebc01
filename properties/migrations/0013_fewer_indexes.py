"""Three indexes of properties_property that do not earn their write cost, dropped.

Every write of a row that changes an indexed column (an estimate, say) adds an entry to each of the
table's indexes, so an index must serve a query. Measured at 1,000,000 properties with the search
mix (`bench/search.py --index-usage`: scans per index after pg_stat_reset, and each query's plan) and
by timing each mix query and some harder ones with the index dropped (bench/README.md, "Indexes"):

* the pattern-ops index Django adds for the unique `external_id` (LIKE 'prefix%'): no query of
  epty's can use it (lookups are by equality, which the unique index serves; the admin's
  `=external_id` search is case-insensitive, which neither serves). 0 scans; 51 MB.
* `prop_building_type` (building_type_code): a prefix of `prop_btype_estimate`, which serves the
  same filter and its sort. 0 scans.
* `prop_lon_lat` (lon, lat): bounding boxes are answered by `prop_lat_lon` with the longitude
  checked inside the index (the rural Vinje box: 2.1 ms -> 2.9 ms), or by the covering estimate
  index; the radius searches already used `prop_lat_lon`. 38 MB.

Kept although the mix barely uses them: `prop_muni_estimate` and `prop_county_estimate` (without
them a small municipality or county is a bitmap scan that grows with the catalogue, or a long walk
down the estimate index: the smallest county 0.07 ms -> 12.8 ms), `prop_btype_estimate` (a rare
building type 0.07 ms -> 340 ms), `prop_area_asc` (the "smallest first" sort). An estimate write
cannot be a HOT update while any index holds `estimate`, and the default sort needs one (without
any, the unfiltered first page takes 1 s at 1,000,000), so no fillfactor is set. Writing every
estimate at 1,000,000 took 127 s with the 19 indexes and 131 s with these 16 (within the noise of the
shared machine): what the drop saves is about 95 MB at 1,000,000 and an entry per write in each.
"""
from django.db import migrations

LIKE_COLUMN = "external_id"


def _like_index_name(schema_editor, model) -> str:
    return schema_editor._create_index_name(model._meta.db_table, [LIKE_COLUMN], suffix="_like")


def like_index_drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        model = apps.get_model("properties", "Property")
        schema_editor.execute(f"DROP INDEX IF EXISTS {schema_editor.quote_name(_like_index_name(schema_editor, model))}")


def like_index_create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        model = apps.get_model("properties", "Property")
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {schema_editor.quote_name(_like_index_name(schema_editor, model))} "
            f"ON {schema_editor.quote_name(model._meta.db_table)} ({LIKE_COLUMN} varchar_pattern_ops)")


class Migration(migrations.Migration):
    dependencies = [("properties", "0012_open_to_offers_and_daily_views")]
    operations = [
        migrations.RemoveIndex(model_name="property", name="prop_building_type"),
        migrations.RemoveIndex(model_name="property", name="prop_lon_lat"),
        migrations.RunPython(like_index_drop, like_index_create, elidable=False),
    ]
