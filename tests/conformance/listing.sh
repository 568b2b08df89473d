#!/usr/bin/env bash
# listing.sh BOOTSMITH DATA_DIR [EXTRA...] — bootsmith's listings against efibootmgr 17.
#
# For every efivars directory under DATA_DIR (tests/data/efi/*) and every EXTRA
# (an efivars dir, a fixture root, or a directory of fixture roots such as
# build/fixtures), on fresh copies:
#
#   efibootmgr-v   `BOOTSMITH --root R efibootmgr -v` vs `efibootmgr -v`
#   efibootmgr     `BOOTSMITH --root R efibootmgr`    vs `efibootmgr`
#                  stdout byte-identical, stderr identical, same exit code, and
#                  the listing wrote nothing. Exceptions are named in
#                  allow-list.tsv with mode `robust` (the directory holds entries
#                  efibootmgr cannot render: -v stops with exit 18 or SIGSEGV, or
#                  the plain listing prints bytes read past the variable): then
#                  bootsmith must not crash and must print efibootmgr's listing
#                  with every entry efibootmgr can render exactly as efibootmgr
#                  renders it alone, and every other entry still listed by name.
#   json           `BOOTSMITH --root R boot list -v --json` (bootsmith.boot-list/1)
#                  parsed with jq (compare-json.jq) against efibootmgr's header
#                  lines and per-entry -v lines and the variables' bytes: exit 0,
#                  boot_current/boot_next/timeout/boot_order, per entry active,
#                  description, device-path text character for character (+ the
#                  optional data as efibootmgr renders it), HD()/File() fields,
#                  sizes and attributes, entry order. Entries efibootmgr cannot
#                  render must be named in allow-list.tsv (corrupt=/maybe-corrupt=).
#
# Prints one line per directory and check, then "N/M passed"; exit 1 on any
# failure, 77 when efibootmgr or jq is missing. CONFORMANCE_ONLY='glob' limits
# the directories; KEEP=1 keeps the work directory.
set -uo pipefail
export LC_ALL=C

[[ $# -ge 2 ]] || { echo "usage: $0 BOOTSMITH DATA_DIR [EXTRA_DIR...]" >&2; exit 2; }
BOOTSMITH=$1 DATA=$2; shift 2
export BOOTSMITH
source "$(cd "$(dirname "$0")" && pwd)/lib.sh"
require_tools
[[ -x $BOOTSMITH ]] || { echo "FAIL: BOOTSMITH '$BOOTSMITH' is not executable"; exit 1; }

WORK=$(mktemp -d "${TMPDIR:-/tmp}/conformance-listing.XXXXXX")
[[ -n ${KEEP:-} ]] && echo "work directory: $WORK" || trap 'rm -rf "$WORK"' EXIT

# check_text LABEL CHECK DIR ENTRIES ORACLE_PREFIX ROOT ARGS...
check_text() {
  local label=$1 check=$2 dir=$3 ent=$4 o=$5 root=$6; shift 6
  local b=$WORK/$n.$check.bsm mode why msg
  local before; before=$(efivars_state "$root/sys/firmware/efi/efivars")
  capture "$b" bsm "$root" efibootmgr "$@"
  mode=$(allow "$label" "$check")
  why=$(crash_reason "$b")
  if [[ -n $why ]]; then
    result FAIL "$label" "$check" "bootsmith $why"; sed 's/^/      /' "$b.err" | head -n 20; return
  fi
  if [[ $(efivars_state "$root/sys/firmware/efi/efivars") != "$before" ]]; then
    result FAIL "$label" "$check" "the listing changed the efivars directory"; return
  fi
  case $mode in
    "")
      msg=
      [[ $(<"$o.rc") == $(<"$b.rc") ]] || msg+="exit code: efibootmgr $(<"$o.rc"), bootsmith $(<"$b.rc"); "
      cmp -s "$o.out" "$b.out" || msg+="stdout differs; "
      cmp -s "$o.err" "$b.err" || msg+="stderr differs; "
      if [[ -z $msg ]]; then result ok "$label" "$check"; return; fi
      result FAIL "$label" "$check" "${msg%; }"
      cmp -s "$o.out" "$b.out" || { echo "    stdout:"; show_diff "$o.out" "$b.out"; }
      cmp -s "$o.err" "$b.err" || { echo "    stderr:"; show_diff "$o.err" "$b.err"; }
      ;;
    robust)
      if ! compgen -G "$ent/broken.*" >/dev/null; then
        result FAIL "$label" "$check" "allow-list says robust, but efibootmgr renders every entry here: remove the allow-list line"; return
      fi
      local exp=$WORK/$n.$check.expected
      expected_robust "$ent/plain.out" "$ent" "$([[ $check == efibootmgr-v ]] && echo v || echo plain)" >"$exp"
      if msg=$(match_robust "$exp" "$b.out"); then
        result ok "$label" "$check" "robust: efibootmgr exits $(<"$o.rc"), bootsmith $(<"$b.rc") and lists every entry"
      else
        result FAIL "$label" "$check" "robust listing expected (efibootmgr exits $(<"$o.rc"))"; sed 's/^/      /' <<<"$msg"
      fi
      ;;
    *) result FAIL "$label" "$check" "unknown allow-list mode '$mode'" ;;
  esac
}

