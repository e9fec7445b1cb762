#!/usr/bin/env bash
# ansible-test sanity needs the collection under ansible_collections/<ns>/<name>.
# It checks what we ship: the tarball `ansible-galaxy collection build` makes from
# the working tree (tests, hack and dev files are left out by galaxy.yml), plus
# the sanity ignore file.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
venv=$repo/.venv
# Outside the checkout: inside it, git would report the copy as ignored and ansible-test
# would find no files to test.
root=${TMPDIR:-/tmp}/rustfs-operator-sanity
tree=$root/ansible_collections/rustfs/operator
"$repo/hack/ansible-test-offline-pip.sh" "$venv/bin/python" >/dev/null
rm -rf "$root"
mkdir -p "$tree"
"$venv/bin/ansible-galaxy" collection build --force --output-path "$root" "$repo" >/dev/null
tar -xzf "$root"/rustfs-operator-*.tar.gz -C "$tree"
mkdir -p "$tree/tests/sanity"
cp "$repo"/tests/sanity/ignore-*.txt "$tree/tests/sanity/" 2>/dev/null || true
cp "$repo/tests/config.yml" "$tree/tests/config.yml"
# Dependencies must sit beside the collection for ansible-test to resolve them.
mkdir -p "$root/ansible_collections/kubernetes"
cp -r "$("$venv/bin/python" -c 'import ansible_collections.kubernetes.core as m; print(m.__path__[0])')" \
  "$root/ansible_collections/kubernetes/core"
cd "$tree"
PATH=$venv/bin:$PATH exec "$venv/bin/ansible-test" sanity --venv --python 3.11 "$@"
