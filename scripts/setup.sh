#!/usr/bin/env bash
# Sets up a fresh Debian machine with Node 20 for bitplane: the Debian packages the tests and demos use, then the
# npm packages (which also builds the native addons and the TypeScript). Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGES=(redis-server iverilog yosys verilator nextpnr-ice40 fpga-icestorm dataset-fashion-mnist libopenblas-dev docker-compose g++ make python3)
missing=()
for p in "${PACKAGES[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  echo "[setup] installing Debian packages: ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi
echo "[setup] npm ci"
npm ci --no-audit --no-fund
