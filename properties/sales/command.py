"""The options and output that ``import_sales`` and ``valuation_backtest`` share: one way to read a sales file."""
from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import CommandError

from .errors import SalesFileError
from .reader import SalesFile, sales_file_read


def add_reading_arguments(parser: ArgumentParser) -> None:
    parser.add_argument("file", help="CSV (any delimiter of ; , tab |), .gz, .zip with one CSV inside, or .xlsx")
    parser.add_argument("--map", required=True, dest="mapping",
                        help="field=column pairs, e.g. price=Pris,sold_on=Dato,usable_area=BRA; sold_on=Year+Month "
                             "combines columns; name=Column:category or :number types an extra field")
    parser.add_argument("--decimal", action="append", default=[], metavar="[COLUMN=]MARK",
                        help="the decimal mark ('.' or ',') of every number column, or of one (COLUMN=MARK); "
                             "settles columns that read two ways. Repeatable")
    parser.add_argument("--date-format", action="append", default=[], dest="date_format",
                        metavar="[COLUMN=]FORMAT",
                        help="mdy (US), dmy, excel or a strptime format such as %%m/%%d/%%Y, for every date column "
                             "or one (COLUMN=FORMAT). Repeatable")
    parser.add_argument("--delimiter", help="';', ',', 'tab' or '|', when the header does not settle it")
    parser.add_argument("--encoding", help="text encoding (e.g. cp865), when the file has no byte order mark and "
                                           "is not UTF-8 or Windows-1252")
    parser.add_argument("--sheet", help="the worksheet to read, when an .xlsx file has several with data")


def sales_file_from_options(options: dict[str, Any], *, need_key: bool = False) -> SalesFile:
    """Read the file the command's options name; anything to settle becomes a CommandError with its message."""
    try:
        return sales_file_read(path=options["file"], mapping=options["mapping"], decimal=options["decimal"],
                               date_format=options["date_format"], delimiter=options["delimiter"],
                               encoding=options["encoding"], sheet=options["sheet"], need_key=need_key)
    except SalesFileError as exc:
        raise CommandError(exc.message) from None
