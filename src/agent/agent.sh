# pxeprov agent: POSIX sh + coreutils (GNU or busybox). Reads framed requests on stdin, writes
# framed replies on stdout. Started by the stage-1 bootstrap (src/transport/bootstrap.ts), which
# evals this text with $1 = the login's SSH_CONNECTION (sudo drops it) and $2 = ro | rw.
# The client strips comment lines and indentation before sending: no heredocs, no multi-line strings.
#
# Request:  "ID OP NARGS BODYLEN\n", NARGS argument lines, then BODYLEN raw bytes (write: plus a
#           trailer line "c SHA256" to commit or "a" to abort). An argument line is "=" + the value
#           (no newline in it) or "%" + the value as \ooo octal escapes, decoded by printf.
# Reply:    frames "#PXP1 ID TAG LEN\n" + LEN bytes. Parts: d (content), o (stdout), e (stderr).
#           Every reply ends with K (ok, payload = result) or E (payload = "CODE message").
# Data never becomes shell code: arguments are only ever expanded inside double quotes.

set -u
umask 022
export LC_ALL=C
PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export PATH
pxp_version=1
pxp_sshconn=${1-}
pxp_mode=${2-rw}
pxp_state=/var/lib/pxeprov
pxp_curtmp=
pxp_tmp=
pxp_bseq=0

# Remove the temp file of a write in progress and our scratch dir, whatever ends the agent.
pxp_cleanup() {
  if [ -n "$pxp_curtmp" ]; then rm -f -- "$pxp_curtmp"; fi
  if [ -n "$pxp_tmp" ]; then rm -rf -- "$pxp_tmp"; fi
}
trap pxp_cleanup EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 141' PIPE
trap 'exit 143' TERM

pxp_tmp=$(mktemp -d "${TMPDIR:-/tmp}/pxeprov.XXXXXX") || exit 90

# An exact reader: GNU head -c stops at N bytes on a pipe; busybox head reads past them, so
# fall back to dd with iflag=fullblock, else to dd bs=1 (exact but slow).
if [ "$(command printf abc | { head -c 1 >/dev/null; cat; })" = bc ]; then
  pxp_exact=head
elif [ "$(command printf abcdef | { dd bs=2 count=1 iflag=fullblock >/dev/null 2>&1; cat; })" = cdef ]; then
  pxp_exact=ddfull
else
  pxp_exact=dd1
fi

# ${#var} counts bytes only in a byte locale; some shells (busybox) count characters.
pxp_s=$(command printf '\303\251')
if [ "${#pxp_s}" = 2 ]; then pxp_bytelen=1; else pxp_bytelen=0; fi

pxp_shell=$(readlink /proc/$$/exe 2>/dev/null) || pxp_shell=sh
pxp_shell=${pxp_shell##*/}

# Copy exactly $1 bytes from stdin (the request stream) to stdout; false if the output failed.
pxp_read_exact() {
  if [ "$1" = 0 ]; then return 0; fi
  case $pxp_exact in
    head) head -c "$1" ;;
    ddfull)
      pxp_q=$(($1 / 65536)); pxp_m=$(($1 % 65536))
      { [ "$pxp_q" = 0 ] || dd bs=65536 count="$pxp_q" iflag=fullblock 2>/dev/null; } &&
      { [ "$pxp_m" = 0 ] || dd bs="$pxp_m" count=1 iflag=fullblock 2>/dev/null; } ;;
    *) dd bs=1 count="$1" 2>/dev/null ;;
  esac
}

