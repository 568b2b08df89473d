// bootsmith kernel …: the installed kernels and the entries that boot them, the default and
// one-shot kernel, and kernel arguments — the same commands on BLS systems (Fedora/RHEL)
// and grub.cfg systems (Debian's generated file, or one kept by hand).
#include "app.hpp"
#include "grub_shared.hpp"

#include "bootsmith/error.hpp"
#include "bootsmith/grub/default_grub.hpp"
#include "bootsmith/kernel/inventory.hpp"
#include "bootsmith/text.hpp"

#include <algorithm>
#include <iterator>
#include <map>
#include <set>
#include <ostream>
#include <sstream>
#include <string_view>
#include <unordered_set>

namespace bootsmith::cli {

namespace {

using kernel::Entry;
using kernel::Family;
using kernel::Inventory;

// ---------------------------------------------------------------------------------------
// Listing

Json opt_index(const std::optional<std::size_t>& i) {
    return i ? Json(*i) : Json(nullptr);
}

/// A JSON object filled field by field: nlohmann's initializer lists copy every value, and
/// its insert searches the keys already there; here the keys are distinct by construction.
/// (500 entries of 20 fields each: a third of `kernel list --json` went into that.)
class ObjectBuilder {
public:
    explicit ObjectBuilder(std::size_t fields) : j_(Json::value_t::object) {
        j_.get_ref<Json::object_t&>().reserve(fields);
    }
    ObjectBuilder& add(const char* key, Json value) {
        j_.get_ref<Json::object_t&>().emplace_back(key, std::move(value));
        return *this;
    }
    Json take() { return std::move(j_); }

private:
    Json j_;
};

Json entry_json(const Inventory& inv, std::size_t i) {
    const Entry& e = inv.entries[i];
    ObjectBuilder j(20);
    j.add("position", i)
        .add("index", e.index)
        .add("id", e.id)
        .add("title", e.title)
        .add("version", e.version ? Json(*e.version) : Json(nullptr))
        .add("linux", e.linux)
        .add("kernel", e.kernel ? Json(*e.kernel) : Json(nullptr))
        .add("kernel_exists", e.kernel_exists)
        .add("initrd", e.initrds)
        .add("initrd_exists", e.initrd_exists)
        .add("options", e.options)
        .add("args", e.args)
        .add("file", e.file)
        .add("line", e.line == 0 ? Json(nullptr) : Json(e.line))
        .add("recovery", e.recovery)
        .add("default", inv.default_entry == i)
        .add("next", inv.next_entry == i)
        .add("booted", inv.booted_entry == i);
    if (e.counter)
        j.add("boot_counter", ObjectBuilder(3)
                                  .add("left", e.counter->left)
                                  .add("done", e.counter->done ? Json(*e.counter->done) : Json(nullptr))
                                  .add("bad", e.counter->left == 0)
                                  .take());
    else
        j.add("boot_counter", nullptr);
    Json keys = Json::array();
    keys.get_ref<Json::array_t&>().reserve(e.keys.size());
    for (const auto& [k, v] : e.keys)
        keys.push_back(ObjectBuilder(2).add("key", k).add("value", v).take());
    j.add("keys", std::move(keys));
    return j.take();
}

Json inventory_json(const Inventory& inv) {
    Json entries = Json::array();
    for (std::size_t i = 0; i < inv.entries.size(); ++i)
        entries.push_back(entry_json(inv, i));
    std::map<std::string, std::vector<std::size_t>> by_kernel; // kernel path → entry positions
    for (std::size_t i = 0; i < inv.entries.size(); ++i)
        if (inv.entries[i].kernel) by_kernel[*inv.entries[i].kernel].push_back(i);
    Json kernels = Json::array();
    for (const auto& k : inv.kernels) {
        Json used = Json::array();
        if (auto it = by_kernel.find(k.path); it != by_kernel.end())
            for (auto i : it->second)
                used.push_back(i);
        kernels.push_back({{"version", k.version},
                           {"path", k.path},
                           {"initrd", k.initrd ? Json(*k.initrd) : Json(nullptr)},
                           {"config", k.config ? Json(*k.config) : Json(nullptr)},
                           {"modules", k.modules ? Json(*k.modules) : Json(nullptr)},
                           {"rescue", k.rescue},
                           {"booted", inv.booted_kernel == k.path},
                           {"entries", used}});
    }
    Json out = {
        {"schema", "bootsmith.kernel-list/1"},
        {"family", kernel::family_name(inv.family)},
        {"order", inv.order},
        {"kernel_order", inv.kernel_order},
        {"boot_prefix", inv.boot_prefix},
        {"bls_dir", inv.bls_dir.empty() ? Json(nullptr) : Json(inv.bls_dir)},
        {"grubcfg", inv.grubcfg.empty() ? Json(nullptr) : Json(inv.grubcfg)},
        {"grubenv", inv.grubenv.empty() ? Json(nullptr) : Json(inv.grubenv)},
        {"default", {{"position", opt_index(inv.default_entry)}, {"source", inv.default_source}}},
        {"saved_entry", inv.saved_entry ? Json(*inv.saved_entry) : Json(nullptr)},
        {"next",
         {{"position", opt_index(inv.next_entry)}, {"value", inv.next_value ? Json(*inv.next_value) : Json(nullptr)}}},
        {"booted",
         {{"position", opt_index(inv.booted_entry)},
          {"kernel", inv.booted_kernel ? Json(*inv.booted_kernel) : Json(nullptr)},
          {"cmdline", inv.cmdline}}},
    };
    // (Moved in, not listed above: an initializer list copies its elements, and 500 entries
    // copied are a fifth of the command.)
    out.emplace("entries", std::move(entries));
    out.emplace("kernels", std::move(kernels));
    out.emplace("microcode", inv.microcode);
    out.emplace("problems", inv.problems);
    return out;
}

std::string marks(const Inventory& inv, std::size_t i) {
    std::string m;
    if (inv.default_entry == i) m += " [default]";
    if (inv.next_entry == i) m += " [next]";
    if (inv.booted_entry == i) m += " [booted]";
    return m;
}

std::string menu_description(const Inventory& inv, const sys::Root& root) {
    switch (inv.family) {
    case Family::bls: return "BLS entries in " + root.display(inv.bls_dir) + "; order: " + inv.order;
    case Family::grub_generated: return root.display(inv.grubcfg) + " (generated by grub-mkconfig); " + inv.order;
    case Family::grub_manual: return root.display(inv.grubcfg) + " (kept by hand or by grubby); " + inv.order;
    case Family::none: break;
    }
    return "no boot menu found (no BLS entries, no grub.cfg)";
}

int list_run(Context& ctx, const po::variables_map&) {
    const sys::Root& root = ctx.system().root();
    Inventory inv = kernel::read_inventory(root, {.entry_keys = ctx.globals().json});
    if (ctx.globals().json) {
        Json j = inventory_json(inv);
        ctx.print_json(j);
        keep_until_exit(std::move(j));
        keep_until_exit(std::move(inv));
        return 0;
    }
    std::ostream& o = ctx.out();
    o << "Menu: " << menu_description(inv, root) << "\n";
    std::string text; // the entries in one piece: 500 of them print in a fraction of a millisecond
    for (std::size_t i = 0; i < inv.entries.size(); ++i) {
        const Entry& e = inv.entries[i];
        text += "  ";
        text += e.index;
        text.append(e.index.size() + 1 < 6 ? 6 - e.index.size() : 1, ' ');
        append_printable(text, e.title);
        text += marks(inv, i);
        text += "\n        id ";
        append_printable(text, e.id);
        text += "\n        kernel ";
        append_printable(text, e.linux);
        text += e.kernel_exists ? "" : "  (missing)";
        text += "   initrd ";
        if (e.initrds.empty())
            text += "none";
        else
            append_printable(text, e.initrds.front());
        text += e.initrds.empty() || e.initrd_exists ? "" : "  (missing)";
        text += "\n        args ";
        append_printable(text, e.args);
        text += "\n";
    }
    o << text;
    o << "Default: "
      << (inv.default_entry
              ? inv.entries[*inv.default_entry].index + "  " + printable(inv.entries[*inv.default_entry].title)
              : std::string("none"))
      << (inv.default_source.empty() ? "" : "   (" + inv.default_source + ")") << "\n";
    if (inv.next_value)
        o << "Next boot: "
          << (inv.next_entry ? inv.entries[*inv.next_entry].index + "  " + printable(inv.entries[*inv.next_entry].title)
                             : "\"" + printable(*inv.next_value) + "\" (matches nothing)")
          << "\n";
    if (inv.booted_kernel)
        o << "Booted: " << printable(*inv.booted_kernel)
          << (inv.booted_entry ? "  (entry " + inv.entries[*inv.booted_entry].index + ")" : std::string("  (no entry)"))
          << "\n";
    o << "Installed kernels (newest first, " << inv.kernel_order << "):\n";
    if (!inv.microcode.empty()) {
        o << "  microcode:";
        for (const auto& m : inv.microcode)
            o << " " << printable(m);
        o << "\n";
    }
    std::unordered_set<std::string_view> booted_by_entries; // not a scan of 500 entries per kernel
    for (const auto& e : inv.entries)
        if (e.kernel) booted_by_entries.insert(*e.kernel);
    text.clear();
    for (const auto& k : inv.kernels) {
        text += "  ";
        append_printable(text, k.version);
        text += "  ";
        append_printable(text, k.path);
        text += "   initrd ";
        if (k.initrd)
            append_printable(text, *k.initrd);
        else
            text += "none";
        text += k.modules ? "" : "   no modules";
        text += booted_by_entries.contains(k.path) ? "" : "   no menu entry";
        text += inv.booted_kernel == k.path ? "   [booted]\n" : "\n";
    }
    o << text;
    for (const auto& p : inv.problems)
        ctx.warn(p);
    keep_until_exit(std::move(inv));
    return 0;
}

// ---------------------------------------------------------------------------------------
// Default and next

/// Where the menu's choice is read, refusing the families where bootsmith cannot store it.
void require_grub(const Inventory& inv, const sys::Root& root) {
    if (inv.family == Family::none)
        throw Error(Exit::unavailable, root.display("/boot") + ": no boot menu (no BLS entries, no grub.cfg)");
    if (!inv.menu)
        throw Error(Exit::unavailable,
                    "BLS entries without GRUB (systemd-boot): the default lives in loader.conf "
                    "or the LoaderEntryDefault EFI variable, which bootsmith does not edit yet",
                    "use 'bootctl set-default'");
}

std::string one_sel(const po::variables_map& vm, const char* what) {
    auto args = strings_of(vm, "args");
    if (args.size() != 1)
        throw Error(Exit::usage, std::string(what) + " takes one SEL",
                    "a version, kernel path, index, title, id, or booted/newest/previous");
    return args[0];
}

/// Makes GRUB read saved_entry where it does not: grub.cfg's `set default` (and, for a
/// generated grub.cfg, GRUB_DEFAULT=saved so that update-grub keeps it) — with consent.
/// `planned`: grub.cfg as this plan already changes it (nullptr: as on disk).
void ensure_saved_default(Context& ctx, sys::Plan& p, const Inventory& inv, const sys::System& s,
                          const std::string* planned = nullptr) {
    if (inv.menu->default_from_saved_entry || inv.menu->blscfg) {
        if (inv.family == Family::grub_generated) {
            auto g = grub::GrubDefaults::load(s.root()).get("GRUB_DEFAULT");
            if (g && g->value && *g->value != "saved")
                p.notes.push_back("GRUB_DEFAULT is \"" + *g->value +
                                  "\" in /etc/default/grub: the next update-grub stops reading saved_entry");
        }
        return;
    }
    auto disk = s.root().read_required(inv.grubcfg, 16u << 20);
    const std::string& cfg = planned != nullptr ? *planned : disk;
    if (cfg.find("load_env") == std::string::npos)
        throw Error(Exit::refused,
                    s.root().display(inv.grubcfg) + " never loads grubenv (no load_env): a saved default "
                                                    "would not be read",
                    "add 'load_env' and 'set default=\"${saved_entry}\"' to it, or set the default there");
    if (!ctx.globals().dry_run)
        ctx.confirm(s.root().display(inv.grubcfg) +
                    " selects its default with `set default=…`, not saved_entry; "
                    "switch it to saved_entry" +
                    (inv.family == Family::grub_generated ? std::string(" (and GRUB_DEFAULT=saved)") : std::string()));
    std::string switched = kernel::grubcfg_read_saved_entry(cfg); // before `planned` (in p) moves
    if (inv.family == Family::grub_generated) {
        // GRUB_DEFAULT=saved goes first: once grub.cfg reads saved_entry, a rerun after a
        // crash would take the switch as done and never write it, and the next update-grub
        // would then bring `set default="0"` back.
        auto c = config_set_plan(s, "GRUB_DEFAULT", "saved", "");
        p.changes.insert(p.changes.begin(), std::make_move_iterator(c.changes.begin()),
                         std::make_move_iterator(c.changes.end()));
    }
    p.write_file(inv.grubcfg, disk, std::move(switched), "read the default from grubenv's saved_entry");
    p.notes.push_back("the default is now read from grubenv's saved_entry (was `set default=\"" +
                      inv.menu->default_value.value_or("") + "\"`)");
}

void print_choice(Context& ctx, const Inventory& inv, const std::optional<std::size_t>& i, const std::string& source,
                  const char* schema) {
    if (ctx.globals().json) {
        Json j = {{"schema", schema}, {"source", source}};
        j["entry"] = i ? entry_json(inv, *i) : Json(nullptr);
        ctx.print_json(j);
        return;
    }
    if (!i) {
        ctx.out() << "none" << (source.empty() ? "" : "   (" + source + ")") << "\n";
        return;
    }
    const Entry& e = inv.entries[*i];
    ctx.out() << e.index << "  " << printable(e.title) << "   (" << source << ")\n"
              << "   id " << printable(e.id) << "\n   kernel " << printable(e.linux) << "\n";
}

int default_run(Context& ctx, const po::variables_map& vm) {
    if (strings_of(vm, "args").empty()) {
        Inventory inv =
            kernel::read_inventory(ctx.system().root(), {.entry_diagnostics = false, .entry_keys = ctx.globals().json});
        print_choice(ctx, inv, inv.default_entry, inv.default_source, "bootsmith.kernel-default/1");
        keep_until_exit(std::move(inv));
        return 0;
    }
    std::string sel = one_sel(vm, "kernel default");
    return ctx.mutate([&](sys::System& s) {
        Inventory inv = kernel::read_inventory(s.root());
        require_grub(inv, s.root());
        std::size_t i = kernel::select_one(inv, sel);
        sys::Plan p;
        p.title = "kernel default " + sel;
        ensure_saved_default(ctx, p, inv, s);
        auto f = grub::read_env_file(s.root(), inv.grubenv);
        grub::EnvBlock env = f.block;
        env.unset("prev_saved_entry");
        env.set("saved_entry", kernel::saved_value(inv, i));
        auto e = env_plan(p.title, s.root(), f, env);
        for (auto& ch : e.changes)
            p.changes.insert(p.changes.begin(), std::move(ch)); // grubenv first: harmless on its own
        p.notes.insert(p.notes.end(), e.notes.begin(), e.notes.end());
        if (inv.entries[i].recovery) p.notes.push_back("the new default is a recovery entry");
        if (inv.next_value)
            p.notes.push_back("a one-shot entry is pending (next_entry=" + printable(*inv.next_value) +
                              "): it boots once before the default");
        return p;
    });
}

int next_run(Context& ctx, const po::variables_map& vm) {
    bool clear = flag_of(vm, "clear");
    if (clear == !strings_of(vm, "args").empty()) {
        if (!clear && strings_of(vm, "args").empty()) {
            Inventory inv = kernel::read_inventory(ctx.system().root(),
                                                   {.entry_diagnostics = false, .entry_keys = ctx.globals().json});
            print_choice(ctx, inv, inv.next_entry, inv.next_value ? "next_entry" : "none set",
                         "bootsmith.kernel-next/1");
            keep_until_exit(std::move(inv));
            return 0;
        }
        throw Error(Exit::usage, "give one SEL or --clear");
    }
    std::string sel = clear ? std::string() : one_sel(vm, "kernel next");
    return ctx.mutate([&](sys::System& s) {
        Inventory inv = kernel::read_inventory(s.root());
        require_grub(inv, s.root());
        auto f = grub::read_env_file(s.root(), inv.grubenv);
        grub::EnvBlock env = f.block;
        refuse_external(env, "next_entry", s.root(), f.path);
        sys::Plan notes;
        if (clear) {
            env.unset("next_entry");
        } else {
            std::size_t i = kernel::select_one(inv, sel);
            if (!inv.menu->uses_next_entry && !inv.menu->blscfg)
                throw Error(Exit::refused,
                            s.root().display(inv.grubcfg) + " does not read next_entry: a one-shot boot "
                                                            "would have no effect",
                            "regenerate it with grub-mkconfig, or use 'bootsmith kernel default'");
            if (auto prev = env.get("prev_saved_entry"); prev && !prev->empty()) {
                env.set("saved_entry", *prev);
                env.unset("prev_saved_entry");
            }
            env.set("next_entry", kernel::saved_value(inv, i));
            if (inv.family == Family::bls && !env.get("boot_success"))
                notes.notes.push_back("the next boot uses " + inv.entries[i].id + " once; later boots the default");
        }
        auto p = env_plan(clear ? "kernel next --clear" : "kernel next " + sel, s.root(), f, env);
        p.notes.insert(p.notes.begin(), notes.notes.begin(), notes.notes.end());
        return p;
    });
}

// ---------------------------------------------------------------------------------------
// Kernel arguments

std::vector<std::string> words_of(const std::vector<std::string>& given) {
    std::vector<std::string> out;
    for (const auto& g : given)
        for (auto& w : grub::cmdline_split(g))
            out.push_back(std::move(w));
    return out;
}

/// Arguments bootsmith writes only when they cannot change the meaning of the file they go
/// into: no newline or NUL anywhere; in grub.cfg no GRUB-script metacharacters.
void check_args(const std::vector<std::string>& words, bool grub_script) {
    for (const auto& w : words) {
        bool bad = w.find_first_of(std::string("\n\r\0", 3)) != std::string::npos;
        if (grub_script) bad = bad || w.find_first_of("$;|&<>{}\\'\"` \t") != std::string::npos;
        if (bad)
            throw Error(Exit::usage,
                        "kernel argument '" + printable(w) + "' holds characters that " +
                            (grub_script ? "GRUB's script language interprets" : "break the file"),
                        "quote-free arguments only");
    }
}

std::string edit_args(const std::string& current, const std::vector<std::string>& add,
                      const std::vector<std::string>& remove) {
    std::string s = grub::cmdline_remove(current, remove);
    return grub::cmdline_add(s, add);
}

struct ArgsRequest {
    std::string sel = "DEFAULT";
    std::vector<std::string> add, remove;
};

/// The entries a --kernel value names: ALL, DEFAULT, or a selector.
std::vector<std::size_t> args_targets(const Inventory& inv, const std::string& sel) {
    std::vector<std::size_t> out;
    if (sel == "ALL") {
        for (std::size_t i = 0; i < inv.entries.size(); ++i)
            out.push_back(i);
    } else if (sel == "DEFAULT") {
        if (!inv.default_entry) throw Error(Exit::no_input, "there is no default kernel entry");
        out.push_back(*inv.default_entry);
    } else {
        out = kernel::select(inv, sel);
    }
    return out;
}

void plan_bls_args(sys::Plan& p, const Inventory& inv, const sys::System& s, const std::vector<std::size_t>& targets,
                   const ArgsRequest& r, grub::EnvBlock* env) {
    bool all = r.sel == "ALL";
    for (auto i : targets) {
        const Entry& e = inv.entries[i];
        auto before = s.root().read_required(e.file, 1u << 20);
        kernel::BlsEntry b = kernel::BlsEntry::parse(before);
        std::string options = inv.menu ? b.options_grub() : b.options();
        bool indirect = options.find("$kernelopts") != std::string::npos;
        std::string next;
        if (indirect && all) {
            next = grub::cmdline_remove(options, r.remove); // literal words in the entry
        } else if (indirect) {
            // This entry alone: $kernelopts is replaced by its value (as grubby does),
            // which detaches it from later kernelopts changes.
            std::string value = env && env->get("kernelopts") ? *env->get("kernelopts") : std::string();
            std::string inlined = options;
            inlined.replace(inlined.find("$kernelopts"), 11, value);
            next = edit_args(inlined, r.add, r.remove);
            p.notes.push_back(e.id + ": $kernelopts inlined; this entry no longer follows grubenv's kernelopts");
        } else {
            next = edit_args(options, r.add, r.remove);
        }
        b.set("options", next);
        p.write_file(e.file, before, b.text(), "options of " + e.id);
    }
    if (all && env && env->get("kernelopts"))
        env->set("kernelopts", edit_args(*env->get("kernelopts"), r.add, r.remove));
}

void plan_grubcfg_args(sys::Plan& p, const Inventory& inv, const sys::System& s,
                       const std::vector<std::size_t>& targets, const ArgsRequest& r) {
    auto before = s.root().read_required(inv.grubcfg, 16u << 20);
    std::string cfg = before;
    // Edits keep line numbers (one line each), so every target's line still holds.
    for (auto i : targets)
        cfg = kernel::grubcfg_edit_args(
            cfg, inv.entries[i].line, [&](const std::string& a) { return edit_args(a, r.add, r.remove); },
            s.root().display(inv.grubcfg));
    p.write_file(inv.grubcfg, before, cfg, "linux lines of " + std::to_string(targets.size()) + " entries");
    if (inv.family == Family::grub_generated && r.sel != "ALL")
        p.notes.push_back(s.root().display(inv.grubcfg) +
                          " is generated: this change lasts until the next update-grub (use --kernel ALL to keep it)");
}

/// What the next kernel install takes: etc/kernel/cmdline, GRUB_CMDLINE_LINUX (and removals
/// from GRUB_CMDLINE_LINUX_DEFAULT).
void plan_future_args(sys::Plan& p, const sys::System& s, const ArgsRequest& r) {
    if (auto text = s.root().read("/etc/kernel/cmdline", 1u << 16)) {
        std::string line = *text;
        bool nl = !line.empty() && line.back() == '\n';
        if (nl) line.pop_back();
        p.write_file("/etc/kernel/cmdline", text, edit_args(line, r.add, r.remove) + (nl ? "\n" : ""),
                     "arguments of kernels installed from now on");
    }
    if (!s.root().is_file(grub::GrubDefaults::kPath)) return; // grub-mkconfig's input, wherever it is used
    auto d = grub::GrubDefaults::load(s.root());
    for (const char* key : {"GRUB_CMDLINE_LINUX", "GRUB_CMDLINE_LINUX_DEFAULT"}) {
        bool main_key = std::string_view(key) == "GRUB_CMDLINE_LINUX";
        auto setting = d.get(key);
        if (!setting && !main_key) continue;
        if (setting && !setting->value) {
            p.notes.push_back(std::string(key) + " is computed by the shell (" + setting->reason + "): not edited");
            continue;
        }
        std::string current = setting ? *setting->value : std::string();
        std::string next = main_key ? edit_args(current, r.add, r.remove) : grub::cmdline_remove(current, r.remove);
        if (next == current) continue;
        auto c = config_set_plan(s, key, next, "", &p);
        for (auto& ch : c.changes)
            p.changes.push_back(std::move(ch)); // merged into one change per file by merge_same_file
    }
}

/// Several edits of one file in one plan become one change: the last write wins, with the
/// first change's `before`.
void merge_same_file(sys::Plan& p) {
    std::vector<sys::Change> out;
    for (auto& c : p.changes) {
        auto* f = std::get_if<sys::FileChange>(&c);
        bool merged = false;
        if (f != nullptr)
            for (auto& o : out)
                if (auto* g = std::get_if<sys::FileChange>(&o); g != nullptr && g->path == f->path) {
                    g->after = f->after;
                    merged = true;
                }
        if (!merged) out.push_back(std::move(c));
    }
    p.changes = std::move(out);
}

int args_run(Context& ctx, const po::variables_map& vm) {
    ArgsRequest r;
    if (vm.count("kernel")) r.sel = string_of(vm, "kernel");
    r.add = words_of(strings_of(vm, "add"));
    r.remove = words_of(strings_of(vm, "remove"));
    if (!strings_of(vm, "args").empty())
        throw Error(Exit::usage, "kernel args takes options only", "--kernel SEL --add \"a=b c\" --remove \"d\"");
    if (r.add.empty() && r.remove.empty()) {
        Inventory inv = kernel::read_inventory(ctx.system().root());
        auto targets = args_targets(inv, r.sel);
        if (ctx.globals().json) {
            Json list = Json::array();
            for (auto i : targets)
                list.push_back(entry_json(inv, i));
            ctx.print_json({{"schema", "bootsmith.kernel-args/1"}, {"entries", list}});
        } else {
            for (auto i : targets)
                ctx.out() << inv.entries[i].index << "  " << printable(inv.entries[i].title) << "\n    "
                          << printable(inv.entries[i].args) << "\n";
        }
        return 0;
    }
    return ctx.mutate([&](sys::System& s) {
        Inventory inv = kernel::read_inventory(s.root());
        if (inv.family == Family::none) require_grub(inv, s.root());
        check_args(r.add, inv.family != Family::bls);
        check_args(r.remove, inv.family != Family::bls);
        auto targets = args_targets(inv, r.sel);
        sys::Plan p;
        p.title = "kernel args --kernel " + r.sel;
        std::optional<grub::EnvFile> envf;
        std::optional<grub::EnvBlock> env;
        if (inv.family == Family::bls) {
            if (inv.env) {
                envf = grub::read_env_file(s.root(), inv.grubenv);
                env = envf->block;
            }
            plan_bls_args(p, inv, s, targets, r, env ? &*env : nullptr);
        } else {
            plan_grubcfg_args(p, inv, s, targets, r);
        }
        if (r.sel == "ALL") plan_future_args(p, s, r);
        if (env) {
            auto e = env_plan(p.title, s.root(), *envf, *env);
            for (auto& ch : e.changes)
                p.changes.push_back(std::move(ch));
        }
        merge_same_file(p);
        return p;
    });
}

// ---------------------------------------------------------------------------------------
// Adding and removing entries

std::string kernel_version_of(const std::string& path) {
    std::string base = path.substr(path.rfind('/') + 1);
    for (const char* prefix : {"vmlinuz-", "vmlinux-", "kernel-"})
        if (base.starts_with(prefix) && base.size() > std::string_view(prefix).size())
            return base.substr(std::string_view(prefix).size());
    return base;
}

/// A path as the loader sees it: relative to the file system holding /boot.
std::string loader_path(const Inventory& inv, const std::string& system_path) {
    if (!inv.boot_prefix.empty() && system_path.starts_with(inv.boot_prefix + "/"))
        return system_path.substr(inv.boot_prefix.size());
    return system_path;
}

/// The title the distribution's own tools give a kernel: "Debian GNU/Linux, with Linux V"
/// (grub-mkconfig on Debian), else "NAME (V) VERSION" (Fedora/RHEL kernel-install, grubby).
std::string default_title(const sys::Root& root, const Inventory& inv, const std::string& version) {
    std::string name = kernel::os_release_value(root, "NAME");
    std::string ver = kernel::os_release_value(root, "VERSION");
    if (name.empty()) name = "Linux";
    if (inv.family == Family::grub_generated) return name + ", with Linux " + version;
    return name + " (" + version + ")" + (ver.empty() ? "" : " " + ver);
}

struct AddRequest {
    std::string kernel;
    std::vector<std::string> initrds;
    std::string title;
    std::vector<std::string> args;
    bool copy_default = false;
    bool make_default = false;
};

void plan_add_bls(sys::Plan& p, const Inventory& inv, const sys::System& s, const AddRequest& r) {
    std::string version = kernel_version_of(r.kernel);
    std::string machine_id = s.root().read("/etc/machine-id", 256).value_or("");
    while (!machine_id.empty() && (machine_id.back() == '\n' || machine_id.back() == ' '))
        machine_id.pop_back();
    std::string id = (machine_id.empty() ? std::string() : machine_id + "-") + version;
    std::string file = inv.bls_dir + "/" + id + ".conf";
    if (!kernel::parse_bls_name(id + ".conf"))
        throw Error(Exit::usage, "'" + printable(id) + ".conf' is not a valid BLS file name",
                    "the kernel file name must hold only A-Z a-z 0-9 + - _ .");
    const Entry* def = inv.default_entry ? &inv.entries[*inv.default_entry] : nullptr;
    std::string options;
    if (r.copy_default && def != nullptr)
        options = def->options;
    else if (auto c = s.root().read("/etc/kernel/cmdline", 1u << 16))
        options = *c;
    while (!options.empty() && (options.back() == '\n' || options.back() == ' '))
        options.pop_back();
    options = grub::cmdline_add(options, r.args);
    if (r.copy_default && def == nullptr)
        p.notes.push_back("there is no default entry to copy: options from --args only");
    std::string text = "title " + (r.title.empty() ? default_title(s.root(), inv, version) : r.title) + "\n";
    text += "version " + version + "\n";
    text += "linux " + loader_path(inv, r.kernel) + "\n";
    for (const auto& i : r.initrds)
        text += "initrd " + loader_path(inv, i) + "\n";
    if (!options.empty()) text += "options " + options + "\n";
    // GRUB's extension keys as the default entry has them (users, classes, --unrestricted).
    if (def != nullptr && inv.menu) {
        auto b = kernel::BlsEntry::parse(s.root().read_required(def->file, 1u << 20));
        for (const char* key : {"grub_users", "grub_arg", "grub_class"})
            for (const auto& v : b.get_all(key))
                text += std::string(key) + " " + v + "\n";
    }
    if (options.find("root=") == std::string::npos)
        p.notes.push_back("the new entry's options have no root=: give --args or --copy-default");
    // The same entry already there is what an interrupted `kernel add` wrote before its
    // grubenv change: keep it and let the rest of the plan finish. Another is refused.
    if (auto existing = s.root().read(file, 1u << 20)) {
        if (*existing != text)
            throw Error(Exit::refused, s.root().display(file) + " already exists",
                        "remove it first with 'bootsmith kernel remove " + id + "'");
        return;
    }
    p.write_file(file, std::nullopt, text, "new BLS entry");
}

/// A menuentry on a grub.cfg system. The body takes the default entry's set-up lines
/// (insmod, search, set root…) so that GRUB finds the kernel where it finds the default's
/// kernel; --copy-default also takes its arguments.
/// Returns the new entry's id.
std::string plan_add_grubcfg(sys::Plan& p, const Inventory& inv, const sys::System& s, const AddRequest& r) {
    std::string version = kernel_version_of(r.kernel);
    auto before = s.root().read_required(inv.grubcfg, 16u << 20);
    std::string display = s.root().display(inv.grubcfg);
    const Entry* def = inv.default_entry ? &inv.entries[*inv.default_entry] : nullptr;
    kernel::NewMenuEntry e;
    e.title = r.title.empty() ? default_title(s.root(), inv, version) : r.title;
    e.id = "bootsmith-" + version;
    for (int n = 2; std::any_of(inv.entries.begin(), inv.entries.end(),
                                [&](const Entry& x) { return x.id == e.id || x.id.ends_with(">" + e.id); });
         ++n)
        e.id = "bootsmith-" + version + "-" + std::to_string(n);
    if (before.find("menuentry_id_option") != std::string::npos) e.id_option = "$menuentry_id_option";
    e.kernel = loader_path(inv, r.kernel);
    for (const auto& i : r.initrds)
        e.initrds.push_back(loader_path(inv, i));
    if (def != nullptr) {
        for (const auto& l : kernel::grubcfg_entry_body(before, def->line, display)) {
            std::string t = l.substr(std::min(l.size(), l.find_first_not_of(" \t")));
            std::string cmd = t.substr(0, t.find_first_of(" \t"));
            if (cmd == "linux" || cmd == "linuxefi" || cmd == "linux16") {
                e.linux_cmd = cmd;
                continue;
            }
            if (cmd == "initrd" || cmd == "initrdefi" || cmd == "initrd16") {
                e.initrd_cmd = cmd;
                continue;
            }
            if (cmd == "echo") continue; // "Loading Linux <version> ..." would name the wrong kernel
            e.setup.push_back(l);
        }
    } else {
        p.notes.push_back("there is no default entry to copy device set-up lines from: GRUB looks for the kernel "
                          "on $root as set before the menu");
    }
    std::string args = r.copy_default && def != nullptr ? def->options : std::string();
    e.args = grub::cmdline_add(args, r.args);
    if (e.args.find("root=") == std::string::npos)
        p.notes.push_back("the new entry's arguments have no root=: give --args or --copy-default");
    p.write_file(inv.grubcfg, before, kernel::grubcfg_insert_first(before, kernel::grubcfg_entry_text(e)),
                 "new menu entry \"" + e.title + "\"");
    if (inv.family == Family::grub_generated)
        p.notes.push_back(display + " is generated by grub-mkconfig: the next update-grub replaces this entry");
    return e.id;
}

int add_run(Context& ctx, const po::variables_map& vm) {
    AddRequest r;
    r.kernel = string_of(vm, "kernel");
    if (r.kernel.empty()) throw Error(Exit::usage, "kernel add needs --kernel PATH");
    r.initrds = strings_of(vm, "initrd");
    r.title = string_of(vm, "title");
    r.args = words_of(strings_of(vm, "args"));
    r.copy_default = flag_of(vm, "copy-default");
    r.make_default = flag_of(vm, "make-default");
    if (r.title.find_first_of(std::string("\n\r\0", 3)) != std::string::npos)
        throw Error(Exit::usage, "--title must be one line");
    return ctx.mutate([&](sys::System& s) {
        Inventory inv = kernel::read_inventory(s.root());
        if (inv.family == Family::none) require_grub(inv, s.root());
        check_args(r.args, inv.family != Family::bls);
        AddRequest req = r;
        req.kernel = user_path(s, r.kernel);
        auto image = s.root().stat(req.kernel);
        if (!image) throw Error(Exit::no_input, s.root().display(req.kernel) + ": no such kernel image");
        if (image->type != sys::FileInfo::Type::regular)
            throw Error(Exit::data, s.root().display(req.kernel) + ": not a regular file, expected a kernel image");
        if (image->size == 0) throw Error(Exit::data, s.root().display(req.kernel) + ": 0 bytes, not a kernel image");
        for (auto& i : req.initrds) {
            i = user_path(s, i);
            if (!s.root().is_file(i)) throw Error(Exit::no_input, s.root().display(i) + ": no such initrd");
        }
        std::string version = kernel_version_of(req.kernel);
        if (req.initrds.empty())
            if (auto i = kernel::find_initrd(s.root(), version)) req.initrds.push_back(*i);
        if (req.initrds.empty()) ctx.warn("no initrd for " + version + ": the entry boots the kernel alone");
        sys::Plan p;
        p.title = "kernel add " + r.kernel;
        std::string new_id;
        if (inv.family == Family::bls) {
            plan_add_bls(p, inv, s, req);
        } else {
            new_id = plan_add_grubcfg(p, inv, s, req);
        }
        if (r.make_default) {
            if (inv.family == Family::bls) {
                std::string machine_id = s.root().read("/etc/machine-id", 256).value_or("");
                machine_id = machine_id.substr(0, machine_id.find_first_of("\n "));
                auto f = grub::read_env_file(s.root(), inv.grubenv);
                grub::EnvBlock env = f.block;
                env.set("saved_entry", (machine_id.empty() ? "" : machine_id + "-") + version);
                auto e = env_plan(p.title, s.root(), f, env);
                for (auto& ch : e.changes)
                    p.changes.push_back(std::move(ch)); // after the entry it names
            } else {
                // grub.cfg must read saved_entry (with consent), then saved_entry names the new id.
                const auto& added = std::get<sys::FileChange>(p.changes.front());
                ensure_saved_default(ctx, p, inv, s, &*added.after);
                merge_same_file(p);
                auto f = grub::read_env_file(s.root(), inv.grubenv);
                grub::EnvBlock env = f.block;
                env.unset("prev_saved_entry");
                env.set("saved_entry", new_id);
                auto e = env_plan(p.title, s.root(), f, env);
                for (auto& ch : e.changes)
                    p.changes.push_back(std::move(ch)); // after the entry it names
            }
        }
        return p;
    });
}

int remove_run(Context& ctx, const po::variables_map& vm) {
    std::string sel = one_sel(vm, "kernel remove");
    bool force = flag_of(vm, "force");
    return ctx.mutate([&](sys::System& s) {
        Inventory inv = kernel::read_inventory(s.root());
        if (inv.family == Family::none) require_grub(inv, s.root());
        auto targets = kernel::select(inv, sel);
        sys::Plan p;
        p.title = "kernel remove " + sel;
        for (auto i : targets)
            if (inv.booted_entry == i && !force)
                throw Error(Exit::refused,
                            "'" + printable(sel) + "' includes the entry of the booted kernel (" +
                                inv.entries[i].index + ")",
                            "pass --force to remove it anyway");
        if (targets.size() == inv.entries.size())
            throw Error(Exit::refused, "'" + printable(sel) + "' would remove every kernel entry",
                        "the machine would not boot");
        bool removes_default =
            std::find(targets.begin(), targets.end(), inv.default_entry.value_or(SIZE_MAX)) != targets.end();
        if (inv.family == Family::bls) {
            for (auto i : targets)
                p.remove_file(inv.entries[i].file, s.root().read(inv.entries[i].file, 1u << 20),
                              "BLS entry " + inv.entries[i].id);
        } else {
            auto before = s.root().read_required(inv.grubcfg, 16u << 20);
            std::vector<std::size_t> lines;
            for (auto i : targets)
                lines.push_back(inv.entries[i].line);
            p.write_file(inv.grubcfg, before,
                         kernel::grubcfg_remove_entries(before, lines, s.root().display(inv.grubcfg)),
                         std::to_string(targets.size()) + " menu entries removed");
            if (inv.family == Family::grub_generated)
                p.notes.push_back(s.root().display(inv.grubcfg) +
                                  " is generated by grub-mkconfig: the next update-grub brings the entries back while "
                                  "the kernel files are in /boot");
        }
        if (removes_default && inv.env && inv.saved_entry) {
            auto f = grub::read_env_file(s.root(), inv.grubenv);
            grub::EnvBlock env = f.block;
            env.unset("saved_entry");
            auto e = env_plan(p.title, s.root(), f, env);
            for (auto& ch : e.changes)
                p.changes.insert(p.changes.begin(), std::move(ch)); // never a saved_entry naming nothing
            p.notes.push_back("the default entry is removed: saved_entry is unset, GRUB boots the first entry");
        }
        return p;
    });
}

// ---------------------------------------------------------------------------------------
// Completion

std::vector<std::string> complete_sel(Context& ctx, const std::vector<std::string>&) {
    std::vector<std::string> out = {"booted\tthe running kernel", "newest\tthe newest installed kernel",
                                    "previous\tthe kernel before the newest"};
    Inventory inv = kernel::read_inventory(ctx.system().root());
    std::vector<std::string> seen;
    for (const auto& e : inv.entries) {
        if (e.version && std::find(seen.begin(), seen.end(), *e.version) == seen.end()) {
            seen.push_back(*e.version);
            out.push_back(*e.version + "\t" + printable(e.title));
        }
        out.push_back(e.id + "\t" + printable(e.title));
    }
    return out;
}

} // namespace

Command kernel_command() {
    Command c = make_command("kernel", "Kernels, BLS entries, default and one-shot kernel, kernel arguments");
    {
        Verb v = make_verb("list", "", "Installed kernels and the menu entries that boot them");
        v.options = [](auto&, auto&, auto&) {};
        v.run = list_run;
        c.verbs.push_back(std::move(v));
    }
    {
        Verb v = make_verb("default", "[SEL]", "Show the default kernel, or make SEL the default (saved_entry)");
        v.options = [](auto&, auto& hidden, auto& pos) { any_args(hidden, pos); };
        v.complete = complete_sel;
        v.run = default_run;
        c.verbs.push_back(std::move(v));
    }
    {
        Verb v = make_verb("next", "[SEL | --clear]", "Boot SEL once at the next boot (next_entry), or show/clear it");
        v.options = [](po::options_description& o, auto& hidden, auto& pos) {
            o.add_options()("clear", po::bool_switch(), "remove the one-shot choice");
            any_args(hidden, pos);
        };
        v.complete = complete_sel;
        v.run = next_run;
        c.verbs.push_back(std::move(v));
    }
    {
        Verb v = make_verb("args", "[--kernel SEL|ALL|DEFAULT] [--add \"A…\"] [--remove \"B…\"]",
                           "Show or edit kernel arguments (ALL: also what the next kernel install takes)");
        v.options = [](po::options_description& o, auto& hidden, auto& pos) {
            o.add_options()("kernel", po::value<std::string>()->value_name("SEL"),
                            "which entries: SEL, ALL or DEFAULT (default)") //
                ("add", po::value<std::vector<std::string>>()->value_name("ARGS"),
                 "arguments to add; key=value replaces key") //
                ("remove", po::value<std::vector<std::string>>()->value_name("ARGS"),
                 "arguments to remove; key removes key and key=…");
            any_args(hidden, pos);
        };
        v.run = args_run;
        c.verbs.push_back(std::move(v));
    }
    {
        Verb v =
            make_verb("add", "--kernel PATH [--initrd PATH…] [--title T] [--args A] [--copy-default] [--make-default]",
                      "Add a menu entry for a kernel (a BLS file, or a grub.cfg menuentry)");
        v.options = [](po::options_description& o, auto&, auto&) {
            o.add_options()("kernel", po::value<std::string>()->value_name("PATH"), "the kernel image") //
                ("initrd", po::value<std::vector<std::string>>()->value_name("PATH"),
                 "initrd image (repeatable; default: the distribution's initrd for that version)")   //
                ("title", po::value<std::string>()->value_name("T"), "menu title")                   //
                ("args", po::value<std::vector<std::string>>()->value_name("A"), "kernel arguments") //
                ("copy-default", po::bool_switch(), "start from the default entry's arguments")      //
                ("make-default", po::bool_switch(), "make the new entry the default");
        };
        v.run = add_run;
        c.verbs.push_back(std::move(v));
    }
    {
        Verb v = make_verb("remove", "SEL [--force]", "Remove the menu entries of a kernel (not the kernel files)");
        v.options = [](po::options_description& o, auto& hidden, auto& pos) {
            o.add_options()("force", po::bool_switch(), "also remove the booted kernel's entry");
            any_args(hidden, pos);
        };
        v.complete = complete_sel;
        v.run = remove_run;
        c.verbs.push_back(std::move(v));
    }
    return c;
}

} // namespace bootsmith::cli
