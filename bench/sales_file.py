"""A real-looking sales file built from the open Elverum address register, written in the formats the sales reader
must survive. Real addresses, matrikkel numbers, postcodes and coordinates; synthetic houses and prices.

    .venv/bin/python bench/sales_file.py [--sales 12000] [--seed 1] [--out bench/results/sales]

Input: Kartverket's "Matrikkelen - Adresse" for Elverum (``/work/shared/data/real/`` or ``--addresses``; © Kartverket,
CC BY 4.0): one house per matrikkel unit (gnr/bnr/fnr/snr) at its first road address, coordinates converted from
EPSG:25833 (UTM 33, metres) to WGS84 degrees with pyproj.

Houses (seeded): a style (``1Story``, ``1.5Fin``, ``1.5Unf``, ``2Story``, ``2.5Unf``, ``SLvl``, ``SFoyer``, Ames-like
codes); living area lognormal around a median per style; plot area larger outside the urban area (tettsted);
year built from a mixture of building waves; bedrooms from area; floors from style.

Prices, a hedonic formula with noise (natural logarithms; t in years since 2014-01-01):

    log price = log 3 400 000
              + 0.80 log(area / 130) + 0.06 log(plot / 800)
              - 0.004 min(age at sale, 80) + 0.10 [built 2010 or later]
              + style effect (1Story 0, 1.5Fin +0.03, 1.5Unf -0.08, 2Story +0.05, 2.5Unf -0.04, SLvl -0.02,
                SFoyer -0.05)
              - 0.035 min(distance to Elverum centre in km, 20)
              + neighbourhood effect per grunnkrets ~ N(0, 0.08)
              + market: 0.045 t + 0.015 sin(2 pi (month - 3) / 12) - 0.04 [2022-09 .. 2023-06]
              + noise ~ N(0, 0.10)

``true_value`` is the same without the noise, so the backtest reports the noise floor. Sales: --sales sales of
random houses on random days from 2014-01-01 to 2024-12-31 (a house sells at most once a day), written in date
order. About 0.5 % of rows have no readable living area ("n/a", "ukjent", "se prospekt") and 0.2 % no price, as real
files do.

Files written (the script prints a valuation_backtest command line for each):
- ``us.csv``: comma-separated, US dates (mm/dd/yyyy), three-decimal coordinates, English headers;
- ``no.csv``: semicolon-separated Windows-1252, Norwegian headers, dd.mm.yyyy dates, decimal commas (three-decimal
  coordinates too), prices with spaces between thousands;
- ``year_month.csv``: no coordinates and no day: ``Yr Sold`` and ``Mo Sold`` columns, zip code as the location;
- ``sales.xlsx``: a spreadsheet with typed cells (numbers and dates);
- ``us.csv.gz``: the US file in UTF-16 with a byte order mark, gzipped.
"""
from __future__ import annotations

import argparse
import csv
import datetime as dt
import gzip
import io
import math
from pathlib import Path

import numpy as np

ADDRESSES = Path("/work/shared/data/real/Basisdata_3420_Elverum_25833_MatrikkelenAdresse.csv")
FIRST_DAY, LAST_DAY = dt.date(2014, 1, 1), dt.date(2024, 12, 31)
STYLES = ("1Story", "1.5Fin", "1.5Unf", "2Story", "2.5Unf", "SLvl", "SFoyer")
STYLE_SHARE = (0.38, 0.16, 0.05, 0.25, 0.03, 0.09, 0.04)
STYLE_EFFECT = (0.0, 0.03, -0.08, 0.05, -0.04, -0.02, -0.05)
STYLE_AREA = (115, 140, 125, 165, 170, 150, 130)  # median living area, m²
STYLE_FLOORS = (1, 1.5, 1.5, 2, 2.5, 2, 1.5)
CENTRE_TETTSTED = "Elverum"


def read_addresses(path: Path) -> list[dict]:
    """One house per matrikkel unit, at its first road address, with WGS84 degrees."""
    from pyproj import Transformer

    with open(path, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh, delimiter=";"))
    houses, seen = [], set()
    for row in rows:
        if row["adressetype"] != "vegadresse" or not row["Nord"] or not row["Øst"]:
            continue
        unit = (row["gardsnummer"], row["bruksnummer"], row["festenummer"] or "0", row["undernummer"] or "0")
        if unit in seen:
            continue
        seen.add(unit)
        houses.append({
            "matrikkel": f"{row['kommunenummer']}-{unit[0]}/{unit[1]}/{unit[2]}/{unit[3]}",
            "address": row["adresseTekst"], "zip": row["postnummer"], "place": row["poststed"],
            "grunnkrets": row["grunnkretsnummer"], "urban": row["tettstednavn"] == CENTRE_TETTSTED,
            "north": float(row["Nord"]), "east": float(row["Øst"]),
        })
    to_degrees = Transformer.from_crs("EPSG:25833", "EPSG:4326", always_xy=True)
    lon, lat = to_degrees.transform([h["east"] for h in houses], [h["north"] for h in houses])
    for house, x, y in zip(houses, lon, lat, strict=True):
        house["lat"], house["lon"] = float(y), float(x)
    return houses


