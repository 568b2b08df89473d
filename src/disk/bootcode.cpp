#include "bootsmith/disk/bootcode.hpp"

#include "bootsmith/disk/partition_table.hpp"
#include "bootsmith/error.hpp"

namespace bootsmith::disk {

std::vector<Finding> MbrReport::all_findings() const {
    std::vector<Finding> all = mbr.findings;
    all.insert(all.end(), code.findings.begin(), code.findings.end());
    if (grub) all.insert(all.end(), grub->findings.begin(), grub->findings.end());
    all.insert(all.end(), findings.begin(), findings.end());
    return all;
}

MbrReport read_mbr_report(const sys::Root& root, const std::string& device) {
    MbrReport r;
    r.device = sys::normalise(device);
    const std::string what = root.display(r.device);
    auto st = root.stat(r.device);
    if (!st) throw Error(Exit::no_input, what + ": no such device or image");
    if (st->type != sys::FileInfo::Type::regular && st->type != sys::FileInfo::Type::block)
        throw Error(Exit::data, what + ": not a disk (neither a block device nor an image file)");
    sys::ReadFile f = root.open_read(r.device);
    r.bytes = f.size();
    if (r.bytes < 512)
        throw Error(Exit::data, what + ": " + std::to_string(r.bytes) + " bytes, shorter than one 512-byte sector");
    std::string sector0 = f.read_at(0, 512);
    if (sector0.size() < 512) throw Error(Exit::io, what + ": could not read sector 0");
    std::uint64_t sectors = r.bytes / 512;
    r.mbr = parse_mbr(sector0, sectors);
    r.code = identify_boot_code(sector0);
    std::vector<GptPartition> gpt;
    if (r.mbr.kind == MbrKind::protective || r.mbr.kind == MbrKind::hybrid) {
        try {
            auto t = read_partition_table(root, r.device);
            r.table = t.type;
            if (t.type == "gpt")
                for (const auto& p : t.partitions)
                    gpt.push_back({p.start * 512 / t.sector_size, p.size * 512 / t.sector_size, p.type});
        } catch (const Error& e) {
            r.findings.push_back({Severity::warning, "mbr.gpt-unreadable", e.what()});
        }
    } else if (r.mbr.kind == MbrKind::dos) {
        r.table = "dos";
    }
    if (r.code.loader == Loader::grub2) {
        auto reader = [&f](std::uint64_t lba, std::size_t count) {
            if (lba > (1ull << 54)) return std::string();
            return f.read_at(lba * 512, count * 512);
        };
        r.grub = check_grub_core(r.code, r.mbr, gpt, reader, sectors);
    }
    return r;
}

std::string boot_code_summary(const MbrReport& r) {
    std::string s = r.code.name;
    if (r.grub) {
        if (!r.grub->found)
            s += ", core.img missing at LBA " + std::to_string(r.grub->kernel_sector);
        else
            switch (r.grub->location) {
            case CoreLocation::mbr_gap: s += ", core.img in the MBR gap"; break;
            case CoreLocation::bios_boot_partition: s += ", core.img in the BIOS boot partition"; break;
            case CoreLocation::inside_partition: s += ", core.img inside a partition (blocklist install)"; break;
            case CoreLocation::elsewhere:
            case CoreLocation::unknown: s += ", core.img at LBA " + std::to_string(r.grub->kernel_sector); break;
            }
    }
    return s;
}

} // namespace bootsmith::disk
