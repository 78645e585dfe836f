# The image registry. Tags are immutable: CD pushes sha-<commit> (and v* on tags), never a moving
# tag, so what runs is always exactly identifiable.
resource "aws_ecr_repository" "conduit" {
  name                 = local.name
  image_tag_mutability = "IMMUTABLE"

  image_scanning_configuration {
    scan_on_push = true
  }

  encryption_configuration {
    encryption_type = "KMS"
    kms_key         = aws_kms_key.conduit.arn
  }
}

resource "aws_ecr_lifecycle_policy" "conduit" {
  repository = aws_ecr_repository.conduit.name
  policy = jsonencode({
    rules = [{
      rulePriority = 1
      description  = "Keep the last 50 images"
      selection    = { tagStatus = "any", countType = "imageCountMoreThan", countNumber = 50 }
      action       = { type = "expire" }
    }]
  })
}
