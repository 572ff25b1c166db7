#!/usr/bin/env bash
# Upload bench: a ~700 MB install ISO's tree to a fresh server, pxeprov's media module vs `scp -r` and `rsync -a`
# of the same tree (the one pxeprov extracted into its cache) over the same loopback sshd, then pxeprov's
# unchanged re-run. Run as root from the repo root after `npm run build`:
#   bash bench/upload.sh            RUNS=3 by default; KEEP=1 keeps the temp dir
# The tree is shaped like a CentOS DVD's: a 450 MB squashfs, a 60 MB initrd, a 7 MB kernel, 300 packages of
# 600 kB, 20 small repodata files; random bytes (nothing compresses). pxeprov's ISO cache is warmed first
# (hashing and extracting an ISO is control-side work done once per ISO, not part of an upload). Every run
# starts from an empty destination; pxeprov also fsyncs each file and checks its sha256 on the target before
# the rename, which scp and rsync do not. Prints medians (seconds), MB/s and the ratio to the faster anchor.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-3}
export BENCH_TMP=$(mktemp -d /tmp/pxeprov-bench-upload.XXXXXX)
. bench/lib.sh
PX="bin/pxeprov"
[ -f dist/commands/up.js ] || { echo "run npm run build first" >&2; exit 1; }
command -v rsync > /dev/null || { echo "rsync is not installed (apt-get install rsync)" >&2; exit 1; }
MACHINE=$(machine_line)
NAME="upbench$$"
export PXEPROV_CACHE=$BENCH_TMP/cache
export PXEPROV_SSH_CONFIG=$BENCH_TMP/ssh_config
: > "$PXEPROV_SSH_CONFIG"

node --import tsx bench/engine/sshd.ts "$BENCH_TMP/sshd.env" > "$BENCH_TMP/sshd.log" 2>&1 &
SSHD_PID=$!
cleanup() {
  kill "$SSHD_PID" 2>/dev/null || true
  wait "$SSHD_PID" 2>/dev/null || true
  rm -f "/var/lib/pxeprov/media/$NAME.json"
  [ -n "${KEEP:-}" ] || rm -rf "$BENCH_TMP"
}
trap cleanup EXIT
for _ in $(seq 100); do [ -f "$BENCH_TMP/sshd.env" ] && break; sleep 0.1; done
. "$BENCH_TMP/sshd.env"

echo "making a ~700 MB ISO..." >&2
SRC=$BENCH_TMP/iso-src
mkdir -p "$SRC/LiveOS" "$SRC/images/pxeboot" "$SRC/Packages" "$SRC/repodata"
head -c 450M /dev/urandom > "$SRC/LiveOS/squashfs.img"
head -c 60M /dev/urandom > "$SRC/images/pxeboot/initrd.img"
head -c 7M /dev/urandom > "$SRC/images/pxeboot/vmlinuz"
for i in $(seq -w 1 300); do head -c 600K /dev/urandom > "$SRC/Packages/pkg-$i-1.0.x86_64.rpm"; done
for i in $(seq -w 1 20); do head -c 40K /dev/urandom > "$SRC/repodata/meta-$i.xml"; done
echo "[general]" > "$SRC/.treeinfo"
xorriso -as mkisofs -quiet -R -o "$BENCH_TMP/big.iso" "$SRC" 2> /dev/null
rm -rf "$SRC"
SIZE_MB=$(du -sm --apparent-size "$BENCH_TMP/big.iso" | cut -f1)

cat > "$BENCH_TMP/inventory.yaml" << EOF
all:
  hosts:
    pxe:
      ansible_host: 127.0.0.1
      ansible_port: $SSHD_PORT
      ansible_user: root
      ansible_ssh_private_key_file: $SSHD_KEY
      pxeprov_known_hosts: $SSHD_KNOWN_HOSTS
      pxeprov_state_dir: $BENCH_TMP/state
