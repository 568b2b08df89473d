// `bootsmith status`: what can be told about a root's boot setup at a glance.
#pragma once

#include "bootsmith/json.hpp"
#include "bootsmith/sys/system.hpp"

#include <optional>
#include <string>
#include <vector>

namespace bootsmith::status {

/// A fact about the boot setup that exists on disk.
struct BootFile {
    std::string path; ///< system path
    std::string kind; ///< "grub-default", "grub.cfg", "grubenv", "bls-entry", "systemd-boot", "core.img", …
};

struct Status {
    std::string root;
    std::string os_name; ///< PRETTY_NAME from os-release ("" if unknown)
    std::string os_id;
    std::string firmware;             ///< "uefi" or "bios"
    std::optional<int> platform_size; ///< 32/64 from sys/firmware/efi/fw_platform_size

    struct Efi {
        bool available = false;
        std::string backend;
        std::string location;
        std::size_t variables = 0;
        std::vector<std::string> boot_entries;              ///< "Boot0000", … (EFI_GLOBAL_VARIABLE only)
        std::optional<std::string> boot_current, boot_next; ///< "0000"
        std::optional<std::vector<std::string>> boot_order;
        std::string current_description; ///< BootCurrent's description ("" when unknown)
        std::size_t corrupt_entries = 0;
        std::vector<std::string> problems; ///< skipped files, listing errors
    } efi;

    std::vector<std::string> loaders; ///< "grub", "systemd-boot", "bls" …
    std::vector<BootFile> files;

    struct Esp {
        std::string mount_point;           ///< "" when no ESP content is visible
        std::vector<std::string> binaries; ///< *.efi under <mount>/EFI, system paths
        // From the partition tables (bootsmith disk esp): the first ESP found, mounted ones first.
        std::size_t count = 0; ///< ESPs found on the root's disks
        std::string device;    ///< "/dev/sda1" ("" when none)
        std::string fat;       ///< "FAT32", … ("" when not FAT / unreadable)
        std::string partuuid;
        std::string mounted_at;            ///< its mount point ("" when not mounted)
        std::string fallback;              ///< "/EFI/BOOT/BOOTX64.EFI", "" when missing
        bool content_read = false;         ///< its loaders could be listed (then an empty fallback means missing)
        std::vector<std::string> findings; ///< "warning esp.small", … (severity and code)
    } esp;

    /// Sector 0 of each disk (bootsmith disk mbr).
    struct DiskBoot {
        std::string device;    ///< "/dev/sda"
        std::string mbr;       ///< "dos", "protective", "hybrid", "none"
        std::string boot_code; ///< stable id: "grub2", "none", "syslinux-mbr", …
        std::string summary;   ///< "GRUB 2 (1.99 – 2.12), core.img in the MBR gap"
        std::string core_img;  ///< GRUB only: "mbr-gap", "bios-boot-partition", "missing", … ("" otherwise)
    };
    std::vector<DiskBoot> disks;

    /// GRUB's saved and one-shot default (grubenv) and what they select in grub.cfg.
    struct GrubChoice {
        std::string value;                ///< as stored, e.g. "1>2" or an id path
        std::optional<std::string> title; ///< the menu entry it selects (nullopt: none / no grub.cfg)
        std::string index_path;
    };
    struct Grub {
        std::string grubenv; ///< system path; "" when there is none
        std::string config;  ///< grub.cfg; "" when there is none
        std::optional<GrubChoice> saved_entry, next_entry;
        std::optional<GrubChoice> effective; ///< what boots by default
        std::string effective_source;        ///< "next_entry", "saved_entry", "set default", "first entry"
    } grub;

    std::vector<std::string> kernels; ///< versions from /boot/vmlinuz-*, newest first

    /// A kernel menu entry (see bootsmith kernel list).
    struct KernelChoice {
        std::string index, id, title, linux;
        std::optional<std::string> version;
    };
    struct KernelState {
        std::string family; ///< "bls", "grub-mkconfig", "grub.cfg", "none"
        std::optional<KernelChoice> default_entry, booted_entry, next_entry;
        std::optional<std::string> booted_kernel; ///< from BOOT_IMAGE= in /proc/cmdline
    } kernel;
    std::vector<std::string> problems; ///< anything that could not be read
};

/// Gathers the facts; never throws for unreadable parts (they land in `problems`).
Status gather(const sys::System& sys);

/// Schema "bootsmith.status/1" (README, "JSON conventions").
Json to_json(const Status& s);

/// Aligned human-readable summary.
std::string to_text(const Status& s, bool color);

} // namespace bootsmith::status
