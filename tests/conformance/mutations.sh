#!/usr/bin/env bash
# mutations.sh BOOTSMITH DATA_DIR [EXTRA...] — `bootsmith efibootmgr ARGS` against
# the real efibootmgr 17, one row of mutations.tsv at a time.
#
# For each row (ID, DIR, COMPARE, EXPECT, ARGS): two fresh copies of DIR —
#   A: a plain directory; `efibootmgr ARGS` runs on it with EFIVARFS_PATH=A/ and
#      the O_TRUNC shim preloaded (otrunc-shim.c: efibootmgr/libefivar rewrite a
#      variable file without O_TRUNC, so on a plain directory a shorter value keeps
#      the old tail — uefi.md §6.2 — and even efibootmgr's own listing shows it;
#      the shim makes the directory behave like efivarfs, where one write replaces
#      the variable)
#   B: a root whose sys/firmware/efi/efivars is the copy; `BOOTSMITH --root B
#      efibootmgr ARGS` runs on it
# then, for EXPECT `same`:
#   run      exit code, stdout and stderr identical
#   state    `efibootmgr -v` (the real one) on A and on B's efivars: identical
#   -v after `BOOTSMITH --root B efibootmgr -v` vs `efibootmgr -v` on A (skipped when
#            allow-list.tsv marks DIR's efibootmgr-v listing `robust`)
#   bytes    (COMPARE `bytes`) the same variable files with the same bytes in A and B;
#            `listing-only` rows skip this
# EXPECT `refuse:<reason>`: bootsmith must exit non-zero (no crash) and leave every
# variable as it was. EXPECT `differs:<reason>`: anything but a crash; the
# differences are printed for information. A crash, timeout or sanitizer report
# always fails.
#
# DIR is a label as listing.sh prints it: a directory name under DATA_DIR or
# fixture:<root> (from EXTRA, e.g. build/fixtures). One line per row, then
# "N/M passed"; exit 1 on any failure, 77 when efibootmgr, jq or a C compiler
# (for the shim) is missing. CONFORMANCE_ONLY='glob' selects row IDs; KEEP=1 keeps
# the work directory; MUTATIONS=file replaces mutations.tsv.
set -uo pipefail
export LC_ALL=C

