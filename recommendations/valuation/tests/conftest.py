import numpy as np
import pytest
from django.core.management import call_command

from recommendations.valuation import artifacts
from standins import demo
from standins.valuation import from_demo_arrays


@pytest.fixture(autouse=True)
def _model_dir(settings, tmp_path):
    """Each test writes its model files to its own directory, and starts with no model loaded."""
    settings.VALUATION_MODEL_DIR = tmp_path / "models"
    artifacts._loaded.clear()
    yield
    artifacts._loaded.clear()


@pytest.fixture(scope="session")
def demo_sales():
    """8,000 synthetic sales (no database): fast enough for every model test."""
    return from_demo_arrays(demo.generate_arrays(count=6000, seed=5, sales=8000))


@pytest.fixture
def demo_catalogue(db):
    """1,500 synthetic properties with 3,000 sales, loaded through the catalogue services."""
    call_command("generate_demo", count=1500, seed=11, sales=3000, stdout=open("/dev/null", "w"))


def small(frame, n):
    return frame.take(np.arange(n))