EOF
cat > "$BENCH_TMP/site.yaml" << EOF
- name: Upload bench
  hosts: all
  gather_facts: false
  tasks:
    - name: media
      media: {name: $NAME, iso: $BENCH_TMP/big.iso, root: $BENCH_TMP/srv, tftp_root: $BENCH_TMP/tftp}
EOF
fresh_target() {
  rm -rf "$BENCH_TMP/srv" "$BENCH_TMP/tftp" "$BENCH_TMP/dest" "/var/lib/pxeprov/media/$NAME.json"
  sync
}
echo "warming pxeprov's ISO cache (hash + extract, untimed)..." >&2
fresh_target
$PX up "$BENCH_TMP/inventory.yaml" -p "$BENCH_TMP/site.yaml" > "$BENCH_TMP/warm.log" 2>&1
TREE=$(echo "$PXEPROV_CACHE"/iso/*/tree)
TREE_MB=$(du -sm --apparent-size "$TREE" | cut -f1)
FILES=$(find "$TREE" -type f | wc -l)

SSH_OPTS=(-i "$SSHD_KEY" -o "UserKnownHostsFile=$SSHD_KNOWN_HOSTS" -o BatchMode=yes)
ssh_floor() { ssh -p "$SSHD_PORT" "${SSH_OPTS[@]}" root@127.0.0.1 true; }
px_up() { $PX up "$BENCH_TMP/inventory.yaml" -p "$BENCH_TMP/site.yaml"; }
scp_tree() { scp -q -r -P "$SSHD_PORT" "${SSH_OPTS[@]}" "$TREE" "root@127.0.0.1:$BENCH_TMP/dest"; }
rsync_tree() { rsync -a -e "ssh -p $SSHD_PORT ${SSH_OPTS[*]}" "$TREE/" "root@127.0.0.1:$BENCH_TMP/dest/"; }
# Unchanged: pxeprov must report changed=0.
px_rerun() { $PX up "$BENCH_TMP/inventory.yaml" -p "$BENCH_TMP/site.yaml" | tee "$BENCH_TMP/rerun.log" | grep -q 'changed=0'; }

echo "timing ($RUNS runs each, fresh destination before each)..." >&2
measure ssh-floor "$RUNS" ssh_floor
BEFORE_EACH=fresh_target measure px-up "$RUNS" px_up
BEFORE_EACH=fresh_target measure scp "$RUNS" scp_tree
BEFORE_EACH=fresh_target measure rsync "$RUNS" rsync_tree
fresh_target
px_up > /dev/null
measure px-rerun "$RUNS" px_rerun

px=$(median px-up); sc=$(median scp); rs=$(median rsync); re=$(median px-rerun)
best=$(awk -v a="$sc" -v b="$rs" 'BEGIN {print (a < b ? a : b)}')
rate() { awk -v mb="$TREE_MB" -v s="$1" 'BEGIN {printf "%.0f", mb / s}'; }
echo
echo "Upload bench, $MACHINE"
echo "ISO $SIZE_MB MB; tree $TREE_MB MB in $FILES files (pxeprov also copies kernel and initrd, 67 MB, into the TFTP dir); loopback sshd, root"
echo
echo "| what | median s | MB/s (tree) | runs |"
echo "| --- | ---: | ---: | --- |"
echo "| pxeprov up, fresh server (media) | $px | $(rate "$px") | $(runs px-up) |"
echo "| scp -r | $sc | $(rate "$sc") | $(runs scp) |"
echo "| rsync -a | $rs | $(rate "$rs") | $(runs rsync) |"
echo "| pxeprov up, unchanged re-run | $re | | $(runs px-rerun) |"
echo "| ssh true (connection + login floor) | $(median ssh-floor) | | $(runs ssh-floor) |"
echo
awk -v p="$px" -v b="$best" -v r="$re" 'BEGIN {
  printf "targets: pxeprov >= 0.9x the faster of scp and rsync: %s (%.2fx); unchanged re-run < 1 s: %s (%.3f s)\n",
    (b / p >= 0.9 ? "met" : "MISSED"), b / p, (r < 1 ? "met" : "MISSED"), r }'
