#!/bin/sh
# Shrinks a production node_modules for the runtime image without changing what runs: source maps go (debug
# only), and onnxruntime-node keeps only the native binaries of this OS and CPU (it ships macOS, Windows and
# other-architecture builds too, about 190 MB). The Dockerfile runs it after `npm prune --omit=dev`.
#   usage: prune-node-modules.sh NODE_MODULES_DIR
set -eu
if [ $# -ne 1 ] || [ ! -d "$1" ]; then
  echo "usage: $0 NODE_MODULES_DIR" >&2
  exit 64
fi
nm=$1
before=$(du -sk "$nm" | cut -f1)
find "$nm" -type f -name '*.map' -delete
# onnxruntime-node's layout: bin/napi-v*/<platform>/<arch>/ (platform as in process.platform, arch as process.arch).
platform=$(node -p process.platform)
arch=$(node -p process.arch)
for napi in "$nm"/onnxruntime-node/bin/napi-v*; do
  [ -d "$napi" ] || continue
  for p in "$napi"/*; do
    [ -d "$p" ] || continue
    if [ "$(basename "$p")" != "$platform" ]; then
      rm -rf "$p"
      continue
    fi
    for a in "$p"/*; do
      [ -d "$a" ] && [ "$(basename "$a")" != "$arch" ] && rm -rf "$a"
    done
  done
done
after=$(du -sk "$nm" | cut -f1)
echo "prune-node-modules: $nm $((before / 1024)) MB -> $((after / 1024)) MB (kept onnxruntime-node $platform/$arch)"
