"""The sale's property key loses its own index: the unique (property, sold_on, price) leads with it."""
import django.db.models.deletion
from django.db import migrations, models

from epty.migration_ops import key_index_drop


class Migration(migrations.Migration):

    dependencies = [
        ("properties", "0014_field_labels_translated"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="propertysale",
                    name="property",
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE,
                                            related_name="sales", to="properties.property", verbose_name="property"),
                ),
            ],
            database_operations=[key_index_drop("properties", "PropertySale", "property_id")],
        ),
    ]
