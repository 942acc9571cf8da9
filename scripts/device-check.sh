#!/usr/bin/env bash
# The cuda backend's GPU check: build the CUDA addon in place with nvcc, run the kernel conformance suite and the
# cuda tests (cuda against ts, bit for bit), run the cuda benchmark (against cuBLAS fp32 GEMM in the same run), and
# leave logs and bench JSON under $OUT. See docs/cuda.md.
#
#   scripts/device-check.sh prepare   on the development machine (no GPU needed): compiles the TypeScript and packs
#                                     what a bare GPU machine lacks (Node itself, Node-API headers, node-addon-api,
#                                     a prebuilt addon as fallback) into .build/device-cuda (git-ignored, ~30 MB).
#   scripts/device-check.sh           on the GPU machine, from the repository root, with .build/device-cuda carried
#                                     over; no network and no node_modules needed. Runs in about 2 minutes.
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
BUNDLE=.build/device-cuda

prepare() {
  set -e
  mkdir -p "$BUNDLE"
  echo "[prepare] compiling the TypeScript into $BUNDLE/dist (errors in files being edited elsewhere do not stop the emit)"
  rm -rf "$BUNDLE/dist"
  npx tsc -p tsconfig.json --outDir "$BUNDLE/dist.full" --tsBuildInfoFile "$BUNDLE/dist.full/.tsbuildinfo" >/dev/null || true
  test -f "$BUNDLE/dist.full/libs/kernels/src/cuda/cuda.bench.js" || { echo "tsc emitted nothing"; exit 1; }
  # Only what the kernel tests and the benchmark load travels.
  mkdir -p "$BUNDLE/dist/libs"
  cp -r "$BUNDLE/dist.full/libs/core" "$BUNDLE/dist.full/libs/kernels" "$BUNDLE/dist/libs/"
  cp -r "$BUNDLE/dist.full/bench" "$BUNDLE/dist/"
  find "$BUNDLE/dist" -name '*.map' -delete
  echo "[prepare] Node-API and node-addon-api headers"
  local nodeinc
  for nodeinc in "${npm_config_nodedir:-/usr}/include/node" /usr/include/node /usr/local/include/node "$(dirname "$(command -v node)")/../include/node"; do
    [ -f "$nodeinc/node_api.h" ] && break
  done
  mkdir -p "$BUNDLE/node-include" "$BUNDLE/node-addon-api"
  cp "$nodeinc"/{node_api.h,node_api_types.h,js_native_api.h,js_native_api_types.h} "$BUNDLE/node-include/"
  cp node_modules/node-addon-api/napi*.h "$BUNDLE/node-addon-api/"
  echo "[prepare] prebuilt addon (used only if the build on the GPU machine fails)"
  node libs/kernels/native/cuda/build.js
  cp libs/kernels/native/cuda/build/Release/bitplane_cuda.node "$BUNDLE/"
  # The GPU machine's image may have no Node: carry this one (a static-enough official build), compressed.
  local version
  version=$(node --version)
  if [ "$(cat "$BUNDLE/node.version" 2>/dev/null)" != "$version" ] || [ ! -f "$BUNDLE/node.xz" ]; then
    echo "[prepare] compressing $(command -v node) ($version) with xz (a few minutes on 2 cores)"
    xz -T2 -6 -c "$(readlink -f "$(command -v node)")" >"$BUNDLE/node.xz.tmp"
    mv "$BUNDLE/node.xz.tmp" "$BUNDLE/node.xz"
    echo "$version" >"$BUNDLE/node.version"
  fi
  rm -rf "$BUNDLE/dist.full"
  du -sh "$BUNDLE"
  echo "[prepare] done. On the GPU machine run, from the repository root, with carry [\"$BUNDLE\"]:"
  echo "  bash scripts/device-check.sh"
}

# A Node >= 20 to run with (the test runner uses --test-concurrency): the machine's own, else the carried one.
find_node() {
  if command -v node >/dev/null 2>&1 && node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 20 ? 0 : 1)'; then
    command -v node
    return
  fi
  local dir=/tmp/bitplane-node
  mkdir -p "$dir"
  if [ ! -x "$dir/node" ]; then
    if command -v xz >/dev/null 2>&1; then
      xz -dc "$BUNDLE/node.xz" >"$dir/node"
    else
      python3 -c 'import lzma, shutil, sys; shutil.copyfileobj(lzma.open(sys.argv[1]), open(sys.argv[2], "wb"))' "$BUNDLE/node.xz" "$dir/node"
    fi
    chmod +x "$dir/node"
  fi
  echo "$dir/node"
}

check() {
  OUT=${OUT:-$ROOT/device-out}
  mkdir -p "$OUT"
  exec > >(tee "$OUT/device-check.log") 2>&1
  local started=$SECONDS status=0
  [ -d "$BUNDLE/dist" ] || { echo "missing $BUNDLE: run 'scripts/device-check.sh prepare' here first and carry $BUNDLE"; exit 2; }

  echo "== GPU"
  nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm --format=csv | tee "$OUT/gpu.csv" || echo "nvidia-smi failed"
  command -v nvcc && nvcc --version | tail -2

  echo "== Node"
  NODE=$(find_node) || { echo "no usable node"; exit 2; }
  "$NODE" --version || exit 2

  echo "== build the CUDA addon in place ($(( SECONDS - started )) s)"
  if ! BITPLANE_NODE_HEADERS=$BUNDLE/node-include BITPLANE_NODE_ADDON_API=$BUNDLE/node-addon-api \
      timeout 300 "$NODE" libs/kernels/native/cuda/build.js --force >"$OUT/build.log" 2>&1; then
    tail -20 "$OUT/build.log"
    echo "BUILD FAILED on the GPU machine; falling back to the addon built by 'prepare'"
    mkdir -p libs/kernels/native/cuda/build/Release
    cp "$BUNDLE/bitplane_cuda.node" libs/kernels/native/cuda/build/Release/
    status=1
  fi
  grep -E '^\[cuda\] (nvcc /|built|this nvcc)|ptxas warning' "$OUT/build.log" || true

  echo "== tests: kernel conformance (every available backend against ts) and the cuda tests ($(( SECONDS - started )) s)"
  if ! BITPLANE_DIST=$BUNDLE/dist timeout 300 "$NODE" scripts/run-tests.js libs/kernels/src/conformance libs/kernels/src/cuda/ >"$OUT/tests.log" 2>&1; then
    status=1
    echo "TESTS FAILED"
  fi
  grep -E '^(ℹ|✖)|seed|not ok|skipped|# cuda' "$OUT/tests.log" | head -40

  echo "== benchmark ($(( SECONDS - started )) s)"
  if BITPLANE_BENCH_REPEATS=${BITPLANE_BENCH_REPEATS:-10} timeout 300 "$NODE" --max-old-space-size=8192 "$BUNDLE/dist/libs/kernels/src/cuda/cuda.bench.js"; then
    cp bench-results/cuda.json "$OUT/cuda-bench.json"
  else
    status=1
    echo "BENCHMARK FAILED"
  fi

  echo "== done in $(( SECONDS - started )) s, status $status; files in $OUT: $(ls "$OUT" | tr '\n' ' ')"
  exit $status
}

case "${1:-check}" in
  prepare) prepare ;;
  check) check ;;
  *) echo "usage: scripts/device-check.sh [prepare|check]"; exit 2 ;;
esac
