"""The sales reader decides every column from all its values, and refuses what it cannot decide."""
import datetime as dt

import pytest

from properties.sales.errors import SalesFileError
from properties.sales.reader import sales_file_read

TODAY = dt.date(2025, 6, 1)


def read(tmp_path, lines, mapping, **options):
    path = tmp_path / "sales.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return sales_file_read(path=path, mapping=mapping, today=TODAY, **options)


def column_line(data, field):
    return next(line for line in data.reading_lines() if line.strip().startswith(field + " "))


def test_three_decimal_coordinates_are_read_as_degrees_not_thousands(tmp_path):
    data = read(tmp_path, ["price,date,lat,long",
                           "650000,2021-01-04,47.721,-122.257",
                           "4250000,2021-02-01,59.913,10.752",
                           "3100000,2021-03-01,60.881,11.563"], "price=price,sold_on=date,lat=lat,lon=long")

    assert [(r["lat"], r["lon"]) for r in data.rows] == [(47.721, -122.257), (59.913, 10.752), (60.881, 11.563)]
    assert "degrees" in column_line(data, "lat") and "100.0% usable" in column_line(data, "lon")
    assert data.warnings == []


def test_a_three_decimal_column_that_is_not_a_coordinate_is_refused_with_examples_and_the_option(tmp_path):
    lines = ["price,date,Ratio", "650000,2021-01-04,1.500", "700000,2021-01-05,2.250"]

    with pytest.raises(SalesFileError) as refused:
        read(tmp_path, lines, "price=price,sold_on=date,ratio=Ratio")

    assert refused.value.code == "ambiguous_number_format"
    assert '"Ratio"' in refused.value.message and '"1.500"' in refused.value.message
    assert '--decimal "Ratio=."' in refused.value.message
    settled = read(tmp_path, lines, "price=price,sold_on=date,ratio=Ratio", decimal=["Ratio=."])
    assert [r["x:ratio"] for r in settled.rows] == [1.5, 2.25]
    assert "as given by --decimal" in column_line(settled, "ratio")


@pytest.mark.parametrize("written", [("1 234 567", "950 000"), ("1.234.567", "950.000"), ("1,234,567", "950,000"),
                                     ("1\u00a0234\u00a0567 kr", "950\u00a0000 kr")])
def test_thousands_groups_are_read_when_the_whole_column_fits_them(tmp_path, written):
    data = read(tmp_path, ["price;date", f"{written[0]};2021-01-04", f"{written[1]};2021-01-05"],
                "price=price,sold_on=date")
    assert [r["price"] for r in data.rows] == [1_234_567, 950_000]


def test_money_with_three_digits_after_the_mark_is_thousands(tmp_path):
    data = read(tmp_path, ["price;date", "850.000;2021-01-04", "925.500;2021-01-05"], "price=price,sold_on=date")
    assert [r["price"] for r in data.rows] == [850_000, 925_500]
    assert "thousands" in column_line(data, "price")


def test_a_column_mixing_decimal_points_and_thousands_points_is_refused(tmp_path):
    lines = ["price;date;Areal", "1500000;2021-01-04;1.5", "1600000;2021-01-05;1.500.000"]
    with pytest.raises(SalesFileError, match='mixes number formats.*--decimal "Areal=."'):
        read(tmp_path, lines, "price=price,sold_on=date,usable_area=Areal")
    settled = read(tmp_path, lines, "price=price,sold_on=date,usable_area=Areal", decimal=["."])
    assert [r["usable_area"] for r in settled.rows] == [1.5, None]
    assert 'unreadable: "1.500.000"' in column_line(settled, "usable_area")


def test_us_dates_are_read_month_first_when_a_value_proves_it(tmp_path):
    data = read(tmp_path, ["price,Date", "650000,03/25/2021", "700000,04/01/2021", "710000,12/31/2020"],
                "price=price,sold_on=Date")
    assert [r["sold_on"] for r in data.rows] == [dt.date(2021, 3, 25), dt.date(2021, 4, 1), dt.date(2020, 12, 31)]
    assert "mm/dd/yyyy" in column_line(data, "sold_on")


def test_european_slash_dates_are_read_day_first_when_a_value_proves_it(tmp_path):
    data = read(tmp_path, ["price,Date", "650000,25/03/2021", "700000,04/01/2021"], "price=price,sold_on=Date")
    assert [r["sold_on"] for r in data.rows] == [dt.date(2021, 3, 25), dt.date(2021, 1, 4)]
    assert "dd/mm/yyyy" in column_line(data, "sold_on")


def test_slash_dates_with_every_day_at_most_twelve_are_refused_until_told(tmp_path):
    lines = ["price,Date", "650000,03/04/2021", "700000,04/01/2021"]

    with pytest.raises(SalesFileError) as refused:
        read(tmp_path, lines, "price=price,sold_on=Date")

    assert refused.value.code == "ambiguous_date_format"
    assert '"Date"' in refused.value.message and '"03/04/2021"' in refused.value.message
    assert '--date-format "Date=mdy"' in refused.value.message
    us = read(tmp_path, lines, "price=price,sold_on=Date", date_format=["Date=mdy"])
    assert [r["sold_on"] for r in us.rows] == [dt.date(2021, 3, 4), dt.date(2021, 4, 1)]
    european = read(tmp_path, lines, "price=price,sold_on=Date", date_format=["%d/%m/%Y"])
    assert [r["sold_on"] for r in european.rows] == [dt.date(2021, 4, 3), dt.date(2021, 1, 4)]


