# shellcheck shell=bash
# lib.sh — shared by listing.sh, mutations.sh and fake-bootsmith.sh (sourced, not run).
#
# Conventions: every efivars directory is a plain directory of efivarfs-format
# files (u32 LE attributes + data) named <Name>-<vendor GUID>. The oracle is
# Debian 12's efibootmgr 17 driven with EFIVARFS_PATH=<dir>/ (trailing slash
# required); bootsmith is driven with --root <temp root> whose
# sys/firmware/efi/efivars is a copy of the directory. Nothing here ever writes
# to a source directory: every run works on a fresh copy.

EFI_GLOBAL=8be4df61-93ca-11d2-aa0d-00e098032b8c
CONF_DIR=${CONF_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)}
STEP_TIMEOUT=${STEP_TIMEOUT:-60}   # seconds per command: a hang (lock wait, loop) is a failure, not a stuck ctest

# Skip (exit 77, ctest SKIP_RETURN_CODE) unless the oracle and jq are present.
require_tools() {
  local t
  for t in efibootmgr jq xxd timeout diff; do
    command -v "$t" >/dev/null 2>&1 || { echo "SKIP: $t is not installed"; exit 77; }
  done
  local v; v=$(efibootmgr -V 2>&1 | head -n1)
  [[ $v == "version 17" ]] || echo "note: the oracle reports '$v', the expectations were recorded with 'version 17'"
}

# efivars-looking directory: holds at least one <Name>-<guid> file.
is_efivars_dir() {
  local f
  for f in "$1"/*-????????-????-????-????-????????????; do [[ -f $f ]] && return 0; done
  return 1
}

# discover_dirs DATA_DIR [EXTRA...] → lines "LABEL<TAB>PATH".
#   DATA_DIR/*: every efivars directory (label = its name).
#   EXTRA: an efivars dir, a fixture root (has sys/firmware/efi/efivars) or a
#   directory of fixture roots (label "fixture:<root name>").
# CONFORMANCE_ONLY='glob' keeps only labels matching the glob (debugging, self-test).
discover_dirs() {
  local data=$1 d r; shift
  {
    for d in "$data"/*/; do
      d=${d%/}
      is_efivars_dir "$d" && printf '%s\t%s\n' "${d##*/}" "$d"
    done
    for d in "$@"; do
      d=${d%/}
      if [[ -d $d/sys/firmware/efi/efivars ]]; then
        printf 'fixture:%s\t%s\n' "${d##*/}" "$d/sys/firmware/efi/efivars"
      elif is_efivars_dir "$d"; then
        printf '%s\t%s\n' "${d##*/}" "$d"
      else
        local found=
        for r in "$d"/*/; do
          r=${r%/}
          [[ -d $r/sys/firmware/efi/efivars ]] && { printf 'fixture:%s\t%s\n' "${r##*/}" "$r/sys/firmware/efi/efivars"; found=1; }
        done
        [[ -n $found ]] || echo "note: '$d' holds no efivars directory or fixture root (not built yet?)" >&2
      fi
    done
  } | while IFS=$'\t' read -r label path; do
    # shellcheck disable=SC2053  # glob match intended
    [[ -z ${CONFORMANCE_ONLY:-} || $label == $CONFORMANCE_ONLY ]] && printf '%s\t%s\n' "$label" "$path"
  done
}

# resolve_dir LABEL DATA_DIR EXTRA... → path of that directory (for mutations.tsv)
resolve_dir() {
  local want=$1; shift
  CONFORMANCE_ONLY='' discover_dirs "$@" 2>/dev/null | awk -F'\t' -v w="$want" '$1 == w { print $2; exit }'
}

# copy_efivars SRC DEST: a writable copy (the sources may be read-only).
copy_efivars() {
  mkdir -p "$2"
  cp -R "$1"/. "$2"/
  chmod -R u+w "$2"
}

