"""Hand the models over to the valuation and market apps: state only, the tables stay where they are.

ValuationModelVersion moves to `valuation`, MarketTrend and ComparableLevel to `market` (their
migrations 0001 create the same models on the same tables, state only). The content types are
relabelled, so permissions granted on these models and admin log entries stay attached.
"""
from django.db import migrations

MOVED = {"valuationmodelversion": "valuation", "markettrend": "market", "comparablelevel": "market"}


def relabel(apps, schema_editor, *, forward: bool) -> None:
    content_type = apps.get_model("contenttypes", "ContentType")
    db = schema_editor.connection.alias
    for model, label in MOVED.items():
        old, new = ("recommendations", label) if forward else (label, "recommendations")
        if content_type.objects.using(db).filter(app_label=new, model=model).exists():
            continue  # already there (e.g. created by a run of post_migrate): keep it, leave the old row
        content_type.objects.using(db).filter(app_label=old, model=model).update(app_label=new)


def forwards(apps, schema_editor):
    relabel(apps, schema_editor, forward=True)


def backwards(apps, schema_editor):
    relabel(apps, schema_editor, forward=False)


class Migration(migrations.Migration):

    dependencies = [
        ("recommendations", "0002_market_trends"),
        ("valuation", "0001_initial"),
        ("market", "0001_initial"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name="ValuationModelVersion"),
                migrations.DeleteModel(name="MarketTrend"),
                migrations.DeleteModel(name="ComparableLevel"),
            ],
            database_operations=[],
        ),
        migrations.RunPython(forwards, backwards),
    ]
