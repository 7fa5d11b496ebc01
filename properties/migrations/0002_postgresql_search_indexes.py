"""PostgreSQL-only: a trigram index for free-text address search.

Portable fallback: on other databases `search_text LIKE '%…%'` runs without it
(same results, slower). Skipped on SQLite.
"""
from django.db import migrations


def _is_postgresql(schema_editor) -> bool:
    return schema_editor.connection.vendor == "postgresql"


def forwards(apps, schema_editor):
    if _is_postgresql(schema_editor):
        schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        schema_editor.execute(
            "CREATE INDEX IF NOT EXISTS prop_search_text_trgm ON properties_property USING gin (search_text gin_trgm_ops)"
        )


def backwards(apps, schema_editor):
    if _is_postgresql(schema_editor):
        schema_editor.execute("DROP INDEX IF EXISTS prop_search_text_trgm")


class Migration(migrations.Migration):
    dependencies = [("properties", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
