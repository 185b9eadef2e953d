#!/usr/bin/env bash
# Make a minimal Debian bookworm image with Python 3.11 from Debian packages, for builds
# where no image registry is reachable: deploy/container/build-base.sh [TAG]. Needs root,
# debootstrap and podman; MIRROR defaults to the first Debian mirror apt knows.
set -euo pipefail
TAG=${1:-localhost/cloudcensus-base:bookworm}
PODMAN=${PODMAN:-podman}
if [ -z "${MIRROR:-}" ]; then
    MIRROR=$(grep -rhE '^(URIs:|deb )' /etc/apt/sources.list /etc/apt/sources.list.d/ 2>/dev/null \
        | grep -oE 'https?://[^ ]+/debian/?( |$)' | head -n 1 | tr -d ' ' || true)
fi
MIRROR=${MIRROR:-http://deb.debian.org/debian}
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
debootstrap --variant=minbase --include=python3,python3-venv,ca-certificates \
    bookworm "$root" "$MIRROR" >/dev/null
rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
tar -C "$root" -c . | "$PODMAN" import \
    --change 'CMD ["/bin/bash"]' --change 'ENV LANG=C.UTF-8' - "$TAG" >/dev/null
echo "$TAG"
