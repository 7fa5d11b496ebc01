"""Every version's estimate of every property, kept (the property page's estimate history)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('properties', '0008_provenance_and_open_register'),
        ('valuation', '0002_model_artifacts_in_database'),
    ]

    operations = [
        migrations.CreateModel(
            name='PropertyEstimateHistory',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('estimate', models.BigIntegerField(help_text='NOK')),
                ('low', models.BigIntegerField(help_text='NOK, 10th percentile')),
                ('high', models.BigIntegerField(help_text='NOK, 90th percentile')),
                ('estimated_at', models.DateTimeField()),
                ('property', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='estimate_history', to='properties.property')),
                ('version', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='estimate_history', to='valuation.valuationmodelversion')),
            ],
            options={
                'verbose_name': 'estimate history entry',
                'verbose_name_plural': 'estimate history entries',
                'constraints': [models.UniqueConstraint(fields=('property', 'version'), name='estimate_history_once_per_version')],
            },
        ),
    ]
