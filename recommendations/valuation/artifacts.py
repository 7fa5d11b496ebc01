"""Model files: written under VALUATION_MODEL_DIR with their SHA-256, loaded once per process and only
when a registry row names the file with that checksum. Used by the services (write) and selectors (explain)."""
from __future__ import annotations

import hashlib
import os
import tempfile
import threading
import uuid
from pathlib import Path

from django.conf import settings

from .errors import ArtifactRejected
from .model import Valuer
from .models import ValuationModelVersion

_loaded: dict[str, Valuer] = {}
_lock = threading.Lock()


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def valuation_artifact_write(*, model: Valuer) -> tuple[str, str]:
    """Write a model file under VALUATION_MODEL_DIR. Returns (file name, SHA-256)."""
    import joblib

    directory = Path(settings.VALUATION_MODEL_DIR)
    directory.mkdir(parents=True, exist_ok=True)
    name = f"valuation-{uuid.uuid4().hex}.joblib"
    fd, tmp = tempfile.mkstemp(dir=directory, suffix=".part")
    os.close(fd)
    joblib.dump(model, tmp, compress=3)
    sha = _sha256(Path(tmp))
    os.replace(tmp, directory / name)
    return name, sha


def valuation_artifact_load(*, name: str, sha256: str) -> Valuer:
    """Load a model file once per process, only if a registry row names it with this checksum
    and the file on disk still has that checksum."""
    import joblib

    with _lock:
        if sha256 in _loaded:
            return _loaded[sha256]
        if not name or Path(name).name != name or not name.endswith(".joblib"):
            raise ArtifactRejected("Not a model file name this app writes.", extra={"name": name})
        known = (ValuationModelVersion.objects.filter(artifact_name=name, artifact_sha256=sha256).exists()
                 or ValuationModelVersion.objects.filter(evaluation_artifact_name=name,
                                                         evaluation_artifact_sha256=sha256).exists())
        if not known:
            raise ArtifactRejected("No model version has this file and checksum.", extra={"name": name})
        path = Path(settings.VALUATION_MODEL_DIR) / name
        if not path.exists():
            raise ArtifactRejected("The model file is missing.", extra={"name": name})
        actual = _sha256(path)
        if actual != sha256:
            raise ArtifactRejected("The model file does not match its checksum; it will not be loaded.",
                                   extra={"name": name})
        model = joblib.load(path)
        _loaded[sha256] = model
        return model


def valuation_model_for(*, version: ValuationModelVersion, evaluation: bool = False) -> Valuer:
    if evaluation:
        return valuation_artifact_load(name=version.evaluation_artifact_name, sha256=version.evaluation_artifact_sha256)
    return valuation_artifact_load(name=version.artifact_name, sha256=version.artifact_sha256)
