#!/usr/bin/env bash
# Re-vendors the GraphiQL playground's third-party files from the npm registry at the pinned
# versions below, checks each package against its pinned npm integrity, and rewrites the
# Subresource Integrity hashes in index.html. To upgrade: change a version, set its integrity
# to the one `npm view <package>@<version> dist.integrity` prints, run this, commit the result.
set -euo pipefail
cd "$(dirname "$0")"

packages=(
  "graphiql 4.0.3 sha512-/kSuorVA1qzP796/gckJzpsRveoIsm/1UJI5a8QnI1NLlXvI3ILxSHOB6P7T6rooV+CRU8HfcWItPmqyxPjC3g=="
  "react 18.3.1 sha512-wS+hAgJShR0KhEvPJArfuPVN1+Hz1t0Y6n5jLrGQbkb4urgPE/0Rve+1kMB1v/oWgHgm4WIcV+i7F2pTVj+2iQ=="
  "react-dom 18.3.1 sha512-5m4nQKp+rZRb09LNH59GM4BxTh9251/ylbKIbpe7TpGxfJ+9kv6BLkLBXIjjspbgbnIBNqlI23tRnTWT0snUIw=="
)

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for entry in "${packages[@]}"; do
  read -r name version integrity <<<"$entry"
  tarball=$(cd "$work" && npm pack --silent "$name@$version")
  actual="sha512-$(openssl dgst -sha512 -binary "$work/$tarball" | base64 -w0)"
  if [ "$actual" != "$integrity" ]; then
    echo "$name@$version: integrity $actual, expected $integrity" >&2
    exit 1
  fi
  mkdir -p "$work/$name"
  tar -xzf "$work/$tarball" -C "$work/$name"
done

cp "$work/graphiql/package/graphiql.min.js" "$work/graphiql/package/graphiql.min.css" .
cp "$work/graphiql/package/LICENSE" LICENSE.graphiql
cp "$work/react/package/umd/react.production.min.js" .
cp "$work/react-dom/package/umd/react-dom.production.min.js" .
cp "$work/react/package/LICENSE" LICENSE.react

python3 - <<'PY'
import base64, hashlib, re
page = open("index.html").read()
def sri(match):
    digest = hashlib.sha384(open(match.group(2), "rb").read()).digest()
    return f'{match.group(1)}{match.group(2)}" integrity="sha384-{base64.b64encode(digest).decode()}"'
page = re.sub(r'((?:src|href)="/graphql/assets/)([^"]+)" integrity="[^"]*"', sri, page)
open("index.html", "w").write(page)
PY
sha256sum graphiql.min.js graphiql.min.css react.production.min.js react-dom.production.min.js
