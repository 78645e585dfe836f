# Conduit on AWS: a VPC over two availability zones, a public Application Load Balancer (the only
# thing reachable from the internet, 80/443), EC2 hosts in private subnets running Nginx + the
# app replicas (docker/compose.yml), RDS PostgreSQL reachable only from the hosts, an S3 bucket,
# an ECR repository, and the role GitHub Actions assumes through OIDC to deploy.
#
# See docs/DEPLOY.md for the walk-through. Checked statically by deploy/static-checks.sh
# (checkov); every finding that is accepted is justified next to the resource.

terraform {
  required_version = ">= 1.6"
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.80"
    }
    random = {
      source  = "hashicorp/random"
      version = "~> 3.6"
    }
  }
}

provider "aws" {
  region = var.region
  default_tags {
    tags = {
      Project   = "conduit"
      ManagedBy = "terraform"
    }
  }
}

data "aws_caller_identity" "current" {}

# The two zones, named explicitly so the layout never changes when AWS adds a zone.
data "aws_availability_zones" "available" {
  state = "available"
  filter {
    name   = "zone-name"
    values = var.availability_zones
  }
}

locals {
  name       = "conduit"
  account_id = data.aws_caller_identity.current.account_id
  azs        = data.aws_availability_zones.available.names

  # Where image uploads go in the objects bucket (UPLOADS_URL); the hosts' role is limited to it.
  uploads_prefix = "uploads"
}
