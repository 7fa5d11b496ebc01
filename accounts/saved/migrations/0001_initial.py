"""Saved things move here from accounts: state only. The tables (accounts_collection, …) stay as they are."""
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ("accounts", "0005_saved_things_and_outbox_move_out"),
        ("properties", "0004_estimate_previous"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(state_operations=[
            migrations.CreateModel(
                name='Collection',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('name', models.CharField(max_length=100, verbose_name='name')),
                    ('is_default', models.BooleanField(default=False, editable=False)),
                    ('created_at', models.DateTimeField(auto_now_add=True)),
                    ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='collections', to=settings.AUTH_USER_MODEL)),
                ],
                options={
                    'db_table': 'accounts_collection',
                    'ordering': ['-is_default', 'name', 'id'],
                },
            ),
            migrations.CreateModel(
                name='SavedProperty',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('note', models.TextField(blank=True, max_length=2000, verbose_name='note')),
                    ('tags', models.JSONField(blank=True, default=list, verbose_name='tags')),
                    ('created_at', models.DateTimeField(auto_now_add=True)),
                    ('collection', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='items', to='saved.collection')),
                    ('property', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='properties.property')),
                ],
                options={
                    'db_table': 'accounts_savedproperty',
                    'ordering': ['-created_at', '-id'],
                },
            ),
            migrations.CreateModel(
                name='SavedSearch',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('name', models.CharField(max_length=100, verbose_name='name')),
                    ('params', models.JSONField(default=dict, help_text='Search parameters as the search page takes them.')),
                    ('frequency', models.CharField(choices=[('instant', 'Instantly'), ('daily', 'Daily'), ('weekly', 'Weekly'), ('off', 'Off')], default='daily', max_length=8, verbose_name='alerts')),
                    ('last_notified', models.DateTimeField()),
                    ('created_at', models.DateTimeField(auto_now_add=True)),
                    ('updated_at', models.DateTimeField(auto_now=True)),
                    ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='saved_searches', to=settings.AUTH_USER_MODEL)),
                ],
                options={
                    'db_table': 'accounts_savedsearch',
                    'ordering': ['name', 'id'],
                },
            ),
            migrations.CreateModel(
                name='SavedSearchHit',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('estimate', models.BigIntegerField(blank=True, null=True)),
                    ('notified_at', models.DateTimeField()),
                    ('property', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='properties.property')),
                    ('saved_search', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='hits', to='saved.savedsearch')),
                ],
                options={
                    'db_table': 'accounts_savedsearchhit',
                },
            ),
            migrations.CreateModel(
                name='SearchHistoryEntry',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('params', models.JSONField(default=dict)),
                    ('result_count', models.IntegerField(blank=True, help_text="None when the search was not counted; capped like the search's count.", null=True)),
                    ('count_is_exact', models.BooleanField(default=True)),
                    ('via', models.CharField(choices=[('page', 'Search page'), ('api', 'API')], default='page', max_length=8)),
                    ('created_at', models.DateTimeField(db_index=True)),
                    ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='search_history', to=settings.AUTH_USER_MODEL)),
                ],
                options={
                    'db_table': 'accounts_searchhistoryentry',
                    'ordering': ['-created_at', '-id'],
                },
            ),
            migrations.AddConstraint(
                model_name='collection',
                constraint=models.UniqueConstraint(fields=('user', 'name'), name='collection_unique_name_per_user'),
            ),
            migrations.AddConstraint(
                model_name='collection',
                constraint=models.UniqueConstraint(condition=models.Q(('is_default', True)), fields=('user',), name='collection_one_default_per_user'),
            ),
            migrations.AddIndex(
                model_name='savedproperty',
                index=models.Index(fields=['property', 'collection'], name='savedproperty_property'),
            ),
            migrations.AddConstraint(
                model_name='savedproperty',
                constraint=models.UniqueConstraint(fields=('collection', 'property'), name='savedproperty_unique'),
            ),
            migrations.AddIndex(
                model_name='savedsearch',
                index=models.Index(fields=['frequency', 'last_notified'], name='savedsearch_due'),
            ),
            migrations.AddIndex(
                model_name='savedsearchhit',
                index=models.Index(fields=['property'], name='savedsearchhit_property'),
            ),
            migrations.AddConstraint(
                model_name='savedsearchhit',
                constraint=models.UniqueConstraint(fields=('saved_search', 'property'), name='savedsearchhit_unique'),
            ),
            migrations.AddIndex(
                model_name='searchhistoryentry',
                index=models.Index(fields=['user', '-created_at'], name='searchhistory_user_time'),
            ),
        ]),
    ]
