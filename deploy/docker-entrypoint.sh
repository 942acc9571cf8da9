#!/bin/sh
# Entrypoint of the bitplane image: the first argument picks the role, the rest go to its `bitplane` command.
# `exec` makes the service the process tini signals, so SIGTERM reaches it and it drains before exiting.
set -eu

# The CLI beside this script (/app/bin/bitplane.js in the image); BITPLANE_CLI points elsewhere (tests, dev trees).
CLI="${BITPLANE_CLI:-$(dirname "$0")/../bin/bitplane.js}"

usage() {
  cat >&2 <<USAGE
usage: <image> ROLE [ARGS...]
  inference [ARGS]   bitplane serve: KServe V2 gRPC :8001, REST :8000, metrics :8002
  training  [ARGS]   bitplane training-service: gRPC :8011, metrics :8012 (needs REDIS_URL)
  worker    [ARGS]   bitplane worker: runs queued training jobs (needs REDIS_URL)
  bitplane  [ARGS]   any other bitplane command, e.g. 'bitplane models ls'
USAGE
}

if [ $# -eq 0 ]; then
  usage
  exit 64
fi
role="$1"
shift
case "$role" in
  inference) exec node "$CLI" serve "$@" ;;
  training) exec node "$CLI" training-service "$@" ;;
  worker) exec node "$CLI" worker "$@" ;;
  bitplane) exec node "$CLI" "$@" ;;
  -h | --help | help)
    usage
    exit 0
    ;;
  *)
    echo "unknown role '$role'" >&2
    usage
    exit 64
    ;;
esac