def test_a_column_mixing_day_first_and_month_first_dates_is_refused_not_swapped(tmp_path):
    with pytest.raises(SalesFileError, match="mixes day-first dates .*25/03/2021.* month-first .*03/25/2021"):
        read(tmp_path, ["price,Date", "650000,25/03/2021", "700000,03/25/2021"], "price=price,sold_on=Date")


def test_iso_dotted_compact_month_name_and_excel_serial_dates_are_all_read(tmp_path):
    data = read(tmp_path, ["price;date", "650000;2024-03-01T10:15:00+01:00", "650001;01.03.2024",
                           "650002;20240301T142500", "650003;45352", "650004;1. mars 2024", "650005;2024-03"],
                "price=price,sold_on=date")
    assert {r["sold_on"] for r in data.rows} == {dt.date(2024, 3, 1)} and len(data.rows) == 6


def test_two_digit_years_are_refused_with_the_option_that_reads_them(tmp_path):
    lines = ["price;date", "650000;01.03.24"]
    with pytest.raises(SalesFileError, match='two-digit years.*--date-format "date=%d.%m.%y"'):
        read(tmp_path, lines, "price=price,sold_on=date")
    assert read(tmp_path, lines, "price=price,sold_on=date",
                date_format=["date=%d.%m.%y"]).rows[0]["sold_on"] == dt.date(2024, 3, 1)


def test_a_year_column_alone_is_refused_with_the_composite_mapping_as_hint(tmp_path):
    with pytest.raises(SalesFileError, match=r'sold_on="Yr Sold\+MONTH COLUMN"'):
        read(tmp_path, ["price,Yr Sold", "650000,2010"], "price=price,sold_on=Yr Sold")


def test_year_and_month_columns_make_a_date_and_bad_parts_skip_the_row_with_its_line(tmp_path):
    data = read(tmp_path, ["SalePrice,Yr Sold,Mo Sold", "215000,2010,3", "105000,2010,13", "172000,2011,",
                           "244000,2009,12"], "price=SalePrice,sold_on=Yr Sold+Mo Sold")

    assert [(line, r["sold_on"]) for line, r in zip(data.lines, data.rows, strict=True)] == [
        (2, dt.date(2010, 3, 1)), (5, dt.date(2009, 12, 1))]
    assert [(s.line, s.code) for s in data.skipped] == [(3, "invalid_date"), (4, "invalid_date")]
    assert "'2010/13'" in data.skipped[0].reason
    line = column_line(data, "sold_on")
    assert '"Yr Sold" + "Mo Sold"' in line and "1st of the month" in line


def test_year_month_and_day_columns_make_a_date(tmp_path):
    data = read(tmp_path, ["Pris;År;Måned;Dag", "3000000;2023;11;28"], "price=Pris,sold_on=År+Måned+Dag")
    assert data.rows[0]["sold_on"] == dt.date(2023, 11, 28)


def test_only_sold_on_may_combine_columns(tmp_path):
    with pytest.raises(SalesFileError, match="Only sold_on may combine"):
        read(tmp_path, ["p,a,b,d", "1,2,3,2020-01-01"], "price=p,sold_on=d,usable_area=a+b")


def test_text_with_digits_stays_a_category(tmp_path):
    styles = ["1Story", "2.5Unf", "1.5Fin", "SLvl", "1Story", "2Story"]
    data = read(tmp_path, ["price,date,HouseStyle"] + [f"{500000 + i},2021-01-0{i + 1},{s}" for i, s in
                                                        enumerate(styles)], "price=price,sold_on=date,style=HouseStyle")
    assert data.extra_text == ["style"] and data.extra_numeric == []
    assert [r["x:style"] for r in data.rows] == styles
    assert "category, 5 values" in column_line(data, "style")


def test_an_extra_column_is_numeric_only_when_nine_in_ten_values_are_numbers(tmp_path):
    mostly = [str(i) for i in range(1, 20)] + ["stor"]  # 95 % numbers
    data = read(tmp_path, ["price,date,Rooms"] + [f"{500000 + i},2021-01-01,{v}" for i, v in enumerate(mostly)],
                "price=price,sold_on=date,rooms_extra=Rooms")
    assert data.extra_numeric == ["rooms_extra"] and data.rows[-1]["x:rooms_extra"] is None
    assert 'unreadable: "stor"' in column_line(data, "rooms_extra")
    fewer = [str(i) for i in range(1, 9)] + ["stor", "liten"]  # 80 % numbers
    data = read(tmp_path, ["price,date,Rooms"] + [f"{500000 + i},2021-01-01,{v}" for i, v in enumerate(fewer)],
                "price=price,sold_on=date,rooms_extra=Rooms")
    assert data.extra_text == ["rooms_extra"] and data.rows[0]["x:rooms_extra"] == "1"


