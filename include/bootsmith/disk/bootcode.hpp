// Sector 0 of one disk read through the Root: the MBR, the boot code and, for GRUB 2, its
// core.img — what `disk mbr DEV` and `status` show (the parsing is in mbr.hpp).
#pragma once

#include "bootsmith/disk/mbr.hpp"
#include "bootsmith/sys/root.hpp"

#include <optional>
#include <string>
#include <vector>

namespace bootsmith::disk {

struct MbrReport {
    std::string device; ///< system path, normalised ("/dev/sda")
    std::uint64_t bytes = 0;
    std::string table; ///< "dos", "gpt" (read with libblkid for protective/hybrid MBRs), "" when none
    Mbr mbr;
    BootCode code;
    std::optional<GrubCore> grub;  ///< GRUB 2 boot code only
    std::vector<Finding> findings; ///< reading the GPT behind a protective MBR failed, …

    /// Every finding: the MBR's, the boot code's, GRUB's, then these.
    std::vector<Finding> all_findings() const;
};

/// Reads sector 0 of `device`. Error(no_input) when it does not exist, Error(data) when it
/// is not a disk or image or shorter than one sector; everything else becomes findings.
MbrReport read_mbr_report(const sys::Root& root, const std::string& device);

/// "GRUB 2 (1.99 – 2.12), core.img in the MBR gap", "no boot code", …
std::string boot_code_summary(const MbrReport& r);

} // namespace bootsmith::disk
