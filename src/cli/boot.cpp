// bootsmith boot …: UEFI boot entries.
#include "app.hpp"

#include "bootsmith/disk/esp.hpp"
#include "bootsmith/disk/mounts.hpp"
#include "bootsmith/disk/partition_table.hpp"
#include "bootsmith/efi/boot_manager.hpp"
#include "bootsmith/error.hpp"
#include "bootsmith/text.hpp"

#include <cerrno>
#include <filesystem>
#include <map>
#include <ostream>
#include <sstream>

namespace bootsmith::cli {

namespace {

using efi::BootEntry;
using efi::BootState;

/// The boot variables, or a clear refusal when the system has none.
BootState load(sys::System& s) {
    if (!s.vars().available())
        throw Error(Exit::unavailable, s.vars().location() + ": no EFI variables (not booted through UEFI?)",
                    "boot entries exist only on UEFI systems");
    return efi::load_boot_state(s.vars());
}

/// The boot variables for a change: refused when BootOrder, BootNext, BootCurrent or Timeout
/// exists but cannot be read (planning as if it were absent could orphan its numbers).
BootState load_for_change(sys::System& s) {
    BootState st = load(s);
    st.require_readable();
    return st;
}

std::uint16_t number_arg(const std::string& text, const char* what) {
    auto n = efi::parse_number(text);
    if (!n) throw Error(Exit::usage, std::string(what) + " '" + printable(text) + "': expected a hex number XXXX");
    return *n;
}

std::vector<const BootEntry*> resolve_all(const BootState& s, const std::vector<std::string>& args) {
    std::vector<const BootEntry*> out;
    for (const auto& a : args) {
        const BootEntry* e = &s.resolve(a);
        if (std::find(out.begin(), out.end(), e) == out.end()) out.push_back(e);
    }
    return out;
}

/// Completion of entry arguments: "0001<TAB>debian".
std::vector<std::string> complete_entries(Context& ctx, const std::vector<std::string>&) {
    std::vector<std::string> out;
    auto s = efi::load_boot_state(ctx.system().vars());
    for (const auto* e : s.listing()) {
        std::string value = e->number ? efi::number_text(*e->number) : e->name;
        out.push_back(value + "\t" + printable(e->option ? e->option->description : "corrupt: " + e->corrupt));
    }
    return out;
}

std::string entry_line(const BootState& s, const BootEntry& e, bool verbose) {
    std::ostringstream o;
    o << e.name << (e.option && e.option->active() ? "* " : "  ");
    if (!e.option) {
        o << "<corrupt: " << e.corrupt << ">\n";
        return o.str();
    }
    o << printable(e.option->description);
    if (!e.compliant())
        o << "   [name is not Boot + 4 uppercase hex digits: firmware will not boot it by number]";
    else if (!s.in_order(*e.number))
        o << "   [not in BootOrder]";
    o << "\n";
    if (verbose) {
        auto dp = efi::describe_device_path(e.option->path);
        o << "      path: " << (dp.text.empty() ? "<cannot be formatted>" : dp.text) << "\n";
        const auto& d = e.option->optional_data;
        if (!d.empty()) {
            auto t = efi::optional_data_text(d);
            if (t.text)
                o << "      data: " << t.encoding << " \"" << printable(*t.text) << "\"\n";
            else
                o << "      data: " << d.size() << " bytes " << hex(d) << "\n";
        }
    }
    return o.str();
}

// ---------------------------------------------------------------------------------------
// boot list -v: the partition an HD() node names, on the disks of the root.

struct DiskMatch {
    bool matched = false;
    std::string device, disk, partuuid, mount_point;
    std::uint32_t number = 0;
    std::uint64_t start = 0, size = 0; ///< logical blocks, from the table
    std::string matched_by;            ///< "partuuid", "mbr-signature+start", "mbr-signature+number"
    std::optional<bool> file_exists;   ///< nullopt: no File() node, or the partition cannot be read
    std::string file_via;              ///< "mount" or "disk"
    std::vector<disk::Finding> findings;
};

struct DiskCache {
    explicit DiskCache(const sys::Root& r) : root(r) {}
    const sys::Root& root;
    bool loaded = false;
    std::vector<disk::PartitionTable> tables;
    std::vector<disk::Mount> mounts;
    std::vector<std::string> unreadable; ///< disks that could not be read (not: hold no table)
    /// Opened file systems by partition device (1,000 entries on one ESP open it once).
    std::map<std::string, std::shared_ptr<disk::EspFiles>> files;
    void load() {
        if (loaded) return;
        loaded = true;
        for (const auto& d : disk::root_disks(root)) {
            try {
                tables.push_back(disk::read_partition_table(root, d));
            } catch (const Error& e) {
                if (e.code() != Exit::data) unreadable.emplace_back(e.what()); // permission, I/O
            }
        }
        mounts = disk::read_mounts(root);
    }
};

bool iequal_text(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i])))
            return false;
    return true;
}

