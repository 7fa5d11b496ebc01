"""A realistic synthetic Norway for demos and model work, deterministic from a seed.

`generate()` yields chunks of property rows (for `services.property_upsert_many`), sales and
demo estimates. Everything is numpy-vectorised and produced in fixed chunks of
`CHUNK_SIZE` rows, each drawn from its own random stream `default_rng([seed, chunk_no])`,
so memory stays bounded and the first N rows do not depend on the total count.

The price model (a hedonic formula times a quarterly market index) and its calibration
targets are documented in docs/demo_data.md; the coefficients live in this module.
"""
from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import cache

import numpy as np

from properties import reference

CHUNK_SIZE = 50_000
SOURCE = "demo"
GENERATOR = "epty-demo"
DEFAULT_TODAY = date(2026, 11, 1)
FIRST_SALE_DAY = date(2015, 1, 1)
SALE_SIGMA = 0.11  # log-sd of sale price around the true value: a perfect model's MdAPE ≈ 0.674·σ ≈ 7.4 %
ESTIMATE_SIGMA = 0.12  # log-sd of the demo estimate; low/high are its 10th/90th percentiles
Z90 = 1.2816
LAT_RANGE = (57.9, 71.2)
LON_RANGE = (4.5, 31.2)
MATRIKKELENHET_ID_OFFSET = 9_000_000_000  # far above real Matrikkelen ids
BNR_PER_GNR = 150

CATEGORIES = ("residential", "cabin", "commercial")
RESIDENTIAL, CABIN, COMMERCIAL = range(3)
CATEGORY_SHARES = np.array([0.78, 0.15, 0.07])
CABIN_KINDS = ("mountain", "seaside", "inland")
MOUNTAIN, SEASIDE, INLAND = range(3)

# --- Location level -------------------------------------------------------------------------
# Municipalities without a published 2024 enebolig NOK/m² get
#   level = REF_LEVEL · (county average price / national average price) · centrality,
# clipped to [LEVEL_FLOOR, LEVEL_CAP]. The cap is the lowest published level in
# price_levels.csv (Fredrikstad, 34 006): that table lists the most expensive municipalities,
# so an unlisted one should not exceed it. The floor sits at the low end of published
# municipal prices (Tinn, Vadsø, Nordkapp ≈ 12–14 k NOK/m² in 2020 data, ≈ +15 % since).
REF_LEVEL = 29_000.0
LEVEL_FLOOR = 15_000.0
LEVEL_CAP = 34_000.0
NATIONAL_AVG_PRICE = 4_800_000.0  # SSB: average freehold home sold in free sale, 2023Q2
# SSB 2024Q1 county averages are in price_levels.csv; the stored page truncated Nordland,
# Troms and Finnmark, so these three are assumptions (in line with Møre og Romsdal/Innlandet).
ASSUMED_COUNTY_AVG_PRICE = {"18": 3_200_000.0, "55": 3_700_000.0, "56": 3_000_000.0}
COMMERCIAL_LEVEL_FACTOR = 0.45  # commercial NOK/m² relative to the municipality's enebolig level

# --- Hedonic coefficients -------------------------------------------------------------------
AREA_ELASTICITY = {RESIDENTIAL: 0.80, CABIN: 0.70, COMMERCIAL: 0.90}
REFERENCE_AREA = {RESIDENTIAL: 150.0, CABIN: 80.0, COMMERCIAL: 800.0}
PLOT_ELASTICITY = 0.04  # residential/cabin with a plot, relative to REFERENCE_PLOT
REFERENCE_PLOT = 800.0
NEW_BUILD_PREMIUM = 0.08  # built in the last 5 years
AGE_SLOPE = -0.004  # per year of age, for the first 60 years
HISTORIC_SLOPE = 0.002  # per year beyond 80 years: older character houses recover some value
# log premiums per feature and category (residential, cabin, commercial)
FEATURE_PREMIUMS: dict[str, tuple[float, float, float]] = {
    "waterfront": (0.25, 0.20, 0.10),
    "view": (0.08, 0.08, 0.03),
    "garage": (0.05, 0.02, 0.02),
    "balcony": (0.03, 0.02, 0.0),
    "fireplace": (0.03, 0.03, 0.0),
    "sauna": (0.03, 0.04, 0.0),
    "jetty": (0.08, 0.10, 0.05),
    "ski_in_out": (0.10, 0.15, 0.05),
}
# log discounts when a basic facility is missing (residential, cabin, commercial)
MISSING_DISCOUNTS: dict[str, tuple[float, float, float]] = {
    "road_access": (-0.20, -0.15, -0.20),
    "electricity": (-0.25, -0.20, -0.25),
    "water": (-0.10, -0.08, -0.10),
}
# Cabins: Eiendom Norge H1 2024 average price by kind, for a reference cabin.
CABIN_BASE_PRICE = {MOUNTAIN: 3_498_164.0, SEASIDE: 3_457_321.0, INLAND: 1_903_051.0}
CABIN_LOCATION_ELASTICITY = 0.30  # cabin value follows (municipality level / REF_LEVEL)^0.30
CABIN_HOTSPOT_PREMIUM = 0.25  # Øyer, Hemsedal, Hol, Færder, … (see CABIN_HOTSPOTS)
# Calibration offsets (log), fitted once on 1,000,000 rows (seed 7) so that the 2024 targets in
# docs/demo_data.md are met: they undo the average of the property-level effects above.
RESIDENTIAL_CALIBRATION = 0.040  # median 111 NOK/m² = published level in the 28 published municipalities
CABIN_CALIBRATION = {MOUNTAIN: 0.151, SEASIDE: 0.067, INLAND: 0.126}  # mean price by kind = Eiendom Norge

