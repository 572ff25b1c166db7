#!/usr/bin/env bash
# Lab timings, medians of RUNS (default 3) runs; needs root and the lab's Debian packages (.ci/packages.txt).
set -euo pipefail
cd "$(dirname "$0")/.."
exec node --import tsx bench/lab-bench.ts
