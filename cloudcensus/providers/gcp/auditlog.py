"""Audit logging -> `logging.audit_trail`: the project's audit-log configuration and
its log sinks.

- The audit configuration (one per project, from the project's IAM policy): Admin
  Activity audit logs are always written and cannot be turned off, for every location of
  the project, into its `_Required` log bucket: `logging: true`, `multi_region: true`.
  Whether Data Access logs are on is in `raw.auditConfigs`: the `auditConfigs` of the
  project's IAM policy and of its folders' and organisation's (inherited, additive),
  each with its `source`; `raw.unreadable` lists the ancestors whose configs could not
  be read. Read by BASE-GCP-01. Native type `iam.googleapis.com/AuditConfig`
  (the IAM policy's AuditConfig message), id `<project asset name>/auditConfig`.
- A log sink (`logging.googleapis.com/LogSink`) routes logs to a destination
  (`destination`: a bucket, BigQuery dataset, Pub/Sub topic or log bucket). It carries
  audit logs (`logging: true`) when it is enabled and its filter selects them: an empty
  filter (every log) or one naming `cloudaudit.googleapis.com` without negating it.
  Sinks are global.

Cloud Logging has no log-file integrity digests: `log_file_validation` is false.
"""

from __future__ import annotations

import re
from typing import Any

from cloudcensus.providers.gcp.fields import PayloadError, opt_bool, opt_list, opt_str
from cloudcensus.providers.gcp.resource import asset_data, gcp_resource, redacted_raw
from cloudcensus.providers.gcp.spec import AssetModel, GcpContext, Payload, own_policy
from cloudcensus.scanner.inventory import GLOBAL_REGION, Resource

__all__ = ["AUDIT_CONFIG_TYPE", "MODELS", "sink_carries_audit_logs"]

AUDIT_CONFIG_TYPE = "iam.googleapis.com/AuditConfig"
_WHERE = "resource.data"
_REQUIRED_BUCKET = "logging.googleapis.com/projects/{number}/locations/global/buckets/_Required"
_AUDIT = "cloudaudit.googleapis.com"
_NEGATED = re.compile(r"(?:\bNOT\s+|-)\s*\(?[^()]*" + re.escape(_AUDIT))


def sink_carries_audit_logs(log_filter: str | None) -> bool:
    """True when a sink filter selects audit logs (see the module doc)."""
    if not log_filter or not log_filter.strip():
        return True
    return _AUDIT in log_filter and not _NEGATED.search(log_filter)


def _effective_configs(payload: Payload) -> tuple[list[dict[str, Any]], list[str]]:
    """The audit configs that apply to the project: its own and those its folders and
    organisation pass down (additive: a child cannot turn off what a parent turns on),
    each with its `source` node; and the ancestors whose configs could not be read."""
    policy = payload["policies"][0] if payload["policies"] else None
    own = opt_list(policy or {}, "auditConfigs", "iamPolicy") or []
    project = payload["name"].removeprefix("//cloudresourcemanager.googleapis.com/")
    configs: list[dict[str, Any]] = []
    for index, config in enumerate(own):
        if not isinstance(config, dict):
            raise PayloadError(f"iamPolicy.auditConfigs[{index}]: expected an object")
        configs.append({**config, "source": project})
    unreadable: list[str] = []
    for node in (payload["org_policies"] or [])[1:]:
        if node["audit_configs"] is None:
            unreadable.append(node["node"])
            continue
        configs.extend({**config, "source": node["node"]} for config in node["audit_configs"])
    return configs, unreadable


def normalise_audit_config(payload: Payload, ctx: GcpContext) -> Resource:
    if payload["org_policies"] is None:
        raise PayloadError("ancestors: missing, the inherited audit configs were not read")
    configs, unreadable = _effective_configs(payload)
    number = payload["name"].rsplit("/", 1)[-1]
    properties = {
        "logging": True,
        "multi_region": True,
        "home_region": GLOBAL_REGION,
        "log_file_validation": False,
        "key_id": None,
        "destination": _REQUIRED_BUCKET.format(number=number),
    }
    raw = {"name": payload["name"], "auditConfigs": configs, "unreadable": unreadable}
    return gcp_resource(
        payload,
        ctx,
        type_="logging.audit_trail",
        properties=properties,
        name="audit logs",
        location=GLOBAL_REGION,
        id_=f"{payload['name']}/auditConfig",
        native_type=AUDIT_CONFIG_TYPE,
        raw=raw,
    )


def normalise_sink(payload: Payload, ctx: GcpContext) -> Resource:
    data = asset_data(payload)
    disabled = bool(opt_bool(data, "disabled", _WHERE))
    properties = {
        "logging": not disabled and sink_carries_audit_logs(opt_str(data, "filter", _WHERE)),
        "multi_region": True,
        "home_region": GLOBAL_REGION,
        "log_file_validation": False,
        "key_id": None,
        "destination": opt_str(data, "destination", _WHERE),
    }
    name = opt_str(data, "name", _WHERE)
    return gcp_resource(
        payload,
        ctx,
        type_="logging.audit_trail",
        properties=properties,
        name=name.rsplit("/", 1)[-1] if name else None,
        created=opt_str(data, "createTime", _WHERE),
        location=GLOBAL_REGION,
        raw=redacted_raw(payload),
    )


MODELS = (
    AssetModel(
        "project.audit_config",
        "cloudresourcemanager.googleapis.com/Project",
        normalise_audit_config,
        policies=own_policy,
        deferred=True,
        org_policies=True,
    ),
    AssetModel("logging.sink", "logging.googleapis.com/LogSink", normalise_sink),
)
