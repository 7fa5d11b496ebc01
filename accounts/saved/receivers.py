"""Records searches by logged-in users: the catalogue's search_run sends `search_performed`, saved listens."""
from __future__ import annotations

from django.dispatch import receiver

from properties.signals import search_performed

from .services import search_history_record


@receiver(search_performed, dispatch_uid="accounts.search_history_record")
def record_search(sender, *, user, params, result_count, count_is_exact=True, via="page", **kwargs) -> None:
    if user is not None and getattr(user, "is_authenticated", False):
        search_history_record(user=user, params=params, result_count=result_count,
                              count_is_exact=count_is_exact, via=via)