DiskMatch match_disk(DiskCache& c, const BootState& s, const BootEntry& e, const efi::DevicePathInfo& dp) {
    DiskMatch m;
    const auto& hd = *dp.hard_drive;
    c.load();
    const disk::PartitionTable* table = nullptr;
    const disk::Partition* part = nullptr;
    for (const auto& t : c.tables) {
        auto blocks = [&](std::uint64_t sectors) { return sectors * 512 / t.sector_size; };
        if (hd.signature_type == 2 && t.type == "gpt") {
            for (const auto& p : t.partitions)
                if (!p.partuuid.empty() && iequal_text(p.partuuid, hd.signature)) {
                    table = &t;
                    part = &p;
                    m.matched_by = "partuuid";
                }
        } else if (hd.signature_type == 1 && t.type == "dos" && !t.id.empty() &&
                   iequal_text("0x" + t.id, hd.signature)) {
            for (const auto& p : t.partitions)
                if (blocks(p.start) == hd.start && blocks(p.size) == hd.size) {
                    table = &t;
                    part = &p;
                    m.matched_by = "mbr-signature+start";
                }
            if (part == nullptr)
                if (const auto* p = t.find(hd.partition)) {
                    table = &t;
                    part = p;
                    m.matched_by = "mbr-signature+number";
                }
        }
        if (part != nullptr) break;
    }
    if (part == nullptr && !c.unreadable.empty()) {
        std::string why;
        for (const auto& u : c.unreadable)
            why += (why.empty() ? "" : "; ") + u;
        m.findings.push_back({disk::Severity::warning, "boot.hd-unchecked",
                              e.name + ": HD(" + std::to_string(hd.partition) + "," + hd.format_name() + "," +
                                  hd.signature + ") is on no readable disk; not read: " + why});
        return m;
    }
    if (part == nullptr) {
        m.findings.push_back({disk::Severity::error, "boot.hd-no-partition",
                              e.name + ": HD(" + std::to_string(hd.partition) + "," + hd.format_name() + "," +
                                  hd.signature + ") matches no partition on the disks of this root"});
        return m;
    }
    m.matched = true;
    std::string disk_name = table->device.substr(table->device.rfind('/') + 1);
    m.disk = table->device;
    m.device = "/dev/" + disk::partition_name(disk_name, part->number);
    m.number = part->number;
    m.partuuid = part->partuuid;
    m.start = part->start * 512 / table->sector_size;
    m.size = part->size * 512 / table->sector_size;
    if (m.number != hd.partition || m.start != hd.start || m.size != hd.size)
        m.findings.push_back({disk::Severity::warning, "boot.hd-mismatch",
                              e.name + ": HD() says partition " + std::to_string(hd.partition) + ", start " +
                                  std::to_string(hd.start) + ", size " + std::to_string(hd.size) + "; " + m.device +
                                  " is partition " + std::to_string(m.number) + ", start " + std::to_string(m.start) +
                                  ", size " + std::to_string(m.size)});
    for (const auto& mt : c.mounts)
        if (mt.source == m.device) m.mount_point = mt.mount_point;
    if (!dp.file) return m;
    try {
        auto& files = c.files[m.device];
        if (!files) {
            const disk::Mount* mt = nullptr;
            for (const auto& x : c.mounts)
                if (x.source == m.device) mt = &x;
            if (mt != nullptr && (mt->fs_type == "vfat" || mt->fs_type == "msdos"))
                files = disk::EspFiles::mounted(c.root, mt->mount_point);
            else
                files = disk::EspFiles::image(c.root, m.disk, part->start * 512, part->size * 512, m.device);
        }
        m.file_via = std::string(files->via());
        m.file_exists = files->exists(*dp.file);
    } catch (const Error& err) {
        m.findings.push_back({disk::Severity::warning, "boot.file-unchecked",
                              e.name + ": cannot check " + *dp.file + ": " + err.what()});
    }
    if (m.file_exists && !*m.file_exists) {
        bool in_use = e.option->active() && e.number && s.in_order(*e.number);
        m.findings.push_back({in_use ? disk::Severity::error : disk::Severity::warning, "boot.file-missing",
                              e.name + ": " + *dp.file + " does not exist on " + m.device +
                                  (in_use ? " (an active entry in BootOrder: the firmware will skip it)" : "")});
    }
    return m;
}

