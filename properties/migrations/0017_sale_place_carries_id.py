"""The `sale_place` index carries the sale's id as well, so that comparable sales (which name each sale) are read
from the index alone. Without it every candidate sale in the box was fetched from the table: at 4,000,000
properties and as many sales, a valuation's comparables took 6-40 ms instead of about 1.
"""
from django.db import migrations

CREATE = ("CREATE INDEX sale_place ON properties_propertysale (category, lat, lon) "
          "INCLUDE (sold_on, price, property_id, usable_area{extra})")


def index_recreate(extra: str):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute("DROP INDEX IF EXISTS sale_place")
            schema_editor.execute(CREATE.format(extra=extra))
    return run


class Migration(migrations.Migration):
    dependencies = [("properties", "0016_live_covering_place_index")]
    operations = [migrations.RunPython(index_recreate(", id"), index_recreate(""), elidable=False)]