check_json() {
  local label=$1 dir=$2 ent=$3 root=$4
  local b=$WORK/$n.json.bsm why mode must='' may='' ignore='' tok msg
  capture "$b" bsm "$root" boot list -v --json
  why=$(crash_reason "$b")
  if [[ -n $why ]]; then result FAIL "$label" json "bootsmith $why"; sed 's/^/      /' "$b.err" | head -n 20; return; fi
  if [[ $(<"$b.rc") != 0 ]]; then
    result FAIL "$label" json "bootsmith exits $(<"$b.rc") (a listing reports bad entries inside the JSON and exits 0)"
    sed 's/^/      /' "$b.err" | head -n 5; return
  fi
  if ! jq -e 'type == "object"' "$b.out" >/dev/null 2>&1; then
    result FAIL "$label" json "stdout is not one JSON object"; head -c 400 "$b.out" | sed 's/^/      /'; return
  fi
  mode=$(allow "$label" json)
  for tok in $mode; do
    case $tok in
      corrupt=*) must=${tok#corrupt=} ;;
      maybe-corrupt=*) may=${tok#maybe-corrupt=} ;;
      ignore=*) ignore=${tok#ignore=} ;;
      *) result FAIL "$label" json "unknown allow-list mode token '$tok'"; return ;;
    esac
  done
  # entries TSV: NAME CLEAN HEX [LINE]
  local tsv=$WORK/$n.entries.tsv name
  : >"$tsv"
  while read -r name; do
    if [[ -f $ent/line.$name ]]; then
      printf '%s\t1\t%s\t%s\n' "$name" "$(xxd -p "$dir/$name-$EFI_GLOBAL" | tr -d '\n')" "$(<"$ent/line.$name")"
    else
      printf '%s\t0\t%s\n' "$name" "$(xxd -p "$dir/$name-$EFI_GLOBAL" | tr -d '\n')"
    fi >>"$tsv"
  done <"$ent/names"
  local globals; globals=$(cd "$dir" && for f in *-"$EFI_GLOBAL"; do [[ -f $f ]] && echo "${f%-"$EFI_GLOBAL"}"; done)
  if ! msg=$(jq -r --rawfile plain "$ent/plain.out" --rawfile entries "$tsv" --arg globals "$globals" \
               --arg must "$must" --arg may "$may" --arg ignore "$ignore" -L "$CONF_DIR" -f "$CONF_DIR/compare-json.jq" "$b.out" 2>&1); then
    result FAIL "$label" json "compare-json.jq failed: $(head -n 3 <<<"$msg")"; return
  fi
  if [[ -z $msg ]]; then
    result ok "$label" json "$(jq '.entries | length' "$b.out") entries${must:+; corrupt: $must}"
  else
    result FAIL "$label" json "$(wc -l <<<"$msg") differences"; head -n 30 <<<"$msg" | sed 's/^/      /'
  fi
}

n=0
while IFS=$'\t' read -r label dir; do
  n=$((n + 1))
  src=$WORK/$n.src; copy_efivars "$dir" "$src"      # pristine copy the oracle reads
  ent=$WORK/$n.entries; oracle_entries "$src" "$ent"
  capture "$WORK/$n.oracle-v" oracle "$src" -v
  root=$WORK/$n.root; make_root "$dir" "$root"
  check_text "$label" efibootmgr-v "$src" "$ent" "$WORK/$n.oracle-v" "$root" -v
  check_text "$label" efibootmgr "$src" "$ent" "$ent/plain" "$root"
  check_json "$label" "$src" "$ent" "$root"
done < <(discover_dirs "$DATA" "$@")

echo "$PASS/$TOTAL passed"
[[ $TOTAL -gt 0 && $PASS == "$TOTAL" ]]