Json disk_match_json(const DiskMatch& m) {
    Json f = Json::array();
    for (const auto& x : m.findings)
        f.push_back({{"severity", disk::to_string(x.severity)}, {"code", x.code}, {"message", x.message}});
    auto opt = [](const std::string& v) { return v.empty() ? Json(nullptr) : Json(v); };
    return {{"matched", m.matched},
            {"matched_by", opt(m.matched_by)},
            {"device", opt(m.device)},
            {"disk", opt(m.disk)},
            {"partition", m.matched ? Json(m.number) : Json(nullptr)},
            {"partuuid", opt(m.partuuid)},
            {"start", m.matched ? Json(m.start) : Json(nullptr)},
            {"size", m.matched ? Json(m.size) : Json(nullptr)},
            {"mount_point", opt(m.mount_point)},
            {"file_exists", m.file_exists ? Json(*m.file_exists) : Json(nullptr)},
            {"file_checked_via", opt(m.file_via)},
            {"findings", f}};
}

std::string disk_match_text(const DiskMatch& m, const efi::DevicePathInfo& dp) {
    std::ostringstream o;
    if (m.matched) {
        o << "      partition: " << m.device << " (disk " << m.disk << ", "
          << (m.partuuid.empty() ? std::string("no PARTUUID") : "PARTUUID " + m.partuuid) << ")"
          << (m.mount_point.empty() ? std::string(", not mounted") : ", mounted at " + printable(m.mount_point))
          << "\n";
        if (dp.file && m.file_exists)
            o << "      file: " << printable(*dp.file) << (*m.file_exists ? " exists" : " is missing") << " (checked "
              << (m.file_via == "mount" ? "through the mount point" : "on the disk") << ")\n";
    }
    for (const auto& f : m.findings)
        o << "      " << disk::to_string(f.severity) << " " << f.code << ": " << printable(f.message) << "\n";
    return o.str();
}

/// What the firmware would trip over in the boot variables themselves: BootOrder or BootNext
/// naming a Boot#### that does not exist (../shared/notes/disk.md §6 lists both as errors).
std::vector<disk::Finding> variable_findings(const BootState& s) {
    std::vector<disk::Finding> out;
    if (s.order)
        for (auto n : *s.order)
            if (s.find(n) == nullptr)
                out.push_back({disk::Severity::error, "boot.order-missing",
                               "BootOrder names Boot" + efi::number_text(n) + ", which does not exist"});
    if (s.next && s.find(*s.next) == nullptr)
        out.push_back(
            {disk::Severity::error, "boot.next-missing",
             "BootNext names Boot" + efi::number_text(*s.next) + ", which does not exist (the firmware ignores it)"});
    return out;
}