def build(houses: list[dict], *, sales: int, seed: int) -> list[dict]:
    rng = np.random.default_rng(seed)
    n = len(houses)
    urban = np.array([h["urban"] for h in houses])
    east, north = np.array([h["east"] for h in houses]), np.array([h["north"] for h in houses])
    centre = (np.median(east[urban]), np.median(north[urban])) if urban.any() else (np.median(east), np.median(north))
    km = np.hypot(east - centre[0], north - centre[1]) / 1000
    kretser = sorted({h["grunnkrets"] for h in houses})
    krets_effect = dict(zip(kretser, rng.normal(0, 0.08, len(kretser)), strict=True))
    style = rng.choice(len(STYLES), size=n, p=STYLE_SHARE)
    area = np.round(np.array(STYLE_AREA)[style] * np.exp(rng.normal(0, 0.28, n))).clip(35, 450)
    plot = np.round(np.where(urban, 700 * np.exp(rng.normal(0, 0.4, n)), 2000 * np.exp(rng.normal(0, 0.6, n))))
    wave = rng.choice(4, size=n, p=(0.15, 0.35, 0.35, 0.15))
    year_built = np.select([wave == 0, wave == 1, wave == 2],
                           [rng.integers(1900, 1950, n), rng.integers(1950, 1985, n), rng.integers(1985, 2010, n)],
                           rng.integers(2010, 2024, n))
    bedrooms = np.clip(np.round(area / 38 + rng.normal(0, 0.6, n)), 1, 7).astype(int)

    out, taken = [], set()
    days = (LAST_DAY - FIRST_DAY).days
    while len(out) < sales:
        i, day = int(rng.integers(n)), int(rng.integers(days + 1))
        sold_on = FIRST_DAY + dt.timedelta(days=day)
        if (i, day) in taken or sold_on.year < year_built[i]:
            continue
        taken.add((i, day))
        t = day / 365.25
        dip = -0.04 if dt.date(2022, 9, 1) <= sold_on <= dt.date(2023, 6, 30) else 0.0
        age = min(sold_on.year - year_built[i], 80)
        log_value = (math.log(3_400_000) + 0.80 * math.log(area[i] / 130) + 0.06 * math.log(max(plot[i], 100) / 800)
                     - 0.004 * age + 0.10 * (year_built[i] >= 2010) + STYLE_EFFECT[style[i]]
                     - 0.035 * min(km[i], 20) + krets_effect[houses[i]["grunnkrets"]]
                     + 0.045 * t + 0.015 * math.sin(2 * math.pi * (sold_on.month - 3) / 12) + dip)
        true_value = math.exp(log_value)
        price = round(true_value * math.exp(rng.normal(0, 0.10)), -3)
        h = houses[i]
        out.append({
            **h, "sold_on": sold_on, "price": int(price), "true_value": int(round(true_value, -3)),
            "area": int(area[i]), "plot": int(plot[i]), "year_built": int(year_built[i]),
            "bedrooms": int(bedrooms[i]), "floors": STYLE_FLOORS[style[i]], "style": STYLES[style[i]],
            "area_text": None if rng.random() >= 0.005 else str(rng.choice(["n/a", "ukjent", "se prospekt"])),
            "no_price": rng.random() < 0.002,
        })
    out.sort(key=lambda s: (s["sold_on"], s["matrikkel"]))
    return out


US_HEADER = ["Address", "zipcode", "Date", "SalePrice", "LivingArea", "LotArea", "YearBuilt", "Bedrooms", "Floors",
             "HouseStyle", "lat", "long", "true_value"]
US_MAP = ("price=SalePrice,sold_on=Date,usable_area=LivingArea,plot_area=LotArea,year_built=YearBuilt,"
          "bedrooms=Bedrooms,floors=Floors,lat=lat,lon=long,style=HouseStyle,zip=zipcode:category,"
          "true_value=true_value")


def us_rows(sales: list[dict]) -> list[list]:
    return [[s["address"], s["zip"], s["sold_on"].strftime("%m/%d/%Y"), "" if s["no_price"] else s["price"],
             s["area_text"] or s["area"], s["plot"], s["year_built"], s["bedrooms"], s["floors"], s["style"],
             f"{s['lat']:.3f}", f"{s['lon']:.3f}", s["true_value"]] for s in sales]


NO_HEADER = ["Matrikkelnummer", "Adresse", "Postnummer", "Poststed", "Tinglyst", "Salgssum", "BRA", "Tomteareal",
             "Byggeår", "Soverom", "Etasjer", "Boligtype", "Breddegrad", "Lengdegrad", "Sann verdi"]