[[ $# -ge 2 ]] || { echo "usage: $0 BOOTSMITH DATA_DIR [EXTRA_DIR...]" >&2; exit 2; }
BOOTSMITH=$1 DATA=$2; shift 2
export BOOTSMITH
source "$(cd "$(dirname "$0")" && pwd)/lib.sh"
require_tools
[[ -x $BOOTSMITH ]] || { echo "FAIL: BOOTSMITH '$BOOTSMITH' is not executable"; exit 1; }
TABLE=${MUTATIONS:-$CONF_DIR/mutations.tsv}

WORK=$(mktemp -d "${TMPDIR:-/tmp}/conformance-mutations.XXXXXX")
[[ -n ${KEEP:-} ]] && echo "work directory: $WORK" || trap 'rm -rf "$WORK"' EXIT

# The O_TRUNC shim: prebuilt (OTRUNC_SHIM=path) or compiled here.
if [[ -z ${OTRUNC_SHIM:-} ]]; then
  cc=${CC:-cc}
  command -v "$cc" >/dev/null 2>&1 || { echo "SKIP: no C compiler ($cc) to build otrunc-shim.c"; exit 77; }
  "$cc" -shared -fPIC -O2 -o "$WORK/otrunc-shim.so" "$CONF_DIR/otrunc-shim.c" -ldl ||
    { echo "FAIL: cannot build otrunc-shim.c"; exit 1; }
  OTRUNC_SHIM=$WORK/otrunc-shim.so
fi
export OTRUNC_SHIM
# ... and prove it works: a shrinking -o must leave a 4+2-byte BootOrder.
probe=$WORK/probe
mkdir -p "$probe"
printf '\x07\x00\x00\x00\x00\x00\x01\x00\x02\x00' >"$probe/BootOrder-$EFI_GLOBAL"
printf '\x01\x00\x00\x00\x04\x00\x00\x00\x7f\xff\x04\x00' >"$probe/Boot0000-$EFI_GLOBAL"
oracle "$probe" -q -o 0000 >/dev/null 2>&1
if [[ $(stat -c %s "$probe/BootOrder-$EFI_GLOBAL") != 6 ]]; then
  echo "FAIL: the O_TRUNC shim does not work (BootOrder is $(stat -c %s "$probe/BootOrder-$EFI_GLOBAL") bytes after -o 0000, want 6)"
  exit 1
fi

bytes_diff() {  # A_DIR B_DIR → describe differing files
  local a=$1 b=$2 f
  diff <(efivars_state "$a" | cut -d' ' -f1) <(efivars_state "$b" | cut -d' ' -f1) |
    sed -n 's/^< /      only in efibootmgr'"'"'s copy: /p; s/^> /      only in bootsmith'"'"'s copy: /p'
  for f in "$a"/*; do
    f=${f##*/}
    [[ -f $b/$f ]] || continue
    cmp -s "$a/$f" "$b/$f" && continue
    echo "      $f:"
    diff <(xxd "$a/$f") <(xxd "$b/$f") | head -n 8 | sed 's/^/        /'
  done
}

row=0
while IFS=$'\t' read -r id dirlabel compare expect args; do
  [[ -z $id || $id == \#* ]] && continue
  # shellcheck disable=SC2053
  [[ -n ${CONFORMANCE_ONLY:-} && $id != $CONFORMANCE_ONLY ]] && continue
  row=$((row + 1))
  label="$id"
  src=$(resolve_dir "$dirlabel" "$DATA" "$@")
  if [[ -z $src ]]; then result FAIL "$label" "$dirlabel" "directory '$dirlabel' not found${dirlabel/#fixture:*/ (build the fixture roots: cmake --build build --target fixtures)}"; continue; fi
  argv=()
  eval "argv=($args)"   # the table is committed data; eval gives it shell quoting ('' = empty argument)
  w=$WORK/$row
  A=$w/A; R=$w/root; B=$R/sys/firmware/efi/efivars
  copy_efivars "$src" "$A"; make_root "$src" "$R"
  orig=$(efivars_state "$src")
  capture "$w/oracle" oracle "$A" "${argv[@]}"
  capture "$w/bsm" bsm "$R" efibootmgr "${argv[@]}"
  why=$(crash_reason "$w/bsm")
  if [[ -n $why ]]; then
    result FAIL "$label" "$dirlabel" "bootsmith efibootmgr $args: $why"; sed 's/^/      /' "$w/bsm.err" | head -n 20; continue
  fi
  case $expect in
    refuse:*)
      msg=
      [[ $(<"$w/bsm.rc") != 0 ]] || msg+="bootsmith exits 0 (expected a refusal); "
      [[ $(efivars_state "$B") == "$orig" ]] || msg+="bootsmith changed the variables; "
      if [[ -z $msg ]]; then
        result ok "$label" "$dirlabel" "refused with exit $(<"$w/bsm.rc"); efibootmgr exits $(<"$w/oracle.rc"): ${expect#refuse:}"
      else
        result FAIL "$label" "$dirlabel" "${msg%; } — ${expect#refuse:}"
        sed 's/^/      bootsmith: /' "$w/bsm.err" | head -n 5
      fi
      continue ;;
    differs:*)
      d=
      [[ $(<"$w/oracle.rc") == $(<"$w/bsm.rc") ]] || d+="exit $(<"$w/oracle.rc")/$(<"$w/bsm.rc") "
      cmp -s "$w/oracle.out" "$w/bsm.out" || d+="stdout "
      cmp -s "$w/oracle.err" "$w/bsm.err" || d+="stderr "
      [[ $(efivars_state "$A") == $(efivars_state "$B") ]] || d+="variables "
      result ok "$label" "$dirlabel" "${expect}; differs in: ${d:-nothing}"
      continue ;;
    same) ;;
    *) result FAIL "$label" "$dirlabel" "unknown expect '$expect'"; continue ;;
  esac
  # --- same ---------------------------------------------------------------------
  fails=() details=()
  if [[ $(<"$w/oracle.rc") != $(<"$w/bsm.rc") ]]; then fails+=("exit code $(<"$w/oracle.rc")/$(<"$w/bsm.rc")"); fi
  if ! cmp -s "$w/oracle.out" "$w/bsm.out"; then fails+=(stdout); details+=("    stdout of efibootmgr $args:" "$(show_diff "$w/oracle.out" "$w/bsm.out")"); fi
  if ! cmp -s "$w/oracle.err" "$w/bsm.err"; then fails+=(stderr); details+=("    stderr of efibootmgr $args:" "$(show_diff "$w/oracle.err" "$w/bsm.err")"); fi
  capture "$w/stateA" oracle "$A" -v
  capture "$w/stateB" oracle "$B" -v
  if ! cmp -s "$w/stateA.out" "$w/stateB.out" || [[ $(<"$w/stateA.rc") != $(<"$w/stateB.rc") ]]; then
    fails+=(state); details+=("    efibootmgr -v afterwards (efibootmgr's copy vs bootsmith's copy):" "$(show_diff "$w/stateA.out" "$w/stateB.out" efibootmgr-wrote bootsmith-wrote)")
  fi
  if [[ $(allow "$dirlabel" efibootmgr-v) != robust ]]; then
    capture "$w/after" bsm "$R" efibootmgr -v
    why=$(crash_reason "$w/after")
    if [[ -n $why ]]; then fails+=("-v after: $why")
    elif ! cmp -s "$w/stateA.out" "$w/after.out" || ! cmp -s "$w/stateA.err" "$w/after.err" || [[ $(<"$w/stateA.rc") != $(<"$w/after.rc") ]]; then
      fails+=("-v after"); details+=("    bootsmith efibootmgr -v afterwards vs efibootmgr -v:" "$(show_diff "$w/stateA.out" "$w/after.out")")
    fi
  fi
  if [[ $compare == bytes ]]; then
    if [[ $(efivars_state "$A") != $(efivars_state "$B") ]]; then
      fails+=(bytes); details+=("    variable files (efibootmgr's copy vs bootsmith's copy):" "$(bytes_diff "$A" "$B")")
    fi
  elif [[ $compare != listing-only ]]; then
    fails+=("unknown compare '$compare'")
  fi
  if ((${#fails[@]} == 0)); then
    changed=; [[ $(efivars_state "$A") == "$orig" ]] || changed=", variables changed"
    result ok "$label" "$dirlabel" "exit $(<"$w/oracle.rc")$changed"
  else
    result FAIL "$label" "$dirlabel" "efibootmgr $args: $(IFS=,; echo "${fails[*]}")"
    printf '%s\n' "${details[@]}"
  fi
done <"$TABLE"

echo "$PASS/$TOTAL passed"
[[ $TOTAL -gt 0 && $PASS == "$TOTAL" ]]
