// bootsmith grub …: grubenv, /etc/default/grub, the grub.cfg menu, and the saved / one-shot
// default (what grub-editenv, grub-set-default and grub-reboot do).
#include "app.hpp"

#include "bootsmith/error.hpp"
#include "bootsmith/grub/default_grub.hpp"
#include "bootsmith/grub/grubenv.hpp"
#include "bootsmith/grub/menu.hpp"
#include "bootsmith/text.hpp"

#include <ostream>
#include <sstream>

namespace bootsmith::cli {

namespace {

std::vector<std::string> strings(const po::variables_map& vm, const char* name) {
    return vm.count(name) ? vm[name].as<std::vector<std::string>>() : std::vector<std::string> {};
}

std::string string_opt(const po::variables_map& vm, const char* name) {
    return vm.count(name) ? vm[name].as<std::string>() : std::string();
}

bool flag(const po::variables_map& vm, const char* name) {
    return vm.count(name) && vm[name].as<bool>();
}

void args_positional(po::options_description& hidden, po::positional_options_description& pos) {
    hidden.add_options()("args", po::value<std::vector<std::string>>());
    pos.add("args", -1);
}

Verb verb(std::string name, std::string synopsis, std::string summary) {
    Verb v;
    v.name = std::move(name);
    v.synopsis = std::move(synopsis);
    v.summary = std::move(summary);
    return v;
}

/// Variables rhboot keeps in the external env_block on btrfs (grub.md §1.9).
bool external_variable(std::string_view name) {
    for (const char* n : {"next_entry", "boot_counter", "boot_indeterminate", "boot_success", "menu_show_once",
                          "menu_show_once_timeout", "env_block"})
        if (name == n) return true;
    return false;
}

// ---------------------------------------------------------------------------------------
// grubenv

std::string env_path(const sys::System& sys, const po::variables_map& vm) {
    return vm.count("file") ? sys::normalise(string_opt(vm, "file")) : grub::default_grubenv_path(sys.root());
}

/// The block at `path`; nullopt when the file does not exist.
std::optional<grub::EnvBlock> read_env(const sys::Root& root, const std::string& path) {
    auto bytes = root.read(path, 1u << 20);
    if (!bytes) return std::nullopt;
    return grub::EnvBlock::parse(std::move(*bytes), root.display(path));
}

grub::EnvBlock require_env(const sys::Root& root, const std::string& path) {
    auto env = read_env(root, path);
    if (!env)
        throw Error(Exit::no_input, root.display(path) + ": no such file",
                    "create it with 'bootsmith grub env create'");
    return std::move(*env);
}

void refuse_external(const grub::EnvBlock& env, std::string_view name, const sys::Root& root, const std::string& path) {
    if (auto ext = env.external_block(); ext && external_variable(name))
        throw Error(Exit::refused,
                    root.display(path) + ": " + std::string(name) + " lives in the external block " + *ext +
                        " (env_block=), not in this file; editing the file would change nothing GRUB reads");
}

/// The plan that writes `after` over the grubenv at `path` (which held `before`).
sys::Plan env_plan(std::string title, const std::string& path, const std::optional<std::string>& before,
                   const grub::EnvBlock& after) {
    sys::Plan p;
    p.title = std::move(title);
    p.write_file(path, before, after.bytes(), "GRUB environment block", /*text=*/is_utf8(after.bytes()));
    for (const auto& w : after.warnings())
        p.notes.push_back(path + ": " + w);
    return p;
}

Json env_json(const sys::Root& root, const std::string& path, const grub::EnvBlock& env) {
    Json j;
    j["schema"] = "bootsmith.grubenv/1";
    j["file"] = path;
    j["display"] = root.display(path);
    j["size"] = env.bytes().size();
    j["free"] = env.free_space();
    Json vars = Json::array();
    for (const auto& v : env.list())
        vars.push_back({{"name", v.name}, {"value", v.value}});
    j["variables"] = vars;
    j["external_block"] = env.external_block() ? Json(*env.external_block()) : Json(nullptr);
    j["warnings"] = env.warnings();
    return j;
}

/// `NAME=VALUE` arguments, as grub-editenv takes them.
std::vector<grub::EnvVar> assignments(const std::vector<std::string>& args) {
    std::vector<grub::EnvVar> out;
    for (const auto& a : args) {
        auto eq = a.find('=');
        if (eq == std::string::npos)
            throw Error(Exit::usage, "invalid parameter " + printable(a) + ": expected NAME=VALUE");
        out.push_back({a.substr(0, eq), a.substr(eq + 1)});
    }
    return out;
}

int env_run(Context& ctx, const po::variables_map& vm) {
    auto args = strings(vm, "args");
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
                    ctx.warn(sys.root().display(path) + ": " + w);
            }
            return 0;
        }
        if (args.size() != 1) throw Error(Exit::usage, "grub env get takes one NAME");
        auto value = env.get(args[0]);
        if (!value) throw Error(Exit::no_input, sys.root().display(path) + ": no variable " + printable(args[0]));
        if (ctx.globals().json)
            ctx.print_json({{"schema", "bootsmith.grubenv-value/1"}, {"name", args[0]}, {"value", *value}});
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
            std::string path = env_path(s, vm);
            auto before = s.root().read(path, 1u << 20);
            auto env = before ? grub::EnvBlock::parse(*before, s.root().display(path)) : grub::EnvBlock::create();
            if (action == "set") {
                for (const auto& v : vars)
                    refuse_external(env, v.name, s.root(), path);
                env.set_all(vars);
            } else {
                for (const auto& n : args) {
                    refuse_external(env, n, s.root(), path);
                    env.unset(n);
                }
            }
            return env_plan("grub env " + action + " " + printable(args.front()) + (args.size() > 1 ? " …" : ""), path,
                            before, env);
        });
    }
    if (action == "create") {
        if (!args.empty()) throw Error(Exit::usage, "grub env create takes no arguments");
        return ctx.mutate([&](sys::System& s) {
            std::string path = env_path(s, vm);
            auto before = s.root().read(path, 1u << 20);
            if (before) {
                // Like grub-editenv, create resets an existing block: make that a choice.
                auto old = grub::EnvBlock::parse(*before, s.root().display(path));
                if (!old.list().empty() && !ctx.globals().dry_run)
                    ctx.confirm(s.root().display(path) + " holds " + std::to_string(old.list().size()) +
                                " variables; reset it to an empty block");
            }
            return env_plan("grub env create", path, before, grub::EnvBlock::create());
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

/// Warnings for a change to the main file that a drop-in will override.
void note_overrides(sys::Plan& p, const grub::GrubDefaults& d, const std::string& key) {
    for (std::size_t i = 1; i < d.files().size(); ++i)
        if (d.files()[i].deciding(key) != nullptr)
            p.notes.push_back(d.files()[i].path() + " assigns " + key +
                              " after /etc/default/grub: the drop-in's value is the one grub-mkconfig uses");
}

/// The plan that sets KEY to VALUE in /etc/default/grub.
sys::Plan config_set_plan(const sys::System& sys, const std::string& key, const std::string& value, std::string title) {
    auto d = grub::GrubDefaults::load(sys.root());
    const auto& main = d.main();
    sys::Plan p;
    p.title = std::move(title);
    auto before = sys.root().read(grub::GrubDefaults::kPath);
    p.write_file(grub::GrubDefaults::kPath, before, main.with_value(key, value), key);
    note_overrides(p, d, key);
    if (!p.empty()) p.notes.push_back("run update-grub (grub-mkconfig) for the change to reach grub.cfg");
    return p;
}

int config_run(Context& ctx, const po::variables_map& vm) {
    auto args = strings(vm, "args");
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
            for (const auto& f : d.files())
                files.push_back(f.path());
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
        auto d = grub::GrubDefaults::load(ctx.system().root());
        auto s = d.get(args[0]);
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
            p.write_file(grub::GrubDefaults::kPath, s.root().read(grub::GrubDefaults::kPath), d.main().without(args[0]),
                         args[0]);
            note_overrides(p, d, args[0]);
            return p;
        });
    }
    throw Error(Exit::usage, "unknown grub config action '" + printable(action) + "'", "use list, get, set or unset");
}

