#!/usr/bin/env bash
# PXE bench, on the lab host (an nspawn Debian host, `pxeprov lab up`): playbooks/pxe-server.yaml vs
# its Ansible equivalent bench/pxe/ansible/ (Debian's ansible-playbook), side by side:
#   first converge of a fresh lab host (`lab up --fresh` before each run, untimed)
#   no-change re-run; check (pxeprov check vs ansible-playbook --check --diff)
# then pxeprov only: re-run with an unchanged ~700 MB ISO, and an ISO update that changes one package file
# (pxeprov's media summary "copy N of M files (X MB)" says what was copied).
#
# Run as root from the repo root after `npm run build`:
#   bash bench/pxe.sh      FIRST_RUNS=3 RUNS=10 ANSIBLE_RUNS=5 BIG_MB=700 PREFIX=bnch by default (env to change)
# The lab's DHCP server runs only inside the lab's namespaces; the bench removes its lab (lab down) at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
FIRST_RUNS=${FIRST_RUNS:-3}
RUNS=${RUNS:-10}
ANSIBLE_RUNS=${ANSIBLE_RUNS:-5}
BIG_MB=${BIG_MB:-700}
PREFIX=${PREFIX:-bnch}
export BENCH_TMP=$(mktemp -d /tmp/pxeprov-bench-pxe.XXXXXX)
. bench/lib.sh
lab_bench "$PREFIX"
PLAY=playbooks/pxe-server.yaml
AN_PLAY=bench/pxe/ansible/site.yaml
export ANSIBLE_CONFIG=$PWD/bench/pxe/ansible/ansible.cfg
MACHINE=$(machine_line)

lab_fresh() { $PX lab up --fresh --prefix "$PREFIX" --inventory "$INV"; }

echo "lab host and test ISO..." >&2
$PX lab up --prefix "$PREFIX" --inventory "$INV" > "$BENCH_TMP/lab-up.log" 2>&1
$PX lab make-iso --out "$BENCH_TMP/test-v1.iso" --version 1 > /dev/null
# Extra vars, one set for both tools; Ansible also gets the values pxeprov computes with ipaddr (no netaddr here).
cat > "$BENCH_TMP/vars.yaml" <<VARS
media_isos:
  - {name: testos, iso: $BENCH_TMP/test-v1.iso}
pxe_profiles:
  - {name: ks, label: "Install TestOS (kickstart)", media: testos, kind: kickstart}
  - {name: manual, label: "Install TestOS", media: testos, kind: manual}
pxe_menu_default: ks
ks_root_password: rootroot
network_backend: ifupdown
VARS
subnet=$(sed -n 's/^ *pxe_subnet: *//p' "$INV" | head -1)
python3 -c '
import ipaddress, sys
n = ipaddress.ip_network(sys.argv[1])
print(f"pxe_prefix: {n.prefixlen}\npxe_network: {n.network_address}\npxe_broadcast: {n.broadcast_address}\npxe_netmask: {n.netmask}")' "$subnet" > "$BENCH_TMP/pxe-net.yaml"

PX_UP=($PX up "$INV" -p $PLAY -e "@$BENCH_TMP/vars.yaml")
PX_CHECK=($PX check "$INV" -p $PLAY -e "@$BENCH_TMP/vars.yaml")
AN=(ansible-playbook -i "$INV" $AN_PLAY -e "@$BENCH_TMP/vars.yaml" -e "@$BENCH_TMP/pxe-net.yaml")

echo "pxeprov: first converge x$FIRST_RUNS, re-run x$RUNS, check x$RUNS..." >&2
BEFORE_EACH=lab_fresh measure px-first "$FIRST_RUNS" "${PX_UP[@]}" --json
cp "$BENCH_TMP/last.out" "$BENCH_TMP/px-first.json"
measure px-rerun "$RUNS" "${PX_UP[@]}" --json
cp "$BENCH_TMP/last.out" "$BENCH_TMP/px-rerun.json"
measure px-check "$RUNS" "${PX_CHECK[@]}"

echo "ansible: first converge x$FIRST_RUNS, re-run x$ANSIBLE_RUNS, check x$ANSIBLE_RUNS..." >&2
BEFORE_EACH=lab_fresh measure an-first "$FIRST_RUNS" env ANSIBLE_CALLBACKS_ENABLED=profile_tasks "${AN[@]}"
cp "$BENCH_TMP/last.log" "$BENCH_TMP/an-first.log"
measure an-rerun "$ANSIBLE_RUNS" "${AN[@]}"
grep -q 'changed=0 ' "$BENCH_TMP/last.log" || { echo "ansible re-run is not changed=0:" >&2; grep -A2 RECAP "$BENCH_TMP/last.log" >&2; exit 1; }
measure an-check "$ANSIBLE_RUNS" "${AN[@]}" --check --diff

