#!/usr/bin/env bash
# Fetch the kubectl of Debian's `kubernetes-client` package (1.20) into .tmp/kubectl/ without installing it, for
# __tests__/integration/kubectl.test.ts. Prints the binary's path. Idempotent: does nothing if the binary exists.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
target="$repo_root/.tmp/kubectl"
binary="$target/usr/bin/kubectl"

if [[ -x "$binary" ]]; then
  echo "$binary"
  exit 0
fi

# A fresh container has empty package lists; update only then, so repeated runs stay offline.
if ! apt-cache show kubernetes-client >/dev/null 2>&1; then
  apt-get update -qq >&2
fi

download_dir="$(mktemp -d)"
trap 'rm -rf "$download_dir"' EXIT
# `apt-get download` writes into the current directory; _apt must be able to write there when run as root.
chmod 777 "$download_dir"
(cd "$download_dir" && apt-get download -qq kubernetes-client >&2)

mkdir -p "$target"
dpkg -x "$download_dir"/kubernetes-client_*.deb "$target"
echo "$binary"
