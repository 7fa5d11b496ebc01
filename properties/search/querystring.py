"""The one reading of a search's query string, for the page, the API and saved searches.

Repeated keys are joined with commas (the page's checkboxes send ``features=sauna&features=view``,
which means ``features=sauna,view``); blank values are dropped.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl, urlencode

from . import params as table


def search_params_normalise(query: Mapping[str, Any]) -> dict[str, str]:
    """A query (a QueryDict, or a mapping of one string each) as one string per parameter."""
    lists = query.lists() if hasattr(query, "lists") else ((key, [value]) for key, value in query.items())
    params = {}
    for key, values in lists:
        joined = ",".join(str(v) for v in values if v not in (None, ""))
        if joined:
            params[key] = joined
    return params


def search_params_from_query_string(query_string: str) -> dict[str, str]:
    """A query string (``municipality=0301&features=sauna&features=view``) read as the search reads it."""
    lists: dict[str, list[str]] = {}
    for key, value in parse_qsl(query_string or "", keep_blank_values=False):
        lists.setdefault(key, []).append(value)
    return {key: ",".join(v for v in values if v) for key, values in lists.items() if any(values)}


def search_params_for_record(params: Mapping[str, Any]) -> dict[str, str]:
    """The parameters that define a search (no paging controls, nothing blank): what is saved and recorded."""
    controls = table.control_names()
    return {key: str(value) for key, value in params.items() if key not in controls and value not in (None, "")}


def search_query_string(params: Mapping[str, str]) -> str:
    """The query string that runs a saved or recorded search again."""
    return urlencode(params)
