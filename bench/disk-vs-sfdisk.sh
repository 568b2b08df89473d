#!/usr/bin/env bash
# `bootsmith disk list --json` against util-linux for the same facts: sfdisk --json (the
# table) plus blkid -p -o export on the disk and at each partition's offset (the file systems).
#
#   bench/disk-vs-sfdisk.sh
#
#   debian12    build/fixtures/debian12-uefi: one GPT disk, 3 partitions (ESP FAT32, BIOS boot, ext4)
#   five-disks  build/fixtures/disks: gpt-small, mbr-esp, mbr-syslinux, gpt-overlap, mbr-nosig
#               (11 partitions) in one call
#
# Environment: BOOTSMITH (default build/bootsmith), FIXTURES (default build/fixtures),
# BENCH_RUNS, BENCH_RESULTS (see compare.sh). Needs hyperfine, jq, sfdisk, blkid.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(cd "$here/.." && pwd)
bootsmith=${BOOTSMITH:-$top/build/bootsmith}
fixtures=${FIXTURES:-$top/build/fixtures}
[[ -x $bootsmith ]] || { echo "disk-vs-sfdisk.sh: build bootsmith first (or set BOOTSMITH)" >&2; exit 2; }
for t in sfdisk blkid jq; do
    command -v "$t" >/dev/null || { echo "disk-vs-sfdisk.sh: $t is needed" >&2; exit 2; }
done
work=$(mktemp -d "${TMPDIR:-/tmp}/bootsmith-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT

# The oracle side as one script: what a person (or a script) runs to get the same facts.
# Partition offsets come from sfdisk's own JSON, so its cost is in the figure.
cat >"$work/oracle.sh" <<'ORACLE'
#!/bin/sh
for img in "$@"; do
  sfdisk --json "$img" >"$TMPDIR_ORACLE/t.json"
  blkid -p -o export "$img" || true
  for o in $(jq -r '.partitiontable as $t | $t.partitions[] | "\(.start * $t.sectorsize):\(.size * $t.sectorsize)"' "$TMPDIR_ORACLE/t.json"); do
    blkid -p -o export -O "${o%:*}" -S "${o#*:}" "$img" || true
  done
done
ORACLE
chmod +x "$work/oracle.sh"

export TMPDIR_ORACLE=$work
root=$fixtures/debian12-uefi
"$here/compare.sh" --note "1 GPT disk, 3 partitions; other = sfdisk --json + blkid -p (disk + each partition)" \
    disk-list-debian12 -- "$bootsmith" --root "$root" disk list --json -- "$work/oracle.sh" "$root/dev/sda"

d=$fixtures/disks
imgs=(gpt-small.img mbr-esp.img mbr-syslinux.img gpt-overlap.img mbr-nosig.img)
"$here/compare.sh" --note "5 disks, 11 partitions in one call; other = sfdisk --json + blkid -p per disk and partition" \
    disk-list-five -- "$bootsmith" --root "$d" disk list --json "${imgs[@]/#//}" -- "$work/oracle.sh" "${imgs[@]/#/$d/}"

# The ESP listing: bootsmith disk esp (finds the ESP, reads its FAT from the disk image when not
# mounted: here the mount is dropped from mountinfo so the FAT reader does the work) against
# mdir -/ on the same partition.
if command -v mdir >/dev/null; then
    esp_root=$work/esp-root
    cp -a "$root" "$esp_root"
    grep -v ' /boot/efi ' "$root/proc/self/mountinfo" >"$esp_root/proc/self/mountinfo"
    start=$(sfdisk --json "$root/dev/sda" | jq '.partitiontable.partitions[0].start * 512')
    MTOOLS_SKIP_CHECK=1 "$here/compare.sh" --note "the FAT32 ESP read from the image; other = mdir -/ (recursive listing)" \
        disk-esp-listing -- "$bootsmith" --root "$esp_root" disk esp --json -- \
        env MTOOLS_SKIP_CHECK=1 MTOOLSRC=/dev/null mdir -/ -i "$root/dev/sda@@$start" ::
fi
