// `bootsmith disk list`: every disk of the root with its partition table (read by libblkid),
// the file system in each partition (libblkid's superblock probe at the partition's offset),
// and findings for what libblkid reads past or hides (../shared/notes/disk.md §1, §2, §6).
#pragma once

#include "bootsmith/disk/finding.hpp"
#include "bootsmith/sys/root.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace bootsmith::disk {

/// What libblkid's superblock probe found: TYPE, VERSION ("FAT32"), UUID, LABEL, USAGE.
struct Filesystem {
    std::string type;
    std::string version;
    std::string uuid;
    std::string label;
    std::string usage;
};

/// One partition as `disk list` shows it. Start and size are in the disk's logical
/// sectors (what sfdisk/fdisk and the on-disk table say), not libblkid's 512-byte units.
struct ListedPartition {
    std::uint32_t number = 0;
    std::uint64_t start = 0;             ///< logical sectors
    std::uint64_t size = 0;              ///< logical sectors
    std::string type;                    ///< GPT type GUID (lowercase) or MBR type byte "0x83"
    std::string type_name;               ///< "EFI System", "Linux filesystem", … ("" when not well known)
    std::string partuuid;                ///< lowercase; "" when none (MBR signature 0)
    std::string name;                    ///< GPT name
    std::uint64_t flags = 0;             ///< GPT attribute bits, or the MBR boot indicator (0x80)
    std::vector<std::string> flag_names; ///< "bootable", "required", "no-block-io", "legacy-bios-bootable", "GUID:60"
    bool bootable = false;               ///< MBR boot indicator 0x80
    bool extended = false;               ///< an MBR extended partition (a container of logical ones)
    bool logical = false;                ///< an MBR logical partition (number ≥ 5)
    std::uint32_t parent = 0;            ///< nested table (BSD label in an MBR slice): the slice's number
    std::optional<Filesystem> filesystem;
};

/// A disk and what is on it.
struct DiskInfo {
    std::string device;      ///< system path ("/dev/sda")
    std::uint64_t bytes = 0; ///< size of the device or image
    unsigned sector_size = 512;
    std::string sector_size_source; ///< "sysfs", "device" (BLKSSZGET), "gpt" (where the header is), "default"
    std::string table_type;         ///< "gpt", "dos", … ("" when none)
    std::string table_id;           ///< disk GUID or MBR signature as 8 hex digits ("" when none/0)
    std::uint64_t table_offset = 0; ///< bytes; a GPT read from its backup header sits at the end
    std::vector<ListedPartition> partitions;
    std::optional<Filesystem> filesystem; ///< a file system on the whole disk (no table)
    std::vector<Finding> findings;

    std::uint64_t sectors() const { return sector_size ? bytes / sector_size : 0; }
};

/// The disks of the root: sys/block/* whose dev/<name> exists, whatever it is (size-0 devices
/// such as idle loop devices are left out); without sys/block, the block devices and regular
/// files directly in dev/. Sorted by name, as system paths ("/dev/sda").
std::vector<std::string> disk_devices(const sys::Root& root);

/// How a DEV argument names a device: "sda" → "/dev/sda"; a path is kept ("/dev/sda",
/// "/images/x.img").
std::string device_path(std::string_view arg);

/// Inspects one disk. Throws Error(no_input) when the device does not exist, Error(io) when
/// it cannot be read; everything found inside (also: empty, no partition table, damaged GPT)
/// is a finding. Finding codes:
///   disk.empty, disk.no-table, disk.ambiguous, disk.sector-size-mismatch,
///   gpt.no-protective-mbr, gpt.unreadable, gpt.backup-in-use, gpt.primary-missing,
///   gpt.primary-header-crc, gpt.primary-array-crc, gpt.backup-missing, gpt.backup-header-crc,
///   gpt.backup-array-crc, gpt.backup-not-at-end, gpt.entry-outside-usable,
///   part.beyond-disk, part.overlap, dos.no-disk-signature
DiskInfo inspect_disk(const sys::Root& root, std::string_view device);

/// Name of a well-known partition type ("c12a7328-…" → "EFI System", "0xef" → "EFI
/// System"); "" when unknown. GUIDs in either case.
std::string partition_type_name(std::string_view type);

/// CRC-32 (IEEE 802.3, as GPT uses it).
std::uint32_t crc32(std::string_view data);

} // namespace bootsmith::disk
