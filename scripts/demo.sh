#!/usr/bin/env bash
# Set up a virtual environment from the project's own files and run the demo: a fake AWS
# organisation on loopback, scanned end to end. No credentials, no network.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
VENV=${VENV:-.venv}
[ -x "$VENV/bin/python" ] || "$PYTHON" -m venv "$VENV"
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check \
    -c constraints.txt -e '.[demo]'
exec "$VENV/bin/cloudcensus" demo "$@"