# pxp_len STRING: sets pxp_r to its length in bytes.
pxp_len() {
  if [ "$pxp_bytelen" = 1 ]; then pxp_r=${#1}; else pxp_r=$(command printf %s "$1" | wc -c); pxp_r=$((pxp_r + 0)); fi
}

pxp_size() { stat -c %s -- "$1"; }

pxp_frame() { command printf '#PXP1 %s %s %s\n' "$pxp_id" "$1" "$2"; }

# pxp_reply_str TAG STRING
pxp_reply_str() {
  pxp_len "$2"
  pxp_frame "$1" "$pxp_r"
  command printf %s "$2"
}

# pxp_reply_file TAG FILE
pxp_reply_file() {
  if [ ! -s "$2" ]; then pxp_frame "$1" 0; return; fi
  pxp_frame "$1" "$(pxp_size "$2")"
  cat -- "$2"
}

pxp_ok() { pxp_reply_str K "${1-}"; }

# pxp_err CODE MESSAGE [FILE whose content (a command's output) is appended]
pxp_err() {
  pxp_e="$1 $2"
  if [ $# -ge 3 ] && [ -s "$3" ]; then pxp_e="$pxp_e: $(head -c 4000 "$3")"; fi
  pxp_reply_str E "$pxp_e"
}

# pxp_sect FILE: a length-prefixed section of a multi-part payload.
pxp_sect() {
  command printf '%s\n' "$(pxp_size "$1")"
  cat -- "$1"
}

# pxp_sha FILE: sets pxp_r to the file's hex sha256.
pxp_sha() {
  pxp_r=$(sha256sum -- "$1" </dev/null) || return 1
  pxp_r=${pxp_r#\\}
  pxp_r=${pxp_r%%[!0-9a-f]*}
}

# pxp_split_path PATH: pxp_d (directory) and pxp_b (base name). Paths are absolute (the client checks).
pxp_split_path() {
  pxp_d=${1%/*}; pxp_b=${1##*/}
  if [ -z "$pxp_d" ]; then pxp_d=/; fi
}

# Remove leftovers of killed runs: .NAME.pxeprov-tmp.PID whose PID is gone.
pxp_stale() {
  for pxp_sf in "$1/.$2.pxeprov-tmp."*; do
    if [ ! -e "$pxp_sf" ] && [ ! -L "$pxp_sf" ]; then continue; fi
    pxp_spid=${pxp_sf##*.}
    if [ "$pxp_spid" = "$$" ]; then continue; fi
    case $pxp_spid in *[!0-9]*|'') continue ;; esac
    if kill -0 "$pxp_spid" 2>/dev/null; then continue; fi
    rm -rf -- "$pxp_sf"
  done
}

# pxp_attrs PATH MODE OWNER GROUP: apply what is non-empty.
pxp_attrs() {
  if [ -n "$2" ]; then chmod -- "$2" "$1" 2>"$pxp_tmp/err" || return 1; fi
  if [ -n "$3" ] && [ -n "$4" ]; then chown -h -- "$3:$4" "$1" 2>"$pxp_tmp/err" || return 1
  elif [ -n "$3" ]; then chown -h -- "$3" "$1" 2>"$pxp_tmp/err" || return 1
  elif [ -n "$4" ]; then chgrp -h -- "$4" "$1" 2>"$pxp_tmp/err" || return 1; fi
  return 0
}

# pxp_attrs_match "MODE UID GID USER GROUP" (current) MODE OWNER GROUP (wanted, empty = any).
pxp_attrs_match() {
  set -- "$2" "$3" "$4" $1
  if [ -n "$1" ] && [ "$1" != "$4" ]; then return 1; fi
  if [ -n "$2" ] && [ "$2" != "$5" ] && [ "$2" != "$7" ]; then return 1; fi
  if [ -n "$3" ] && [ "$3" != "$6" ] && [ "$3" != "$8" ]; then return 1; fi
  return 0
}

# stat FLAG PATH...: FLAG s = also sha256 of regular files. Payload: sections kinds (one letter
# a/f/d/l/o per path), stat lines of the non-absent paths in order, link targets (NUL-terminated),
# sha256sum records of the regular files. No xargs: busybox xargs corrupts arguments when it runs
# an applet in-process; the client keeps a request's paths well under ARG_MAX.
pxp_op_stat() {
  pxp_flag=$1; shift
  stat -c '%f %u %g %s %Y %U %G' -- "$@" >"$pxp_tmp/stats" 2>/dev/null
  pxp_kinds=
  # Rotate "$@" so that it ends up holding the regular files only.
  for pxp_p do
    shift
    if [ -L "$pxp_p" ]; then pxp_k=l
      pxp_t=$(readlink -- "$pxp_p"; echo x); pxp_t=${pxp_t%?x}
      command printf '%s\0' "$pxp_t" >&5
    elif [ -f "$pxp_p" ]; then pxp_k=f; set -- "$@" "$pxp_p"
    elif [ -d "$pxp_p" ]; then pxp_k=d
    elif [ -e "$pxp_p" ]; then pxp_k=o
    else pxp_k=a; fi
    pxp_kinds=$pxp_kinds$pxp_k
  done 5>"$pxp_tmp/links"
  : >"$pxp_tmp/shas"
  if [ "$pxp_flag" = s ] && [ $# -gt 0 ]; then sha256sum -- "$@" >"$pxp_tmp/shas" 2>/dev/null; fi
  # Four sections "LEN\n" + bytes, written by one wc and one cat: every process costs a few ms.
  wc -c "$pxp_tmp/stats" "$pxp_tmp/links" "$pxp_tmp/shas" >"$pxp_tmp/sizes"
  { read -r pxp_s1 pxp_f; read -r pxp_s2 pxp_f; read -r pxp_s3 pxp_f; } <"$pxp_tmp/sizes"
  pxp_kl=${#pxp_kinds}
  command printf '%s\n%s%s\n' "$pxp_kl" "$pxp_kinds" "$pxp_s1" >"$pxp_tmp/h1"
  command printf '%s\n' "$pxp_s2" >"$pxp_tmp/h2"
  command printf '%s\n' "$pxp_s3" >"$pxp_tmp/h3"
  pxp_n=$((${#pxp_kl} + 1 + pxp_kl + ${#pxp_s1} + 1 + pxp_s1 + ${#pxp_s2} + 1 + pxp_s2 + ${#pxp_s3} + 1 + pxp_s3))
  pxp_frame K "$pxp_n"
  cat -- "$pxp_tmp/h1" "$pxp_tmp/stats" "$pxp_tmp/h2" "$pxp_tmp/links" "$pxp_tmp/h3" "$pxp_tmp/shas"
}

# read PATH: part d = content, then K; K "absent" without a part when PATH does not exist.
pxp_op_read() {
  if [ ! -e "$1" ]; then
    if [ -L "$1" ]; then pxp_err E_REMOTE "dangling symlink"; else pxp_ok absent; fi
    return
  fi
  if [ -d "$1" ]; then pxp_err E_REMOTE "is a directory"; return; fi
  if [ ! -r "$1" ]; then pxp_err E_REMOTE "permission denied"; return; fi
  pxp_before=$(stat -L -c '%s %Y' -- "$1") || { pxp_err E_REMOTE "cannot stat"; return; }
  pxp_n=${pxp_before%% *}
  if [ "$pxp_n" = 0 ]; then
    # procfs and sysfs files report size 0 whatever they hold: read them whole, then frame what came.
    cat -- "$1" >"$pxp_tmp/read" 2>/dev/null || { pxp_err E_REMOTE "cannot read"; return; }
    pxp_reply_file d "$pxp_tmp/read"
    pxp_ok
    return
  fi
  pxp_frame d "$pxp_n"
  # Exactly N bytes even if the file shrinks meanwhile (zero-padded); the re-stat below reports it.
  if [ "$pxp_n" -le 1048576 ]; then
    if [ "$pxp_n" -gt 0 ]; then dd if="$1" bs="$pxp_n" count=1 conv=sync 2>/dev/null; fi
  else
    cat -- "$1" /dev/zero 2>/dev/null | head -c "$pxp_n"
  fi
  if [ "$(stat -L -c '%s %Y' -- "$1" 2>/dev/null)" != "$pxp_before" ]; then
    pxp_err E_REMOTE "the file changed while it was read"
  else pxp_ok; fi
}

# The content is already there: only attributes may need a change.
pxp_write_same() {
  if pxp_attrs_match "${pxp_old#* }" "$pxp_wm" "$pxp_wo" "$pxp_wg"; then pxp_ok 0; return; fi
  if pxp_attrs "$pxp_p" "$pxp_wm" "$pxp_wo" "$pxp_wg"; then pxp_ok 1; else pxp_err E_REMOTE "cannot set attributes" "$pxp_tmp/err"; fi
}

# write PATH SIZE MODE OWNER GROUP BACKUP SHA256-OR-EMPTY [VALIDATE ARGV...]; body = content, then
# the trailer line "c SHA256" (commit) or "a" (abort).
pxp_op_write() {
  pxp_p=$1 pxp_n=$2 pxp_wm=$3 pxp_wo=$4 pxp_wg=$5 pxp_wb=$6 pxp_pre=$7
  shift 7
  pxp_split_path "$pxp_p"
  if [ ! -d "$pxp_d" ]; then pxp_err E_REMOTE "no such directory: $pxp_d"; return; fi
  if [ -d "$pxp_p" ] && [ ! -L "$pxp_p" ]; then pxp_err E_REMOTE "is a directory"; return; fi
  # The replaced file: "size mode uid gid user group", or empty.
  pxp_old=
  if [ -f "$pxp_p" ] && [ ! -L "$pxp_p" ]; then pxp_old=$(stat -c '%s %a %u %g %U %G' -- "$pxp_p"); fi
  # Content known up front and already there: no temp file at all (the directory is not touched either).
  if [ -n "$pxp_pre" ] && [ "${pxp_old%% *}" = "$pxp_n" ] && pxp_sha "$pxp_p" && [ "$pxp_r" = "$pxp_pre" ]; then
    pxp_read_exact "$pxp_n" >/dev/null
    pxp_body_left=0
    IFS= read -r pxp_trailer || exit 0
    pxp_trailer_left=0
    if [ "$pxp_trailer" != "c $pxp_pre" ]; then pxp_err E_REMOTE "upload aborted by the client"; return; fi
    pxp_write_same
    return
  fi
  pxp_stale "$pxp_d" "$pxp_b"
  pxp_t="$pxp_d/.$pxp_b.pxeprov-tmp.$$"
  pxp_curtmp=$pxp_t
  : >"$pxp_t" 2>"$pxp_tmp/err" || { pxp_curtmp=; pxp_err E_REMOTE "cannot create a temp file" "$pxp_tmp/err"; return; }
  # A failed copy (disk full) leaves the stream out of step: report and end the agent.
  # Large bodies are hashed while they arrive (the second core), not after.
  pxp_tsum=
  if [ "$pxp_n" -gt 1048576 ]; then
    pxp_read_exact "$pxp_n" | tee "$pxp_t" | sha256sum >"$pxp_tmp/sum"
    if [ "$(pxp_size "$pxp_t")" != "$pxp_n" ]; then pxp_err E_REMOTE "could not write $pxp_n bytes to $pxp_t (disk full?)"; exit 91; fi
    read -r pxp_tsum <"$pxp_tmp/sum"
    pxp_tsum=${pxp_tsum%% *}
  elif ! pxp_read_exact "$pxp_n" >"$pxp_t"; then
    pxp_err E_REMOTE "could not write $pxp_n bytes to $pxp_t (disk full?)"
    exit 91
  fi
  pxp_body_left=0
  # No trailer means EOF: the client is gone mid-upload (the EXIT trap removes the temp file).
  IFS= read -r pxp_trailer || exit 0
  pxp_trailer_left=0
  case $pxp_trailer in
    'c '*) pxp_want=${pxp_trailer#c } ;;
    *) rm -f -- "$pxp_t"; pxp_curtmp=; pxp_err E_REMOTE "upload aborted by the client"; return ;;
  esac
  if [ "${pxp_old%% *}" = "$pxp_n" ] && pxp_sha "$pxp_p" && [ "$pxp_r" = "$pxp_want" ]; then
    rm -f -- "$pxp_t"; pxp_curtmp=
    pxp_write_same
    return
  fi
  if [ -n "$pxp_tsum" ]; then pxp_r=$pxp_tsum; else pxp_sha "$pxp_t"; fi
  if [ "$pxp_r" != "$pxp_want" ]; then
    rm -f -- "$pxp_t"; pxp_curtmp=; pxp_err E_REMOTE "sha256 mismatch after transfer ($pxp_r)"; return
  fi
  dd if=/dev/null of="$pxp_t" conv=notrunc,fsync 2>/dev/null
  # Keep the replaced file's attributes unless new ones are asked for.
  if [ -n "$pxp_old" ]; then
    pxp_r=${pxp_old#* }
    pxp_om=${pxp_r%% *}; pxp_r=${pxp_r#* }
    pxp_ou=${pxp_r%% *}; pxp_r=${pxp_r#* }
    pxp_og=${pxp_r%% *}
    if [ -z "$pxp_wm" ]; then chmod -- "$pxp_om" "$pxp_t"; fi
    if [ -z "$pxp_wo$pxp_wg" ]; then chown -- "$pxp_ou:$pxp_og" "$pxp_t" 2>/dev/null; fi
  fi
  if ! pxp_attrs "$pxp_t" "$pxp_wm" "$pxp_wo" "$pxp_wg"; then
    rm -f -- "$pxp_t"; pxp_curtmp=; pxp_err E_REMOTE "cannot set attributes" "$pxp_tmp/err"; return
  fi
  if [ $# -gt 0 ]; then
    for pxp_a do
      shift
      case $pxp_a in *%s*) pxp_a=${pxp_a%%"%s"*}$pxp_t${pxp_a#*"%s"} ;; esac
      set -- "$@" "$pxp_a"
    done
    if ! "$@" </dev/null >"$pxp_tmp/err" 2>&1; then
      rm -f -- "$pxp_t"; pxp_curtmp=; pxp_err E_CONFIG_CHECK "$1 refused the new content" "$pxp_tmp/err"; return
    fi
  fi
  pxp_bk=
  if [ "$pxp_wb" = 1 ] && [ -f "$pxp_p" ]; then
    pxp_bdir=$pxp_state/backup$pxp_p
    pxp_bseq=$((pxp_bseq + 1))
    pxp_bk=$pxp_bdir/$(date +%Y%m%dT%H%M%S).$$.$((1000000 + pxp_bseq))
    if ! { mkdir -p -- "$pxp_bdir" && cp -p -- "$pxp_p" "$pxp_bk"; } 2>"$pxp_tmp/err"; then
      rm -f -- "$pxp_t"; pxp_curtmp=; pxp_err E_REMOTE "cannot back up the old file" "$pxp_tmp/err"; return
    fi
    # Bounded retention: the glob sorts oldest first; keep the last 5.
    set -- "$pxp_bdir"/*
    while [ $# -gt 5 ]; do rm -f -- "$1"; shift; done
  fi
  if ! mv -f -T -- "$pxp_t" "$pxp_p" 2>"$pxp_tmp/err"; then
    rm -f -- "$pxp_t"; pxp_curtmp=; pxp_err E_REMOTE "rename failed" "$pxp_tmp/err"; return
  fi
  pxp_curtmp=
  pxp_ok "1 $pxp_bk"
}

# attrs PATH MODE OWNER GROUP
pxp_op_attrs() {
  if [ ! -e "$1" ] && [ ! -L "$1" ]; then pxp_err E_REMOTE "no such file or directory"; return; fi
  if pxp_attrs "$@"; then pxp_ok; else pxp_err E_REMOTE "cannot set attributes" "$pxp_tmp/err"; fi
}

# mkdir PATH PARENTS(0|1) MODE OWNER GROUP
pxp_op_mkdir() {
  if [ ! -d "$1" ]; then
    if [ "$2" = 1 ]; then set -- "$1" -p "$3" "$4" "$5"; else set -- "$1" '' "$3" "$4" "$5"; fi
    mkdir $2 -- "$1" 2>"$pxp_tmp/err" || { pxp_err E_REMOTE "mkdir failed" "$pxp_tmp/err"; return; }
  fi
  if pxp_attrs "$1" "$3" "$4" "$5"; then pxp_ok; else pxp_err E_REMOTE "cannot set attributes" "$pxp_tmp/err"; fi
}

# rm PATH RECURSIVE(0|1)
pxp_op_rm() {
  if [ "$1" = / ]; then pxp_err E_REMOTE "refusing to remove /"; return; fi
  if [ "$2" = 1 ]; then rm -rf -- "$1" 2>"$pxp_tmp/err"; else rm -f -- "$1" 2>"$pxp_tmp/err"; fi
  if [ $? = 0 ]; then pxp_ok; else pxp_err E_REMOTE "rm failed" "$pxp_tmp/err"; fi
}

# link TARGET PATH: atomic replace through a temp link and rename.
pxp_op_link() {
  if [ -L "$2" ]; then
    pxp_t=$(readlink -- "$2"; echo x); pxp_t=${pxp_t%?x}
    if [ "$pxp_t" = "$1" ]; then pxp_ok 0; return; fi
  fi
  pxp_split_path "$2"
  pxp_stale "$pxp_d" "$pxp_b"
  pxp_t="$pxp_d/.$pxp_b.pxeprov-tmp.$$"
  rm -f -- "$pxp_t"
  if ln -s -- "$1" "$pxp_t" 2>"$pxp_tmp/err" && mv -f -T -- "$pxp_t" "$2" 2>>"$pxp_tmp/err"; then pxp_ok 1
  else rm -f -- "$pxp_t"; pxp_err E_REMOTE "symlink failed" "$pxp_tmp/err"; fi
}

# swap FROM TO: TO becomes FROM by renames (TO is briefly absent, never a mix); old TO removed after.
pxp_op_swap() {
  if [ ! -d "$1" ]; then pxp_err E_REMOTE "not a directory: $1"; return; fi
  pxp_split_path "$2"
  pxp_o="$pxp_d/.$pxp_b.pxeprov-old.$$"
  if [ -e "$2" ] || [ -L "$2" ]; then
    mv -f -T -- "$2" "$pxp_o" 2>"$pxp_tmp/err" || { pxp_err E_REMOTE "rename failed" "$pxp_tmp/err"; return; }
    if ! mv -f -T -- "$1" "$2" 2>"$pxp_tmp/err"; then
      mv -f -T -- "$pxp_o" "$2"; pxp_err E_REMOTE "rename failed" "$pxp_tmp/err"; return
    fi
    rm -rf -- "$pxp_o"
  else
    mv -f -T -- "$1" "$2" 2>"$pxp_tmp/err" || { pxp_err E_REMOTE "rename failed" "$pxp_tmp/err"; return; }
  fi
  pxp_ok
}

# exec TIMEOUT CWD NENV ENV... ARGV...; body = stdin. Parts o and e, then K RC.
pxp_op_exec() {
  pxp_to=$1 pxp_cwd=$2 pxp_ne=$3
  shift 3
  pxp_read_exact "$pxp_blen" >"$pxp_tmp/in"
  pxp_body_left=0
  if [ "$pxp_to" != 0 ] && command -v timeout >/dev/null 2>&1; then pxp_tp="timeout -k 5 $pxp_to"; else pxp_tp=; fi
  (
    if [ -n "$pxp_cwd" ]; then cd -- "$pxp_cwd" || exit 126; fi
    while [ "$pxp_ne" -gt 0 ]; do export "$1"; shift; pxp_ne=$((pxp_ne - 1)); done
    exec $pxp_tp "$@"
  ) <"$pxp_tmp/in" >"$pxp_tmp/out" 2>"$pxp_tmp/err"
  pxp_rc=$?
  pxp_reply_file o "$pxp_tmp/out"
  pxp_reply_file e "$pxp_tmp/err"
  pxp_ok "$pxp_rc"
}

# tree DIR: sections: entries (NUL-terminated), their stat lines, regular files (NUL), their
# sha256sum records, link names and targets (NUL pairs). K "absent" when DIR is not a directory.
# Each find -exec batch writes its names (fd 3) and their records (stdout) together, in one order.
pxp_op_tree() {
  if [ ! -d "$1" ]; then pxp_ok absent; return; fi
  : >"$pxp_tmp/err"
  find "$1" -mindepth 1 -exec sh -c 'printf "%s\0" "$@" >&3; stat -c "%f %s" -- "$@"' sh {} + \
    3>"$pxp_tmp/list" >"$pxp_tmp/stats" 2>>"$pxp_tmp/err"
  find "$1" -mindepth 1 -type f -exec sh -c 'printf "%s\0" "$@" >&3; sha256sum -- "$@"' sh {} + \
    3>"$pxp_tmp/files" >"$pxp_tmp/shas" 2>>"$pxp_tmp/err"
  find "$1" -mindepth 1 -type l -exec sh -c 'for f do t=$(readlink -- "$f"; echo x); printf "%s\0%s\0" "$f" "${t%?x}"; done' sh {} + \
    >"$pxp_tmp/links" 2>>"$pxp_tmp/err"
  if [ -s "$pxp_tmp/err" ]; then pxp_err E_REMOTE "cannot hash the tree" "$pxp_tmp/err"; return; fi
  for pxp_f in list stats files shas links; do pxp_sect "$pxp_tmp/$pxp_f"; done >"$pxp_tmp/out"
  pxp_reply_file K "$pxp_tmp/out"
}

# list DIR: what tree gives without reading a byte of content (a quick check of size and mtime, like
# rsync's): sections entries (NUL-terminated), their stat lines "%f %s %Y", link names and targets (NUL
# pairs). K "absent" when DIR is not a directory.
pxp_op_list() {
  if [ ! -d "$1" ]; then pxp_ok absent; return; fi
  true >"$pxp_tmp/err"
  find "$1" -mindepth 1 -exec sh -c 'printf "%s\0" "$@" >&3; stat -c "%f %s %Y" -- "$@"' sh {} + \
    3>"$pxp_tmp/list" >"$pxp_tmp/stats" 2>>"$pxp_tmp/err"
  find "$1" -mindepth 1 -type l -exec sh -c 'for f do t=$(readlink -- "$f"; echo x); printf "%s\0%s\0" "$f" "${t%?x}"; done' sh {} + \
    >"$pxp_tmp/links" 2>>"$pxp_tmp/err"
  if [ -s "$pxp_tmp/err" ]; then pxp_err E_REMOTE "cannot list the tree" "$pxp_tmp/err"; return; fi
  for pxp_f in list stats links; do pxp_sect "$pxp_tmp/$pxp_f"; done >"$pxp_tmp/out"
  pxp_reply_file K "$pxp_tmp/out"
}

# pxp_fact NAME COMMAND...: a section "NAME LEN\n" + the command's output.
pxp_fact() {
  pxp_fn=$1; shift
  pxp_v=$("$@" 2>/dev/null </dev/null)
  pxp_len "$pxp_v"
  command printf '%s %s\n%s' "$pxp_fn" "$pxp_r" "$pxp_v"
}

pxp_fact_init() {
  if [ -d /run/systemd/system ]; then echo systemd
  elif [ -f /etc/inittab ]; then echo sysvinit
  else echo other; fi
}

# One line per interface: name mac operstate flags (from /sys, no process per interface).
pxp_fact_links() {
  for pxp_i in /sys/class/net/*; do
    [ -e "$pxp_i" ] || continue
    pxp_mac=; pxp_st=; pxp_fl=
    read -r pxp_mac <"$pxp_i/address" 2>/dev/null
    read -r pxp_st <"$pxp_i/operstate" 2>/dev/null
    read -r pxp_fl <"$pxp_i/flags" 2>/dev/null
    echo "${pxp_i##*/} ${pxp_mac:--} ${pxp_st:--} ${pxp_fl:-0}"
  done
}

pxp_fact_files() {
  for pxp_f do
    if [ -f "$pxp_f" ]; then command printf '==> %s\n' "$pxp_f"; cat -- "$pxp_f"; echo; fi
  done
}

pxp_fact_nm() {
  if [ -d /run/NetworkManager ] && command -v nmcli >/dev/null 2>&1; then nmcli -t -f DEVICE,STATE dev; fi
}

pxp_fact_df() {
  for pxp_f in / /var /srv; do
    if [ -d "$pxp_f" ]; then command printf '%s ' "$pxp_f"; df -Pk "$pxp_f" | tail -n 1; fi
  done
}

pxp_fact_dpkg() {
  if [ $# -gt 0 ] && command -v dpkg-query >/dev/null 2>&1; then
    dpkg-query -W -f '${Package}\t${Status}\t${Version}\n' -- "$@"
  fi
  return 0
}

# facts PACKAGE...: sections named for what they hold; parsed by src/transport/facts.ts.
pxp_op_facts() {
  {
    pxp_fact os pxp_fact_files /etc/os-release
    pxp_fact uname uname -n -r -m
    pxp_fact id id
    pxp_fact init pxp_fact_init
    pxp_fact links pxp_fact_links
    pxp_fact addr ip addr show
    pxp_fact route cat /proc/net/route
    pxp_fact ssh echo "$pxp_sshconn"
    pxp_fact shell echo "$pxp_shell"
    pxp_fact netplan pxp_fact_files /etc/netplan/*.yaml
    pxp_fact ifupdown pxp_fact_files /etc/network/interfaces /etc/network/interfaces.d/*
    pxp_fact nm pxp_fact_nm
    pxp_fact df pxp_fact_df
    pxp_fact dpkg pxp_fact_dpkg "$@"
  } >"$pxp_tmp/out"
  pxp_reply_file K "$pxp_tmp/out"
}

# Read NARGS argument lines into pxp_a1..pxp_aN.
pxp_read_args() {
  pxp_i=0
  while [ "$pxp_i" -lt "$1" ]; do
    pxp_i=$((pxp_i + 1))
    IFS= read -r pxp_l || exit 0
    case $pxp_l in
      =*) pxp_v=${pxp_l#=} ;;
      %*) pxp_v=$(command printf "${pxp_l#%}x"); pxp_v=${pxp_v%x} ;;
      *) pxp_id=0; pxp_err E_AGENT "bad argument line"; exit 92 ;;
    esac
    eval "pxp_a$pxp_i=\$pxp_v"
  done
}

pxp_main() {
  pxp_id=0
  pxp_reply_str R "pxeprov-agent $pxp_version $pxp_shell $pxp_exact $pxp_mode"
  while IFS=' ' read -r pxp_id pxp_op pxp_nargs pxp_blen; do
    case $pxp_nargs$pxp_blen in *[!0-9]*|'') pxp_err E_AGENT "bad request header"; exit 92 ;; esac
    pxp_read_args "$pxp_nargs"
    pxp_body_left=$pxp_blen
    pxp_trailer_left=0
    if [ "$pxp_op" = write ]; then pxp_trailer_left=1; fi
    case $pxp_op in
      stat|read|facts|tree|list|exec) ;;
      write|attrs|mkdir|rm|link|swap)
        if [ "$pxp_mode" != rw ]; then pxp_op=refuse; elif [ ! -d "$pxp_state" ]; then mkdir -p "$pxp_state" 2>/dev/null; fi ;;
      *) pxp_op=unknown ;;
    esac
    case $pxp_op in
      refuse) pxp_err E_READ_ONLY "the agent was opened read-only (check mode)" ;;
      unknown) pxp_err E_AGENT "unknown operation" ;;
      *)
        pxp_call=; pxp_i=0
        while [ "$pxp_i" -lt "$pxp_nargs" ]; do pxp_i=$((pxp_i + 1)); pxp_call="$pxp_call \"\$pxp_a$pxp_i\""; done
        eval "pxp_op_$pxp_op $pxp_call" ;;
    esac
    # Keep the stream in step when an operation did not consume its body (and trailer).
    if [ "$pxp_body_left" -gt 0 ]; then pxp_read_exact "$pxp_body_left" >/dev/null; fi
    if [ "$pxp_trailer_left" = 1 ]; then IFS= read -r pxp_l || exit 0; fi
    pxp_curtmp=
  done
}

pxp_main
