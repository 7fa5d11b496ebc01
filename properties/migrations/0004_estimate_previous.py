"""Property.estimate_previous: the estimate before its last change, for estimate-moved alerts.

A database trigger keeps it, so every writer (the bulk SQL upsert, bulk_update, the valuation
task, admin) maintains it without knowing about alerts.
"""
from django.db import migrations, models

POSTGRESQL = [
    """CREATE OR REPLACE FUNCTION properties_property_estimate_previous() RETURNS trigger AS $$
    BEGIN
        IF NEW.estimate IS DISTINCT FROM OLD.estimate THEN
            NEW.estimate_previous := OLD.estimate;
        END IF;
        RETURN NEW;
    END $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER prop_estimate_previous BEFORE UPDATE OF estimate ON properties_property
    FOR EACH ROW EXECUTE FUNCTION properties_property_estimate_previous()""",
]
POSTGRESQL_BACK = [
    "DROP TRIGGER IF EXISTS prop_estimate_previous ON properties_property",
    "DROP FUNCTION IF EXISTS properties_property_estimate_previous()",
]
SQLITE = [
    """CREATE TRIGGER prop_estimate_previous AFTER UPDATE OF estimate ON properties_property
    FOR EACH ROW WHEN NEW.estimate IS NOT OLD.estimate
    BEGIN UPDATE properties_property SET estimate_previous = OLD.estimate WHERE id = NEW.id; END""",
]
SQLITE_BACK = ["DROP TRIGGER IF EXISTS prop_estimate_previous"]


def forwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for sql in POSTGRESQL if vendor == "postgresql" else SQLITE if vendor == "sqlite" else []:
        schema_editor.execute(sql)


def backwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for sql in POSTGRESQL_BACK if vendor == "postgresql" else SQLITE_BACK if vendor == "sqlite" else []:
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("properties", "0003_matrikkelen_sync")]
    operations = [
        migrations.AddField(
            model_name="property", name="estimate_previous",
            field=models.BigIntegerField(blank=True, editable=False, null=True,
                                         help_text="NOK; the estimate before the last change (kept by a database "
                                                   "trigger, migration 0004), for estimate-moved alerts."),
        ),
        migrations.RunPython(forwards, backwards, elidable=False),
    ]
