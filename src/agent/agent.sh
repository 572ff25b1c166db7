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
pxp_lock=
pxp_tmp=
pxp_bseq=0
pxp_nl=$(command printf '\nx')
pxp_nl=${pxp_nl%x}

# Remove the temp file of a write in progress and our scratch dir, whatever ends the agent.
pxp_cleanup() {
  if [ -n "$pxp_curtmp" ]; then rm -f -- "$pxp_curtmp"; fi
  if [ -n "$pxp_lock" ]; then rm -rf -- "$pxp_lock"; fi
  if [ -n "$pxp_tmp" ]; then rm -rf -- "$pxp_tmp"; fi
}
trap pxp_cleanup EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 141' PIPE
trap 'exit 143' TERM

pxp_tmp=$(mktemp -d "${TMPDIR:-/tmp}/pxeprov.XXXXXX") || exit 90
# One `id` for the uid, the gid and the facts: "uid=0(root) gid=0(root) ..." (names may be missing).
pxp_ids=$(id) || exit 90
pxp_uid=${pxp_ids#uid=}; pxp_uid=${pxp_uid%%[!0-9]*}
pxp_gid=${pxp_ids#* gid=}; pxp_gid=${pxp_gid%%[!0-9]*}
# Operations on paths run inside their directory (pxp_enter); everything else here.
pxp_home=$(pwd -P 2>/dev/null) || pxp_home=/

# An exact reader: GNU head -c stops at N bytes on a pipe; busybox head reads past them, so
# fall back to dd with iflag=fullblock, else to dd bs=1 (exact but slow). Probed on the first body
# (a run that writes nothing never needs it).
pxp_exact=
pxp_fullblock=
pxp_probe_exact() {
  if [ "$(command printf abc | { head -c 1 >/dev/null; cat; })" = bc ]; then
    pxp_exact=head
  elif pxp_has_fullblock; then
    pxp_exact=ddfull
  else
    pxp_exact=dd1
  fi
}

# Whether dd reads whole blocks from a pipe (iflag=fullblock) and no further; probed once.
pxp_has_fullblock() {
  if [ -z "$pxp_fullblock" ]; then
    pxp_fullblock=no
    if [ "$(command printf abcdef | { dd bs=2 count=1 iflag=fullblock >/dev/null 2>&1; cat; })" = cdef ]; then pxp_fullblock=yes; fi
  fi
  [ "$pxp_fullblock" = yes ]
}

# ${#var} counts bytes only in a byte locale; some shells (busybox) count characters.
pxp_s=$(command printf '\303\251')
if [ "${#pxp_s}" = 2 ]; then pxp_bytelen=1; else pxp_bytelen=0; fi

pxp_shell=$(readlink /proc/$$/exe 2>/dev/null) || pxp_shell=sh
pxp_shell=${pxp_shell##*/}

# Copy exactly $1 bytes from stdin (the request stream) to stdout; false if the output failed.
pxp_read_exact() {
  if [ "$1" = 0 ]; then return 0; fi
  if [ -z "$pxp_exact" ]; then pxp_probe_exact; fi
  pxp_how=$pxp_exact
  # head -c copies 8 KB a system call: for a large body dd's 64 KB blocks take half the system time.
  if [ "$pxp_how" = head ] && [ "$1" -gt 1048576 ] && pxp_has_fullblock; then pxp_how=ddfull; fi
  case $pxp_how in
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

# pxp_reply_sections FILE...: a K frame whose payload is each file as a section "LEN\n" + its bytes, with one
# wc and one cat (every process costs a few ms).
pxp_reply_sections() {
  wc -c -- "$@" >"$pxp_tmp/sizes" || { pxp_err E_REMOTE "cannot size the reply"; return; }
  pxp_k=0 pxp_total=0 pxp_parts=
  while read -r pxp_s pxp_f && [ "$pxp_k" -lt $# ]; do
    pxp_k=$((pxp_k + 1))
    command printf '%s\n' "$pxp_s" >"$pxp_tmp/sect.$pxp_k"
    pxp_total=$((pxp_total + ${#pxp_s} + 1 + pxp_s))
    pxp_parts="$pxp_parts \"\$pxp_tmp/sect.$pxp_k\" \"\${$pxp_k}\""
  done <"$pxp_tmp/sizes"
  pxp_frame K "$pxp_total"
  eval "cat --$pxp_parts"
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

# Remove leftovers of killed runs in the current directory: .NAME.pxeprov-tmp.PID[.RANDOM] whose PID
# is gone. rm never follows a link; names that are not ours to parse are left alone.
pxp_stale() {
  for pxp_sf in ".$1.pxeprov-tmp."*; do
    if [ ! -e "$pxp_sf" ] && [ ! -L "$pxp_sf" ]; then continue; fi
    pxp_spid=${pxp_sf#".$1.pxeprov-tmp."}; pxp_spid=${pxp_spid%%.*}
    case $pxp_spid in *[!0-9]*|'') continue ;; esac
    if [ "$pxp_spid" = "$$" ] || kill -0 "$pxp_spid" 2>/dev/null; then continue; fi
    if [ -d "$pxp_sf" ] && [ ! -L "$pxp_sf" ]; then continue; fi
    rm -f -- "$pxp_sf"
  done
}

# pxp_trusted "UID MODE": true when only root and this agent's user can change the directory's
# entries (owned by one of them, no group or other write bit).
pxp_trusted() {
  pxp_tu=${1%% *}; pxp_tm=${1#* }
  if [ "$pxp_tu" != 0 ] && [ "$pxp_tu" != "$pxp_uid" ]; then return 1; fi
  [ $((0$pxp_tm & 022)) = 0 ]
}

# pxp_enter DIR [CREATE(0|1)]: cd into DIR without letting another user steer the walk (the openat
# walk of a C program, in sh: the shell's working directory pins each step). In a directory another
# user can write to, the next component must be a real directory, entered and then checked to be the
# same inode; symbolic links are followed only where root or this user owns their directory. With
# CREATE, missing components are made (mode from the umask, like mkdir -p). On failure pxp_r says why.
pxp_enter() {
  pxp_rest=$1 pxp_mk=${2-0} pxp_hops=0
  cd / || { pxp_r="cannot enter /"; return 1; }
  while :; do
    while :; do case $pxp_rest in /*) pxp_rest=${pxp_rest#/} ;; *) break ;; esac; done
    if [ -z "$pxp_rest" ]; then break; fi
    pxp_c=${pxp_rest%%/*}
    case $pxp_rest in */*) pxp_rest=${pxp_rest#*/} ;; *) pxp_rest= ;; esac
    if [ "$pxp_c" = . ]; then continue; fi
    if [ ! -e "$pxp_c" ] && [ ! -L "$pxp_c" ] && [ "$pxp_mk" = 1 ]; then
      mkdir -- "$pxp_c" 2>"$pxp_tmp/err"
    fi
    # One stat: this directory (owner, mode, inode) and the component itself, not followed.
    if ! stat -c '%u %a %d:%i %F' -- . "$pxp_c" >"$pxp_tmp/walk" 2>"$pxp_tmp/err"; then
      pxp_r="$(head -c 300 "$pxp_tmp/err")"; return 1
    fi
    { read -r pxp_du pxp_dm pxp_di pxp_f; read -r pxp_cu pxp_cm pxp_ci pxp_ck; } <"$pxp_tmp/walk"
    case $pxp_ck in
      directory)
        cd -P -- "$pxp_c" 2>"$pxp_tmp/err" || { pxp_r="cannot enter $pxp_c"; return 1; }
        # Checked before anything is done in it: it must be the directory lstat saw, not a link swapped in.
        if ! pxp_trusted "$pxp_du $pxp_dm" && [ "$(stat -c %d:%i . 2>/dev/null)" != "$pxp_ci" ]; then
          pxp_r="a directory on the path was replaced while it was entered"; return 1
        fi ;;
      symbolic*)
        if ! pxp_trusted "$pxp_du $pxp_dm"; then pxp_r="$pxp_c is a symbolic link in a directory other users can write to (not followed)"; return 1; fi
        pxp_hops=$((pxp_hops + 1))
        if [ "$pxp_hops" -gt 40 ]; then pxp_r="too many levels of symbolic links"; return 1; fi
        pxp_t=$(readlink -- "$pxp_c"; echo x); pxp_t=${pxp_t%?x}
        case $pxp_t in /*) cd / || return 1 ;; esac
        pxp_rest=$pxp_t/$pxp_rest ;;
      *) pxp_r="not a directory: $pxp_c"; return 1 ;;
    esac
  done
  return 0
}

# pxp_enter_parent PATH: enter PATH's directory (pxp_b = the name in it), or reply the error.
pxp_enter_parent() {
  pxp_split_path "$1"
  case $pxp_b in ''|.|..) pxp_err E_REMOTE "$1: not a name in a directory"; return 1 ;; esac
  if pxp_enter "$pxp_d"; then return 0; fi
  pxp_err E_REMOTE "$pxp_d: $pxp_r"; return 1
}

# pxp_attrs NAME MODE OWNER GROUP: apply what is non-empty to NAME in the current directory, or to
# "." itself. chown before chmod (chown clears set-id bits). A name that is not "." is changed through
# a descriptor opened on it and checked to be the inode that lstat saw, so a name swapped for a link
# meanwhile is refused, never followed; a symbolic link itself only gets chown -h.
pxp_attrs() {
  if [ -z "$2$3$4" ]; then return 0; fi
  if [ -n "$3" ] && [ -n "$4" ]; then pxp_own=$3:$4; elif [ -n "$3" ]; then pxp_own=$3; elif [ -n "$4" ]; then pxp_own=:$4; else pxp_own=; fi
  if [ "$1" = . ]; then pxp_attrs_at . "$2" "$pxp_own"; return; fi
  pxp_i=$(stat -c '%d:%i %F' -- "$1" 2>"$pxp_tmp/err") || return 1
  case ${pxp_i#* } in
    symbolic*)
      if [ -n "$2" ]; then command printf '%s\n' "$1 is a symbolic link: its mode is not set" >"$pxp_tmp/err"; return 1; fi
      pxp_chown -h "$pxp_own" "$1"; return ;;
    'regular file'|'regular empty file'|directory) ;;
    *) command printf '%s\n' "$1 is not a regular file or directory" >"$pxp_tmp/err"; return 1 ;;
  esac
  {
    if [ "$(stat -L -c %d:%i /dev/fd/3)" != "${pxp_i%% *}" ]; then
      command printf '%s\n' "$1 was replaced while its attributes were set" >"$pxp_tmp/err"; false
    else pxp_attrs_at /dev/fd/3 "$2" "$pxp_own"; fi
  } 3<"$1"
}

# pxp_chown -h|-L OWNER[:GROUP]|:GROUP TARGET (-h: the link itself, -L: what it points to)
pxp_chown() {
  case $2 in
    :*) chgrp "$1" -- "${2#:}" "$3" 2>|"$pxp_tmp/err" ;;
    *) chown "$1" -- "$2" "$3" 2>|"$pxp_tmp/err" ;;
  esac
}

# pxp_attrs_at TARGET MODE OWNER[:GROUP]: TARGET is "." or a descriptor, neither can be swapped.
pxp_attrs_at() {
  if [ -n "$3" ]; then pxp_chown -L "$3" "$1" || return 1; fi
  if [ -n "$2" ]; then chmod -- "$2" "$1" 2>"$pxp_tmp/err" || return 1; fi
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
# an applet in-process; the client keeps a request's paths well under ARG_MAX. The sections are text (a
# target has no NUL): they are held in variables and sized by the shell, so the reply costs no process.
pxp_op_stat() {
  pxp_flag=$1; shift
  pxp_stats=$(stat -c '%f %u %g %s %Y %U %G' -- "$@" 2>/dev/null)
  if [ -n "$pxp_stats" ]; then pxp_stats=$pxp_stats$pxp_nl; fi
  pxp_kinds=
  # The regular files, as references to their positional parameters ("${7}" ...) for one eval: appending
  # to "$@" in the loop (set -- "$@" "$f") copies the whole list each time, seconds for 1,500 paths.
  pxp_files=; pxp_pos=0; pxp_links=0; pxp_ls=0
  for pxp_p do
    pxp_pos=$((pxp_pos + 1))
    if [ -L "$pxp_p" ]; then pxp_k=l
      pxp_t=$(readlink -- "$pxp_p"; echo x); pxp_t=${pxp_t%?x}
      pxp_links=$((pxp_links + 1))
      eval "pxp_lt$pxp_links=\$pxp_t"
      pxp_len "$pxp_t"; pxp_ls=$((pxp_ls + pxp_r + 1))
    elif [ -f "$pxp_p" ]; then pxp_k=f; pxp_files="$pxp_files \"\${$pxp_pos}\""
    elif [ -d "$pxp_p" ]; then pxp_k=d
    elif [ -e "$pxp_p" ]; then pxp_k=o
    else pxp_k=a; fi
    pxp_kinds=$pxp_kinds$pxp_k
  done
  pxp_shas=
  if [ "$pxp_flag" = s ] && [ -n "$pxp_files" ]; then
    # The sizes (fourth field) summed in one pass over the lines: no glob, split on newlines only.
    pxp_total=0; set -f; IFS=$pxp_nl
    for pxp_line in $pxp_stats; do pxp_s=${pxp_line#* * * }; pxp_total=$((pxp_total + ${pxp_s%% *})); done
    set +f; unset IFS
    pxp_sha_for "$pxp_total"
    if ! pxp_shas=$(eval "$pxp_sha_cmd --$pxp_files" 2>"$pxp_tmp/err"); then
      # A file that cannot be hashed fails the request, naming it (never a stat without its hash).
      for pxp_p do
        if [ ! -L "$pxp_p" ] && [ -f "$pxp_p" ] && [ ! -r "$pxp_p" ]; then pxp_err E_REMOTE "$pxp_p: permission denied"; return; fi
      done
      pxp_err E_REMOTE "cannot hash" "$pxp_tmp/err"; return
    fi
    pxp_shas=$pxp_shas$pxp_nl
  fi
  pxp_len "$pxp_stats"; pxp_s1=$pxp_r
  pxp_len "$pxp_shas"; pxp_s3=$pxp_r
  pxp_kl=${#pxp_kinds}
  pxp_n=$((${#pxp_kl} + 1 + pxp_kl + ${#pxp_s1} + 1 + pxp_s1 + ${#pxp_ls} + 1 + pxp_ls + ${#pxp_s3} + 1 + pxp_s3))
  pxp_frame K "$pxp_n"
  command printf '%s\n%s%s\n%s%s\n' "$pxp_kl" "$pxp_kinds" "$pxp_s1" "$pxp_stats" "$pxp_ls"
  pxp_i=0
  while [ "$pxp_i" -lt "$pxp_links" ]; do
    pxp_i=$((pxp_i + 1))
    eval "command printf '%s\\0' \"\$pxp_lt$pxp_i\""
  done
  command printf '%s\n%s' "$pxp_s3" "$pxp_shas"
}

# pxp_dd_exact FILE N: exactly N bytes of FILE (at most 1 MiB): zero-padded if it shrank meanwhile, N zero
# bytes if it can no longer be opened (the caller's re-stat sees either), so the frame stays in step.
pxp_dd_exact() {
  dd if="$1" bs="$2" count=1 conv=sync 2>/dev/null || dd if=/dev/zero bs="$2" count=1 2>/dev/null
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
    pxp_dd_exact "$1" "$pxp_n"
  else
    cat -- "$1" /dev/zero 2>/dev/null | head -c "$pxp_n"
  fi
  if [ "$(stat -L -c '%s %Y' -- "$1" 2>/dev/null)" != "$pxp_before" ]; then
    pxp_err E_REMOTE "the file changed while it was read"
  else pxp_ok; fi
}

# reads PATH...: many small files in one request: one stat before, one cat of all into a scratch file, one
# stat after (the files and the scratch file), one cat out. Part z = a line per path, its size or "-" when it
# does not exist; part d = the contents in order; then K. Nothing is sent before the scratch file holds
# exactly what the first stat saw (a file that says size 0 but holds more, as in procfs, fails that). K
# "single" (no parts) when a path needs the one-file read (a link to nothing, a directory, an unreadable or
# large file) or a file changed while it was read.
pxp_op_reads() {
  pxp_refs=; pxp_pos=0
  for pxp_p do
    pxp_pos=$((pxp_pos + 1))
    if [ ! -e "$pxp_p" ] && [ ! -L "$pxp_p" ]; then continue; fi
    if [ ! -f "$pxp_p" ] || [ ! -r "$pxp_p" ]; then pxp_ok single; return; fi
    pxp_refs="$pxp_refs \"\${$pxp_pos}\""
  done
  pxp_before=; pxp_sizes=; pxp_total=0
  : >"$pxp_tmp/reads"
  if [ -n "$pxp_refs" ]; then
    pxp_before=$(eval "stat -L -c '%s %Y' --$pxp_refs" 2>/dev/null) || { pxp_ok single; return; }
    eval "cat --$pxp_refs" >"$pxp_tmp/reads" 2>/dev/null || { pxp_ok single; return; }
    pxp_after=$(eval "stat -L -c '%s %Y' --$pxp_refs \"\$pxp_tmp/reads\"" 2>/dev/null) || { pxp_ok single; return; }
  fi
  pxp_rest=$pxp_before
  for pxp_p do
    if [ ! -e "$pxp_p" ] && [ ! -L "$pxp_p" ]; then pxp_sizes="$pxp_sizes-$pxp_nl"; continue; fi
    pxp_n=${pxp_rest%%[!0-9]*}; pxp_rest=${pxp_rest#*"$pxp_nl"}
    if [ -z "$pxp_n" ] || [ "$pxp_n" -gt 1048576 ]; then pxp_ok single; return; fi
    pxp_sizes="$pxp_sizes$pxp_n$pxp_nl"; pxp_total=$((pxp_total + pxp_n))
  done
  if [ -n "$pxp_refs" ]; then
    pxp_n=${pxp_after##*"$pxp_nl"}
    if [ "${pxp_after%"$pxp_nl"*}" != "$pxp_before" ] || [ "${pxp_n%% *}" != "$pxp_total" ]; then pxp_ok single; return; fi
  fi
  pxp_reply_str z "$pxp_sizes"
  pxp_frame d "$pxp_total"
  if [ "$pxp_total" != 0 ]; then cat -- "$pxp_tmp/reads"; fi
  pxp_ok
}

# The content is already there: only attributes may need a change.
pxp_write_same() {
  if pxp_attrs_match "${pxp_old#* }" "$pxp_wm" "$pxp_wo" "$pxp_wg"; then pxp_ok 0; return; fi
  if pxp_attrs "$pxp_b" "$pxp_wm" "$pxp_wo" "$pxp_wg"; then pxp_ok 1; else pxp_err E_REMOTE "cannot set attributes" "$pxp_tmp/err"; fi
}

# The hasher of large streams: openssl's sha256 where the target has it (it uses the CPU's SHA instructions:
# five times sha256sum's speed here, seconds of a DVD's upload), else sha256sum. Checked once, on a known value.
pxp_sha_tool=
pxp_pick_sha() {
  if [ -n "$pxp_sha_tool" ]; then return; fi
  pxp_sha_tool=sha256sum
  if command -v openssl >/dev/null 2>&1; then
    pxp_r=$(command printf abc | openssl dgst -sha256 -r 2>/dev/null)
    if [ "${pxp_r%% *}" = ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad ]; then pxp_sha_tool=openssl; fi
  fi
}

# pxp_sha_stdin: the sha256 of stdin, first on its output line (pxp_pick_sha must have run).
pxp_sha_stdin() {
  if [ "$pxp_sha_tool" = openssl ]; then openssl dgst -sha256 -r; else sha256sum; fi
}

# pxp_sha_for [BYTES]: pxp_sha_cmd, the command that hashes files of BYTES in all (no BYTES: many MB), printing
# sha256sum's records ("HASH *NAME" has the length of "HASH  NAME"). openssl hashes 3-4x as fast where it
# works, and takes a few ms longer to start: worth it from a few MB.
pxp_sha_for() {
  pxp_sha_cmd=sha256sum
  if [ "${1-4194305}" -gt 4194304 ]; then
    pxp_pick_sha
    if [ "$pxp_sha_tool" = openssl ]; then pxp_sha_cmd='openssl dgst -sha256 -r'; fi
  fi
}

# pxp_fill: fd 3 is the temp file just created exclusively. Copies the body into it, gives it its
# owner and mode through the descriptor (never by name), and fsyncs it. pxp_filled: 1 done, 2 the
# body could not be written (disk full), 3 the attributes could not be set.
pxp_fill() {
  pxp_body_left=0
  # Large bodies are hashed while they arrive (the second core), not after.
  if [ "$pxp_n" -gt 1048576 ]; then
    pxp_pick_sha
    pxp_read_exact "$pxp_n" | tee /dev/fd/3 | pxp_sha_stdin >|"$pxp_tmp/sum"
    if [ "$(stat -L -c %s /dev/fd/3)" != "$pxp_n" ]; then pxp_filled=2; return; fi
    read -r pxp_tsum <"$pxp_tmp/sum"
    pxp_tsum=${pxp_tsum%% *}
  elif ! pxp_read_exact "$pxp_n" >&3; then pxp_filled=2; return
  fi
  # Keeping the replaced file's owner is best effort (a non-root login cannot give files away).
  if [ -n "$pxp_cown" ] && ! pxp_chown -L "$pxp_cown" /dev/fd/3 && [ -n "$pxp_wo$pxp_wg" ]; then pxp_filled=3; return; fi
  if [ -n "$pxp_late_mode" ] && ! chmod -- "$pxp_late_mode" /dev/fd/3 2>|"$pxp_tmp/err"; then pxp_filled=3; return; fi
  dd if=/dev/null of=/dev/fd/3 conv=notrunc,fsync 2>/dev/null
  pxp_filled=1
}

# pxp_fail_tmp CODE MESSAGE [FILE]: remove the temp file, reply the error.
pxp_fail_tmp() {
  rm -f -- "$pxp_t"; pxp_curtmp=
  pxp_err "$@"
}

# write PATH SIZE MODE OWNER GROUP BACKUP SHA256-OR-EMPTY [VALIDATE ARGV...]; body = content, then
# the trailer line "c SHA256" (commit) or "a" (abort). Runs inside PATH's directory (pxp_enter): the
# temp file gets an unpredictable name and is created exclusively (noclobber: O_EXCL, which refuses
# any existing name, a planted link included); content, owner and mode go through its descriptor; the
# final rename is the only way content reaches PATH.
pxp_op_write() {
  pxp_p=$1 pxp_n=$2 pxp_wm=$3 pxp_wo=$4 pxp_wg=$5 pxp_wb=$6 pxp_pre=$7
  shift 7
  pxp_enter_parent "$pxp_p" || return
  if [ -d "$pxp_b" ] && [ ! -L "$pxp_b" ]; then pxp_err E_REMOTE "is a directory"; return; fi
  # The replaced file: "size mode uid gid user group", or empty.
  pxp_old=
  if [ -f "$pxp_b" ] && [ ! -L "$pxp_b" ]; then pxp_old=$(stat -c '%s %a %u %g %U %G' -- "$pxp_b"); fi
  # Content known up front and already there: no temp file at all (the directory is not touched either).
  if [ -n "$pxp_pre" ] && [ "${pxp_old%% *}" = "$pxp_n" ] && pxp_sha "$pxp_b" && [ "$pxp_r" = "$pxp_pre" ]; then
    pxp_read_exact "$pxp_n" >/dev/null
    pxp_body_left=0
    IFS= read -r pxp_trailer || exit 0
    pxp_trailer_left=0
    if [ "$pxp_trailer" != "c $pxp_pre" ]; then pxp_err E_REMOTE "upload aborted by the client"; return; fi
    pxp_write_same
    return
  fi
  pxp_stale "$pxp_b"
  # Mode and owner: the ones asked for, else the replaced file's, else 0644 and this user.
  pxp_cmode=$pxp_wm pxp_cown=
  if [ -n "$pxp_old" ]; then
    pxp_r=${pxp_old#* }
    pxp_om=${pxp_r%% *}; pxp_r=${pxp_r#* }
    pxp_ou=${pxp_r%% *}; pxp_r=${pxp_r#* }
    pxp_og=${pxp_r%% *}
    if [ -z "$pxp_cmode" ]; then pxp_cmode=$pxp_om; fi
    if [ -z "$pxp_wo$pxp_wg" ] && [ "$pxp_ou:$pxp_og" != "$pxp_uid:$pxp_gid" ]; then pxp_cown=$pxp_ou:$pxp_og; fi
  fi
  if [ -n "$pxp_wo" ] && [ -n "$pxp_wg" ]; then pxp_cown=$pxp_wo:$pxp_wg
  elif [ -n "$pxp_wo" ]; then pxp_cown=$pxp_wo
  elif [ -n "$pxp_wg" ]; then pxp_cown=:$pxp_wg; fi
  pxp_cmode=${pxp_cmode:-644}
  # Plain read/write modes come from the umask at creation; execute and set-id bits through fd 3.
  pxp_late_mode=
  if [ $((0$pxp_cmode & 07111)) = 0 ]; then pxp_umask=$(command printf %o $((0777 ^ 0$pxp_cmode)))
  else pxp_umask=077; pxp_late_mode=$pxp_cmode; fi
  pxp_tsum= pxp_filled=0 pxp_try=0
  while [ "$pxp_filled" = 0 ]; do
    pxp_try=$((pxp_try + 1))
    pxp_t=$(mktemp -u ".$pxp_b.pxeprov-tmp.$$.XXXXXXXXXX") || { pxp_err E_REMOTE "mktemp failed"; return; }
    pxp_curtmp=$pxp_t
    umask "$pxp_umask"; set -C
    { pxp_fill; } 2>|"$pxp_tmp/err" 3>"$pxp_t"
    set +C; umask 022
    if [ "$pxp_filled" = 0 ]; then
      pxp_curtmp=
      # Someone else's file took the name first: draw another one.
      if { [ -e "$pxp_t" ] || [ -L "$pxp_t" ]; } && [ "$pxp_try" -lt 20 ]; then continue; fi
      pxp_err E_REMOTE "cannot create a temp file in $pxp_d" "$pxp_tmp/err"; return
    fi
  done
  # A failed copy (disk full) leaves the stream out of step: report and end the agent.
  if [ "$pxp_filled" = 2 ]; then pxp_fail_tmp E_REMOTE "could not write $pxp_n bytes to $pxp_d/$pxp_t (disk full?)"; exit 91; fi
  # No trailer means EOF: the client is gone mid-upload (the EXIT trap removes the temp file).
  IFS= read -r pxp_trailer || exit 0
  pxp_trailer_left=0
  case $pxp_trailer in
    'c '*) pxp_want=${pxp_trailer#c } ;;
    *) pxp_fail_tmp E_REMOTE "upload aborted by the client"; return ;;
  esac
  if [ "$pxp_filled" = 3 ]; then pxp_fail_tmp E_REMOTE "cannot set attributes" "$pxp_tmp/err"; return; fi
  if [ "${pxp_old%% *}" = "$pxp_n" ] && pxp_sha "$pxp_b" && [ "$pxp_r" = "$pxp_want" ]; then
    rm -f -- "$pxp_t"; pxp_curtmp=
    pxp_write_same
    return
  fi
  if [ -n "$pxp_tsum" ]; then pxp_r=$pxp_tsum; else pxp_sha "$pxp_t"; fi
  if [ "$pxp_r" != "$pxp_want" ]; then pxp_fail_tmp E_REMOTE "sha256 mismatch after transfer ($pxp_r)"; return; fi
  if [ $# -gt 0 ]; then
    for pxp_a do
      shift
      case $pxp_a in *%s*) pxp_a=${pxp_a%%"%s"*}$pxp_d/$pxp_t${pxp_a#*"%s"} ;; esac
      set -- "$@" "$pxp_a"
    done
    if ! "$@" </dev/null >"$pxp_tmp/err" 2>&1; then
      pxp_fail_tmp E_CONFIG_CHECK "$1 refused the new content" "$pxp_tmp/err"; return
    fi
  fi
  pxp_bk=
  if [ "$pxp_wb" = 1 ] && [ -n "$pxp_old" ]; then
    pxp_bdir=$pxp_state/backup$pxp_p
    pxp_bseq=$((pxp_bseq + 1))
    pxp_bk=$pxp_bdir/$(date +%Y%m%dT%H%M%S).$$.$((1000000 + pxp_bseq))
    # -P: a name swapped for a link meanwhile is copied as the link, never followed.
    if ! { mkdir -p -- "$pxp_bdir" && cp -P -p -- "$pxp_b" "$pxp_bk"; } 2>"$pxp_tmp/err"; then
      pxp_fail_tmp E_REMOTE "cannot back up the old file" "$pxp_tmp/err"; return
    fi
    # Bounded retention: the glob sorts oldest first; keep the last 5.
    set -- "$pxp_bdir"/*
    while [ $# -gt 5 ]; do rm -f -- "$1"; shift; done
  fi
  if ! mv -f -T -- "$pxp_t" "$pxp_b" 2>"$pxp_tmp/err"; then pxp_fail_tmp E_REMOTE "rename failed" "$pxp_tmp/err"; return; fi
  pxp_curtmp=
  pxp_ok "1 $pxp_bk"
}

# puttree DIR ENTRY...; ENTRY is "f REL SIZE SHA256" (the body holds the file's bytes) or "t BYTES COUNT"
# followed by COUNT times "REL SIZE SHA256" (the body holds a tar archive of BYTES bytes of those files:
# one tar -x for many small files, where a process each would cost more than their bytes). Then the trailer
# line "c" (commit) or "a" (abort). DIR must be a directory only root or this user can change (the staging
# tree of a media copy), each REL a relative name inside it without . or .. components or a newline;
# parents are made as needed, every file is created exclusively (noclobber, tar -k: an existing name, a
# planted link included, is refused). The files written are hashed in batches in the background while the
# next ones arrive (from the page cache, on the other core); all are checked against their sha256 and the
# filesystem is flushed (sync -f), once, before the reply. On an error what was written stays in DIR,
# which the caller removes as a whole.
pxp_op_puttree() {
  pxp_root=$1
  shift
  pxp_enter "$pxp_root" || { pxp_err E_REMOTE "$pxp_root: $pxp_r"; return; }
  pxp_r=$(stat -c '%u %a' .) || { pxp_err E_REMOTE "$pxp_root: cannot stat"; return; }
  if ! pxp_trusted "$pxp_r"; then pxp_err E_REMOTE "$pxp_root: other users can change this directory"; return; fi
  pxp_sha_for
  true >|"$pxp_tmp/want"
  true >|"$pxp_tmp/names"
  # The entries stay in "$@" (no shift): a batch is a list of references to names ("./${7}" ...) for one eval.
  pxp_i=1 pxp_batch= pxp_batch_bytes=0 pxp_hashers= pxp_nb=0
  while [ "$pxp_i" -le $# ]; do
    eval "pxp_kind=\${$pxp_i} pxp_seg=\${$((pxp_i + 1))-} pxp_count=\${$((pxp_i + 2))-}"
    case $pxp_kind in
      f) pxp_count=1 pxp_i=$((pxp_i + 1)) ;;
      t) pxp_i=$((pxp_i + 3)) ;;
      *) pxp_put_fail "bad entry kind ${pxp_kind}"; return ;;
    esac
    case $pxp_count in ''|*[!0-9]*) pxp_put_fail "bad file count"; return ;; esac
    while [ "$pxp_count" -gt 0 ]; do
      if [ "$pxp_i" -gt $(($# - 2)) ]; then pxp_put_fail "an entry without its name, size and sha256"; return; fi
      eval "pxp_f=\${$pxp_i} pxp_n=\${$((pxp_i + 1))} pxp_h=\${$((pxp_i + 2))}"
      case /$pxp_f/ in *//*|*/./*|*/../*|*"$pxp_nl"*) pxp_put_fail "$pxp_f: not a plain relative name inside $pxp_root"; return ;; esac
      case $pxp_n in ''|*[!0-9]*) pxp_put_fail "$pxp_f: bad size"; return ;; esac
      # A process per file counts (300 packages in one directory): mkdir only for a directory not made yet.
      case $pxp_f in */*) [ -d "${pxp_f%/*}" ] || mkdir -p -- "${pxp_f%/*}" 2>|"$pxp_tmp/err" || { pxp_put_fail "cannot make the directory of $pxp_f" "$pxp_tmp/err"; return; } ;; esac
      if [ -e "$pxp_f" ] || [ -L "$pxp_f" ]; then pxp_put_fail "$pxp_f exists already"; return; fi
      command printf '%s\n' "$pxp_h" >>"$pxp_tmp/want"
      command printf '%s\n' "$pxp_f" >>"$pxp_tmp/names"
      pxp_batch="$pxp_batch \"./\${$pxp_i}\"" pxp_batch_bytes=$((pxp_batch_bytes + pxp_n))
      pxp_i=$((pxp_i + 3)) pxp_count=$((pxp_count - 1))
    done
    # Once a file is open, a failed copy (disk full) leaves the stream out of step: report and end.
    if [ "$pxp_kind" = f ]; then
      set -C
      if ! pxp_read_exact "$pxp_n" >"$pxp_f"; then set +C; pxp_err E_REMOTE "could not write $pxp_n bytes to $pxp_root/$pxp_f (disk full?)"; exit 91; fi
      set +C
      pxp_body_left=$((pxp_body_left - pxp_n))
    else
      case $pxp_seg in ''|*[!0-9]*) pxp_put_fail "bad archive size"; return ;; esac
      if ! pxp_read_exact "$pxp_seg" | tar -x -o -m -k -f - 2>|"$pxp_tmp/err"; then
        pxp_err E_REMOTE "could not write the archive of files up to $pxp_f into $pxp_root (disk full?)" "$pxp_tmp/err"; exit 91
      fi
      pxp_body_left=$((pxp_body_left - pxp_seg))
    fi
    # About 32 MB a batch: the hashing keeps pace with the transfer, and the last batch is short.
    if [ "$pxp_batch_bytes" -ge 33554432 ] || [ "$pxp_i" -gt $# ]; then
      pxp_nb=$((pxp_nb + 1))
      # The names start with ./: never taken for an option.
      eval "$pxp_sha_cmd $pxp_batch" >|"$pxp_tmp/got.$pxp_nb" 2>|"$pxp_tmp/goterr.$pxp_nb" &
      pxp_hashers="$pxp_hashers $!" pxp_batch= pxp_batch_bytes=0
    fi
  done
  IFS= read -r pxp_trailer || exit 0
  pxp_trailer_left=0
  if [ "$pxp_trailer" != c ]; then pxp_put_fail "upload aborted by the client"; return; fi
  pxp_b=0
  for pxp_p in $pxp_hashers; do
    pxp_b=$((pxp_b + 1))
    if ! wait "$pxp_p"; then pxp_put_fail "cannot hash the files written" "$pxp_tmp/goterr.$pxp_b"; return; fi
    # openssl -r: "HASH *NAME"; sha256sum: "HASH  NAME", "\HASH" for a name it escapes.
    sed -e 's/^\\//' -e 's/ .*//' "$pxp_tmp/got.$pxp_b"
  done >|"$pxp_tmp/got"
  pxp_hashers=
  if ! pxp_r=$(cmp -- "$pxp_tmp/want" "$pxp_tmp/got" 2>&1); then
    # "... differ: byte B, line L" (or "EOF on ... line L"): the L-th file.
    pxp_r=${pxp_r##*line }
    case $pxp_r in ''|*[!0-9]*) pxp_r=1 ;; esac
    pxp_f=$(sed -n "${pxp_r}p" "$pxp_tmp/names")
    pxp_err E_REMOTE "sha256 mismatch after transfer: $pxp_f"; return
  fi
  if ! { sync -f . || sync; } 2>|"$pxp_tmp/err"; then pxp_err E_REMOTE "cannot flush $pxp_root to disk" "$pxp_tmp/err"; return; fi
  pxp_ok
}

# pxp_put_fail MESSAGE [FILE]: a failed puttree waits for its hashers first (they write into pxp_tmp).
pxp_put_fail() {
  for pxp_p in $pxp_hashers; do wait "$pxp_p"; done
  pxp_hashers=
  pxp_err E_REMOTE "$@"
}

# attrs PATH MODE OWNER GROUP: a directory is changed from inside it, anything else from its parent.
pxp_op_attrs() {
  if [ -d "$1" ] && [ ! -L "$1" ]; then
    pxp_enter "$1" || { pxp_err E_REMOTE "$1: $pxp_r"; return; }
    pxp_b=.
  else
    pxp_enter_parent "$1" || return
    if [ ! -e "$pxp_b" ] && [ ! -L "$pxp_b" ]; then pxp_err E_REMOTE "no such file or directory"; return; fi
  fi
  if pxp_attrs "$pxp_b" "$2" "$3" "$4"; then pxp_ok; else pxp_err E_REMOTE "cannot set attributes" "$pxp_tmp/err"; fi
}

# mkdir PATH PARENTS(0|1) MODE OWNER GROUP: made (and entered) one component at a time.
pxp_op_mkdir() {
  if [ "$2" = 0 ]; then
    pxp_enter_parent "$1" || return
    if [ ! -d "$pxp_b" ]; then mkdir -- "$pxp_b" 2>"$pxp_tmp/err" || { pxp_err E_REMOTE "mkdir failed" "$pxp_tmp/err"; return; }; fi
  fi
  pxp_enter "$1" "$2" || { pxp_err E_REMOTE "$pxp_r"; return; }
  if pxp_attrs . "$3" "$4" "$5"; then pxp_ok; else pxp_err E_REMOTE "cannot set attributes" "$pxp_tmp/err"; fi
}

# rm PATH RECURSIVE(0|1): the name is removed from inside its directory; rm never follows links.
pxp_op_rm() {
  pxp_enter_parent "$1" || return
  if [ "$2" = 1 ]; then rm -rf -- "$pxp_b" 2>"$pxp_tmp/err"; else rm -f -- "$pxp_b" 2>"$pxp_tmp/err"; fi
  if [ $? = 0 ]; then pxp_ok; else pxp_err E_REMOTE "rm failed" "$pxp_tmp/err"; fi
}

# link TARGET PATH: atomic replace through a temp link (ln -s never replaces a name) and rename.
pxp_op_link() {
  pxp_enter_parent "$2" || return
  if [ -L "$pxp_b" ]; then
    pxp_t=$(readlink -- "$pxp_b"; echo x); pxp_t=${pxp_t%?x}
    if [ "$pxp_t" = "$1" ]; then pxp_ok 0; return; fi
  fi
  pxp_stale "$pxp_b"
  pxp_try=0
  while :; do
    pxp_try=$((pxp_try + 1))
    pxp_t=$(mktemp -u ".$pxp_b.pxeprov-tmp.$$.XXXXXXXXXX") || { pxp_err E_REMOTE "mktemp failed"; return; }
    if ln -s -- "$1" "$pxp_t" 2>"$pxp_tmp/err"; then break; fi
    if { [ -e "$pxp_t" ] || [ -L "$pxp_t" ]; } && [ "$pxp_try" -lt 20 ]; then continue; fi
    pxp_err E_REMOTE "symlink failed" "$pxp_tmp/err"; return
  done
  if mv -f -T -- "$pxp_t" "$pxp_b" 2>"$pxp_tmp/err"; then pxp_ok 1
  else rm -f -- "$pxp_t"; pxp_err E_REMOTE "symlink failed" "$pxp_tmp/err"; fi
}

# swap FROM TO: TO becomes FROM by renames inside their common directory (TO is briefly absent,
# never a mix); the old TO is removed after.
pxp_op_swap() {
  pxp_enter_parent "$2" || return
  pxp_to=$pxp_b
  pxp_split_path "$1"
  if [ "$pxp_d" != "${2%/*}" ] && [ "$pxp_d/" != "${2%/*}/" ]; then pxp_err E_REMOTE "$1 and $2 must be in one directory"; return; fi
  pxp_from=$pxp_b
  if [ ! -d "$pxp_from" ] || [ -L "$pxp_from" ]; then pxp_err E_REMOTE "not a directory: $1"; return; fi
  pxp_o=".$pxp_to.pxeprov-old.$$"
  if [ -e "$pxp_to" ] || [ -L "$pxp_to" ]; then
    mv -f -T -- "$pxp_to" "$pxp_o" 2>"$pxp_tmp/err" || { pxp_err E_REMOTE "rename failed" "$pxp_tmp/err"; return; }
    if ! mv -f -T -- "$pxp_from" "$pxp_to" 2>"$pxp_tmp/err"; then
      mv -f -T -- "$pxp_o" "$pxp_to"; pxp_err E_REMOTE "rename failed" "$pxp_tmp/err"; return
    fi
    rm -rf -- "$pxp_o"
  else
    mv -f -T -- "$pxp_from" "$pxp_to" 2>"$pxp_tmp/err" || { pxp_err E_REMOTE "rename failed" "$pxp_tmp/err"; return; }
  fi
  pxp_ok
}

# lock DIR HOLDER: this run's lock on the target, a directory (mkdir is atomic) holding "PID BOOT HOLDER",
# removed when the agent ends. K "ok", or K "held PID BOOT HOLDER" while its agent lives. A lock whose
# agent is gone (no such process, or another boot) is renamed away (one taker wins) and taken.
pxp_op_lock() {
  pxp_enter_parent "$1" || return
  pxp_boot=-; read -r pxp_boot </proc/sys/kernel/random/boot_id 2>/dev/null
  pxp_try=0
  while [ "$pxp_try" -lt 3 ]; do
    pxp_try=$((pxp_try + 1))
    if mkdir -m 700 -- "$pxp_b" 2>"$pxp_tmp/err"; then
      pxp_lock=$1
      if command printf '%s %s %s\n' "$$" "$pxp_boot" "$2" >"$pxp_b/holder" 2>"$pxp_tmp/err"; then pxp_ok ok; else pxp_err E_REMOTE "cannot write the lock $1" "$pxp_tmp/err"; fi
      return
    fi
    if [ ! -d "$pxp_b" ] || [ -L "$pxp_b" ]; then pxp_err E_REMOTE "cannot take the lock $1" "$pxp_tmp/err"; return; fi
    pxp_lh=
    if [ -f "$pxp_b/holder" ]; then read -r pxp_lh <"$pxp_b/holder"; fi
    pxp_lp=${pxp_lh%% *}; pxp_r=${pxp_lh#* }; pxp_lb=${pxp_r%% *}
    case $pxp_lp in
      ''|*[!0-9]*) pxp_ok "held - - an unfinished lock (remove $1 if no run is going on)"; return ;;
    esac
    if [ "$pxp_lb" = "$pxp_boot" ] && { [ -d "/proc/$pxp_lp" ] || kill -0 "$pxp_lp" 2>/dev/null; }; then pxp_ok "held $pxp_lh"; return; fi
    mv -f -T -- "$pxp_b" ".$pxp_b.stale.$$" 2>/dev/null && rm -rf -- ".$pxp_b.stale.$$"
  done
  pxp_err E_REMOTE "cannot take the lock $1"
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
  true >"$pxp_tmp/err"
  find "$1" -mindepth 1 -exec sh -c 'printf "%s\0" "$@" >&3; stat -c "%f %s" -- "$@"' sh {} + \
    3>"$pxp_tmp/list" >"$pxp_tmp/stats" 2>>"$pxp_tmp/err"
  # The trees hashed whole are media trees: hundreds of MB.
  pxp_sha_for
  PXP_SHA=$pxp_sha_cmd find "$1" -mindepth 1 -type f -exec sh -c 'printf "%s\0" "$@" >&3; $PXP_SHA -- "$@"' sh {} + \
    3>"$pxp_tmp/files" >"$pxp_tmp/shas" 2>>"$pxp_tmp/err"
  find "$1" -mindepth 1 -type l -exec sh -c 'for f do t=$(readlink -- "$f"; echo x); printf "%s\0%s\0" "$f" "${t%?x}"; done' sh {} + \
    >"$pxp_tmp/links" 2>>"$pxp_tmp/err"
  if [ -s "$pxp_tmp/err" ]; then pxp_err E_REMOTE "cannot hash the tree" "$pxp_tmp/err"; return; fi
  pxp_reply_sections "$pxp_tmp/list" "$pxp_tmp/stats" "$pxp_tmp/files" "$pxp_tmp/shas" "$pxp_tmp/links"
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
  pxp_reply_sections "$pxp_tmp/list" "$pxp_tmp/stats" "$pxp_tmp/links"
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
    pxp_fact id echo "$pxp_ids"
    pxp_fact init pxp_fact_init
    pxp_fact links pxp_fact_links
    pxp_fact addr ip addr show
    pxp_fact route cat /proc/net/route
    pxp_fact ssh echo "$pxp_sshconn"
    pxp_fact shell echo "$pxp_shell"
    pxp_fact netplan pxp_fact_files /etc/netplan/*.yaml
    pxp_fact ifupdown pxp_fact_files /etc/network/interfaces /etc/network/interfaces.d/*
    pxp_fact nm pxp_fact_nm
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
  pxp_reply_str R "pxeprov-agent $pxp_version $pxp_shell $pxp_mode"
  while IFS=' ' read -r pxp_id pxp_op pxp_nargs pxp_blen; do
    case $pxp_nargs$pxp_blen in *[!0-9]*|'') pxp_err E_AGENT "bad request header"; exit 92 ;; esac
    pxp_read_args "$pxp_nargs"
    pxp_body_left=$pxp_blen
    pxp_trailer_left=0
    case $pxp_op in write|puttree) pxp_trailer_left=1 ;; esac
    case $pxp_op in
      stat|read|reads|facts|tree|list|exec) ;;
      write|puttree|attrs|mkdir|rm|link|swap|lock)
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
    cd -- "$pxp_home" 2>/dev/null || cd /
  done
}

pxp_main
