"""The model registry (production.risk_model): register a trained model, list, promote, retire,
and the champion shipped with the project (workers/risk_models/), registered by `make run`.

At most one champion and one shadow: promoting a model to either retires the one it replaces."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from sqlalchemy import select, text, update

from backend.risk.models import MODEL_STATUSES, RiskModel

SHIPPED = Path(__file__).resolve().parents[2] / "workers" / "risk_models"
# Champions the project shipped before: a database still scoring with one of them is moved to
# the shipped champion by `askes seed demo` (as `make run` runs it). Models trained locally are
# never replaced.
SUPERSEDED = ("risk-mlp-1",)
SINGLE = ("champion", "shadow")


class RegistryError(ValueError):
    """A registry request that cannot be carried out (unknown model, bad status)."""


def register(connection, model, schema: list, schema_hash: str, training_seeds, holdout_seeds,
             data_version: int, status: str = "candidate") -> int:  # fmt: skip
    """Store a trained model (backend.risk.train.TrainedModel); its id."""
    if connection.scalar(select(RiskModel.id).where(RiskModel.version == model.version)):
        raise RegistryError(f"a model named {model.version} is already registered")
    row = RiskModel(
        version=model.version, status="candidate", artifact=model.artifact, sha256=model.sha256,
        feature_schema=list(schema), feature_schema_hash=schema_hash,
        training_seeds=list(training_seeds), holdout_seeds=list(holdout_seeds),
        data_version=data_version, preprocessing=model.preprocessing, metrics=model.metrics,
        threshold=model.threshold,
    )  # fmt: skip
    values = {c.name: getattr(row, c.name) for c in RiskModel.__table__.columns if c.name != "id"}
    values = {k: v for k, v in values.items() if v is not None}
    model_id = connection.scalar(
        RiskModel.__table__.insert().values(values).returning(RiskModel.id)
    )
    if status != "candidate":
        promote(connection, model.version, status)
    return model_id


def listing(connection) -> list[dict]:
    rows = connection.execute(
        select(RiskModel.version, RiskModel.status, RiskModel.sha256, RiskModel.data_version,
               RiskModel.training_seeds, RiskModel.holdout_seeds, RiskModel.threshold,
               RiskModel.metrics, RiskModel.created_at, RiskModel.status_changed_at)
        .order_by(RiskModel.id)
    ).mappings()  # fmt: skip
    return [dict(r) for r in rows]


def promote(connection, version: str, status: str) -> None:
    """Set `version`'s status; a new champion or shadow retires the previous one."""
    if status not in MODEL_STATUSES:
        raise RegistryError(f"status must be one of {', '.join(MODEL_STATUSES)}")
    found = connection.scalar(select(RiskModel.id).where(RiskModel.version == version))
    if found is None:
        raise RegistryError(f"no model named {version}")
    if status in SINGLE:
        connection.execute(
            update(RiskModel)
            .where(RiskModel.status == status, RiskModel.version != version)
            .values(status="retired", status_changed_at=text("now()"))
        )
    connection.execute(
        update(RiskModel).where(RiskModel.id == found)
        .values(status=status, status_changed_at=text("now()"))
    )  # fmt: skip


def active(connection) -> list[dict]:
    """Champion and shadow: version, status, sha256, schema hash (no artifact)."""
    rows = connection.execute(
        select(RiskModel.id, RiskModel.version, RiskModel.status, RiskModel.sha256,
               RiskModel.feature_schema_hash)
        .where(RiskModel.status.in_(SINGLE))
    ).mappings()  # fmt: skip
    return [dict(r) for r in rows]


def load(connection, model_id: int) -> dict:
    table = RiskModel.__table__
    return dict(connection.execute(select(table).where(table.c.id == model_id)).mappings().one())


def shipped_models() -> list[tuple[dict, bytes]]:
    """(metadata, artifact) of each model shipped in workers/risk_models, checked by sha256."""
    found = []
    for meta_path in sorted(SHIPPED.glob("*.json")):
        meta = json.loads(meta_path.read_text())
        artifact = meta_path.with_suffix(".tflite").read_bytes()
        if hashlib.sha256(artifact).hexdigest() != meta["sha256"]:
            raise RegistryError(f"{meta_path.name}: the artifact's sha256 differs from its record")
        found.append((meta, artifact))
    return found


def ensure_shipped_champion(connection) -> str | None:
    """Register the shipped models that are missing, and make the shipped champion the
    champion when there is none or the champion is one the project shipped before
    (SUPERSEDED); the champion's version."""
    from backend.risk.train import TrainedModel

    for meta, artifact in shipped_models():
        if connection.scalar(select(RiskModel.id).where(RiskModel.version == meta["version"])):
            continue
        model = TrainedModel(meta["version"], artifact, meta["preprocessing"], meta["threshold"],
                             meta["metrics"])  # fmt: skip
        register(connection, model, meta["feature_schema"], meta["feature_schema_hash"],
                 meta["training_seeds"], meta["holdout_seeds"], meta["data_version"])  # fmt: skip
    champion = connection.scalar(select(RiskModel.version).where(RiskModel.status == "champion"))
    if champion is None or champion in SUPERSEDED:
        for meta, _ in shipped_models():
            promote(connection, meta["version"], "champion")
    return connection.scalar(select(RiskModel.version).where(RiskModel.status == "champion"))
