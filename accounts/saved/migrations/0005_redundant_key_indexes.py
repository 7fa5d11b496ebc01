"""A saved search's hits keep two indexes, not four: the unique (saved_search, property) leads with the search,
and `savedsearchhit_property` already indexes the property (the foreign keys' own indexes repeated them)."""
import django.db.models.deletion
from django.db import migrations, models

from epty.migration_ops import key_index_drop


class Migration(migrations.Migration):

    dependencies = [
        ("properties", "0015_redundant_key_indexes"),
        ("saved", "0004_field_labels_translated"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="savedsearchhit",
                    name="property",
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE,
                                            related_name="+", to="properties.property", verbose_name="property"),
                ),
                migrations.AlterField(
                    model_name="savedsearchhit",
                    name="saved_search",
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE,
                                            related_name="hits", to="saved.savedsearch", verbose_name="saved search"),
                ),
            ],
            database_operations=[key_index_drop("saved", "SavedSearchHit", "property_id", "saved_search_id")],
        ),
    ]