NO_MAP = ("price=Salgssum,sold_on=Tinglyst,usable_area=BRA,plot_area=Tomteareal,year_built=Byggeår,bedrooms=Soverom,"
          "floors=Etasjer,lat=Breddegrad,lon=Lengdegrad,boligtype=Boligtype,postnummer=Postnummer:category,"
          "true_value=Sann verdi")


def _nok(amount: int) -> str:
    return f"{amount:,}".replace(",", " ")


def _comma(value: float, decimals: int) -> str:
    return f"{value:.{decimals}f}".replace(".", ",")


def no_rows(sales: list[dict]) -> list[list]:
    return [[s["matrikkel"], s["address"], s["zip"], s["place"], s["sold_on"].strftime("%d.%m.%Y"),
             "" if s["no_price"] else _nok(s["price"]), s["area_text"] or s["area"], s["plot"], s["year_built"],
             s["bedrooms"], _comma(s["floors"], 1), s["style"], _comma(s["lat"], 3), _comma(s["lon"], 3),
             _nok(s["true_value"])] for s in sales]


YM_HEADER = ["Id", "Yr Sold", "Mo Sold", "SalePrice", "Gr Liv Area", "Lot Area", "Year Built", "Bedroom AbvGr",
             "House Style", "Zip", "true_value"]
YM_MAP = ("price=SalePrice,sold_on=Yr Sold+Mo Sold,usable_area=Gr Liv Area,plot_area=Lot Area,year_built=Year Built,"
          "bedrooms=Bedroom AbvGr,style=House Style,zip=Zip:category,true_value=true_value")


def ym_rows(sales: list[dict]) -> list[list]:
    return [[i + 1, s["sold_on"].year, s["sold_on"].month, "" if s["no_price"] else s["price"],
             s["area_text"] or s["area"], s["plot"], s["year_built"], s["bedrooms"], s["style"], s["zip"],
             s["true_value"]] for i, s in enumerate(sales)]


def write_csv(path: Path, header: list[str], rows: list[list], *, delimiter: str = ",",
              encoding: str = "utf-8") -> None:
    with open(path, "w", newline="", encoding=encoding) as fh:
        writer = csv.writer(fh, delimiter=delimiter)
        writer.writerow(header)
        writer.writerows(rows)


def write_xlsx(path: Path, sales: list[dict]) -> None:
    import openpyxl

    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("Sales")
    sheet.append(["Matrikkel", "Sold", "Price", "Living area", "Plot", "Year built", "Bedrooms", "Style", "Latitude",
                  "Longitude", "Zip", "true_value"])
    for s in sales:
        sheet.append([s["matrikkel"], s["sold_on"], None if s["no_price"] else s["price"], s["area_text"] or s["area"],
                      s["plot"], s["year_built"], s["bedrooms"], s["style"], round(s["lat"], 5), round(s["lon"], 5),
                      s["zip"], s["true_value"]])
    book.save(path)


XLSX_MAP = ("external_id=Matrikkel,price=Price,sold_on=Sold,usable_area=Living area,plot_area=Plot,"
            "year_built=Year built,bedrooms=Bedrooms,style=Style,lat=Latitude,lon=Longitude,zip=Zip:category,"
            "true_value=true_value")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--addresses", type=Path, default=ADDRESSES)
    parser.add_argument("--sales", type=int, default=12_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent / "results" / "sales")
    args = parser.parse_args()

    houses = read_addresses(args.addresses)
    sales = build(houses, sales=args.sales, seed=args.seed)
    args.out.mkdir(parents=True, exist_ok=True)
    files = {
        "us.csv": US_MAP, "no.csv": NO_MAP, "year_month.csv": YM_MAP, "sales.xlsx": XLSX_MAP, "us.csv.gz": US_MAP,
    }
    write_csv(args.out / "us.csv", US_HEADER, us_rows(sales))
    write_csv(args.out / "no.csv", NO_HEADER, no_rows(sales), delimiter=";", encoding="cp1252")
    write_csv(args.out / "year_month.csv", YM_HEADER, ym_rows(sales))
    write_xlsx(args.out / "sales.xlsx", sales)
    text = io.StringIO(newline="")
    csv.writer(text).writerows([US_HEADER, *us_rows(sales)])
    (args.out / "us.csv.gz").write_bytes(gzip.compress(text.getvalue().encode("utf-16")))
    prices = np.array([s["price"] for s in sales])
    print(f"{len(houses):,} houses from {args.addresses.name}; {len(sales):,} sales {sales[0]['sold_on']} .. "
          f"{sales[-1]['sold_on']}, median price {int(np.median(prices)):,} NOK")
    for name, mapping in files.items():
        print(f"\n{args.out / name}\n  python manage.py valuation_backtest {args.out / name} --map \"{mapping}\"")


if __name__ == "__main__":
    main()
