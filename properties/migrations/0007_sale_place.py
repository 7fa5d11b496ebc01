"""PropertySale.category/lat/lon/usable_area: a copy of the sold property's facts, for comparable sales.

The valuation endpoint asks for "recent sales of this category near this point". With the place on
the sale, that is one range scan of a covering index on this table, instead of picking properties
in a box and then looking for their sales (p95 150 ms at 1M properties, and an arbitrary choice).

Database triggers keep the copy, so every writer (the COPY bulk insert, bulk_create, admin, tests)
gets it without knowing: a new sale takes its property's facts unless the writer gave them, and a
change to a property's category, coordinate or area is carried to its sales.
"""
from django.db import migrations, models


POSTGRESQL = [
    """CREATE OR REPLACE FUNCTION properties_sale_place() RETURNS trigger AS $$
    BEGIN
        IF NEW.lat IS NULL THEN
            SELECT p.category, p.lat, p.lon, p.usable_area INTO NEW.category, NEW.lat, NEW.lon, NEW.usable_area
            FROM properties_property p WHERE p.id = NEW.property_id;
        END IF;
        RETURN NEW;
    END $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER sale_place BEFORE INSERT ON properties_propertysale
    FOR EACH ROW EXECUTE FUNCTION properties_sale_place()""",
    """CREATE OR REPLACE FUNCTION properties_property_place_to_sales() RETURNS trigger AS $$
    BEGIN
        UPDATE properties_propertysale SET category = NEW.category, lat = NEW.lat, lon = NEW.lon,
            usable_area = NEW.usable_area WHERE property_id = NEW.id;
        RETURN NULL;
    END $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER prop_place_to_sales AFTER UPDATE OF category, lat, lon, usable_area ON properties_property
    FOR EACH ROW WHEN (OLD.category IS DISTINCT FROM NEW.category OR OLD.lat IS DISTINCT FROM NEW.lat
                       OR OLD.lon IS DISTINCT FROM NEW.lon OR OLD.usable_area IS DISTINCT FROM NEW.usable_area)
    EXECUTE FUNCTION properties_property_place_to_sales()""",
    """UPDATE properties_propertysale s SET category = p.category, lat = p.lat, lon = p.lon, usable_area = p.usable_area
    FROM properties_property p WHERE p.id = s.property_id""",
    # Index-only: category, then a latitude band filtered on longitude inside the index.
    """CREATE INDEX sale_place ON properties_propertysale (category, lat, lon)
    INCLUDE (sold_on, price, property_id, usable_area)""",
]
POSTGRESQL_BACK = [
    "DROP INDEX IF EXISTS sale_place",
    "DROP TRIGGER IF EXISTS prop_place_to_sales ON properties_property",
    "DROP FUNCTION IF EXISTS properties_property_place_to_sales()",
    "DROP TRIGGER IF EXISTS sale_place ON properties_propertysale",
    "DROP FUNCTION IF EXISTS properties_sale_place()",
]
SQLITE = [
    """CREATE TRIGGER sale_place AFTER INSERT ON properties_propertysale FOR EACH ROW WHEN NEW.lat IS NULL
    BEGIN UPDATE properties_propertysale SET
        category = (SELECT category FROM properties_property WHERE id = NEW.property_id),
        lat = (SELECT lat FROM properties_property WHERE id = NEW.property_id),
        lon = (SELECT lon FROM properties_property WHERE id = NEW.property_id),
        usable_area = (SELECT usable_area FROM properties_property WHERE id = NEW.property_id)
    WHERE id = NEW.id; END""",
    """CREATE TRIGGER prop_place_to_sales AFTER UPDATE OF category, lat, lon, usable_area ON properties_property
    FOR EACH ROW WHEN OLD.category IS NOT NEW.category OR OLD.lat IS NOT NEW.lat OR OLD.lon IS NOT NEW.lon
                      OR OLD.usable_area IS NOT NEW.usable_area
    BEGIN UPDATE properties_propertysale SET category = NEW.category, lat = NEW.lat, lon = NEW.lon,
        usable_area = NEW.usable_area WHERE property_id = NEW.id; END""",
    """UPDATE properties_propertysale SET
        category = (SELECT category FROM properties_property p WHERE p.id = property_id),
        lat = (SELECT lat FROM properties_property p WHERE p.id = property_id),
        lon = (SELECT lon FROM properties_property p WHERE p.id = property_id),
        usable_area = (SELECT usable_area FROM properties_property p WHERE p.id = property_id)""",
    "CREATE INDEX sale_place ON properties_propertysale (category, lat, lon)",
]
SQLITE_BACK = ["DROP INDEX IF EXISTS sale_place", "DROP TRIGGER IF EXISTS prop_place_to_sales",
               "DROP TRIGGER IF EXISTS sale_place"]


def forwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for sql in POSTGRESQL if vendor == "postgresql" else SQLITE if vendor == "sqlite" else []:
        schema_editor.execute(sql)


def backwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for sql in POSTGRESQL_BACK if vendor == "postgresql" else SQLITE_BACK if vendor == "sqlite" else []:
        schema_editor.execute(sql)


def _copied(name, field):
    return migrations.AddField(model_name="propertysale", name=name, field=field)


class Migration(migrations.Migration):
    dependencies = [("properties", "0006_covering_search_indexes")]
    operations = [
        _copied("category", models.CharField(blank=True, editable=False, max_length=16, null=True)),
        _copied("lat", models.FloatField(blank=True, editable=False, null=True)),
        _copied("lon", models.FloatField(blank=True, editable=False, null=True)),
        _copied("usable_area", models.PositiveIntegerField(blank=True, editable=False, null=True)),
        migrations.RunPython(forwards, backwards, elidable=False),
    ]
