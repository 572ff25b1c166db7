#!/usr/bin/env bash
# The no-change run of playbooks/pxe-server.yaml on a converged lab host, and where its time goes:
#   node -e 0                         Node's own start
#   pxeprov check --list-hosts        pxeprov's start-up and its inputs loaded and checked: no connection
#   ssh HOST true                     OpenSSH connecting to the same host and running a command: the target's share
#   pxeprov check, pxeprov up         the no-change run
# Each RUNS times, interleaved (one of each per round, so that all see the same load); median wall and CPU
# (user + sys of the process and its children) seconds, and the load average at start and end.
# BEFORE=DIR (another checkout of pxeprov, built) adds its check and up to each round: before/after figures.
#
# Run as root from the repo root after `npm run build`:
#   bash bench/no-change.sh        RUNS=7 PREFIX=nchg by default; KEEP=1 keeps the lab and the temp dir
# The lab's DHCP server runs only inside the lab's namespaces; the bench removes its lab (lab down) at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-7}
PREFIX=${PREFIX:-nchg}
export BENCH_TMP=$(mktemp -d /tmp/pxeprov-bench-nochange.XXXXXX)
. bench/lib.sh
lab_bench "$PREFIX"

echo "lab host, then one converging up (untimed)..." >&2
$PX lab up --prefix "$PREFIX" --inventory "$INV" > "$BENCH_TMP/lab-up.log" 2>&1
$PX up "$INV" > "$BENCH_TMP/converge.log" 2>&1 || { tail -20 "$BENCH_TMP/converge.log" >&2; exit 1; }
address=$(sed -n 's/^ *ansible_host: *//p' "$INV" | head -1)
key=$(sed -n 's/^ *ansible_ssh_private_key_file: *//p' "$INV" | head -1)

declare -A CMDS=(
  [node]="node -e 0"
  [inputs]="$PX check $INV --list-hosts"
  [ssh]="ssh -q -o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -i $key root@$address true"
  [check]="$PX check $INV"
  [up]="$PX up $INV"
)
ORDER=(node inputs ssh check up)
if [ -n "${BEFORE:-}" ]; then
  CMDS[check-before]="$BEFORE/bin/pxeprov check $INV"
  CMDS[up-before]="$BEFORE/bin/pxeprov up $INV"
  ORDER+=(check-before up-before)
fi

MACHINE=$(machine_line)
for ((i = 1; i <= RUNS; i++)); do
  echo "  round $i/$RUNS" >&2
  for name in "${ORDER[@]}"; do
    # shellcheck disable=SC2086 # the command lines are split on purpose
    if ! /usr/bin/time -f '%e %U %S' -a -o "$BENCH_TMP/times/$name" ${CMDS[$name]} > "$BENCH_TMP/last.log" 2>&1; then
      echo "FAILED ($name): ${CMDS[$name]}" >&2
      tail -20 "$BENCH_TMP/last.log" >&2
      exit 1
    fi
  done
done

# med COLUMN FILE: the median of a column (1 wall, 4 user + sys)
med() {
  awk -v c="$1" '{v = (c == 4) ? $2 + $3 : $c; print v}' "$2" | sort -n |
    awk '{a[NR] = $1} END {m = (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2; printf "%.2f", m}'
}

echo "$MACHINE; at end: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "| what | wall (median) | CPU user+sys (median) | walls |"
echo "| --- | ---: | ---: | --- |"
for name in "${ORDER[@]}"; do
  f=$BENCH_TMP/times/$name
  echo "| $name: \`${CMDS[$name]//$BENCH_TMP\//}\` | $(med 1 "$f") | $(med 4 "$f") | $(awk '{printf "%s%s", (NR > 1 ? ", " : ""), $1}' "$f") |"
done
