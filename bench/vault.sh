#!/usr/bin/env bash
# What vault decryption adds to `pxeprov validate`: the 74-task playbook of bench/ansible/ with a typical
# group_vars/all (20 variables) as a plain file, as one vault-encrypted file, and as a plain file holding 5
# inline !vault values; beside it `ansible-vault view` of the same encrypted file (Ansible's start-up plus one
# decryption). Cold processes, pxeprov's parse cache warm as on any later run (vault content is never cached).
# Run from anywhere after `npm run build`: bash bench/vault.sh [RUNS] (default 10). Prints medians in ms.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-10}
export BENCH_TMP=$(mktemp -d /tmp/pxeprov-bench-vault.XXXXXX)
trap 'rm -rf "$BENCH_TMP"' EXIT
. bench/lib.sh
PX=$PWD/bin/pxeprov
PLAY=$PWD/bench/ansible/site.yaml
printf 'bench-vault-password\n' > "$BENCH_TMP/pw"

# Three copies of the inventory with the same 20 variables in group_vars/all.
vars() { for i in $(seq -w 1 20); do echo "bench_var_$i: value-number-$i-of-a-typical-group-vars-file"; done; }
for kind in plain file inline; do
  mkdir -p "$BENCH_TMP/$kind/group_vars/all"
  cp bench/ansible/inventory.yaml "$BENCH_TMP/$kind/inventory.yaml"
done
vars > "$BENCH_TMP/plain/group_vars/all/main.yml"
vars > "$BENCH_TMP/file/group_vars/all/vault.yml"
ansible-vault encrypt --vault-password-file "$BENCH_TMP/pw" "$BENCH_TMP/file/group_vars/all/vault.yml" >/dev/null 2>&1
vars | sed -n '6,20p' > "$BENCH_TMP/inline/group_vars/all/main.yml"
for i in 01 02 03 04 05; do
  $PX vault encrypt-string --vault-password-file "$BENCH_TMP/pw" --name "bench_var_$i" "value-number-$i-of-a-typical-group-vars-file" >> "$BENCH_TMP/inline/group_vars/all/main.yml"
done

validate() { $PX validate "$BENCH_TMP/$1/inventory.yaml" -p "$PLAY" --vault-password-file "$BENCH_TMP/pw"; }
for kind in plain file inline; do validate "$kind" >/dev/null; done   # warm the page cache and the parse cache

# Interleaved (one run of each in turn), so that a load change on a shared machine hits all of them alike.
view() { ansible-vault view --vault-password-file "$BENCH_TMP/pw" "$BENCH_TMP/file/group_vars/all/vault.yml"; }
for ((i = 1; i <= RUNS; i++)); do
  for label in plain file inline ansible; do
    start=$(date +%s%N)
    if [ "$label" = ansible ]; then view >/dev/null 2>&1; else validate "$label" >/dev/null 2>&1; fi || { echo "FAILED: $label" >&2; exit 1; }
    echo "$(( ($(date +%s%N) - start) / 1000000 ))" >> "$BENCH_TMP/times/$label"
  done
done

# The decryption alone, in one process (no start-up noise): median of RUNS, ms.
alone=$(node --input-type=module -e "
  import {readFileSync} from 'node:fs';
  import {openVault} from '$PWD/dist/vault/decrypt.js';
  const text = readFileSync('$BENCH_TMP/file/group_vars/all/vault.yml', 'utf8');
  const secrets = [{label: 'default', password: readFileSync('$BENCH_TMP/pw', 'utf8').trim(), source: 'pw'}].map((s) => ({...s, password: Buffer.from(s.password)}));
  const times = [];
  for (let i = 0; i < $RUNS; i++) { const t = performance.now(); openVault(text, secrets, {}); times.push(performance.now() - t); }
  times.sort((a, b) => a - b);
  console.log(times[Math.floor(times.length / 2)].toFixed(1));
")

ms() { awk -v s="$1" 'BEGIN {printf "%d", s * 1000}'; }
plain=$(ms "$(median plain)")
echo
echo "| median of $RUNS, ms | wall | added by the vault |"
echo "| --- | ---: | ---: |"
echo "| pxeprov validate, group_vars/all plain | $plain | |"
echo "| pxeprov validate, group_vars/all/vault.yml encrypted | $(ms "$(median file)") | $(( $(ms "$(median file)") - plain )) |"
echo "| pxeprov validate, 5 inline !vault values | $(ms "$(median inline)") | $(( $(ms "$(median inline)") - plain )) |"
echo "| ansible-vault view of the encrypted file | $(ms "$(median ansible)") | |"
echo "| decrypting the file alone, in one process | | $alone |"
echo
machine_line
