"""Jobs that must not run twice at once: the valuation training (skips), the map's cell rebuild (waits)."""
from __future__ import annotations

import threading
import time

import psycopg
import pytest
from django.db import connection, connections, transaction

from epty.locks import job_lock, lock_key
from properties.models import MapCell
from properties.search.services import map_cells_rebuild
from properties.tests.factories import PropertyFactory
from recommendations.valuation.models import ValuationModelVersion
from recommendations.valuation.tasks import TRAIN_LOCK, valuation_train_task

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="advisory locks: PostgreSQL (CI)")


def _other_session() -> psycopg.Connection:
    """A second database session, as another worker would hold one."""
    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    return psycopg.connect(**params, autocommit=True)


@pytest.mark.django_db(transaction=True)
def test_a_second_training_while_one_runs_returns_at_once_without_training():
    with _other_session() as other:
        assert other.execute("SELECT pg_try_advisory_lock(%s)", [lock_key(TRAIN_LOCK)]).fetchone()[0]
        result = valuation_train_task.run(activate_if_not_worse=True)
    assert result == {"skipped": "another training is running"}
    assert not ValuationModelVersion.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_the_training_lock_is_free_again_after_a_run_and_when_its_holder_dies():
    with job_lock(TRAIN_LOCK) as got:
        assert got
        with _other_session() as other:
            assert other.execute("SELECT pg_try_advisory_lock(%s)", [lock_key(TRAIN_LOCK)]).fetchone()[0] is False
    with _other_session() as other:
        assert other.execute("SELECT pg_try_advisory_lock(%s)", [lock_key(TRAIN_LOCK)]).fetchone()[0] is True
    # `other` closed without unlocking: a holder whose connection ends (a killed worker) leaves no lock behind
    # (once the server has ended that session: a moment later).
    deadline = time.monotonic() + 5
    while True:
        with job_lock(TRAIN_LOCK) as got:
            if got or time.monotonic() > deadline:
                break
        time.sleep(0.05)
    assert got


@pytest.mark.django_db(transaction=True)
def test_two_map_cell_rebuilds_at_once_do_not_double_the_counts():
    PropertyFactory.create_batch(5)
    map_cells_rebuild()
    first_open = threading.Event()
    release = threading.Event()
    errors: list[BaseException] = []

    def beat_run() -> None:  # one rebuild, its transaction held open until told to commit
        try:
            with transaction.atomic():
                map_cells_rebuild()
                first_open.set()
                release.wait(30)
        except BaseException as exc:  # noqa: BLE001 - reported by the test below
            errors.append(exc)
            first_open.set()
        finally:
            connections.close_all()

    def command_run() -> None:  # a second one meanwhile (manage.py map_cells_rebuild)
        try:
            map_cells_rebuild()
        except BaseException as exc:  # noqa: BLE001 - reported by the test below
            errors.append(exc)
        finally:
            connections.close_all()

    first = threading.Thread(target=beat_run)
    first.start()
    assert first_open.wait(30)
    second = threading.Thread(target=command_run)
    second.start()
    second.join(1.0)
    assert second.is_alive(), "the second rebuild waits for the first to commit"
    release.set()
    first.join(30)
    second.join(30)
    assert not errors
    finest = MapCell.objects.order_by("-zoom").values_list("zoom", flat=True).first()
    assert sum(MapCell.objects.filter(zoom=finest).values_list("count", flat=True)) == 5
    assert sum(MapCell.objects.filter(zoom=0).values_list("count", flat=True)) == 5


@pytest.mark.django_db(transaction=True)
def test_a_second_delivery_of_an_estimates_write_returns_while_the_first_runs():
    from recommendations.valuation.tasks import valuation_estimates_write_task

    with _other_session() as other:
        assert other.execute("SELECT pg_try_advisory_lock(%s)",
                             [lock_key("valuation.estimates_write:12345")]).fetchone()[0]
        assert valuation_estimates_write_task.run(version_id=12345) == 0