std::string listing_text(const BootState& s, bool verbose, DiskCache* disks = nullptr) {
    std::ostringstream o;
    auto num = [](const std::optional<std::uint16_t>& v) { return v ? efi::number_text(*v) : std::string("(none)"); };
    o << "BootCurrent: " << num(s.current) << "\n";
    o << "BootNext:    " << num(s.next) << "\n";
    o << "Timeout:     " << (s.timeout ? std::to_string(*s.timeout) + " seconds" : std::string("(none)")) << "\n";
    o << "BootOrder:   "
      << (s.order ? efi::order_text(*s.order) : std::string("(none: firmware will attempt recovery)")) << "\n";
    for (const auto* e : s.listing()) {
        o << entry_line(s, *e, verbose);
        if (disks != nullptr && e->option) {
            auto dp = efi::describe_device_path(e->option->path);
            if (dp.hard_drive) o << disk_match_text(match_disk(*disks, s, *e, dp), dp);
        }
    }
    for (const auto& p : s.problems)
        o << "problem: " << p << "\n";
    for (const auto& f : variable_findings(s))
        o << disk::to_string(f.severity) << " " << f.code << ": " << f.message << "\n";
    return o.str();
}

/// Where the partition is mounted in the root, if it is ("/boot/efi").
std::string mount_point_of(const sys::Root& root, const std::string& device, std::uint32_t part) {
    std::string disk = device.substr(device.rfind('/') + 1);
    std::string dev = "/dev/" + disk::partition_name(disk, part);
    for (const auto& m : disk::read_mounts(root))
        if (m.source == dev) return m.mount_point;
    return {};
}

efi::Bytes data_arg(const po::variables_map& vm, const char* hex_name, const char* text_name) {
    bool has_hex = vm.count(hex_name) > 0, has_text = vm.count(text_name) > 0;
    if (has_hex && has_text)
        throw Error(Exit::usage, std::string("--") + hex_name + " and --" + text_name + " exclude each other");
    if (has_hex) {
        std::string raw;
        std::string h = vm[hex_name].as<std::string>();
        if (!unhex(h, raw))
            throw Error(Exit::usage, std::string("--") + hex_name + ": expected an even number of hex digits");
        return efi::Bytes(raw.begin(), raw.end());
    }
    if (has_text) {
        // UCS-2 with a terminating NUL: what the Linux EFI stub and shim expect.
        auto b = efi::to_ucs2(vm[text_name].as<std::string>());
        b.push_back(0);
        b.push_back(0);
        return b;
    }
    return {};
}

} // namespace

