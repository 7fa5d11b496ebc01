"""A search evaluated on property rows in Python: the alerts' filter over changed properties.

Built from the parameter table (params.py) like the SQL filter, validated by the same form with the
same error codes; a row matches when every given filter's predicate accepts it.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django_filters.constants import EMPTY_VALUES

from . import params as table
from .forms import cleaning_form_class
from .selectors import properties_filters_validate


class SearchMatcher:
    """A search's filters as a predicate over property rows (dicts holding ``table.predicate_columns()``).

    Construction validates the parameters exactly as the search does (ValidationError with the
    search's codes, unknown parameters refused); calling it on a row costs one small function call
    per given filter.
    """

    def __init__(self, params: Mapping[str, str]):
        form = cleaning_form_class()(data=params)
        if set(params) - {p.name for p in table.form_params()} - table.control_names() or not form.is_valid():
            properties_filters_validate(params)  # raises the search's own errors, with their codes
        self.values: dict[str, Any] = form.cleaned_data
        # A filter whose value is empty (say ``municipality=,``) filters nothing, in SQL as here.
        active = [row for row in table.filter_params() if self.values.get(row.name) not in EMPTY_VALUES]
        # Every filter row has its predicate (the table refuses one without).
        self._checks = tuple(row.predicate(self.values[row.name], self.values) for row in active if row.predicate)
        self._columns = frozenset(column for row in active for column in row.columns)

    def reads(self, column: str) -> bool:
        """Whether any of the search's filters looks at this column."""
        return column in self._columns

    def __call__(self, row: Mapping[str, Any]) -> bool:
        for check in self._checks:
            if not check(row):
                return False
        return True
