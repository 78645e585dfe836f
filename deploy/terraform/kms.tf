# One customer-managed key for everything Conduit stores: disks, database, bucket, logs, images,
# parameters. Rotated yearly.
resource "aws_kms_key" "conduit" {
  description         = "Conduit data at rest"
  enable_key_rotation = true
  policy              = data.aws_iam_policy_document.kms.json
}

resource "aws_kms_alias" "conduit" {
  name          = "alias/${local.name}"
  target_key_id = aws_kms_key.conduit.key_id
}

data "aws_iam_policy_document" "kms" {
  #checkov:skip=CKV_AWS_111:In a key policy, Resource "*" means this key only; the account statement is AWS's default key policy, which hands control to IAM policies.
  #checkov:skip=CKV_AWS_356:Same: a key policy's "*" resource is the key itself.
  #checkov:skip=CKV_AWS_109:Same: permissions management of this key stays with the account's IAM administrators, as in AWS's default key policy.
  # The account administers the key through IAM policies (the default key policy).
  statement {
    sid       = "AccountAdministration"
    actions   = ["kms:*"]
    resources = ["*"]
    principals {
      type        = "AWS"
      identifiers = ["arn:aws:iam::${local.account_id}:root"]
    }
  }
  # CloudWatch Logs encrypts the flow-log and application log groups with it.
  statement {
    sid       = "CloudWatchLogs"
    actions   = ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"]
    resources = ["*"]
    principals {
      type        = "Service"
      identifiers = ["logs.${var.region}.amazonaws.com"]
    }
    condition {
      test     = "ArnLike"
      variable = "kms:EncryptionContext:aws:logs:arn"
      values   = ["arn:aws:logs:${var.region}:${local.account_id}:log-group:*"]
    }
  }
}