# --- Building types: (code, area median m², area log-sd, log type effect, floors lo, hi) ------
_RESIDENTIAL_TYPES = (
    (111, 150, 0.30, 0.00, 1, 2), (112, 190, 0.28, -0.03, 2, 3), (113, 170, 0.35, -0.15, 1, 2),
    (121, 125, 0.25, -0.03, 1, 2), (122, 110, 0.25, -0.05, 1, 2), (131, 110, 0.22, 0.03, 2, 3),
    (133, 115, 0.22, 0.02, 1, 2), (135, 95, 0.25, 0.10, 1, 2), (136, 100, 0.25, 0.0, 2, 3),
    (141, 75, 0.30, 0.23, 2, 2), (142, 70, 0.35, 0.28, 3, 4), (143, 65, 0.35, 0.33, 5, 12),
    (144, 75, 0.30, 0.23, 2, 2), (145, 70, 0.35, 0.30, 3, 4), (146, 65, 0.35, 0.33, 5, 10),
    (151, 55, 0.25, -0.10, 2, 4), (152, 30, 0.25, -0.05, 2, 6), (159, 50, 0.30, -0.10, 1, 3),
    (193, 40, 0.30, -0.40, 1, 1), (199, 80, 0.40, -0.30, 1, 2),
)
_CABIN_TYPES = (
    (161, 75, 0.40, 0.00, 1, 2), (162, 110, 0.30, -0.10, 1, 2), (163, 130, 0.30, -0.15, 1, 2),
    (171, 45, 0.35, -0.20, 1, 1), (172, 25, 0.35, -0.50, 1, 1),
)
_COMMERCIAL_TYPES = (
    (311, 1200, 0.90, 0.15, 2, 8), (319, 600, 0.80, 0.05, 1, 4), (321, 5000, 0.70, 0.10, 1, 3),
    (322, 500, 0.80, 0.10, 1, 3), (323, 250, 0.40, 0.05, 1, 1), (329, 600, 0.80, 0.0, 1, 3),
    (211, 2500, 0.90, -0.30, 1, 3), (212, 800, 0.70, -0.30, 1, 2), (219, 1000, 0.80, -0.35, 1, 2),
    (231, 2000, 0.80, -0.35, 1, 1), (239, 800, 0.80, -0.40, 1, 1), (431, 3000, 0.50, -0.30, 2, 6),
    (511, 3500, 0.70, 0.05, 2, 8), (521, 600, 0.50, -0.10, 2, 3), (524, 60, 0.30, -0.05, 1, 1),
    (531, 300, 0.50, 0.05, 1, 2),
)
# Shares within a category. Residential shares move from rural (index 0) to urban (index 1)
# with the municipality's urbanity (see _Geo.urbanity).
_RESIDENTIAL_SHARES_RURAL = np.array(
    [62, 6, 7, 4, 2, 4, 2, 1, 1, 1, 3, 0.2, 0.5, 1, 0.2, 0.3, 0.1, 0.3, 0.1, 0.5], float)
_RESIDENTIAL_SHARES_URBAN = np.array(
    [16, 3, 0.2, 4, 3, 8, 3, 4, 2, 4, 25, 8, 3, 10, 5, 0.8, 1, 0.5, 0, 0.1], float)
_CABIN_SHARES = np.array([86, 6, 4, 3, 1], float)
_COMMERCIAL_SHARES = np.array([14, 8, 2, 10, 3, 6, 7, 10, 6, 10, 6, 2, 4, 3, 4, 5], float)

# Municipalities known for their cabin fields (Statistisk sentralbyrå: most fritidsboliger).
MOUNTAIN_CABIN_MUNICIPALITIES = (
    "Øyer", "Hemsedal", "Trysil", "Hol", "Ål", "Gol", "Nesbyen", "Sigdal", "Krødsherad", "Flå",
    "Nore og Uvdal", "Rollag", "Flesberg", "Ringebu", "Sør-Fron", "Nord-Fron", "Sel", "Vågå",
    "Lom", "Skjåk", "Dovre", "Lesja", "Folldal", "Rendalen", "Engerdal", "Stor-Elvdal", "Tynset",
    "Os", "Tolga", "Gausdal", "Nord-Aurdal", "Sør-Aurdal", "Etnedal", "Vestre Slidre",
    "Øystre Slidre", "Vang", "Oppdal", "Røros", "Tydal", "Selbu", "Meråker", "Vinje", "Tinn",
    "Hjartdal", "Seljord", "Fyresdal", "Tokke", "Bykle", "Valle", "Åseral", "Sirdal", "Voss",
)
SEASIDE_CABIN_MUNICIPALITIES = (
    "Hvaler", "Færder", "Råde", "Sandefjord", "Larvik", "Kragerø", "Risør", "Tvedestrand",
    "Grimstad", "Lillesand", "Lindesnes", "Farsund", "Flekkefjord", "Bamble", "Frøya", "Hitra",
    "Smøla", "Austevoll", "Tysnes", "Fitjar", "Vågan", "Flakstad", "Moskenes", "Vestvågøy",
    "Kvitsøy", "Utsira", "Bokn", "Fedje", "Solund",
)
CABIN_HOTSPOTS = ("Øyer", "Hemsedal", "Hol", "Trysil", "Ringebu", "Oppdal", "Bykle", "Sirdal",
                  "Færder", "Hvaler", "Lillesand", "Grimstad", "Tvedestrand", "Kragerø", "Risør")
