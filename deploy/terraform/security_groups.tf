# Who may talk to whom: the internet → load balancer (80/443) → hosts (80, Nginx) → database
# (5432). Nothing else is open; there is no SSH anywhere (SSM Session Manager instead).

resource "aws_security_group" "load_balancer" {
  name        = "${local.name}-load-balancer"
  description = "Public entry: HTTP (redirected) and HTTPS from anywhere"
  vpc_id      = aws_vpc.main.id
}

resource "aws_vpc_security_group_ingress_rule" "load_balancer_https" {
  security_group_id = aws_security_group.load_balancer.id
  description       = "HTTPS from the internet"
  cidr_ipv4         = "0.0.0.0/0"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
}

resource "aws_vpc_security_group_ingress_rule" "load_balancer_http" {
  #checkov:skip=CKV_AWS_260:Port 80 on the public load balancer only answers with a 301 to HTTPS (listener http_redirect); nothing is served over plain HTTP.
  security_group_id = aws_security_group.load_balancer.id
  description       = "HTTP from the internet, only ever answered with a redirect to HTTPS"
  cidr_ipv4         = "0.0.0.0/0"
  ip_protocol       = "tcp"
  from_port         = 80
  to_port           = 80
}

resource "aws_vpc_security_group_egress_rule" "load_balancer_to_hosts" {
  security_group_id            = aws_security_group.load_balancer.id
  description                  = "To Nginx on the hosts"
  referenced_security_group_id = aws_security_group.hosts.id
  ip_protocol                  = "tcp"
  from_port                    = 80
  to_port                      = 80
}

resource "aws_security_group" "hosts" {
  name        = "${local.name}-hosts"
  description = "EC2 hosts: Nginx reachable from the load balancer only"
  vpc_id      = aws_vpc.main.id
}

resource "aws_vpc_security_group_ingress_rule" "hosts_from_load_balancer" {
  #checkov:skip=CKV_AWS_260:The source is the load balancer's security group, not 0.0.0.0/0; checkov reads a rule without a CIDR as open to all.
  security_group_id            = aws_security_group.hosts.id
  description                  = "Nginx, from the load balancer"
  referenced_security_group_id = aws_security_group.load_balancer.id
  ip_protocol                  = "tcp"
  from_port                    = 80
  to_port                      = 80
}

resource "aws_vpc_security_group_egress_rule" "hosts_https" {
  security_group_id = aws_security_group.hosts.id
  description       = "HTTPS out through NAT: ECR, SSM, S3, package mirrors"
  cidr_ipv4         = "0.0.0.0/0"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
}

resource "aws_vpc_security_group_egress_rule" "hosts_to_database" {
  security_group_id            = aws_security_group.hosts.id
  description                  = "PostgreSQL on RDS"
  referenced_security_group_id = aws_security_group.database.id
  ip_protocol                  = "tcp"
  from_port                    = 5432
  to_port                      = 5432
}

resource "aws_security_group" "database" {
  name        = "${local.name}-database"
  description = "RDS: PostgreSQL from the hosts only"
  vpc_id      = aws_vpc.main.id
}

resource "aws_vpc_security_group_ingress_rule" "database_from_hosts" {
  security_group_id            = aws_security_group.database.id
  description                  = "PostgreSQL, from the app hosts"
  referenced_security_group_id = aws_security_group.hosts.id
  ip_protocol                  = "tcp"
  from_port                    = 5432
  to_port                      = 5432
}
