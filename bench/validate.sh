#!/bin/sh
# pxeprov validate vs ansible-playbook --syntax-check, cold processes, median of N runs (default 10),
# plus `pxeprov --help`. Run from anywhere after `npm run build`: sh bench/validate.sh [RUNS]
# The playbook under bench/ansible/ uses only modules both tools have, so each reads the same files.
set -eu
cd "$(dirname "$0")/.."
RUNS=${1:-10}
PXEPROV=./bin/run.js
INV=bench/ansible/inventory.yaml
PLAY=bench/ansible/site.yaml

# median_ms CMD...: run CMD $RUNS times (output discarded), print the median wall time in ms.
median_ms() {
  i=0
  times=''
  while [ "$i" -lt "$RUNS" ]; do
    start=$(date +%s%N)
    "$@" >/dev/null 2>&1 || { echo "failed: $*" >&2; exit 1; }
    end=$(date +%s%N)
    times="$times $(( (end - start) / 1000000 ))"
    i=$((i + 1))
  done
  echo $times | tr ' ' '\n' | sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : int((a[NR/2] + a[NR/2+1]) / 2)}'
}

# One warm-up each: fills the page cache and pxeprov's compiled-schema cache, as on any second run.
$PXEPROV validate "$INV" -p "$PLAY" >/dev/null
ansible-playbook --syntax-check -i "$INV" "$PLAY" >/dev/null 2>&1

node0=$(median_ms node -e 0)
px=$(median_ms $PXEPROV validate "$INV" -p "$PLAY")
an=$(median_ms ansible-playbook --syntax-check -i "$INV" "$PLAY")
help=$(median_ms $PXEPROV --help)
echo "runs: $RUNS (median, ms)"
echo "node -e 0                               $node0"
echo "pxeprov validate (74 tasks, 9 roles)     $px"
echo "ansible-playbook --syntax-check          $an"
echo "pxeprov --help                           $help"
awk -v a="$an" -v p="$px" 'BEGIN {printf "ratio ansible / pxeprov validate        %.2fx\n", a / p}'
if [ -f playbooks/pxe-server.yaml ] && [ -f inventory/example.yaml ] && $PXEPROV validate inventory/example.yaml >/dev/null 2>&1; then
  echo "pxeprov validate playbooks/pxe-server.yaml $(median_ms $PXEPROV validate inventory/example.yaml)"
fi
