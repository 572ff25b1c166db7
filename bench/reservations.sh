#!/usr/bin/env bash
# One server's data at scale, on the lab host (an nspawn Debian host, `pxeprov lab up`): the PXE playbook
# with 1, 100, 500 and 2,000 dhcp_hosts reservations, each with a profile. Per reservation pxeprov has one
# assert item and three per-host files (BIOS menu, UEFI menu, kickstart): about 4 loop items each.
# For each size: an untimed converge, then the no-change `up` and `check` (pxeprov check exits 2 on drift,
# so a target that is not converged fails the bench instead of being timed). Ansible runs its port of the
# playbook (bench/pxe/ansible/, which has no per-reservation assert) on the same data up to ANSIBLE_MAX
# reservations: an untimed converge, then ansible-playbook and ansible-playbook --check --diff.
# The lab's subnet is widened to a /16 so that 2,000 reservations have addresses in it.
#
# Run as root from the repo root after `npm run build`:
#   bash bench/reservations.sh   SIZES="1 100 500 2000" RUNS=5 ANSIBLE_MAX=100 ANSIBLE_RUNS=1 PREFIX=rsv by default
# Prints a markdown table of medians (seconds), the control-side cost per loop item (the slope between the
# smallest and each larger size) and the ratio to Ansible. The bench removes its lab (lab down) at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
SIZES=${SIZES:-1 100 500 2000}
RUNS=${RUNS:-5}
ANSIBLE_MAX=${ANSIBLE_MAX:-100}
ANSIBLE_RUNS=${ANSIBLE_RUNS:-1}
PREFIX=${PREFIX:-rsv}
export BENCH_TMP=$(mktemp -d /tmp/pxeprov-bench-reservations.XXXXXX)
. bench/lib.sh
lab_bench "$PREFIX"
PLAY=playbooks/pxe-server.yaml
AN_PLAY=bench/pxe/ansible/site.yaml
export ANSIBLE_CONFIG=$PWD/bench/pxe/ansible/ansible.cfg
MACHINE=$(machine_line)

echo "lab host..." >&2
$PX lab up --prefix "$PREFIX" --inventory "$BENCH_TMP/lab.yaml" > "$BENCH_TMP/lab-up.log" 2>&1
# The values pxeprov computes with ipaddr, for Ansible (no netaddr here).
cat > "$BENCH_TMP/pxe-net.yaml" <<'NET'
pxe_prefix: 16
pxe_network: 192.168.0.0
pxe_broadcast: 192.168.255.255
pxe_netmask: 255.255.0.0
NET

# inventory N: the lab inventory on 192.168.0.0/16 with N reservations, each with the first profile.
inventory() {
  sed -e 's#pxe_subnet: .*#pxe_subnet: 192.168.0.0/16#' -e 's#pxe_netmask: .*#pxe_netmask: 255.255.0.0#' "$BENCH_TMP/lab.yaml" |
    awk -v n="$1" '{print} /^      vars:$/ && !done { done = 1
      print "        dhcp_hosts:"
      for (i = 0; i < n; i++) printf "          - {name: node%04d, mac: \"52:54:01:%02x:%02x:%02x\", ip: 192.168.%d.%d, profile: ks}\n", i, int(i / 65536) % 256, int(i / 256) % 256, i % 256, 100 + int(i / 250), 1 + i % 250
    }'
}

for n in $SIZES; do
  inv=$BENCH_TMP/inv-$n.yaml
  inventory "$n" > "$inv"
  echo "$n reservations: converging (untimed)..." >&2
  $PX up "$inv" -p $PLAY > "$BENCH_TMP/converge-$n.log" 2>&1 || { tail -30 "$BENCH_TMP/converge-$n.log" >&2; exit 1; }
  measure "px-up-$n" "$RUNS" $PX up "$inv" -p $PLAY
  grep -q 'changed=0 ' "$BENCH_TMP/last.log" || { echo "pxeprov re-run with $n reservations changed something" >&2; tail -5 "$BENCH_TMP/last.log" >&2; exit 1; }
  measure "px-check-$n" "$RUNS" $PX check "$inv" -p $PLAY
done
# Ansible's port lays the install tree out otherwise (a directory where pxeprov keeps a link): its own fresh host.
if [ "${SIZES%% *}" -le "$ANSIBLE_MAX" ]; then $PX lab up --fresh --prefix "$PREFIX" --inventory "$BENCH_TMP/lab.yaml" > "$BENCH_TMP/lab-fresh.log" 2>&1; fi
for n in $SIZES; do
  [ "$n" -le "$ANSIBLE_MAX" ] || continue
  inv=$BENCH_TMP/inv-$n.yaml
  inventory "$n" > "$inv"
  echo "$n reservations: ansible converge (untimed)..." >&2
  ansible-playbook -i "$inv" $AN_PLAY -e "@$BENCH_TMP/pxe-net.yaml" > "$BENCH_TMP/an-converge-$n.log" 2>&1 || { tail -30 "$BENCH_TMP/an-converge-$n.log" >&2; exit 1; }
  measure "an-up-$n" "$ANSIBLE_RUNS" ansible-playbook -i "$inv" $AN_PLAY -e "@$BENCH_TMP/pxe-net.yaml"
  grep -q 'changed=0 ' "$BENCH_TMP/last.log" || { echo "ansible re-run with $n reservations is not changed=0" >&2; exit 1; }
  measure "an-check-$n" "$ANSIBLE_RUNS" ansible-playbook -i "$inv" $AN_PLAY -e "@$BENCH_TMP/pxe-net.yaml" --check --diff
done

first=${SIZES%% *}
echo
echo "Reservations bench (lab host, prefix $PREFIX), $MACHINE"
echo "playbooks/pxe-server.yaml with N dhcp_hosts (each with a profile: 1 assert item + 3 per-host files); medians in seconds"
echo
echo "| reservations | pxeprov up (no change) | pxeprov check | ms per reservation (up, check) | ansible up (no change) | ansible --check --diff | ansible / pxeprov (up, check) |"
echo "| ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
for n in $SIZES; do
  up=$(median "px-up-$n"); ck=$(median "px-check-$n")
  slope=
  if [ "$n" != "$first" ]; then
    slope=$(awk -v a="$up" -v b="$(median "px-up-$first")" -v c="$ck" -v d="$(median "px-check-$first")" -v n="$n" -v f="$first" 'BEGIN {printf "%.1f, %.1f", (a - b) * 1000 / (n - f), (c - d) * 1000 / (n - f)}')
  fi
  if [ -f "$BENCH_TMP/times/an-up-$n" ]; then
    aup=$(median "an-up-$n"); ack=$(median "an-check-$n")
    echo "| $n | $up | $ck | $slope | $aup | $ack | $(ratio "$aup" "$up"), $(ratio "$ack" "$ck") |"
  else
    echo "| $n | $up | $ck | $slope | | | |"
  fi
done
echo
for n in $SIZES; do
  [ "$n" = 500 ] || continue
  awk -v n="$n" -v u="$(median "px-up-$n")" -v c="$(median "px-check-$n")" 'BEGIN {
    printf "target with %d reservations: up < 3 s %s (%.3f s), check < 3 s %s (%.3f s)\n", n, (u < 3 ? "met" : "MISSED"), u, (c < 3 ? "met" : "MISSED"), c }'
done
