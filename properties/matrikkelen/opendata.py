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

A quick first look at the raw lines counts the addresses and checks the order; a file that lists
each municipality's addresses together, in ascending order (as Geonorge's do), is then read
once, a municipality at a time; any other is first split by municipality into temporary files.
Memory is bounded by the largest municipality, not the file; a worker thread prepares the next
batches while the current one is written. Each batch is one
transaction that writes properties and the position (its commit does not wait for the disk: the
run's closing write does, for all of them); after a municipality, its properties
from this register that the file no longer has are retired (never deleted). A run that is
interrupted continues with the next unfinished municipality of the same file (same sha256).
Properties whose facts are unchanged are counted and skipped before the write; a file imported
to the end before is not read again at all (Geonorge publishes a new file only when something
in the municipality changed), so a weekly refresh of an unchanged file costs a checksum.
"""
from __future__ import annotations

import csv
import hashlib
import io
import itertools
import logging
import queue
import re
import shutil
import tempfile
import threading
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
from .sync import MAX_ERRORS, Progress, Stored, _Batch, _sort_out, _write, stored_properties, without_cycle_collection

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
STARTED = -1  # SyncState.full_cursor of an import that has not finished a municipality yet
EPSG_PREFERENCE = ("25833", "4258")
OSLO = ZoneInfo("Europe/Oslo")
# A property's upstream payload keeps each of its address rows, as a list in this order (the file's names).
PAYLOAD_COLUMNS = ("lokalid", "adressetype", "adresseTekst", "undernummer", "postnummer", "EPSG-kode", "Nord", "Øst",
                   "oppdateringsdato")


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
        href = link.get("href") if link is not None else None
        match = FILE_NAME.search(href) if href else None
        if not href or not match:
            continue
        entries.append(FeedEntry(url=href, municipality=match.group(1), name=match.group(2),
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


def _csv_rows(text: Iterator[str]) -> Iterator[list[str]]:
    """csv.reader(text, delimiter=";"), faster: a line without quotes (every line of Geonorge's files) is split
    as it is; a line with quotes is read by csv (with the lines a quoted line break carries on to)."""
    for line in text:
        if '"' in line:
            yield next(csv.reader(itertools.chain((line,), text), delimiter=";"))
        else:
            line = line.rstrip("\r\n")
            yield line.split(";") if line else []


def _header(path: Path) -> list[str]:
    with _open_text(path) as text:
        try:
            header = next(csv.reader(text, delimiter=";"))
        except StopIteration:
            raise OpenDataError(f"{path.name} is empty.") from None
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        raise OpenDataError(f"{path.name} is not a 'Matrikkelen - Adresse' CSV file: no column {', '.join(missing)}.")
    return header


@dataclass
class _Layout:
    header: list[str]
    rows: int  # addresses (in the municipality, when one is asked for)
    municipalities: list[str]  # in file order
    grouped: bool  # each municipality's rows together, municipalities in ascending order: one pass will do


def _layout(path: Path, municipality: str | None) -> _Layout:
    """A quick look at the raw lines: how many addresses, which municipalities, and in what order.

    Reads only the start of each line (kommunenummer is the second column, after the numeric
    lokalid); a file where that does not hold is treated as not grouped.
    """
    header = _header(path)
    simple = header.index("kommunenummer") == 1
    order: list[str] = []
    seen: set[str] = set()
    grouped, rows, previous = simple, 0, None
    with _open_text(path) as text:
        next(text)
        for line in text if simple else ():
            parts = line.split(";", 2)
            if len(parts) < 3 or '"' in line[:40]:
                grouped, simple = False, False
                break
            kommune = parts[1]
            if municipality and kommune != municipality:
                continue
            rows += 1
            if kommune != previous:
                if kommune in seen or (previous is not None and kommune < previous):
                    grouped = False
                seen.add(kommune)
                order.append(kommune)
                previous = kommune
    if not simple:  # count and list properly
        with _open_text(path) as text:
            reader = csv.reader(text, delimiter=";")
            next(reader)
            k = header.index("kommunenummer")
            rows, order, seen = 0, [], set()
            for row in reader:
                if len(row) > k and (not municipality or row[k] == municipality):
                    rows += 1
                    if row[k] not in seen:
                        seen.add(row[k])
                        order.append(row[k])
    return _Layout(header, rows, order, grouped)


def _blocks(path: Path, layout: _Layout, municipality: str | None, directory: Path,
            after: int | None) -> Iterator[tuple[str, Iterator[list[str]]]]:
    """(kommunenummer, its rows) for every municipality after `after`, in ascending order.

    The rows are an iterator over the file, to be read to the end before the next block is asked for:
    a grouped file is read once, straight through; any other is first split by municipality into files
    in `directory`, then read one municipality at a time. No municipality is held in memory as rows.
    """
    def wanted(kommune: str) -> bool:
        return (not municipality or kommune == municipality) and (
            after is None or not kommune.isdigit() or int(kommune) > after)

    k = layout.header.index("kommunenummer")

    def kommune_of(row: list[str]) -> str:
        return row[k] if len(row) > k else ""

    if layout.grouped:
        with _open_text(path) as text:
            reader = _csv_rows(text)
            next(reader)
            for kommune, rows in itertools.groupby(reader, key=kommune_of):
                if wanted(kommune):
                    yield kommune, rows
        return
    files: dict[str, Path] = {}
    handles: dict[str, io.TextIOBase] = {}
    try:
        with _open_text(path) as text:
            reader = _csv_rows(text)
            next(reader)
            for row in reader:
                kommune = kommune_of(row)
                if not wanted(kommune):
                    continue
                if kommune not in handles:
                    files[kommune] = directory / f"{len(files)}.csv"
                    handles[kommune] = open(files[kommune], "w", encoding="utf-8", newline="")
                csv.writer(handles[kommune], delimiter=";").writerow(row)
    finally:
        for handle in handles.values():
            handle.close()
    for kommune in sorted(files):
        with open(files[kommune], encoding="utf-8", newline="") as fh:
            yield kommune, _csv_rows(fh)


_transformers: dict[str, Transformer] = {}


def _to_wgs84(epsg: str, east: list[float], north: list[float]) -> tuple[list[float], list[float]]:
    if epsg not in _transformers:
        _transformers[epsg] = Transformer.from_crs(f"EPSG:{epsg}", "EPSG:4326", always_xy=True)
    lon, lat = _transformers[epsg].transform(east, north)
    return list(lat), list(lon)


def parse_timestamp(value: str) -> datetime | None:
    """'29.03.2023 22:05:36.367' (Norwegian local time; seconds and fraction optional) → an aware datetime."""
    v = value.strip()
    try:
        if len(v) < 16 or v[2] != "." or v[5] != "." or v[10] != " " or v[13] != ":":
            raise ValueError
        second = int(v[17:19]) if len(v) >= 19 else 0
        micro = int((v[20:26] + "000000")[:6]) if len(v) > 20 else 0
        return datetime(int(v[6:10]), int(v[3:5]), int(v[:2]), int(v[11:13]), int(v[14:16]), second, micro,
                        tzinfo=OSLO)
    except ValueError:
        return None


def _sortable(value: str) -> str:
    """'29.03.2023 22:05:36.367' → '2023-03-29 22:05:36.367', which sorts in time order."""
    return f"{value[6:10]}-{value[3:5]}-{value[:2]}{value[10:]}" if len(value) >= 10 else ""


@dataclass
class _Units:
    """One municipality's addresses grouped by unit: how many units, their property rows (built as they are
    read, for property_clean_row), and the addresses that could not be read."""

    count: int
    rows: Iterator[dict]
    failed: list[dict]


def units_of(header: list[str], rows: Iterator[list[str]]) -> _Units:
    """The addresses of one municipality grouped by unit; the property rows are built as they are read.

    Runs for every address of the country: each address becomes one tuple of plain values at once (the
    file's rows are not kept), each place name and update time is converted once, the coordinates in
    one call per coordinate system.
    """
    col = {name: i for i, name in enumerate(header)}
    i_kommune, i_gnr, i_bnr, i_fnr = (col[n] for n in ("kommunenummer", "gardsnummer", "bruksnummer", "festenummer"))
    i_id, i_text, i_kind, i_under, i_post, i_town, i_epsg, i_north, i_east, i_changed = (col[n] for n in (
        "lokalid", "adresseTekst", "adressetype", "undernummer", "postnummer", "poststed", "EPSG-kode", "Nord", "Øst",
        "oppdateringsdato"))
    towns: dict[str, str] = {}
    units: dict[tuple, list[tuple]] = {}
    failed = []
    for line, row in enumerate(rows, 1):
        try:
            g, b, f = row[i_gnr], row[i_bnr], row[i_fnr]
            key = (row[i_kommune], int(g) if g else 0, int(b) if b else 0, int(f) if f else 0)
            text, epsg, raw_town = row[i_text].strip(), row[i_epsg].strip(), row[i_town]
            if key[1] <= 0 or key[2] <= 0 or key[3] < 0 or not text or not epsg.isdigit():
                raise ValueError("no gardsnummer, bruksnummer, address or coordinate system")
            town = towns.get(raw_town)
            if town is None:
                town = towns[raw_town] = place_name(raw_town)
            address = (int(row[i_id]), text, row[i_kind].strip(), row[i_under].strip(), row[i_post].strip(), town,
                       epsg, float(row[i_north]), float(row[i_east]), row[i_changed].strip())
        except IndexError:
            failed.append({"row": line, "message": "cannot read address: too few columns"})
            continue
        except ValueError as exc:
            reason = next((f"{name} {value!r} is not a number" for name, value in (
                ("gardsnummer", row[i_gnr]), ("bruksnummer", row[i_bnr]), ("festenummer", row[i_fnr]))
                if value.strip() and not value.strip().isdigit()), str(exc))
            failed.append({"row": line, "message": f"cannot read address: {reason}"})
            continue
        found = units.get(key)
        if found is None:
            units[key] = [address]
        else:
            found.append(address)
    return _Units(len(units), _unit_rows(units), failed)


def _unit_rows(units: dict[tuple, list[tuple]]) -> Iterator[dict]:
    """The property row of each unit, in unit order (`units` is emptied afterwards)."""
    by_epsg: dict[str, list[tuple]] = {}
    for addresses in units.values():
        for a in addresses:
            group = by_epsg.get(a[6])
            if group is None:
                by_epsg[a[6]] = [a]
            else:
                group.append(a)
    points: dict[int, tuple[float, float]] = {}
    for epsg, group in by_epsg.items():
        try:
            lat, lon = _to_wgs84(epsg, [a[8] for a in group], [a[7] for a in group])
        except Exception as exc:
            raise OpenDataError(f"Cannot convert coordinates in EPSG:{epsg}: {exc}") from exc
        for a, la, lo in zip(group, lat, lon, strict=True):
            points[a[0]] = (round(la, 7), round(lo, 7))
    del by_epsg
    stamps: dict[str, datetime | None] = {}  # many addresses share their update time
    for (kommune, gnr, bnr, fnr), addresses in sorted(units.items()):
        if len(addresses) > 1:
            addresses.sort()  # by address id: the oldest is the main address
            latest = max((a[9] for a in addresses), key=_sortable)
        else:
            latest = addresses[0][9]
        main = addresses[0]
        main_lat, main_lon = points[main[0]]
        changed_at = stamps.get(latest, False)
        if changed_at is False:
            changed_at = stamps[latest] = parse_timestamp(latest)
        yield {
            "external_id": f"{kommune}-{gnr}/{bnr}/{fnr}/0",
            "source": Source.OPEN_REGISTER,
            "fact_source": FactSource.OPEN_REGISTER,
            "facts": FACTS,
            "municipality_number": kommune,
            "address": main[1],
            "postcode": main[4],
            "town": main[5],
            "addresses": [{"text": a[1], "postcode": a[4], "town": a[5], "lat": points[a[0]][0],
                           "lon": points[a[0]][1]} for a in addresses],
            "lat": round(main_lat, 6),
            "lon": round(main_lon, 6),
            "upstream_payload": {
                "register": "Matrikkelen - Adresse",
                "kolonner": PAYLOAD_COLUMNS,
                "adresser": [[a[0], a[2], a[1], a[3], a[4], a[6], a[7], a[8], a[9]] for a in addresses],
            },
            "upstream_changed_at": changed_at,
        }
    units.clear()


@dataclass
class _Prepared:
    municipality: str
    rows: list[dict]  # clean rows (property_clean_row)
    failed: list[dict]
    seen: set[str] | None = None  # on the municipality's last batch: every external id the file has there


def _prepare_municipality(header: list[str], lines: Iterator[list[str]], kommune: str,
                          batch_size: int) -> Iterator[_Prepared]:
    """A municipality's rows in batches, grouped, converted and validated (no database: a worker thread)."""
    units = units_of(header, lines)
    failed, rows = units.failed, units.rows
    if kommune not in reference.municipalities():
        failed.append({"municipality_number": kommune, "message": f"unknown municipality {kommune}: "
                                                                   f"{units.count} properties skipped"})
        rows = iter(())
    seen: set[str] = set()
    current = _Prepared(kommune, [], list(failed))
    for row in rows:
        seen.add(row["external_id"])
        try:
            current.rows.append(property_clean_row(row))
        except ValidationError as exc:
            current.failed.append({"external_id": row["external_id"], "message": "; ".join(exc.messages)})
        if len(current.rows) >= batch_size:
            yield current
            current = _Prepared(kommune, [], [])
    current.seen = seen
    yield current


def _to_write(prepared: _Prepared, stored: dict[str, Stored]) -> _Batch:
    """What of a prepared batch to write: the changed properties; on the last batch, the retirements too."""
    batch = _sort_out(_Batch([], [], prepared.failed), prepared.rows, stored)
    if prepared.seen is not None:
        batch.retire_ids = [s.id for ext, s in stored.items()
                            if s.source == Source.OPEN_REGISTER and ext not in prepared.seen and not s.retired]
    return batch


_DONE = object()


def _prepared_in_background(header: list[str], blocks: Iterator[tuple[str, Iterator[list[str]]]],
                            batch_size: int) -> Iterator[_Prepared]:
    """The batches of every municipality in `order`, prepared in a worker thread a few batches ahead.

    Reading and mapping (Python) then overlap with writing (PostgreSQL), as in the change-log sync.
    The worker never touches the database. An error in the worker is raised here, in the writing thread.
    """
    ahead: queue.Queue = queue.Queue(maxsize=4)
    stop = threading.Event()

    def work() -> None:
        try:
            for kommune, lines in blocks:
                for prepared in _prepare_municipality(header, lines, kommune, batch_size):
                    while not stop.is_set():
                        try:
                            ahead.put(prepared, timeout=0.5)
                            break
                        except queue.Full:
                            continue
                    if stop.is_set():
                        return
            ahead.put(_DONE)
        except BaseException as exc:  # noqa: BLE001 - handed to the writing thread
            ahead.put(exc)

    worker = threading.Thread(target=work, name="open-data-prepare", daemon=True)
    worker.start()
    try:
        while True:
            item = ahead.get()
            if item is _DONE:
                return
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        worker.join(timeout=30)


def matrikkel_open_data_sync(*, path: Path | None = None, municipality: str | None = None,
                             feed_url: str | None = None, batch_size: int | None = None,
                             progress: Progress | None = None, on_split: Callable[[int], object] | None = None,
                             force: bool = False) -> SyncRun:
    """Import the open address register from a file or from the download feed; returns the SyncRun.

    `municipality` limits the import (and the retirements) to one municipality; without it the
    whole file is imported. Idempotent, resumable, retires what disappeared. A file whose bytes
    were imported to the end before (same sha256, same scope) is not read again, unless `force`
    (then every property is compared and the unchanged ones are skipped). `on_split(rows)` is
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
    run.state, run.state_id = state, state.pk
    workdir = Path(tempfile.mkdtemp(prefix="epty-open-data-"))
    try:
        if path is None:
            path, entry = download(municipality=municipality, directory=workdir, feed_url=feed_url)
            logger.info("open register: downloaded %s (updated %s)", entry.url, entry.updated)
        elif not Path(path).is_file():
            raise OpenDataError(f"No such file: {path}")
        sha = file_sha256(Path(path))
        with transaction.atomic():
            state = SyncState.objects.select_for_update().get(pk=state.pk)
            done_before = state.file_sha256 == sha and state.full_cursor is None
            if not done_before or force:
                if state.file_sha256 != sha or state.full_cursor is None:  # from the file's first municipality
                    state.file_sha256, state.full_cursor = sha, STARTED
                    state.save(update_fields=["file_sha256", "full_cursor", "updated_at"])
        run.state = state
        if done_before and not force:
            # This very file was imported to the end before: nothing in it can differ from what is stored.
            scope_qs = Property.objects.filter(source=Source.OPEN_REGISTER, retired_at__isnull=True)
            if municipality:
                scope_qs = scope_qs.filter(municipality_number=municipality)
            unchanged = scope_qs.count()
            SyncRun.objects.filter(pk=run.pk).update(unchanged=unchanged)
            run.unchanged = unchanged
            logger.info("open register: %s was imported completely before; %s properties unchanged", Path(path).name,
                        unchanged)
            if on_split:
                on_split(0)
            run.status = SyncRun.Status.SUCCEEDED
            return run
        layout = _layout(Path(path), municipality)
        if not layout.rows:
            raise OpenDataError(
                f"{Path(path).name} has no addresses" + (f" in municipality {municipality}." if municipality else ".")
            )
        if on_split:
            on_split(layout.rows)
        blocks = _blocks(Path(path), layout, municipality, workdir, after=state.full_cursor)
        stored: dict[str, Stored] = {}
        current = None
        with without_cycle_collection():
            for prepared in _prepared_in_background(layout.header, blocks, batch_size):
                kommune = prepared.municipality
                if kommune != current:
                    stored, current = stored_properties(Property.objects.filter(municipality_number=kommune)), kommune
                batch = _to_write(prepared, stored)
                # The municipality counts as done only with its last batch (and its retirements).
                finished = {"full_cursor": int(kommune)} if prepared.seen is not None and kommune.isdigit() else {}
                _write(run, batch, state_update=finished, expect={"full_cursor": state.full_cursor},
                       wait_for_disk=False)
                if progress:
                    progress(kommune, len(batch.rows) + len(batch.new_rows) + batch.unchanged)
        if not municipality:  # the national file: municipalities it no longer has at all are gone
            gone = list(Property.objects.filter(source=Source.OPEN_REGISTER, retired_at__isnull=True).exclude(
                municipality_number__in=layout.municipalities).values_list("id", flat=True))
            if gone:
                _write(run, _Batch([], [], [], retire_ids=gone), state_update={}, expect={})
        with transaction.atomic():
            SyncState.objects.filter(pk=state.pk).update(full_cursor=None)  # done: the next run starts over
        run.status = SyncRun.Status.SUCCEEDED  # rows that could not be read are counted in `failed`
    except MatrikkelError as exc:
        run.status = SyncRun.Status.FAILED
        run.refresh_from_db(fields=["errors"])
        run.errors = (run.errors + [{"at": timezone.now().isoformat(), "code": exc.code, "message": str(exc)}])[
            -MAX_ERRORS:
        ]
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


