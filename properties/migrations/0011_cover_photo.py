"""The cover photo's thumbnail path, kept by the photos app (shown on result cards, the map and the API)."""

import importlib

from django.db import migrations, models

provenance = importlib.import_module("properties.migrations.0008_provenance_and_open_register")


class Migration(migrations.Migration):

    dependencies = [
        ('properties', '0010_sale_sync_and_map_cell_labels_translated'),
    ]

    operations = [
        # SQLite rebuilds the table to add a column: its sale triggers step aside meanwhile (as in 0008).
        migrations.RunPython(provenance.sqlite_triggers_off, provenance.sqlite_triggers_on),
        migrations.AddField(
            model_name='property',
            name='cover_photo',
            field=models.CharField(blank=True, db_default='', default='', editable=False, help_text="Path of the visible cover photo's thumbnail (kept by the photos app).", max_length=200),
        ),
        migrations.RunPython(provenance.sqlite_triggers_on, provenance.sqlite_triggers_off),
    ]