int cmdline_run(Context& ctx, const po::variables_map& vm) {
    auto args = strings(vm, "args");
    std::string action = args.empty() ? "show" : args.front();
    if (!args.empty()) args.erase(args.begin());
    const std::string key = flag(vm, "default") ? "GRUB_CMDLINE_LINUX_DEFAULT" : "GRUB_CMDLINE_LINUX";
    if (action == "show") {
        if (!args.empty()) throw Error(Exit::usage, "grub cmdline show takes no arguments");
        auto d = grub::GrubDefaults::load(ctx.system().root());
        auto s = d.get(key);
        std::string value = s && s->value ? *s->value : "";
        if (s && !s->value)
            throw Error(Exit::unavailable, s->file + ":" + std::to_string(s->line) + ": " + key +
                                               " is computed by the shell (" + s->reason + ")");
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
        auto d = grub::GrubDefaults::load(s.root());
        const auto* a = d.main().deciding(key);
        if (a != nullptr && !a->value)
            throw Error(Exit::refused, d.main().path() + ":" + std::to_string(a->line) + ": " + key +
                                           " is computed by the shell (" + a->dynamic_reason +
                                           "); refusing to edit it");
        std::string current = a != nullptr ? *a->value : "";
        std::string next = action == "add" ? grub::cmdline_add(current, args) : grub::cmdline_remove(current, args);
        return config_set_plan(s, key, next,
                               "grub cmdline " + action + " " + args.front() + (args.size() > 1 ? " …" : ""));
    });
}