# make_root SRC ROOT: ROOT/sys/firmware/efi/efivars = copy of SRC.
make_root() {
  mkdir -p "$2/sys/firmware/efi"
  copy_efivars "$1" "$2/sys/firmware/efi/efivars"
}

# capture PREFIX CMD... : PREFIX.out, PREFIX.err, PREFIX.rc (rc of the command;
# 124 = timed out, ≥128 = killed by a signal).
capture() {
  local p=$1; shift
  local rc=0
  if declare -F "$1" >/dev/null; then  # a function of this file (exported below): run it in a child bash
    timeout -k 5 "$STEP_TIMEOUT" bash -c '"$@"' _ "$@" >"$p.out" 2>"$p.err" </dev/null || rc=$?
  else
    timeout -k 5 "$STEP_TIMEOUT" "$@" >"$p.out" 2>"$p.err" </dev/null || rc=$?
  fi
  echo "$rc" >"$p.rc"
}

# The oracle on a directory. OTRUNC_SHIM (if set) is preloaded: see otrunc-shim.c.
oracle() {
  local dir=$1; shift
  env -u LIBEFIVAR_OPS -u LD_PRELOAD LC_ALL=C EFIVARFS_PATH="$dir/" \
    ${OTRUNC_SHIM:+LD_PRELOAD=$OTRUNC_SHIM} efibootmgr "$@"
}

# bootsmith on a root; the environment cannot leak an EFIVARFS_PATH into it.
bsm() {
  local root=$1; shift
  env -u EFIVARFS_PATH -u LIBEFIVAR_OPS -u LD_PRELOAD LC_ALL=C NO_COLOR=1 \
    "$BOOTSMITH" --root "$root" "$@"
}

export -f oracle bsm
export EFI_GLOBAL

# A crash or sanitizer report in a bootsmith run: "" or a reason.
crash_reason() {  # PREFIX
  local rc; rc=$(<"$1.rc")
  if ((rc == 124)); then echo "timed out after ${STEP_TIMEOUT}s"; return; fi
  if ((rc >= 128)); then echo "killed by signal $((rc - 128)) (exit $rc)"; return; fi
  if grep -qE 'AddressSanitizer|LeakSanitizer|UndefinedBehaviorSanitizer|runtime error:' "$1.err"; then
    echo "sanitizer report on stderr"; return
  fi
}

# show_diff A B: unified diff with invisible characters made visible (cat -A),
# indented, at most 40 lines.
show_diff() {
  diff -u --label "${3:-oracle}" --label "${4:-bootsmith}" <(cat -A "$1") <(cat -A "$2") |
    head -n 40 | sed 's/^/      /'
}

# entry_names FILE: the Boot entry names in an efibootmgr listing, in order
# (lines starting with Boot that are not the BootNext/BootCurrent/BootOrder header).
entry_names() {
  awk '/^Boot/ && !/^Boot(Next|Current|Order): / { n = $0; sub(/[* ].*$/, "", n); print n }' "$1"
}

# oracle_entries DIR OUT: per-entry oracle. For each entry efibootmgr lists,
# efibootmgr -v on a directory holding only that entry's file:
#   OUT/names          listed names, in listing order
#   OUT/line.NAME      the entry's exact -v line, when efibootmgr -v succeeds on it
#   OUT/broken.NAME    otherwise (its exit code and stderr): efibootmgr cannot list it
# Each entry is rendered alone, so one bad entry does not hide the others.
oracle_entries() {
  local dir=$1 out=$2 n t
  mkdir -p "$out"
  capture "$out/plain" oracle "$dir"
  entry_names "$out/plain.out" >"$out/names"
  while read -r n; do
    t=$(mktemp -d "$out/one.XXXXXX")
    cp "$dir/$n-$EFI_GLOBAL" "$t/"
    chmod u+w "$t/$n-$EFI_GLOBAL"
    capture "$t/r" oracle "$t" -v
    if [[ $(<"$t/r.rc") == 0 ]] && grep -q "^${n}[* ]" "$t/r.out"; then
      grep "^${n}[* ]" "$t/r.out" >"$out/line.$n"
    else
      { echo "exit $(<"$t/r.rc")"; cat "$t/r.err"; } >"$out/broken.$n"
    fi
    rm -rf "$t"
  done <"$out/names"
}

