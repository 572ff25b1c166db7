#!/bin/sh
# pxeprov validate vs ansible-playbook --syntax-check, cold processes, median of N runs (default 10), plus
# `pxeprov --help`. Prints wall-clock and CPU (user+sys) medians: on a shared machine CPU time is the steadier
# measure. Needs GNU time (/usr/bin/time) and a build (npm run build). Usage: sh bench/validate.sh [RUNS]
# The playbook under bench/ansible/ uses only modules both tools have, so both read the same files.
set -eu
cd "$(dirname "$0")/.."
RUNS=${1:-10}
PXEPROV=bin/pxeprov   # the command npm links
INV=bench/ansible/inventory.yaml
PLAY=bench/ansible/site.yaml
OUT=$(mktemp)
# The example inventory's ISO is a placeholder, and validate checks that a local ISO exists: stand one in.
ISO=$(mktemp --suffix=.iso)
MEDIA="{\"media_isos\": [{\"name\": \"centos7\", \"iso\": \"$ISO\"}]}"
trap 'rm -f "$OUT" "$ISO"' EXIT

# measure CMD...: run CMD $RUNS times, print "WALL_MS CPU_MS" medians.
measure() {
  : >"$OUT"
  i=0
  while [ "$i" -lt "$RUNS" ]; do
    /usr/bin/time -a -o "$OUT" -f '%e %U %S' "$@" >/dev/null 2>&1 || { echo "failed: $*" >&2; exit 1; }
    i=$((i + 1))
  done
  wall=$(awk '{print int($1 * 1000)}' "$OUT" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
  cpu=$(awk '{print int(($2 + $3) * 1000)}' "$OUT" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
  echo "$wall $cpu"
}

# One warm-up each: the page cache, and pxeprov's cache of parsed files (~/.cache/pxeprov) as on any later run.
$PXEPROV validate "$INV" -p "$PLAY" >/dev/null
ansible-playbook --syntax-check -i "$INV" "$PLAY" >/dev/null 2>&1

row() { printf '%-44s %6s %6s\n' "$1" "$2" "$3"; }
set -- $(measure node -e 0); row 'node -e 0' "$1" "$2"
if [ -n "${NODE_EXTRA_CA_CERTS-}" ]; then
  # Node parses this bundle at every start; bin/pxeprov defers it (see there). Shown so the figures add up.
  set -- $(measure env -u NODE_EXTRA_CA_CERTS node -e 0); row 'node -e 0, without NODE_EXTRA_CA_CERTS' "$1" "$2"
  set -- $(measure node bin/run.js validate "$INV" -p "$PLAY"); row 'node bin/run.js validate (loads the CA bundle)' "$1" "$2"
fi
set -- $(measure $PXEPROV validate "$INV" -p "$PLAY"); pw=$1; pc=$2; row 'pxeprov validate (74 tasks, 9 roles)' "$1" "$2"
set -- $(measure ansible-playbook --syntax-check -i "$INV" "$PLAY"); aw=$1; ac=$2; row 'ansible-playbook --syntax-check (same files)' "$1" "$2"
set -- $(measure env PXEPROV_CACHE=0 $PXEPROV validate "$INV" -p "$PLAY"); row 'pxeprov validate, cache off (PXEPROV_CACHE=0)' "$1" "$2"
set -- $(measure $PXEPROV --help); row 'pxeprov --help' "$1" "$2"
if [ -f playbooks/pxe-server.yaml ] && [ -f inventory/example.yaml ] && $PXEPROV validate inventory/example.yaml -e "$MEDIA" --vault-password-file inventory/example-vault-password.txt >/dev/null 2>&1; then
  set -- $(measure $PXEPROV validate inventory/example.yaml -e "$MEDIA" --vault-password-file inventory/example-vault-password.txt); row 'pxeprov validate playbooks/pxe-server.yaml' "$1" "$2"
fi
awk -v aw="$aw" -v pw="$pw" -v ac="$ac" -v pc="$pc" 'BEGIN {printf "ratio ansible / pxeprov: wall %.2fx, cpu %.2fx\n", aw / pw, ac / pc}'
echo "(medians of $RUNS runs, ms: wall, cpu; load average: $(cut -d' ' -f1-3 /proc/loadavg))"
