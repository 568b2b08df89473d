#!/usr/bin/env bash
# disk-list.sh BOOTSMITH FIXTURES_DIR UTIL_LINUX_DATA_DIR
#
# `bootsmith disk list --json` against the oracles util-linux ships, on every disk image:
# the fixture roots' dev/* disks, FIXTURES_DIR/disks/*.img, and the util-linux test images
# (decompressed into a temporary directory).
#   sfdisk --json IMG            table type, id, sector size; per partition start, size,
#                                type, uuid, name, bootable (MBR) / attrs (GPT)
#   blkid -p -o export IMG       PTTYPE, PTUUID; TYPE/VERSION/UUID/LABEL of a superfloppy
#   blkid -p -o export -O OFF -S SIZE IMG
#                                TYPE, VERSION, UUID, LABEL of the file system of each partition
# Known, explained differences (each needs bootsmith's finding to be accepted):
#   gpt.no-protective-mbr     sfdisk sees no table; bootsmith reads the GPT forced
#   gpt.entry-outside-usable  libfdisk lists the entry libblkid (and bootsmith) leave out
#   4096-byte sectors         sfdisk 2.38 reads files at 512 (sees the PMBR): blkid only
#   nested BSD partitions     (parent != null) libfdisk does not list them
#   a bare BSD label          libfdisk reads it; libblkid only inside an MBR slice
# Prints a pass count; exit 1 on any mismatch, 77 when sfdisk, blkid or jq is missing.
set -uo pipefail
export LC_ALL=C