echo "pxeprov with a ${BIG_MB} MB ISO..." >&2
# The test ISO's tree plus a big incompressible file and one small "package"; v2 changes only that package.
mkdir -p "$BENCH_TMP/iso-tree"
bsdtar -x -f "$BENCH_TMP/test-v1.iso" -C "$BENCH_TMP/iso-tree"
chmod -R u+w "$BENCH_TMP/iso-tree"
mkdir -p "$BENCH_TMP/iso-tree/Packages"
head -c "${BIG_MB}M" /dev/urandom > "$BENCH_TMP/iso-tree/Packages/big-filler.rpm"
for i in $(seq 1 20); do head -c 200k /dev/urandom > "$BENCH_TMP/iso-tree/Packages/pkg-$i.rpm"; done
xorriso -as mkisofs -quiet -R -J -V TESTOS -o "$BENCH_TMP/big-v1.iso" "$BENCH_TMP/iso-tree" 2> "$BENCH_TMP/xorriso.log"
head -c 200k /dev/urandom > "$BENCH_TMP/iso-tree/Packages/pkg-7.rpm"
xorriso -as mkisofs -quiet -R -J -V TESTOS -o "$BENCH_TMP/big-v2.iso" "$BENCH_TMP/iso-tree" 2>> "$BENCH_TMP/xorriso.log"
rm -rf "$BENCH_TMP/iso-tree"
sed "s#iso: .*}#iso: $BENCH_TMP/big.iso}#" "$BENCH_TMP/vars.yaml" > "$BENCH_TMP/vars-big.yaml"
ln -sf "$BENCH_TMP/big-v1.iso" "$BENCH_TMP/big.iso"
PX_BIG=($PX up "$INV" -p $PLAY -e "@$BENCH_TMP/vars-big.yaml")
lab_fresh > /dev/null 2>&1
start=$(date +%s%N)
"${PX_BIG[@]}" > "$BENCH_TMP/big-first.log" 2>&1
big_first_ms=$(( ($(date +%s%N) - start) / 1000000 ))
measure px-big-rerun "$RUNS" "${PX_BIG[@]}" --json
cp "$BENCH_TMP/last.out" "$BENCH_TMP/px-big-rerun.json"
ln -sf "$BENCH_TMP/big-v2.iso" "$BENCH_TMP/big.iso"
measure px-big-update 1 "${PX_BIG[@]}"
cp "$BENCH_TMP/last.log" "$BENCH_TMP/px-big-update.log"
measure px-big-after-update 1 "${PX_CHECK[@]/vars.yaml/vars-big.yaml}"
rm -f "$BENCH_TMP"/big-v1.iso "$BENCH_TMP"/big-v2.iso "$BENCH_TMP/big.iso"

echo
echo "PXE bench (lab host, prefix $PREFIX), $MACHINE"
echo "playbooks/pxe-server.yaml vs bench/pxe/ansible/site.yaml with the same extra vars; medians in seconds"
echo
echo "| run | pxeprov | ansible | ansible / pxeprov | pxeprov runs | ansible runs |"
echo "| --- | ---: | ---: | ---: | --- | --- |"
row "first converge (fresh lab host)" px-first an-first
row "no-change re-run" px-rerun an-rerun
row "check (ansible --check --diff)" px-check an-check
echo
echo "| pxeprov with a ${BIG_MB} MB ISO | s | runs |"
echo "| --- | ---: | --- |"
echo "| first converge with the big ISO (copy), 1 run | $(awk -v m="$big_first_ms" 'BEGIN {printf "%.3f", m / 1000}') | |"
echo "| re-run, unchanged big ISO | $(median px-big-rerun) | $(runs px-big-rerun) |"
echo "| ISO update (one package file changed), 1 run | $(median px-big-update) | |"
echo "| check after the update, 1 run | $(median px-big-after-update) | |"
echo
echo "media line of the update run: $(grep -m1 -o 'copy [0-9]* of [0-9]* files ([^)]*)[^\"]*' "$BENCH_TMP/px-big-update.log" || echo '(not found)')"
echo "changed tasks of the update run:"; grep '^changed:' "$BENCH_TMP/px-big-update.log" | sed 's/^/  /'
node -e '
  const fs = require("fs");
  const show = (label, f) => {
    const r = JSON.parse(fs.readFileSync(f, "utf8"));
    const h = r.hosts[0];
    const top = [...h.tasks].sort((a, b) => b.ms - a.ms).slice(0, 4).map((t) => `${t.task} ${t.ms} ms`).join("; ");
    console.log(`${label}: run ${r.ms} ms in the process, changed=${h.stats.changed}; slowest tasks: ${top}`);
  };
  show("pxeprov first converge (last run)", process.argv[1]);
  show("pxeprov no-change re-run (last run)", process.argv[2]);
  show("pxeprov re-run with the big ISO (last run)", process.argv[3]);' "$BENCH_TMP/px-first.json" "$BENCH_TMP/px-rerun.json" "$BENCH_TMP/px-big-rerun.json"
echo "ansible first converge, slowest tasks (profile_tasks, last run):"
grep -E '^[A-Za-z].* -+ [0-9.]+s$' "$BENCH_TMP/an-first.log" | head -5 | sed 's/^/  /'
awk -v r="$(median px-rerun)" -v c="$(median px-check)" -v ar="$(median an-rerun)" -v ac="$(median an-check)" -v b="$(median px-big-rerun)" 'BEGIN {
  printf "targets: re-run < 1 s %s (%.3f s), >= 20x %s (%.1fx); check < 1 s %s (%.3f s), >= 20x %s (%.1fx); big ISO re-run < 2 s %s (%.3f s)\n",
    (r < 1 ? "met" : "MISSED"), r, (ar / r >= 20 ? "met" : "MISSED"), ar / r, (c < 1 ? "met" : "MISSED"), c, (ac / c >= 20 ? "met" : "MISSED"), ac / c, (b < 2 ? "met" : "MISSED"), b }'
