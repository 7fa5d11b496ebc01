"""Model artifacts: stored in PostgreSQL (`ValuationArtifact`, a few MB each) with their SHA-256 and the
scikit-learn, numpy and joblib versions that wrote them, so that every process (web, worker) reads the same
model after any restart without a shared disk. Loaded once per process, and only when a registry row names
the artifact with that checksum and this process runs the library versions it was trained under: a pickled
scikit-learn model is not guaranteed to load, or to predict the same, under other versions. Anything else
raises `ArtifactRejected`, which pages turn into "explanation unavailable" (never an error page).

Artifacts of installations that wrote files under VALUATION_MODEL_DIR are imported by migration
valuation 0002 (and, if a file arrives later, read from there once and stored)."""
from __future__ import annotations

import hashlib
import io
import threading
import uuid
import warnings
from pathlib import Path

from django.conf import settings

from .errors import ArtifactRejected
from .model import Valuer
from .models import ValuationArtifact, ValuationModelVersion

_loaded: dict[str, Valuer] = {}
_lock = threading.Lock()


def library_versions() -> dict[str, str]:
    """The versions of the libraries a pickled model depends on, in this process."""
    import joblib
    import numpy
    import sklearn

    return {"sklearn_version": sklearn.__version__, "numpy_version": numpy.__version__,
            "joblib_version": joblib.__version__}


def _sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _sha256(path: Path) -> str:
    return _sha256_bytes(Path(path).read_bytes())


def valuation_artifact_write(*, model: Valuer) -> tuple[str, str]:
    """Store a model in the database with the library versions of this process. Returns (name, SHA-256)."""
    import joblib

    buffer = io.BytesIO()
    joblib.dump(model, buffer, compress=3)
    data = buffer.getvalue()
    sha = _sha256_bytes(data)
    name = f"valuation-{uuid.uuid4().hex}.joblib"
    ValuationArtifact.objects.create(name=name, sha256=sha, data=data, size=len(data), **library_versions())
    return name, sha


def _legacy_file(name: str, sha256: str) -> ValuationArtifact | None:
    """A model file written under VALUATION_MODEL_DIR before models were stored in the database: stored now
    (its library versions unknown: loading decides)."""
    path = Path(settings.VALUATION_MODEL_DIR) / name
    if not path.is_file():
        return None
    data = path.read_bytes()
    if _sha256_bytes(data) != sha256:
        raise ArtifactRejected("The model file does not match its checksum; it will not be loaded.",
                               extra={"name": name, "reason": "checksum"})
    artifact, _ = ValuationArtifact.objects.get_or_create(
        name=name, defaults={"sha256": sha256, "data": data, "size": len(data)})
    return artifact


def valuation_artifact_check(*, name: str, sha256: str) -> ValuationArtifact:
    """The stored artifact, if it may be loaded here; ArtifactRejected (with the reason in `extra`) otherwise."""
    if not name or Path(name).name != name or not name.endswith(".joblib"):
        raise ArtifactRejected("Not a model artifact name this app writes.", extra={"name": name, "reason": "name"})
    known = (ValuationModelVersion.objects.filter(artifact_name=name, artifact_sha256=sha256).exists()
             or ValuationModelVersion.objects.filter(evaluation_artifact_name=name,
                                                     evaluation_artifact_sha256=sha256).exists())
    if not known:
        raise ArtifactRejected("No model version has this artifact and checksum.",
                               extra={"name": name, "reason": "unregistered"})
    artifact = ValuationArtifact.objects.filter(name=name).first() or _legacy_file(name, sha256)
    if artifact is None:
        raise ArtifactRejected("The model artifact is missing.", extra={"name": name, "reason": "missing"})
    if artifact.sha256 != sha256:
        raise ArtifactRejected("The model artifact does not match its checksum; it will not be loaded.",
                               extra={"name": name, "reason": "checksum"})
    here = library_versions()
    for field in ("sklearn_version", "numpy_version"):
        recorded = getattr(artifact, field)
        if recorded and recorded != here[field]:
            library = field.removesuffix("_version")
            raise ArtifactRejected(
                f"The model was trained under {library} {recorded}; this process runs {here[field]}. Retrain it.",
                extra={"name": name, "reason": "library_versions", "trained_under": {field: recorded},
                       "running": {field: here[field]}})
    return artifact


def valuation_artifact_load(*, name: str, sha256: str) -> Valuer:
    """Load a model once per process (see the module's docstring for what is refused)."""
    import joblib

    with _lock:
        if sha256 in _loaded:
            return _loaded[sha256]
        artifact = valuation_artifact_check(name=name, sha256=sha256)
        data = bytes(artifact.data)
        if _sha256_bytes(data) != sha256:
            raise ArtifactRejected("The model artifact does not match its checksum; it will not be loaded.",
                                   extra={"name": name, "reason": "checksum"})
        try:
            with warnings.catch_warnings():
                # scikit-learn warns when unpickling under another version: refuse instead of guessing.
                warnings.simplefilter("error", category=UserWarning)
                model = joblib.load(io.BytesIO(data))
        except Exception as exc:  # any unpickling failure means this model cannot be used here
            raise ArtifactRejected(f"The model could not be loaded: {type(exc).__name__}.",
                                   extra={"name": name, "reason": "unloadable"}) from exc
        _loaded[sha256] = model
        return model


def valuation_model_for(*, version: ValuationModelVersion, evaluation: bool = False) -> Valuer:
    if evaluation:
        return valuation_artifact_load(name=version.evaluation_artifact_name, sha256=version.evaluation_artifact_sha256)
    return valuation_artifact_load(name=version.artifact_name, sha256=version.artifact_sha256)
