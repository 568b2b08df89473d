// bootsmith grub …: grubenv, /etc/default/grub, the grub.cfg menu, and the saved / one-shot
// default (what grub-editenv, grub-set-default and grub-reboot do).
#include "app.hpp"
#include "grub_shared.hpp"

#include "bootsmith/error.hpp"
#include "bootsmith/grub/default_grub.hpp"
#include "bootsmith/grub/grubenv.hpp"
#include "bootsmith/grub/menu.hpp"
#include "bootsmith/text.hpp"

#include <filesystem>
#include <functional>
#include <ostream>

namespace bootsmith::cli {

namespace {

/// Variables rhboot keeps in the external env_block on btrfs (grub.md §1.9).
bool external_variable(std::string_view name) {
    for (const char* n : {"next_entry", "boot_counter", "boot_indeterminate", "boot_success", "menu_show_once",
                          "menu_show_once_timeout", "env_block"})
        if (name == n) return true;
    return false;
}

} // namespace

/// A path the user gave: relative to the working directory on the live system (as tools
/// there are used), a system path inside the root otherwise.
std::string user_path(const sys::System& sys, const std::string& given) {
    if (sys.is_live() && !given.empty() && given.front() != '/')
        return sys::normalise(std::filesystem::absolute(given).native());
    return sys::normalise(given);
}

namespace {

// ---------------------------------------------------------------------------------------
// grubenv

std::string env_path(const sys::System& sys, const po::variables_map& vm) {
    return vm.count("file") ? user_path(sys, string_of(vm, "file")) : grub::default_grubenv_path(sys.root());
}

grub::EnvBlock require_env(const sys::Root& root, const std::string& path) {
    auto f = grub::read_env_file(root, path);
    if (!f.bytes)
        throw Error(Exit::no_input, root.display(path) + ": no such file",
                    "create it with 'bootsmith grub env create'");
    return std::move(f.block);
}

/// A grubenv about to be written: its directory must exist (a mistyped --file must not
/// create a block GRUB never reads), and a new file away from the usual place is noted.
void check_env_target(sys::Plan& p, const sys::Root& root, const grub::EnvFile& f) {
    std::string dir = f.path.substr(0, f.path.rfind('/'));
    if (!root.is_dir(dir.empty() ? "/" : dir))
        throw Error(Exit::no_input, root.display(dir) + ": no such directory", "check --file");
    if (!f.bytes && f.path != grub::default_grubenv_path(root))
        p.notes.push_back("creating " + f.path + ", which is not where GRUB looks for grubenv (" +
                          grub::default_grubenv_path(root) + ")");
}

} // namespace

void refuse_external(const grub::EnvBlock& env, std::string_view name, const sys::Root& root, const std::string& path) {
    if (auto ext = env.external_block(); ext && external_variable(name))
        throw Error(Exit::refused, root.display(path) + ": " + std::string(name) + " lives in the external block " +
                                       *ext + ", not in this file; editing the file would change nothing GRUB reads");
}

/// The plan that writes `after` over the grubenv file `f`.
sys::Plan env_plan(std::string title, const sys::Root& root, const grub::EnvFile& f, const grub::EnvBlock& after) {
    sys::Plan p;
    p.title = std::move(title);
    check_env_target(p, root, f);
    p.write_file(f.path, f.bytes, after.bytes(), "GRUB environment block", /*text=*/is_utf8(after.bytes()));
    for (const auto& w : after.warnings())
        p.notes.push_back(w);
    return p;
}

namespace {

Json env_json(const sys::Root& root, const std::string& path, const grub::EnvBlock& env) {
    Json j;
    j["schema"] = "bootsmith.grubenv/1";
    j["file"] = path;
    j["display"] = root.display(path);
    j["size"] = env.bytes().size();
    j["free"] = env.free_space();
    Json vars = Json::array();
    // Bytes that are not UTF-8 are given only as hex (README, JSON conventions): the text
    // field is then null.
    auto text_and_hex = [](Json& o, const char* key, const std::string& bytes) {
        if (is_utf8(bytes)) {
            o[key] = bytes;
        } else {
            o[key] = nullptr;
            o[std::string(key) + "_hex"] = hex(bytes);
        }
    };
    for (const auto& v : env.list()) {
        Json o = Json::object();
        text_and_hex(o, "name", v.name);
        text_and_hex(o, "value", v.value);
        vars.push_back(std::move(o));
    }
    j["variables"] = vars;
    j["external_block"] = env.external_block() ? Json(*env.external_block()) : Json(nullptr);
    j["warnings"] = env.warnings();
    return j;
}

/// `NAME=VALUE` arguments. Unlike grub-editenv (whose front end accepts anything), names
/// that would break the block or vanish from it are refused here.
std::vector<grub::EnvVar> assignments(const std::vector<std::string>& args) {
    std::vector<grub::EnvVar> out;
    for (const auto& a : args) {
        auto v = grub::parse_assignment(a);
        if (!v) throw Error(Exit::usage, "invalid parameter " + printable(a) + ": expected NAME=VALUE");
        if (v->name.empty() || v->name.find('\n') != std::string::npos || v->name.front() == '#')
            throw Error(Exit::usage, "invalid variable name '" + printable(v->name) +
                                         "': empty, starting with '#' or holding a newline");
        out.push_back(std::move(*v));
    }
    return out;
}

int env_run(Context& ctx, const po::variables_map& vm) {
    auto args = strings_of(vm, "args");
    std::string action = args.empty() ? "list" : args.front();
    if (!args.empty()) args.erase(args.begin());
    sys::System& sys = ctx.system();

    if (action == "list" || action == "get") {
        std::string path = env_path(sys, vm);
        auto env = require_env(sys.root(), path);
        if (action == "list") {
            if (!args.empty()) throw Error(Exit::usage, "grub env list takes no arguments");
            if (ctx.globals().json) {
                ctx.print_json(env_json(sys.root(), path, env));
            } else {
                for (const auto& v : env.list())
                    ctx.out() << v.name << "=" << v.value << "\n";
                for (const auto& w : env.warnings())
                    ctx.warn(w);
            }
            return 0;
        }
        if (args.size() != 1) throw Error(Exit::usage, "grub env get takes one NAME");
        auto value = env.get(args[0]);
        if (!value) throw Error(Exit::no_input, sys.root().display(path) + ": no variable " + printable(args[0]));
        if (ctx.globals().json)
            ctx.print_json(is_utf8(*value)
                               ? Json {{"schema", "bootsmith.grubenv-value/1"}, {"name", args[0]}, {"value", *value}}
                               : Json {{"schema", "bootsmith.grubenv-value/1"},
                                       {"name", args[0]},
                                       {"value", nullptr},
                                       {"value_hex", hex(*value)}});
        else
            ctx.out() << *value << "\n";
        return 0;
    }
    if (action == "set" || action == "unset") {
        if (args.empty())
            throw Error(Exit::usage, "grub env " + action + " needs " + (action == "set" ? "NAME=VALUE…" : "NAME…"));
        std::vector<grub::EnvVar> vars;
        if (action == "set") vars = assignments(args);
        return ctx.mutate([&](sys::System& s) {
            auto f = grub::read_env_file(s.root(), env_path(s, vm));
            grub::EnvBlock env = f.block;
            if (action == "set") {
                for (const auto& v : vars)
                    refuse_external(env, v.name, s.root(), f.path);
                env.set_all(vars);
            } else {
                for (const auto& n : args) {
                    refuse_external(env, n, s.root(), f.path);
                    env.unset(n);
                }
            }
            return env_plan("grub env " + action + " " + printable(args.front()) + (args.size() > 1 ? " …" : ""),
                            s.root(), f, env);
        });
    }
    if (action == "create") {
        if (!args.empty()) throw Error(Exit::usage, "grub env create takes no arguments");
        return ctx.mutate([&](sys::System& s) {
            std::string path = env_path(s, vm);
            auto before = s.root().read(path, 1u << 20);
            if (before) {
                // Like grub-editenv, create resets an existing block — also one that is
                // corrupt (the way to repair it): make that a choice.
                std::string what;
                try {
                    auto old = grub::EnvBlock::parse(*before, s.root().display(path));
                    if (!old.list().empty()) what = "holds " + std::to_string(old.list().size()) + " variables";
                } catch (const Error&) {
                    what = "is not a valid environment block";
                }
                if (!what.empty() && !ctx.globals().dry_run)
                    ctx.confirm(s.root().display(path) + " " + what + "; replace it with an empty block");
            }
            grub::EnvFile f {path, before, grub::EnvBlock::create()};
            return env_plan("grub env create", s.root(), f, grub::EnvBlock::create());
        });
    }
    throw Error(Exit::usage, "unknown grub env action '" + printable(action) + "'",
                "use list, get, set, unset or create");
}

// ---------------------------------------------------------------------------------------
// /etc/default/grub

void check_key(const std::string& key) {
    bool ok = !key.empty() && !(key[0] >= '0' && key[0] <= '9');
    for (char c : key)
        ok = ok && ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_');
    if (!ok) throw Error(Exit::usage, "'" + printable(key) + "' is not a shell variable name");
}

Json setting_json(const grub::Setting& s) {
    return {{"key", s.key},
            {"value", s.value ? Json(*s.value) : Json(nullptr)},
            {"dynamic", !s.value.has_value()},
            {"reason", s.reason},
            {"file", s.file},
            {"line", s.line},
            {"exported", s.exported},
            {"overridden_in", s.overridden_in}};
}

std::string setting_text(const grub::Setting& s) {
    std::string out = s.key + "=";
    out += s.value ? "\"" + printable(*s.value) + "\"" : "<computed by the shell: " + s.reason + ">";
    out += "   (" + s.file + ":" + std::to_string(s.line) + ")";
    return out;
}

/// The index of the file whose assignment decides `key` (the last file assigning it at top
/// level); 0, /etc/default/grub, when none does, so that a new key is appended there.
std::size_t deciding_file(const grub::GrubDefaults& d, const std::string& key) {
    std::size_t at = 0;
    for (std::size_t i = 0; i < d.files().size(); ++i)
        if (d.files()[i].deciding(key) != nullptr) at = i;
    return at;
}

} // namespace

/// The plan that sets KEY to VALUE on the line that decides it — in a drop-in when one
/// decides it — so that sourcing the files in grub-mkconfig's order yields VALUE.
sys::Plan config_set_plan(const sys::System& sys, const std::string& key, const std::string& value, std::string title,
                          const sys::Plan* pending) {
    auto d = grub::GrubDefaults::load(sys.root());
    std::size_t at = deciding_file(d, key);
    std::string path = d.system_path(at);
    // A file this command already edits is edited further from its planned content.
    const grub::DefaultGrubFile* file = &d.files()[at];
    std::optional<grub::DefaultGrubFile> planned;
    if (pending != nullptr)
        for (const auto& c : pending->changes)
            if (const auto* f = std::get_if<sys::FileChange>(&c); f != nullptr && f->path == path && f->after) {
                planned = grub::DefaultGrubFile::parse(*f->after, file->path(),
                                                       at == 0 ? grub::ShellVars {} : d.files()[at - 1].vars_after());
                file = &*planned;
            }
    sys::Plan p;
    p.title = std::move(title);
    p.write_file(path, sys.root().read(path), file->with_value(key, value), key);
    if (at != 0)
        p.notes.push_back(key + " is decided by the drop-in " + path +
                          " (sourced after /etc/default/grub): edited there");
    if (!p.empty()) p.notes.push_back("run update-grub (grub-mkconfig) for the change to reach grub.cfg");
    return p;
}

namespace {

int config_run(Context& ctx, const po::variables_map& vm) {
    auto args = strings_of(vm, "args");
    std::string action = args.empty() ? "list" : args.front();
    if (!args.empty()) args.erase(args.begin());
    if (action == "list") {
        auto d = grub::GrubDefaults::load(ctx.system().root());
        auto settings = d.settings();
        if (ctx.globals().json) {
            Json list = Json::array();
            for (const auto& s : settings)
                list.push_back(setting_json(s));
            Json files = Json::array();
            for (std::size_t i = 0; i < d.files().size(); ++i)
                files.push_back(d.system_path(i));
            ctx.print_json({{"schema", "bootsmith.grub-config/1"}, {"files", files}, {"settings", list}});
        } else {
            for (const auto& s : settings)
                ctx.out() << setting_text(s) << "\n";
        }
        return 0;
    }
    if (action == "get") {
        if (args.size() != 1) throw Error(Exit::usage, "grub config get takes one KEY");
        check_key(args[0]);
        auto s = grub::GrubDefaults::load(ctx.system().root()).get(args[0]);
        if (!s) throw Error(Exit::no_input, std::string(grub::GrubDefaults::kPath) + ": " + args[0] + " is not set");
        if (ctx.globals().json) {
            Json j = setting_json(*s);
            j["schema"] = "bootsmith.grub-config-value/1";
            ctx.print_json(j);
        } else if (s->value) {
            ctx.out() << *s->value << "\n";
        } else {
            throw Error(Exit::unavailable, s->file + ":" + std::to_string(s->line) + ": " + s->key +
                                               " is computed by the shell (" + s->reason + ")");
        }
        return 0;
    }
    if (action == "set") {
        if (args.size() != 2) throw Error(Exit::usage, "grub config set takes KEY and VALUE");
        check_key(args[0]);
        return ctx.mutate(
            [&](sys::System& s) { return config_set_plan(s, args[0], args[1], "grub config set " + args[0]); });
    }
    if (action == "unset") {
        if (args.size() != 1) throw Error(Exit::usage, "grub config unset takes one KEY");
        check_key(args[0]);
        return ctx.mutate([&](sys::System& s) {
            auto d = grub::GrubDefaults::load(s.root());
            sys::Plan p;
            p.title = "grub config unset " + args[0];
            for (std::size_t i = 0; i < d.files().size(); ++i)
                if (d.files()[i].deciding(args[0]) != nullptr)
                    p.write_file(d.system_path(i), s.root().read(d.system_path(i)), d.files()[i].without(args[0]),
                                 args[0]);
            return p;
        });
    }
    throw Error(Exit::usage, "unknown grub config action '" + printable(action) + "'", "use list, get, set or unset");
}

int cmdline_run(Context& ctx, const po::variables_map& vm) {
    auto args = strings_of(vm, "args");
    std::string action = args.empty() ? "show" : args.front();
    if (!args.empty()) args.erase(args.begin());
    const std::string key = flag_of(vm, "default") ? "GRUB_CMDLINE_LINUX_DEFAULT" : "GRUB_CMDLINE_LINUX";
    auto current = [&](const sys::Root& root) {
        auto s = grub::GrubDefaults::load(root).get(key);
        if (s && !s->value)
            throw Error(Exit::unavailable, s->file + ":" + std::to_string(s->line) + ": " + key +
                                               " is computed by the shell (" + s->reason + ")");
        return std::make_pair(s, s && s->value ? *s->value : std::string());
    };
    if (action == "show") {
        if (!args.empty()) throw Error(Exit::usage, "grub cmdline show takes no arguments");
        auto [s, value] = current(ctx.system().root());
        if (ctx.globals().json) {
            ctx.print_json({{"schema", "bootsmith.grub-cmdline/1"},
                            {"key", key},
                            {"value", value},
                            {"arguments", grub::cmdline_split(value)},
                            {"file", s ? Json(s->file) : Json(nullptr)}});
        } else {
            ctx.out() << value << "\n";
        }
        return 0;
    }
    if (action != "add" && action != "remove")
        throw Error(Exit::usage, "unknown grub cmdline action '" + printable(action) + "'", "use show, add or remove");
    if (args.empty()) throw Error(Exit::usage, "grub cmdline " + action + " needs arguments");
    return ctx.mutate([&](sys::System& s) {
        std::string value = current(s.root()).second;
        std::string next = action == "add" ? grub::cmdline_add(value, args) : grub::cmdline_remove(value, args);
        return config_set_plan(s, key, next,
                               "grub cmdline " + action + " " + args.front() + (args.size() > 1 ? " …" : ""));
    });
}

// ---------------------------------------------------------------------------------------
// The menu and the default

struct MenuState {
    std::string cfg;
    grub::Menu menu;
    std::string env_file;
    std::optional<grub::EnvBlock> env;
    std::string env_problem; ///< why the grubenv could not be read ("" when it could)
    std::optional<std::string> get(const char* name) const { return env ? env->get(name) : std::nullopt; }
};

MenuState load_menu(const sys::System& sys, const po::variables_map& vm) {
    const sys::Root& root = sys.root();
    MenuState m;
    m.cfg = vm.count("config") ? user_path(sys, string_of(vm, "config")) : grub::default_grubcfg_path(root);
    if (m.cfg.empty())
        throw Error(Exit::no_input, root.display("/boot/grub/grub.cfg") + ": no grub.cfg (nor /boot/grub2/grub.cfg)",
                    "give one with --config");
    m.menu = grub::parse_menu(root.read_required(m.cfg, 16u << 20));
    m.env_file = env_path(sys, vm);
    try {
        auto f = grub::read_env_file(root, m.env_file);
        if (f.bytes) m.env = std::move(f.block);
    } catch (const Error& e) {
        m.env_problem = e.what(); // the menu is still worth showing
    }
    return m;
}

Json entry_tree_json(const std::vector<grub::MenuEntry>& entries) {
    Json out = Json::array();
    for (const auto& e : entries) {
        Json j = {{"index_path", e.index_path},
                  {"title", e.title},
                  {"id", e.id},
                  {"id_path", e.id_path},
                  {"submenu", e.submenu},
                  {"classes", e.classes},
                  {"users", e.users ? Json(*e.users) : Json(nullptr)},
                  {"unrestricted", e.unrestricted},
                  {"line", e.line},
                  {"conditional", e.conditional},
                  {"linux", e.linux ? Json(*e.linux) : Json(nullptr)},
                  {"linux_args", e.linux_args ? Json(*e.linux_args) : Json(nullptr)},
                  {"initrd", e.initrd}};
        if (e.submenu) j["children"] = entry_tree_json(e.children);
        out.push_back(std::move(j));
    }
    return out;
}

Json selection_json(const grub::Menu& menu, const std::optional<std::string>& value) {
    if (!value) return nullptr;
    auto sel = grub::resolve_default(menu, *value);
    bool hit = sel.entry != nullptr && !sel.fell_back;
    return {{"value", *value},
            {"index_path", hit ? Json(sel.index_path) : Json(nullptr)},
            {"title", hit ? Json(sel.entry->title) : Json(nullptr)},
            {"fell_back", sel.fell_back}};
}

/// The index path a value selects, "" when it matches nothing (GRUB would fall back).
std::string marked(const grub::Menu& menu, const std::optional<std::string>& value) {
    if (!value) return {};
    auto sel = grub::resolve_default(menu, *value);
    return sel.entry != nullptr && !sel.fell_back ? sel.index_path : std::string();
}

void print_tree(std::ostream& o, const std::vector<grub::MenuEntry>& entries, int depth,
                const std::string& mark_default, const std::string& mark_saved, const std::string& mark_next) {
    for (const auto& e : entries) {
        std::string idx = e.index_path;
        idx.resize(std::max<std::size_t>(idx.size() + 1, 8), ' ');
        o << idx << std::string(static_cast<std::size_t>(depth) * 2, ' ') << printable(e.title)
          << (e.submenu ? "  >" : "");
        if (e.index_path == mark_default) o << " [default]";
        if (e.index_path == mark_saved) o << " [saved]";
        if (e.index_path == mark_next) o << " [next]";
        o << "\n" << std::string(8 + static_cast<std::size_t>(depth) * 2, ' ') << "id " << printable(e.id) << "\n";
        if (e.submenu) print_tree(o, e.children, depth + 1, mark_default, mark_saved, mark_next);
    }
}

int menu_run(Context& ctx, const po::variables_map& vm) {
    auto m = load_menu(ctx.system(), vm);
    auto saved = m.get("saved_entry"), next = m.get("next_entry");
    auto eff = grub::effective_default(m.menu, saved, next);
    if (!m.env_problem.empty()) ctx.warn(m.env_problem);
    if (ctx.globals().json) {
        Json j;
        j["schema"] = "bootsmith.grub-menu/1";
        j["config"] = m.cfg;
        j["grubenv"] = m.env ? Json(m.env_file) : Json(nullptr);
        j["blscfg"] = m.menu.blscfg;
        j["entries"] = entry_tree_json(m.menu.entries);
        j["default"] = {{"source", eff.source}, {"selection", selection_json(m.menu, eff.value.value_or("0"))}};
        j["set_default"] = m.menu.default_value ? Json(*m.menu.default_value) : Json(nullptr);
        j["saved_entry"] = selection_json(m.menu, saved);
        j["next_entry"] = selection_json(m.menu, next);
        j["diagnostics"] = m.menu.diagnostics;
        ctx.print_json(j);
        return 0;
    }
    print_tree(ctx.out(), m.menu.entries, 0, eff.selection.fell_back ? "" : eff.selection.index_path,
               marked(m.menu, saved), marked(m.menu, next));
    if (m.menu.blscfg) ctx.out() << "(this grub.cfg also reads Boot Loader Specification entries at boot: blscfg)\n";
    ctx.out() << "default: " << (eff.value ? "\"" + printable(*eff.value) + "\"" : std::string("first entry"))
              << " from " << eff.source
              << (eff.selection.fell_back ? " — matches nothing, GRUB boots the first entry" : "") << "\n";
    for (const auto& d : m.menu.diagnostics)
        ctx.warn(ctx.system().root().display(m.cfg) + ": " + d);
    return 0;
}

/// What to store for ENTRY so that GRUB selects the entry the user means. A value GRUB
/// resolves itself is kept as given (what grub-set-default stores); one only bootsmith can
/// read (a bare id or title inside a submenu) becomes the entry's id path; one matching
/// nothing is refused unless --force.
std::string entry_value(sys::Plan& p, const MenuState& m, const sys::System& sys, const std::string& entry,
                        bool force) {
    auto sel = grub::resolve_default(m.menu, entry);
    const grub::MenuEntry* meant = grub::find_entry(m.menu, entry);
    bool grub_resolves = sel.entry != nullptr && !sel.fell_back && (meant == nullptr || sel.entry == meant);
    if (grub_resolves) {
        if (entry.find_first_not_of("0123456789>") == std::string::npos && !sel.entry->submenu)
            p.notes.push_back("'" + entry +
                              "' is an index: it points elsewhere when entries are added; the id path is \"" +
                              sel.entry->id_path + "\"");
        return entry;
    }
    if (meant != nullptr && !meant->submenu) {
        p.notes.push_back("'" + entry + "' is stored as its id path \"" + meant->id_path +
                          "\": GRUB looks titles and ids up one menu level at a time");
        return meant->id_path;
    }
    if (force || m.menu.blscfg) {
        if (m.menu.blscfg && !force)
            p.notes.push_back("'" + entry + "' is not a menuentry of grub.cfg; with blscfg it may name a BLS entry id");
        return entry;
    }
    throw Error(Exit::refused, "'" + printable(entry) + "' matches no entry of " + sys.root().display(m.cfg),
                "see 'bootsmith grub menu', or use --force");
}

/// Warnings when grub.cfg (or the next update-grub) will not read what is saved.
void warn_not_saved(sys::Plan& p, const MenuState& m, const sys::System& sys) {
    if (!m.menu.default_from_saved_entry && !m.menu.blscfg)
        p.notes.push_back(
            sys.root().display(m.cfg) +
            " does not read saved_entry: the setting has no effect until GRUB_DEFAULT=saved and update-grub");
    try {
        auto g = grub::GrubDefaults::load(sys.root()).get("GRUB_DEFAULT");
        if (g && g->value && *g->value != "saved" && m.menu.default_from_saved_entry)
            p.notes.push_back("GRUB_DEFAULT is \"" + *g->value +
                              "\" in /etc/default/grub: the next update-grub stops reading saved_entry");
    } catch (const Error& e) {
        p.notes.push_back(std::string("cannot tell what GRUB_DEFAULT is: ") + e.what());
    }
}

std::string entry_arg(const po::variables_map& vm, const char* what) {
    auto args = strings_of(vm, "args");
    if (args.size() != 1)
        throw Error(Exit::usage, std::string(what) + " takes one ENTRY (index, index path, title or id)");
    return args[0];
}

int default_run(Context& ctx, const po::variables_map& vm) {
    if (strings_of(vm, "args").empty()) {
        auto m = load_menu(ctx.system(), vm);
        if (!m.env_problem.empty()) ctx.warn(m.env_problem);
        auto eff = grub::effective_default(m.menu, m.get("saved_entry"), m.get("next_entry"));
        const auto& sel = eff.selection;
        if (ctx.globals().json) {
            ctx.print_json({{"schema", "bootsmith.grub-default/1"},
                            {"source", eff.source},
                            {"value", eff.value ? Json(*eff.value) : Json(nullptr)},
                            {"selection", selection_json(m.menu, eff.value.value_or("0"))}});
        } else {
            ctx.out() << (sel.entry != nullptr ? sel.index_path + "  " + printable(sel.entry->title)
                                               : std::string("(empty menu)"))
                      << "   (" << eff.source << (eff.value ? " = \"" + printable(*eff.value) + "\"" : std::string())
                      << (sel.fell_back ? ", matches nothing: GRUB falls back to the first entry" : "") << ")\n";
        }
        return 0;
    }
    std::string entry = entry_arg(vm, "grub default");
    return ctx.mutate([&](sys::System& s) {
        auto m = load_menu(s, vm);
        sys::Plan notes;
        std::string value = entry_value(notes, m, s, entry, flag_of(vm, "force"));
        warn_not_saved(notes, m, s);
        auto f = grub::read_env_file(s.root(), m.env_file);
        grub::EnvBlock env = f.block;
        refuse_external(env, "next_entry", s.root(), f.path);
        // What grub-set-default does, in its order, applied to the block in memory.
        env.unset("prev_saved_entry");
        env.unset("next_entry");
        env.set("saved_entry", value);
        auto p = env_plan("grub default " + entry, s.root(), f, env);
        p.notes.insert(p.notes.begin(), notes.notes.begin(), notes.notes.end());
        return p;
    });
}

int next_run(Context& ctx, const po::variables_map& vm) {
    bool clear = flag_of(vm, "clear");
    if (clear == !strings_of(vm, "args").empty()) throw Error(Exit::usage, "give one ENTRY or --clear");
    std::string entry = clear ? std::string() : entry_arg(vm, "grub next");
    return ctx.mutate([&](sys::System& s) {
        auto m = load_menu(s, vm);
        sys::Plan notes;
        std::string value;
        if (!clear) {
            value = entry_value(notes, m, s, entry, flag_of(vm, "force"));
            if (!m.menu.uses_next_entry && !m.menu.blscfg)
                notes.notes.push_back(s.root().display(m.cfg) +
                                      " does not read next_entry: the one-shot boot has no effect");
        }
        auto f = grub::read_env_file(s.root(), m.env_file);
        grub::EnvBlock env = f.block;
        refuse_external(env, "next_entry", s.root(), f.path);
        if (clear) {
            env.unset("next_entry");
        } else {
            // What grub-reboot does: undo a legacy prev_saved_entry, then set next_entry.
            if (auto prev = env.get("prev_saved_entry"); prev && !prev->empty()) {
                env.set("saved_entry", *prev);
                env.unset("prev_saved_entry");
            }
            env.set("next_entry", value);
        }
        auto p = env_plan(clear ? "grub next --clear" : "grub next " + entry, s.root(), f, env);
        p.notes.insert(p.notes.begin(), notes.notes.begin(), notes.notes.end());
        return p;
    });
}

/// Completion of ENTRY: the id paths of the menu (stable), with titles.
std::vector<std::string> complete_menu(Context& ctx, const std::vector<std::string>&) {
    std::vector<std::string> out;
    po::variables_map none;
    auto m = load_menu(ctx.system(), none);
    std::function<void(const std::vector<grub::MenuEntry>&)> walk = [&](const std::vector<grub::MenuEntry>& es) {
        for (const auto& e : es) {
            if (!e.submenu) out.push_back(e.id_path + "\t" + printable(e.title));
            walk(e.children);
        }
    };
    walk(m.menu.entries);
    return out;
}

std::vector<std::string> words(std::initializer_list<const char*> list) {
    return {list.begin(), list.end()};
}

} // namespace

Command grub_command() {
    Command c = make_command("grub", "GRUB's files: grubenv, /etc/default/grub, the grub.cfg menu and its default");
    auto env_file_option = [](po::options_description& o) {
        o.add_options()("file", po::value<std::string>()->value_name("PATH"),
                        "the grubenv (default /boot/grub/grubenv or /boot/grub2/grubenv)");
    };
    auto menu_options = [env_file_option](po::options_description& o) {
        o.add_options()("config", po::value<std::string>()->value_name("PATH"),
                        "the grub.cfg (default /boot/grub/grub.cfg or /boot/grub2/grub.cfg)");
        env_file_option(o);
    };
    {
        Verb v = make_verb("env", "[list | get NAME | set NAME=VALUE… | unset NAME… | create]",
                           "Read and edit grubenv exactly as grub-editenv does (atomically)");
        v.options = [env_file_option](po::options_description& o, auto& hidden, auto& pos) {
            env_file_option(o);
            any_args(hidden, pos);
        };
        v.complete = [](Context&, const std::vector<std::string>& a) {
            return a.empty() ? words({"list", "get", "set", "unset", "create"}) : std::vector<std::string> {};
        };
        v.run = env_run;
        c.verbs.push_back(std::move(v));
    }
    {
        Verb v = make_verb("config", "[list | get KEY | set KEY VALUE | unset KEY]",
                           "Read and edit /etc/default/grub losslessly (drop-ins in /etc/default/grub.d included)");
        v.options = [](auto&, auto& hidden, auto& pos) { any_args(hidden, pos); };
        v.complete = [](Context& ctx, const std::vector<std::string>& a) {
            if (a.empty()) return words({"list", "get", "set", "unset"});
            std::vector<std::string> out;
            if (a.size() == 1 && a[0] != "list")
                for (const auto& s : grub::GrubDefaults::load(ctx.system().root()).settings())
                    out.push_back(s.key + "\t" + (s.value ? printable(*s.value) : "<computed>"));
            return out;
        };
        v.run = config_run;
        c.verbs.push_back(std::move(v));
    }
    {
        Verb v = make_verb("cmdline", "[show | add ARG… | remove ARG…] [--default]",
                           "Show or edit GRUB_CMDLINE_LINUX (--default: GRUB_CMDLINE_LINUX_DEFAULT)");
        v.options = [](po::options_description& o, auto& hidden, auto& pos) {
            o.add_options()("default", po::bool_switch(), "edit GRUB_CMDLINE_LINUX_DEFAULT (normal entries only)");
            any_args(hidden, pos);
        };
        v.complete = [](Context&, const std::vector<std::string>& a) {
            return a.empty() ? words({"show", "add", "remove"}) : std::vector<std::string> {};
        };
        v.run = cmdline_run;
        c.verbs.push_back(std::move(v));
    }
    {
        Verb v = make_verb("menu", "", "Show the grub.cfg menu with index paths and ids, and what boots by default");
        v.options = [menu_options](po::options_description& o, auto&, auto&) { menu_options(o); };
        v.run = menu_run;
        c.verbs.push_back(std::move(v));
    }
    {
        Verb v = make_verb("default", "[ENTRY] [--force]",
                           "Show the default entry, or save one as grub-set-default does (saved_entry)");
        v.options = [menu_options](po::options_description& o, auto& hidden, auto& pos) {
            menu_options(o);
            o.add_options()("force", po::bool_switch(), "save an ENTRY that matches nothing in the menu");
            any_args(hidden, pos);
        };
        v.complete = complete_menu;
        v.run = default_run;
        c.verbs.push_back(std::move(v));
    }
    {
        Verb v = make_verb("next", "ENTRY | --clear", "Boot an entry once, as grub-reboot does (next_entry)");
        v.options = [menu_options](po::options_description& o, auto& hidden, auto& pos) {
            menu_options(o);
            o.add_options()("force", po::bool_switch(), "use an ENTRY that matches nothing in the menu") //
                ("clear", po::bool_switch(), "remove next_entry");
            any_args(hidden, pos);
        };
        v.complete = complete_menu;
        v.run = next_run;
        c.verbs.push_back(std::move(v));
    }
    return c;
}

} // namespace bootsmith::cli
