"""Rule-engine throughput: rule evaluations per second on a synthetic inventory.

Run: `python -m benchmarks.engine [--resources 100000] [--accounts 10] [--repeat 3]`.

A rule evaluation is one (rule, resource) pair whose types match, `where` included,
ending in a finding or in "not selected". The built-in packs are used as shipped (with
the `be-federal` profile). Three measures, each on a fresh evaluator (memos empty):
(a) the verdicts with their evidence, without building findings; (b) end to end,
`evaluate_scope` building every `Finding` with its uid and evidence; (c) a hand-written
plain-Python version of a representative subset of the rules against the engine on
the same subset and resources, verdicts only and with findings, so the report gives
the cost of CEL's sandbox against Python for equal work. Each figure is given in wall
time and in this process's CPU time: the machine is shared, and the two differ by what
other jobs took. The estate is built by `benchmarks/estate.py`.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import os
import platform
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.estate import TYPES, synthetic_inventory
from cloudcensus.policies import engine
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


class _Clock:
    """Wall-clock and CPU seconds (this process) of a block. The machine is shared: CPU
    time says what the code costs, wall time what another job's load made of it."""

    def __enter__(self) -> _Clock:
        self._wall, self._cpu = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc: object) -> None:
        self.wall = time.perf_counter() - self._wall
        self.cpu = time.process_time() - self._cpu


def _end_to_end(
    ruleset: RuleSet, scopes: Sequence[Sequence[Resource]], now: datetime
) -> tuple[float, float, int]:
    """(wall s, CPU s, findings) of `evaluate_scope` over every scope, fresh evaluator."""
    evaluator = Evaluator(ruleset)
    with _Clock() as clock:
        findings = sum(len(evaluator.evaluate_scope(scope, now)) for scope in scopes)
    return clock.wall, clock.cpu, findings


def _verdicts(
    ruleset: RuleSet, scopes: Sequence[Sequence[Resource]], now: datetime
) -> tuple[float, float, float, Counter[str]]:
    """(wall s, CPU s, memo hit rate, verdict counts) of the verdicts with their evidence,
    without building findings, on a fresh evaluator."""
    evaluator = Evaluator(ruleset)
    plans = evaluator._plans  # the benchmark looks inside on purpose
    results = []
    with _Clock() as clock:
        for scope in scopes:
            for resource in scope:
                plan = plans.get(resource.type)
                if plan is not None:
                    results.append(plan.entries(resource, now))
    lookups, hits = evaluator.memo_stats()
    counts = Counter(_label(entry[0]) for found in results for entry in found)
    return clock.wall, clock.cpu, hits / max(lookups, 1), counts


def _best(runs: list[tuple[Any, ...]]) -> tuple[float, float]:
    """The best wall and the best CPU seconds of several runs (first two fields)."""
    return min(run[0] for run in runs), min(run[1] for run in runs)


def _rates(count: int, wall: float, cpu: float) -> str:
    return f"{count / wall:,.0f}/s (CPU {cpu:.2f} s: {count / cpu:,.0f}/s)"


def _label(verdict: object) -> str:
    return str(verdict) if isinstance(verdict, bool) else "None"


@contextlib.contextmanager
def _collector_left_on() -> Iterator[None]:
    yield


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
    parser.add_argument(
        "--breakdown",
        action="store_true",
        help="also split the CPU time: memo misses, verdicts from the memo, findings",
    )
    parser.add_argument(
        "--keep-collector",
        action="store_true",
        help="keep the garbage collector on while findings are built (the engine pauses it)",
    )
    args = parser.parse_args(argv)
    if args.keep_collector:
        engine._collector_paused = _collector_left_on  # the benchmark looks inside on purpose
    full = resolve_params(load_rules(["sovereignty", "baseline"]), "be-federal")
    subset = RuleSet([rule for rule in full if rule.id in _PYTHON_RULES])
    scopes = synthetic_inventory(args.resources, args.accounts)
    if not args.no_gc_freeze:
        # The inventory lives for the whole scan: keep the collector from walking its
        # million objects on every full collection while findings pile up.
        gc.collect()
        gc.freeze()
    now = datetime(2026, 1, 1, tzinfo=UTC)
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    print(
        f"{args.resources} resources, {args.accounts} accounts, {len(full)} rules; "
        f"{os.cpu_count()} CPUs, load average {load}; Python {platform.python_version()}"
    )
    evaluations = _evaluations(full, scopes)
    runs = [_verdicts(full, scopes, now) for _ in range(args.repeat)]
    wall, cpu = _best(runs)
    print(
        f"(a) engine, full packs, verdicts: {evaluations} rule evaluations in {wall:.2f} s = "
        f"{_rates(evaluations, wall, cpu)}; memo hit rate {runs[0][2]:.1%}"
    )
    ends = [_end_to_end(full, scopes, now) for _ in range(args.repeat)]
    wall, cpu = _best(ends)
    findings = ends[0][2]
    print(
        f"(b) engine, full packs, end to end: {findings} findings in {wall:.2f} s = "
        f"{findings / wall:,.0f} findings/s; {evaluations} rule evaluations = "
        f"{_rates(evaluations, wall, cpu)}"
    )
    _compare(subset, scopes, now, args.repeat)
    if args.breakdown:
        _breakdown(full, scopes, now)


