#!/usr/bin/env bash
# Installed on every EC2 host as /opt/conduit/update.sh (by the launch template's user data) and
# run through SSM by deploy/rolling-deploy.sh: pull IMAGE from ECR and restart the replicas on it.
set -euo pipefail
image="${1:?usage: update.sh IMAGE}"
cd /opt/conduit
registry="${image%%/*}"
region="$(cut -d. -f4 <<<"$registry")"
aws ecr get-login-password --region "$region" | docker login --username AWS --password-stdin "$registry"
sed -i "s|^CONDUIT_IMAGE=.*|CONDUIT_IMAGE=$image|" .env
port="$(sed -n 's/^HTTP_PORT=//p' .env)"
# The database is RDS here, so the compose file's own PostgreSQL service is never started.
docker compose --env-file .env -f docker/compose.yml pull app
docker compose --env-file .env -f docker/compose.yml up -d --no-build --no-deps --remove-orphans app nginx
# Nginx resolves `app` to the replicas' addresses only when it loads its configuration, and the
# recreated replicas may have new addresses (with Podman they always do): a graceful reload makes
# it send to the new ones (deploy/podman/compose-test.py shows the same for a rolling restart).
# (Retried: right after the replicas start, the network's DNS may not list them yet.)
for _ in $(seq 1 10); do
  docker compose --env-file .env -f docker/compose.yml exec -T nginx nginx -s reload && break
  sleep 1
done
for _ in $(seq 1 30); do
  if curl -fsS "http://127.0.0.1:${port:-8080}/health/ready" >/dev/null; then exit 0; fi
  sleep 2
done
echo "the new containers did not become ready" >&2
exit 1
