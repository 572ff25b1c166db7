# Shared helpers of the bench scripts (bash; sourced, not run).
# measure LABEL RUNS CMD...   runs CMD RUNS times (stdout to $BENCH_TMP/last.out, stderr to last.err, both to
#                             last.log), records wall seconds
#                             in $BENCH_TMP/times/LABEL; fails loudly if CMD exits non-zero.
#                             If the function `before_each` is set in $BEFORE_EACH, it runs untimed first.
# median LABEL                prints the median (seconds, 3 decimals) of LABEL's runs.
# runs LABEL                  prints LABEL's runs, comma-separated.
# lab_bench PREFIX            PX, INV and the EXIT trap of a bench on a lab host (below).
mkdir -p "$BENCH_TMP/times"

measure() {
  local label=$1 n=$2 i start end
  shift 2
  : > "$BENCH_TMP/times/$label"
  for ((i = 1; i <= n; i++)); do
    if [ -n "${BEFORE_EACH:-}" ]; then "$BEFORE_EACH" >> "$BENCH_TMP/prepare.log" 2>&1 || { echo "prepare failed for $label (see $BENCH_TMP/prepare.log)" >&2; exit 1; }; fi
    start=$(date +%s%N)
    if ! "$@" > "$BENCH_TMP/last.out" 2> "$BENCH_TMP/last.err"; then
      echo "FAILED ($label): $*" >&2
      tail -30 "$BENCH_TMP/last.out" "$BENCH_TMP/last.err" >&2
      exit 1
    fi
    end=$(date +%s%N)
    cat "$BENCH_TMP/last.out" "$BENCH_TMP/last.err" > "$BENCH_TMP/last.log"
    echo "$(( (end - start) / 1000000 ))" >> "$BENCH_TMP/times/$label"
    echo "  $label run $i/$n: $(( (end - start) / 1000000 )) ms" >&2
  done
}

median() {
  sort -n "$BENCH_TMP/times/$1" | awk '{a[NR]=$1} END {m = (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2; printf "%.3f", m / 1000}'
}

runs() {
  awk '{printf "%s%.2f", (NR > 1 ? ", " : ""), $1 / 1000}' "$BENCH_TMP/times/$1"
}

# ratio A B: A / B with one decimal
ratio() {
  awk -v a="$1" -v b="$2" 'BEGIN {printf "%.1fx", a / b}'
}

# row "what" PXEPROV_LABEL ANSIBLE_LABEL: one markdown table row, pxeprov vs ansible medians and the ratio
row() {
  local px an
  px=$(median "$2")
  an=$(median "$3")
  echo "| $1 | $px | $an | $(ratio "$an" "$px") | $(runs "$2") | $(runs "$3") |"
}

machine_line() {
  echo "$(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')), load average at start: $(cut -d' ' -f1-3 /proc/loadavg), $(node --version), $(ansible --version 2>/dev/null | sed -n 1p)"
}

# lab_bench PREFIX: the setup of a bench on a lab host (`pxeprov lab up --prefix PREFIX`): PX, INV (the lab's
# inventory in $BENCH_TMP), a check that pxeprov is built, and an EXIT trap that removes the lab and $BENCH_TMP
# unless KEEP is set. The bench itself runs `$PX lab up --prefix "$PREFIX" --inventory "$INV"`.
lab_bench() {
  PREFIX=$1
  PX=bin/pxeprov
  INV=$BENCH_TMP/lab.yaml
  [ -f dist/bundle/run.cjs ] || { echo "run npm run build first" >&2; exit 1; }
  trap lab_bench_cleanup EXIT
}

lab_bench_cleanup() {
  if [ -n "${KEEP:-}" ]; then echo "kept: lab $PREFIX, $BENCH_TMP" >&2; return; fi
  $PX lab down --prefix "$PREFIX" > /dev/null 2>&1 || true
  rm -rf "$BENCH_TMP"
}