def _breakdown(ruleset: RuleSet, scopes: Sequence[Sequence[Resource]], now: datetime) -> None:
    """(d) Where the CPU time goes: the same evaluator three times over the estate."""
    evaluator = Evaluator(ruleset)
    plans = evaluator._plans  # the benchmark looks inside on purpose
    resources = [r for scope in scopes for r in scope if r.type in plans]

    def verdicts() -> float:
        with _Clock() as clock:
            for resource in resources:
                plans[resource.type].entries(resource, now)
        return clock.cpu

    cold, warm = verdicts(), verdicts()  # memos empty, then full
    with _Clock() as clock:
        findings = sum(len(evaluator.evaluate_scope(scope, now)) for scope in scopes)
    per_resource = 1e6 / len(resources)
    print(
        f"(d) CPU time per resource: verdicts from the memos {warm * per_resource:.1f} us, "
        f"memo misses (CEL, evidence) {(cold - warm) * per_resource:.1f} us; per finding "
        f"(uid, dict, object, warm memos) {(clock.cpu - warm) * 1e6 / findings:.2f} us"
    )


def _python_seconds(
    subset: RuleSet, scopes: Sequence[Sequence[Resource]], now: datetime, build: bool
) -> tuple[float, float, Counter[str]]:
    with _Clock() as clock:
        _, counts = _python_evaluate(subset, scopes, now, build=build)
    return clock.wall, clock.cpu, counts


def _compare(
    subset: RuleSet, scopes: Sequence[Sequence[Resource]], now: datetime, repeat: int
) -> None:
    """(c) The engine against hand-written Python on the same rules, same resources."""
    evaluations = _evaluations(subset, scopes)
    engine_runs, python_runs = [], []
    for _ in range(repeat):  # interleaved, so both see the same machine load
        engine_runs.append(_verdicts(subset, scopes, now))
        python_runs.append(_python_seconds(subset, scopes, now, build=False))
    engine_counts, python_counts = engine_runs[0][3], python_runs[0][2]
    if engine_counts != python_counts:
        raise SystemExit(f"verdicts differ: engine {engine_counts}, Python {python_counts}")
    engine, python = _best(engine_runs), _best(python_runs)
    print(
        f"(c) {len(subset)}-rule subset, verdicts: engine {evaluations / engine[0]:,.0f}/s "
        f"(memo hit rate {engine_runs[0][2]:.1%}), plain Python "
        f"{evaluations / python[0]:,.0f}/s, ratio engine/Python {python[0] / engine[0]:.2f} "
        f"(CPU time: {python[1] / engine[1]:.2f})"
    )
    engine_e2e, python_e2e = [], []
    for _ in range(repeat):
        engine_e2e.append(_end_to_end(subset, scopes, now))
        python_e2e.append(_python_seconds(subset, scopes, now, build=True))
    findings = engine_e2e[0][2]
    engine, python = _best(engine_e2e), _best(python_e2e)
    print(
        f"(c) {len(subset)}-rule subset, end to end: engine {findings / engine[0]:,.0f} "
        f"findings/s, plain Python {findings / python[0]:,.0f} findings/s, ratio engine/Python "
        f"{python[0] / engine[0]:.2f} (CPU time: {python[1] / engine[1]:.2f})"
    )
    print(f"    same verdicts in both: {dict(sorted(engine_counts.items()))}")


if __name__ == "__main__":
    main()
