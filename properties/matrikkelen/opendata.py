"""Kartverket's open address register ("Matrikkelen - Adresse", CC BY 4.0) as a source of properties.

    matrikkel_open_data_sync(path=Path("Basisdata_3420_Elverum_25833_MatrikkelenAdresse.csv"))
    matrikkel_open_data_sync(municipality="3420")   # the file from Geonorge's download feed
    matrikkel_open_data_sync()                      # the national file

No agreement is needed. The file is Geonorge's CSV (`;`-separated, UTF-8 with a BOM), alone or
in its zip, one row per address with the matrikkelenhet it belongs to (gardsnummer,
bruksnummer, festenummer; never a seksjon: the register does not go below grunneiendom and
feste) and its point in the file's coordinate system (`EPSG-kode`: 25833 and other UTM zones
in metres, `Nord`/`Øst`; 4258 in degrees, `Nord` = latitude). Without a file, the download
feed (MATRIKKEL_OPEN_DATA_FEED_URL, an Atom feed listing every file) is read and the file for
the municipality, or the national one, is downloaded; EPSG:25833 is preferred, then 4258.

A property is one matrikkelenhet: (kommunenummer, gardsnummer, bruksnummer, festenummer).
`undernummer` numbers the matrikkeladresser of one unit ("33/1144-1", "33/1144-2") and is not
part of it. The property's address and point are those of its oldest address (lowest address
id); all its addresses are kept. Its buildings, area, rooms and year built are not in the
register: they are unknown (stored as null with this source), never guessed. Feature tags too.

The file is read twice: once to split it by municipality into temporary files, then one
municipality at a time, so memory is bounded by the largest municipality, not the file. Each
batch is one transaction that writes properties and the position; after a municipality,
its properties from this register that the file no longer has are retired (never deleted).
A run that is interrupted continues with the next unfinished municipality of the same file.
Properties whose facts are unchanged are counted and skipped before the write, so a re-run of
an unchanged file writes nothing.
"""
from __future__ import annotations

import csv
import hashlib
import io
import logging
import re
import shutil
import tempfile
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import requests
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from lxml import etree
from pyproj import Transformer

from properties import reference
from properties.models import FactSource, Property, Source, SyncRun, SyncState
from properties.services import property_clean_row

from . import resilience
from .interface import MatrikkelError, UpstreamUnavailable
from .soap import place_name
from .sync import MAX_ERRORS, Progress, _Batch, _write

logger = logging.getLogger("properties.matrikkelen")
SOURCE_NAME = "open-data"
FACTS = ("location", "address")  # what the register has; every other fact is unknown from it
REQUIRED_COLUMNS = ("lokalid", "kommunenummer", "adressetype", "gardsnummer", "bruksnummer", "festenummer",
                    "undernummer", "adresseTekst", "EPSG-kode", "Nord", "Øst", "postnummer", "poststed",
                    "oppdateringsdato")
ATOM = "{http://www.w3.org/2005/Atom}"
CRS_SCHEME = "http://www.opengis.net/def/crs/"
FILE_NAME = re.compile(r"Basisdata_(\d{4})_(.+?)_(\d{4,5})_MatrikkelenAdresse_CSV\.zip$")
NATIONAL = "0000"
EPSG_PREFERENCE = ("25833", "4258")
OSLO = ZoneInfo("Europe/Oslo")


class OpenDataError(MatrikkelError):
    """The open register file or feed cannot be used (not the expected CSV, no file for the municipality)."""

    code = "open_data_error"


@dataclass(frozen=True)
class FeedEntry:
    url: str
    municipality: str  # "0000" for the national file
    name: str
    epsg: str
    updated: str


def feed_entries(xml: bytes) -> list[FeedEntry]:
    """The CSV files an Atom feed of "Matrikkelen - Adresse" offers.

    The municipality and coordinate system are read from each file's name
    (Basisdata_3420_Elverum_25833_MatrikkelenAdresse_CSV.zip): the feed's own link types say GML
    for every file, and its category labels carry names, not numbers.
    """
    try:
        root = etree.fromstring(xml, etree.XMLParser(resolve_entities=False, no_network=True))
    except etree.XMLSyntaxError as exc:
        raise OpenDataError(f"The download feed is not XML: {exc}") from exc
    entries = []
    for entry in root.iter(f"{ATOM}entry"):
        link = next((el for el in entry.iter(f"{ATOM}link") if el.get("rel") == "alternate" and el.get("href")), None)
        match = FILE_NAME.search(link.get("href")) if link is not None else None
        if not match:
            continue
        entries.append(FeedEntry(url=link.get("href"), municipality=match.group(1), name=match.group(2),
                                 epsg=match.group(3), updated=entry.findtext(f"{ATOM}updated") or ""))
    return entries


