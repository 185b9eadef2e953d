#!/usr/bin/env bash
# cloudcensus read-only access on an OpenStack cloud, with the openstack CLI.
#
# 1. As an administrator of the projects (or their domain): give the agent's user Keystone's
#    default `reader` role on every project to scan.
#
#      deploy/iam/openstack/grant.sh role USER PROJECT [PROJECT...]
#
#    EXTRA_ROLES="load-balancer_observer" adds read-only service roles a cloud needs
#    besides reader (Octavia with its older default policies: see calls.yaml).
#
# 2. As the agent's user, with a token scoped to one project (OS_PROJECT_NAME or
#    --os-project-name): an application credential restricted to `reader`, for the
#    agent's clouds.yaml (one per project: an application credential is bound to it).
#
#      deploy/iam/openstack/grant.sh credential NAME [EXPIRATION]
#
#    EXPIRATION: e.g. 2027-01-31T00:00:00. The secret is printed once; store it in
#    clouds.yaml or secure.yaml. Never add --unrestricted.
#
# 3. Only where S3-compatible storage is read with Keystone EC2 keys: as the agent's user,
#    its EC2 credential for the project. EC2 keys carry all of the user's roles on the
#    project, one more reason to give that user `reader` alone.
#
#      deploy/iam/openstack/grant.sh ec2 PROJECT
set -euo pipefail

usage() {
    sed -n '2,25p' "$0" >&2
    exit 2
}

[ "$#" -ge 1 ] || usage
step=$1
shift
case "$step" in
    role)
        [ "$#" -ge 2 ] || usage
        user=$1
        shift
        for project in "$@"; do
            for role in reader ${EXTRA_ROLES:-}; do
                openstack role add --user "$user" --project "$project" "$role"
            done
            openstack role assignment list --user "$user" --project "$project" --names
        done
        ;;
    credential)
        [ "$#" -ge 1 ] && [ "$#" -le 2 ] || usage
        options=(--role reader --description "cloudcensus inventory scanner (read only)")
        if [ "$#" -eq 2 ]; then
            options+=(--expiration "$2")
        fi
        openstack application credential create "${options[@]}" "$1"
        ;;
    ec2)
        [ "$#" -eq 1 ] || usage
        openstack ec2 credentials create --project "$1"
        ;;
    *)
        usage
        ;;
esac
