// bootsmith disk esp — the EFI system partition(s): the mounted one (where bootctl looks:
// /efi, /boot, /boot/efi) checked against the partition table, and every other partition of
// the ESP type on the root's disks; their FAT file system, loaders and findings.
#include "disk.hpp"

#include "bootsmith/disk/esp.hpp"
#include "bootsmith/error.hpp"
#include "bootsmith/text.hpp"

#include <cstdio>
#include <ostream>

namespace bootsmith::cli {

namespace {

using disk::Esp;
using disk::EspReport;
using disk::Finding;

Json findings_json(const std::vector<Finding>& fs) {
    Json a = Json::array();
    for (const auto& f : fs)
        a.push_back({{"severity", disk::to_string(f.severity)}, {"code", f.code}, {"message", f.message}});
    return a;
}

std::string hex4(std::uint16_t v) {
    char buf[8];
    std::snprintf(buf, sizeof buf, "0x%04x", v);
    return buf;
}

Json opt_text(const std::string& s) {
    return s.empty() ? Json(nullptr) : Json(s);
}

Json esp_json(const Esp& e) {
    Json loaders = Json::array();
    for (const auto& l : e.loaders)
        loaders.push_back({{"path", l.path},
                           {"size", l.size},
                           {"pe", l.pe.valid},
                           {"machine", l.pe.valid ? Json(hex4(l.pe.machine)) : Json(nullptr)},
                           {"arch", opt_text(l.pe.arch)},
                           {"kind", l.kind},
                           {"kind_source", opt_text(l.kind_source)},
                           {"version", opt_text(l.version)},
                           {"fallback", l.fallback},
                           {"same_as", opt_text(l.same_as)}});
    Json fat = nullptr;
    if (!e.fat.empty())
        fat = {{"type", e.fat},
               {"clusters", e.clusters},
               {"cluster_size", e.cluster_size},
               {"label", e.label},
               {"uuid", e.uuid}};
    return {{"device", opt_text(e.device)},
            {"disk", opt_text(e.disk)},
            {"partition", e.number == 0 ? Json(nullptr) : Json(e.number)},
            {"table", opt_text(e.table)},
            {"type", opt_text(e.type)},
            {"partuuid", opt_text(e.partuuid)},
            {"start", e.start},
            {"sectors", e.sectors},
            {"size_bytes", e.sectors * 512},
            {"sector_size", e.sector_size},
            {"removable", e.removable},
            {"mount_point", opt_text(e.mount_point)},
            {"mount_fs", opt_text(e.mount_fs)},
            {"fat", fat},
            {"read_via", opt_text(e.read_via)},
            {"fallback", opt_text(e.fallback)},
            {"loaders", loaders},
            {"findings", findings_json(e.findings)}};
}

Json report_json(const EspReport& r) {
    Json esps = Json::array();
    for (const auto& e : r.esps)
        esps.push_back(esp_json(e));
    return {
        {"schema", "bootsmith.disk-esp/1"},
        {"firmware", {{"uefi", r.uefi}, {"platform_size", r.firmware_bits ? Json(*r.firmware_bits) : Json(nullptr)}}},
        {"disks", r.disks},
        {"esps", esps},
        {"findings", findings_json(r.findings)}};
}

std::string size_text(std::uint64_t sectors) {
    std::uint64_t bytes = sectors * 512;
    if (bytes >= (1u << 30) && bytes % (1u << 30) == 0) return std::to_string(bytes >> 30) + " GiB";
    if (bytes >= (1u << 20)) return std::to_string(bytes >> 20) + " MiB";
    return std::to_string(bytes >> 10) + " KiB";
}

void print_findings(std::ostream& o, const std::vector<Finding>& fs, const char* indent) {
    for (const auto& f : fs)
        o << indent << disk::to_string(f.severity) << " " << f.code << ": " << printable(f.message) << "\n";
}

void print_esp(std::ostream& o, const Esp& e) {
    o << "ESP " << (e.device.empty() ? std::string("(unknown device)") : printable(e.device));
    if (!e.mount_point.empty())
        o << "  mounted at " << printable(e.mount_point) << " (" << printable(e.mount_fs) << ")";
    else
        o << "  not mounted";
    o << "\n";
    if (!e.disk.empty()) {
        o << "  partition:   " << e.disk << " #" << e.number << ", " << (e.table == "dos" ? "MBR" : "GPT") << " type "
          << e.type << "\n";
        o << "  PARTUUID:    " << (e.partuuid.empty() ? std::string("none") : e.partuuid) << "\n";
        o << "  size:        " << size_text(e.sectors) << " (" << e.sectors << " sectors from " << e.start << ")\n";
    }
    if (!e.fat.empty())
        o << "  file system: " << e.fat << ", " << e.clusters << " clusters of " << e.cluster_size << " bytes, label "
          << (e.label.empty() ? std::string("none") : "\"" + printable(e.label) + "\"") << ", serial " << e.uuid
          << "\n";
    if (!e.read_via.empty())
        o << "  content:     read " << (e.read_via == "mount" ? "through " + printable(e.mount_point) : "from the disk")
          << "\n";
    if (!e.read_via.empty())
        o << "  fallback:    " << (e.fallback.empty() ? std::string("none") : printable(e.fallback)) << "\n";
    if (!e.loaders.empty()) o << "  loaders:\n";
    for (const auto& l : e.loaders) {
        std::string name = printable(l.path);
        name.resize(std::max<std::size_t>(name.size() + 2, 32), ' ');
        std::string arch = l.pe.valid ? (l.pe.arch.empty() ? hex4(l.pe.machine) : l.pe.arch) : "not-PE";
        arch.resize(std::max<std::size_t>(arch.size() + 2, 8), ' ');
        o << "    " << name << arch << l.kind << (l.version.empty() ? "" : " " + printable(l.version));
        if (!l.same_as.empty()) o << " (copy of " << printable(l.same_as) << ")";
        if (l.fallback) o << " [fallback]";
        o << "\n";
    }
    print_findings(o, e.findings, "  ");
}

} // namespace

Verb disk_esp_verb() {
    Verb v = make_verb("esp", "", "The EFI system partition(s): where, what file system, which loaders");
    v.options = [](auto&, auto& hidden, auto& pos) { any_args(hidden, pos); };
    v.run = [](Context& ctx, const po::variables_map& vm) -> int {
        if (!strings_of(vm, "args").empty()) throw Error(Exit::usage, "disk esp takes no arguments");
        const sys::Root& root = ctx.system().root();
        EspReport r = disk::find_esps(root);
        if (r.esps.empty()) {
            std::string disks;
            for (const auto& d : r.disks)
                disks += (disks.empty() ? "" : ", ") + d;
            for (const auto& f : r.findings) // disks that could not be read
                if (f.code == "esp.disk-unreadable") disks += " (" + f.message + ")";
            throw Error(Exit::unavailable,
                        root.display("/") +
                            ": no EFI System Partition (nothing FAT mounted at /efi, /boot or "
                            "/boot/efi, no partition of the ESP type on " +
                            (disks.empty() ? std::string("any disk") : disks) + ")",
                        r.uefi
                            ? "create one (FAT32, type c12a7328-f81f-11d2-ba4b-00a0c93ec93b) and mount it at /boot/efi"
                            : "a BIOS system boots without one; 'bootsmith disk mbr DEV' shows its boot code");
        }
        if (ctx.globals().json) {
            ctx.print_json(report_json(r));
            return 0;
        }
        std::ostream& o = ctx.out();
        for (std::size_t i = 0; i < r.esps.size(); ++i) {
            if (i > 0) o << "\n";
            print_esp(o, r.esps[i]);
        }
        if (!r.findings.empty()) o << "\n";
        print_findings(o, r.findings, "");
        return 0;
    };
    return v;
}

} // namespace bootsmith::cli
