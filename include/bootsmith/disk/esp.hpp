// The EFI system partition(s) of a root: the one mounted at /efi, /boot/efi or /boot (as
// systemd's bootctl looks for it), checked against the partition table, and every other
// partition of the ESP type on the root's disks; their FAT file system and the loaders on
// them (../shared/notes/disk.md §5, §6, §7). Content is read through the mount point when
// the ESP is mounted and from the FAT file system on the disk (FatVolume) when it is not.
#pragma once

#include "bootsmith/disk/fat.hpp"
#include "bootsmith/disk/finding.hpp"
#include "bootsmith/disk/partition_table.hpp"
#include "bootsmith/sys/root.hpp"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace bootsmith::disk {

inline constexpr std::string_view kEspGuid = "c12a7328-f81f-11d2-ba4b-00a0c93ec93b";

/// The PE machine of an EFI binary: `MZ`, u32 e_lfanew at 0x3C, `PE\0\0` there, u16 Machine.
struct PeInfo {
    bool valid = false;        ///< the MZ/PE headers are there
    std::uint16_t machine = 0; ///< raw Machine field
    std::string arch;          ///< "x64", "ia32", "aa64", "arm", "riscv64", "loongarch64"; "" when unknown
    unsigned word_size = 0;    ///< 64 or 32 for the known machines, 0 otherwise
};
PeInfo pe_info(std::string_view bytes);

/// The removable-media fallback name of an architecture: "x64" → "BOOTX64.EFI" ("" for an unknown arch).
std::string fallback_name(std::string_view arch);

/// Read-only access to the files of one ESP: through its mount point inside the root, or
/// through the FAT file system on the disk. Paths are ESP-relative ('/' or '\\' separated)
/// and looked up case-insensitively, as firmware does.
class EspFiles {
public:
    struct Item {
        std::string name;
        bool directory = false;
        std::uint64_t size = 0;
    };
    /// Through `mount_point` ("/boot/efi") of `root`.
    static std::shared_ptr<EspFiles> mounted(const sys::Root& root, std::string mount_point);
    /// The FAT file system at [offset, offset + length) of `disk` (a system path in `root`).
    /// Error(data) when it is not a usable FAT, Error(no_input)/io when the disk cannot be read.
    static std::shared_ptr<EspFiles> image(const sys::Root& root, const std::string& disk, std::uint64_t offset,
                                           std::uint64_t length, std::string display);
    virtual ~EspFiles() = default;

    /// Entries of a directory; empty when it does not exist.
    virtual std::vector<Item> list(std::string_view dir) const = 0;
    virtual bool exists(std::string_view path) const = 0;
    /// The whole file (Error(data) when larger than `max`); nullopt when it does not exist.
    virtual std::optional<std::string> read(std::string_view path, std::size_t max) const = 0;
    /// The FAT volume when reading from the disk, else nullptr.
    virtual const FatVolume* fat() const { return nullptr; }
    /// "mount" or "disk".
    virtual std::string_view via() const = 0;
};

/// One *.efi file under EFI/<dir>/ on an ESP.
struct EspLoader {
    std::string path; ///< ESP path with the names as stored: "/EFI/debian/shimx64.efi"
    std::uint64_t size = 0;
    PeInfo pe;
    std::string kind;        ///< shim, grub, systemd-boot, fwupd, mokmanager, shim-fallback, uki, windows, unknown
    std::string kind_source; ///< "name", "marker" or "copy" (how kind was decided)
    std::string version;     ///< from a marker (systemd-boot LoaderInfo, shim $Version), "" when none
    bool fallback = false;   ///< \EFI\BOOT\BOOT<ARCH>.EFI
    std::string same_as;     ///< another loader on this ESP with the same bytes ("" when none)
};

struct Esp {
    std::string device; ///< "/dev/sda1" ("" when the mount source is no known partition)
    std::string disk;   ///< "/dev/sda"
    std::uint32_t number = 0;
    std::string table; ///< "gpt", "dos" ("" when unknown)
    std::string type;  ///< partition type: GUID or "0xef"
    std::string partuuid;
    std::uint64_t start = 0; ///< 512-byte sectors
    std::uint64_t sectors = 0;
    unsigned sector_size = 512;
    bool removable = false;
    std::string mount_point; ///< "" when not mounted
    std::string mount_fs;    ///< file system type from mountinfo ("" when not mounted)
    std::string fat;         ///< "FAT12", "FAT16", "FAT32"; "" when not FAT or not readable
    std::uint32_t clusters = 0;
    std::uint32_t cluster_size = 0;
    std::string label;
    std::string uuid;
    std::string read_via; ///< "mount", "disk" or "" (content not readable)
    std::vector<EspLoader> loaders;
    std::string fallback; ///< the fallback loader found ("/EFI/BOOT/BOOTX64.EFI"), "" when none
    std::vector<Finding> findings;
};

struct EspReport {
    std::vector<Esp> esps;            ///< the mounted one first, then the others in disk order
    std::vector<std::string> disks;   ///< "/dev/sda", … (from sys/block)
    std::optional<int> firmware_bits; ///< sys/firmware/efi/fw_platform_size
    bool uefi = false;                ///< sys/firmware/efi exists
    std::vector<Finding> findings;    ///< not about one ESP: esp.several, esp.not-found, disk errors
};

/// The disks of a root: sys/block/* that have a dev/<name> (loop, ram, zram, sr, fd and dm- devices skipped).
std::vector<std::string> root_disks(const sys::Root& root);

/// Finds and checks the ESPs. Never throws for unreadable parts: they become findings.
/// `loaders` false (status): only the fallback loaders are read, the others are listed
/// without their PE machine, markers or copies.
EspReport find_esps(const sys::Root& root, bool loaders = true);

/// The files of an ESP found by find_esps (nullptr when its content cannot be read).
std::shared_ptr<EspFiles> open_esp_files(const sys::Root& root, const Esp& esp);

} // namespace bootsmith::disk
