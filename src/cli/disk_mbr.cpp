// bootsmith disk mbr DEV — sector 0: the disk signature, the four MBR entries (protective or
// hybrid on GPT disks), the boot code installed and, for GRUB 2, where its core.img is.
#include "disk.hpp"

#include "bootsmith/disk/bootcode.hpp"
#include "bootsmith/disk/esp.hpp"
#include "bootsmith/disk/mbr.hpp"
#include "bootsmith/disk/partition_table.hpp"
#include "bootsmith/error.hpp"
#include "bootsmith/text.hpp"

#include <cstdio>
#include <ostream>

namespace bootsmith::cli {

namespace {

using disk::Finding;
using disk::MbrReport;

Json findings_json(const std::vector<Finding>& fs) {
    Json a = Json::array();
    for (const auto& f : fs)
        a.push_back({{"severity", disk::to_string(f.severity)}, {"code", f.code}, {"message", f.message}});
    return a;
}

std::string hexn(std::uint64_t v, int digits) {
    char buf[24];
    std::snprintf(buf, sizeof buf, "0x%0*llx", digits, static_cast<unsigned long long>(v));
    return buf;
}

std::string chs_hex(const std::array<std::uint8_t, 3>& c) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "%02x%02x%02x", c[0], c[1], c[2]);
    return buf;
}

Json mbr_report_json(const MbrReport& r) {
    Json entries = Json::array();
    for (const auto& e : r.mbr.entries)
        entries.push_back({{"number", e.number},
                           {"used", e.used()},
                           {"boot_flag", hexn(e.boot_flag, 2)},
                           {"active", e.active()},
                           {"type", hexn(e.type, 2)},
                           {"type_name", e.name},
                           {"start", e.start},
                           {"sectors", e.sectors},
                           {"chs_start", chs_hex(e.chs_start)},
                           {"chs_end", chs_hex(e.chs_end)}});
    Json code = {{"id", r.code.id}, {"name", r.code.name}, {"first_bytes", r.code.first_bytes}};
    code["kernel_sector"] = r.code.kernel_sector ? Json(*r.code.kernel_sector) : Json(nullptr);
    code["boot_drive"] = r.code.boot_drive ? Json(hexn(*r.code.boot_drive, 2)) : Json(nullptr);
    code["hard_disk_jump"] = r.code.grub_hard_disk_jump;
    code["altmbr_partition"] = r.code.altmbr_partition ? Json(*r.code.altmbr_partition) : Json(nullptr);
    Json core = nullptr;
    if (r.grub)
        core = {{"found", r.grub->found},
                {"kernel_sector", r.grub->kernel_sector},
                {"diskboot", r.grub->diskboot_variant.empty() ? Json(nullptr) : Json(r.grub->diskboot_variant)},
                {"blocklist",
                 {{"start", r.grub->blocklist_start},
                  {"length", r.grub->blocklist_length},
                  {"segment", hexn(r.grub->blocklist_segment, 4)}}},
                {"lzma_decompress", r.grub->lzma_decompress},
                {"sectors", r.grub->sectors},
                {"location", disk::to_string(r.grub->location)}};
    std::vector<Finding> all = r.all_findings();
    auto gap = r.mbr.first_partition_start();
    return {{"schema", "bootsmith.disk-mbr/1"},
            {"device", r.device},
            {"bytes", r.bytes},
            {"kind", disk::to_string(r.mbr.kind)},
            {"table", r.table.empty() ? Json(nullptr) : Json(r.table)},
            {"signature_55aa", r.mbr.has_signature},
            {"disk_signature", hexn(r.mbr.disk_signature, 8)},
            {"mbr_gap_sectors", gap && *gap > 1 ? Json(*gap - 1) : Json(nullptr)},
            {"entries", entries},
            {"boot_code", code},
            {"grub_core", core},
            {"summary", disk::boot_code_summary(r)},
            {"findings", findings_json(all)}};
}

} // namespace

Verb disk_mbr_verb() {
    Verb v = make_verb("mbr", "DEV", "Sector 0: the MBR entries and the boot code installed, with GRUB's core.img");
    v.options = [](auto&, auto& hidden, auto& pos) { any_args(hidden, pos); };
    v.complete = [](Context& ctx, const std::vector<std::string>&) {
        std::vector<std::string> out;
        for (const auto& d : disk::root_disks(ctx.system().root()))
            out.push_back(d + "\tdisk");
        return out;
    };
    v.run = [](Context& ctx, const po::variables_map& vm) -> int {
        auto args = strings_of(vm, "args");
        if (args.size() != 1) throw Error(Exit::usage, "disk mbr takes one DEV", "try 'bootsmith disk mbr /dev/sda'");
        const sys::Root& root = ctx.system().root();
        std::string dev = args[0];
        if (dev.find('/') == std::string::npos) dev = "/dev/" + dev; // "sda" → "/dev/sda"
        MbrReport r = disk::read_mbr_report(root, dev);
        Json j = mbr_report_json(r);
        if (ctx.globals().json) {
            ctx.print_json(j);
            return 0;
        }
        std::ostream& o = ctx.out();
        o << "Device:         " << printable(r.device) << " (" << r.bytes << " bytes)\n";
        o << "Kind:           ";
        switch (r.mbr.kind) {
        case disk::MbrKind::none: o << "no MBR (no 55AA signature)"; break;
        case disk::MbrKind::dos: o << "MBR partition table"; break;
        case disk::MbrKind::protective: o << "protective MBR (GPT disk)"; break;
        case disk::MbrKind::hybrid: o << "hybrid MBR (GPT disk with MBR entries)"; break;
        }
        o << "\n";
        o << "Disk signature: " << hexn(r.mbr.disk_signature, 8) << "\n";
        if (r.mbr.has_signature) {
            o << "Entries:\n";
            for (const auto& e : r.mbr.entries) {
                o << "  " << e.number << "  ";
                if (!e.used()) {
                    o << "unused\n";
                    continue;
                }
                o << (e.active() ? "*" : " ") << " type " << hexn(e.type, 2) << " " << e.name << ", start " << e.start
                  << ", " << e.sectors << " sectors\n";
            }
        }
        o << "Boot code:      " << disk::boot_code_summary(r);
        if (r.code.loader == disk::Loader::unknown) o << " (first bytes " << r.code.first_bytes << ")";
        o << "\n";
        if (r.grub) {
            o << "  core.img:     LBA " << r.grub->kernel_sector;
            if (r.grub->found)
                o << ", " << r.grub->sectors << " sectors, diskboot " << r.grub->diskboot_variant << ", location "
                  << disk::to_string(r.grub->location);
            else
                o << ", not found";
            o << "\n";
        }
        for (const auto& f : j["findings"])
            o << f["severity"].get<std::string>() << " " << f["code"].get<std::string>() << ": "
              << printable(f["message"].get<std::string>()) << "\n";
        return 0;
    };
    return v;
}

} // namespace bootsmith::cli
