"""`cloudcensus agent`: the long-running scanner. Usage: docs/agent.md.

`daemon.Agent` owns one process (schedule, worker, shutdown); `cycle.Worker` does the
work (a scan, a push); `health.HealthServer` serves `/healthz`, `/readyz` and
`/metrics`; `state` and `metrics` hold what those endpoints report; `shutdown` turns
SIGTERM/SIGINT into a graceful stop; `command` is the click command. The schedule
itself lives in `scanner/schedule.py`, the logs in `scanner/logsetup.py`.
"""

from cloudcensus.scanner.agent.cycle import CycleResult, Worker, last_successful_scan
from cloudcensus.scanner.agent.daemon import Agent, AgentExit
from cloudcensus.scanner.agent.health import HealthServer
from cloudcensus.scanner.agent.metrics import AgentMetrics
from cloudcensus.scanner.agent.shutdown import Shutdown, install_signal_handlers
from cloudcensus.scanner.agent.state import AgentState, Check

__all__ = [
    "Agent",
    "AgentExit",
    "AgentMetrics",
    "AgentState",
    "Check",
    "CycleResult",
    "HealthServer",
    "Shutdown",
    "Worker",
    "install_signal_handlers",
    "last_successful_scan",
]
