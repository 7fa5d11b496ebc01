"""Per-fact provenance, every address of a property, unknown categories, the open address register.

Existing properties get their facts' sources from their own source: generated ones are
synthetic throughout (feature tags included); ones synced from Matrikkelen have every fact from
the Matrikkel API except bedrooms and feature tags, which it does not have.
"""

import importlib

from django.db import migrations, models

sale_place = importlib.import_module("properties.migrations.0007_sale_place")

FACTS = ("location", "address", "category", "building_type_code", "usable_area", "plot_area", "rooms", "bedrooms",
         "floors", "year_built")


def sqlite_triggers_off(apps, schema_editor):
    """SQLite rebuilds properties_property to add columns; the sale triggers (0007) name it, so they step aside."""
    if schema_editor.connection.vendor == "sqlite":
        for sql in ("DROP TRIGGER IF EXISTS prop_place_to_sales", "DROP TRIGGER IF EXISTS sale_place"):
            schema_editor.execute(sql)


def sqlite_triggers_on(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        for sql in sale_place.SQLITE[:2]:
            schema_editor.execute(sql)


def fill(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        pairs = lambda label: ", ".join(f"'{fact}', '{label}'" for fact in FACTS)  # noqa: E731 - a one-line SQL fragment builder used twice below
        schema_editor.execute(f"""
            UPDATE properties_property SET
              fact_sources = CASE WHEN source = 'demo' THEN
                  jsonb_build_object({pairs('demo')}, 'features', 'demo', 'feature_tags',
                      (SELECT coalesce(jsonb_object_agg(t, 'demo'), '{{}}'::jsonb) FROM jsonb_array_elements_text(features) t))
                ELSE jsonb_build_object({pairs('matrikkel_api')}) END,
              addresses = CASE WHEN address <> '' THEN jsonb_build_array(jsonb_build_object(
                  'text', address, 'postcode', postcode, 'town', town, 'lat', lat, 'lon', lon)) ELSE '[]'::jsonb END""")
        return
    Property = apps.get_model("properties", "Property")
    batch = []
    for prop in Property.objects.only("source", "features", "address", "postcode", "town", "lat", "lon").iterator():
        label = "demo" if prop.source == "demo" else "matrikkel_api"
        prop.fact_sources = {fact: label for fact in FACTS}
        if prop.source == "demo":
            prop.fact_sources.update(features="demo", feature_tags={t: "demo" for t in prop.features or []})
        prop.addresses = [{"text": prop.address, "postcode": prop.postcode, "town": prop.town, "lat": prop.lat,
                           "lon": prop.lon}] if prop.address else []
        batch.append(prop)
        if len(batch) >= 2000:
            Property.objects.bulk_update(batch, ["fact_sources", "addresses"])
            batch = []
    Property.objects.bulk_update(batch, ["fact_sources", "addresses"])


class Migration(migrations.Migration):

    dependencies = [
        ('properties', '0007_sale_place'),
    ]

    operations = [
        migrations.RunPython(sqlite_triggers_off, sqlite_triggers_on),
        migrations.AddField(
            model_name='property',
            name='addresses',
            field=models.JSONField(blank=True, default=list, help_text='Every address of the matrikkelenhet: [{text, postcode, town, lat, lon}], the main one first.'),
        ),
        migrations.AddField(
            model_name='property',
            name='fact_sources',
            field=models.JSONField(blank=True, default=dict, help_text="Source (FactSource) of each fact in FACTS, and of each present feature tag under 'feature_tags'."),
        ),
        migrations.AddField(
            model_name='syncstate',
            name='file_sha256',
            field=models.CharField(blank=True, max_length=64),
        ),
        migrations.AlterField(
            model_name='property',
            name='address',
            field=models.CharField(blank=True, help_text='The main address (see addresses).', max_length=200),
        ),
        migrations.AlterField(
            model_name='property',
            name='category',
            field=models.CharField(blank=True, choices=[('residential', 'Residential'), ('cabin', 'Cabin'), ('commercial', 'Commercial')], help_text='Unknown (null) until a source with buildings says.', max_length=16, null=True),
        ),
        migrations.AlterField(
            model_name='property',
            name='features',
            field=models.JSONField(blank=True, default=list, help_text="Tags from: waterfront, sauna, garage, balcony, fireplace, view, jetty, ski_in_out, road_access, electricity, water. Absent tags mean 'no' only where fact_sources has 'features' (a source that records them all); else unknown."),
        ),
        migrations.AlterField(
            model_name='property',
            name='search_text',
            field=models.CharField(default='', editable=False, help_text='Folded addresses, postcodes, towns and municipality for free-text search.', max_length=1000),
        ),
        migrations.AlterField(
            model_name='property',
            name='source',
            field=models.CharField(choices=[('matrikkelen', 'Matrikkelen (Kartverket)'), ('open_register', "Kartverket's open address register"), ('demo', 'Synthetic demo data')], default='matrikkelen', max_length=16),
        ),
        migrations.AlterField(
            model_name='syncrun',
            name='kind',
            field=models.CharField(choices=[('full', 'Full import'), ('incremental', 'Incremental (change log)'), ('refresh', 'Refresh of one property'), ('open_data', 'Open address register import')], max_length=16),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
        migrations.RunPython(sqlite_triggers_on, sqlite_triggers_off),
    ]
