"""valuation_backtest runs the whole pipeline on a CSV, without the database."""
import csv
import json
from io import StringIO

import numpy as np
import pytest
from django.core.management import CommandError, call_command

from recommendations.valuation.frame import day_to_date


def test_backtest_on_a_foreign_csv_prints_metrics_as_json(tmp_path, demo_sales):
    # A file as someone else would export it: other names, units in the cells, gaps, extra columns.
    rng = np.random.default_rng(3)
    path = tmp_path / "sales.csv"
    with open(path, "w", newline="", encoding="cp1252") as fh:
        w = csv.writer(fh, delimiter=";")
        w.writerow(["Salgssum", "Tinglyst", "P-rom", "Tomt", "Byggeår", "Breddegrad", "Lengdegrad", "Type",
                    "Kommune", "Etasje", "Megler", "Ukjent kolonne"])
        for i in range(demo_sales.n):
            area = demo_sales.num["usable_area"][i]
            w.writerow([
                f"{demo_sales.price[i]:,.0f}".replace(",", " ") + " kr",
                day_to_date(demo_sales.sold_day[i]).strftime("%d.%m.%Y"),
                "" if rng.random() < 0.05 else f"{area:.0f} m²",
                "" if not np.isfinite(demo_sales.num["plot_area"][i]) else int(demo_sales.num["plot_area"][i]),
                int(demo_sales.num["year_built"][i]),
                f"{demo_sales.num['lat'][i]:.5f}".replace(".", ","), f"{demo_sales.num['lon'][i]:.5f}",
                demo_sales.text["category"][i], demo_sales.text["municipality"][i],
                rng.integers(1, 6), rng.choice(["DNB", "Krogsveen", "Privat"]), "ignored",
            ])
        w.writerow(["", "01.01.2020", "80", "", "", "", "", "", "", "", "", ""])  # no price: reported, skipped
    out = StringIO()
    call_command("valuation_backtest", str(path), "--json", "--map", (
        "price=Salgssum,sold_on=Tinglyst,usable_area=P-rom,plot_area=Tomt,year_built=Byggeår,lat=Breddegrad,"
        "lon=Lengdegrad,category=Type,municipality=Kommune,floor=Etasje,agent=Megler"), stdout=out)
    metrics = json.loads(out.getvalue())
    assert metrics["input"]["used"] == demo_sales.n and metrics["input"]["skipped"] == {"missing_price": 1}
    skipped_row = metrics["input"]["skipped_rows"][0]  # listed by its line in the file: header, rows, then it
    assert skipped_row["line"] == demo_sales.n + 2 and skipped_row["code"] == "missing_price"
    assert metrics["input"]["extra_numeric"] == ["floor"] and metrics["input"]["extra_categorical"] == ["agent"]
    overall = metrics["overall"]
    assert overall["n"] == round(demo_sales.n * 0.2)
    assert overall["mdape"] < 20 and 70 <= overall["coverage"] <= 90 and overall["r2_log"] > 0.8
    assert set(metrics["by_category"]) == {"residential", "cabin", "commercial"}


def test_backtest_reads_year_and_month_columns_and_says_how_before_training(tmp_path, demo_sales):
    # Like the second kind of real file: no coordinates, the sale date only as a year and a month column,
    # house styles that look like numbers, a zip code declared a category, and text in the area column.
    sales = demo_sales.take(np.arange(3000))
    styles = np.array(["1Story", "1.5Fin", "2Story", "2.5Unf", "SLvl"], dtype=object)
    path = tmp_path / "sales.csv"
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["SalePrice", "Yr Sold", "Mo Sold", "Gr Liv Area", "House Style", "Zip"])
        for i in range(sales.n):
            sold = day_to_date(sales.sold_day[i])
            w.writerow([int(sales.price[i]), sold.year, sold.month,
                        "n/a" if i % 97 == 0 else f"{sales.num['usable_area'][i]:.0f}",
                        styles[i % 5], sales.text["municipality"][i]])
    out = StringIO()
    call_command("valuation_backtest", str(path), "--map",
                 "price=SalePrice,sold_on=Yr Sold+Mo Sold,usable_area=Gr Liv Area,style=House Style,zip=Zip:category",
                 stdout=out)
    text = out.getvalue()
    reading = text[:text.index("Skipped rows: none")]
    assert 'sold_on        ← "Yr Sold" + "Mo Sold"' in reading and "(the 1st of the month); 100.0% usable" in reading
    assert "category, 5 values such as" in reading and "1Story" in reading
    assert "usable_area" in reading and f"{-(-sales.n // 97):,} missing" in reading
    assert "MdAPE" in text[len(reading):]


def test_backtest_refuses_an_ambiguous_column_before_training(tmp_path):
    path = tmp_path / "sales.csv"
    path.write_text("price,date,lat\n650000,03/04/2021,47.721\n", encoding="utf-8")
    with pytest.raises(CommandError, match='"date" \\(sold_on\\) reads as day-first and as month-first'):
        call_command("valuation_backtest", str(path), "--map", "price=price,sold_on=date,lat=lat", stdout=StringIO())
