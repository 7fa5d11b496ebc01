"""Sync properties from Matrikkelen (the same services the Celery beat tasks call).

    python manage.py sync_matrikkel --incremental            # change log since the checkpoint (default)
    python manage.py sync_matrikkel --full                   # bulk download, then the change log
    python manage.py sync_matrikkel --full --municipality 0301
    python manage.py sync_matrikkel --source open-data --file Basisdata_3420_Elverum_25833_MatrikkelenAdresse.csv
    python manage.py sync_matrikkel --source open-data --municipality 3420   # from Geonorge's download feed
    python manage.py sync_matrikkel --source open-data                       # the national file

Safe to interrupt: run it again and it continues from the last committed batch (the open
register: from the first municipality it had not finished in the same file).
"""
from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from properties import reference
from properties.management.progress import progress_bar
from properties.matrikkelen.sync import matrikkel_sync
from properties.models import SyncRun


class Command(BaseCommand):
    help = "Full import or incremental sync of properties from Matrikkelen, or an import of the open address register."

    def add_arguments(self, parser: CommandParser) -> None:
        kind = parser.add_mutually_exclusive_group()
        kind.add_argument("--full", action="store_true", help="Bulk download, then replay the change log.")
        kind.add_argument("--incremental", action="store_true", help="Change log since the checkpoint (default).")
        parser.add_argument("--municipality", help="Only this municipality (kommunenummer, e.g. 0301).")
        parser.add_argument("--batch-size", type=int, default=None, help="Matrikkelenheter per transaction.")
        parser.add_argument("--source", choices=("soap", "rest", "standin", "open-data"), default=None,
                            help="Override MATRIKKEL_SOURCE; open-data imports Kartverket's open address register.")
        parser.add_argument(
            "--file",
            type=Path,
            default=None,
            help="open-data: a 'Matrikkelen - Adresse' CSV file (or its zip) instead of the download feed.",
        )
        parser.add_argument("--feed-url", default=None, help="open-data: the download feed (default "
                                                             "MATRIKKEL_OPEN_DATA_FEED_URL).")
        parser.add_argument("--force", action="store_true", help="open-data: read the file even if this very file was "
                                                                 "imported to the end before.")
        parser.add_argument("--no-progress", action="store_true", help="No progress bar.")

    def handle(self, *, full: bool, incremental: bool, municipality: str | None, batch_size: int | None,
               source: str | None, file: Path | None, feed_url: str | None, force: bool, no_progress: bool,
               **options) -> None:
        if municipality and municipality not in reference.municipalities():
            raise CommandError(f"Unknown municipality {municipality!r}.")
        if source != "open-data" and (file or feed_url or force):
            raise CommandError("--file, --feed-url and --force go with --source open-data.")
        if source == "open-data" and (full or incremental):
            raise CommandError("The open register has no change log: leave out --full and --incremental "
                               "(every run reads the whole file).")
        unit = " addresses" if source == "open-data" else " matrikkelenheter"
        bar = progress_bar(self.stderr, unit=unit, disable=no_progress)

        def progress(phase: str, n: int) -> None:
            bar.set_description(phase)
            bar.update(n)

        try:
            if source == "open-data":
                from properties.matrikkelen.opendata import matrikkel_open_data_sync

                def total(rows: int) -> None:
                    bar.total = rows
                    bar.refresh()

                run = matrikkel_open_data_sync(path=file, municipality=municipality, feed_url=feed_url,
                                               batch_size=batch_size, progress=progress, on_split=total, force=force)
            else:
                from properties.matrikkelen.sync import get_source

                kind = SyncRun.Kind.FULL if full else SyncRun.Kind.INCREMENTAL
                run = matrikkel_sync(kind=kind, municipality=municipality, batch_size=batch_size,
                                     source=get_source(source) if source else None, progress=progress)
        finally:
            bar.close()
        summary = (
            f"{run.get_kind_display()} #{run.pk} {run.status}: {run.created:,} created, {run.updated:,} updated, "
            f"{run.unchanged:,} unchanged, {run.retired:,} retired, {run.failed:,} failed"
        )
        if run.kind != SyncRun.Kind.OPEN_DATA:
            summary += f"; checkpoint {run.checkpoint_before} → {run.checkpoint_after}"
        if run.status != SyncRun.Status.SUCCEEDED:
            last = run.errors[-1] if run.errors else {}
            raise CommandError(f"{summary}. {last.get('code', '')}: {last.get('message', '')}")
        self.stdout.write(self.style.SUCCESS(summary))
