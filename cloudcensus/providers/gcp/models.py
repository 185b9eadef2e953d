"""Every GCP asset model, in one list. Add a module here to model a type."""

from __future__ import annotations

from cloudcensus.providers.gcp import (
    auditlog,
    compute,
    container,
    iam,
    kms,
    project,
    serverless,
    sql,
    storage,
)
from cloudcensus.providers.gcp.spec import AssetModel

__all__ = ["ALL_MODELS", "MODELLED_TYPES"]

_MODULES = (project, auditlog, compute, storage, sql, kms, container, serverless, iam)

#: Every model; several may read the same asset type (a project is the account and
#: its audit configuration).
ALL_MODELS: tuple[AssetModel, ...] = tuple(m for module in _MODULES for m in module.MODELS)
#: The asset types read in full through ListAssets; the search sweep skips them.
MODELLED_TYPES: frozenset[str] = frozenset(m.asset_type for m in ALL_MODELS)
