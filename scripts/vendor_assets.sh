#!/usr/bin/env bash
# Re-fetch the committed CSS from the npm registry and check it against the registry's integrity hash.
set -euo pipefail
cd "$(dirname "$0")/.."
version=2.1.1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack "@picocss/pico@$version" --silent >/dev/null)
expected=$(npm view "@picocss/pico@$version" dist.integrity)
actual="sha512-$(openssl dgst -sha512 -binary "$tmp"/picocss-pico-$version.tgz | base64 -w0)"
[ "$expected" = "$actual" ] || { echo "integrity mismatch for pico $version" >&2; exit 1; }
tar -xzf "$tmp"/picocss-pico-$version.tgz -C "$tmp"
cp "$tmp/package/css/pico.min.css" "static/vendor/pico-$version.min.css"
echo "static/vendor/pico-$version.min.css refreshed (integrity $expected)"
