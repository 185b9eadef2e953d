#!/usr/bin/env bash
# cloudcensus read-only access on GCP, with gcloud (main.tf does the same with Terraform).
#
#   deploy/iam/gcp/grant.sh ORGANIZATION_ID QUOTA_PROJECT MEMBER
#
# MEMBER is the agent's identity, e.g. serviceAccount:cloudcensus@scanner-host.iam.gserviceaccount.com.
# Run it as someone who may set the organisation's IAM policy. SECURITY_REVIEWER=0 leaves
# out roles/iam.securityReviewer, which no call of the agent needs (see permissions.yaml).
set -euo pipefail

if [ "$#" -ne 3 ]; then
    echo "usage: $0 ORGANIZATION_ID QUOTA_PROJECT MEMBER" >&2
    exit 2
fi
organization=$1
quota_project=$2
member=$3

# The calls are billed to the quota project: the Cloud Asset API must be enabled there.
gcloud services enable cloudasset.googleapis.com --project "$quota_project"

gcloud organizations add-iam-policy-binding "$organization" \
    --member "$member" --role roles/cloudasset.viewer --condition None
if [ "${SECURITY_REVIEWER:-1}" != 0 ]; then
    gcloud organizations add-iam-policy-binding "$organization" \
        --member "$member" --role roles/iam.securityReviewer --condition None
fi
gcloud projects add-iam-policy-binding "$quota_project" \
    --member "$member" --role roles/serviceusage.serviceUsageConsumer --condition None
