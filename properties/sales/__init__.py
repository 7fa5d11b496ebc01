"""Recorded sales from other people's files: a reader that decides every column's format from all its values
and refuses what it cannot decide, and the import of the rows it reads into the catalogue.

- ``files``: opening a file (gzip, zip, xlsx, text encodings, the delimiter) as a header and rows of cells;
- ``number_format`` and ``date_format``: one column's number or date format, decided from all its values;
- ``mapping``: the ``--map`` syntax (``price=Pris,sold_on=Yr Sold+Mo Sold,zip=zipcode:category``);
- ``reader``: ``sales_file_read``, which puts these together and reports how each column was read and
  every row it skipped;
- ``services``: ``sales_import``, which records the rows against known properties;
- ``command``: the options and output shared by ``import_sales`` and ``valuation_backtest``.
"""
