#!/usr/bin/env bash
# Rolling deploy of IMAGE to every EC2 host behind the load balancer, one host at a time, through
# SSM Run Command (no SSH): take the host out of the target group, update its containers, wait
# until the load balancer finds it healthy again, go on. Then a smoke test through the public
# URL. If any step fails, every host is rolled back to the previous image.
#
#   IMAGE=... TARGET_GROUP_ARN=... PUBLIC_URL=https://api.example.com deploy/rolling-deploy.sh IMAGE
#
# Used by .github/workflows/cd.yml with OIDC-assumed credentials; runs from a laptop as well.
set -euo pipefail

image="${1:?usage: rolling-deploy.sh IMAGE}"
: "${TARGET_GROUP_ARN:?set TARGET_GROUP_ARN}"
: "${PUBLIC_URL:?set PUBLIC_URL}"
PARAMETER="${IMAGE_PARAMETER:-/conduit/image}"

previous="$(aws ssm get-parameter --name "$PARAMETER" --query Parameter.Value --output text 2>/dev/null || true)"
read -r -a hosts <<<"$(aws elbv2 describe-target-health --target-group-arn "$TARGET_GROUP_ARN" \
  --query 'TargetHealthDescriptions[].Target.Id' --output text)"
[ "${#hosts[@]}" -gt 0 ] || { echo "no hosts in the target group" >&2; exit 1; }
echo "deploying $image to ${hosts[*]} (previous: ${previous:-none})"

update_host() {
  local host="$1" target_image="$2" command_id
  aws elbv2 deregister-targets --target-group-arn "$TARGET_GROUP_ARN" --targets "Id=$host"
  aws elbv2 wait target-deregistered --target-group-arn "$TARGET_GROUP_ARN" --targets "Id=$host"
  command_id="$(aws ssm send-command --instance-ids "$host" --document-name AWS-RunShellScript \
    --comment "conduit deploy" --parameters "commands=[\"/opt/conduit/update.sh $target_image\"]" \
    --query Command.CommandId --output text)"
  if ! aws ssm wait command-executed --command-id "$command_id" --instance-id "$host"; then
    aws ssm get-command-invocation --command-id "$command_id" --instance-id "$host" \
      --query '[Status, StandardErrorContent]' --output text >&2 || true
    return 1
  fi
  aws elbv2 register-targets --target-group-arn "$TARGET_GROUP_ARN" --targets "Id=$host"
  aws elbv2 wait target-in-service --target-group-arn "$TARGET_GROUP_ARN" --targets "Id=$host"
}

smoke_test() {
  curl -fsS --retry 5 --retry-delay 3 --retry-all-errors "$PUBLIC_URL/health/ready" >/dev/null &&
    curl -fsS "$PUBLIC_URL/api/tags" >/dev/null &&
    curl -fsS "$PUBLIC_URL/api/articles?limit=1" >/dev/null
}

rollback() {
  if [ -z "$previous" ]; then
    echo "deploy failed and there is no previous image to roll back to" >&2
    exit 1
  fi
  echo "deploy failed: rolling every host back to $previous" >&2
  for host in "${hosts[@]}"; do
    update_host "$host" "$previous" || echo "rollback of $host failed; check it by hand" >&2
  done
  exit 1
}

for host in "${hosts[@]}"; do
  echo "updating $host"
  update_host "$host" "$image" || rollback
done
smoke_test || rollback
aws ssm put-parameter --name "$PARAMETER" --type String --value "$image" --overwrite >/dev/null
echo "deployed $image"
