variable "region" {
  description = "AWS region to deploy into."
  type        = string
  default     = "eu-west-1"
}

variable "availability_zones" {
  description = "The two availability zones to spread over (in var.region)."
  type        = list(string)
  default     = ["eu-west-1a", "eu-west-1b"]
  validation {
    condition     = length(var.availability_zones) == 2
    error_message = "Name exactly two availability zones."
  }
}

variable "vpc_cidr" {
  description = "Address range of the VPC; subnets are carved out of it."
  type        = string
  default     = "10.20.0.0/16"
}

variable "certificate_arn" {
  description = "ACM certificate for the public HTTPS listener (your API's domain)."
  type        = string
}

variable "github_repository" {
  description = "owner/name of the GitHub repository whose CD workflow may deploy."
  type        = string
}

variable "app_hosts" {
  description = "Number of EC2 hosts (each runs Nginx and app_replicas_per_host replicas)."
  type        = number
  default     = 2
}

variable "app_replicas_per_host" {
  description = "App containers per host behind that host's Nginx."
  type        = number
  default     = 3
}

variable "instance_type" {
  description = "EC2 instance type of the hosts."
  type        = string
  default     = "t3.small"
}

variable "db_instance_class" {
  description = "RDS instance class."
  type        = string
  default     = "db.t4g.small"
}

variable "db_multi_az" {
  description = "Run RDS with a synchronous standby in the second availability zone (automatic failover)."
  type        = bool
  default     = true
}

variable "db_allocated_storage" {
  description = "RDS storage in GiB (grows automatically up to ten times this)."
  type        = number
  default     = 20
}