CABIN_HEAVY_FACTOR = 6.0
BIG_CITIES = ("0301", "4601", "5001", "1103", "3201")

# SSB 07221 regions and the municipalities they stand for; everything else follows "Norge".
INDEX_REGIONS = ("Norge", "Oslo med Bærum", "Bergen", "Stavanger", "Trondheim")
INDEX_REGION_OF = {"0301": 1, "3201": 1, "4601": 2, "1103": 3, "5001": 4}
INDEX_BASE_QUARTER = 2015 * 4 + 1.5  # the middle of 2015, where the 2015 average is 100

# Norwegian postcode ranges per county (Posten's numbering is roughly regional).
POSTCODE_RANGES = {
    "03": ((150, 1300),), "31": ((1500, 1900),), "32": ((1300, 1500), (1900, 2170)),
    "34": ((2200, 3000),), "33": ((3000, 3100), (3300, 3630)), "39": ((3100, 3300),),
    "40": ((3630, 4000),), "42": ((4400, 5000),), "11": ((4000, 4400), (5500, 5600)),
    "46": ((5000, 5500), (5600, 6000), (6700, 7000)), "15": ((6000, 6700),),
    "50": ((7000, 8000),), "18": ((8000, 9000),), "55": ((9000, 9500),), "56": ((9500, 10000),),
}

STREET_STEMS = (
    "Bjørke", "Furu", "Gran", "Eike", "Bjerke", "Skole", "Kirke", "Stasjons", "Solbakke", "Fjell",
    "Sjø", "Strand", "Nygårds", "Mølle", "Prestegårds", "Hage", "Blåbær", "Tytte", "Lyng", "Lerke",
    "Svale", "Måke", "Ørne", "Elg", "Reve", "Hjorte", "Elve", "Bekke", "Foss", "Dal", "Li", "Ås",
    "Hauge", "Berg", "Stein", "Myr", "Enge", "Åker", "Tun", "Sol", "Kongs", "Dronning", "Prins",
    "Torg", "Brygge", "Havne", "Fyr", "Naust", "Fiskar", "Smie", "Kvern", "Sag", "Teglverks",
    "Skipper", "Los", "Bonde", "Seter", "Rogn", "Hassel", "Kløver", "Nord", "Sør", "Vester", "Øster",
)
STREET_SUFFIXES = ("veien", "vegen", "gata", "bakken", "stien", "lia", "svingen", "tunet",
                   "grenda", "kroken")
HOUSE_LETTERS = ("", "A", "B", "C")
HOUSE_LETTER_CDF = np.array([0.85, 0.93, 0.98, 1.0])

FEATURE_INDEX = {name: i for i, name in enumerate(reference.FEATURES)}


@dataclass(frozen=True)
class DemoChunk:
    """One chunk of generated data.

    `sales` carry the property's `external_id` (the database id is only known after the
    upsert); `estimates` are (external_id, estimate, low, high).
    """

    properties: list[dict]
    sales: list[dict]
    estimates: list[tuple[str, int, int, int]]


@dataclass(frozen=True)
class ChunkArrays:
    """The numeric content of one chunk; `DemoChunk` is its dict form. Plot/rooms/bedrooms -1 = none."""

    start: int  # global index of the first row
    muni: np.ndarray
    category: np.ndarray
    building_type: np.ndarray
    cabin_kind: np.ndarray  # -1 unless a cabin
    lat: np.ndarray
    lon: np.ndarray
    usable_area: np.ndarray
    plot_area: np.ndarray
    rooms: np.ndarray
    bedrooms: np.ndarray
    floors: np.ndarray
    year_built: np.ndarray
    features: np.ndarray  # bool (n, len(FEATURES))
    value_2024: np.ndarray  # noise-free value at the 2024 average market level, NOK
    street: np.ndarray
    house_number: np.ndarray
    house_letter: np.ndarray
    postcode: np.ndarray
    gnr: np.ndarray
    bnr: np.ndarray
    changed_at: np.ndarray  # seconds before `today`
    sale_row: np.ndarray  # row within the chunk
    sale_day: np.ndarray  # days since FIRST_SALE_DAY
    sale_true_value: np.ndarray
    sale_price: np.ndarray
    estimate: np.ndarray
    estimate_low: np.ndarray
    estimate_high: np.ndarray


# --- Reference tables ---------------------------------------------------------------------------

