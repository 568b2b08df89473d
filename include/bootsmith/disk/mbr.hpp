// Sector 0: the MBR partition table, the boot code in front of it, and — for GRUB 2 — whether
// the core.img its boot code points at is really there. Pure functions over bytes: the caller
// reads the disk (../shared/notes/disk.md §2.1, §3, §4).
#pragma once

#include "bootsmith/disk/finding.hpp"

#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace bootsmith::disk {

/// One of the four primary entries at 0x1BE.
struct MbrEntry {
    unsigned number = 0;        ///< 1…4
    std::uint8_t boot_flag = 0; ///< raw: 0x80 active, 0x00 inactive, anything else invalid
    std::uint8_t type = 0;      ///< 0x00 = unused slot
    std::array<std::uint8_t, 3> chs_start {};
    std::array<std::uint8_t, 3> chs_end {};
    std::uint32_t start = 0; ///< LBA
    std::uint32_t sectors = 0;
    std::string name; ///< "Linux", "EFI System", … ("unknown" for other type bytes)

    bool used() const { return type != 0; }
    bool active() const { return boot_flag == 0x80; }
    std::uint64_t end() const { return std::uint64_t {start} + sectors; } ///< one past the last sector
};

/// none: no 55AA (or fewer than 512 bytes); protective: a single 0xEE entry (GPT disk);
/// hybrid: 0xEE plus other entries; dos: an MBR partition table without 0xEE.
enum class MbrKind { none, dos, protective, hybrid };
std::string_view to_string(MbrKind k);

struct Mbr {
    MbrKind kind = MbrKind::none;
    bool has_signature = false;         ///< 55 AA at 0x1FE
    std::uint32_t disk_signature = 0;   ///< u32 LE at 0x1B8
    std::array<MbrEntry, 4> entries {}; ///< raw slots, filled whenever 512 bytes were given
    std::vector<Finding> findings;

    /// Lowest start of a used, non-0xEE entry (the end of the post-MBR gap); nullopt if none.
    std::optional<std::uint64_t> first_partition_start() const;
};

/// The name of an MBR type byte ("Linux" for 0x83; "unknown" when not well known).
std::string mbr_type_name(std::uint8_t type);

/// Parses sector 0 (its first 512 bytes; shorter input gives kind none and a finding).
/// `disk_sectors` (512-byte sectors, 0 = unknown) enables the checks against the disk size.
Mbr parse_mbr(std::string_view sector0, std::uint64_t disk_sectors = 0);

/// Loaders of the signature table (disk.md §3.1).
enum class Loader {
    none, ///< boot code area all zero
    unknown,
    grub2,           ///< GRUB 2 boot.img 1.99 – 2.12
    grub2_197,       ///< GRUB 2 1.97 – 1.98
    grub2_196,       ///< GRUB 2 1.96
    grub_legacy,     ///< GRUB Legacy stage1
    syslinux_mbr,    ///< Syslinux mbr.bin ≥ 5.00
    syslinux_gptmbr, ///< Syslinux gptmbr.bin ≥ 5.10
    syslinux_altmbr, ///< Syslinux altmbr.bin
    syslinux_old,    ///< Syslinux 4.04 – 4.07 mbr.bin / gptmbr.bin
    windows_vista,   ///< Windows Vista
    windows_7,       ///< Windows 7 / 8 / 2012 and later
    windows_nt6,     ///< Windows Vista+ code of an unrecognised variant
    windows_xp,      ///< Windows 2000 / XP / 2003
    msdos,           ///< MS-DOS 3.30 – Windows 95A
    libparted,
    freedos,
    freebsd_boot0,
    netbsd, ///< NetBSD / SUSE generic
    openbsd,
    solaris,
    lilo,
    reactos,
    grub4dos,
    thinkpad,
    diskcryptor,
    truecrypt,
    plop,
    gag,
    bootit_ng,
    vbr_fat, ///< a FAT boot sector at LBA 0 (superfloppy), not an MBR
    vbr_ntfs,
    vbr_exfat,
};

struct BootCode {
    Loader loader = Loader::unknown;
    std::string id;          ///< stable: "grub2", "syslinux-mbr", "windows-7", "none", "unknown", …
    std::string name;        ///< "GRUB 2 (1.99 – 2.12)"
    std::string first_bytes; ///< hex of bytes 0–7 (what to report for unknown code)
    /// GRUB 2 (1.99 – 2.12) only: LBA of core.img's first sector (u64 @0x5C), boot drive
    /// (@0x64; 0xFF = the drive the BIOS booted from), and whether the floppy probe is
    /// skipped (`90 90` @0x66, as on hard-disk installs).
    std::optional<std::uint64_t> kernel_sector;
    std::optional<std::uint8_t> boot_drive;
    bool grub_hard_disk_jump = false;
    /// Syslinux altmbr.bin: the partition number it boots (byte 0x1B7).
    std::optional<std::uint8_t> altmbr_partition;
    std::vector<Finding> findings;
};

BootCode identify_boot_code(std::string_view sector0);

/// One GPT partition, as much as the core.img check needs. `type` is a GUID in text form
/// (either case).
struct GptPartition {
    std::uint64_t start = 0; ///< first LBA
    std::uint64_t size = 0;  ///< sectors
    std::string type;
};
inline constexpr std::string_view kBiosBootGuid = "21686148-6449-6e6f-744e-656564454649";

/// Reads `count` 512-byte sectors from `lba`; may return fewer bytes (end of disk) or throw.
using SectorReader = std::function<std::string(std::uint64_t lba, std::size_t count)>;

enum class CoreLocation { unknown, mbr_gap, bios_boot_partition, inside_partition, elsewhere };
std::string_view to_string(CoreLocation l);

struct GrubCore {
    bool found = false; ///< diskboot.img signature at kernel_sector
    std::uint64_t kernel_sector = 0;
    std::string diskboot_variant;      ///< "upstream", "ubuntu", "rhel7", … ("" when not found)
    std::uint64_t blocklist_start = 0; ///< from diskboot.img's last 12 bytes
    std::uint16_t blocklist_length = 0;
    std::uint16_t blocklist_segment = 0;
    bool lzma_decompress = false; ///< `EA 1C 82 00 00` at blocklist_start
    std::uint64_t sectors = 0;    ///< 1 + blocklist_length
    CoreLocation location = CoreLocation::unknown;
    std::vector<Finding> findings;
};

/// Follows GRUB 2 boot code to core.img (disk.md §3.2, §4). `gpt` is the GPT partition list
/// (empty for an msdos disk); `disk_sectors` 0 = unknown. Never throws: read failures
/// (exceptions from `read`, short reads) become findings.
GrubCore check_grub_core(const BootCode& code, const Mbr& mbr, const std::vector<GptPartition>& gpt,
                         const SectorReader& read, std::uint64_t disk_sectors = 0);

} // namespace bootsmith::disk
