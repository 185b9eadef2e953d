# cloudcensus read-only access on AWS, as Terraform.
#
# Two parts, both from policy.json (the same policy the StackSet template embeds, checked
# against a real scan by the test suite):
# - `aws_iam_role.read`: the role the agent assumes in a member account (statement
#   ReadResources). Apply this module once per account, e.g. with one provider alias per
#   account, or use stackset.yaml to reach every account of the organisation at once.
# - `aws_iam_policy.agent`: attach to the identity the agent runs as (in the management or
#   delegated administrator account): Organizations reads, sts:AssumeRole, and the same
#   reads for the account it runs in.

terraform {
  required_version = ">= 1.5"
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.0"
    }
  }
}

variable "role_name" {
  description = "Name of the role the agent assumes (the agent's providers.aws.role_name)."
  type        = string
  default     = "CloudCensusReadOnly"
}

variable "agent_principal_arn" {
  description = "ARN of the identity the agent runs as; the only principal trusted by the role."
  type        = string
}

variable "external_id" {
  description = "Optional external id the agent presents (providers.aws.external_id)."
  type        = string
  default     = ""
  sensitive   = true
}

locals {
  policy     = jsondecode(file("${path.module}/policy.json"))
  statements = { for s in local.policy.Statement : s.Sid => s }
}

data "aws_iam_policy_document" "trust" {
  statement {
    effect  = "Allow"
    actions = ["sts:AssumeRole"]
    principals {
      type        = "AWS"
      identifiers = [var.agent_principal_arn]
    }
    dynamic "condition" {
      for_each = var.external_id == "" ? [] : [var.external_id]
      content {
        test     = "StringEquals"
        variable = "sts:ExternalId"
        values   = [condition.value]
      }
    }
  }
}

resource "aws_iam_role" "read" {
  name                 = var.role_name
  description          = "cloudcensus inventory and policy scanner (read only)"
  assume_role_policy   = data.aws_iam_policy_document.trust.json
  max_session_duration = 3600
}

resource "aws_iam_role_policy" "read" {
  name = "cloudcensus-read"
  role = aws_iam_role.read.id
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [local.statements["ReadResources"]]
  })
}

resource "aws_iam_policy" "agent" {
  name        = "cloudcensus-agent"
  description = "cloudcensus agent identity: Organizations reads, AssumeRole, own-account reads"
  policy      = file("${path.module}/policy.json")
}

output "role_arn" {
  value = aws_iam_role.read.arn
}

output "agent_policy_arn" {
  value = aws_iam_policy.agent.arn
}
