"""Migration helpers shared by the apps' migrations."""
from __future__ import annotations

from django.db import migrations


def key_index_drop(app_label: str, model_name: str, *columns: str) -> migrations.RunPython:
    """Drop the single-column indexes Django made for these foreign keys (reversible).

    Used beside an ``AlterField(db_index=False)`` in the state only: letting Django alter the field would
    rebuild the whole table on SQLite (and trip the triggers that name it); dropping the index by its
    generated name is all either database needs.
    """

    def names(apps, schema_editor) -> list[tuple[str, str, str]]:
        table = apps.get_model(app_label, model_name)._meta.db_table
        return [(schema_editor._create_index_name(table, [column]), table, column) for column in columns]

    def forward(apps, schema_editor) -> None:
        for name, _table, _column in names(apps, schema_editor):
            schema_editor.execute(f"DROP INDEX IF EXISTS {schema_editor.quote_name(name)}")

    def backward(apps, schema_editor) -> None:
        for name, table, column in names(apps, schema_editor):
            schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {schema_editor.quote_name(name)} "
                                  f"ON {schema_editor.quote_name(table)} ({schema_editor.quote_name(column)})")

    return migrations.RunPython(forward, backward, elidable=False)
