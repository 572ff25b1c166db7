#!/usr/bin/env bash
# Install lifecycle bench, on the lab host (an nspawn Debian host, `pxeprov lab up`) converged as a PXE server
# with two reservations: `pxeprov install HOST` (no reboot: build state + menus, one run of the pxe_menus
# tasks) and `pxeprov hosts` (states, lease file, journal and access log in one round trip), each RUNS times,
# beside `pxeprov check` of the whole playbook on the same server for scale. The target is under 1 s each.
#
# Run as root from the repo root after `npm run build`:
#   bash bench/install.sh        RUNS=10 PREFIX=bnil by default (env to change)
# The lab's DHCP server runs only inside the lab's namespaces; the bench removes its lab (lab down) at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-10}
PREFIX=${PREFIX:-bnil}
export BENCH_TMP=$(mktemp -d /tmp/pxeprov-bench-install.XXXXXX)
. bench/lib.sh
lab_bench "$PREFIX"
MACHINE=$(machine_line)

echo "lab host, test ISO, first converge..." >&2
$PX lab up --prefix "$PREFIX" --inventory "$INV" > "$BENCH_TMP/lab-up.log" 2>&1
$PX lab make-iso --out "$BENCH_TMP/test-v1.iso" --version 1 > /dev/null
cat > "$BENCH_TMP/vars.yaml" <<VARS
media_isos:
  - {name: testos, iso: $BENCH_TMP/test-v1.iso}
pxe_profiles:
  - {name: ks, label: "Install TestOS (kickstart)", media: testos, kind: kickstart}
  - {name: manual, label: "Install TestOS", media: testos, kind: manual}
network_backend: ifupdown
dhcp_hosts:
  - {name: node01, mac: "52:54:00:b1:00:01", ip: 192.168.77.61, profile: ks}
  - {name: node02, mac: "52:54:00:b1:00:02", profiles: [manual, ks]}
VARS
E=(-e "@$BENCH_TMP/vars.yaml")
$PX up "$INV" "${E[@]}" > "$BENCH_TMP/up.log" 2>&1 || { tail -30 "$BENCH_TMP/up.log" >&2; exit 1; }

measure install "$RUNS" $PX install node01 "$INV" "${E[@]}"
measure hosts "$RUNS" $PX hosts "$INV" "${E[@]}"
measure check "$RUNS" $PX check "$INV" "${E[@]}"

echo
echo "Install lifecycle on a converged lab server ($MACHINE); median of $RUNS runs, seconds:"
echo
echo "| command | median | runs |"
echo "| --- | --- | --- |"
for label in install hosts check; do echo "| pxeprov $label | $(median $label) | $(runs $label) |"; done
echo
for label in install hosts; do
  awk -v m="$(median $label)" -v l="$label" 'BEGIN {print "pxeprov " l ": " (m < 1 ? "under 1 s" : "NOT under 1 s")}'
done
