# cloudcensus read-only access on Azure, as Terraform: the same assignment as
# reader-assignment.json. The built-in Reader role for the agent's identity at one management
# group; every subscription below it inherits it. Reader authorises every call of a scan
# (reader-role.json, checked against a real scan by the test suite): no custom role.
#
# Use it as a module from a root configuration that configures the azurerm provider
# (`provider "azurerm" { features {} }`), signed in as someone who may assign roles at
# that management group (Owner or User Access Administrator there).

terraform {
  required_version = ">= 1.5"
  required_providers {
    azurerm = {
      source  = "hashicorp/azurerm"
      version = ">= 3.0"
    }
  }
}

variable "management_group_id" {
  description = "Id (name) of the management group holding the subscriptions to scan; the tenant id for the Tenant Root Group."
  type        = string
}

variable "principal_id" {
  description = "Object id of the agent's identity (service principal, managed identity or workload identity), not its client id."
  type        = string
}

variable "principal_type" {
  description = "ServicePrincipal (app registration, managed or workload identity), Group or User."
  type        = string
  default     = "ServicePrincipal"
  validation {
    condition     = contains(["ServicePrincipal", "Group", "User"], var.principal_type)
    error_message = "principal_type must be ServicePrincipal, Group or User."
  }
}

locals {
  reader_role_id = "acdd72a7-3385-48ef-bd42-f606fba81ae7"
  scope          = "/providers/Microsoft.Management/managementGroups/${var.management_group_id}"
}

# The role by its id, not its name: a custom role can never be mistaken for it.
data "azurerm_role_definition" "reader" {
  role_definition_id = local.reader_role_id
  scope              = local.scope

  lifecycle {
    postcondition {
      condition     = self.name == "Reader" && alltrue([for p in self.permissions : length(p.data_actions) == 0])
      error_message = "Role ${local.reader_role_id} is not the built-in Reader (control-plane reads only)."
    }
  }
}

resource "azurerm_role_assignment" "reader" {
  scope                = local.scope
  role_definition_name = data.azurerm_role_definition.reader.name
  principal_id         = var.principal_id
  principal_type       = var.principal_type
  description          = "cloudcensus inventory and policy scanner (read only)"
}

output "role_assignment_id" {
  value = azurerm_role_assignment.reader.id
}
