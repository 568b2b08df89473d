#!/usr/bin/env bash
# make-synthetic.sh — deterministic synthetic efivarfs directories for the
# conformance harness (tests/conformance/). bash + printf (+ sed, chmod) only.
#
#   make-synthetic.sh [OUTDIR]          write synthetic-quirks/, synthetic-noorder/,
#                                       synthetic-paths/, synthetic-corrupt*/ into OUTDIR (default:
#                                       this script's directory — the committed copies)
#   make-synthetic.sh thousand DIR [N]  write N (default 1000) Boot#### entries
#                                       HD()+File() + BootOrder of all of them into DIR
#                                       (benchmarks; generated at test/bench time, not committed)
#   make-synthetic.sh check             regenerate into a temp dir and compare with
#                                       the committed copies (exit 0 same / 1 differs)
#
# Every directory holds efivarfs-format files: <Name>-<vendor GUID>, content =
# u32 little-endian attributes + variable data (../../../../shared/notes/uefi.md §1).
# What each entry exercises is listed in ORIGINS.md next to this script.
set -euo pipefail
export LC_ALL=C

###############################################################################
# Byte helpers: binary data is carried as lowercase hex strings, written once.
###############################################################################
# shellcheck disable=SC2001  # sed is far faster than ${//} on long strings
hex2file() { printf '%b' "$(sed 's/../\\x&/g' <<<"$1")" >"$2"; }
le() {  # VALUE WIDTH → little-endian hex of WIDTH bytes
  local v=$1 w=$2 i s=
  for ((i = 0; i < w; i++)); do s+=$(printf '%02x' $(((v >> (8 * i)) & 255))); done
  printf '%s' "$s"
}
ucs2() {  # ASCII string → UCS-2LE hex, no terminator
  local s=$1 i h=
  for ((i = 0; i < ${#s}; i++)); do h+=$(printf '%02x00' "'${s:i:1}"); done
  printf '%s' "$h"
}
ucs2z() { printf '%s0000' "$(ucs2 "$1")"; }
asciihex() { local s=$1 i h=; for ((i = 0; i < ${#s}; i++)); do h+=$(printf '%02x' "'${s:i:1}"); done; printf '%s' "$h"; }
guid() {  # text GUID → 16 bytes, EFI mixed-endian (first three fields little-endian)
  local g=${1,,}; g=${g//-/}
  printf '%s' "${g:6:2}${g:4:2}${g:2:2}${g:0:2}${g:10:2}${g:8:2}${g:14:2}${g:12:2}${g:16:16}"
}
zeros() { local n=$1 s=; while ((n-- > 0)); do s+=00; done; printf '%s' "$s"; }
allbytes() { local i s=; for ((i = 0; i < 256; i++)); do s+=$(printf '%02x' "$i"); done; printf '%s' "$s"; }

###############################################################################
# Device-path nodes (uefi.md §3): u8 type, u8 subtype, u16 length incl. header.
###############################################################################
dp_node()     { printf '%02x%02x%s%s' "$1" "$2" "$(le $((4 + ${#3} / 2)) 2)" "$3"; }
dp_raw()      { printf '%02x%02x%s%s' "$1" "$2" "$(le "$3" 2)" "$4"; }  # explicit (possibly wrong) length
dp_hd_gpt()   { dp_node 4 1 "$(le "$1" 4)$(le "$2" 8)$(le "$3" 8)$(guid "$4")0202"; }
dp_hd_mbr()   { dp_node 4 1 "$(le "$1" 4)$(le "$2" 8)$(le "$3" 8)$(le "$4" 4)$(zeros 12)0101"; }
dp_file()     { dp_node 4 4 "$(ucs2z "$1")"; }
dp_file_nonul() { dp_node 4 4 "$(ucs2 "$1")"; }
dp_pciroot()  { dp_node 2 1 "d041030a$(le "$1" 4)"; }           # _HID PNP0A03
dp_pcieroot() { dp_node 2 1 "d041080a$(le "$1" 4)"; }           # _HID PNP0A08
dp_pci()      { dp_node 1 1 "$(printf '%02x%02x' "$2" "$1")"; }  # Pci(dev,fn): body = function, device
dp_sata()     { dp_node 3 18 "$(le "$1" 2)$(le "$2" 2)$(le "$3" 2)"; }
dp_scsi()     { dp_node 3 2 "$(le "$1" 2)$(le "$2" 2)"; }
dp_usb()      { dp_node 3 5 "$(printf '%02x%02x' "$1" "$2")"; }
dp_nvme()     { dp_node 3 23 "$(le "$1" 4)$2"; }                # nsid, 8-byte EUI-64 hex
dp_mac()      { dp_node 3 11 "$1$(zeros $((32 - ${#1} / 2)))$(printf '%02x' "$2")"; }
dp_ipv4_dhcp() { dp_node 3 12 "$(zeros 23)"; }
dp_ipv4_static() { dp_node 3 12 "$1$2$(le "$3" 2)$(le "$4" 2)$(le "$5" 2)01$6$7"; }  # local remote lport rport proto gw mask
dp_ipv6()     { dp_node 3 13 "$(zeros 56)"; }
dp_uri()      { dp_node 3 24 "$(asciihex "$1")"; }
dp_vlan()     { dp_node 3 20 "$(le "$1" 2)"; }
dp_uart()     { dp_node 3 14 "$(le 0 4)$(le "$1" 8)$(printf '%02x%02x%02x' "$2" "$3" "$4")"; }
dp_venhw()    { dp_node 1 4 "$(guid "$1")$2"; }
dp_venmsg()   { dp_node 3 10 "$(guid "$1")$2"; }
dp_venmedia() { dp_node 4 3 "$(guid "$1")$2"; }
dp_cdrom()    { dp_node 4 2 "$(le "$1" 4)$(le "$2" 8)$(le "$3" 8)"; }
dp_fvvol()    { dp_node 4 7 "$(guid "$1")"; }
dp_fvfile()   { dp_node 4 6 "$(guid "$1")"; }
dp_bbs()      { dp_node 5 1 "$(le "$1" 2)$(le "$2" 2)$(asciihex "$3")00"; }
dp_end_instance() { printf '7f010400'; }
dp_end()      { printf '7fff0400'; }

load_option() {  # ATTRS DESC_HEX (UCS-2 incl. NUL) DEVPATH_HEX [OPTIONAL_DATA_HEX]
  printf '%s%s%s%s%s' "$(le "$1" 4)" "$(le $((${#3} / 2)) 2)" "$2" "$3" "${4:-}"
}
EFI_GLOBAL=8be4df61-93ca-11d2-aa0d-00e098032b8c
VENDOR_GUID=5990c250-676b-4ff7-8a0d-529319d0b254   # a vendor namespace (Dell's, as in machine1)
efivar() {  # DIR NAME ATTRS DATA_HEX [GUID] → efivarfs file, mode 0644
  local f="$1/$2-${5:-$EFI_GLOBAL}"
  hex2file "$(le "$3" 4)$4" "$f"; chmod 0644 "$f"
}
u16list() { local h='' n; for n in "$@"; do h+=$(le $((16#$n)) 2); done; printf '%s' "$h"; }

ESP_UUID=5f2b8c1a-3e47-4d6a-9b0c-7e8f9a1b2c3d
hdfile() { printf '%s%s%s' "$(dp_hd_gpt 1 0x800 0x14000 "$ESP_UUID")" "$(dp_file "$1")" "$(dp_end)"; }

###############################################################################
# synthetic-quirks: names efibootmgr treats oddly, attributes, descriptions and
# optional data covering every byte value.
###############################################################################
make_quirks() {
  local d=$1/synthetic-quirks; rm -rf "$d"; mkdir -p "$d"
  efivar "$d" Boot0000 7 "$(load_option 1 "$(ucs2z debian)" "$(hdfile '\EFI\debian\shimx64.efi')")"
  # optional data 00 01 … ff: shows how every byte value is rendered
  efivar "$d" Boot0001 7 "$(load_option 1 "$(ucs2z 'All byte values')" "$(hdfile '\EFI\test\all.efi')" "$(allbytes)")"
  efivar "$d" Boot0002 7 "$(load_option 1 0000 "$(hdfile '\EFI\empty\description.efi')")"   # empty description
  efivar "$d" Boot0003 7 "$(load_option 0 "$(ucs2z 'Inactive entry')" "$(hdfile '\EFI\inactive\grubx64.efi')")"
  efivar "$d" Boot0004 7 "$(load_option 9 "$(ucs2z 'Hidden entry')" "$(hdfile '\EFI\hidden\grubx64.efi')")"   # ACTIVE|HIDDEN
  efivar "$d" Boot0005 7 "$(load_option 0x109 "$(ucs2z 'App entry')" "$(hdfile '\EFI\app\app.efi')")"         # ACTIVE|HIDDEN|CATEGORY_APP
  # UCS-2 optional data with terminator (shim second stage / kernel command line)
  efivar "$d" Boot0006 7 "$(load_option 1 "$(ucs2z 'UCS-2 arguments')" "$(hdfile '\EFI\Linux\vmlinuz.efi')" "$(ucs2z 'root=/dev/sda2 quiet')")"
  # ASCII optional data, no terminator
  efivar "$d" Boot0008 7 "$(load_option 1 "$(ucs2z 'ASCII arguments')" "$(hdfile '\EFI\Linux\vmlinuz.efi')" "$(asciihex 'root=UUID=2d6a4b8e ro quiet')")"
  # description with characters that need escaping in JSON and non-ASCII (U+00DC, U+2013, U+00E9)
  efivar "$d" Boot0009 7 "$(load_option 1 "$(ucs2 'Windows "Boot" \ Manager ')dc00$(ucs2 ' ')1320$(ucs2 ' caf')e9000000" "$(hdfile '\EFI\Microsoft\Boot\bootmgfw.efi')")"
  efivar "$d" Boot000B 7 "$(load_option 1 "$(ucs2z 'Uppercase B')" "$(hdfile '\EFI\B\b.efi')")"
  # non-compliant names (UEFI wants Boot + 4 uppercase hex digits)
  efivar "$d" Boot000a 7 "$(load_option 1 "$(ucs2z 'lowercase hex a')" "$(hdfile '\EFI\lower\a.efi')")"
  efivar "$d" Boot000d_BbsIndex 7 "$(load_option 1 "$(ucs2z 'BBS index suffix')" "$(hdfile '\EFI\bbs\d.efi')")"
  efivar "$d" boot0007 7 "$(load_option 1 "$(ucs2z 'lowercase prefix')" "$(hdfile '\EFI\lower\boot.efi')")"
  efivar "$d" Boot00zz 7 "$(load_option 1 "$(ucs2z 'not hex')" "$(hdfile '\EFI\zz\zz.efi')")"
  efivar "$d" Boot10000 7 "$(load_option 1 "$(ucs2z 'five hex digits')" "$(hdfile '\EFI\five\five.efi')")"
  # a Boot#### look-alike in a vendor namespace: not a boot option
  efivar "$d" Boot0042 7 "$(load_option 1 "$(ucs2z 'vendor namespace')" "$(hdfile '\EFI\vendor\x.efi')")" "$VENDOR_GUID"
  # BootOrder: a duplicate (0001 twice), an entry that does not exist (0FFF), the lowercase one by number (000A)
  efivar "$d" BootOrder 7 "$(u16list 0000 0001 0003 000A 0001 0002 0FFF 0004 0005)"
  efivar "$d" BootNext 7 "$(le 1 2)"
  efivar "$d" BootCurrent 6 "$(le 0 2)"
  efivar "$d" Timeout 7 "$(le 0xffff 2)"   # 65535 = wait forever
}

###############################################################################
# synthetic-noorder: two entries and nothing else — no BootOrder ("No BootOrder is
# set; firmware will attempt recovery"), no BootCurrent, BootNext or Timeout.
###############################################################################
make_noorder() {
  local d=$1/synthetic-noorder; rm -rf "$d"; mkdir -p "$d"
  efivar "$d" Boot0000 7 "$(load_option 1 "$(ucs2z debian)" "$(hdfile '\EFI\debian\shimx64.efi')")"
  efivar "$d" Boot0001 7 "$(load_option 1 "$(ucs2z 'UEFI Shell')" "$(dp_fvvol 7cb8bdc9-f8eb-4f34-aaea-3ee4af6516a1)$(dp_fvfile 7c04a583-9e3e-4f1c-ad65-e05268d0b4d1)$(dp_end)")"
}

###############################################################################
# synthetic-paths: one well-formed entry per device-path node type, to pin the
# exact text libefivar 37 prints (incl. its quirks: IPv4 glued addresses, File()
# without NUL loses a char, multi-instance paths stop at the first End Instance).
###############################################################################
make_paths() {
  local d=$1/synthetic-paths; rm -rf "$d"; mkdir -p "$d"
  local n=0 order=()
  p() {  # DESC DEVPATH_HEX [OPTDATA]
    local name; name=$(printf 'Boot%04X' "$n")
    efivar "$d" "$name" 7 "$(load_option 1 "$(ucs2z "$1")" "$2" "${3:-}")"
    order+=("$(printf '%04X' "$n")"); n=$((n + 1))
  }
  local E; E=$(dp_end)
  p 'NVMe full path' "$(dp_pciroot 0)$(dp_pci 0x1d 0)$(dp_pci 0 0)$(dp_nvme 1 0025388b71b0a1c2)$(dp_hd_gpt 1 0x800 0x100000 a4b3c2d1-1234-4cde-9f00-0123456789ab)$(dp_file '\EFI\debian\shimx64.efi')$E"
  p 'SATA' "$(dp_pcieroot 0)$(dp_pci 0x1f 2)$(dp_sata 0 0xffff 0)$(dp_hd_mbr 1 2048 1048576 0x1234abcd)$(dp_file '\EFI\BOOT\BOOTX64.EFI')$E"
  p 'SCSI' "$(dp_pciroot 0)$(dp_pci 3 0)$(dp_scsi 1 0)$E"
  p 'USB' "$(dp_pciroot 0)$(dp_pci 0x14 0)$(dp_usb 2 0)$E"
  p 'PXE IPv4' "$(dp_pciroot 0)$(dp_pci 3 0)$(dp_mac 525400123456 1)$(dp_ipv4_dhcp)$E" "4eac0881119f594d850ee21a522c59b2"
  p 'IPv4 static' "$(dp_pciroot 0)$(dp_pci 3 0)$(dp_mac 525400123456 1)$(dp_ipv4_static c0a8010a c0a80101 68 67 17 c0a801fe ffffff00)$E"
  p 'PXE IPv6' "$(dp_pciroot 0)$(dp_pci 3 0)$(dp_mac 525400123456 1)$(dp_ipv6)$E"
  p 'HTTP boot' "$(dp_pciroot 0)$(dp_pci 3 0)$(dp_mac 525400123456 1)$(dp_ipv4_dhcp)$(dp_uri 'http://192.168.1.1/boot/shimx64.efi')$E"
  p 'VLAN' "$(dp_pciroot 0)$(dp_pci 3 0)$(dp_mac 525400123456 1)$(dp_vlan 100)$(dp_ipv4_dhcp)$E"
  p 'Serial' "$(dp_pciroot 0)$(dp_uart 115200 8 1 1)$E"
  p 'Vendor HW' "$(dp_venhw a4b3c2d1-1234-4cde-9f00-0123456789ab 0102)$E"
  p 'Vendor Msg' "$(dp_pciroot 0)$(dp_venmsg a4b3c2d1-1234-4cde-9f00-0123456789ab cafe)$E"
  p 'Vendor Media' "$(dp_venmedia 5023b95c-db26-429b-a648-bd47664c8012 '')$E"
  p 'CD-ROM' "$(dp_pciroot 0)$(dp_pci 1 1)$(dp_cdrom 0 0x10 0x1000)$(dp_file '\EFI\BOOT\BOOTX64.EFI')$E"
  p 'Firmware volume' "$(dp_fvvol 7cb8bdc9-f8eb-4f34-aaea-3ee4af6516a1)$(dp_fvfile 7c04a583-9e3e-4f1c-ad65-e05268d0b4d1)$E"
  p 'Legacy BBS' "$(dp_bbs 2 0 '')$E"
  p 'File only' "$(dp_file '\EFI\debian\grubx64.efi')$E"
  p 'File without NUL' "$(dp_hd_gpt 1 0x800 0x14000 "$ESP_UUID")$(dp_file_nonul '\EFI\x.efi')$E"
  # unknown subtypes of known types fall back to generic forms (Acpi/Media print one body byte only)
  p 'Unknown hardware subtype' "$(dp_node 1 0x7f 0102)$E"
  p 'Unknown ACPI subtype' "$(dp_node 2 0x7f 0102)$E"
  p 'Unknown messaging subtype' "$(dp_node 3 0x7f 0102)$E"
  p 'Unknown media subtype' "$(dp_node 4 0x7f 0102)$E"
  p 'Unknown BBS subtype' "$(dp_node 5 0x7f 0102)$E"
  p 'Two instances' "$(dp_pciroot 0)$(dp_pci 2 0)$(dp_end_instance)$(dp_pciroot 0)$(dp_pci 3 0)$E"
  p 'MBR disk' "$(dp_hd_mbr 2 63 204800 0x5e1f7c3a)$(dp_file '\EFI\BOOT\BOOTX64.EFI')$E"
  p 'Windows' "$(hdfile '\EFI\Microsoft\Boot\bootmgfw.efi')" \
    "$(asciihex WINDOWS)00$(le 1 4)$(le 0x88 4)$(ucs2z 'BCDOBJECT={9dea862c-5cdd-4e70-acc1-f32b344d4795}')"
  efivar "$d" BootOrder 7 "$(u16list "${order[@]}")"
  efivar "$d" BootCurrent 6 "$(le 0 2)"
  efivar "$d" Timeout 7 "$(le 1 2)"   # "1 seconds"
}

###############################################################################
# synthetic-corrupt*: malformed variables. Each fatal case (one that makes
# efibootmgr -v stop) gets its own directory so the oracle's behaviour on each is
# visible; synthetic-corrupt holds them all, between good entries.
###############################################################################
corrupt_entries() {  # DIR WHICH... → writes the named corrupt entries + good 0000/00FF
  local d=$1; shift
  efivar "$d" Boot0000 7 "$(load_option 1 "$(ucs2z 'Good first')" "$(hdfile '\EFI\good\first.efi')")"
  local w
  for w in "$@"; do
    case $w in
      short)   efivar "$d" Boot0001 7 "0100" ;;   # 2 bytes of data: not even the header
      pastend) # FilePathListLength 0x200 but only the real path follows
               efivar "$d" Boot0002 7 "$(le 1 4)$(le 0x200 2)$(ucs2z 'Path length past end')$(hdfile '\EFI\broken\x.efi')" ;;
      nonul)   # description never terminated: UCS-2 text runs to the end of the variable
               efivar "$d" Boot0003 7 "$(le 1 4)$(le 0 2)$(ucs2 'No NUL in description')" ;;
      noend)   # device path without an End node (FilePathListLength covers HD+File only)
               local dp; dp=$(dp_hd_gpt 1 0x800 0x14000 "$ESP_UUID")$(dp_file '\EFI\noend\x.efi')
               efivar "$d" Boot0004 7 "$(load_option 1 "$(ucs2z 'No End node')" "$dp")" ;;
      zeronode) # a File node with Length 0 after HD(): libefivar 37's formatter crashes (SIGSEGV)
               efivar "$d" Boot0005 7 "$(load_option 1 "$(ucs2z 'Zero-length node')" "$(dp_hd_gpt 1 0x800 0x14000 "$ESP_UUID")$(dp_raw 4 4 0 '')$(dp_end)")" ;;
      shortnode) # a node whose Length (2) is below the 4-byte header
               efivar "$d" Boot0006 7 "$(load_option 1 "$(ucs2z 'Node length 2')" "$(dp_raw 1 1 2 '')$(dp_end)")" ;;
      nodepast) # node length runs past FilePathListLength
               efivar "$d" Boot0007 7 "$(load_option 1 "$(ucs2z 'Node past list')" "$(dp_raw 4 4 0x40 "$(ucs2z '\a')")$(dp_end)")" ;;
      unknowntype) # node type 6 does not exist: efibootmgr -v stops ("Could not parse device path")
               efivar "$d" Boot0008 7 "$(load_option 1 "$(ucs2z 'Unknown node type')" "$(dp_node 6 1 0000)$(dp_end)")" ;;
      empty)   efivar "$d" Boot000A 7 "" ;;       # attributes only, no data
    esac
  done
  efivar "$d" Boot00FF 7 "$(load_option 1 "$(ucs2z 'Good last')" "$(hdfile '\EFI\good\last.efi')")"
}
make_corrupt() {
  local out=$1 d w
  d=$out/synthetic-corrupt; rm -rf "$d"; mkdir -p "$d"
  corrupt_entries "$d" short pastend nonul noend empty
  efivar "$d" BootOrder 7 "$(u16list 0000 0001 0002 0003 0004)01"   # odd length: 11 bytes
  efivar "$d" BootCurrent 6 "$(le 0 4)"    # 4 bytes instead of 2
  efivar "$d" Timeout 7 "05"               # 1 byte instead of 2
  # the u16 variables with wrong sizes, around two good entries
  d=$out/synthetic-corrupt-vars; rm -rf "$d"; mkdir -p "$d"
  efivar "$d" Boot0000 7 "$(load_option 1 "$(ucs2z 'Good first')" "$(hdfile '\EFI\good\first.efi')")"
  efivar "$d" Boot00FF 7 "$(load_option 1 "$(ucs2z 'Good last')" "$(hdfile '\EFI\good\last.efi')")"
  efivar "$d" BootOrder 7 ""                 # 0 bytes: efibootmgr prints no BootOrder line at all
  efivar "$d" BootNext 7 "$(le 0xff 4)"      # 4 bytes instead of 2
  efivar "$d" BootCurrent 6 "00"             # 1 byte
  efivar "$d" Timeout 7 "$(le 5 3)"          # 3 bytes
  for w in short pastend nonul noend zeronode shortnode nodepast unknowntype empty; do
    d=$out/synthetic-corrupt-$w; rm -rf "$d"; mkdir -p "$d"
    corrupt_entries "$d" "$w"
    efivar "$d" BootOrder 7 "$(u16list 00FF 0000)"
  done
}

###############################################################################
# thousand DIR [N]: N entries Boot0000… each HD()+File(), BootOrder of all.
###############################################################################
make_thousand() {  # pure bash per entry (no subshells): 1000 entries in well under a second
  local d=$1 count=${2:-1000} i num c esc bo='' fpl
  mkdir -p "$d"
  local -A U
  for c in {0..9} {A..F}; do printf -v "U[$c]" '\\x%02x\\x00' "'$c"; done
  hex2esc() { sed 's/../\\x&/g' <<<"$1"; }
  local hd_esc file_hdr_esc pre_esc dot_esc end_esc head_esc
  hd_esc=$(hex2esc "$(dp_hd_gpt 1 0x800 0x14000 "$ESP_UUID")")
  # shellcheck disable=SC1003  # a literal backslash path, no quote escaping intended
  pre_esc=$(hex2esc "$(ucs2 '\EFI\linux\')")
  dot_esc=$(hex2esc "$(ucs2z '.efi')")
  end_esc=$(hex2esc "$(dp_end)")
  # File node: 4-byte header + UCS-2 "\EFI\linux\XXXX.efi" + NUL
  local flen=$((4 + 2 * (${#EFI_LINUX_PATH_TEMPLATE} + 1)))
  file_hdr_esc=$(hex2esc "0404$(le $flen 2)")
  fpl=$((42 + flen + 4))
  head_esc=$(hex2esc "$(le 7 4)$(le 1 4)$(le $fpl 2)$(ucs2 'Linux ')")
  for ((i = 0; i < count; i++)); do
    printf -v num '%04X' "$i"
    esc=$head_esc${U[${num:0:1}]}${U[${num:1:1}]}${U[${num:2:1}]}${U[${num:3:1}]}'\x00\x00'
    esc+=$hd_esc$file_hdr_esc$pre_esc${U[${num:0:1}]}${U[${num:1:1}]}${U[${num:2:1}]}${U[${num:3:1}]}$dot_esc$end_esc
    # shellcheck disable=SC2059  # esc holds only \xHH escapes built above: it is the format
    printf "$esc" >"$d/Boot$num-$EFI_GLOBAL"
    printf -v c '\\x%02x\\x%02x' $((i & 255)) $((i >> 8 & 255)); bo+=$c
  done
  # shellcheck disable=SC2059
  printf "\\x07\\x00\\x00\\x00$bo" >"$d/BootOrder-$EFI_GLOBAL"
  chmod 0644 "$d"/Boot*-"$EFI_GLOBAL"
  efivar "$d" BootCurrent 6 "$(le 0 2)"
  efivar "$d" Timeout 7 "$(le 5 2)"
}
EFI_LINUX_PATH_TEMPLATE='\EFI\linux\XXXX.efi'

here=$(cd "$(dirname "$0")" && pwd)
case ${1:-} in
  thousand) [[ $# -ge 2 ]] || { echo "usage: $0 thousand DIR [N]" >&2; exit 2; }
            make_thousand "$2" "${3:-1000}" ;;
  check)    t=$(mktemp -d); trap 'rm -rf "$t"' EXIT
            "$0" "$t"
            rc=0
            for s in "$t"/*/; do
              s=${s%/}; n=${s##*/}
              diff -r "$s" "$here/$n" >/dev/null || { echo "differs: $n" >&2; rc=1; }
            done
            for c in "$here"/synthetic-*/; do
              c=${c%/}; [[ -d $t/${c##*/} ]] || { echo "stale: ${c##*/}" >&2; rc=1; }
            done
            exit $rc ;;
  -h|--help) sed -n '2,16p' "$0"; exit 0 ;;
  *)        out=${1:-$here}
            make_quirks "$out"; make_noorder "$out"; make_paths "$out"; make_corrupt "$out" ;;
esac
