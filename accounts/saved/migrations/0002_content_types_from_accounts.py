"""The content types of saved things move from app label "accounts" to "saved", keeping their ids, so that
permissions granted on them and the admin's history stay attached. Reversible."""
from django.db import migrations

MODELS = ["collection", "savedproperty", "savedsearch", "savedsearchhit", "searchhistoryentry"]


def _relabel(apps, schema_editor, old: str, new: str) -> None:
    ContentType = apps.get_model("contenttypes", "ContentType")
    db = schema_editor.connection.alias
    for model in MODELS:
        moved = ContentType.objects.using(db).filter(app_label=old, model=model).first()
        if moved is None:
            continue  # a database that never had it: post_migrate creates the new one
        # One created under the new label in the meantime (nothing can point at it yet) gives way.
        ContentType.objects.using(db).filter(app_label=new, model=model).delete()
        moved.app_label = new
        moved.save(update_fields=["app_label"])


def forwards(apps, schema_editor) -> None:
    _relabel(apps, schema_editor, "accounts", "saved")


def backwards(apps, schema_editor) -> None:
    _relabel(apps, schema_editor, "saved", "accounts")


class Migration(migrations.Migration):

    dependencies = [
        ("saved", "0001_initial"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
