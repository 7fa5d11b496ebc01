"""Sync properties from Matrikkelen (the same service the Celery beat task calls).

    python manage.py sync_matrikkel --incremental            # change log since the checkpoint (default)
    python manage.py sync_matrikkel --full                   # bulk download, then the change log
    python manage.py sync_matrikkel --full --municipality 0301

Safe to interrupt: run it again and it continues from the last committed batch.
"""
from __future__ import annotations

from typing import TextIO, cast

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from properties import reference
from properties.matrikkelen.sync import matrikkel_sync
from properties.models import SyncRun


class Command(BaseCommand):
    help = "Full import or incremental sync of properties from Matrikkelen."

    def add_arguments(self, parser: CommandParser) -> None:
        kind = parser.add_mutually_exclusive_group()
        kind.add_argument("--full", action="store_true", help="Bulk download, then replay the change log.")
        kind.add_argument("--incremental", action="store_true", help="Change log since the checkpoint (default).")
        parser.add_argument("--municipality", help="Only this municipality (kommunenummer, e.g. 0301).")
        parser.add_argument("--batch-size", type=int, default=None, help="Matrikkelenheter per transaction.")
        parser.add_argument("--source", choices=("soap", "rest", "standin"), default=None,
                            help="Override MATRIKKEL_SOURCE.")
        parser.add_argument("--no-progress", action="store_true", help="No progress bar.")

    def handle(self, *, full: bool, incremental: bool, municipality: str | None, batch_size: int | None,
               source: str | None, no_progress: bool, **options) -> None:
        if municipality and municipality not in reference.municipalities():
            raise CommandError(f"Unknown municipality {municipality!r}.")
        from properties.matrikkelen.sync import get_source

        kind = SyncRun.Kind.FULL if full else SyncRun.Kind.INCREMENTAL
        bar = tqdm(unit=" matrikkelenheter", disable=no_progress, file=cast(TextIO, self.stderr._out),
                   dynamic_ncols=True)

        def progress(phase: str, n: int) -> None:
            bar.set_description(phase)
            bar.update(n)

        try:
            run = matrikkel_sync(kind=kind, municipality=municipality, batch_size=batch_size,
                                 source=get_source(source) if source else None, progress=progress)
        finally:
            bar.close()
        summary = (f"{run.get_kind_display()} #{run.pk} {run.status}: "
                   f"{run.created:,} created, {run.updated:,} updated, "
                   f"{run.unchanged:,} unchanged, {run.retired:,} retired, {run.failed:,} failed; "
                   f"checkpoint {run.checkpoint_before} → {run.checkpoint_after}")
        if run.status != SyncRun.Status.SUCCEEDED:
            last = run.errors[-1] if run.errors else {}
            raise CommandError(f"{summary}. {last.get('code', '')}: {last.get('message', '')}")
        self.stdout.write(self.style.SUCCESS(summary))
