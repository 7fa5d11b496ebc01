"""Search: every search parameter in one table (params.py), and everything derived from it.

- ``params``: the table (parsing and error codes, help text, SQL filter, Python predicate per parameter);
- ``forms``: the form and FilterSet of the search page and the API;
- ``selectors``: ``properties_search`` (keyset pages) and ``properties_filters_validate``;
- ``matcher``: ``SearchMatcher``, the same filters over property rows in Python (alerts);
- ``querystring``: the one reading of a search's query string;
- ``services``: ``search_run``, which the page and the API call (it records the search once).
"""