// ---------------------------------------------------------------------------------------
// The menu and the default

std::string cfg_path(const sys::Root& root, const po::variables_map& vm) {
    if (vm.count("config")) return sys::normalise(string_opt(vm, "config"));
    for (const char* p : {"/boot/grub/grub.cfg", "/boot/grub2/grub.cfg"})
        if (root.exists(p)) return p;
    throw Error(Exit::no_input, root.display("/boot/grub/grub.cfg") + ": no grub.cfg (nor /boot/grub2/grub.cfg)",
                "give one with --config");
}

struct MenuState {
    std::string cfg;
    grub::Menu menu;
    std::string env_file;
    std::optional<grub::EnvBlock> env;
};

MenuState load_menu(const sys::Root& root, const po::variables_map& vm) {
    MenuState m;
    m.cfg = cfg_path(root, vm);
    m.menu = grub::parse_menu(root.read_required(m.cfg, 16u << 20));
    m.env_file = vm.count("file") ? sys::normalise(string_opt(vm, "file")) : grub::default_grubenv_path(root);
    m.env = read_env(root, m.env_file);
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
    return {{"value", *value},
            {"index_path", sel.entry != nullptr ? Json(sel.index_path) : Json(nullptr)},
            {"title", sel.entry != nullptr ? Json(sel.entry->title) : Json(nullptr)},
            {"fell_back", sel.fell_back}};
}

/// What GRUB will boot by default: next_entry if set (once), else `default`, where
/// "${saved_entry}" means grubenv's saved_entry.
struct Effective {
    std::optional<std::string> value;
    std::string source; ///< "next_entry", "saved_entry", "grub.cfg set default", "first entry"
};

Effective effective_default(const MenuState& m) {
    auto envget = [&](const char* n) { return m.env ? m.env->get(n) : std::nullopt; };
    if (m.menu.uses_next_entry)
        if (auto n = envget("next_entry"); n && !n->empty()) return {n, "next_entry"};
    if (m.menu.default_from_saved_entry) return {envget("saved_entry"), "saved_entry"};
    if (m.menu.default_value) return {m.menu.default_value, "grub.cfg set default"};
    return {std::nullopt, "first entry"};
}