[ $# -eq 3 ] || { echo "usage: $0 BOOTSMITH FIXTURES_DIR UTIL_LINUX_DATA_DIR" >&2; exit 2; }
BS=$1 FIX=$2 UL=$3
for t in sfdisk blkid jq xz timeout; do
  command -v "$t" >/dev/null 2>&1 || { echo "SKIP: $t is not installed"; exit 77; }
done
TMP=$(mktemp -d "${TMPDIR:-/tmp}/bootsmith-disk-conf.XXXXXX")
trap 'rm -rf "$TMP"' EXIT

pass=0 fail=0 images=0 parts=0
ok()  { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }
same() {  # LABEL WHAT BOOTSMITH ORACLE
  if [ "$3" = "$4" ]; then ok; else bad "$1: $2: bootsmith '$3', oracle '$4'"; fi
}
bval() { blkid -p -o export "$@" 2>/dev/null; }
kv() { sed -n "s/^$1=//p" <<<"$2" | head -n1 | sed 's/\\\(.\)/\1/g'; }

# check LABEL ROOT DEV HOSTPATH
check() {
  local label=$1 root=$2 dev=$3 img=$4
  images=$((images + 1))
  local bj=$TMP/b.json sj=$TMP/s.json
  local rc=0
  timeout 60 "$BS" --root "$root" disk list --json "$dev" >"$bj" 2>"$TMP/b.err" || rc=$?
  local srt=0
  sfdisk --json "$img" >"$sj" 2>/dev/null || srt=$?
  local bl; bl=$(bval "$img")
  if [ $rc != 0 ]; then
    # bootsmith refused: one line on stderr naming the file, and no oracle sees a table
    if [ "$rc" = 65 ] && [ "$(wc -l <"$TMP/b.err")" = 1 ] && grep -qF "$img" "$TMP/b.err"; then ok; else
      bad "$label: bootsmith exit $rc: $(cat "$TMP/b.err")"; fi
    local sl; sl=$([ $srt = 0 ] && jq -r '.partitiontable.label' "$sj" || echo null)
    if [ "$sl" = bsd ] && [ -z "$(kv PTTYPE "$bl")" ]; then
      echo "note: $label: a bare BSD label: libfdisk reads it, libblkid (and bootsmith) only inside an MBR slice"
    elif [ "$sl" != null ] && [ "$(kv PTTYPE "$bl")" != PMBR ]; then
      bad "$label: bootsmith found nothing, sfdisk found a $sl table"
    fi
    [ -z "$(kv PTTYPE "$bl")" ] || [ "$(kv PTTYPE "$bl")" = PMBR ] || bad "$label: bootsmith found nothing, blkid says PTTYPE=$(kv PTTYPE "$bl")"
    [ -z "$(kv TYPE "$bl")" ] || bad "$label: bootsmith found nothing, blkid says TYPE=$(kv TYPE "$bl")"
    return
  fi
  local d='.disks[0]'
  local findings; findings=$(jq -r "$d.findings[].code" "$bj")
  has() { grep -qx "$1" <<<"$findings"; }
  local btype bid ss
  btype=$(jq -r "$d.table.type // \"\"" "$bj"); bid=$(jq -r "$d.table.id // \"\"" "$bj")
  ss=$(jq -r "$d.sector_size" "$bj")

  # blkid -p on the whole disk: the table (or a superfloppy's file system)
  if has gpt.no-protective-mbr; then
    same "$label" "blkid PTTYPE (no PMBR)" "" "$(kv PTTYPE "$bl")"
  elif [ "$ss" = 512 ]; then
    same "$label" PTTYPE "$btype" "$(kv PTTYPE "$bl")"
    same "$label" PTUUID "$bid" "$(kv PTUUID "$bl")"
  fi
  if [ -z "$btype" ]; then
    local f
    for f in TYPE VERSION UUID LABEL; do
      same "$label" "disk $f" "$(jq -r "$d.filesystem.${f,,} // \"\"" "$bj")" "$(kv "$f" "$bl")"
    done
  fi

  # sfdisk --json: the table and every partition
  if [ "$ss" != 512 ]; then
    echo "note: $label: $ss-byte sectors, sfdisk reads files at 512 — blkid only"
  elif has gpt.no-protective-mbr; then
    same "$label" "sfdisk sees no table" "1" "$([ $srt != 0 ] && echo 1 || echo 0)"
  elif [ -n "$btype" ]; then
    if [ $srt != 0 ]; then bad "$label: sfdisk failed on a disk bootsmith reads as $btype"; return; fi
    local st='.partitiontable'
    same "$label" "table type" "$btype" "$(jq -r "$st.label" "$sj")"
    same "$label" "table id" "$bid" "$(jq -r "$st.id // \"\" | ascii_downcase | sub(\"^0x\"; \"\") | if . == \"00000000\" then \"\" else . end" "$sj")"
    same "$label" "sector size" "$ss" "$(jq -r "$st.sectorsize" "$sj")"
    local dev_node; dev_node=$(jq -r "$st.device" "$sj")
    # sfdisk's partitions as "number<TAB>start<TAB>size<TAB>type<TAB>uuid<TAB>name<TAB>flags"
    # (sfdisk gives no PARTUUID for MBR partitions: it is the disk id + "-" + the number as
    # two hex digits, util-linux libblkid/src/partitions/dos.c; none when the id is 0)
    jq -r --arg dev "$dev_node" --arg lbl "$btype" --arg id "$bid" "def hex2: [(. / 16 | floor), (. % 16)] | map(\"0123456789abcdef\"[.:.+1]) | join(\"\");
      $st.partitions[]? | (.node | ltrimstr(\$dev)) as \$n | [
        \$n,
        .start, .size,
        (if \$lbl == \"gpt\" then (.type | ascii_downcase) else (\"0x\" + (\"0\" + .type)[-2:]) end),
        (if \$lbl == \"gpt\" then ((.uuid // \"\") | ascii_downcase) elif \$id == \"\" then \"\" else \$id + \"-\" + (\$n | tonumber | hex2) end),
        (.name // \"\"),
        (if \$lbl == \"gpt\" then (.attrs // \"\") else (if .bootable then \"bootable\" else \"\" end) end)
      ] | @tsv" "$sj" | sort -n >"$TMP/s.tsv"
    # bootsmith's in the same form (GPT attrs as sfdisk names them)
    jq -r "$d.table.partitions[] | select(.parent == null) | [
        .number, .start, .size, .type, (.partuuid // \"\"), (.name // \"\"),
        (if \"$btype\" == \"gpt\" then ([.flag_names[] |
            {\"required\": \"RequiredPartition\", \"no-block-io\": \"NoBlockIOProtocol\",
             \"legacy-bios-bootable\": \"LegacyBIOSBootable\"}[.] // .] | join(\" \"))
         else (if .bootable then \"bootable\" else \"\" end) end)
      ] | @tsv" "$bj" | sort -n >"$TMP/b.tsv"
    if has gpt.entry-outside-usable; then
      # libfdisk lists the entries libblkid skips; compare the ones both have
      join -t $'\t' -o 1.1 "$TMP/b.tsv" "$TMP/s.tsv" >/dev/null 2>&1
      grep -F -x -f "$TMP/b.tsv" "$TMP/s.tsv" >"$TMP/s2.tsv" || true
      mv "$TMP/s2.tsv" "$TMP/s.tsv"
    fi
    if diff "$TMP/b.tsv" "$TMP/s.tsv" >"$TMP/diff"; then
      pass=$((pass + $(wc -l <"$TMP/b.tsv") + 1))
    else
      bad "$label: partitions differ from sfdisk (< bootsmith, > sfdisk):"; sed 's/^/    /' "$TMP/diff"
    fi
  fi

  # blkid -p at each partition's offset: the file system
  local n start size
  while IFS=$'\t' read -r n start size; do
    parts=$((parts + 1))
    local pb; pb=$(bval -O $((start * ss)) -S $((size * ss)) "$img")
    local f
    for f in TYPE VERSION UUID LABEL; do
      same "$label" "partition $n $f" "$(jq -r "$d.table.partitions[] | select(.number == $n) | .filesystem.${f,,} // \"\"" "$bj")" "$(kv "$f" "$pb")"
    done
  done < <(jq -r "$d.table.partitions[]? | select(.extended | not) | [.number, .start, .size] | @tsv" "$bj")
}

for r in "$FIX"/*/; do
  r=${r%/}
  [ -d "$r/dev" ] && [ -d "$r/etc" ] || continue
  for img in "$r"/dev/*; do
    [ -f "$img" ] || continue
    check "$(basename "$r"):$(basename "$img")" "$r" "/dev/$(basename "$img")" "$img"
  done
done
for img in "$FIX"/disks/*.img; do
  [ -f "$img" ] || continue
  check "disks:$(basename "$img")" "$FIX/disks" "/$(basename "$img")" "$img"
done
mkdir -p "$TMP/ul"
for x in "$UL"/*.img.xz; do
  [ -f "$x" ] || continue
  n=$(basename "${x%.xz}")
  xz -dc "$x" >"$TMP/ul/$n"
  check "util-linux:$n" "$TMP/ul" "/$n" "$TMP/ul/$n"
done

echo "disk-list conformance: $images images, $parts partitions probed, $pass checks passed, $fail failed"
[ $fail = 0 ]