def choose_entry(entries: list[FeedEntry], municipality: str | None) -> FeedEntry:
    wanted = municipality or NATIONAL
    candidates = [e for e in entries if e.municipality == wanted]
    if not candidates:
        what = f"municipality {wanted}" if municipality else "the whole country"
        raise OpenDataError(f"The download feed has no CSV file for {what}.")
    rank = {epsg: i for i, epsg in enumerate(EPSG_PREFERENCE)}
    return min(candidates, key=lambda e: (rank.get(e.epsg, len(rank)), e.epsg))


def _session_get(url: str, *, stream: bool = False) -> requests.Response:
    breaker = resilience.CircuitBreaker("open-data")

    def once():
        try:
            response = requests.get(url, timeout=settings.MATRIKKEL_TIMEOUT, stream=stream)
        except requests.RequestException as exc:
            raise UpstreamUnavailable(f"GET {url}: {exc}") from exc
        if response.status_code >= 500 or response.status_code == 429:
            raise UpstreamUnavailable(f"GET {url}: HTTP {response.status_code}")
        if response.status_code != 200:
            raise OpenDataError(f"GET {url}: HTTP {response.status_code}")
        return response

    return resilience.call(once, operation=f"GET {url}", breaker=breaker)


def download(*, municipality: str | None, directory: Path, feed_url: str | None = None) -> tuple[Path, FeedEntry]:
    """Read the feed, download the file for the municipality (or the national one) into `directory`."""
    feed = _session_get(feed_url or settings.MATRIKKEL_OPEN_DATA_FEED_URL)
    entry = choose_entry(feed_entries(feed.content), municipality)
    target = directory / entry.url.rsplit("/", 1)[-1]
    with _session_get(entry.url, stream=True) as response, open(target, "wb") as fh:
        for chunk in response.iter_content(1 << 20):
            fh.write(chunk)
    return target, entry


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _open_text(path: Path) -> io.TextIOBase:
    """The CSV as text: the file itself, or the one CSV inside a zip."""
    if zipfile.is_zipfile(path):
        archive = zipfile.ZipFile(path)
        members = [n for n in archive.namelist() if n.lower().endswith(".csv")]
        if len(members) != 1:
            raise OpenDataError(f"{path.name}: expected one CSV file in the zip, found {len(members)}.")
        return io.TextIOWrapper(archive.open(members[0]), encoding="utf-8-sig", newline="")
    return open(path, encoding="utf-8-sig", newline="")


def _split(path: Path, directory: Path, municipality: str | None) -> tuple[list[str], dict[str, Path], int]:
    """Split the file by kommunenummer into `directory`. Returns (header, {kommune: file}, rows)."""
    files: dict[str, Path] = {}
    handles: dict[str, io.TextIOBase] = {}
    rows = 0
    with _open_text(path) as text:
        reader = csv.reader(text, delimiter=";")
        try:
            header = next(reader)
        except StopIteration:
            raise OpenDataError(f"{path.name} is empty.") from None
        missing = [c for c in REQUIRED_COLUMNS if c not in header]
        if missing:
            raise OpenDataError(f"{path.name} is not a 'Matrikkelen - Adresse' CSV file: no column "
                                f"{', '.join(missing)}.")
        k = header.index("kommunenummer")
        try:
            for row in reader:
                if len(row) <= k:
                    continue
                kommune = row[k]
                if municipality and kommune != municipality:
                    continue
                if kommune not in handles:
                    files[kommune] = directory / f"{kommune if kommune.isdigit() else 'x'}-{len(files)}.csv"
                    handles[kommune] = open(files[kommune], "w", encoding="utf-8", newline="")
                csv.writer(handles[kommune], delimiter=";").writerow(row)
                rows += 1
        finally:
            for handle in handles.values():
                handle.close()
    return header, files, rows


_transformers: dict[str, Transformer] = {}


def _to_wgs84(epsg: str, east: list[float], north: list[float]) -> tuple[list[float], list[float]]:
    if epsg not in _transformers:
        _transformers[epsg] = Transformer.from_crs(f"EPSG:{epsg}", "EPSG:4326", always_xy=True)
    lon, lat = _transformers[epsg].transform(east, north)
    return list(lat), list(lon)


def parse_timestamp(value: str) -> datetime | None:
    """'29.03.2023 22:05:36.367' (Norwegian local time) → an aware datetime."""
    for pattern in ("%d.%m.%Y %H:%M:%S.%f", "%d.%m.%Y %H:%M:%S", "%d.%m.%Y %H:%M"):
        try:
            return datetime.strptime(value.strip(), pattern).replace(tzinfo=OSLO)
        except ValueError:
            continue
    return None


def _number(value: str, *, name: str) -> int:
    value = value.strip()
    if not value:
        return 0
    if not value.isdigit():
        raise ValueError(f"{name} {value!r} is not a number")
    return int(value)