def _read_csv(name: str) -> list[dict[str, str]]:
    with open(reference.DATA_DIR / name, encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _numbers_for(names: tuple[str, ...]) -> set[str]:
    numbers = set()
    for name in names:
        found = reference.municipality_numbers_for(name)
        if len(found) != 1:
            raise ValueError(f"Municipality name {name!r} matches {found}")
        numbers.add(found[0])
    return numbers


@dataclass(frozen=True)
class _Geo:
    numbers: tuple[str, ...]
    names: tuple[str, ...]
    towns: tuple[str, ...]
    lat: np.ndarray
    lon: np.ndarray
    scatter_deg: np.ndarray  # coordinate sd in degrees of latitude
    urbanity: np.ndarray  # 0 rural … 1 city
    level: np.ndarray  # enebolig NOK/m², 2024
    cabin_kind: np.ndarray  # MOUNTAIN/SEASIDE for the curated lists, -1 otherwise
    cabin_hotspot: np.ndarray  # bool
    inland_county: np.ndarray  # bool: no sea coast (Innlandet)
    index_region: np.ndarray
    joint_cdf: np.ndarray  # cumulative P(municipality, category), flattened (muni * 3 + category)
    postcode_table: np.ndarray
    postcode_start: np.ndarray
    postcode_width: np.ndarray


def _published_levels() -> dict[str, float]:
    """2024 enebolig NOK/m² per municipality (SSB 06035 via price_levels.csv)."""
    return {
        row["kommunenummer"]: float(row["price_per_m2_nok"])
        for row in _read_csv("price_levels.csv")
        if row["dwelling_type"] == "enebolig" and row["period"] == "2024" and row["kommunenummer"]
    }


def _county_avg_prices() -> dict[str, float]:
    """SSB 2024Q1 average freehold price per county (price_levels.csv), plus the assumed three."""
    by_name = {county.name: number for number, county in reference.counties().items()}
    prices = dict(ASSUMED_COUNTY_AVG_PRICE)
    for row in _read_csv("price_levels.csv"):
        region = row["region"]
        if region.endswith(" (fylke)") and row["period"] == "2024-Q1" and row["avg_price_nok"]:
            prices[by_name[region.removesuffix(" (fylke)")]] = float(row["avg_price_nok"])
    return prices


def _postcode_blocks(counties: list[str], population: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Postcode table plus each municipality's contiguous block in it (start, width).

    Blocks follow the municipalities' order within their county's ranges, sized by sqrt(population).
    """
    table = np.concatenate([np.arange(a, b) for ranges in POSTCODE_RANGES.values() for a, b in ranges])
    start = np.zeros(len(counties), np.int64)
    width = np.zeros(len(counties), np.int64)
    offset = 0
    for county, ranges in POSTCODE_RANGES.items():
        size = sum(b - a for a, b in ranges)
        members = [i for i, c in enumerate(counties) if c == county]
        weights = np.sqrt(population[members])
        edges = np.floor(np.concatenate([[0], np.cumsum(weights)]) / weights.sum() * size).astype(np.int64)
        start[members] = offset + np.minimum(edges[:-1], size - 1)
        width[members] = np.maximum(np.diff(edges), 1)
        offset += size
    return table, start, width


@cache
def _geo() -> _Geo:
    rows = _read_csv("kommuner_2025.csv")
    munis = reference.municipalities()
    numbers = tuple(row["kommunenummer"] for row in rows)
    towns = tuple(row["adm_senter"] for row in rows)
    ms = [munis[n] for n in numbers]
    population = np.array([m.population for m in ms], float)
    area = np.array([m.area_km2 for m in ms], float)
    density = population / area
    counties = [m.county_number for m in ms]

    urbanity = np.clip((np.log10(np.maximum(density, 1)) - 0.5) / 2.5, 0, 1) * np.clip(
        np.log10(population) / 5.5, 0.3, 1)
    centrality = np.clip((population / 25_000) ** 0.10 * (density / 50) ** 0.03, 0.75, 1.2)
    county_avg = _county_avg_prices()
    ratio = np.array([county_avg[c] for c in counties]) / NATIONAL_AVG_PRICE
    level = np.clip(REF_LEVEL * ratio * centrality, LEVEL_FLOOR, LEVEL_CAP)
    for n, published in _published_levels().items():
        level[numbers.index(n)] = published

    mountain, seaside = _numbers_for(MOUNTAIN_CABIN_MUNICIPALITIES), _numbers_for(SEASIDE_CABIN_MUNICIPALITIES)
    hotspots = _numbers_for(CABIN_HOTSPOTS)
    cabin_kind = np.array([MOUNTAIN if n in mountain else SEASIDE if n in seaside else -1 for n in numbers])

    # Joint draw of (municipality, category): residential follows population; cabins lean to
    # sparse and known cabin municipalities; commercial leans to towns.
    cabin_propensity = np.clip((50 / density) ** 0.5, 0.05, 5.0) * np.where(cabin_kind >= 0, CABIN_HEAVY_FACTOR, 1.0)
    cabin_propensity[[numbers.index(n) for n in BIG_CITIES]] *= 0.3
    commercial_propensity = np.clip((density / 50) ** 0.15, 0.5, 2.0)
    weights = np.stack([population, population * cabin_propensity, population * commercial_propensity], axis=1)
    weights = weights / weights.sum(axis=0) * CATEGORY_SHARES
    joint_cdf = np.cumsum(weights.ravel())
    joint_cdf /= joint_cdf[-1]

    postcode_table, postcode_start, postcode_width = _postcode_blocks(counties, population)
    return _Geo(
        numbers=numbers, names=tuple(m.name for m in ms), towns=towns,
        lat=np.array([m.lat for m in ms]), lon=np.array([m.lon for m in ms]),
        scatter_deg=0.25 * np.sqrt(area) / 111.0,
        urbanity=urbanity, level=level, cabin_kind=cabin_kind,
        cabin_hotspot=np.array([n in hotspots for n in numbers]),
        inland_county=np.array([c == "34" for c in counties]),
        index_region=np.array([INDEX_REGION_OF.get(n, 0) for n in numbers]),
        joint_cdf=joint_cdf, postcode_table=postcode_table, postcode_start=postcode_start,
        postcode_width=postcode_width,
    )


@dataclass(frozen=True)
class MarketIndex:
    """SSB 07221 quarterly index per region, extended back geometrically to 100 at 2015 and held flat after."""

    first_quarter: int  # year * 4 + quarter - 1 of column 0
    values: np.ndarray  # (region, quarter)
    level_2024: np.ndarray  # mean of the four 2024 quarters per region

    def factor(self, region: np.ndarray, quarter: np.ndarray) -> np.ndarray:
        """Index at `quarter` relative to the region's 2024 average."""
        col = np.clip(quarter - self.first_quarter, 0, self.values.shape[1] - 1)
        return self.values[region, col] / self.level_2024[region]


@cache
def market_index() -> MarketIndex:
    published: dict[tuple[int, int], float] = {}
    for row in _read_csv("price_index_07221.csv"):
        period = row["period"]
        if len(period) != 6 or period[4] != "Q":  # skip "2023 (avg of 4 quarters)" rows
            continue
        quarter = int(period[:4]) * 4 + int(period[5]) - 1
        published[INDEX_REGIONS.index(row["region"]), quarter] = float(row["index_2015_100_nsa"])
    first_published = min(q for _, q in published)
    last = max(q for _, q in published)
    first = 2015 * 4
    quarters = np.arange(first, last + 1)
    values = np.zeros((len(INDEX_REGIONS), len(quarters)))
    for r in range(len(INDEX_REGIONS)):
        start = published[r, first_published]
        rate = np.log(start / 100.0) / (first_published - INDEX_BASE_QUARTER)
        for k, q in enumerate(quarters):
            values[r, k] = published.get((r, int(q)), 100.0 * np.exp(rate * (q - INDEX_BASE_QUARTER)))
    cols_2024 = np.arange(2024 * 4, 2025 * 4) - first
    return MarketIndex(first_quarter=first, values=values, level_2024=values[:, cols_2024].mean(axis=1))


def quarter_of_days(days: np.ndarray) -> np.ndarray:
    """year*4 + quarter-1 for day numbers counted from FIRST_SALE_DAY."""
    dt = np.datetime64(FIRST_SALE_DAY.isoformat()) + days.astype("timedelta64[D]")
    months = dt.astype("datetime64[M]").astype(np.int64)  # months since 1970-01
    return (months // 12 + 1970) * 4 + (months % 12) // 3


# --- Generation -------------------------------------------------------------------------------

def _draw_from_cdf(cdf: np.ndarray, u: np.ndarray) -> np.ndarray:
    return np.minimum(np.searchsorted(cdf, u, side="right"), len(cdf) - 1)


def _draw_rows(table_cdf: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Row-wise inverse-CDF draw: table_cdf (n, k) cumulative, u (n,)."""
    return np.minimum((table_cdf < u[:, None]).sum(axis=1), table_cdf.shape[1] - 1)


def _type_tables() -> dict[int, tuple[np.ndarray, ...]]:
    tables: dict[int, tuple[np.ndarray, ...]] = {}
    for cat, types in ((RESIDENTIAL, _RESIDENTIAL_TYPES), (CABIN, _CABIN_TYPES), (COMMERCIAL, _COMMERCIAL_TYPES)):
        arr = np.array(types, float)
        tables[cat] = (arr[:, 0].astype(np.int64), arr[:, 1], arr[:, 2], arr[:, 3],
                       arr[:, 4].astype(np.int64), arr[:, 5].astype(np.int64))
    return tables


def _generate_chunk(*, rng: np.random.Generator, start: int, n: int, n_sales: int, today: date,
                    counters: np.ndarray, municipality: int | None = None) -> ChunkArrays:
    geo = _geo()
    types = _type_tables()

    joint = _draw_from_cdf(geo.joint_cdf, rng.random(n))
    muni, category = joint // 3, joint % 3
    if municipality is not None:  # every row in one municipality: the category from its own shares
        k = municipality * 3
        shares = np.diff(np.concatenate([[geo.joint_cdf[k - 1] if k else 0.0], geo.joint_cdf[k:k + 3]]))
        category = _draw_from_cdf(np.cumsum(shares) / shares.sum(), rng.random(n))
        muni = np.full(n, municipality)
    res, cab, com = category == RESIDENTIAL, category == CABIN, category == COMMERCIAL
    urb = geo.urbanity[muni]

    # Building type, per category.
    type_idx = np.zeros(n, np.int64)
    u = rng.random(n)
    shares = (
        _RESIDENTIAL_SHARES_RURAL[None, :] * (1 - urb[res, None]) + _RESIDENTIAL_SHARES_URBAN[None, :] * urb[res, None]
    )
    type_idx[res] = _draw_rows(np.cumsum(shares / shares.sum(axis=1, keepdims=True), axis=1), u[res])
    type_idx[cab] = _draw_from_cdf(np.cumsum(_CABIN_SHARES) / _CABIN_SHARES.sum(), u[cab])
    type_idx[com] = _draw_from_cdf(np.cumsum(_COMMERCIAL_SHARES) / _COMMERCIAL_SHARES.sum(), u[com])
    code = np.zeros(n, np.int64)
    area_median, area_sd, type_effect = np.zeros(n), np.zeros(n), np.zeros(n)
    floors_lo, floors_hi = np.ones(n, np.int64), np.ones(n, np.int64)
    for cat, mask in ((RESIDENTIAL, res), (CABIN, cab), (COMMERCIAL, com)):
        t_code, t_area, t_sd, t_eff, t_flo, t_fhi = types[cat]
        i = type_idx[mask]
        code[mask], area_median[mask], area_sd[mask], type_effect[mask] = t_code[i], t_area[i], t_sd[i], t_eff[i]
        floors_lo[mask], floors_hi[mask] = t_flo[i], t_fhi[i]
    apartment = res & (code >= 141) & (code <= 159)

    # Cabin kind: the curated lists decide; elsewhere by county (no sea in Innlandet).
    kind = np.full(n, -1, np.int64)
    u = rng.random(n)
    listed = geo.cabin_kind[muni]
    inland_county = geo.inland_county[muni]
    drawn = np.where(inland_county, np.where(u < 0.5, MOUNTAIN, INLAND),
                     np.where(u < 0.45, SEASIDE, np.where(u < 0.70, MOUNTAIN, INLAND)))
    kind[cab] = np.where(listed[cab] >= 0, listed[cab], drawn[cab])

    # Coordinates.
    scale = geo.scatter_deg[muni] * np.where(res | com, 1.0 - 0.6 * urb, 1.2)
    lat = np.clip(geo.lat[muni] + rng.normal(0, 1, n) * scale, *LAT_RANGE)
    coslat = np.cos(np.radians(geo.lat[muni]))
    lon = np.clip(geo.lon[muni] + rng.normal(0, 1, n) * scale / coslat, *LON_RANGE)

    # Size and layout.
    usable_area = np.clip(np.rint(area_median * np.exp(rng.normal(0, 1, n) * area_sd)), 15, 60_000).astype(np.int64)
    floors = rng.integers(floors_lo, floors_hi + 1)
    plot_median = np.select([res & ~apartment, cab, com], [1100 - 500 * urb, 1000, 4000], default=0)
    plot_area = np.where(plot_median > 0, np.rint(plot_median * np.exp(rng.normal(0, 0.6, n))), -1).astype(np.int64)
    rooms = np.clip(np.rint(usable_area / np.where(cab, 22, 27) + rng.normal(0, 0.8, n)), 1, 15).astype(np.int64)
    bedrooms = np.clip(rooms - 1 - (rng.random(n) < 0.5) - (rooms >= 6), 0, None)
    rooms[com], bedrooms[com] = -1, -1

    # Year built: an age draw, younger in urban municipalities (they grow).
    age = rng.gamma(1.6, np.where(cab, 24, 30 - 12 * urb))
    year_built = np.clip(np.rint(today.year - age), 1850, today.year).astype(np.int64)

    # Features, with correlated probabilities.
    u = rng.random((n, len(reference.FEATURES)))
    seaside_like = np.where(cab, kind == SEASIDE, listed == SEASIDE)
    mountain = np.where(cab, kind == MOUNTAIN, listed == MOUNTAIN)
    p = {
        "waterfront": np.select([cab & (kind == SEASIDE), cab & (kind == INLAND), cab, seaside_like],
                                [0.45, 0.25, 0.06, 0.08], default=0.03),
        "view": np.select([cab & mountain, cab], [0.60, 0.45], default=0.12 + 0.1 * (floors >= 5)),
        "garage": np.select([apartment, res, cab], [0.0, 0.55, 0.05], default=0.2),
        "balcony": np.select([apartment, res, cab], [0.92, 0.35, 0.10], default=0.05),
        "fireplace": np.select([apartment, res, cab], [0.10, 0.60, 0.80], default=0.02),
        "sauna": np.select([cab & mountain, cab, res], [0.25, 0.15, 0.05], default=0.01),
        "ski_in_out": np.select([cab & mountain, mountain & ~com], [0.15, 0.01], default=0.0),
        "road_access": np.select([cab & (kind == SEASIDE), cab], [0.65, 0.80], default=0.995),
    }
    features = np.zeros((n, len(reference.FEATURES)), bool)
    for name, prob in p.items():
        features[:, FEATURE_INDEX[name]] = u[:, FEATURE_INDEX[name]] < prob
    waterfront = features[:, FEATURE_INDEX["waterfront"]]
    road = features[:, FEATURE_INDEX["road_access"]]
    features[:, FEATURE_INDEX["jetty"]] = waterfront & (u[:, FEATURE_INDEX["jetty"]] < np.where(cab, 0.6, 0.35))
    features[:, FEATURE_INDEX["electricity"]] = u[:, FEATURE_INDEX["electricity"]] < np.where(
        cab, np.where(road, 0.90, 0.55), 0.999)
    features[:, FEATURE_INDEX["water"]] = u[:, FEATURE_INDEX["water"]] < np.where(
        cab, np.where(road, 0.65, 0.35), 0.995)

    value_2024 = _hedonic_value(
        category=category, kind=kind, muni=muni, usable_area=usable_area, plot_area=plot_area,
        year_built=year_built, type_effect=type_effect, features=features, geo=geo)

    # Address and cadastral numbers.
    stems = rng.integers(0, len(STREET_STEMS), n)
    suffixes = rng.integers(0, len(STREET_SUFFIXES), n)
    street = stems * len(STREET_SUFFIXES) + suffixes
    house_number = np.where(apartment | com, rng.integers(1, 40, n), rng.integers(1, 140, n))
    house_letter = _draw_from_cdf(HOUSE_LETTER_CDF, rng.random(n))
    postcode = geo.postcode_table[
        geo.postcode_start[muni] + (rng.random(n) * geo.postcode_width[muni]).astype(np.int64)
    ]
    seq = np.empty(n, np.int64)
    order = np.argsort(muni, kind="stable")
    sorted_muni = muni[order]
    first = np.searchsorted(sorted_muni, sorted_muni, side="left")
    seq[order] = counters[sorted_muni] + np.arange(n) - first
    np.add.at(counters, muni, 1)
    gnr, bnr = seq // BNR_PER_GNR + 1, seq % BNR_PER_GNR + 1
    changed_at = rng.integers(0, 3 * 365 * 86_400, n)

    # Sales: uniform over properties and over the days the property can be sold (from 1 January of the year
    # before it was built: new homes are sold off plan, never years before they stand); never twice on one day.
    last_day = (today - FIRST_SALE_DAY).days
    sale_row = rng.integers(0, n, n_sales) if n_sales else np.zeros(0, np.int64)
    new_year_before = (year_built - 1 - 1970).astype("datetime64[Y]").astype("datetime64[D]")
    sellable_from = np.clip((new_year_before - np.datetime64(FIRST_SALE_DAY)).astype(np.int64), 0, last_day)
    first_day = sellable_from[sale_row]
    sale_day = rng.integers(first_day, last_day + 1)
    while True:
        key = sale_row * (last_day + 1) + sale_day
        _, first_seen = np.unique(key, return_index=True)
        dup = np.ones(n_sales, bool)
        dup[first_seen] = False
        if not dup.any():
            break
        sale_day[dup] = np.where(sale_day[dup] < last_day, sale_day[dup] + 1, first_day[dup])
    index = market_index()
    region = geo.index_region[muni]
    sale_true = np.rint(value_2024[sale_row] * index.factor(region[sale_row], quarter_of_days(sale_day)))
    sale_price = np.rint(sale_true * np.exp(rng.normal(0, SALE_SIGMA, n_sales)) / 1000) * 1000

    today_q = quarter_of_days(np.array([last_day]))[0]
    value_today = value_2024 * index.factor(region, np.full(n, today_q))
    estimate = np.rint(value_today * np.exp(rng.normal(0, ESTIMATE_SIGMA, n)) / 1000) * 1000
    spread = np.exp(Z90 * ESTIMATE_SIGMA)
    estimate_low = np.rint(estimate / spread / 1000) * 1000
    estimate_high = np.rint(estimate * spread / 1000) * 1000

    return ChunkArrays(
        start=start, muni=muni, category=category, building_type=code, cabin_kind=kind, lat=np.round(lat, 6),
        lon=np.round(lon, 6), usable_area=usable_area, plot_area=plot_area, rooms=rooms, bedrooms=bedrooms,
        floors=floors, year_built=year_built, features=features, value_2024=value_2024, street=street,
        house_number=house_number, house_letter=house_letter, postcode=postcode, gnr=gnr, bnr=bnr,
        changed_at=changed_at, sale_row=sale_row, sale_day=sale_day, sale_true_value=sale_true.astype(np.int64),
        sale_price=sale_price.astype(np.int64), estimate=estimate.astype(np.int64),
        estimate_low=estimate_low.astype(np.int64), estimate_high=estimate_high.astype(np.int64),
    )


def _hedonic_value(*, category: np.ndarray, kind: np.ndarray, muni: np.ndarray, usable_area: np.ndarray,
                   plot_area: np.ndarray, year_built: np.ndarray, type_effect: np.ndarray,
                   features: np.ndarray, geo: _Geo) -> np.ndarray:
    """Noise-free value at the 2024 average market level (see docs/demo_data.md)."""
    res, cab, com = category == RESIDENTIAL, category == CABIN, category == COMMERCIAL
    level = geo.level[muni]
    ref_area = np.choose(category, [REFERENCE_AREA[c] for c in range(3)])
    elasticity = np.choose(category, [AREA_ELASTICITY[c] for c in range(3)])

    log_value = np.log(ref_area) + elasticity * np.log(usable_area / ref_area) + type_effect
    log_value += np.where(res, np.log(level) + RESIDENTIAL_CALIBRATION, 0.0)
    log_value += np.where(com, np.log(level * COMMERCIAL_LEVEL_FACTOR), 0.0)
    kind = np.maximum(kind, 0)
    cabin_base = (np.log(np.choose(kind, [CABIN_BASE_PRICE[k] for k in range(3)]) / REFERENCE_AREA[CABIN])
                  + np.choose(kind, [CABIN_CALIBRATION[k] for k in range(3)]))
    cabin_location = (CABIN_LOCATION_ELASTICITY * np.log(level / REF_LEVEL)
                      + CABIN_HOTSPOT_PREMIUM * geo.cabin_hotspot[muni])
    log_value += np.where(cab, cabin_base + cabin_location, 0.0)

    age = np.maximum(2024 - year_built, 0)
    log_value += (AGE_SLOPE * np.minimum(age, 60) + HISTORIC_SLOPE * np.maximum(age - 80, 0)
                  + NEW_BUILD_PREMIUM * (age <= 5))
    has_plot = plot_area > 0
    log_value += np.where(has_plot & ~com, PLOT_ELASTICITY * np.log(np.maximum(plot_area, 1) / REFERENCE_PLOT), 0.0)
    for name, premiums in FEATURE_PREMIUMS.items():
        log_value += features[:, FEATURE_INDEX[name]] * np.choose(category, premiums)
    for name, discounts in MISSING_DISCOUNTS.items():
        log_value += ~features[:, FEATURE_INDEX[name]] * np.choose(category, discounts)
    return np.exp(log_value)


def generate_arrays(*, count: int, seed: int, sales: int | None = None, today: date | None = None,
                    municipality: str | None = None) -> Iterator[ChunkArrays]:
    """The generator's numeric output, chunk by chunk (see `generate` for the dict form)."""
    today = today or DEFAULT_TODAY
    sales = count if sales is None else sales
    counters = np.zeros(len(_geo().numbers), np.int64)
    for chunk_no, start in enumerate(range(0, count, CHUNK_SIZE)):
        n = min(CHUNK_SIZE, count - start)
        n_sales = (start + n) * sales // count - start * sales // count
        rng = np.random.default_rng([seed, chunk_no])
        yield _generate_chunk(rng=rng, start=start, n=n, n_sales=n_sales, today=today, counters=counters,
                              municipality=_geo().numbers.index(municipality) if municipality else None)


def _external_ids(arrays: ChunkArrays) -> list[str]:
    numbers = _geo().numbers
    return [f"{numbers[m]}-{g}/{b}/0/0" for m, g, b in
            zip(arrays.muni.tolist(), arrays.gnr.tolist(), arrays.bnr.tolist(), strict=True)]


def _to_chunk(arrays: ChunkArrays, *, seed: int, today: date) -> DemoChunk:
    geo = _geo()
    external_ids = _external_ids(arrays)
    streets = [f"{stem}{suffix}" for stem in STREET_STEMS for suffix in STREET_SUFFIXES]
    feature_names = np.array(reference.FEATURES)
    payload = {"synthetic": True, "generator": GENERATOR, "seed": seed}
    today_dt = datetime(today.year, today.month, today.day, tzinfo=UTC)
    features = [feature_names[row].tolist() for row in arrays.features]

    def nullable(values: np.ndarray) -> list[int | None]:
        return [None if v < 0 else v for v in values.tolist()]

    properties = [
        {
            "external_id": external_ids[i],
            "matrikkelenhet_id": MATRIKKELENHET_ID_OFFSET + arrays.start + i,
            "source": SOURCE,
            "category": CATEGORIES[cat],
            "building_type_code": code,
            "address": f"{streets[street]} {number}{HOUSE_LETTERS[letter]}",
            "postcode": f"{postcode:04d}",
            "town": geo.towns[m],
            "municipality_number": geo.numbers[m],
            "municipality_name": geo.names[m],
            "lat": lat,
            "lon": lon,
            "usable_area": area,
            "plot_area": plot,
            "rooms": rooms,
            "bedrooms": bedrooms,
            "floors": floors,
            "year_built": year,
            "features": features[i],
            "upstream_payload": payload,
            "upstream_changed_at": today_dt - timedelta(seconds=changed),
        }
        for i, (m, cat, code, street, number, letter, postcode, lat, lon, area, plot, rooms, bedrooms,
                floors, year, changed) in enumerate(zip(
            arrays.muni.tolist(), arrays.category.tolist(), arrays.building_type.tolist(),
            arrays.street.tolist(), arrays.house_number.tolist(), arrays.house_letter.tolist(),
            arrays.postcode.tolist(), arrays.lat.tolist(), arrays.lon.tolist(), arrays.usable_area.tolist(),
            nullable(arrays.plot_area), nullable(arrays.rooms), nullable(arrays.bedrooms),
            arrays.floors.tolist(), arrays.year_built.tolist(), arrays.changed_at.tolist(), strict=True))
    ]
    sales = [
        {"external_id": external_ids[row], "sold_on": FIRST_SALE_DAY + timedelta(days=day),
         "price": price, "true_value": true_value, "source": SOURCE}
        for row, day, price, true_value in zip(arrays.sale_row.tolist(), arrays.sale_day.tolist(),
                                               arrays.sale_price.tolist(), arrays.sale_true_value.tolist(), strict=True)
    ]
    estimates = list(zip(external_ids, arrays.estimate.tolist(), arrays.estimate_low.tolist(),
                         arrays.estimate_high.tolist(), strict=True))
    return DemoChunk(properties=properties, sales=sales, estimates=estimates)


def generate(count: int, seed: int, sales: int | None = None, today: date | None = None,
             municipality: str | None = None) -> Iterator[DemoChunk]:
    """Yield `DemoChunk`s of at most CHUNK_SIZE properties (with their sales and estimates).

    Deterministic: the same (count, seed, sales, today) always yields identical data. `sales`
    defaults to `count`; sale dates run from 2015-01-01 to `today` (default 2026-11-01). With
    `municipality` (a kommunenummer) every property is drawn for that municipality (the demo gives
    real addresses from the open register generated building facts this way).
    """
    today = today or DEFAULT_TODAY
    for arrays in generate_arrays(count=count, seed=seed, sales=sales, today=today, municipality=municipality):
        yield _to_chunk(arrays, seed=seed, today=today)
