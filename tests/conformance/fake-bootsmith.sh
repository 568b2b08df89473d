#!/usr/bin/env bash
# fake-bootsmith.sh — HARNESS SELF-TEST ONLY. A stand-in for the bootsmith binary
# that answers the two command lines the conformance harness uses by asking the
# real efibootmgr 17:
#
#   fake-bootsmith.sh --root R efibootmgr ARGS...   → efibootmgr ARGS on R/sys/firmware/efi/efivars/
#                                                    (with the O_TRUNC shim when OTRUNC_SHIM is set,
#                                                    so writes behave as on efivarfs); when
#                                                    efibootmgr fails on a bad entry while listing, it
#                                                    prints the robust listing instead (every entry,
#                                                    the bad ones by name) and exits 65; refuses
#                                                    -t outside 0..65535 (exit 2)
#   fake-bootsmith.sh --root R boot list -v --json  → a bootsmith.boot-list/1 document built from
#                                                    efibootmgr's per-entry output and the files' bytes
#
# With it, listing.sh and mutations.sh must pass; with FAKE_BREAK set they must
# fail (selftest.sh checks both). FAKE_BREAK modes: drop-entry, change-desc,
# exit-code, crash (no robust fallback), path-text, opt-data, order (JSON entry
# order), stale-tail (writes without the shim: shrinking writes keep the old tail),
# no-write (mutations run on a scratch copy), allow-overflow (-t 70000 accepted).
set -uo pipefail
export LC_ALL=C
source "$(cd "$(dirname "$0")" && pwd)/lib.sh"
BREAK=${FAKE_BREAK:-}

root=
while [[ $# -gt 0 ]]; do
  case $1 in
    --root) root=$2; shift 2 ;;
    --root=*) root=${1#--root=}; shift ;;
    *) break ;;
  esac
done
[[ -n $root ]] || { echo "fake-bootsmith: --root is required" >&2; exit 2; }
E=$root/sys/firmware/efi/efivars
T=$(mktemp -d "${TMPDIR:-/tmp}/fake-bootsmith.XXXXXX"); trap 'rm -rf "$T"' EXIT

break_listing() {  # filter a text listing according to FAKE_BREAK
  case $BREAK in
    drop-entry) awk '/^Boot/ && !/^Boot(Next|Current|Order): / { last = NR } { l[NR] = $0 } END { for (i = 1; i <= NR; i++) if (i != last) print l[i] }' ;;
    change-desc) awk '!done && /^Boot/ && !/^Boot(Next|Current|Order): / { sub(/[* ] /, "&X"); done = 1 } { print }' ;;
    *) cat ;;
  esac
}

