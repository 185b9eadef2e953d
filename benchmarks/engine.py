"""Rule-engine throughput: rule evaluations per second on a synthetic inventory.

Run: `python -m benchmarks.engine [--resources 100000] [--accounts 10]`.

A rule evaluation is one (rule, resource) pair whose types match, `where` included,
ending in a finding or in "not selected". The built-in packs are used as shipped (with
the `be-federal` profile); the figure includes building the findings with their
evidence. For scale, a hand-written plain-Python version of a representative subset of
the rules runs on the same resources, and the subset is also run through the engine
alone, so the report gives the cost of CEL's sandbox against Python for equal work.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from cloudcensus.policies.engine import Evaluator, _construct, _template
from cloudcensus.policies.findings import Status, finding_uid
from cloudcensus.policies.loader import load_rules
from cloudcensus.policies.params import resolve_params
from cloudcensus.policies.rules import RuleSet
from cloudcensus.scanner.inventory import Jurisdiction, Location, Resource

__all__ = ["main", "synthetic_inventory"]

_TYPES = {
    "storage.bucket": "AWS::S3::Bucket",
    "storage.volume": "AWS::EC2::Volume",
    "storage.snapshot": "AWS::EC2::Snapshot",
    "compute.instance": "AWS::EC2::Instance",
    "database.instance": "AWS::RDS::DBInstance",
    "database.table": "AWS::DynamoDB::Table",
    "network.security_group": "AWS::EC2::SecurityGroup",
    "identity.user": "AWS::IAM::User",
    "security.key": "AWS::KMS::Key",
    "logging.audit_trail": "AWS::CloudTrail::Trail",
}
_REGIONS = [("eu-west-1", "IE", True), ("eu-central-1", "DE", True), ("us-east-1", "US", False)]
_AWS = Jurisdiction(
    offering="aws",
    operator="Amazon Web Services, Inc.",
    legal_seat="US",
    parent="Amazon.com, Inc.",
    parent_country="US",
    non_eu_law=True,
)


def _storage(flip: bool, encryption: dict[str, Any]) -> dict[str, Any]:
    bucket = {"public_via": ["acl"] if flip else [], "public_access_blocked": not flip}
    return {**encryption, **bucket, "public": flip, "versioning": True, "replicas": []}


def _database(flip: bool, encryption: dict[str, Any]) -> dict[str, Any]:
    settings = {"engine": "postgres", "backup_retention_days": 7, "multi_az": False}
    return {**encryption, **settings, "public": flip, "backup_enabled": not flip, "replicas": []}


def _compute(flip: bool, encryption: dict[str, Any]) -> dict[str, Any]:
    addresses = ["198.51.100.7"] if flip else []
    return {"state": "running", "public": flip, "public_ips": addresses, "security_groups": []}


def _security_group(flip: bool, encryption: dict[str, Any]) -> dict[str, Any]:
    port = 22 if flip else 443
    rule = {"protocol": "tcp", "from_port": port, "to_port": port, "source": "0.0.0.0/0"}
    return {"ingress": [rule], "egress": [], "attached": True}


def _user(flip: bool, encryption: dict[str, Any]) -> dict[str, Any]:
    created = datetime(2026, 1, 1, tzinfo=UTC) - timedelta(days=200 if flip else 10)
    key = {"id": "AKIAEXAMPLE", "status": "active", "created": created.isoformat()}
    return {"console_access": True, "mfa": not flip, "access_keys": [{**key, "last_used": None}]}


def _key(flip: bool, encryption: dict[str, Any]) -> dict[str, Any]:
    settings = {"state": "Enabled", "usage": "ENCRYPT_DECRYPT", "multi_region": False}
    return {**settings, "key_management": "customer", "rotation_enabled": not flip, "replicas": []}


def _trail(flip: bool, encryption: dict[str, Any]) -> dict[str, Any]:
    return {"logging": True, "multi_region": True, "home_region": "eu-west-1"}


_SHAPES: dict[str, Callable[[bool, dict[str, Any]], dict[str, Any]]] = {
    "storage.bucket": _storage,
    "storage.volume": lambda flip, enc: {**enc, "size_gb": 100, "state": "in-use"},
    "storage.snapshot": lambda flip, enc: {**enc, "public": flip},
    "compute.instance": _compute,
    "database.instance": _database,
    "database.table": lambda flip, enc: {**enc, "backup_enabled": not flip},
    "network.security_group": _security_group,
    "identity.user": _user,
    "security.key": _key,
    "logging.audit_trail": _trail,
}


def _properties(type_: str, rng: random.Random) -> dict[str, Any]:
    flip = rng.random() < 0.2  # about one resource in five breaks its type's main rule
    managed = "customer" if rng.random() < 0.3 else "provider"
    encryption = {"encrypted": not flip, "key_id": None, "key_management": managed}
    return _SHAPES[type_](flip, encryption)


def _resource(index: int, accounts: int, rng: random.Random, name_tags: bool) -> Resource:
    type_ = list(_TYPES)[index % len(_TYPES)]
    account = f"{100000000000 + index % accounts}"
    region, country, eu = rng.choice(_REGIONS)
    level = rng.choice(["public", "internal", "sensitive", "restricted"])
    tags = {"owner": "team-a", "data-classification": level, "cost-centre": "cc-1"}
    if rng.random() < 0.1:
        del tags["owner"]
    if name_tags:
        tags["Name"] = f"r{index}"
    return Resource(
        provider="aws",
        account=account,
        region=region,
        type=type_,
        native_type=_TYPES[type_],
        id=f"arn:aws:{type_}:{region}:{account}:r/{index}",
        name=f"r{index}",
        tags=tags,
        location=Location(country=country, eu=eu, eea=eu),
        jurisdiction=_AWS,
        properties=_properties(type_, rng),
        raw={"Name": f"r{index}", "Details": {"a": 1, "b": [1, 2, 3]}},
    )


def synthetic_inventory(
    count: int, accounts: int, seed: int = 7, name_tags: bool = True
) -> list[list[Resource]]:
    """`count` resources spread over `accounts` scopes, ~20% non-compliant per property.

    `name_tags`: give each resource a unique `Name` tag, as most AWS estates do; rules
    that read whole tag maps then see every resource as different (no memo hits).
    """
    rng = random.Random(seed)
    scopes: list[list[Resource]] = [[] for _ in range(accounts)]
    for index in range(count):
        scopes[index % accounts].append(_resource(index, accounts, rng, name_tags))
    for number, scope in enumerate(scopes):
        account = f"{100000000000 + number}"
        scope.append(
            Resource(
                provider="aws",
                account=account,
                region="global",
                type="account",
                native_type="AWS::::Account",
                id=f"arn:aws::{account}:account",
                properties={
                    "root_mfa": True,
                    "region_guardrail": None,
                    "region_guardrail_readable": True,
                },
            )
        )
    return scopes


# The plain-Python equivalents of a representative subset (same verdicts, same evidence).
_ADMIN_PORTS = (22, 3389, 1433, 1521, 3306, 5432, 6379, 9200, 27017)


def _exp01(r: Resource, p: dict[str, Any]) -> tuple[bool | None, dict[str, Any]]:
    public, blocked = r.properties.get("public"), r.properties.get("public_access_blocked")
    verdict = public is False or (public is None and blocked is True)
    return verdict, {
        "resource.properties.public": public,
        "resource.properties.public_access_blocked": blocked,
    }


def _exp02(r: Resource, p: dict[str, Any]) -> tuple[bool | None, dict[str, Any]]:
    ingress = r.properties.get("ingress")

    def open_(rule: dict[str, Any]) -> bool:
        if rule["source"] not in ("0.0.0.0/0", "::/0"):
            return False
        if rule["protocol"] in (None, "all"):
            return True
        low, high = rule["from_port"], rule["to_port"]
        return low is None or high is None or any(low <= x <= high for x in p["ports"])

    verdict = ingress is not None and not any(open_(rule) for rule in ingress)
    return verdict, {"resource.properties.ingress": ingress, "params.ports": p["ports"]}


def _enc02(r: Resource, p: dict[str, Any]) -> tuple[bool | None, dict[str, Any]]:
    encrypted = r.properties.get("encrypted")
    return encrypted is True, {"resource.properties.encrypted": encrypted}


def _iam01(r: Resource, p: dict[str, Any]) -> tuple[bool | None, dict[str, Any]]:
    if r.properties.get("console_access") is not True:
        return None, {}
    mfa = r.properties.get("mfa")
    return mfa is True, {"resource.properties.console_access": True, "resource.properties.mfa": mfa}


def _res01(r: Resource, p: dict[str, Any]) -> tuple[bool | None, dict[str, Any]]:
    country = r.location.country
    verdict = country is not None and country in p["allowed_countries"]
    return verdict, {
        "resource.location.country": country,
        "params.allowed_countries": p["allowed_countries"],
    }


def _tag01(r: Resource, p: dict[str, Any]) -> tuple[bool | None, dict[str, Any]]:
    keys = p["required_tags"]
    verdict = all(r.tags.get(k) not in (None, "") for k in keys)
    return verdict, {"params.required_tags": keys, "resource.tags": r.tags}


_PYTHON_RULES: dict[
    str, Callable[[Resource, dict[str, Any]], tuple[bool | None, dict[str, Any]]]
] = {
    "BASE-EXP-01": _exp01,
    "BASE-EXP-02": _exp02,
    "BASE-ENC-02": _enc02,
    "BASE-IAM-01": _iam01,
    "SOV-RES-01": _res01,
    "BASE-TAG-01": _tag01,
}


def _python_evaluate(
    ruleset: RuleSet, scopes: Sequence[Sequence[Resource]], now: datetime, build: bool = True
) -> int:
    """Plain-Python evaluation of the subset, building the same findings; returns count."""
    rules = {rule.id: rule for rule in ruleset}
    plans = {
        t: [(rules[i], _PYTHON_RULES[i]) for i in _PYTHON_RULES if t in rules[i].types]
        for t in _TYPES
    }
    templates = {rule.id: _template(rule) for rule in ruleset}
    count = 0
    for scope in scopes:
        findings = []
        for resource in scope:
            for rule, check in plans.get(resource.type, ()):
                verdict, evidence = check(resource, dict(rule.values))
                count += 1
                if verdict is None or not build:
                    continue
                spec = rule.spec
                findings.append(
                    _construct(
                        templates[spec.id],
                        {
                            "uid": finding_uid(spec.id, resource.id),
                            "status": Status.PASS if verdict else Status.FAIL,
                            "resource_id": resource.id,
                            "resource_type": resource.type,
                            "native_type": resource.native_type,
                            "resource_name": resource.name,
                            "provider": resource.provider,
                            "account": resource.account,
                            "region": resource.region,
                            "evidence": evidence,
                            "message": spec.title if verdict else (spec.message or spec.title),
                            "evaluated_at": now,
                        },
                    )
                )
    return count


def _engine_run(
    ruleset: RuleSet, scopes: Sequence[Sequence[Resource]], now: datetime
) -> tuple[int, int, float]:
    evaluator = Evaluator(ruleset)
    evaluations = sum(len(ruleset.for_type(r.type)) for scope in scopes for r in scope)
    evaluations += len(ruleset.account_rules) * len(scopes)
    start = time.perf_counter()
    findings = sum(len(evaluator.evaluate_scope(scope, now)) for scope in scopes)
    return evaluations, findings, time.perf_counter() - start


def _verdict_seconds(
    ruleset: RuleSet, scopes: Sequence[Sequence[Resource]], now: datetime
) -> float:
    """Time of the verdicts alone (projection, memo, CEL), without building findings."""
    evaluator = Evaluator(ruleset)
    plans = evaluator._plans  # the benchmark looks inside on purpose
    start = time.perf_counter()
    for scope in scopes:
        for resource in scope:
            plan = plans.get(resource.type)
            if plan is not None:
                plan.verdicts(resource, now)
    return time.perf_counter() - start


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--resources", type=int, default=100_000)
    parser.add_argument("--accounts", type=int, default=10)
    parser.add_argument(
        "--no-name-tags",
        action="store_true",
        help="no unique Name tag: resources repeat, the memo hits",
    )
    args = parser.parse_args(argv)
    full = resolve_params(load_rules(["sovereignty", "baseline"]), "be-federal")
    subset = RuleSet([rule for rule in full if rule.id in _PYTHON_RULES])
    scopes = synthetic_inventory(args.resources, args.accounts, name_tags=not args.no_name_tags)
    now = datetime(2026, 1, 1, tzinfo=UTC)
    print(f"{args.resources} resources, {args.accounts} accounts, {len(full)} rules")
    evaluations, findings, seconds = _engine_run(full, scopes, now)
    print(
        f"engine, full packs: {evaluations} evaluations, {findings} findings in "
        f"{seconds:.2f} s = {evaluations / seconds:,.0f} evaluations/s"
    )
    verdict_seconds = _verdict_seconds(full, scopes, now)
    resource_evals = evaluations - len(full.account_rules) * len(scopes)
    print(
        f"engine, full packs, verdicts only: {resource_evals / verdict_seconds:,.0f} evaluations/s"
    )
    _compare(subset, scopes, now)


def _rate(count: int, started: float) -> float:
    return count / (time.perf_counter() - started)


def _compare(subset: RuleSet, scopes: Sequence[Sequence[Resource]], now: datetime) -> None:
    """The engine against hand-written Python on the same rules, with and without findings."""
    evaluations, _, seconds = _engine_run(subset, scopes, now)
    engine_rate = evaluations / seconds
    resource_evals = evaluations - len(subset.account_rules) * len(scopes)
    engine_verdicts = resource_evals / _verdict_seconds(subset, scopes, now)
    started = time.perf_counter()
    python_rate = _rate(_python_evaluate(subset, scopes, now), started)
    started = time.perf_counter()
    python_verdicts = _rate(_python_evaluate(subset, scopes, now, build=False), started)
    print(
        f"{len(subset)}-rule subset, with findings: engine {engine_rate:,.0f}/s, plain Python "
        f"{python_rate:,.0f}/s, ratio {engine_rate / python_rate:.2f}"
    )
    print(
        f"{len(subset)}-rule subset, verdicts only: engine {engine_verdicts:,.0f}/s, plain "
        f"Python {python_verdicts:,.0f}/s, ratio {engine_verdicts / python_verdicts:.2f}"
    )


if __name__ == "__main__":
    main()
