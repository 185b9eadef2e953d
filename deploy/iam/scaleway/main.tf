# cloudcensus read-only access on Scaleway, as Terraform: an IAM application, its policy
# and its API key. The permission sets come from permissions.yaml, which the test suite
# checks against the calls of a full scan: organisation-level sets on the organisation,
# product sets on every project (current and future, or the listed ones).
#
# Give the agent the key (SCW_ACCESS_KEY / SCW_SECRET_KEY, or a profile of the scw config
# file). The secret key is in the Terraform state: keep the state encrypted, or create the
# key by hand (`scw iam api-key create application-id=...`) with create_api_key = false.

terraform {
  required_version = ">= 1.5"
  required_providers {
    scaleway = {
      source  = "scaleway/scaleway"
      version = ">= 2.30"
    }
  }
}

variable "organization_id" {
  description = "The organisation to scan (providers.scaleway.organization_id)."
  type        = string
}

variable "project_ids" {
  description = "Projects whose products the agent may read; empty: every current and future project of the organisation."
  type        = list(string)
  default     = []
}

variable "object_storage" {
  description = "Read Object Storage buckets (providers.scaleway.object_storage)."
  type        = bool
  default     = true
}

variable "create_api_key" {
  description = "Create the application's API key here (its secret key then lives in the state)."
  type        = bool
  default     = true
}

variable "default_project_id" {
  description = "Preferred project of the API key: the organisation's default project, whose id is the organisation id when empty."
  type        = string
  default     = ""
}

locals {
  table = yamldecode(file("${path.module}/permissions.yaml"))
  organization_sets = distinct(flatten([
    for api in local.table.apis : api.permission_sets if api.scope == "organization"
  ]))
  project_sets = distinct(concat(
    flatten([for api in local.table.apis : api.permission_sets if api.scope == "projects"]),
    var.object_storage ? local.table.object_storage.permission_sets : [],
  ))
}

resource "scaleway_iam_application" "cloudcensus" {
  name            = "cloudcensus"
  description     = "cloudcensus inventory and policy scanner (read only)"
  organization_id = var.organization_id
}

resource "scaleway_iam_policy" "cloudcensus" {
  name            = "cloudcensus-read"
  description     = "Read-only access of the cloudcensus scanner (deploy/iam/scaleway)"
  organization_id = var.organization_id
  application_id  = scaleway_iam_application.cloudcensus.id

  rule {
    organization_id      = var.organization_id
    permission_set_names = local.organization_sets
  }

  # On the organisation, product sets apply to all its current and future projects.
  rule {
    organization_id      = length(var.project_ids) == 0 ? var.organization_id : null
    project_ids          = length(var.project_ids) == 0 ? null : var.project_ids
    permission_set_names = local.project_sets
  }
}

resource "scaleway_iam_api_key" "cloudcensus" {
  count              = var.create_api_key ? 1 : 0
  application_id     = scaleway_iam_application.cloudcensus.id
  description        = "cloudcensus agent"
  default_project_id = var.default_project_id != "" ? var.default_project_id : var.organization_id
}

output "application_id" {
  value = scaleway_iam_application.cloudcensus.id
}

output "access_key" {
  value = var.create_api_key ? scaleway_iam_api_key.cloudcensus[0].access_key : null
}

output "secret_key" {
  value     = var.create_api_key ? scaleway_iam_api_key.cloudcensus[0].secret_key : null
  sensitive = true
}
