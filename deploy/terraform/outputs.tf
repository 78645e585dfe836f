# The values the CD workflow needs as repository variables, and where the API answers.

output "public_url" {
  description = "Point your domain's DNS (CNAME/alias) here; PUBLIC_URL is https://<your domain>."
  value       = aws_lb.public.dns_name
}

output "aws_deploy_role_arn" {
  description = "Repository variable AWS_DEPLOY_ROLE_ARN."
  value       = aws_iam_role.github_deploy.arn
}

output "ecr_repository_url" {
  description = "Repository variable ECR_REPOSITORY_URL."
  value       = aws_ecr_repository.conduit.repository_url
}

output "target_group_arn" {
  description = "Repository variable TARGET_GROUP_ARN."
  value       = aws_lb_target_group.hosts.arn
}

output "database_endpoint" {
  description = "RDS endpoint (reachable from the hosts only)."
  value       = aws_db_instance.main.address
}

output "objects_bucket" {
  description = "The application's S3 bucket."
  value       = aws_s3_bucket.objects.id
}
