#!/usr/bin/env bash
# Re-creates fuzz/corpus/<target>/ (the committed seeds) from the repository's fixtures and test
# data, ../shared/corpus (when present) and small images made with sfdisk and mkfs.fat.
# Run by hand; the build and the tests only read the committed seeds. See fuzz/corpus/ORIGINS.md.
set -euo pipefail
cd "$(dirname "$0")/.."
out=fuzz/corpus
shared=../shared/corpus
rm -rf "${out:?}"/*/
mkdir -p "$out"/{load_option,device_path,grubenv,default_grub,grub_cfg,grubby_cfg,bls,mbr,disk,fat}

# seed TARGET FILE NAME: copies FILE when it is at most 64 KiB.
seed() { if [ "$(stat -c %s "$2")" -le 65536 ]; then cp "$2" "$out/$1/$3"; fi; }

# EFI: Boot#### variables (efivarfs files: 4 bytes of attributes, then the load option), and
# the device path inside each (FilePathList, after the NUL-terminated UCS-2 description).
n=0
for f in tests/data/efi/*/Boot[0-9A-F][0-9A-F][0-9A-F][0-9A-F]-* fixtures/*/sys/firmware/efi/efivars/Boot[0-9A-F]*-*; do
  [ -f "$f" ] || continue
  n=$((n + 1))
  name="$(basename "$(dirname "$f")")-$(basename "$f" | cut -c1-8)"
  tail -c +5 "$f" >"$out/load_option/$name"
  python3 - "$out/load_option/$name" "$out/device_path/$name" <<'PY'
import struct, sys
d = open(sys.argv[1], 'rb').read()
if len(d) < 6: sys.exit()
plen = struct.unpack_from('<H', d, 4)[0]
i = 6
while i + 1 < len(d) and d[i:i+2] != b'\0\0': i += 2
p = d[i+2:i+2+plen]
if p: open(sys.argv[2], 'wb').write(p)
PY
done
# Identical variables appear in several machines: keep one of each.
for t in load_option device_path; do
  (cd "$out/$t" && sha256sum -- * | sort | awk 'seen[$1]++ {print $2}' | xargs -r rm -f)
done

# grubenv blocks.
for f in tests/data/grubenv/*.grubenv tests/data/grubenv/grubby-grubenv.*; do seed grubenv "$f" "$(basename "$f")"; done
for f in "$shared"/grub/grubenv/*; do [ -f "$f" ] && seed grubenv "$f" "shared-$(basename "$f")"; done

# /etc/default/grub and drop-ins.
for f in tests/data/default_grub/default_grub/* tests/data/default_grub/default_grub.d/*; do
  seed default_grub "$f" "$(basename "$(dirname "$f")")-$(basename "$f")"
done

# grub.cfg: the fixtures', the test data's, real ones and grub-mkconfig's outputs.
for f in fixtures/*/boot/grub*/grub.cfg; do seed grub_cfg "$f" "fixture-$(echo "$f" | cut -d/ -f2).cfg"; done
for f in fixtures/inputs/*.grub.cfg tests/data/grubcfg/grub/*/* "$shared"/grub/grubcfg/*.cfg "$shared"/grub/grubcfg/mkconfig/out/*.cfg; do
  [ -f "$f" ] && seed grub_cfg "$f" "$(basename "$f")"
done
# grubby's model: C grubby's grub2 test configurations and the fixtures'.
for f in tests/data/grubcfg/grubby/grub2.*; do seed grubby_cfg "$f" "grubby-$(basename "$f")"; done
for f in fixtures/centos7-bios/boot/grub2/grub.cfg fixtures/fedora-bls-uefi/boot/grub2/grub.cfg; do
  [ -f "$f" ] && seed grubby_cfg "$f" "fixture-$(echo "$f" | cut -d/ -f2).cfg"
done

# BLS entries.
for f in tests/data/bls/*/*.conf fixtures/*/boot/loader/entries/*.conf; do
  [ -f "$f" ] && seed bls "$f" "$(basename "$(dirname "$f")")-$(basename "$f")"
done

# Sector 0 and what follows it (GRUB's diskboot.img and core.img in the MBR gap): the first
# 64 KiB of the fixtures' disks; Syslinux's boot code.
for d in fixtures/*/dev/*.xz fixtures/disks/mbr-*.img.xz; do
  xz -dc "$d" | head -c 65536 >"$out/mbr/$(basename "$(dirname "$(dirname "$d")")")-$(basename "$d" .xz)" || true
done
for f in tests/data/disk/bootcode/*.bin; do seed mbr "$f" "$(basename "$f")"; done

# Partition tables: small images (64 KiB) made by sfdisk, and the fixtures' tiny ones.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mk() { # mk NAME SFDISK-SCRIPT
  truncate -s 64K "$tmp/$1"
  printf '%s\n' "$2" | sfdisk -q --no-reread --no-tell-kernel "$tmp/$1" >/dev/null
  cp "$tmp/$1" "$out/disk/$1"
}
mk gpt.img $'label: gpt\nlabel-id: 5F3A8C39-7A46-4E0A-9F8E-123456789ABC\nfirst-lba: 34\nstart=34, size=20, type=C12A7328-F81F-11D2-BA4B-00A0C93EC93B, name="EFI System", uuid=11111111-2222-3333-4444-555555555555\nstart=54, size=20, type=21686148-6449-6E6F-744E-656564454649, attrs="LegacyBIOSBootable"'
mk dos.img $'label: dos\nlabel-id: 0x1234abcd\nstart=1, size=40, type=ef, bootable\nstart=41, size=40, type=83'
mk dos-extended.img $'label: dos\nlabel-id: 0x0badcafe\nstart=1, size=20, type=83\nstart=21, size=100, type=5\nstart=23, size=30, type=82\nstart=55, size=30, type=83'
truncate -s 64K "$tmp/hybrid.img"
printf 'label: gpt\nfirst-lba: 34\nstart=34, size=40, type=L\n' | sfdisk -q "$tmp/hybrid.img" >/dev/null
cp "$tmp/hybrid.img" "$out/disk/gpt-linux.img"
for d in tiny empty; do xz -dc "fixtures/disks/$d.img.xz" >"$out/disk/$d.img"; done

# FAT: heads of images made by mkfs.fat and mtools (the fuzz target pads an input with zeros
# to the size its boot sector declares, so the head of a large image stands for all of it).
fat() { # fat NAME SIZE_KIB MKFS-OPTIONS…
  local img=$tmp/$1 size=$2
  shift 2
  rm -f "$img"
  mkfs.fat -C "$@" "$img" "$size" >/dev/null
  printf 'bootx64' >"$tmp/BOOTX64.EFI"
  printf 'grub config\n' >"$tmp/grub.cfg"
  MTOOLS_SKIP_CHECK=1 MTOOLSRC=/dev/null mmd -i "$img" ::EFI ::EFI/BOOT ::EFI/debian
  MTOOLS_SKIP_CHECK=1 MTOOLSRC=/dev/null mcopy -i "$img" "$tmp/BOOTX64.EFI" ::EFI/BOOT/
  MTOOLS_SKIP_CHECK=1 MTOOLSRC=/dev/null mcopy -i "$img" "$tmp/grub.cfg" ::EFI/debian/
  MTOOLS_SKIP_CHECK=1 MTOOLSRC=/dev/null mcopy -i "$img" "$tmp/grub.cfg" "::EFI/debian/A long file name.txt"
  head -c 65536 "$img" >"$out/fat/$(basename "$img")"
}
fat fat12.img 64 -F 12 -n ESP12 -i 12345678
fat fat16.img 4096 -F 16 -s 1 -r 64 -n ESP16 -i 2345678a
fat fat32.img 33792 -F 32 -s 1 -n ESP32 -i 345678ab
