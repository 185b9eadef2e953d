"""Rule engine, built-in rule packs and comply-or-explain explanations.

The public API, in the order a run uses it: load rules (`load_rules`, `builtin_packs`),
apply a profile and parameters (`resolve_params`, `load_profile`), load explanations
(`load_explanations`), evaluate (`Evaluator` -> `Finding`), report explanation states
(`ExplanationReport`), and check each rule's own examples (`run_examples`). Loading
problems raise a `PolicyLoadError` subclass listing every `LoadIssue`.

The submodules depend only on each other and on `cloudcensus.scanner.inventory`, so
importing this package never imports the scanner, the store or a provider.
"""

from cloudcensus.policies.engine import Evaluator
from cloudcensus.policies.examples import ExampleResult, run_examples
from cloudcensus.policies.explanation_usage import EXPIRING_WITHIN_DAYS, ExplanationReport
from cloudcensus.policies.explanations import Explanation, ExplanationSet, load_explanations
from cloudcensus.policies.findings import Finding, Severity, Status, finding_uid
from cloudcensus.policies.loader import BUILTIN_PACKS_DIR, builtin_packs, load_rule_file, load_rules
from cloudcensus.policies.params import BUILTIN_PROFILES_DIR, Profile, load_profile, resolve_params
from cloudcensus.policies.rules import Rule, RuleSet
from cloudcensus.policies.source import (
    ExplanationLoadError,
    LoadIssue,
    ParamError,
    PolicyLoadError,
    RuleLoadError,
)

__all__ = [
    "BUILTIN_PACKS_DIR",
    "BUILTIN_PROFILES_DIR",
    "EXPIRING_WITHIN_DAYS",
    "Evaluator",
    "ExampleResult",
    "Explanation",
    "ExplanationLoadError",
    "ExplanationReport",
    "ExplanationSet",
    "Finding",
    "LoadIssue",
    "ParamError",
    "PolicyLoadError",
    "Profile",
    "Rule",
    "RuleLoadError",
    "RuleSet",
    "Severity",
    "Status",
    "builtin_packs",
    "finding_uid",
    "load_explanations",
    "load_profile",
    "load_rule_file",
    "load_rules",
    "resolve_params",
    "run_examples",
]