def test_a_zip_code_declared_a_category_keeps_its_leading_zero(tmp_path):
    data = read(tmp_path, ["price,date,zipcode", "650000,2021-01-04,0150", "700000,2021-01-05,2406"],
                "price=price,sold_on=date,zip=zipcode:category")
    assert data.extra_text == ["zip"] and [r["x:zip"] for r in data.rows] == ["0150", "2406"]
    assert "(as mapped)" in column_line(data, "zip")


def test_text_in_an_optional_area_column_loses_only_that_value(tmp_path):
    data = read(tmp_path, ["Pris;Dato;BRA", "4 250 000;01.03.2024;85,5", "3 100 000;02.03.2024;stor",
                           "3 300 000;03.03.2024;"], "price=Pris,sold_on=Dato,usable_area=BRA")
    assert [r["usable_area"] for r in data.rows] == [85.5, None, None] and data.skipped == []
    line = column_line(data, "usable_area")
    assert "33.3% usable" in line and "1 missing" in line and '1 unreadable: "stor"' in line


def test_every_mapped_column_gets_one_line_with_type_format_and_usable_share(tmp_path):
    data = read(tmp_path, ["Matrikkel;Pris;Dato;Breddegrad;Lengdegrad",
                           "0301-1/1/0/0;4 250 000;01.03.2024;59,913;10,75", "0301-1/2/0/0;;02.03.2024;59,914;10,76"],
                "external_id=Matrikkel,price=Pris,sold_on=Dato,lat=Breddegrad,lon=Lengdegrad")
    lines = data.reading_lines()
    assert lines[0].startswith("Read sales.csv: CSV, UTF-8, delimiter ';'; 2 rows")
    assert [line.split()[0] for line in lines[1:]] == ["external_id", "price", "sold_on", "lat", "lon"]
    assert "number, thousands space; 50.0% usable (1 missing)" in column_line(data, "price")
    assert "number, decimal ',' (three decimals: read as degrees" in column_line(data, "lat")
    assert "date dd.mm.yyyy; 100.0% usable" in column_line(data, "sold_on")


def test_skipped_rows_list_the_first_twenty_by_line_and_count_every_reason(tmp_path):
    lines = ["price,date"] + [",2021-01-01"] * 25 + ["500000,31.02.2021", "500000,2030-01-01", "500000,2021-01-02"]
    data = read(tmp_path, lines, "price=price,sold_on=date")

    assert data.reasons() == {"missing_price": 25, "future_date": 1, "invalid_date": 1}
    listed = [line for line in data.skipped_lines() if line.strip().startswith("line ")]
    assert listed[0] == "  line 2: missing_price: price is missing" and len(listed) == 20
    summary = data.summary()
    assert summary["skipped"] == {"missing_price": 25, "future_date": 1, "invalid_date": 1}
    assert [s["line"] for s in summary["skipped_rows"]] == list(range(2, 22))
    assert summary["rows"] == 28 and summary["used"] == 1
    assert [s.line for s in data.skipped[-2:]] == [27, 28]
    assert "'31.02.2021'" in data.skipped[-2].reason


def test_year_built_given_as_age_becomes_a_year_and_says_so(tmp_path):
    data = read(tmp_path, ["price,date,Alder", "650000,2021-01-04,10", "700000,2020-01-05,50"],
                "price=price,sold_on=date,year_built=Alder")
    assert [r["year_built"] for r in data.rows] == [2011, 1970]
    assert "read as age in years" in column_line(data, "year_built")


def test_a_known_number_field_mapped_to_a_text_column_is_refused(tmp_path):
    with pytest.raises(SalesFileError, match=r'"Style" \(usable_area\) is mostly not numbers'):
        read(tmp_path, ["price,date,Style", "650000,2021-01-04,1Story", "700000,2021-01-05,SLvl"],
             "price=price,sold_on=date,usable_area=Style")


def test_every_column_to_settle_is_named_at_once(tmp_path):
    with pytest.raises(SalesFileError) as refused:
        read(tmp_path, ["price,Date,Ratio", "650000,03/04/2021,1.500"], "price=price,sold_on=Date,ratio=Ratio")
    assert refused.value.code == "columns_to_settle"
    assert "--date-format" in refused.value.message and "--decimal" in refused.value.message


def test_a_mapping_to_missing_columns_lists_the_file_columns(tmp_path):
    with pytest.raises(SalesFileError, match='not in the file: Salgssum. The file has: "price", "date"'):
        read(tmp_path, ["price,date", "1,2021-01-01"], "price=Salgssum,sold_on=date")


def test_options_must_name_mapped_columns(tmp_path):
    with pytest.raises(SalesFileError, match="--decimal names Nope"):
        read(tmp_path, ["price,date", "1,2021-01-01"], "price=price,sold_on=date", decimal=["Nope=,"])