# expected_robust PLAIN_OUT ENTRIES MODE(v|plain) → on stdout: the listing a
# robust implementation prints: efibootmgr's own full plain listing, with each
# entry line replaced by its per-entry -v line (MODE v) and every entry efibootmgr
# cannot render replaced by a wildcard line "\001NAME" (any line starting with
# NAME followed by '*' or ' ' matches it).
expected_robust() {
  local plain=$1 ent=$2 mode=$3 line n
  while IFS= read -r line || [[ -n $line ]]; do
    if [[ $line == Boot* && ! $line =~ ^Boot(Next|Current|Order):\  ]]; then
      n=${line%%[* ]*}
      if [[ -f $ent/broken.$n ]]; then
        printf '\001%s\n' "$n"
      elif [[ $mode == v ]]; then
        cat "$ent/line.$n"
      else
        printf '%s\n' "$line"
      fi
    else
      printf '%s\n' "$line"
    fi
  done <"$plain"
}

# match_robust EXPECTED ACTUAL: exit 0 if ACTUAL matches line by line; prints the
# first mismatch.
match_robust() {
  awk -v ef="$1" '
    BEGIN { while ((getline l < ef) > 0) e[++ne] = l }
    { a[++na] = $0 }
    END {
      for (i = 1; i <= ne || i <= na; i++) {
        if (i > ne) { printf "line %d: unexpected extra line: %s\n", i, a[i]; exit 1 }
        if (i > na) { x = e[i]; sub(/^\001/, "<entry ", x); printf "line %d: missing: %s\n", i, x; exit 1 }
        if (substr(e[i], 1, 1) == "\001") {
          n = substr(e[i], 2)
          if (index(a[i], n) != 1 || (substr(a[i], length(n) + 1, 1) != "*" && substr(a[i], length(n) + 1, 1) != " ")) {
            printf "line %d: expected entry %s (efibootmgr cannot render it; any text allowed), got: %s\n", i, n, a[i]; exit 1
          }
        } else if (e[i] != a[i]) {
          printf "line %d: expected: %s\n        got:      %s\n", i, e[i], a[i]; exit 1
        }
      }
    }' "$2"
}

# allow DIR CHECK → the allow-list mode for (DIR, CHECK), or nothing.
# allow-list.tsv: DIR<TAB>CHECK<TAB>MODE<TAB>REASON ('#' comments).
ALLOW_LIST=${ALLOW_LIST:-$CONF_DIR/allow-list.tsv}
allow() {
  [[ -f $ALLOW_LIST ]] || return 0
  awk -F'\t' -v d="$1" -v c="$2" '!/^#/ && $1 == d && $2 == c { print $3; exit }' "$ALLOW_LIST"
}

# Results: result ok|FAIL LABEL CHECK [MESSAGE]; totals in PASS/TOTAL.
PASS=0 TOTAL=0
result() {
  local st=$1 label=$2 check=$3; shift 3
  TOTAL=$((TOTAL + 1))
  if [[ $st == ok ]]; then
    PASS=$((PASS + 1))
    printf 'ok    %-34s %-14s%s\n' "$label" "$check" "${1:+ ($1)}"
  else
    printf 'FAIL  %-34s %-14s %s\n' "$label" "$check" "$1"
  fi
}

# efivars_state DIR → one line per file: name, size, sha256 (comparison of whole dirs)
efivars_state() {
  (cd "$1" && find . -maxdepth 1 -type f -printf '%f\n' | LC_ALL=C sort | while read -r f; do
    printf '%s %s %s\n' "$f" "$(stat -c %s "$f")" "$(sha256sum <"$f" | cut -c1-16)"
  done)
}
