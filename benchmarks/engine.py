"""Rule-engine throughput: rule evaluations per second on a synthetic inventory.

Run: `python -m benchmarks.engine [--resources 100000] [--accounts 10]`.

A rule evaluation is one (rule, resource) pair whose types match, `where` included,
ending in a finding or in "not selected". The built-in packs are used as shipped (with
the `be-federal` profile); the figure includes building the findings with their
evidence. For scale, a hand-written plain-Python version of a representative subset of
the rules runs on the same resources, and the subset is also run through the engine
alone, so the report gives the cost of CEL's sandbox against Python for equal work.
The estate is built by `benchmarks/estate.py`.
"""

from __future__ import annotations

import argparse
import gc
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.estate import TYPES, synthetic_inventory
from cloudcensus.policies.compiled import template
from cloudcensus.policies.engine import Evaluator
from cloudcensus.policies.findings import Status, build_finding, finding_uid
from cloudcensus.policies.loader import load_rules
from cloudcensus.policies.params import resolve_params
from cloudcensus.policies.rules import RuleSet
from cloudcensus.scanner.inventory import Resource

__all__ = ["main", "synthetic_inventory"]


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
        if rule["protocol"] not in ("tcp", "udp"):
            return False
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
) -> tuple[int, Counter[str]]:
    """Plain-Python evaluation of the subset, building the same findings.

    Returns the number of rule evaluations and the count of each verdict.
    """
    rules = {rule.id: rule for rule in ruleset}
    plans = {
        t: [(rules[i], _PYTHON_RULES[i], dict(rules[i].values)) for i in _PYTHON_RULES]
        for t in TYPES
    }
    plans = {t: [x for x in plan if t in x[0].types] for t, plan in plans.items()}
    templates = {rule.id: template(rule) for rule in ruleset}
    count, verdicts = 0, Counter[str]()
    for scope in scopes:
        findings = []
        for resource in scope:
            for rule, check, params in plans.get(resource.type, ()):
                verdict, evidence = check(resource, params)
                count += 1
                verdicts[str(verdict)] += 1
                if verdict is None or not build:
                    continue
                spec = rule.spec
                findings.append(
                    build_finding(
                        {
                            **templates[spec.id].__dict__,
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
    return count, verdicts


def _evaluations(ruleset: RuleSet, scopes: Sequence[Sequence[Resource]]) -> int:
    """(rule, resource) pairs whose types match: the resource rules only."""
    per_type = {t: len(ruleset.for_type(t)) for t in ruleset.types}
    return sum(per_type.get(r.type, 0) for scope in scopes for r in scope)


def _end_to_end(
    ruleset: RuleSet, scopes: Sequence[Sequence[Resource]], now: datetime
) -> tuple[int, float]:
    """(findings, seconds) of `evaluate_scope` over every scope, on a fresh evaluator."""
    evaluator = Evaluator(ruleset)
    start = time.perf_counter()
    findings = sum(len(evaluator.evaluate_scope(scope, now)) for scope in scopes)
    return findings, time.perf_counter() - start


def _verdicts(
    ruleset: RuleSet, scopes: Sequence[Sequence[Resource]], now: datetime
) -> tuple[float, float, Counter[str]]:
    """(seconds, memo hit rate, verdict counts) of the verdicts alone, fresh evaluator."""
    evaluator = Evaluator(ruleset)
    plans = evaluator._plans  # the benchmark looks inside on purpose
    results = []
    start = time.perf_counter()
    for scope in scopes:
        for resource in scope:
            plan = plans.get(resource.type)
            if plan is not None:
                results.append(plan.verdicts(resource, now))
    seconds = time.perf_counter() - start
    lookups, hits = evaluator.memo_stats()
    counts = Counter(_label(v) for found in results for v, _ in found)
    return seconds, hits / max(lookups, 1), counts


def _label(verdict: object) -> str:
    return str(verdict) if isinstance(verdict, bool) else "None"


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--resources", type=int, default=100_000)
    parser.add_argument("--accounts", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=1, help="best of N runs of each measure")
    parser.add_argument(
        "--no-gc-freeze",
        action="store_true",
        help="leave the inventory to the garbage collector's full collections",
    )
    args = parser.parse_args(argv)
    full = resolve_params(load_rules(["sovereignty", "baseline"]), "be-federal")
    subset = RuleSet([rule for rule in full if rule.id in _PYTHON_RULES])
    scopes = synthetic_inventory(args.resources, args.accounts)
    if not args.no_gc_freeze:
        # The inventory lives for the whole scan: keep the collector from walking its
        # million objects on every full collection while findings pile up.
        gc.collect()
        gc.freeze()
    now = datetime(2026, 1, 1, tzinfo=UTC)
    print(f"{args.resources} resources, {args.accounts} accounts, {len(full)} rules")
    evaluations = _evaluations(full, scopes)
    seconds, hit_rate, _ = min(_verdicts(full, scopes, now) for _ in range(args.repeat))
    print(
        f"(a) engine, full packs, verdicts: {evaluations} rule evaluations in {seconds:.2f} s"
        f" = {evaluations / seconds:,.0f}/s; memo hit rate {hit_rate:.1%}"
    )
    findings, seconds = min(_end_to_end(full, scopes, now) for _ in range(args.repeat))
    print(
        f"(b) engine, full packs, end to end: {findings} findings in {seconds:.2f} s = "
        f"{findings / seconds:,.0f} findings/s, {evaluations / seconds:,.0f} evaluations/s"
    )
    _compare(subset, scopes, now, args.repeat)


def _python_seconds(
    subset: RuleSet, scopes: Sequence[Sequence[Resource]], now: datetime, build: bool
) -> tuple[float, Counter[str]]:
    started = time.perf_counter()
    _, counts = _python_evaluate(subset, scopes, now, build=build)
    return time.perf_counter() - started, counts


def _compare(
    subset: RuleSet, scopes: Sequence[Sequence[Resource]], now: datetime, repeat: int
) -> None:
    """(c) The engine against hand-written Python on the same rules, same resources."""
    evaluations = _evaluations(subset, scopes)
    engine_runs, python_runs = [], []
    for _ in range(repeat):  # interleaved, so both see the same machine load
        engine_runs.append(_verdicts(subset, scopes, now))
        python_runs.append(_python_seconds(subset, scopes, now, build=False))
    seconds, hit_rate, engine_counts = min(engine_runs)
    engine_verdicts = evaluations / seconds
    python_seconds, python_counts = min(python_runs)
    python_verdicts = evaluations / python_seconds
    if engine_counts != python_counts:
        raise SystemExit(f"verdicts differ: engine {engine_counts}, Python {python_counts}")
    engine_e2e, python_e2e = [], []
    for _ in range(repeat):
        engine_e2e.append(_end_to_end(subset, scopes, now))
        python_e2e.append(_python_seconds(subset, scopes, now, build=True))
    findings, seconds = min(engine_e2e)
    engine_findings = findings / seconds
    python_findings = findings / min(python_e2e)[0]
    print(
        f"(c) {len(subset)}-rule subset, verdicts: engine {engine_verdicts:,.0f}/s "
        f"(memo hit rate {hit_rate:.1%}), plain Python {python_verdicts:,.0f}/s, "
        f"ratio engine/Python {engine_verdicts / python_verdicts:.2f}"
    )
    print(
        f"(c) {len(subset)}-rule subset, end to end: engine {engine_findings:,.0f} findings/s, "
        f"plain Python {python_findings:,.0f} findings/s, "
        f"ratio engine/Python {engine_findings / python_findings:.2f}"
    )
    print(f"    same verdicts in both: {dict(sorted(engine_counts.items()))}")


if __name__ == "__main__":
    main()
