"""The search form and FilterSet, derived from the parameter table (params.py); shared by page and API.

Both classes are built from the table's current rows and rebuilt when the table changes.
"""
from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet

from . import params as table

_built: dict[str, tuple[int, Any]] = {}


def _cached(name: str, build):
    version = table.version()
    found = _built.get(name)
    if found is None or found[0] != version:
        found = (version, build())
        _built[name] = found
    return found[1]


def _clean_method(row: table.Param):
    def clean(self: forms.Form) -> Any:
        raw = self.cleaned_data.get(row.name)
        return row.default if raw in (None, "") else row.parse(raw)
    clean.__name__ = f"clean_{row.name}"
    return clean


def _clean_rules(self: forms.Form) -> dict[str, Any]:
    data = forms.Form.clean(self) or {}
    failed = set(self.errors)
    for rule in table.rules():
        for field, error in rule(data, failed):
            if field not in self.errors:
                self.add_error(field, error)
    return data


def _build_form_class() -> type[forms.Form]:
    attrs: dict[str, Any] = {"__doc__": "Parses the raw text of every search parameter into its value (params.py)."}
    for row in table.form_params():
        attrs[row.name] = forms.CharField(required=False, label=row.label or row.name, help_text=row.help_text)
        attrs[f"clean_{row.name}"] = _clean_method(row)
    attrs["clean"] = _clean_rules
    return type("PropertySearchForm", (forms.Form,), attrs)


def search_form_class() -> type[forms.Form]:
    """The form that validates a search's parameters (filters and options)."""
    return _cached("form", _build_form_class)


class _SharedFields(dict):
    """A form's fields that its instances share instead of deep-copying them."""

    def __deepcopy__(self, memo):
        return self


def cleaning_form_class() -> type[forms.Form]:
    """The search's form for cleaning only (the alerts' matchers, thousands per run): its instances share
    the fields, which cleaning never changes, and skip the copy that is a third of a matcher's cost. A form
    that is rendered must use search_form_class()."""
    def build() -> type[forms.Form]:
        form_class = search_form_class()
        cleaning: type[forms.Form] = type(f"Cleaning{form_class.__name__}", (form_class,), {})
        cleaning.base_fields = _SharedFields(cleaning.base_fields)  # after the metaclass has set them
        return cleaning
    return _cached("cleaning_form", build)


def _filter_method(row: table.Param):
    def apply(self: django_filters.FilterSet, queryset: QuerySet, name: str, value: Any) -> QuerySet:
        if row.sql is None:  # options shape the search elsewhere (the selector sorts; near reads radius_km)
            return queryset
        return row.sql(queryset, value, self.form.cleaned_data)
    return apply


def _build_filterset_class() -> type[django_filters.FilterSet]:
    attrs: dict[str, Any] = {"__doc__": "The search's FilterSet: one filter per parameter of the table (params.py)."}
    for row in table.form_params():
        attrs[row.name] = django_filters.CharFilter(method=f"filter_{row.name}", help_text=row.help_text)
        attrs[f"filter_{row.name}"] = _filter_method(row)
    attrs["Meta"] = type("Meta", (), {"form": search_form_class(), "fields": []})
    return type("PropertyFilter", (django_filters.FilterSet,), attrs)


def filterset_class() -> type[django_filters.FilterSet]:
    """The FilterSet of the search page and GET /api/v1/properties."""
    return _cached("filterset", _build_filterset_class)


def validation_error(form: forms.Form) -> ValidationError:
    """The form's errors as one ValidationError per field, with the table's codes."""
    return ValidationError({field: errors.as_data() for field, errors in form.errors.items()})