cmd=${1:-}; shift || true
case $cmd in
  efibootmgr)
    listing_only=1
    for a in "$@"; do [[ $a == -v ]] || listing_only=; done
    prev=
    for a in "$@"; do
      if [[ $prev == -t && $BREAK != allow-overflow ]] && { [[ ! $a =~ ^[0-9]+$ ]] || ((10#$a > 65535)); } && [[ $a =~ ^-?[0-9]+$ ]]; then
        echo "fake-bootsmith: error: timeout '$a' is out of range 0..65535" >&2; exit 2
      fi
      prev=$a
    done
    [[ $BREAK == stale-tail ]] && unset OTRUNC_SHIM
    target=$E
    if [[ $BREAK == no-write && -z $listing_only ]]; then target=$T/scratch; copy_efivars "$E" "$target"; fi
    capture "$T/r" oracle "$target" "$@"
    rc=$(<"$T/r.rc")
    if [[ $rc != 0 && -n $listing_only && $BREAK != crash ]]; then
      # robust listing: efibootmgr's listing, each entry rendered alone; bad ones by name
      oracle_entries "$E" "$T/ent"
      expected_robust "$T/ent/plain.out" "$T/ent" "$([[ $# -gt 0 ]] && echo v || echo plain)" |
        while IFS= read -r l; do
          if [[ $l == $'\001'* ]]; then grep "^${l#?}[* ]" "$T/ent/plain.out"; else printf '%s\n' "$l"; fi
        done | break_listing
      while read -r n; do
        [[ -f $T/ent/broken.$n ]] && echo "fake-bootsmith: warning: $n: efibootmgr cannot parse this entry" >&2
      done <"$T/ent/names"
      exit 65
    fi
    break_listing <"$T/r.out"
    cat "$T/r.err" >&2
    if [[ $BREAK == crash && $rc -ge 128 ]]; then rm -rf "$T"; kill -SEGV $$; fi
    [[ $BREAK == exit-code ]] && rc=$((rc == 0 ? 1 : rc))
    exit "$rc"
    ;;
  boot)
    [[ ${1:-} == list ]] || { echo "fake-bootsmith: only 'boot list -v --json'" >&2; exit 2; }
    copy_efivars "$E" "$T/src"
    oracle_entries "$T/src" "$T/ent"
    : >"$T/tsv"
    while read -r n; do
      h=$(xxd -p "$T/src/$n-$EFI_GLOBAL" | tr -d '\n')
      if [[ -f $T/ent/line.$n ]]; then printf '%s\t1\t%s\t%s\n' "$n" "$h" "$(<"$T/ent/line.$n")"
      else printf '%s\t0\t%s\n' "$n" "$h"; fi >>"$T/tsv"
    done <"$T/ent/names"
    jq -n -L "$CONF_DIR" --rawfile plain "$T/ent/plain.out" --rawfile entries "$T/tsv" --arg brk "$BREAK" \
      --arg hasorder "$([[ -f $E/BootOrder-$EFI_GLOBAL ]] && echo 1)" '
      include "efi";
      def le: le(length / 2);
      ($plain | split("\n")) as $pl
      | def header($p): ($pl | map(select(startswith($p))) | .[0]);
        (header("BootOrder: ") | if . then .[11:] | split(",") elif $hasorder == "1" then [] else null end) as $order
      | [ $entries | split("\n")[] | select(length > 0) | split("\t")
          | {name: .[0], clean: (.[1] == "1"), hex: .[2], line: (if length > 3 then .[3:] | join("\t") else null end)}
          | .name as $n | .hex as $h | ($h[8:]) as $d
          | {name: $n,
             number: (if ($n | test("^Boot[0-9A-F]{4}$")) then $n[4:8] else null end),
             compliant: ($n | test("^Boot[0-9A-F]{4}$")),
             variable: {attributes: ($h[0:8] | le), size: (($h | length) / 2 - 4)}}
          | .number as $num | .in_boot_order = (.compliant and (($order // []) | index([$num])) != null)
          | if ($d | length) < 12 or (.name as $x | $entries | contains("\($x)\t0\t")) then
              . + {attributes: null, description: null, device_path: null, optional_data: null,
                   corrupt: "fake: efibootmgr cannot render this entry"}
            else
              ($d[8:12] | le) as $fpl
              | (first(range(12; ($d | length); 4) | select($d[.:. + 4] == "0000")) // null) as $z
              | ($d[$z + 4:$z + 4 + $fpl * 2]) as $dp | ($d[$z + 4 + $fpl * 2:]) as $opt
              | ([$entries | split("\n")[] | select(startswith(($n) + "\t1\t")) | split("\t") | .[3:] | join("\t")] | .[0]) as $line
              | ([$line | capture("^(?<nm>[^* ]+)(?<mark>[* ]) (?<desc>[^\t]*)\t(?<after>.*)$")] | .[0]) as $p
              | ($p.after[0:($p.after | length) - ($opt | length) / 2]) as $text
              | ([$text | capture("(^|/)HD\\((?<part>[0-9]+),(?<fmt>GPT|MBR),(?<sig>[^,]*),(?<start>0x[0-9a-f]+),(?<size>0x[0-9a-f]+)\\)")] | .[0]) as $hd
              | ($d[0:8] | le) as $raw
              | . + {attributes: {raw: $raw, active: ($raw % 2 == 1), hidden: (($raw / 8 | floor) % 2 == 1),
                                  force_reconnect: (($raw / 2 | floor) % 2 == 1), category: (($raw / 256 | floor) % 32)},
                     description: $p.desc,
                     device_path: {text: $text, hex: $dp,
                                   hard_drive: (if $hd then {partition: ($hd.part | tonumber), format: $hd.fmt,
                                                signature_type: (if $hd.fmt == "GPT" then "guid" else "mbr" end),
                                                signature: $hd.sig, start: ($hd.start | hexnum), size: ($hd.size | hexnum)} else null end),
                                   file: ($dp | file_path)},
                     optional_data: {size: (($opt | length) / 2), hex: $opt, text: null, encoding: null},
                     corrupt: null}
            end ] as $ents
      | ([ ($order // [] | reduce .[] as $o ([]; if index([$o]) then . else . + [$o] end))[] as $o
           | $ents[] | select(.compliant and .number == $o) ]) as $first
      | ($ents | map(select(. as $e | $first | map(.name) | index($e.name) | not)) | sort_by(.name)) as $rest
      | {schema: "bootsmith.boot-list/1",
         boot_current: (header("BootCurrent: ") | if . then .[13:] else null end),
         boot_next: (header("BootNext: ") | if . then .[10:] else null end),
         timeout: (header("Timeout: ") | if . then .[9:] | rtrimstr(" seconds") | tonumber else null end),
         boot_order: $order,
         entries: ($first + $rest),
         problems: []}
      | if $brk == "drop-entry" then .entries |= .[:-1]
        elif $brk == "change-desc" then .entries[0].description += "X"
        elif $brk == "path-text" then .entries |= map(if .device_path then .device_path.text += "/" else . end)
        elif $brk == "opt-data" then .entries |= map(if (.optional_data.size // 0) > 0 then .optional_data.hex = ("41" + .optional_data.hex[2:]) else . end)
        elif $brk == "order" then .entries |= reverse
        else . end'
    ;;
  *) echo "fake-bootsmith: unsupported command '$cmd'" >&2; exit 2 ;;
esac
