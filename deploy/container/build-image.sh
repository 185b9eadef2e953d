#!/usr/bin/env bash
# Build the cloudcensus image with podman/buildah.
#
#   deploy/container/build-image.sh [TAG]            # official Python base, wheels from PyPI
#   OFFLINE=1 deploy/container/build-image.sh [TAG]  # no image registry reachable: a Debian
#                                                    # base from debootstrap, wheels built here
#
# OFFLINE=1 builds the wheels on this host (pip wheel, from constraints.txt) and a base image
# `localhost/cloudcensus-base:bookworm` from Debian packages (debootstrap, once; reused while
# it exists), then builds with --build-arg BASE=that --build-arg OFFLINE=1.
# Environment: PYTHON (host Python for pip wheel), MIRROR (Debian mirror), EXTRAS.
set -euo pipefail
cd "$(dirname "$0")/../.."
TAG=${1:-localhost/cloudcensus:0.1.0}
EXTRAS=${EXTRAS:-all}
PYTHON=${PYTHON:-python3}
PODMAN=${PODMAN:-podman}
mkdir -p build/wheels
args=(--build-arg "EXTRAS=$EXTRAS")
if [ -n "${OFFLINE:-}" ]; then
    base=localhost/cloudcensus-base:bookworm
    if ! "$PODMAN" image exists "$base"; then
        deploy/container/build-base.sh "$base"
    fi
    "$PYTHON" -m pip wheel --quiet --disable-pip-version-check --wheel-dir build/wheels \
        -c constraints.txt ".[$EXTRAS]"
    args+=(--build-arg "BASE=$base" --build-arg OFFLINE=1)
fi
# Docker format: the OCI image format has no HEALTHCHECK.
"$PODMAN" build --format docker --network host "${args[@]}" -f deploy/Containerfile -t "$TAG" .
