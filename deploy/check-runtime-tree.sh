#!/bin/sh
# Checks the runtime image's file tree without a Docker engine: builds it from a clean export of HEAD exactly as
# the Dockerfile's build stage does (deploy/build-runtime.sh), then runs the end-to-end suite from that tree, so
# every service runs on production dependencies only, as in the image. Takes minutes (npm ci builds everything).
#   usage: deploy/check-runtime-tree.sh [WORKDIR]      (WORKDIR defaults to a new temporary directory)
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
work=${1:-$(mktemp -d)}
rm -rf "$work/src" "$work/out"
mkdir -p "$work/src"
git -C "$root" archive HEAD | tar -x -C "$work/src"
sh "$work/src/deploy/build-runtime.sh" "$work/src" "$work/out"
# The suite is not part of the image: bring its compiled files along and run it against the image's tree.
cp -a "$work/src/dist/e2e" "$work/out/dist/e2e"
cd "$work/out"
node --test --test-reporter=spec dist/e2e/*.test.js
echo "check-runtime-tree: the end-to-end suite passed on the runtime tree in $work/out ($(du -sh . | cut -f1))"
