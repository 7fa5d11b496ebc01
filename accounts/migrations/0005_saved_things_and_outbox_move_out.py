"""Saved things move to their own app (accounts.saved, label "saved") and the outbox to epty.mail
(label "mail"). State only: the tables stay where they are, with their rows, indexes and constraints;
saved/0001 and mail/0001 take the models over with the same tables (db_table), and their 0002
migrations relabel the content types so that permissions and admin history keep pointing at them."""
from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("accounts", "0004_user_language_follows_browser"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(state_operations=[
            migrations.DeleteModel(name="SavedSearchHit"),
            migrations.DeleteModel(name="SavedProperty"),
            migrations.DeleteModel(name="SavedSearch"),
            migrations.DeleteModel(name="Collection"),
            migrations.DeleteModel(name="SearchHistoryEntry"),
            migrations.DeleteModel(name="OutboxMessage"),
        ]),
    ]