def units_of(header: list[str], rows: Iterator[list[str]]) -> tuple[list[dict], list[dict]]:
    """The property rows (for property_clean_row) of one municipality's addresses, and the rows that failed."""
    col = {name: i for i, name in enumerate(header)}
    units: dict[tuple, list[dict]] = {}
    failed = []
    for line, row in enumerate(rows, 1):
        try:
            key = (row[col["kommunenummer"]], _number(row[col["gardsnummer"]], name="gardsnummer"),
                   _number(row[col["bruksnummer"]], name="bruksnummer"),
                   _number(row[col["festenummer"]], name="festenummer"))
            epsg = row[col["EPSG-kode"]].strip()
            address = {"id": int(row[col["lokalid"]]), "text": row[col["adresseTekst"]].strip(),
                       "kind": row[col["adressetype"]].strip(), "undernummer": row[col["undernummer"]].strip(),
                       "postcode": row[col["postnummer"]].strip(), "town": place_name(row[col["poststed"]]),
                       "epsg": epsg, "north": float(row[col["Nord"]]), "east": float(row[col["Øst"]]),
                       "changed": row[col["oppdateringsdato"]].strip()}
            if not (key[1] and key[2] and address["text"] and epsg.isdigit()):
                raise ValueError("no gardsnummer, bruksnummer, address or coordinate system")
        except (IndexError, ValueError) as exc:
            failed.append({"row": line, "message": f"cannot read address: {exc}"})
            continue
        units.setdefault(key, []).append(address)
    by_epsg: dict[str, list[dict]] = {}
    for addresses in units.values():
        for a in addresses:
            by_epsg.setdefault(a["epsg"], []).append(a)
    for epsg, group in by_epsg.items():
        try:
            lat, lon = _to_wgs84(epsg, [a["east"] for a in group], [a["north"] for a in group])
        except Exception as exc:  # noqa: BLE001 - pyproj raises its own errors for unknown systems
            raise OpenDataError(f"Cannot convert coordinates in EPSG:{epsg}: {exc}") from exc
        for a, la, lo in zip(group, lat, lon):
            a["lat"], a["lon"] = round(la, 7), round(lo, 7)
    result = []
    for (kommune, gnr, bnr, fnr), addresses in sorted(units.items()):
        addresses.sort(key=lambda a: a["id"])
        main = addresses[0]
        changed = [t for t in (parse_timestamp(a["changed"]) for a in addresses) if t]
        result.append({
            "external_id": f"{kommune}-{gnr}/{bnr}/{fnr}/0", "source": Source.OPEN_REGISTER,
            "fact_source": FactSource.OPEN_REGISTER, "facts": FACTS, "municipality_number": kommune,
            "address": main["text"], "postcode": main["postcode"], "town": main["town"],
            "addresses": [{k: a[k] for k in ("text", "postcode", "town", "lat", "lon")} for a in addresses],
            "lat": round(main["lat"], 6), "lon": round(main["lon"], 6),
            "upstream_payload": {"register": "Matrikkelen - Adresse", "adresser": [
                {"lokalid": a["id"], "adressetype": a["kind"], "adresseTekst": a["text"], "undernummer": a["undernummer"],
                 "postnummer": a["postcode"], "EPSG-kode": a["epsg"], "Nord": a["north"], "Øst": a["east"],
                 "oppdateringsdato": a["changed"]} for a in addresses]},
            "upstream_changed_at": max(changed) if changed else None,
        })
    return result, failed


def _stored_hashes(municipality: str) -> dict[str, tuple[int, str, bool]]:
    """{external_id: (id, content_hash, retired)} of this register's properties in a municipality."""
    return {ext: (pk, h, retired is not None) for pk, ext, h, retired in Property.objects.filter(
        municipality_number=municipality, source=Source.OPEN_REGISTER,
    ).values_list("id", "external_id", "content_hash", "retired_at")}


def _municipality(run: SyncRun, header: list[str], path: Path, kommune: str, batch_size: int,
                  progress: Progress | None, cursor_before: int | None) -> None:
    with open(path, encoding="utf-8", newline="") as fh:
        rows, failed = units_of(header, csv.reader(fh, delimiter=";"))
    if kommune not in reference.municipalities():
        failed.append({"municipality_number": kommune, "message": f"unknown municipality {kommune}: "
                                                                   f"{len(rows)} properties skipped"})
        rows = []
    stored = _stored_hashes(kommune)
    seen: set[str] = set()
    batches: list[_Batch] = []
    current = _Batch([], [], list(failed))
    for row in rows:
        seen.add(row["external_id"])
        try:
            clean = property_clean_row(row)
        except ValidationError as exc:
            current.failed.append({"external_id": row["external_id"], "message": "; ".join(exc.messages)})
            continue
        before = stored.get(clean["external_id"])
        if before and before[1] == clean["content_hash"] and not before[2]:
            current.unchanged += 1
        else:
            current.rows.append(clean)
        if len(current.rows) + current.unchanged >= batch_size:
            batches.append(current)
            current = _Batch([], [], [])
    current.retire_ids = [pk for ext, (pk, _, retired) in stored.items() if ext not in seen and not retired]
    batches.append(current)
    for n, batch in enumerate(batches):
        last = n == len(batches) - 1
        # The municipality counts as done only with its last batch (and its retirements).
        _write(run, batch, state_update={"full_cursor": int(kommune)} if last else {},
               expect={"full_cursor": cursor_before})
        if progress:
            progress(kommune, len(batch.rows) + batch.unchanged)


