#!/usr/bin/env bash
# Builds the RustFS server from the `rustfs` crate into a cache outside the repo, keyed by its
# version (tests/dataplane/versions.env). A second run finds the binary and returns at once.
#
#   tests/dataplane/build.sh          build (cold: hours on 2 cores; see docs/development.md)
#   tests/dataplane/build.sh bin      print the binary's path (exit 1 when it is not built)
#
# Needs cargo with a nightly toolchain (rustfs 1.0.1 declares rust-version 1.98.1) and protoc
# (Debian's protobuf-compiler). --locked: without it an incompatible pre-release of pkcs1 breaks the build.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source-path=SCRIPTDIR source=versions.env
. "$here/versions.env"
CACHE=${RUSTFS_CACHE:-$HOME/.cache/rustfs-operator}
ROOT=$CACHE/rustfs-$RUSTFS_VERSION
BIN=$ROOT/bin/rustfs

log() { printf '[dataplane %s] %s\n' "$(date +%H:%M:%S)" "$*"; }

if [ "${1:-}" = bin ]; then
  [ -x "$BIN" ] || { echo "rustfs $RUSTFS_VERSION is not built: run tests/dataplane/build.sh" >&2; exit 1; }
  echo "$BIN"; exit 0
fi
if [ -x "$BIN" ]; then log "rustfs $RUSTFS_VERSION cached: $BIN"; exit 0; fi
command -v protoc >/dev/null || { log "installing protoc"; apt-get install -y -q protobuf-compiler >/dev/null; }
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$CACHE/rustfs-build/target} RUSTUP_TOOLCHAIN=${RUSTUP_TOOLCHAIN:-nightly}
log "compiling rustfs $RUSTFS_VERSION (cold: hours on 2 cores; the target dir $CARGO_TARGET_DIR keeps partial work)"
start=$(date +%s)
cargo install rustfs --version "$RUSTFS_VERSION" --locked --ignore-rust-version --no-default-features \
  --root "$ROOT" ${CARGO_JOBS:+"-j$CARGO_JOBS"}
log "rustfs done in $(( $(date +%s) - start )) s: $("$BIN" --version 2>/dev/null | head -1)"
