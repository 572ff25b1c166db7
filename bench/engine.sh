#!/usr/bin/env bash
# Engine bench: a 30-task playbook (file, copy, template, lineinfile) on a converged loopback host,
# pxeprov vs Debian's ansible-playbook, side by side against the same throw-away sshd on 127.0.0.1.
#   pxeprov up (no changes)            vs  ansible-playbook
#   pxeprov check                      vs  ansible-playbook --check --diff
# for 1 host, then 20 inventory names on loopback (each its own target dir and state dir) with -f 20.
# Also a "tuned Ansible" row (pipelining on, no fact gathering) for 1 host.
#
# Run as root from the repo root after `npm run build`:
#   bash bench/engine.sh            RUNS=10 ANSIBLE_RUNS=3 ANSIBLE_RUNS_20=1 by default (env to change)
# Both tools log in as BENCH_USER (default pxeprovtest, a test user the sshd helper creates, with Debian's stock
# ~/.bashrc). Not root: bash sources ~/.bashrc for every ssh command, and root's on the dev machines runs
# `pyenv init` (0.3-1 s each), which Ansible (one ssh command per module step) pays ~100 times a run and
# pxeprov once. BENCH_USER=root measures that case too.
# Prints a markdown table of medians (seconds) and ratios (Ansible / pxeprov). Every timed run must succeed:
# pxeprov check exits 2 on drift, so a non-converged target fails the bench instead of timing it.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-10}
BENCH_USER=${BENCH_USER:-pxeprovtest}
ANSIBLE_RUNS=${ANSIBLE_RUNS:-3}
ANSIBLE_RUNS_20=${ANSIBLE_RUNS_20:-1}
export BENCH_TMP=$(mktemp -d /tmp/pxeprov-bench-engine.XXXXXX)
chmod 755 "$BENCH_TMP"
. bench/lib.sh
PX="bin/pxeprov"
PX_PLAY=bench/engine/pxeprov/site.yaml
AN_PLAY=bench/engine/ansible/site.yaml
export ANSIBLE_CONFIG=$PWD/bench/engine/ansible/ansible.cfg
export PXEPROV_SSH_CONFIG=$BENCH_TMP/ssh_config
: > "$PXEPROV_SSH_CONFIG"
[ -f dist/commands/up.js ] || { echo "run npm run build first" >&2; exit 1; }
MACHINE=$(machine_line)

# The tests' sshd, kept up by a tiny tsx script until we stop it.
node --import tsx bench/engine/sshd.ts "$BENCH_TMP/sshd.env" > "$BENCH_TMP/sshd.log" 2>&1 &
SSHD_PID=$!
cleanup() {
  kill "$SSHD_PID" 2>/dev/null || true
  wait "$SSHD_PID" 2>/dev/null || true
  # Ansible's ControlPersist masters for our control paths
  for cp in "$BENCH_TMP"/cp-*; do [ -S "$cp" ] && ssh -o ControlPath="$cp" -O exit x 2>/dev/null || true; done
  [ -n "${KEEP:-}" ] || rm -rf "$BENCH_TMP"
}
trap cleanup EXIT
for _ in $(seq 100); do [ -f "$BENCH_TMP/sshd.env" ] && break; sleep 0.1; done
. "$BENCH_TMP/sshd.env"
mkdir -p "$BENCH_TMP/targets" "$BENCH_TMP/state"
chown "$BENCH_USER" "$BENCH_TMP/targets" "$BENCH_TMP/state"

# inventory TOOL N: N hosts h01..hNN, each with its own target dir (and state dir / ssh control path).
inventory() {
  local tool=$1 n=$2 i h
  echo "all:"
  echo "  children:"
  echo "    bench:"
  echo "      hosts:"
  for ((i = 1; i <= n; i++)); do
    h=$(printf 'h%02d' "$i")
    echo "        $h:"
    echo "          bench_root: $BENCH_TMP/targets/$tool/$h"
    if [ "$tool" = pxeprov ]; then
      echo "          pxeprov_state_dir: $BENCH_TMP/state/$h"
    else
      # one ssh master per inventory name, as 20 real hosts would have (the default path would be shared)
      echo "          ansible_ssh_extra_args: -o ControlPath=$BENCH_TMP/cp-$h"
    fi
  done
  echo "      vars:"
  echo "        ansible_host: 127.0.0.1"
  echo "        ansible_port: $SSHD_PORT"
  echo "        ansible_user: $BENCH_USER"
  echo "        ansible_ssh_private_key_file: $SSHD_KEY"
  echo "        ansible_ssh_common_args: -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null"
  [ "$tool" = pxeprov ] && echo "        pxeprov_known_hosts: $SSHD_KNOWN_HOSTS"
  return 0
}
for n in 1 20; do
  inventory pxeprov $n > "$BENCH_TMP/px-$n.yaml"
  inventory ansible $n > "$BENCH_TMP/an-$n.yaml"
done

echo "converging 20 hosts with both tools (untimed)..." >&2
$PX up "$BENCH_TMP/px-20.yaml" -p $PX_PLAY -f 20 > "$BENCH_TMP/converge-px.log" 2>&1
ansible-playbook -i "$BENCH_TMP/an-20.yaml" $AN_PLAY -f 20 > "$BENCH_TMP/converge-an.log" 2>&1
if ! diff -r "$BENCH_TMP/targets/pxeprov" "$BENCH_TMP/targets/ansible" > "$BENCH_TMP/trees.diff"; then
  echo "the two tools' trees differ (not the same playbook?):" >&2
  head -40 "$BENCH_TMP/trees.diff" >&2
  exit 1