void print_tree(std::ostream& o, const std::vector<grub::MenuEntry>& entries, int depth,
                const std::string& mark_default, const std::string& mark_saved, const std::string& mark_next) {
    for (const auto& e : entries) {
        std::string idx = e.index_path;
        idx.resize(std::max<std::size_t>(idx.size() + 1, 8), ' ');
        o << idx << std::string(static_cast<std::size_t>(depth) * 2, ' ') << e.title << (e.submenu ? "  >" : "");
        std::string marks;
        if (e.index_path == mark_default) marks += " [default]";
        if (e.index_path == mark_saved) marks += " [saved]";
        if (e.index_path == mark_next) marks += " [next]";
        o << marks << "\n";
        o << std::string(8 + static_cast<std::size_t>(depth) * 2, ' ') << "id " << e.id << "\n";
        if (e.submenu) print_tree(o, e.children, depth + 1, mark_default, mark_saved, mark_next);
    }
}

int menu_run(Context& ctx, const po::variables_map& vm) {
    auto m = load_menu(ctx.system().root(), vm);
    auto eff = effective_default(m);
    auto resolved = [&](const std::optional<std::string>& v) {
        if (!v) return std::string();
        auto sel = grub::resolve_default(m.menu, *v);
        return sel.entry != nullptr ? sel.index_path : std::string();
    };
    auto saved = m.env ? m.env->get("saved_entry") : std::nullopt;
    auto next = m.env ? m.env->get("next_entry") : std::nullopt;
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
    print_tree(ctx.out(), m.menu.entries, 0, resolved(eff.value.value_or("0")), resolved(saved), resolved(next));
    if (m.menu.blscfg) ctx.out() << "(this grub.cfg also reads Boot Loader Specification entries at boot: blscfg)\n";
    ctx.out() << "default: " << (eff.value ? "\"" + printable(*eff.value) + "\"" : std::string("first entry"))
              << " from " << eff.source << "\n";
    for (const auto& d : m.menu.diagnostics)
        ctx.warn(ctx.system().root().display(m.cfg) + ": " + d);
    return 0;
}

/// Checks ENTRY against the menu; warnings for what makes a saved default fragile or inert.
void check_entry(sys::Plan& p, const MenuState& m, const sys::System& sys, const std::string& entry, bool force) {
    const auto* e = grub::find_entry(m.menu, entry);
    if (e == nullptr && !m.menu.blscfg && !force)
        throw Error(Exit::refused, "'" + printable(entry) + "' matches no entry of " + sys.root().display(m.cfg),
                    "see 'bootsmith grub menu', or use --force");
    if (e == nullptr && m.menu.blscfg && !force)
        p.notes.push_back("'" + entry + "' is not a menuentry of grub.cfg; with blscfg it may name a BLS entry id");
    if (e != nullptr && !entry.empty() && entry.find_first_not_of("0123456789>") == std::string::npos)
        p.notes.push_back("'" + entry + "' is an index: it points elsewhere when entries are added; the id path is \"" +
                          e->id_path + "\"");
}

void warn_not_saved(sys::Plan& p, const MenuState& m, const sys::System& sys) {
    auto d = grub::GrubDefaults::load(sys.root());
    auto g = d.get("GRUB_DEFAULT");
    bool saved_in_config = g && g->value && *g->value == "saved";
    if (!m.menu.default_from_saved_entry && !m.menu.blscfg)
        p.notes.push_back(sys.root().display(m.cfg) +
                          " does not read saved_entry (GRUB_DEFAULT=" + (g && g->value ? *g->value : std::string("?")) +
                          "): the setting has no effect until GRUB_DEFAULT=saved and update-grub");
    else if (!saved_in_config && g)
        p.notes.push_back(
            "GRUB_DEFAULT is not 'saved' in /etc/default/grub: the next update-grub will stop reading it");
}

std::string entry_of(const po::variables_map& vm, const char* what) {
    auto args = strings(vm, "args");
    if (args.size() != 1)
        throw Error(Exit::usage, std::string(what) + " takes one ENTRY (index, index path, title or id)");
    return args[0];
}

