# The hosts: an Auto Scaling group of EC2 instances in the private subnets, each running Nginx and
# the app replicas with docker compose. No SSH key, no public address: operators use SSM Session
# Manager, deploys use SSM Run Command (deploy/rolling-deploy.sh).

data "aws_ssm_parameter" "al2023" {
  name = "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64"
}

resource "aws_launch_template" "host" {
  #checkov:skip=CKV_AWS_341:Conduit runs in a container on the host and reads the instance role's credentials itself (S3 uploads); a container is a second hop. IMDSv2 tokens stay required.
  name_prefix   = "${local.name}-host-"
  image_id      = data.aws_ssm_parameter.al2023.value
  instance_type = var.instance_type
  ebs_optimized = true

  iam_instance_profile {
    arn = aws_iam_instance_profile.host.arn
  }

  vpc_security_group_ids = [aws_security_group.hosts.id]

  # IMDSv2 only. Two hops: Conduit runs in a container on Docker's bridge network, one hop
  # beyond the host, and must fetch the instance role's credentials itself (S3 uploads, through
  # the standard AWS chain: no keys in any configuration). With one hop the token response never
  # reaches the container. The role allows only what iam_hosts.tf lists.
  metadata_options {
    http_endpoint               = "enabled"
    http_tokens                 = "required"
    http_put_response_hop_limit = 2
  }

  monitoring {
    enabled = true
  }

  block_device_mappings {
    device_name = "/dev/xvda"
    ebs {
      volume_size           = 30
      volume_type           = "gp3"
      encrypted             = true
      kms_key_id            = aws_kms_key.conduit.arn
      delete_on_termination = true
    }
  }

  user_data = base64encode(templatefile("${path.module}/host-user-data.sh.tftpl", {
    region          = var.region
    compose_file    = file("${path.module}/../../docker/compose.yml")
    nginx_conf      = file("${path.module}/../../nginx.conf")
    update_script   = file("${path.module}/../host-update.sh")
    image_parameter = aws_ssm_parameter.image.name
    jwt_parameter   = aws_ssm_parameter.jwt_secret.name
    db_secret_arn   = aws_db_instance.main.master_user_secret[0].secret_arn
    db_host         = aws_db_instance.main.address
    replicas        = var.app_replicas_per_host
    uploads_url     = "s3://${aws_s3_bucket.objects.id}/${local.uploads_prefix}"
  }))

  tag_specifications {
    resource_type = "instance"
    tags          = { Name = "${local.name}-host", Role = "conduit-host" }
  }
}

resource "aws_autoscaling_group" "hosts" {
  name                      = "${local.name}-hosts"
  min_size                  = var.app_hosts
  max_size                  = var.app_hosts * 2
  desired_capacity          = var.app_hosts
  vpc_zone_identifier       = aws_subnet.app[*].id
  target_group_arns         = [aws_lb_target_group.hosts.arn]
  health_check_type         = "ELB"
  health_check_grace_period = 120

  launch_template {
    id      = aws_launch_template.host.id
    version = "$Latest"
  }

  instance_refresh {
    strategy = "Rolling"
    preferences {
      min_healthy_percentage = 50
    }
  }

  tag {
    key                 = "Role"
    value               = "conduit-host"
    propagate_at_launch = true
  }
}

# The image the hosts run; CD updates it after each successful rollout, new hosts start from it.
resource "aws_ssm_parameter" "image" {
  name   = "/conduit/image"
  type   = "SecureString"
  key_id = aws_kms_key.conduit.arn
  value  = "${aws_ecr_repository.conduit.repository_url}:bootstrap"

  lifecycle {
    ignore_changes = [value]
  }
}

resource "random_password" "jwt_secret" {
  length  = 64
  special = false
}

# The token secret every replica shares.
resource "aws_ssm_parameter" "jwt_secret" {
  name   = "/conduit/jwt-secret"
  type   = "SecureString"
  key_id = aws_kms_key.conduit.arn
  value  = random_password.jwt_secret.result
}

resource "aws_cloudwatch_log_group" "app" {
  name              = "/conduit/app"
  retention_in_days = 365
  kms_key_id        = aws_kms_key.conduit.arn
}