fi
echo "  both tools produce identical target trees (diff -r)" >&2
$PX up "$BENCH_TMP/px-20.yaml" -p $PX_PLAY -f 20 --json > "$BENCH_TMP/rerun.json"
node -e '
  const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  const changed = r.hosts.reduce((s, h) => s + h.stats.changed, 0);
  if (changed) { console.error(`pxeprov re-run changed ${changed} task(s): not converged`); process.exit(1); }' "$BENCH_TMP/rerun.json"

echo "timing (pxeprov $RUNS runs, ansible $ANSIBLE_RUNS runs for 1 host and $ANSIBLE_RUNS_20 for 20)..." >&2
$PX up "$BENCH_TMP/px-1.yaml" -p $PX_PLAY > /dev/null 2>&1 # warm-up: page cache, compiled-schema cache
measure node0 "$RUNS" node -e 0
measure px-up-1 "$RUNS" $PX up "$BENCH_TMP/px-1.yaml" -p $PX_PLAY
measure px-check-1 "$RUNS" $PX check "$BENCH_TMP/px-1.yaml" -p $PX_PLAY
measure px-up-20 "$RUNS" $PX up "$BENCH_TMP/px-20.yaml" -p $PX_PLAY -f 20
measure px-check-20 "$RUNS" $PX check "$BENCH_TMP/px-20.yaml" -p $PX_PLAY -f 20
measure an-up-1 "$ANSIBLE_RUNS" ansible-playbook -i "$BENCH_TMP/an-1.yaml" $AN_PLAY
measure an-check-1 "$ANSIBLE_RUNS" ansible-playbook -i "$BENCH_TMP/an-1.yaml" $AN_PLAY --check --diff
ANSIBLE_PIPELINING=true ANSIBLE_GATHERING=explicit measure an-tuned-up-1 "$ANSIBLE_RUNS" ansible-playbook -i "$BENCH_TMP/an-1.yaml" $AN_PLAY
ANSIBLE_PIPELINING=true ANSIBLE_GATHERING=explicit measure an-tuned-check-1 "$ANSIBLE_RUNS" ansible-playbook -i "$BENCH_TMP/an-1.yaml" $AN_PLAY --check --diff
measure an-up-20 "$ANSIBLE_RUNS_20" ansible-playbook -i "$BENCH_TMP/an-20.yaml" $AN_PLAY -f 20
grep -q 'changed=[1-9]' "$BENCH_TMP/last.log" && { echo "ansible re-run changed something: not converged" >&2; exit 1; }
measure an-check-20 "$ANSIBLE_RUNS_20" ansible-playbook -i "$BENCH_TMP/an-20.yaml" $AN_PLAY -f 20 --check --diff

# Where pxeprov's time goes: the engine's own clock (connect + facts + 30 tasks) against the process wall time.
$PX up "$BENCH_TMP/px-1.yaml" -p $PX_PLAY --json > "$BENCH_TMP/one.json"
$PX up "$BENCH_TMP/px-20.yaml" -p $PX_PLAY -f 20 --json > "$BENCH_TMP/twenty.json"

echo
echo "Engine bench, $MACHINE"
echo "ssh user: $BENCH_USER; 30 tasks (5 directories, 1 link, 4 copy, 10 template, 10 lineinfile), converged targets, medians in seconds"
echo
echo "| run | pxeprov | ansible | ansible / pxeprov | pxeprov runs | ansible runs |"
echo "| --- | ---: | ---: | ---: | --- | --- |"
row "up, no change, 1 host" px-up-1 an-up-1
row "check (ansible --check --diff), 1 host" px-check-1 an-check-1
row "up, no change, 1 host, tuned ansible (pipelining, no facts)" px-up-1 an-tuned-up-1
row "check, 1 host, tuned ansible" px-check-1 an-tuned-check-1
row "up, no change, 20 hosts, -f 20" px-up-20 an-up-20
row "check, 20 hosts, -f 20" px-check-20 an-check-20
echo
echo "| growth 1 -> 20 hosts | pxeprov | ansible |"
echo "| --- | ---: | ---: |"
echo "| up (t20 / t1) | $(ratio "$(median px-up-20)" "$(median px-up-1)") | $(ratio "$(median an-up-20)" "$(median an-up-1)") |"
echo "| check (t20 / t1) | $(ratio "$(median px-check-20)" "$(median px-check-1)") | $(ratio "$(median an-check-20)" "$(median an-check-1)") |"
echo
echo "node -e 0 (process start-up floor): $(median node0) s"
node -e '
  const fs = require("fs");
  for (const f of process.argv.slice(1)) {
    const r = JSON.parse(fs.readFileSync(f, "utf8"));
    const ms = r.hosts.map((h) => h.ms).sort((a, b) => a - b);
    console.log(`pxeprov --json, ${r.hosts.length} host(s): run ${r.ms} ms inside the process; per host ${ms[0]}..${ms[ms.length - 1]} ms (connect, agent, facts, 30 tasks)`);
  }' "$BENCH_TMP/one.json" "$BENCH_TMP/twenty.json"
px1=$(median px-up-1); pc1=$(median px-check-1)
awk -v u="$px1" -v c="$pc1" -v uu="$(median an-up-1)" -v cc="$(median an-check-1)" 'BEGIN {
  printf "targets: pxeprov up < 1 s: %s (%.3f s); check < 1 s: %s (%.3f s); >= 10x: up %s (%.1fx), check %s (%.1fx)\n",
    (u < 1 ? "met" : "MISSED"), u, (c < 1 ? "met" : "MISSED"), c, (uu / u >= 10 ? "met" : "MISSED"), uu / u, (cc / c >= 10 ? "met" : "MISSED"), cc / c }'