int default_run(Context& ctx, const po::variables_map& vm) {
    auto args = strings(vm, "args");
    if (args.empty()) {
        auto m = load_menu(ctx.system().root(), vm);
        auto eff = effective_default(m);
        auto sel = grub::resolve_default(m.menu, eff.value.value_or("0"));
        if (ctx.globals().json) {
            ctx.print_json({{"schema", "bootsmith.grub-default/1"},
                            {"source", eff.source},
                            {"value", eff.value ? Json(*eff.value) : Json(nullptr)},
                            {"selection", selection_json(m.menu, eff.value.value_or("0"))}});
        } else {
            ctx.out() << (sel.entry != nullptr ? sel.index_path + "  " + sel.entry->title : std::string("(empty menu)"))
                      << "   (" << eff.source << (eff.value ? " = \"" + printable(*eff.value) + "\"" : std::string())
                      << (sel.fell_back ? ", matches nothing: GRUB falls back to the first entry" : "") << ")\n";
        }
        return 0;
    }
    std::string entry = entry_of(vm, "grub default");
    return ctx.mutate([&](sys::System& s) {
        auto m = load_menu(s.root(), vm);
        sys::Plan notes;
        check_entry(notes, m, s, entry, flag(vm, "force"));
        warn_not_saved(notes, m, s);
        auto before = s.root().read(m.env_file, 1u << 20);
        auto env = before ? grub::EnvBlock::parse(*before, s.root().display(m.env_file)) : grub::EnvBlock::create();
        // What grub-set-default does, in its order, applied to the block in memory.
        env.unset("prev_saved_entry");
        env.unset("next_entry");
        env.set("saved_entry", entry);
        auto p = env_plan("grub default " + entry, m.env_file, before, env);
        p.notes.insert(p.notes.begin(), notes.notes.begin(), notes.notes.end());
        return p;
    });
}

int next_run(Context& ctx, const po::variables_map& vm) {
    bool clear = flag(vm, "clear");
    auto args = strings(vm, "args");
    if (clear == !args.empty()) throw Error(Exit::usage, "give one ENTRY or --clear");
    std::string entry = clear ? std::string() : entry_of(vm, "grub next");
    return ctx.mutate([&](sys::System& s) {
        auto m = load_menu(s.root(), vm);
        sys::Plan notes;
        if (!clear) check_entry(notes, m, s, entry, flag(vm, "force"));
        if (!clear && !m.menu.uses_next_entry && !m.menu.blscfg)
            notes.notes.push_back(s.root().display(m.cfg) +
                                  " does not read next_entry: the one-shot boot has no effect");
        auto before = s.root().read(m.env_file, 1u << 20);
        auto env = before ? grub::EnvBlock::parse(*before, s.root().display(m.env_file)) : grub::EnvBlock::create();
        refuse_external(env, "next_entry", s.root(), m.env_file);
        if (clear) {
            env.unset("next_entry");
        } else {
            // What grub-reboot does: undo a legacy prev_saved_entry, then set next_entry.
            if (auto prev = env.get("prev_saved_entry")) {
                env.set("saved_entry", *prev);
                env.unset("prev_saved_entry");
            }
            env.set("next_entry", entry);
        }
        auto p = env_plan(clear ? "grub next --clear" : "grub next " + entry, m.env_file, before, env);
        p.notes.insert(p.notes.begin(), notes.notes.begin(), notes.notes.end());
        return p;
    });
}

/// Completion of ENTRY: the ids of the menu (stable), with titles.
std::vector<std::string> complete_menu(Context& ctx, const std::vector<std::string>&) {
    std::vector<std::string> out;
    po::variables_map none;
    auto m = load_menu(ctx.system().root(), none);
    std::function<void(const std::vector<grub::MenuEntry>&)> walk = [&](const std::vector<grub::MenuEntry>& es) {
        for (const auto& e : es) {
            if (!e.submenu) out.push_back(e.id_path + "\t" + e.title);
            walk(e.children);
        }
    };
    walk(m.menu.entries);
    return out;
}

std::vector<std::string> complete_words(std::initializer_list<const char*> words) {
    std::vector<std::string> out;
    for (const char* w : words)
        out.emplace_back(w);
    return out;
}

} // namespace

