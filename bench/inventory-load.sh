#!/bin/sh
# Loading a large YAML inventory: `pxeprov inventory FILE --list --json` vs `ansible-inventory -i FILE --list`
# on the same generated file (default 185,000 hosts in racks of 100, about 50 MB, each host with the
# variables a PXE inventory holds). pxeprov runs cold (PXEPROV_CACHE=0: the YAML is parsed) and warm (its
# cache of parsed files, written by one untimed run first, as on any later run). Prints wall-clock and CPU
# (user+sys) medians, the peak memory, and the ratios. Needs GNU time (/usr/bin/time) and a build (npm run
# build). Usage: HOSTS=185000 PER_RACK=100 RUNS=3 ANSIBLE_RUNS=1 sh bench/inventory-load.sh
# Ansible takes minutes per run on the full size; ANSIBLE_RUNS=0 skips it.
set -eu
cd "$(dirname "$0")/.."
HOSTS=${HOSTS:-185000}
PER_RACK=${PER_RACK:-100}
RUNS=${RUNS:-3}
ANSIBLE_RUNS=${ANSIBLE_RUNS:-1}
PXEPROV=$PWD/bin/pxeprov   # the command npm links
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
INV=$TMP/inventory.yaml

awk -v hosts="$HOSTS" -v per="$PER_RACK" 'BEGIN {
  print "all:\n  vars:\n    ansible_user: admin\n    pxe_domain: lab.example\n  children:"
  for (h = 0; h < hosts; h++) {
    if (h % per == 0) printf "    rack%05d:\n      vars:\n        rack_row: %d\n        rack_pdu: pdu-%05d\n      hosts:\n", h / per, (h / per) % 40, h / per
    printf "        node%06d.lab.example:\n", h
    printf "          ansible_host: 10.%d.%d.%d\n          ansible_port: 22\n", int(h / 65536) % 256, int(h / 256) % 256, h % 256
    printf "          mac: \"52:54:%02x:%02x:%02x:%02x\"\n", int(h / 16777216) % 256, int(h / 65536) % 256, int(h / 256) % 256, h % 256
    printf "          pxe_profile: %s\n", (h % 3 == 0 ? "debian12-preseed" : h % 3 == 1 ? "rocky9-kickstart" : "ubuntu2404-autoinstall")
    printf "          serial: SN%010d\n          bmc: {address: 10.%d.%d.%d, user: ipmi}\n", h * 7919, 128 + int(h / 65536) % 128, int(h / 256) % 256, h % 256
    printf "          tags: [compute, \"gen%d\"]\n", h % 5
  }
}' >"$INV"

# measure N CMD...: run CMD N times, print "WALL_MS CPU_MS MAX_RSS_MB" medians.
measure() {
  n=$1
  shift
  : >"$TMP/times"
  i=0
  while [ "$i" -lt "$n" ]; do
    /usr/bin/time -a -o "$TMP/times" -f '%e %U %S %M' "$@" >/dev/null 2>"$TMP/err" || { echo "failed: $*" >&2; tail -5 "$TMP/err" >&2; exit 1; }
    i=$((i + 1))
  done
  med() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
  echo "$(awk '{print int($1 * 1000)}' "$TMP/times" | med) $(awk '{print int(($2 + $3) * 1000)}' "$TMP/times" | med) $(awk '{print int($4 / 1024)}' "$TMP/times" | med)"
}

row() { printf '%-52s %9s %9s %8s\n' "$1" "$2" "$3" "$4"; }
echo "inventory: $HOSTS hosts, $(wc -c <"$INV" | awk '{printf "%.1f", $1 / 1e6}') MB; load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
row 'what' 'wall ms' 'cpu ms' 'max MB'
set -- $(measure "$RUNS" env PXEPROV_CACHE=0 "$PXEPROV" inventory "$INV" --list --json); cw=$1; cc=$2; row 'pxeprov inventory --list --json, cold (no cache)' "$1" "$2" "$3"
export XDG_CACHE_HOME="$TMP/cache"
"$PXEPROV" inventory "$INV" --list --json >/dev/null
set -- $(measure "$RUNS" "$PXEPROV" inventory "$INV" --list --json); ww=$1; wc=$2; row 'pxeprov inventory --list --json, warm (cache)' "$1" "$2" "$3"
if [ "$ANSIBLE_RUNS" -gt 0 ]; then
  set -- $(measure "$ANSIBLE_RUNS" ansible-inventory -i "$INV" --list); aw=$1; ac=$2; row 'ansible-inventory -i FILE --list' "$1" "$2" "$3"
  awk -v aw="$aw" -v ac="$ac" -v cw="$cw" -v cc="$cc" -v ww="$ww" -v wc="$wc" 'BEGIN {
    printf "ratio ansible / pxeprov: cold wall %.1fx, cpu %.1fx; warm wall %.1fx, cpu %.1fx\n", aw / cw, ac / cc, aw / ww, ac / wc }'
fi
echo "(medians of $RUNS runs, ansible $ANSIBLE_RUNS; load average at end: $(cut -d' ' -f1-3 /proc/loadavg))"
