// The kernels of a root and the entries that boot them (see inventory.hpp).
#include "bootsmith/kernel/inventory.hpp"

#include "bootsmith/disk/mounts.hpp"
#include "bootsmith/error.hpp"
#include "bootsmith/text.hpp"

#include <fnmatch.h>

#include <algorithm>
#include <cstdlib>
#include <functional>
#include <map>
#include <unordered_map>
#include <set>
#include <sstream>

namespace bootsmith::kernel {

namespace {

bool ends_with(std::string_view s, std::string_view suffix) {
    return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

std::string_view basename_of(std::string_view path) {
    auto slash = path.rfind('/');
    return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

/// "(hd0,gpt2)/vmlinuz-x" → "/vmlinuz-x": GRUB's device prefix is not part of the path.
std::string_view without_device(std::string_view path) {
    if (!path.empty() && path.front() == '(') {
        auto close = path.find(')');
        if (close != std::string_view::npos) path.remove_prefix(close + 1);
    }
    return path;
}

std::string strip_device(std::string_view path) {
    return std::string(without_device(path));
}

/// The version in a kernel file name: vmlinuz-<v>, vmlinux-<v>, kernel-<v>; nullopt otherwise.
std::optional<std::string> version_of_kernel(std::string_view path) {
    const std::string_view base = basename_of(path);
    for (std::string_view p : {"vmlinuz-", "vmlinux-", "kernel-"})
        if (base.size() > p.size() && base.starts_with(p)) return std::string(base.substr(p.size()));
    return std::nullopt;
}

/// Names grub-mkconfig skips when it globs /boot for kernels (grub.md §4.5).
bool skipped_kernel_name(std::string_view name) {
    return name.find(".dpkg-") != std::string_view::npos || ends_with(name, ".rpmsave") || ends_with(name, ".rpmnew") ||
           ends_with(name, ".sig") || ends_with(name, ".hmac") || ends_with(name, ".efi.signed");
}

/// $name and ${name} replaced by their grubenv value (unset: nothing), as blscfg expands
/// `options` at boot; blanks collapsed to one space.
/// The words of `s` (split at blanks), without copies.
/// Calls f(word) for each blank-separated word of `s` (no list is built: this runs for every
/// entry's arguments).
template <typename F> void for_each_word(std::string_view s, F&& f) {
    std::size_t i = 0;
    while (i < s.size()) {
        while (i < s.size() && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n'))
            ++i;
        std::size_t b = i;
        while (i < s.size() && s[i] != ' ' && s[i] != '\t' && s[i] != '\n')
            ++i;
        if (i > b) f(s.substr(b, i - b));
    }
}

/// The words of `s` joined by single spaces.
std::string collapse_blanks(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for_each_word(s, [&](std::string_view w) { (out += out.empty() ? "" : " ") += w; });
    return out;
}

std::string expand_vars(std::string_view s, const std::optional<grub::EnvBlock>& env) {
    if (s.find('$') == std::string_view::npos) return collapse_blanks(s); // nothing to expand
    std::string out;
    for (std::size_t i = 0; i < s.size();) {
        if (s[i] == '$' && i + 1 < s.size()) {
            std::size_t b = i + 1, e;
            bool braced = s[b] == '{';
            if (braced) {
                e = s.find('}', b);
                if (e == std::string_view::npos) {
                    out += s.substr(i);
                    break;
                }
                std::string name(s.substr(b + 1, e - b - 1));
                if (env)
                    if (auto v = env->get(name)) out += *v;
                i = e + 1;
                continue;
            }
            e = b;
            while (e < s.size() && (std::isalnum(static_cast<unsigned char>(s[e])) || s[e] == '_'))
                ++e;
            if (e > b) {
                if (env)
                    if (auto v = env->get(std::string(s.substr(b, e - b)))) out += *v;
                i = e;
                continue;
            }
        }
        out += s[i++];
    }
    return collapse_blanks(out);
}

bool is_recovery(const std::string& title, const std::string& args, const std::optional<std::string>& version) {
    if (title.find("recovery mode") != std::string::npos || title.find("rescue") != std::string::npos ||
        title.find("Rescue") != std::string::npos)
        return true;
    if (version && version->starts_with("0-rescue")) return true;
    bool rescue = false;
    for_each_word(args, [&](std::string_view w) {
        rescue = rescue || w == "single" || w == "recovery" || w == "systemd.unit=rescue.target" || w == "emergency";
    });
    return rescue;
}

/// Part of reading that may fail without stopping the rest.
template <typename F> void survey(Inventory& inv, F&& f) {
    try {
        f();
    } catch (const Error& e) {
        inv.problems.emplace_back(e.what());
    }
}

/// Existence checks answered from one listing per directory: 500 kernels and entries must
/// not cost thousands of path walks. Symlinks and odd names go to the Root as usual.
class FileIndex {
public:
    /// Hashes std::string and std::string_view alike, so that lookups need no copy.
    struct Hash {
        using is_transparent = void;
        std::size_t operator()(std::string_view s) const { return std::hash<std::string_view> {}(s); }
    };
    using Names = std::unordered_map<std::string, sys::FileInfo::Type, Hash, std::equal_to<>>;

    explicit FileIndex(const sys::Root& root) : root_(root) {}
    bool is_file(std::string_view path) { return check(path, sys::FileInfo::Type::regular); }
    bool is_dir(std::string_view path) { return check(path, sys::FileInfo::Type::directory); }
    /// The names in `dir` (a normalised system path), listed once.
    const Names& names(std::string_view dir) {
        auto at = dirs_.find(dir);
        if (at == dirs_.end()) {
            auto listing = root_.list(dir, false);
            Names found;
            found.reserve(listing.size());
            for (auto& e : listing)
                found.emplace(std::move(e.name), e.type);
            at = dirs_.emplace(std::string(dir), std::move(found)).first;
        }
        return at->second;
    }

private:
    bool check(std::string_view path, sys::FileInfo::Type want) {
        std::string storage;
        std::string_view p = path;
        // Already normal (the common case) needs no copy; ".." is judged below.
        if (!sys::is_normal(p)) {
            storage = sys::normalise(path);
            p = storage;
        }
        auto slash = p.rfind('/');
        std::string_view dir = slash == 0 ? std::string_view("/") : p.substr(0, slash), name = p.substr(slash + 1);
        auto slow = [&] {
            std::string full(p);
            return want == sys::FileInfo::Type::regular ? root_.is_file(full) : root_.is_dir(full);
        };
        if (name.empty() || p.find("/..") != std::string_view::npos) return slow();
        const Names* listing = nullptr;
        try {
            listing = &names(dir);
        } catch (const Error&) {
            return slow();
        }
        auto it = listing->find(name);
        if (it == listing->end()) return false;
        if (it->second == sys::FileInfo::Type::symlink || it->second == sys::FileInfo::Type::other) return slow();
        return it->second == want;
    }

    const sys::Root& root_;
    std::map<std::string, Names, std::less<>> dirs_;
};

/// The initrd of `version` in /boot, by the names the distributions give it (Debian's
/// initramfs-tools, dracut, SUSE, Arch) in this order; `is_file_named(name)` says whether
/// /boot/<name> is a regular file.
template <typename IsFileNamed>
std::optional<std::string> initrd_in_boot(std::string_view version, IsFileNamed&& is_file_named) {
    static constexpr std::pair<std::string_view, std::string_view> kNames[] = {
        {"initrd.img-", ""}, {"initramfs-", ".img"}, {"initrd-", ".img"},
        {"initrd-", ".gz"},  {"initrd-", ""},        {"initramfs-", ""}};
    std::string name;
    for (const auto& [prefix, suffix] : kNames) {
        name.assign(prefix).append(version).append(suffix);
        if (is_file_named(name)) return "/boot/" + name;
    }
    return std::nullopt;
}

/// The BLS entry directory, and its listing (kept: 500 entries are listed once).
std::string find_bls_dir(const sys::Root& root, std::vector<sys::DirEntry>& listing) {
    for (const char* d : {"/boot/loader/entries", "/efi/loader/entries", "/boot/efi/loader/entries"})
        if (root.is_dir(d)) {
            listing = root.list(d);
            for (const auto& e : listing)
                if (ends_with(e.name, ".conf")) return d;
        }
    listing.clear();
    return {};
}

/// The system path of a file named in an entry of a loader that reads the file system at `fs_root`.
std::string in_root(const std::string& fs_root, std::string_view path) {
    path = without_device(path);
    if (path.empty()) return {};
    std::string p; // built once: this runs for every kernel and initrd of every entry
    p.reserve(fs_root.size() + path.size() + 1);
    if (path.front() != '/') p += '/';
    p += path;
    if (!fs_root.empty() && !(p.starts_with(fs_root) && p.size() > fs_root.size() && p[fs_root.size()] == '/'))
        p.insert(0, fs_root);
    if (sys::is_normal(p)) return p; // no second copy
    return sys::normalise(p);
}

void read_kernels(Inventory& inv, const sys::Root& root, FileIndex& files) {
    if (!root.is_dir("/boot")) return;
    // Early microcode images, in the order grub-mkconfig puts them before the initrd.
    for (const char* name :
         {"intel-uc.img", "intel-ucode.img", "amd-uc.img", "amd-ucode.img", "early_ucode.cpio", "microcode.cpio"})
        if (files.is_file(std::string("/boot/") + name)) inv.microcode.push_back(std::string("/boot/") + name);
    const FileIndex::Names& boot = files.names("/boot");
    std::string scratch;
    for (const auto& [name, type] : boot) {
        auto v = version_of_kernel(name);
        if (!v || skipped_kernel_name(name)) continue;
        std::string path = "/boot/" + name;
        if (!files.is_file(path)) continue;
        Kernel k;
        k.path = std::move(path);
        k.initrd = initrd_in_boot(*v, [&](const std::string& n) {
            auto it = boot.find(n);
            if (it == boot.end()) return false;
            if (it->second == sys::FileInfo::Type::regular) return true;
            return it->second != sys::FileInfo::Type::directory && files.is_file("/boot/" + n); // a symlink
        });
        // The paths looked for are built in one buffer: most are not there (no copy for them).
        if (files.is_file(scratch.assign("/boot/config-").append(*v))) k.config = scratch;
        for (const char* m : {"/lib/modules/", "/usr/lib/modules/"})
            if (files.is_dir(scratch.assign(m).append(*v))) {
                k.modules = scratch;
                break;
            }
        k.rescue = v->starts_with("0-rescue");
        k.version = std::move(*v);
        inv.kernels.push_back(std::move(k));
    }
}

/// One BLS entry file as read: its entry and sort key (none when unreadable), and what is
/// wrong with it.
struct LoadedEntry {
    std::optional<Entry> entry;
    std::optional<BlsSortKey> key;
    std::vector<std::string> problems;
};

LoadedEntry load_bls_entry(const Inventory& inv, const sys::Root& root, FileIndex& files, bool grub_loader,
                           bool diagnostics, bool entry_keys, const std::string& fs_root,
                           const std::string& file_name) {
    LoadedEntry out;
    auto name = parse_bls_name(file_name);
    std::string path;
    path.reserve(inv.bls_dir.size() + 1 + file_name.size());
    path.append(inv.bls_dir).append(1, '/').append(file_name);
    if (!name) {
        out.problems.push_back(root.display(path) + ": not a valid BLS entry file name; loaders may skip it");
        return out;
    }
    std::optional<std::string> text;
    try {
        text = root.read(path, 1u << 20);
    } catch (const Error& e) {
        out.problems.emplace_back(e.what());
        return out;
    }
    if (!text) return out;
    BlsEntry b = BlsEntry::parse(*text);
    if (diagnostics)
        for (const auto& diag : b.diagnostics())
            out.problems.push_back(root.display(path) + ": " + diag);
    Entry e;
    e.id = name->id;
    e.counter = name->counter;
    const auto version = b.find("version");
    e.title = b.find("title").value_or(name->id);
    if (auto l = b.find("linux"); l || (l = b.find("efi")) || (l = b.find("uki"))) e.linux = *l;
    if (version)
        e.version.emplace(*version);
    else
        e.version = version_of_kernel(e.linux);
    if (!e.linux.empty()) {
        e.kernel = in_root(fs_root, e.linux);
        e.kernel_exists = files.is_file(*e.kernel);
    }
    e.initrds = b.initrds();
    e.initrd_exists = !e.initrds.empty();
    for (const auto& i : e.initrds)
        if (i.find('$') == std::string::npos && !files.is_file(in_root(fs_root, i))) e.initrd_exists = false;
    e.options = grub_loader ? b.options_grub() : b.options();
    e.args = grub_loader ? expand_vars(e.options, inv.env) : e.options;
    e.recovery = is_recovery(e.title, e.args, e.version);
    out.key = BlsSortKey {std::move(*name), std::string(b.find("sort-key").value_or("")),
                          std::string(b.find("machine-id").value_or("")), std::string(version.value_or(""))};
    if (entry_keys) {
        std::vector<BlsEntry::Line> lines = std::move(b).release_lines(); // b is done with: its strings move
        e.keys.reserve(lines.size());
        for (auto& l : lines)
            if (!l.key.empty() && !l.comment) e.keys.emplace_back(std::move(l.key), std::move(l.value));
    }
    e.file = std::move(path);
    out.entry = std::move(e);
    return out;
}

void read_bls_entries(Inventory& inv, const sys::Root& root, FileIndex& files, bool grub_loader, bool diagnostics,
                      bool entry_keys, const std::vector<sys::DirEntry>& listing) {
    std::string fs_root = inv.bls_dir.starts_with("/boot/efi/") ? "/boot/efi"
                          : inv.bls_dir.starts_with("/efi/")    ? "/efi"
                                                                : inv.boot_prefix;
    std::vector<const std::string*> names;
    for (const auto& d : listing)
        if (ends_with(d.name, ".conf")) names.push_back(&d.name);
    // Reading in two threads was tried: no gain on two cores, and slower when the other
    // core is busy.
    std::vector<Entry> found; // in listing order, then put in menu order where they are
    std::vector<BlsSortKey> keys;
    found.reserve(names.size());
    keys.reserve(names.size());
    for (const std::string* name : names) {
        LoadedEntry l = load_bls_entry(inv, root, files, grub_loader, diagnostics, entry_keys, fs_root, *name);
        for (auto& p : l.problems)
            inv.problems.push_back(std::move(p));
        if (!l.entry) continue;
        keys.push_back(std::move(*l.key));
        found.push_back(std::move(*l.entry));
    }
    auto order = bls_order(keys, grub_loader ? BlsOrder::blscfg : BlsOrder::uapi);
    if (order.size() == found.size() && inv.entries.empty()) {
        // Every entry stays (the usual case): permute in place, cycle by cycle, instead of
        // moving 500 entries into a second vector (fewer pages touched, fewer faults).
        std::vector<bool> placed(order.size());
        for (std::size_t start = 0; start < order.size(); ++start) {
            if (placed[start]) continue;
            Entry held = std::move(found[start]);
            std::size_t at = start;
            while (order[at] != start) {
                found[at] = std::move(found[order[at]]);
                placed[at] = true;
                at = order[at];
            }
            found[at] = std::move(held);
            placed[at] = true;
        }
        for (std::size_t pos = 0; pos < found.size(); ++pos)
            found[pos].index = std::to_string(pos);
        inv.entries = std::move(found);
        return;
    }
    inv.entries.reserve(inv.entries.size() + order.size());
    for (std::size_t pos = 0; pos < order.size(); ++pos) {
        found[order[pos]].index = std::to_string(pos);
        inv.entries.push_back(std::move(found[order[pos]]));
    }
}

void flatten_menu(Inventory& inv, FileIndex& files, const std::vector<grub::MenuEntry>& entries) {
    for (const auto& m : entries) {
        if (m.submenu) {
            flatten_menu(inv, files, m.children);
            continue;
        }
        if (!m.linux) continue; // chainloader, firmware setup, memtest…
        Entry e;
        e.id = m.id_path;
        e.title = m.title;
        e.index = m.index_path;
        e.linux = *m.linux;
        e.version = version_of_kernel(strip_device(*m.linux));
        e.kernel = in_root(inv.boot_prefix, *m.linux);
        e.kernel_exists = files.is_file(*e.kernel);
        e.initrds = m.initrd;
        e.initrd_exists = !m.initrd.empty();
        for (const auto& i : m.initrd)
            if (!files.is_file(in_root(inv.boot_prefix, i))) e.initrd_exists = false;
        e.options = m.linux_args.value_or("");
        e.args = e.options;
        e.file = inv.grubcfg;
        e.line = m.line;
        e.recovery = is_recovery(e.title, e.args, e.version);
        inv.entries.push_back(std::move(e));
    }
}

/// The entry a saved_entry-style value selects among BLS entries, as blscfg's menu sees
/// it: an id, a title, or an index. nullopt: GRUB falls back to the first entry.
std::optional<std::size_t> resolve_bls(const Inventory& inv, const std::string& value) {
    for (std::size_t i = 0; i < inv.entries.size(); ++i)
        if (inv.entries[i].id == value) return i;
    for (std::size_t i = 0; i < inv.entries.size(); ++i)
        if (inv.entries[i].title == value) return i;
    if (!value.empty() && value.find_first_not_of("0123456789") == std::string::npos) {
        unsigned long n = std::strtoul(value.c_str(), nullptr, 10);
        if (n < inv.entries.size()) return n;
    }
    return std::nullopt;
}

std::optional<std::size_t> entry_at_index_path(const Inventory& inv, const std::string& path) {
    for (std::size_t i = 0; i < inv.entries.size(); ++i)
        if (inv.entries[i].index == path) return i;
    return std::nullopt;
}

void decide_defaults(Inventory& inv, const sys::Root& root) {
    if (inv.env) {
        inv.saved_entry = inv.env->get("saved_entry");
        inv.next_value = inv.env->get("next_entry");
        if (inv.saved_entry && inv.saved_entry->empty()) inv.saved_entry.reset();
        if (inv.next_value && inv.next_value->empty()) inv.next_value.reset();
    }
    if (inv.entries.empty()) return;
    if (inv.family == Family::bls && !inv.menu) {
        // systemd-boot: loader.conf's `default` glob (EFI variables are not consulted here).
        inv.default_source = "first entry";
        inv.default_entry = 0;
        for (const char* conf :
             {"/efi/loader/loader.conf", "/boot/efi/loader/loader.conf", "/boot/loader/loader.conf"}) {
            auto text = root.read(conf, 1u << 16);
            if (!text) continue;
            std::istringstream in(*text);
            for (std::string line; std::getline(in, line);) {
                std::istringstream words(line);
                std::string key, pattern;
                words >> key >> pattern;
                if (key != "default" || pattern.empty()) continue;
                for (std::size_t i = 0; i < inv.entries.size(); ++i)
                    if (fnmatch(pattern.c_str(), (inv.entries[i].id + ".conf").c_str(), 0) == 0 ||
                        fnmatch(pattern.c_str(), inv.entries[i].id.c_str(), 0) == 0) {
                        inv.default_entry = i;
                        inv.default_source = std::string("loader.conf default ") + pattern;
                        break;
                    }
            }
        }
        return;
    }
    auto choice = grub::effective_default(*inv.menu, inv.saved_entry, inv.next_value);
    inv.default_source = choice.source;
    if (inv.family == Family::bls) {
        auto hit = choice.value ? resolve_bls(inv, *choice.value) : std::optional<std::size_t>(0);
        inv.default_entry = hit.value_or(0);
        if (!hit) inv.default_source += " (matches nothing: the first entry)";
        if (inv.next_value) inv.next_entry = resolve_bls(inv, *inv.next_value);
        return;
    }
    if (choice.selection.entry != nullptr) {
        inv.default_entry = entry_at_index_path(inv, choice.selection.index_path);
        if (choice.selection.fell_back) inv.default_source += " (matches nothing: the first entry)";
    }
    if (inv.next_value) {
        auto sel = grub::resolve_default(*inv.menu, *inv.next_value);
        if (sel.entry != nullptr && !sel.fell_back) inv.next_entry = entry_at_index_path(inv, sel.index_path);
    }
}

void find_booted(Inventory& inv, const sys::Root& root) {
    auto text = root.read("/proc/cmdline", 1u << 16);
    if (!text) return;
    inv.cmdline = *text;
    while (!inv.cmdline.empty() && (inv.cmdline.back() == '\n' || inv.cmdline.back() == ' '))
        inv.cmdline.pop_back();
    std::vector<std::string> words;
    std::istringstream in(inv.cmdline);
    for (std::string w; in >> w;)
        words.push_back(w);
    std::multiset<std::string> args;
    for (const auto& w : words) {
        if (w.starts_with("BOOT_IMAGE="))
            inv.booted_kernel = in_root(inv.boot_prefix, w.substr(11));
        else if (!w.starts_with("initrd="))
            args.insert(w);
    }
    if (!inv.booted_kernel) return;
    std::optional<std::size_t> first;
    for (std::size_t i = 0; i < inv.entries.size(); ++i) {
        const Entry& e = inv.entries[i];
        if (e.kernel != inv.booted_kernel) continue;
        std::multiset<std::string> mine;
        std::istringstream a(e.args);
        for (std::string w; a >> w;)
            mine.insert(w);
        if (mine == args) {
            inv.booted_entry = i;
            return;
        }
        if (!first && !e.recovery) first = i;
    }
    inv.booted_entry = first;
}

bool debian_like(const sys::Root& root) {
    std::string id = os_release_value(root, "ID"), like = os_release_value(root, "ID_LIKE");
    if (id != "debian" && id != "ubuntu" && like.find("debian") == std::string::npos) return false;
    // grub-mkconfig switched to upstream's sort -V in GRUB 2.12 (Debian 13, Ubuntu 24.04).
    std::string v = os_release_value(root, "VERSION_ID");
    double n = std::atof(v.c_str());
    return id == "ubuntu" ? n < 24.0 : (n == 0 || n < 13);
}

bool rhel_like(const sys::Root& root) {
    std::string id = os_release_value(root, "ID"), like = os_release_value(root, "ID_LIKE");
    for (const char* n : {"rhel", "fedora", "centos"})
        if (id == n || like.find(n) != std::string::npos) return true;
    return false;
}

} // namespace

const char* family_name(Family f) {
    switch (f) {
    case Family::bls: return "bls";
    case Family::grub_generated: return "grub-mkconfig";
    case Family::grub_manual: return "grub.cfg";
    case Family::none: break;
    }
    return "none";
}

std::string os_release_value(const sys::Root& root, std::string_view key) {
    auto text = root.read("/etc/os-release", 1u << 16);
    if (!text) text = root.read("/usr/lib/os-release", 1u << 16);
    if (!text) return {};
    std::istringstream in(*text);
    for (std::string line; std::getline(in, line);) {
        if (line.size() <= key.size() || line.compare(0, key.size(), key) != 0 || line[key.size()] != '=') continue;
        std::string v = line.substr(key.size() + 1);
        if (v.size() >= 2 && (v.front() == '"' || v.front() == '\'') && v.back() == v.front())
            v = v.substr(1, v.size() - 2);
        return v;
    }
    return {};
}

std::optional<std::string> find_initrd(const sys::Root& root, const std::string& version) {
    return initrd_in_boot(version, [&](const std::string& name) { return root.is_file("/boot/" + name); });
}

Inventory read_inventory(const sys::Root& root, const InventoryOptions& options) {
    Inventory inv;
    FileIndex files(root);
    for (const auto& m : disk::read_mounts(root))
        if (m.mount_point == "/boot") inv.boot_prefix = "/boot";
    std::vector<sys::DirEntry> bls_listing;
    survey(inv, [&] { inv.bls_dir = find_bls_dir(root, bls_listing); });
    inv.grubcfg = grub::default_grubcfg_path(root);
    inv.grubenv = grub::default_grubenv_path(root);
    survey(inv, [&] {
        auto f = grub::read_env_file(root, inv.grubenv);
        if (f.bytes) inv.env = std::move(f.block);
    });
    std::string cfg_text;
    if (!inv.grubcfg.empty())
        survey(inv, [&] {
            cfg_text = root.read_required(inv.grubcfg, 16u << 20);
            inv.menu = grub::parse_menu(cfg_text);
        });

    if (!inv.bls_dir.empty()) {
        inv.family = Family::bls;
        bool grub_loader = inv.menu.has_value();
        inv.order = grub_loader ? "GRUB blscfg: file names by rpm version comparison, newest first"
                                : "Boot Loader Specification: sort-key, machine-id, version (systemd-boot)";
        survey(inv, [&] {
            read_bls_entries(inv, root, files, grub_loader, options.entry_diagnostics, options.entry_keys, bls_listing);
        });
    } else if (inv.menu) {
        // Debian and Ubuntu regenerate grub.cfg at every kernel install (zz-update-grub);
        // RHEL/CentOS 7 generate it once and let grubby edit it in place from then on.
        bool generated = cfg_text.find("### BEGIN /etc/grub.d/") != std::string::npos;
        bool regenerated = root.exists("/etc/kernel/postinst.d/zz-update-grub") || debian_like(root);
        inv.family = generated && regenerated ? Family::grub_generated : Family::grub_manual;
        inv.order = "grub.cfg menu order";
        flatten_menu(inv, files, inv.menu->entries);
    }

    survey(inv, [&] { read_kernels(inv, root, files); });
    // The order the system's own tools put kernels in: blscfg and RHEL's grub2-mkconfig
    // (rpm-sort) compare like rpm, Debian 12's grub-mkconfig like dpkg, upstream's sort -V.
    std::function<int(std::string_view, std::string_view)> cmp = upstream_kernel_compare;
    inv.kernel_order = "sort -V (upstream grub-mkconfig)";
    if (inv.family == Family::bls && !inv.menu) {
        cmp = uapi_version_compare;
        inv.kernel_order = "UAPI version comparison (systemd-boot)";
    } else if (inv.family == Family::bls || rhel_like(root)) {
        cmp = rpm_vercmp;
        inv.kernel_order = inv.family == Family::bls ? "rpm version comparison (as GRUB blscfg)"
                                                     : "rpm version comparison (RHEL grub2-mkconfig, rpm-sort)";
    } else if (debian_like(root)) {
        cmp = debian_kernel_compare;
        inv.kernel_order = "dpkg version comparison (Debian 12 grub-mkconfig)";
    }
    // Sorting positions, not the Kernel records: moving those (strings, optionals) costs more
    // than the comparisons on 500 kernels.
    std::vector<std::size_t> pos(inv.kernels.size());
    for (std::size_t i = 0; i < pos.size(); ++i)
        pos[i] = i;
    std::stable_sort(pos.begin(), pos.end(), [&](std::size_t x, std::size_t y) {
        const Kernel &a = inv.kernels[x], &b = inv.kernels[y];
        if (a.rescue != b.rescue) return b.rescue;
        if (int c = cmp(a.version, b.version)) return c > 0;
        return a.path < b.path; // equal versions ("6.01", "6.1"): by name, not by /boot's hash order
    });
    std::vector<Kernel> sorted;
    sorted.reserve(pos.size());
    for (std::size_t i : pos)
        sorted.push_back(std::move(inv.kernels[i]));
    inv.kernels = std::move(sorted);

    survey(inv, [&] { decide_defaults(inv, root); });
    survey(inv, [&] { find_booted(inv, root); });
    return inv;
}

// ---------------------------------------------------------------------------------------
// Selectors

namespace {

/// The newest (0) or second-newest (1) non-rescue kernel's version.
std::optional<std::string> kernel_by_age(const Inventory& inv, std::size_t n) {
    for (const auto& k : inv.kernels) {
        if (k.rescue) continue;
        if (n-- == 0) return k.version;
    }
    return std::nullopt;
}

std::vector<std::size_t> entries_of_version(const Inventory& inv, const std::string& version) {
    std::vector<std::size_t> out;
    for (std::size_t i = 0; i < inv.entries.size(); ++i)
        if (inv.entries[i].version == version) out.push_back(i);
    return out;
}

} // namespace

std::vector<std::size_t> select(const Inventory& inv, const std::string& sel) {
    std::vector<std::size_t> out;
    auto where = [&](const std::function<bool(const Entry&)>& pred) {
        for (std::size_t i = 0; i < inv.entries.size(); ++i)
            if (pred(inv.entries[i])) out.push_back(i);
        return !out.empty();
    };
    if (sel == "booted") {
        if (inv.booted_entry) return {*inv.booted_entry};
        throw Error(Exit::no_input,
                    inv.booted_kernel
                        ? "the booted kernel " + *inv.booted_kernel + " has no entry in the menu"
                        : std::string("cannot tell which kernel is booted: no BOOT_IMAGE= in /proc/cmdline"),
                    "see 'bootsmith kernel list'");
    }
    if (sel == "newest" || sel == "previous") {
        auto v = kernel_by_age(inv, sel == "newest" ? 0 : 1);
        if (!v) throw Error(Exit::no_input, "there is no " + sel + " kernel in /boot", "see 'bootsmith kernel list'");
        out = entries_of_version(inv, *v);
        if (out.empty())
            throw Error(Exit::no_input, "the " + sel + " kernel " + *v + " has no entry in the menu",
                        "add one with 'bootsmith kernel add'");
        return out;
    }
    if (where([&](const Entry& e) { return e.index == sel; })) return out;
    if (where([&](const Entry& e) { return e.version == sel; })) return out;
    if (!sel.empty() && sel.front() == '/') {
        std::string p = sys::normalise(sel);
        if (where([&](const Entry& e) { return e.kernel == p || strip_device(e.linux) == sel; })) return out;
    }
    if (where([&](const Entry& e) { return e.id == sel || e.id + ".conf" == sel; })) return out;
    // A GRUB id without its submenu part ("gnulinux-6.1.0-13-amd64-advanced-…").
    if (where([&](const Entry& e) { return ends_with(e.id, ">" + sel); })) return out;
    if (where([&](const Entry& e) { return e.title == sel; })) return out;
    throw Error(
        Exit::usage, "'" + printable(sel) + "' matches no kernel entry",
        "give a version, kernel path, index, title or id from 'bootsmith kernel list', or booted/newest/previous");
}

std::size_t select_one(const Inventory& inv, const std::string& sel) {
    auto hits = select(inv, sel);
    std::set<std::string> kernels;
    for (auto i : hits)
        kernels.insert(inv.entries[i].kernel.value_or(inv.entries[i].linux));
    if (kernels.size() > 1)
        throw Error(Exit::usage,
                    "'" + printable(sel) + "' matches entries of " + std::to_string(kernels.size()) +
                        " different kernels",
                    "give an index or id from 'bootsmith kernel list'");
    auto score = [&](std::size_t i) {
        const Entry& e = inv.entries[i];
        int s = 0;
        if (!e.recovery) s += 2;
        if (e.version && e.id.find(*e.version) != std::string::npos) s += 1;
        return s;
    };
    std::size_t best = hits.front();
    for (auto i : hits)
        if (score(i) > score(best)) best = i;
    return best;
}

std::string saved_value(const Inventory& inv, std::size_t i) {
    const Entry& e = inv.entries.at(i);
    if (inv.family == Family::bls || !inv.menu) return e.id;
    // The id path, unless another entry shares an id (grubby copies the template's --id):
    // then the titles, then the index path — the first that GRUB resolves to this entry.
    std::vector<std::string> candidates = {e.id};
    std::string titles;
    const std::vector<grub::MenuEntry>* level = &inv.menu->entries;
    std::istringstream parts(e.index);
    for (std::string part; std::getline(parts, part, '>');) {
        std::size_t n = std::strtoul(part.c_str(), nullptr, 10);
        if (level == nullptr || n >= level->size()) break;
        const auto& m = (*level)[n];
        std::string t;
        for (char c : m.title)
            t += c == '>' ? std::string(">>") : std::string(1, c);
        titles += (titles.empty() ? "" : ">") + t;
        level = &m.children;
    }
    candidates.push_back(titles);
    for (const auto& c : candidates) {
        auto sel = grub::resolve_default(*inv.menu, c);
        if (sel.entry != nullptr && !sel.fell_back && sel.index_path == e.index) return c;
    }
    return e.index;
}

} // namespace bootsmith::kernel

// ---------------------------------------------------------------------------------------
// Exact grub.cfg edits

namespace bootsmith::kernel {

namespace {

/// The file as lines with their positions; the last line may lack '\n'.
struct Lines {
    std::vector<std::string> text;
    bool final_newline = true;
    explicit Lines(const std::string& s) {
        std::size_t pos = 0;
        while (pos < s.size()) {
            std::size_t nl = s.find('\n', pos);
            if (nl == std::string::npos) {
                text.push_back(s.substr(pos));
                final_newline = false;
                break;
            }
            text.push_back(s.substr(pos, nl - pos));
            pos = nl + 1;
        }
    }
    std::string join() const {
        std::string out;
        for (std::size_t i = 0; i < text.size(); ++i) {
            out += text[i];
            if (i + 1 < text.size() || final_newline) out += '\n';
        }
        return out;
    }
};

std::string trimmed(const std::string& l) {
    std::size_t b = l.find_first_not_of(" \t");
    if (b == std::string::npos) return {};
    std::size_t e = l.find_last_not_of(" \t");
    return l.substr(b, e - b + 1);
}

std::string indent_of(const std::string& l) {
    return l.substr(0, l.find_first_not_of(" \t") == std::string::npos ? l.size() : l.find_first_not_of(" \t"));
}

bool opens_entry(const std::string& l) {
    std::string t = trimmed(l);
    return t.starts_with("menuentry ") || t.starts_with("menuentry\t") || t.starts_with("submenu ") ||
           t.starts_with("submenu\t");
}

/// Index (0-based) of the line closing the entry that opens at `first`: the first later
/// line that is "}" at the entry's indentation, or a brace balance back to zero.
std::size_t entry_end(const Lines& ls, std::size_t first, const std::string& display) {
    if (first >= ls.text.size() || !opens_entry(ls.text[first]))
        throw Error(Exit::data, display + ":" + std::to_string(first + 1) + ": not the start of a menu entry");
    int depth = 0;
    bool opened = false;
    for (std::size_t i = first; i < ls.text.size(); ++i) {
        bool single = false, dbl = false;
        for (std::size_t k = 0; k < ls.text[i].size(); ++k) {
            char c = ls.text[i][k];
            if (c == '\\' && !single) {
                ++k;
            } else if (c == '\'' && !dbl) {
                single = !single;
            } else if (c == '"' && !single) {
                dbl = !dbl;
            } else if (!single && !dbl && c == '#' &&
                       (k == 0 || ls.text[i][k - 1] == ' ' || ls.text[i][k - 1] == '\t')) {
                break;
            } else if (!single && !dbl && c == '{') {
                ++depth;
                opened = true;
            } else if (!single && !dbl && c == '}') {
                --depth;
            }
        }
        if (opened && depth <= 0) return i;
    }
    throw Error(Exit::data, display + ":" + std::to_string(first + 1) + ": the menu entry is never closed");
}

} // namespace

std::string grub_quote(std::string_view s) {
    std::string out = "'";
    for (char c : s) {
        if (c == '\'')
            out += "'\\''";
        else
            out += c;
    }
    return out + "'";
}

std::string grubcfg_read_saved_entry(const std::string& cfg) {
    Lines ls(cfg);
    int depth = 0;
    for (auto& l : ls.text) {
        std::string t = trimmed(l);
        if (opens_entry(l)) ++depth;
        if (depth == 0 && t.starts_with("set default=") && t.find('$') == std::string::npos)
            l = indent_of(l) + "set default=\"${saved_entry}\"";
        if (depth > 0 && t == "}") --depth;
    }
    return ls.join();
}

std::string grubcfg_edit_args(const std::string& cfg, std::size_t line,
                              const std::function<std::string(const std::string&)>& edit, const std::string& display) {
    Lines ls(cfg);
    std::size_t first = line == 0 ? ls.text.size() : line - 1;
    std::size_t end = entry_end(ls, first, display);
    for (std::size_t i = first + 1; i < end; ++i) {
        std::string& l = ls.text[i];
        std::size_t b = l.find_first_not_of(" \t");
        if (b == std::string::npos) continue;
        std::size_t cmd_end = l.find_first_of(" \t", b);
        std::string cmd = l.substr(b, cmd_end == std::string::npos ? std::string::npos : cmd_end - b);
        if (cmd != "linux" && cmd != "linuxefi" && cmd != "linux16") continue;
        std::size_t path_b = cmd_end == std::string::npos ? std::string::npos : l.find_first_not_of(" \t", cmd_end);
        if (path_b == std::string::npos) break;
        std::size_t path_e = l.find_first_of(" \t", path_b);
        if (path_e == std::string::npos) path_e = l.size();
        std::size_t args_b = l.find_first_not_of(" \t", path_e);
        std::string lead = l.substr(path_e, (args_b == std::string::npos ? l.size() : args_b) - path_e);
        std::string args = args_b == std::string::npos ? std::string() : l.substr(args_b);
        std::string edited = edit(args);
        l = l.substr(0, path_e) + (edited.empty() ? std::string() : (lead.empty() ? std::string(" ") : lead) + edited);
        return ls.join();
    }
    throw Error(Exit::data, display + ":" + std::to_string(line) + ": no linux line in this menu entry");
}

std::string grubcfg_remove_entries(const std::string& cfg, const std::vector<std::size_t>& lines,
                                   const std::string& display) {
    Lines ls(cfg);
    std::vector<std::pair<std::size_t, std::size_t>> spans;
    for (auto line : lines) {
        std::size_t first = line == 0 ? ls.text.size() : line - 1;
        spans.emplace_back(first, entry_end(ls, first, display));
    }
    std::sort(spans.rbegin(), spans.rend());
    for (const auto& [b, e] : spans)
        ls.text.erase(ls.text.begin() + static_cast<std::ptrdiff_t>(b),
                      ls.text.begin() + static_cast<std::ptrdiff_t>(e) + 1);
    return ls.join();
}

std::vector<std::string> grubcfg_entry_body(const std::string& cfg, std::size_t line, const std::string& display) {
    Lines ls(cfg);
    std::size_t first = line == 0 ? ls.text.size() : line - 1;
    std::size_t end = entry_end(ls, first, display);
    return {ls.text.begin() + static_cast<std::ptrdiff_t>(first) + 1,
            ls.text.begin() + static_cast<std::ptrdiff_t>(end)};
}

std::string grubcfg_entry_text(const NewMenuEntry& e) {
    std::string out = "menuentry " + grub_quote(e.title) + " " + e.id_option + " " + grub_quote(e.id) + " {\n";
    for (const auto& s : e.setup)
        out += s + "\n";
    out += "\t" + e.linux_cmd + "\t" + e.kernel + (e.args.empty() ? "" : " " + e.args) + "\n";
    if (!e.initrds.empty()) {
        out += "\t" + e.initrd_cmd + "\t";
        for (std::size_t i = 0; i < e.initrds.size(); ++i)
            out += (i ? " " : "") + e.initrds[i];
        out += "\n";
    }
    return out + "}\n";
}

std::string grubcfg_insert_first(const std::string& cfg, const std::string& entry_text) {
    Lines ls(cfg);
    for (std::size_t i = 0; i < ls.text.size(); ++i)
        if (opens_entry(ls.text[i]) && indent_of(ls.text[i]).empty()) {
            std::string before;
            for (std::size_t k = 0; k < i; ++k)
                before += ls.text[k] + "\n";
            std::size_t at = before.size();
            return cfg.substr(0, at) + entry_text + cfg.substr(at);
        }
    std::string out = cfg;
    if (!out.empty() && out.back() != '\n') out += '\n';
    return out + entry_text;
}

} // namespace bootsmith::kernel
