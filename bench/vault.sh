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
. bench/lib.sh   # machine_line
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
# GNU time records wall and CPU (user+sys): on a shared machine CPU time is the steadier measure.
for ((i = 1; i <= RUNS; i++)); do
  for label in plain file inline ansible; do
    if [ "$label" = ansible ]; then cmd=(ansible-vault view --vault-password-file "$BENCH_TMP/pw" "$BENCH_TMP/file/group_vars/all/vault.yml")
    else cmd=("$PX" validate "$BENCH_TMP/$label/inventory.yaml" -p "$PLAY" --vault-password-file "$BENCH_TMP/pw"); fi
    /usr/bin/time -a -o "$BENCH_TMP/times/$label.raw" -f '%e %U %S' "${cmd[@]}" >/dev/null 2>&1 || { echo "FAILED: ${cmd[*]}" >&2; exit 1; }
  done
done
# median LABEL wall|cpu: milliseconds
med() { awk -v k="$2" '{print int((k == "wall" ? $1 : $2 + $3) * 1000)}' "$BENCH_TMP/times/$1.raw" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

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

echo
echo "| median of $RUNS, ms | wall | CPU | CPU added by the vault |"
echo "| --- | ---: | ---: | ---: |"
echo "| pxeprov validate, group_vars/all plain | $(med plain wall) | $(med plain cpu) | |"
echo "| pxeprov validate, group_vars/all/vault.yml encrypted | $(med file wall) | $(med file cpu) | $(( $(med file cpu) - $(med plain cpu) )) |"
echo "| pxeprov validate, 5 inline !vault values | $(med inline wall) | $(med inline cpu) | $(( $(med inline cpu) - $(med plain cpu) )) |"
echo "| ansible-vault view of the encrypted file | $(med ansible wall) | $(med ansible cpu) | |"
echo "| decrypting the file alone, in one process (PBKDF2 and AES) | $alone | | |"
echo
machine_line
