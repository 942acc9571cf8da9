#!/bin/sh
# The Dockerfile's build stage, as one script (deploy/check-runtime-tree.sh runs the same steps without Docker):
# npm ci (which runs `prepare`: the native addons, then tsc), drop the devDependencies, stage the runtime tree into
# OUT, move the production node_modules there and shrink it.
#   usage: build-runtime.sh SRC OUT
set -eu
if [ $# -ne 2 ]; then
  echo "usage: $0 SRC OUT" >&2
  exit 64
fi
src=$(cd "$1" && pwd)
out=$2
here=$(cd "$(dirname "$0")" && pwd)
cd "$src"
npm ci --no-audit --no-fund
npm prune --omit=dev --no-audit --no-fund
sh "$here/stage-runtime.sh" "$src" "$out"
rm -rf "$out/node_modules"
mv node_modules "$out/node_modules"
sh "$here/prune-node-modules.sh" "$out/node_modules"
