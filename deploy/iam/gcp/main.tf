# cloudcensus read-only access on GCP, as Terraform (grant.sh does the same with gcloud).
#
# - Cloud Asset Viewer at the organisation: every read the agent makes (ListAssets of
#   resources, IAM policies and organisation policies; SearchAllResources), on every
#   folder and project below it.
# - Security Reviewer at the organisation (optional, `grant_security_reviewer`): not needed
#   by any call; lets people check a finding with the agent's own identity.
# - Service Usage Consumer on the quota project, where the Cloud Asset API is enabled: the
#   calls are billed to it (`providers.gcp.quota_project`).
#
# permissions.yaml lists the calls, their permissions and these roles; the test suite checks
# it against a full scan and this file against it.

terraform {
  required_version = ">= 1.5"
  required_providers {
    google = {
      source  = "hashicorp/google"
      version = ">= 5.0"
    }
  }
}

variable "organization_id" {
  description = "Numeric id of the organisation to scan (providers.gcp.organization)."
  type        = string
}

variable "quota_project" {
  description = "Project id the agent's calls are billed to (providers.gcp.quota_project)."
  type        = string
}

variable "member" {
  description = "The agent's identity: serviceAccount:NAME@PROJECT.iam.gserviceaccount.com, or a principal:// / principalSet:// of workload identity federation."
  type        = string
}

variable "grant_security_reviewer" {
  description = "Also grant roles/iam.securityReviewer (not needed by the agent's calls)."
  type        = bool
  default     = true
}

locals {
  organization_roles = concat(
    ["roles/cloudasset.viewer"],
    var.grant_security_reviewer ? ["roles/iam.securityReviewer"] : [],
  )
}

resource "google_project_service" "cloudasset" {
  project            = var.quota_project
  service            = "cloudasset.googleapis.com"
  disable_on_destroy = false
}

resource "google_organization_iam_member" "read" {
  for_each = toset(local.organization_roles)
  org_id   = var.organization_id
  role     = each.value
  member   = var.member
}

resource "google_project_iam_member" "quota" {
  project = var.quota_project
  role    = "roles/serviceusage.serviceUsageConsumer"
  member  = var.member
}