Command boot_command() {
    Command c = make_command("boot", "UEFI boot entries: BootOrder, Boot####, BootNext, Timeout");

    {
        Verb v = make_verb("list", "",
                           "List BootCurrent, BootNext, Timeout, BootOrder and every Boot#### (-v: paths, data)");
        v.run = [](Context& ctx, const po::variables_map&) {
            auto s = load(ctx.system());
            DiskCache disks(ctx.system().root());
            bool verbose = ctx.globals().verbose;
            if (ctx.globals().json) {
                Json j = efi::list_json(s, ctx.system().vars());
                Json findings = Json::array();
                for (const auto& f : variable_findings(s))
                    findings.push_back(
                        {{"severity", disk::to_string(f.severity)}, {"code", f.code}, {"message", f.message}});
                j["findings"] = findings;
                // -v adds, per entry with an HD() node, the partition it names ("disk").
                if (verbose)
                    for (auto& je : j["entries"])
                        for (const auto* e : s.listing())
                            if (e->name == je["name"] && e->option) {
                                auto dp = efi::describe_device_path(e->option->path);
                                if (dp.hard_drive) je["disk"] = disk_match_json(match_disk(disks, s, *e, dp));
                            }
                ctx.print_json(j);
            } else {
                ctx.out() << listing_text(s, verbose, verbose ? &disks : nullptr);
            }
            return 0;
        };
        c.verbs.push_back(std::move(v));
    }
    {
        Verb v = make_verb("show", "XXXX", "Show one boot entry in full");
        v.options = [](auto&, auto& hidden, auto& pos) { any_args(hidden, pos); };
        v.complete = complete_entries;
        v.run = [](Context& ctx, const po::variables_map& vm) {
            auto args = strings_of(vm, "args");
            if (args.size() != 1)
                throw Error(Exit::usage, "boot show takes one entry", "try 'bootsmith boot show 0001'");
            auto s = load(ctx.system());
            const auto& e = s.resolve(args[0]);
            if (ctx.globals().json) {
                Json j = efi::entry_json(s, e);
                Json out;
                out["schema"] = "bootsmith.boot-entry/1";
                for (auto& [k, val] : j.items())
                    out[k] = val;
                ctx.print_json(out);
            } else {
                ctx.out() << entry_line(s, e, true);
                ctx.out() << "      variable: " << e.var.data.size() << " bytes, attributes "
                          << hex_u32(e.var.attributes) << "\n";
                if (e.option) {
                    auto dp = efi::describe_device_path(e.option->path);
                    if (dp.hard_drive)
                        ctx.out() << "      partition: " << dp.hard_drive->partition << " ("
                                  << dp.hard_drive->format_name() << " " << dp.hard_drive->signature << ", start "
                                  << dp.hard_drive->start << ", size " << dp.hard_drive->size << " blocks)\n";
                    if (dp.file) ctx.out() << "      file: " << *dp.file << "\n";
                }
            }
            return 0;
        };
        c.verbs.push_back(std::move(v));
    }
    {
        Verb v = make_verb("create", "--disk DEV --part N --loader PATH --label TEXT [options]",
                           "Create a boot entry for a loader on a partition and put it in BootOrder");
        v.options = [](po::options_description& o, auto&, auto&) {
            o.add_options()                                                                                   //
                ("disk", po::value<std::string>()->value_name("DEV"), "disk holding the ESP (e.g. /dev/sda)") //
                ("part", po::value<unsigned>()->value_name("N"), "partition number of the ESP")               //
                ("loader", po::value<std::string>()->value_name("PATH"), "loader path on the ESP (\\EFI\\…)") //
                ("label", po::value<std::string>()->value_name("TEXT"), "description shown by the firmware")  //
                ("data-hex", po::value<std::string>()->value_name("HEX"), "optional data, as hex bytes")      //
                ("data-text", po::value<std::string>()->value_name("TEXT"),
                 "optional data, as UCS-2 text with a NUL (kernel/shim arguments)") //
                ("position", po::value<std::string>()->value_name("first|last|N"),
                 "where in BootOrder (default first)")                //
                ("inactive", po::bool_switch(), "create it inactive") //
                ("allow-duplicate", po::bool_switch(), "allow an entry whose device path exists already");
        };
        v.run = [](Context& ctx, const po::variables_map& vm) {
            for (const char* need : {"disk", "part", "loader", "label"})
                if (!vm.count(need))
                    throw Error(Exit::usage, std::string("boot create needs --") + need,
                                "try 'bootsmith boot create --help'");
            return ctx.mutate([&](sys::System& sys) {
                auto s = load_for_change(sys);
                efi::CreateSpec spec;
                std::vector<std::string> notes;
                std::string disk_path = string_of(vm, "disk");
                unsigned part = vm["part"].as<unsigned>();
                spec.loader = efi::normalise_loader(string_of(vm, "loader"), notes);
                spec.label = string_of(vm, "label");
                spec.optional_data = data_arg(vm, "data-hex", "data-text");
                if (vm.count("position")) spec.position = string_of(vm, "position");
                spec.inactive = flag_of(vm, "inactive");
                spec.allow_duplicate = flag_of(vm, "allow-duplicate");
                spec.hd = efi::hard_drive_for(sys.root(), disk_path, part);
                std::string mp = mount_point_of(sys.root(), disk_path, part);
                if (mp.empty())
                    notes.push_back("cannot tell whether " + spec.loader + " exists: partition " +
                                    std::to_string(part) + " of " + disk_path + " is not mounted");
                else if (disk::find_case_insensitive(sys.root(), mp, spec.loader).empty())
                    notes.push_back(spec.loader + " is not on partition " + std::to_string(part) + " of " + disk_path +
                                    " (mounted at " + mp + ")");
                std::uint16_t number = 0;
                auto plan = efi::plan_create(s, spec, number);
                plan.notes.insert(plan.notes.begin(), notes.begin(), notes.end());
                return plan;
            });
        };
        c.verbs.push_back(std::move(v));
    }
    {
        Verb v = make_verb("delete", "XXXX… | --label TEXT",
                           "Delete boot entries (and their numbers from BootOrder, BootNext)");
        v.options = [](po::options_description& o, auto& hidden, auto& pos) {
            o.add_options()                                                                                         //
                ("label", po::value<std::string>()->value_name("TEXT"), "delete every entry with this description") //
                ("force", po::bool_switch(), "also delete BootCurrent, the entry this system booted from");
            any_args(hidden, pos);
        };
        v.complete = complete_entries;
        v.run = [](Context& ctx, const po::variables_map& vm) {
            auto args = strings_of(vm, "args");
            if (args.empty() == !vm.count("label"))
                throw Error(Exit::usage, "boot delete takes entry numbers or --label, not both or neither");
            return ctx.mutate([&](sys::System& sys) {
                auto s = load_for_change(sys);
                std::vector<const BootEntry*> entries;
                if (vm.count("label")) {
                    std::string label = string_of(vm, "label");
                    for (const auto& e : s.entries)
                        if (e.option && e.option->description == label) entries.push_back(&e);
                    if (entries.empty()) throw Error(Exit::no_input, "no boot entry has the label \"" + label + "\"");
                } else {
                    entries = resolve_all(s, args);
                }
                return efi::plan_delete(s, entries, flag_of(vm, "force"));
            });
        };
        c.verbs.push_back(std::move(v));
    }
    for (bool active : {true, false}) {
        Verb v =
            make_verb(active ? "enable" : "disable", "XXXX…",
                      active ? "Mark boot entries active" : "Mark boot entries inactive (the firmware skips them)");
        v.options = [](auto&, auto& hidden, auto& pos) { any_args(hidden, pos); };
        v.complete = complete_entries;
        v.run = [active](Context& ctx, const po::variables_map& vm) {
            auto args = strings_of(vm, "args");
            if (args.empty()) throw Error(Exit::usage, "which entries? give their numbers");
            return ctx.mutate([&](sys::System& sys) {
                auto s = load_for_change(sys);
                return efi::plan_set_active(s, resolve_all(s, args), active);
            });
        };
        c.verbs.push_back(std::move(v));
    }
    {
        Verb v = make_verb("rename", "XXXX TEXT", "Change an entry's description in place");
        v.options = [](auto&, auto& hidden, auto& pos) { any_args(hidden, pos); };
        v.complete = complete_entries;
        v.run = [](Context& ctx, const po::variables_map& vm) {
            auto args = strings_of(vm, "args");
            if (args.size() != 2) throw Error(Exit::usage, "boot rename takes an entry and the new description");
            return ctx.mutate([&](sys::System& sys) {
                auto s = load_for_change(sys);
                return efi::plan_rename(s, s.resolve(args[0]), args[1]);
            });
        };
        c.verbs.push_back(std::move(v));
    }
    {
        Verb v = make_verb("set-data", "XXXX (--hex HEX | --text TEXT | --clear)",
                           "Replace an entry's optional data in place");
        v.options = [](po::options_description& o, auto& hidden, auto& pos) {
            o.add_options()                                                                                 //
                ("hex", po::value<std::string>()->value_name("HEX"), "the data as hex bytes")               //
                ("text", po::value<std::string>()->value_name("TEXT"), "the data as UCS-2 text with a NUL") //
                ("clear", po::bool_switch(), "remove the optional data");
            any_args(hidden, pos);
        };
        v.complete = complete_entries;
        v.run = [](Context& ctx, const po::variables_map& vm) {
            auto args = strings_of(vm, "args");
            if (args.size() != 1) throw Error(Exit::usage, "boot set-data takes one entry");
            int given = (vm.count("hex") ? 1 : 0) + (vm.count("text") ? 1 : 0) + (flag_of(vm, "clear") ? 1 : 0);
            if (given != 1) throw Error(Exit::usage, "give exactly one of --hex, --text, --clear");
            return ctx.mutate([&](sys::System& sys) {
                auto s = load_for_change(sys);
                return efi::plan_set_data(s, s.resolve(args[0]), data_arg(vm, "hex", "text"));
            });
        };
        c.verbs.push_back(std::move(v));
    }
    {
        Verb v = make_verb("order", "[XXXX,XXXX,…] [--first XXXX] [--remove-stale]", "Print or set BootOrder");
        v.options = [](po::options_description& o, auto& hidden, auto& pos) {
            o.add_options()                                                                                    //
                ("first", po::value<std::string>()->value_name("XXXX"), "move (or add) an entry to the front") //
                ("remove-stale", po::bool_switch(), "drop numbers that have no Boot#### variable");
            any_args(hidden, pos);
        };
        v.complete = complete_entries;
        v.run = [](Context& ctx, const po::variables_map& vm) {
            auto args = strings_of(vm, "args");
            int modes = (args.empty() ? 0 : 1) + (vm.count("first") ? 1 : 0) + (flag_of(vm, "remove-stale") ? 1 : 0);
            if (modes > 1) throw Error(Exit::usage, "give a new order, --first or --remove-stale, one at a time");
            if (modes == 0) {
                auto s = load(ctx.system());
                if (ctx.globals().json) {
                    Json j;
                    j["schema"] = "bootsmith.boot-order/1";
                    Json o = nullptr;
                    if (s.order) {
                        o = Json::array();
                        for (auto n : *s.order)
                            o.push_back(efi::number_text(n));
                    }
                    j["boot_order"] = o;
                    ctx.print_json(j);
                } else {
                    ctx.out() << (s.order ? efi::order_text(*s.order) : std::string("(no BootOrder)")) << "\n";
                }
                return 0;
            }
            std::vector<std::uint16_t> order;
            for (const auto& a : args) {
                std::size_t i = 0;
                while (i <= a.size()) {
                    std::size_t j = a.find(',', i);
                    if (j == std::string::npos) j = a.size();
                    order.push_back(number_arg(a.substr(i, j - i), "BootOrder entry"));
                    i = j + 1;
                }
            }
            return ctx.mutate([&](sys::System& sys) {
                auto s = load_for_change(sys);
                if (vm.count("first")) return efi::plan_order_first(s, number_arg(string_of(vm, "first"), "--first"));
                if (flag_of(vm, "remove-stale")) return efi::plan_remove_stale(s);
                return efi::plan_order(s, order);
            });
        };
        c.verbs.push_back(std::move(v));
    }
    {
        Verb v = make_verb("next", "XXXX | --clear", "Boot an entry once at the next boot (BootNext)");
        v.options = [](po::options_description& o, auto& hidden, auto& pos) {
            o.add_options()("clear", po::bool_switch(), "remove BootNext");
            any_args(hidden, pos);
        };
        v.complete = complete_entries;
        v.run = [](Context& ctx, const po::variables_map& vm) {
            auto args = strings_of(vm, "args");
            bool clear = flag_of(vm, "clear");
            if (args.size() + (clear ? 1 : 0) != 1) throw Error(Exit::usage, "give one entry or --clear");
            std::optional<std::uint16_t> n;
            if (!clear) n = number_arg(args[0], "entry");
            return ctx.mutate([&](sys::System& sys) { return efi::plan_next(load_for_change(sys), n); });
        };
        c.verbs.push_back(std::move(v));
    }
    {
        Verb v = make_verb("timeout", "SECONDS | --clear", "Set how long the firmware's boot menu waits (0-65535)");
        v.options = [](po::options_description& o, auto& hidden, auto& pos) {
            o.add_options()("clear", po::bool_switch(), "remove Timeout");
            any_args(hidden, pos);
        };
        v.run = [](Context& ctx, const po::variables_map& vm) {
            auto args = strings_of(vm, "args");
            bool clear = flag_of(vm, "clear");
            if (args.size() + (clear ? 1 : 0) != 1) throw Error(Exit::usage, "give the seconds or --clear");
            std::optional<std::uint16_t> t;
            if (!clear) {
                const std::string& a = args[0];
                char* end = nullptr;
                errno = 0;
                unsigned long secs = std::strtoul(a.c_str(), &end, 10);
                if (a.empty() || *end != '\0' || a[0] == '-' || a[0] == '+' || errno == ERANGE || secs > 65535)
                    throw Error(Exit::usage, "timeout '" + printable(a) + "': expected 0 to 65535 seconds");
                t = static_cast<std::uint16_t>(secs);
            }
            return ctx.mutate([&](sys::System& sys) { return efi::plan_timeout(load_for_change(sys), t); });
        };
        c.verbs.push_back(std::move(v));
    }
    {
        Verb v = make_verb("dedupe", "", "Remove entries that repeat an earlier entry's device path and data");
        v.run = [](Context& ctx, const po::variables_map&) {
            return ctx.mutate([&](sys::System& sys) { return efi::plan_dedupe(load_for_change(sys)); });
        };
        c.verbs.push_back(std::move(v));
    }
    {
        Verb v = make_verb("backup", "FILE", "Save every Boot####, BootOrder, BootNext and Timeout to a JSON file");
        v.options = [](auto&, auto& hidden, auto& pos) { any_args(hidden, pos); };
        v.complete = [](Context&, const std::vector<std::string>&) { return std::vector<std::string> {":files"}; };
        v.run = [](Context& ctx, const po::variables_map& vm) {
            auto args = strings_of(vm, "args");
            if (args.size() != 1) throw Error(Exit::usage, "boot backup takes one FILE");
            auto s = load(ctx.system());
            Json backup = efi::make_backup(s);
            std::string text = to_text(backup) + "\n";
            // FILE is the caller's own file, not part of the managed root.
            std::filesystem::path file = std::filesystem::absolute(args[0]);
            if (ctx.globals().dry_run) {
                if (!ctx.globals().json) ctx.out() << "Would write " << file.native() << ":\n";
                ctx.out() << text;
                if (!ctx.globals().json && !ctx.globals().quiet) ctx.out() << "Dry run: nothing was written.\n";
                return 0;
            }
            sys::Root host("/");
            host.replace(file.native(), text, sys::WriteOptions {0600});
            if (ctx.globals().json) {
                ctx.print_json({{"schema", "bootsmith.boot-backup-written/1"},
                                {"file", file.native()},
                                {"variables", backup["variables"].size()}});
            } else if (!ctx.globals().quiet) {
                ctx.out() << "Saved " << s.entries.size() << " boot entries and the order variables to "
                          << file.native() << "\n";
            }
            return 0;
        };
        c.verbs.push_back(std::move(v));
    }
    {
        Verb v = make_verb("restore", "FILE", "Make the boot variables what a backup file says (shows its plan)");
        v.options = [](auto&, auto& hidden, auto& pos) { any_args(hidden, pos); };
        v.complete = [](Context&, const std::vector<std::string>&) { return std::vector<std::string> {":files"}; };
        v.run = [](Context& ctx, const po::variables_map& vm) {
            auto args = strings_of(vm, "args");
            if (args.size() != 1) throw Error(Exit::usage, "boot restore takes one FILE");
            std::filesystem::path file = std::filesystem::absolute(args[0]);
            std::string text = sys::Root("/").read_required(file.native(), 16u << 20);
            Json backup = Json::parse(text, nullptr, false);
            if (backup.is_discarded()) throw Error(Exit::data, file.native() + ": not valid JSON");
            return ctx.mutate(
                [&](sys::System& sys) { return efi::plan_restore(load_for_change(sys), backup, file.native()); });
        };
        c.verbs.push_back(std::move(v));
    }
    return c;
}

} // namespace bootsmith::cli
