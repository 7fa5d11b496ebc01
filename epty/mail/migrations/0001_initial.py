"""The outbox moves here from accounts: state only. The table (accounts_outboxmessage) stays as it is."""
import uuid

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ("accounts", "0005_saved_things_and_outbox_move_out"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(state_operations=[
            migrations.CreateModel(
                name='OutboxMessage',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('key', models.UUIDField(default=uuid.uuid4, editable=False, help_text="For the digest's web page.", unique=True)),
                    ('kind', models.CharField(default='alert_digest', max_length=20)),
                    ('to', models.EmailField(max_length=254)),
                    ('subject', models.CharField(max_length=300)),
                    ('body_text', models.TextField()),
                    ('body_html', models.TextField(blank=True)),
                    ('headers', models.JSONField(blank=True, default=dict)),
                    ('property_ids', models.JSONField(blank=True, default=list, help_text='Everything the digest covers, capped or not.')),
                    ('created_at', models.DateTimeField(auto_now_add=True)),
                    ('sent_at', models.DateTimeField(blank=True, null=True)),
                    ('attempts', models.PositiveSmallIntegerField(default=0)),
                    ('last_error', models.TextField(blank=True)),
                    ('user', models.ForeignKey(help_text="The recipient's account.", on_delete=django.db.models.deletion.CASCADE, related_name='+', to=settings.AUTH_USER_MODEL)),
                ],
                options={
                    'db_table': 'accounts_outboxmessage',
                    'ordering': ['id'],
                    'indexes': [models.Index(fields=['sent_at', 'id'], name='outbox_pending')],
                },
            ),
        ]),
    ]
