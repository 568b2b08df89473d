#include "bootsmith/status/status.hpp"

#include "bootsmith/disk/bootcode.hpp"
#include "bootsmith/disk/esp.hpp"
#include "bootsmith/efi/boot_manager.hpp"
#include "bootsmith/grub/grubenv.hpp"
#include "bootsmith/grub/menu.hpp"
#include "bootsmith/kernel/inventory.hpp"
#include "bootsmith/error.hpp"
#include "bootsmith/text.hpp"

#include <algorithm>
#include <sstream>

namespace bootsmith::status {

namespace {

bool ends_with_ci(std::string_view s, std::string_view suffix) {
    if (s.size() < suffix.size()) return false;
    for (std::size_t i = 0; i < suffix.size(); ++i) {
        char a = s[s.size() - suffix.size() + i];
        if (a >= 'A' && a <= 'Z') a = static_cast<char>(a - 'A' + 'a');
        if (a != suffix[i]) return false;
    }
    return true;
}

/// Runs one part of the survey; a failure is recorded, never fatal.
template <typename F> void survey(Status& s, F&& f) {
    try {
        f();
    } catch (const Error& e) {
        s.problems.emplace_back(e.what());
    }
}

} // namespace

Status gather(const sys::System& sys) {
    const sys::Root& root = sys.root();
    Status s;
    s.root = root.given().native();

    survey(s, [&] {
        s.os_name = kernel::os_release_value(root, "PRETTY_NAME");
        s.os_id = kernel::os_release_value(root, "ID");
    });

    s.firmware = sys.uefi() ? "uefi" : "bios";
    survey(s, [&] {
        if (auto t = root.read("/sys/firmware/efi/fw_platform_size", 64)) {
            int v = std::atoi(t->c_str());
            if (v == 32 || v == 64) s.platform_size = v;
        }
    });

    survey(s, [&] {
        const auto& vars = sys.vars();
        s.efi.backend = std::string(vars.backend());
        s.efi.location = vars.location();
        s.efi.available = vars.available();
        if (!s.efi.available) return;
        auto state = efi::load_boot_state(vars);
        s.efi.variables = state.variables;
        s.efi.problems = state.problems;
        for (const auto& e : state.entries) {
            if (e.compliant()) s.efi.boot_entries.push_back(e.name);
            if (!e.option) ++s.efi.corrupt_entries;
        }
        if (state.current) {
            s.efi.boot_current = efi::number_text(*state.current);
            if (const auto* e = state.find(*state.current); e != nullptr && e->option)
                s.efi.current_description = e->option->description;
        }
        if (state.next) s.efi.boot_next = efi::number_text(*state.next);
        if (state.order) {
            std::vector<std::string> order;
            for (auto n : *state.order)
                order.push_back(efi::number_text(n));
            s.efi.boot_order = order;
        }
    });

    // Boot loader configuration files, in the places the distributions use.
    static const BootFile known[] = {
        {"/etc/default/grub", "grub-default"},
        {"/boot/grub/grub.cfg", "grub.cfg"},
        {"/boot/grub/grubenv", "grubenv"},
        {"/boot/grub2/grub.cfg", "grub.cfg"},
        {"/boot/grub2/grubenv", "grubenv"},
        {"/boot/grub/i386-pc/core.img", "core.img"},
        {"/boot/grub/x86_64-efi/core.efi", "core.efi"},
        {"/etc/kernel/cmdline", "kernel-cmdline"},
        {"/boot/loader/loader.conf", "systemd-boot"},
        {"/boot/efi/loader/loader.conf", "systemd-boot"},
        {"/efi/loader/loader.conf", "systemd-boot"},
    };
    for (const auto& f : known)
        survey(s, [&] {
            if (root.is_file(f.path)) s.files.push_back(f);
        });
    for (const char* dir : {"/boot/loader/entries", "/boot/efi/loader/entries", "/efi/loader/entries"})
        survey(s, [&] {
            for (const auto& e : root.list(dir))
                if (ends_with_ci(e.name, ".conf")) s.files.push_back({std::string(dir) + "/" + e.name, "bls-entry"});
        });

    // The ESP as mounted: the first of the usual mount points that holds an EFI directory.
    for (const char* mp : {"/boot/efi", "/efi", "/boot"}) {
        bool found = false;
        survey(s, [&] {
            std::string efi = std::string(mp) + "/EFI";
            if (!root.is_dir(efi)) return;
            found = true;
            s.esp.mount_point = mp;
            for (const auto& vendor : root.list(efi)) {
                if (vendor.type != sys::FileInfo::Type::directory) continue;
                for (const auto& f : root.list(efi + "/" + vendor.name))
                    if (ends_with_ci(f.name, ".efi")) s.esp.binaries.push_back(efi + "/" + vendor.name + "/" + f.name);
            }
        });
        if (found) break;
    }

    // The ESP as the partition tables tell (bootsmith disk esp), and each disk's boot code.
    survey(s, [&] {
        auto r = disk::find_esps(root, false);
        s.esp.count = r.esps.size();
        if (r.esps.empty()) return;
        const auto& e = r.esps.front();
        s.esp.device = e.device;
        s.esp.fat = e.fat;
        s.esp.partuuid = e.partuuid;
        s.esp.mounted_at = e.mount_point;
        s.esp.fallback = e.fallback;
        s.esp.content_read = !e.read_via.empty();
        for (const auto& x : r.esps)
            for (const auto& f : x.findings)
                if (f.severity != disk::Severity::info)
                    s.esp.findings.push_back(std::string(disk::to_string(f.severity)) + " " + f.code);
        for (const auto& f : r.findings)
            if (f.severity != disk::Severity::info)
                s.esp.findings.push_back(std::string(disk::to_string(f.severity)) + " " + f.code);
    });
    for (const auto& dev : disk::root_disks(root))
        survey(s, [&] {
            Status::DiskBoot d;
            d.device = dev;
            disk::MbrReport m;
            try {
                m = disk::read_mbr_report(root, dev);
            } catch (const Error& e) {
                if (e.code() != Exit::no_perm) throw;
                d.summary = "not readable (permission denied)"; // as a user, on a live system: not a problem
                s.disks.push_back(std::move(d));
                return;
            }
            d.mbr = std::string(disk::to_string(m.mbr.kind));
            d.boot_code = m.code.id;
            d.summary = disk::boot_code_summary(m);
            if (m.grub) d.core_img = m.grub->found ? std::string(disk::to_string(m.grub->location)) : "missing";
            s.disks.push_back(std::move(d));
        });

    bool grub = false, sdboot = false, bls = false;
    for (const auto& f : s.files) {
        grub |= f.kind == "grub.cfg" || f.kind == "core.img" || f.kind == "core.efi";
        sdboot |= f.kind == "systemd-boot";
        bls |= f.kind == "bls-entry";
    }
    for (const auto& b : s.esp.binaries) {
        sdboot |= ends_with_ci(b, "/systemd-bootx64.efi") || ends_with_ci(b, "/systemd-bootaa64.efi");
        grub |= ends_with_ci(b, "/grubx64.efi") || ends_with_ci(b, "/grubaa64.efi");
    }
    if (grub) s.loaders.emplace_back("grub");
    if (sdboot) s.loaders.emplace_back("systemd-boot");
    if (bls) s.loaders.emplace_back("bls");

    survey(s, [&] {
        std::optional<grub::Menu> menu;
        for (const char* cfg : {"/boot/grub/grub.cfg", "/boot/grub2/grub.cfg"})
            if (root.is_file(cfg)) {
                s.grub.config = cfg;
                menu = grub::parse_menu(root.read_required(cfg, 16u << 20));
                break;
            }
        auto choice = [&](const std::string& value) {
            Status::GrubChoice c {value, std::nullopt, ""};
            if (menu) {
                auto sel = grub::resolve_default(*menu, value);
                if (sel.entry != nullptr && !sel.fell_back) {
                    c.title = sel.entry->title;
                    c.index_path = sel.index_path;
                }
            }
            return c;
        };
        std::string envpath = grub::default_grubenv_path(root);
        std::optional<grub::EnvBlock> env;
        if (auto bytes = root.read(envpath, 1u << 20)) {
            s.grub.grubenv = envpath;
            env = grub::EnvBlock::parse(std::move(*bytes), root.display(envpath));
            if (auto v = env->get("saved_entry")) s.grub.saved_entry = choice(*v);
            if (auto v = env->get("next_entry"); v && !v->empty()) s.grub.next_entry = choice(*v);
        }
        if (!menu) return;
        if (menu->uses_next_entry && s.grub.next_entry) {
            s.grub.effective = s.grub.next_entry;
            s.grub.effective_source = "next_entry";
        } else if (menu->default_from_saved_entry) {
            s.grub.effective = choice(s.grub.saved_entry ? s.grub.saved_entry->value : "0");
            s.grub.effective_source = "saved_entry";
        } else {
            s.grub.effective = choice(menu->default_value.value_or("0"));
            s.grub.effective_source = menu->default_value ? "set default" : "first entry";
        }
    });

    survey(s, [&] {
        auto inv = kernel::read_inventory(root);
        for (const auto& k : inv.kernels)
            s.kernels.push_back(k.version);
        s.kernel.family = kernel::family_name(inv.family);
        auto pick = [&](const std::optional<std::size_t>& i) -> std::optional<Status::KernelChoice> {
            if (!i) return std::nullopt;
            const auto& e = inv.entries[*i];
            return Status::KernelChoice {e.index, e.id, e.title, e.linux, e.version};
        };
        s.kernel.default_entry = pick(inv.default_entry);
        s.kernel.booted_entry = pick(inv.booted_entry);
        s.kernel.next_entry = pick(inv.next_entry);
        s.kernel.booted_kernel = inv.booted_kernel;
    });
    return s;
}

Json to_json(const Status& s) {
    Json j;
    j["schema"] = "bootsmith.status/1";
    j["root"] = s.root;
    j["os"] = {{"name", s.os_name}, {"id", s.os_id}};
    Json fw;
    fw["mode"] = s.firmware;
    fw["platform_size"] = s.platform_size ? Json(*s.platform_size) : Json(nullptr);
    j["firmware"] = fw;
    Json efi;
    efi["available"] = s.efi.available;
    efi["backend"] = s.efi.backend;
    efi["location"] = s.efi.location;
    efi["variables"] = s.efi.variables;
    efi["boot_entries"] = s.efi.boot_entries;
    efi["corrupt_entries"] = s.efi.corrupt_entries;
    efi["boot_current"] = s.efi.boot_current ? Json(*s.efi.boot_current) : Json(nullptr);
    efi["boot_current_description"] = s.efi.boot_current ? Json(s.efi.current_description) : Json(nullptr);
    efi["boot_next"] = s.efi.boot_next ? Json(*s.efi.boot_next) : Json(nullptr);
    efi["boot_order"] = s.efi.boot_order ? Json(*s.efi.boot_order) : Json(nullptr);
    efi["problems"] = s.efi.problems;
    j["efi"] = efi;
    Json files = Json::array();
    for (const auto& f : s.files)
        files.push_back({{"path", f.path}, {"kind", f.kind}});
    j["boot_loader"] = {{"detected", s.loaders}, {"files", files}};
    auto opt = [](const std::string& v) { return v.empty() ? Json(nullptr) : Json(v); };
    j["esp"] = {{"mount_point", s.esp.mount_point.empty() ? Json(nullptr) : Json(s.esp.mount_point)},
                {"binaries", s.esp.binaries},
                {"count", s.esp.count},
                {"device", opt(s.esp.device)},
                {"fat", opt(s.esp.fat)},
                {"partuuid", opt(s.esp.partuuid)},
                {"mounted_at", opt(s.esp.mounted_at)},
                {"fallback", opt(s.esp.fallback)},
                {"fallback_present", s.esp.content_read ? Json(!s.esp.fallback.empty()) : Json(nullptr)},
                {"findings", s.esp.findings}};
    Json disks = Json::array();
    for (const auto& d : s.disks)
        disks.push_back({{"device", d.device},
                         {"mbr", d.mbr},
                         {"boot_code", d.boot_code},
                         {"summary", d.summary},
                         {"core_img", opt(d.core_img)}});
    j["disks"] = disks;
    auto choice = [](const std::optional<Status::GrubChoice>& c) -> Json {
        if (!c) return nullptr;
        return {{"value", c->value},
                {"title", c->title ? Json(*c->title) : Json(nullptr)},
                {"index_path", c->index_path.empty() ? Json(nullptr) : Json(c->index_path)}};
    };
    j["grub"] = {{"config", s.grub.config.empty() ? Json(nullptr) : Json(s.grub.config)},
                 {"grubenv", s.grub.grubenv.empty() ? Json(nullptr) : Json(s.grub.grubenv)},
                 {"saved_entry", choice(s.grub.saved_entry)},
                 {"next_entry", choice(s.grub.next_entry)},
                 {"default", choice(s.grub.effective)},
                 {"default_source", s.grub.effective_source.empty() ? Json(nullptr) : Json(s.grub.effective_source)}};
    auto kchoice = [](const std::optional<Status::KernelChoice>& c) -> Json {
        if (!c) return nullptr;
        return {{"index", c->index},
                {"id", c->id},
                {"title", c->title},
                {"linux", c->linux},
                {"version", c->version ? Json(*c->version) : Json(nullptr)}};
    };
    j["kernels"] = {{"count", s.kernels.size()},
                    {"versions", s.kernels},
                    {"menu", s.kernel.family},
                    {"default", kchoice(s.kernel.default_entry)},
                    {"booted", kchoice(s.kernel.booted_entry)},
                    {"booted_kernel", s.kernel.booted_kernel ? Json(*s.kernel.booted_kernel) : Json(nullptr)},
                    {"next", kchoice(s.kernel.next_entry)}};
    j["problems"] = s.problems;
    return j;
}

std::string to_text(const Status& s, bool color) {
    const std::string b = color ? "\033[1m" : "", r = color ? "\033[0m" : "";
    std::ostringstream o;
    auto row = [&](const char* label, const std::string& value) { o << b << label << r << value << "\n"; };
    auto join = [](const std::vector<std::string>& v, const char* sep) {
        std::string out;
        for (const auto& x : v)
            out += (out.empty() ? "" : sep) + x;
        return out;
    };
    row("Root:         ", s.root);
    row("System:       ", s.os_name.empty() ? std::string("unknown (no os-release)") : s.os_name);
    std::string fw = s.firmware == "uefi" ? "UEFI" : "BIOS (legacy)";
    if (s.platform_size) fw += " (" + std::to_string(*s.platform_size) + "-bit)";
    row("Firmware:     ", fw);
    if (s.firmware == "uefi" || s.efi.available) {
        if (!s.efi.available) {
            row("EFI vars:     ", "not available (" + s.efi.location + ")");
        } else {
            row("EFI vars:     ", std::to_string(s.efi.variables) + " variables, " +
                                      std::to_string(s.efi.boot_entries.size()) + " boot entries" +
                                      (s.efi.boot_entries.empty() ? "" : ": " + join(s.efi.boot_entries, " ")));
            if (s.efi.boot_current)
                row("  current:    ",
                    "Boot" + *s.efi.boot_current +
                        (s.efi.current_description.empty() ? "" : " (" + printable(s.efi.current_description) + ")"));
            if (s.efi.boot_next) row("  next:       ", "Boot" + *s.efi.boot_next + " (once)");
            row("  order:      ", s.efi.boot_order ? join(*s.efi.boot_order, ",") : std::string("none"));
            if (s.efi.corrupt_entries > 0)
                row("  corrupt:    ", std::to_string(s.efi.corrupt_entries) + " entries (see bootsmith boot list)");
            for (const auto& p : s.efi.problems)
                row("  problem:    ", p);
        }
    }
    row("Boot loader:  ", s.loaders.empty() ? std::string("none found") : join(s.loaders, ", "));
    for (const auto& f : s.files)
        row("  file:       ", f.path + " (" + f.kind + ")");
    if (!s.esp.mount_point.empty())
        row("ESP:          ", s.esp.mount_point + ": " + std::to_string(s.esp.binaries.size()) + " EFI binaries");
    for (const auto& e : s.esp.binaries)
        row("  binary:     ", e);
    if (!s.esp.device.empty()) {
        std::string t = s.esp.device + (s.esp.fat.empty() ? "" : ", " + s.esp.fat) +
                        (s.esp.mounted_at.empty() ? ", not mounted" : ", mounted at " + s.esp.mounted_at);
        if (s.esp.content_read) t += s.esp.fallback.empty() ? ", no fallback loader" : ", fallback " + s.esp.fallback;
        if (s.esp.count > 1) t += " (" + std::to_string(s.esp.count) + " ESPs, see bootsmith disk esp)";
        row(s.esp.mount_point.empty() ? "ESP:          " : "  partition:  ", t);
    } else if (s.esp.mount_point.empty()) {
        row("ESP:          ", "none found");
    }
    for (const auto& d : s.disks)
        row("Boot code:    ", d.device + ": " + d.summary);
    auto choice_text = [](const Status::GrubChoice& c) {
        return "\"" + printable(c.value) + "\"" +
               (c.title ? " = " + printable(*c.title) : std::string(" (matches no entry)"));
    };
    if (s.grub.effective)
        row("GRUB default: ", choice_text(*s.grub.effective) + "   [" + s.grub.effective_source + "]");
    if (s.grub.saved_entry) row("  saved:      ", choice_text(*s.grub.saved_entry));
    if (s.grub.next_entry) row("  next:       ", choice_text(*s.grub.next_entry) + " (once)");
    row("Kernels:      ", std::to_string(s.kernels.size()) + (s.kernels.empty() ? "" : ": " + join(s.kernels, " ")));
    auto kernel_text = [](const Status::KernelChoice& c) {
        return (c.version ? printable(*c.version) : printable(c.linux)) + "   (" + c.index + ": " + printable(c.title) +
               ")";
    };
    if (s.kernel.default_entry) row("  default:    ", kernel_text(*s.kernel.default_entry));
    if (s.kernel.booted_entry)
        row("  booted:     ", kernel_text(*s.kernel.booted_entry));
    else if (s.kernel.booted_kernel)
        row("  booted:     ", printable(*s.kernel.booted_kernel) + "   (no menu entry)");
    if (s.kernel.next_entry) row("  next:       ", kernel_text(*s.kernel.next_entry) + " (once)");
    for (const auto& p : s.problems)
        row("Problem:      ", p);
    return o.str();
}

} // namespace bootsmith::status
