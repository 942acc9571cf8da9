#!/bin/sh
# Copies what the runtime image needs from a built source tree into OUT (the Dockerfile's build stage runs it; a
# test runs it too): package.json, the CLI launcher, the compiled JavaScript without tests, the non-TypeScript assets
# that code finds with fromRoot() (protos, the ONNX schema, RTL blocks), the entrypoint and the built native addons.
# node_modules is not copied here: the Dockerfile copies the pruned production tree itself.
#   usage: stage-runtime.sh SRC OUT [DIST]     (DIST defaults to SRC/dist)
set -eu
if [ $# -lt 2 ]; then
  echo "usage: $0 SRC OUT [DIST]" >&2
  exit 64
fi
src=$1
out=$2
dist=${3:-$src/dist}
[ -f "$dist/bin/main.js" ] || { echo "stage-runtime: $dist/bin/main.js missing: build the TypeScript first" >&2; exit 1; }

mkdir -p "$out/bin" "$out/dist" "$out/deploy"
cp "$src/package.json" "$out/"
cp "$src/bin/bitplane.js" "$out/bin/"
cp "$src/deploy/docker-entrypoint.sh" "$out/deploy/"
chmod 0755 "$out/deploy/docker-entrypoint.sh"

# Compiled JavaScript; tests, benchmarks and the e2e suite stay behind.
(cd "$dist" && tar --exclude='*.test.js' --exclude='*.test.js.map' --exclude='*.bench.js' --exclude='*.bench.js.map' --exclude='./e2e' --exclude='./bench' --exclude='.tsbuildinfo' -cf - .) |
  (cd "$out/dist" && tar -xf -)

# Assets read at run time through fromRoot(): every non-TypeScript file under these folders.
assets=""
for d in proto exporters hardware; do [ -d "$src/$d" ] && assets="$assets $d"; done
if [ -n "$assets" ]; then
  # shellcheck disable=SC2086 # the folder list is meant to split
  (cd "$src" && tar --exclude='*.ts' --exclude='*/build' -cf - $assets) | (cd "$out" && tar -xf -)
fi

# Built native addons (cpu always; cuda where nvcc built it).
found=0
for f in "$src"/libs/kernels/native/*/build/Release/*.node; do
  [ -f "$f" ] || continue
  rel=${f#"$src"/}
  mkdir -p "$out/$(dirname "$rel")"
  cp "$f" "$out/$rel"
  found=$((found + 1))
done
echo "stage-runtime: staged $out ($found native addon(s))"
