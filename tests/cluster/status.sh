#!/usr/bin/env bash
# Reports each component (PID, alive or not), API readiness and the nodes.
# Exit status 0 only if every component runs and the API server is ready,
# so scripts can use it as a health check (-q: no output).
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

quiet=0
[ "${1:-}" = "-q" ] && quiet=1
say() { [ $quiet = 1 ] || printf '%s\n' "$*"; }

ok=0
say "RUN=$RUN"
for c in "${COMPONENTS[@]}"; do
  if pid=$(pid_of "$c"); then say "  $c: running (pid $pid)"
  elif [ -f "$RUN/$c.pid" ]; then say "  $c: NOT running (stale pid file)"; ok=1
  else say "  $c: not running"; ok=1; fi
done
if apiserver_ready; then
  say "  api: ready at https://127.0.0.1:$APISERVER_PORT  KUBECONFIG=$KUBECONFIG_ADMIN"
  if [ $quiet = 0 ]; then
    "$(bin_dir)/kubectl" --kubeconfig="$KUBECONFIG_ADMIN" get nodes -L topology.kubernetes.io/zone 2>&1 | sed 's/^/  /'
  fi
else
  say "  api: not ready"; ok=1
fi
exit $ok
