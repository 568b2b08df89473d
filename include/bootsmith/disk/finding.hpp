// A finding of the disk checks (MBR, partition table, ESP): a severity, a stable code for
// --json and the later audit, and a message for people.
#pragma once

#include <string>
#include <string_view>

namespace bootsmith::disk {

enum class Severity { error, warning, info };
std::string_view to_string(Severity s);

/// One observation. `code` is stable; `message` is for people. The MBR codes:
///  parse_mbr: mbr.short, mbr.no-signature, mbr.bad-boot-flag, mbr.multiple-active,
///    mbr.empty-entry-not-zero, mbr.entry-zero-size, mbr.entry-at-lba0, mbr.entry-beyond-disk,
///    mbr.entries-overlap, mbr.multiple-extended, mbr.hybrid, mbr.multiple-protective,
///    mbr.protective-start, mbr.protective-size
///  identify_boot_code: mbr.bootcode-none, mbr.bootcode-unknown, mbr.bootcode-short,
///    mbr.grub-fixed-drive, mbr.vbr-at-lba0
///  check_grub_core: mbr.not-grub, mbr.grub-core-missing, mbr.grub-core-unreadable,
///    mbr.grub-core-beyond-disk, mbr.grub-blocklist-empty, mbr.grub-blocklist-mismatch,
///    mbr.grub-blocklist-segment, mbr.grub-lzma-missing, mbr.grub-core-in-mbr-gap,
///    mbr.short-mbr-gap, mbr.grub-core-in-bios-boot, mbr.bios-boot-small, mbr.gpt-no-bios-boot,
///    mbr.grub-core-blocklist-install, mbr.grub-core-overlaps-partition, mbr.grub-core-elsewhere
struct Finding {
    Severity severity = Severity::info;
    std::string code;
    std::string message;
};

} // namespace bootsmith::disk