Command grub_command() {
    Command c = make_command("grub", "GRUB's files: grubenv, /etc/default/grub, the grub.cfg menu and its default");
    auto env_file_option = [](po::options_description& o) {
        o.add_options()("file", po::value<std::string>()->value_name("PATH"),
                        "the grubenv (default /boot/grub/grubenv or /boot/grub2/grubenv)");
    };
    {
        Verb v = verb("env", "[list | get NAME | set NAME=VALUE… | unset NAME… | create]",
                      "Read and edit grubenv exactly as grub-editenv does (atomically)");
        v.options = [env_file_option](po::options_description& o, auto& hidden, auto& pos) {
            env_file_option(o);
            args_positional(hidden, pos);
        };
        v.complete = [](Context&, const std::vector<std::string>& a) {
            return a.empty() ? complete_words({"list", "get", "set", "unset", "create"}) : std::vector<std::string> {};
        };
        v.run = env_run;
        c.verbs.push_back(std::move(v));
    }
    {
        Verb v = verb("config", "[list | get KEY | set KEY VALUE | unset KEY]",
                      "Read and edit /etc/default/grub losslessly (drop-ins in /etc/default/grub.d included)");
        v.options = [](auto&, auto& hidden, auto& pos) { args_positional(hidden, pos); };
        v.complete = [](Context& ctx, const std::vector<std::string>& a) {
            if (a.empty()) return complete_words({"list", "get", "set", "unset"});
            std::vector<std::string> out;
            if (a.size() == 1 && a[0] != "list")
                for (const auto& s : grub::GrubDefaults::load(ctx.system().root()).settings())
                    out.push_back(s.key + "\t" + (s.value ? *s.value : "<computed>"));
            return out;
        };
        v.run = config_run;
        c.verbs.push_back(std::move(v));
    }
    {
        Verb v = verb("cmdline", "[show | add ARG… | remove ARG…] [--default]",
                      "Show or edit GRUB_CMDLINE_LINUX (--default: GRUB_CMDLINE_LINUX_DEFAULT)");
        v.options = [](po::options_description& o, auto& hidden, auto& pos) {
            o.add_options()("default", po::bool_switch(), "edit GRUB_CMDLINE_LINUX_DEFAULT (normal entries only)");
            args_positional(hidden, pos);
        };
        v.complete = [](Context&, const std::vector<std::string>& a) {
            return a.empty() ? complete_words({"show", "add", "remove"}) : std::vector<std::string> {};
        };
        v.run = cmdline_run;
        c.verbs.push_back(std::move(v));
    }
    auto menu_options = [env_file_option](po::options_description& o) {
        o.add_options()("config", po::value<std::string>()->value_name("PATH"),
                        "the grub.cfg (default /boot/grub/grub.cfg or /boot/grub2/grub.cfg)");
        env_file_option(o);
    };
    {
        Verb v = verb("menu", "", "Show the grub.cfg menu with index paths and ids, and what boots by default");
        v.options = [menu_options](po::options_description& o, auto&, auto&) { menu_options(o); };
        v.run = menu_run;
        c.verbs.push_back(std::move(v));
    }
    {
        Verb v = verb("default", "[ENTRY] [--force]",
                      "Show the default entry, or save one as grub-set-default does (saved_entry)");
        v.options = [menu_options](po::options_description& o, auto& hidden, auto& pos) {
            menu_options(o);
            o.add_options()("force", po::bool_switch(), "save an ENTRY that matches nothing in the menu");
            args_positional(hidden, pos);
        };
        v.complete = complete_menu;
        v.run = default_run;
        c.verbs.push_back(std::move(v));
    }
    {
        Verb v = verb("next", "ENTRY | --clear", "Boot an entry once, as grub-reboot does (next_entry)");
        v.options = [menu_options](po::options_description& o, auto& hidden, auto& pos) {
            menu_options(o);
            o.add_options()("force", po::bool_switch(), "use an ENTRY that matches nothing in the menu") //
                ("clear", po::bool_switch(), "remove next_entry");
            args_positional(hidden, pos);
        };
        v.complete = complete_menu;
        v.run = next_run;
        c.verbs.push_back(std::move(v));
    }
    return c;
}

} // namespace bootsmith::cli
