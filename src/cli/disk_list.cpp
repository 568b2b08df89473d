// bootsmith disk list [DEV…]: the disks of the root, their partition tables (libblkid), the
// file system in each partition, and findings (disk/disk_list.hpp). Text like `sfdisk -l`
// followed by `lsblk -f`; --json is bootsmith.disk-list/1 (README).
#include "disk.hpp"

#include "bootsmith/disk/disk_list.hpp"
#include "bootsmith/disk/partition_table.hpp"
#include "bootsmith/error.hpp"
#include "bootsmith/text.hpp"

#include <algorithm>
#include <cstdio>
#include <ostream>

namespace bootsmith::cli {

namespace {

using disk::DiskInfo;
using disk::Filesystem;
using disk::ListedPartition;

Json str_or_null(const std::string& s) {
    return s.empty() ? Json(nullptr) : Json(s);
}

Json fs_json(const std::optional<Filesystem>& fs) {
    if (!fs) return nullptr;
    return Json {{"type", fs->type},
                 {"version", str_or_null(fs->version)},
                 {"uuid", str_or_null(fs->uuid)},
                 {"label", str_or_null(fs->label)},
                 {"usage", str_or_null(fs->usage)}};
}

Json disk_json(const DiskInfo& d) {
    Json parts = Json::array();
    for (const auto& p : d.partitions) {
        parts.push_back({{"number", p.number},
                         {"node", disk::partition_name(d.device, p.number)},
                         {"start", p.start},
                         {"size", p.size},
                         {"end", p.size ? p.start + p.size - 1 : p.start},
                         {"type", p.type},
                         {"type_name", str_or_null(p.type_name)},
                         {"partuuid", str_or_null(p.partuuid)},
                         {"name", str_or_null(p.name)},
                         {"flags", p.flags},
                         {"flag_names", p.flag_names},
                         {"bootable", p.bootable},
                         {"extended", p.extended},
                         {"logical", p.logical},
                         {"parent", p.parent ? Json(p.parent) : Json(nullptr)},
                         {"filesystem", fs_json(p.filesystem)}});
    }
    Json findings = Json::array();
    for (const auto& f : d.findings)
        findings.push_back({{"severity", disk::to_string(f.severity)}, {"code", f.code}, {"message", f.message}});
    Json table = nullptr;
    if (!d.table_type.empty())
        table = {{"type", d.table_type},
                 {"id", str_or_null(d.table_id)},
                 {"offset", d.table_offset},
                 {"partitions", std::move(parts)}};
    return {{"device", d.device},
            {"size", d.bytes},
            {"sectors", d.sectors()},
            {"sector_size", d.sector_size},
            {"sector_size_source", d.sector_size_source},
            {"table", std::move(table)},
            {"filesystem", fs_json(d.filesystem)},
            {"findings", std::move(findings)}};
}

/// 1536 → "1.5K", 67108864 → "64M" (binary units, like sfdisk/lsblk).
std::string human(std::uint64_t bytes) {
    static const char* units[] = {"B", "K", "M", "G", "T", "P", "E"};
    double v = static_cast<double>(bytes);
    int u = 0;
    while (v >= 1024 && u < 6) {
        v /= 1024;
        ++u;
    }
    char b[32];
    if (u == 0 || v >= 10 || v == static_cast<double>(static_cast<std::uint64_t>(v)))
        std::snprintf(b, sizeof b, "%.0f%s", v, units[u]);
    else
        std::snprintf(b, sizeof b, "%.1f%s", v, units[u]);
    return b;
}

/// Prints rows as left-aligned columns (the last one unpadded).
void columns(std::ostream& o, const std::vector<std::vector<std::string>>& rows) {
    std::vector<std::size_t> w;
    for (const auto& r : rows)
        for (std::size_t i = 0; i < r.size(); ++i) {
            if (w.size() <= i) w.resize(i + 1, 0);
            w[i] = std::max(w[i], r[i].size());
        }
    for (const auto& r : rows) {
        std::string line;
        for (std::size_t i = 0; i < r.size(); ++i) {
            line += r[i];
            if (i + 1 < r.size()) line += std::string(w[i] - r[i].size() + 1, ' ');
        }
        while (!line.empty() && line.back() == ' ')
            line.pop_back();
        o << line << "\n";
    }
}

std::string join(const std::vector<std::string>& v, const char* sep) {
    std::string s;
    for (const auto& x : v)
        s += (s.empty() ? "" : sep) + x;
    return s;
}

void print_findings(std::ostream& o, const DiskInfo& d) {
    if (d.findings.empty()) return;
    o << "\nFindings:\n";
    for (const auto& f : d.findings)
        o << "  " << disk::to_string(f.severity) << " " << f.code << ": " << printable(f.message) << "\n";
}

void print_text(std::ostream& o, const DiskInfo& d) {
    if (!d.findings.empty() && d.findings.front().code == "disk.unreadable") {
        o << "Disk " << d.device << ": cannot be read\n";
        print_findings(o, d);
        return;
    }
    o << "Disk " << d.device << ": " << human(d.bytes) << ", " << d.bytes << " bytes, " << d.sectors() << " sectors\n";
    o << "Sector size: " << d.sector_size << " bytes (" << d.sector_size_source << ")\n";
    if (!d.table_type.empty()) {
        o << "Disklabel type: " << d.table_type << "\n";
        if (!d.table_id.empty()) o << "Disk identifier: " << d.table_id << "\n";
        if (d.table_type == "gpt" && d.table_offset != d.sector_size)
            o << "Table read from: backup header at byte " << d.table_offset << "\n";
    }
    if (!d.partitions.empty()) {
        const bool gpt = d.table_type == "gpt";
        std::vector<std::vector<std::string>> rows;
        if (gpt)
            rows.push_back({"Device", "Start", "End", "Sectors", "Size", "Type", "PARTUUID", "Name", "Flags"});
        else
            rows.push_back({"Device", "Boot", "Start", "End", "Sectors", "Size", "Id", "Type", "PARTUUID"});
        for (const auto& p : d.partitions) {
            std::string node = disk::partition_name(d.device, p.number);
            std::string end = std::to_string(p.size ? p.start + p.size - 1 : p.start);
            std::string tname = p.type_name.empty() ? (gpt ? p.type : "unknown") : p.type_name;
            if (gpt)
                rows.push_back({node, std::to_string(p.start), end, std::to_string(p.size),
                                human(p.size * d.sector_size), tname, p.partuuid.empty() ? "-" : p.partuuid,
                                p.name.empty() ? "-" : "\"" + printable(p.name) + "\"", join(p.flag_names, ",")});
            else
                rows.push_back({node, p.bootable ? "*" : "", std::to_string(p.start), end, std::to_string(p.size),
                                human(p.size * d.sector_size), p.type.substr(2), tname,
                                p.partuuid.empty() ? "-" : p.partuuid});
        }
        o << "\n";
        columns(o, rows);
    }
    bool any_fs = d.filesystem.has_value() ||
                  std::any_of(d.partitions.begin(), d.partitions.end(), [](const auto& p) { return p.filesystem; });
    if (any_fs) {
        std::vector<std::vector<std::string>> rows = {{"Device", "FSTYPE", "FSVER", "LABEL", "UUID"}};
        auto row = [&](const std::string& node, const Filesystem& fs) {
            rows.push_back({node, printable(fs.type), fs.version.empty() ? "-" : printable(fs.version),
                            fs.label.empty() ? "-" : printable(fs.label), fs.uuid.empty() ? "-" : printable(fs.uuid)});
        };
        if (d.filesystem) row(d.device, *d.filesystem);
        for (const auto& p : d.partitions)
            if (p.filesystem) row(disk::partition_name(d.device, p.number), *p.filesystem);
        o << "\n";
        columns(o, rows);
    }
    print_findings(o, d);
}

int list_run(Context& ctx, const po::variables_map& vm) {
    const sys::Root& root = ctx.system().root();
    std::vector<std::string> args = strings_of(vm, "args");
    const bool named = !args.empty();
    std::vector<std::string> devices;
    if (named) {
        for (const auto& a : args)
            devices.push_back(disk::device_path(a));
    } else {
        devices = disk::disk_devices(root);
    }
    std::vector<DiskInfo> disks;
    for (const auto& dev : devices) {
        DiskInfo d;
        try {
            d = disk::inspect_disk(root, dev);
        } catch (const Error& e) {
            // In the listing of every disk, a disk that cannot be opened is a finding too.
            if (named) throw;
            d.device = dev;
            d.sector_size_source = "default";
            d.findings.push_back({disk::Severity::error, "disk.unreadable", e.what()});
        }
        // A disk named on the command line with nothing readable on it is an error; in the
        // listing of every disk it is a finding.
        if (named)
            for (const auto& f : d.findings)
                if (f.code == "disk.empty" || f.code == "disk.no-table" || f.code == "disk.ambiguous" ||
                    f.code == "gpt.unreadable")
                    throw Error(Exit::data, f.message);
        disks.push_back(std::move(d));
    }
    if (ctx.globals().json) {
        Json list = Json::array();
        for (const auto& d : disks)
            list.push_back(disk_json(d));
        ctx.print_json({{"schema", "bootsmith.disk-list/1"}, {"root", root.given().string()}, {"disks", list}});
        return 0;
    }
    std::ostream& o = ctx.out();
    if (disks.empty()) o << "No disks in " << root.display("/sys/block") << "\n";
    for (std::size_t i = 0; i < disks.size(); ++i) {
        if (i) o << "\n";
        print_text(o, disks[i]);
    }
    return 0;
}

std::vector<std::string> complete_devices(Context& ctx, const std::vector<std::string>&) {
    std::vector<std::string> out;
    const sys::Root& root = ctx.system().root();
    for (const auto& dev : disk::disk_devices(root)) {
        std::string desc = "disk";
        if (auto st = root.stat(dev)) desc += " " + human(st->size);
        out.push_back(dev + "\t" + desc);
    }
    return out;
}

} // namespace

Verb disk_list_verb() {
    Verb v = make_verb("list", "[DEV…]", "Disks and their partition tables, with the file system in each partition");
    v.options = [](auto&, auto& hidden, auto& pos) { any_args(hidden, pos); };
    v.complete = complete_devices;
    v.run = list_run;
    return v;
}

} // namespace bootsmith::cli
