#!/usr/bin/env bash
# galaxy-importer, the checks Galaxy runs when a collection is uploaded, on the
# tarball `ansible-galaxy collection build` makes from this checkout. Offline:
# no container and no ansible-test (`make sanity` runs it), ansible-lint with
# --offline, required tags checked. ansible-doc must load every plugin's docs;
# our modules import kubernetes.core, which the `ansible` package of the
# importer's venv provides (requirements-importer.txt).
#
# Fails when the importer fails or logs any ERROR or WARNING line.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
venv=${IMPORTER_VENV:-$repo/.venv/importer}
# Outside the checkout: the importer writes importer_result.json to its cwd.
work=${TMPDIR:-/tmp}/rustfs-operator-importer
[ -x "$venv/bin/python" ] || { echo "$venv missing: run 'make importer'" >&2; exit 1; }

rm -rf "$work"
mkdir -p "$work/tmp" "$work/ansible-tmp" "$work/home"
"$repo/.venv/bin/ansible-galaxy" collection build --force --output-path "$work" "$repo" >/dev/null
tarball=$(echo "$work"/rustfs-operator-*.tar.gz)
# ansible-lint resolves `import_playbook: rustfs.operator.install_crds` only through
# its collection cache, ~/.ansible/collections (the importer hands it a collections
# path ending in ansible_collections, which its playbook lookup does not expect).
# Put the tarball's own content there, as ansible-lint itself would for a checkout.
cache=$work/home/.ansible/collections/ansible_collections/rustfs/operator
mkdir -p "$cache"
tar -xzf "$tarball" -C "$cache"

cat > "$work/galaxy-importer.cfg" <<CFG
[galaxy-importer]
run_ansible_test = False
ansible_test_local_image = False
local_image_docker = False
run_ansible_doc = True
run_ansible_lint = True
offline_ansible_lint = True
run_flake8 = False
check_required_tags = True
check_changelog = True
tmp_root_dir = $work/tmp
ansible_local_tmp = $work/ansible-tmp
CFG

t0=$SECONDS
set +e
(
  cd "$work"
  # Only the importer's venv on PATH (it runs ansible-doc and ansible-lint from
  # there), no Ansible settings from the caller's environment, and a HOME of its
  # own: an older copy of rustfs.operator in the real ~/.ansible/collections
  # (Molecule installs one there) would shadow the tarball's.
  exec env -u ANSIBLE_CONFIG -u ANSIBLE_COLLECTIONS_PATH -u ANSIBLE_COLLECTIONS_PATHS \
    HOME="$work/home" \
    PATH="$venv/bin:/usr/local/bin:/usr/bin:/bin" \
    GALAXY_IMPORTER_CONFIG="$work/galaxy-importer.cfg" \
    "$venv/bin/python" -m galaxy_importer.main "$tarball"
) > "$work/importer.log" 2>&1
rc=$?
set -e

problems=$(grep -E '^(ERROR|WARNING|CRITICAL):|Traceback' "$work/importer.log" || true)
if [ "$rc" != 0 ] || [ -n "$problems" ] || [ ! -f "$work/importer_result.json" ]; then
  cat "$work/importer.log" >&2
  echo "galaxy-importer: FAILED (exit $rc) on ${tarball##*/}; log: $work/importer.log" >&2
  exit 1
fi
"$venv/bin/python" - "$work/importer_result.json" "$((SECONDS - t0))" <<'PY'
import collections, importlib.metadata, json, sys
result = json.load(open(sys.argv[1]))
kinds = collections.Counter(c["content_type"] for c in result["contents"])
meta = result["metadata"]
found = ", ".join(f"{n} {k}" for k, n in sorted(kinds.items()))
print(f"galaxy-importer {importlib.metadata.version('galaxy-importer')}: {meta['namespace']}.{meta['name']} "
      f"{meta['version']} imported in {sys.argv[2]} s, no errors or warnings ({found})")
PY
