"""An agent workspace (config, explanations, state dir) and the real `cloudcensus`
console script run in it as a subprocess against an emulated AWS organisation."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from cloudcensus.demo.estate import Estate

CLOUDCENSUS = Path(sys.executable).with_name("cloudcensus")

#: Credentials only this package's processes use: any of them in an output is a leak.
SECRET_ENV = {
    "AWS_ACCESS_KEY_ID": "AKIACCLEAKCHECK00001",
    "AWS_SECRET_ACCESS_KEY": "cc-leak-check-secret-key-7f3a9b",
    "AWS_SESSION_TOKEN": "cc-leak-check-session-token-51d2",
}
EXTERNAL_ID = "cc-leak-check-external-id-90e1"

CONFIG = f"""\
workers: 6
providers:
  aws:
    mode: organization
    home_region: eu-west-1
    regions: [eu-west-1, eu-central-1, us-east-1]
    max_attempts: 2
    # moto does not offer Resource Explorer.
    resource_explorer: false
    external_id: {EXTERNAL_ID}
rules: [sovereignty, baseline]
profile: be-federal
params:
  BASE-IAM-02: {{max_age_days: 0}}
"""

EXPLANATIONS = """\
explanations:
  - id: EXP-T-1
    rule: BASE-EXP-05
    resources: {selector: {tags: {app: bastion}}}
    reason: Bastion host.
    category: mitigated
    requested_by: ops@example.org
    approved_by: ciso@example.org
    approved_on: "@TODAY-10@"
    expires: "@TODAY+100@"
"""


@dataclass(frozen=True)
class Run:
    code: int
    stdout: str
    stderr: str


@dataclass(frozen=True)
class Workspace:
    """One agent's files: its config, explanations, state directory and report dir."""

    root: Path
    endpoint: str
    estate: Estate

    @property
    def config(self) -> Path:
        return self.root / "cloudcensus.yaml"

    @property
    def explanations(self) -> Path:
        return self.root / "explanations.yaml"

    @property
    def state(self) -> Path:
        return self.root / "state"

    def env(self) -> dict[str, str]:
        keep = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "CLOUDCENSUS_"))}
        return {
            **keep,
            **SECRET_ENV,
            "AWS_DEFAULT_REGION": "eu-west-1",
            "AWS_ENDPOINT_URL": self.endpoint,
            "CLOUDCENSUS_STATE_DIR": str(self.state),
            "COLUMNS": "200",
        }

    def run(self, *args: str, env: dict[str, str] | None = None) -> Run:
        """Run the installed console script in `root`; returns its exit code and output."""
        done = subprocess.run(
            [str(CLOUDCENSUS), *args],
            cwd=self.root,
            env={**self.env(), **(env or {})},
            capture_output=True,
            text=True,
            timeout=240,
            check=False,
        )
        return Run(done.returncode, done.stdout, done.stderr)