def matrikkel_open_data_sync(*, path: Path | None = None, municipality: str | None = None,
                             feed_url: str | None = None, batch_size: int | None = None,
                             progress: Progress | None = None, on_split: Callable[[int], None] | None = None) -> SyncRun:
    """Import the open address register from a file or from the download feed; returns the SyncRun.

    `municipality` limits the import (and the retirements) to one municipality; without it the
    whole file is imported. Idempotent, resumable, retires what disappeared. `on_split(rows)` is
    called once the file is read, with its number of addresses (a progress bar's total).
    """
    scope = f"open:{municipality or 'all'}"
    batch_size = batch_size or settings.MATRIKKEL_SYNC_BATCH_SIZE
    state, _ = SyncState.objects.get_or_create(scope=scope)
    interrupted = SyncRun.objects.filter(scope=scope, status=SyncRun.Status.RUNNING).update(
        status=SyncRun.Status.INTERRUPTED, finished_at=timezone.now())
    if interrupted:
        logger.warning("open register import: %s earlier run(s) of %s ended without finishing; resuming",
                       interrupted, scope)
    run = SyncRun.objects.create(kind=SyncRun.Kind.OPEN_DATA, scope=scope, source=SOURCE_NAME,
                                 started_at=timezone.now())
    run.state, run.state_id = state, state.pk  # type: ignore[attr-defined]
    workdir = Path(tempfile.mkdtemp(prefix="epty-open-data-"))
    try:
        if path is None:
            path, entry = download(municipality=municipality, directory=workdir, feed_url=feed_url)
            logger.info("open register: downloaded %s (updated %s)", entry.url, entry.updated)
        elif not Path(path).is_file():
            raise OpenDataError(f"No such file: {path}")
        sha = file_sha256(Path(path))
        header, files, rows = _split(Path(path), workdir, municipality)
        if not files:
            raise OpenDataError(f"{Path(path).name} has no addresses" + (f" in municipality {municipality}." if municipality
                                                                          else "."))
        if on_split:
            on_split(rows)
        with transaction.atomic():
            state = SyncState.objects.select_for_update().get(pk=state.pk)
            if state.file_sha256 != sha:  # another file: start from its first municipality
                state.file_sha256, state.full_cursor = sha, None
                state.save(update_fields=["file_sha256", "full_cursor", "updated_at"])
        run.state = state  # type: ignore[attr-defined]
        resume_after = state.full_cursor
        for kommune in sorted(files):
            if resume_after is not None and kommune.isdigit() and int(kommune) <= resume_after:
                continue
            _municipality(run, header, files[kommune], kommune, batch_size, progress, state.full_cursor)
        if not municipality:  # the national file: municipalities it no longer has at all are gone
            gone = list(Property.objects.filter(source=Source.OPEN_REGISTER, retired_at__isnull=True).exclude(
                municipality_number__in=list(files)).values_list("id", flat=True))
            if gone:
                _write(run, _Batch([], [], [], retire_ids=gone), state_update={}, expect={})
        with transaction.atomic():
            SyncState.objects.filter(pk=state.pk).update(full_cursor=None)  # done: the next run starts over
        run.status = SyncRun.Status.SUCCEEDED  # rows that could not be read are counted in `failed`
    except MatrikkelError as exc:
        run.status = SyncRun.Status.FAILED
        run.refresh_from_db(fields=["errors"])
        run.errors = (run.errors + [{"at": timezone.now().isoformat(), "code": exc.code, "message": str(exc)}])[-MAX_ERRORS:]
        logger.error("open register import %s failed: %s", run.pk, exc)
    except Exception as exc:
        run.status = SyncRun.Status.FAILED
        run.refresh_from_db(fields=["errors"])
        run.errors = (run.errors + [{"at": timezone.now().isoformat(), "code": "internal_error",
                                     "message": f"{type(exc).__name__}: {exc}"}])[-MAX_ERRORS:]
        raise
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
        run.finished_at = timezone.now()
        SyncRun.objects.filter(pk=run.pk).update(status=run.status, finished_at=run.finished_at, errors=run.errors)
        run.refresh_from_db()
    return run


