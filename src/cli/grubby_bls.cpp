// grubby-bls mode of `bootsmith grubby` (Fedora's grubby 8.40-69, a bash script over BLS
// files): the same options, outputs and messages (../shared/notes/kernels-bls.md §4), built
// on the kernel inventory. Where grubby-bls has a known bug (§4.3), bootsmith does what the
// option means instead, and says so here:
//  * --update-kernel=ALL edits GRUB_CMDLINE_LINUX only, never turns GRUB_CMDLINE_LINUX_DEFAULT
//    into a second GRUB_CMDLINE_LINUX line;
//  * a missing /etc/kernel/cmdline is created without `$tuned_params`-style variables;
//  * --no-etc-grub-update may come anywhere (it does not swallow the next argument);
//  * --args/--remove-args words are words, not regular expressions;
//  * --add-kernel writes no `id <ID>-<timestamp>-<kver>` line: nothing reads it, and it
//    misleads whoever takes it for the entry id (the file name is the id).
#include "grub_shared.hpp"
#include "grubby.hpp"

#include "bootsmith/error.hpp"
#include "bootsmith/grub/default_grub.hpp"
#include "bootsmith/kernel/inventory.hpp"
#include "bootsmith/text.hpp"

#include <algorithm>
#include <ostream>
#include <sstream>

namespace bootsmith::cli {

namespace {

using kernel::Entry;
using kernel::Inventory;

struct Failed {
    int code;
};

[[noreturn]] void fail(std::ostream& err, const std::string& message) {
    err << message << "\n";
    throw Failed {1};
}

/// grubby-bls's own numbering: `sort -Vr` of the entry ids.
struct View {
    Inventory inv;
    std::vector<std::size_t> order; ///< grubby index → inventory position
    std::string bls_dir;

    std::size_t index_of(std::size_t position) const {
        return static_cast<std::size_t>(std::find(order.begin(), order.end(), position) - order.begin());
    }
    /// grubby-bls's default: the entry whose id is saved_entry; nullopt when none matches.
    std::optional<std::size_t> saved() const {
        if (!inv.saved_entry) return std::nullopt;
        for (std::size_t i = 0; i < inv.entries.size(); ++i)
            if (inv.entries[i].id == *inv.saved_entry) return i;
        return std::nullopt;
    }
};

View load(const sys::Root& root, const GrubbyOptions& o) {
    View v;
    v.inv = kernel::read_inventory(root);
    v.bls_dir = o.bls_directory ? sys::normalise(*o.bls_directory) : v.inv.bls_dir;
    if (v.bls_dir.empty()) v.bls_dir = "/boot/loader/entries";
    if (o.env) {
        v.inv.env.reset();
        v.inv.saved_entry.reset();
        auto f = grub::read_env_file(root, sys::normalise(*o.env));
        if (f.bytes) {
            v.inv.env = f.block;
            v.inv.saved_entry = f.block.get("saved_entry");
        }
        v.inv.grubenv = sys::normalise(*o.env);
    }
    std::vector<kernel::BlsSortKey> keys;
    for (const auto& e : v.inv.entries) {
        auto name = kernel::parse_bls_name(e.file.substr(e.file.rfind('/') + 1));
        keys.push_back({name.value_or(kernel::BlsName {}), "", "", ""});
    }
    v.order = kernel::bls_order(keys, kernel::BlsOrder::grubby);
    return v;
}

/// A kernel path as grubby-bls prints it: /boot prefixed when /boot is its own file system.
std::string shown(const View& v, const std::string& loader_path) {
    if (!v.inv.boot_prefix.empty() && !loader_path.starts_with(v.inv.boot_prefix + "/"))
        return v.inv.boot_prefix + loader_path;
    return loader_path;
}

/// Entries SEL names, in grubby order: DEFAULT, ALL, TITLE=…, an index, or a kernel path
/// (exactly, or by /<basename>).
std::vector<std::size_t> select(const View& v, const std::string& sel, std::ostream& err) {
    std::vector<std::size_t> out;
    if (sel == "ALL") return v.order;
    if (sel == "DEFAULT") {
        if (auto d = v.saved()) out.push_back(*d);
        return out;
    }
    if (sel.starts_with("TITLE=")) {
        for (auto i : v.order)
            if (v.inv.entries[i].title == sel.substr(6)) out.push_back(i);
    } else if (!sel.empty() && sel.find_first_not_of("0123456789") == std::string::npos) {
        std::size_t n = std::stoul(sel.size() > 9 ? std::string("999999999") : sel);
        if (n < v.order.size()) out.push_back(v.order[n]);
    } else {
        std::string base = sel.substr(sel.rfind('/') + 1);
        for (auto i : v.order) {
            const Entry& e = v.inv.entries[i];
            if (shown(v, e.linux) == sel || e.linux == sel || e.linux == "/" + base) out.push_back(i);
        }
    }
    if (out.empty()) fail(err, "The param " + sel + " is incorrect");
    return out;
}

/// args as grubby-bls prints them: $kernelopts expanded, root= moved to its own line.
std::pair<std::string, std::string> args_and_root(const View& v, const Entry& e) {
    std::string options = e.options;
    if (auto at = options.find("$kernelopts"); at != std::string::npos && v.inv.env)
        options.replace(at, 11, v.inv.env->get("kernelopts").value_or(""));
    std::string args, root;
    for (const auto& w : grub::cmdline_split(options)) {
        if (w.starts_with("root=")) {
            root = w.substr(5);
            continue;
        }
        args += (args.empty() ? "" : " ") + w;
    }
    return {args, root};
}

void print_info(std::ostream& out, const View& v, std::size_t i) {
    const Entry& e = v.inv.entries[i];
    auto [args, root] = args_and_root(v, e);
    out << "index=" << v.index_of(i) << "\n";
    out << "kernel=\"" << shown(v, e.linux) << "\"\n";
    out << "args=\"" << args << "\"\n";
    if (!root.empty()) out << "root=\"" << root << "\"\n";
    if (!e.initrds.empty()) {
        std::string list;
        for (const auto& p : e.initrds)
            list += (list.empty() ? "" : " ") + (p.starts_with("$") ? p : shown(v, p));
        out << "initrd=\"" << list << "\"\n";
    }
    out << "title=\"" << e.title << "\"\n";
    out << "id=\"" << e.id << "\"\n";
}

/// Runs `make` as a plan: printed with --dry-run, applied otherwise (quietly, as grubby is).
int plan_and_apply(const Globals& g, const GrubbyOptions& o, std::ostream& out, std::ostream& err,
                   const std::function<sys::Plan(sys::System&, Context&)>& make) {
    Globals quiet = g;
    quiet.quiet = quiet.quiet || !g.dry_run;
    std::vector<std::string> argv {"grubby"};
    argv.insert(argv.end(), o.argv.begin(), o.argv.end());
    Context ctx(quiet, argv, out, err);
    return ctx.mutate([&](sys::System& s) { return make(s, ctx); });
}

std::vector<std::string> words(const std::optional<std::string>& s) {
    return s ? grub::cmdline_split(*s) : std::vector<std::string> {};
}

std::string edit(const std::string& options, const GrubbyOptions& o) {
    return grub::cmdline_add(grub::cmdline_remove(options, words(o.remove_args)), words(o.args));
}

/// The grubenv plan that sets saved_entry to entry `i` (the id), and grubby's message.
void set_saved(sys::Plan& p, const sys::System& s, const View& v, std::size_t i, std::ostream& err) {
    auto f = grub::read_env_file(s.root(), v.inv.grubenv);
    grub::EnvBlock env = f.block;
    env.set("saved_entry", v.inv.entries[i].id);
    auto e = env_plan(p.title, s.root(), f, env);
    for (auto& c : e.changes)
        p.changes.push_back(std::move(c));
    err << "The default is " << v.inv.entries[i].file << " with index " << v.index_of(i) << " and kernel "
        << shown(v, v.inv.entries[i].linux) << "\n";
}

std::string machine_id(const sys::Root& root) {
    std::string id = root.read("/etc/machine-id", 256).value_or("");
    return id.substr(0, id.find_first_of("\n "));
}

sys::Plan plan_add(const sys::System& s, const View& v, const GrubbyOptions& o, std::ostream& err) {
    const std::string& path = *o.add_kernel;
    std::string base = path.substr(path.rfind('/') + 1);
    std::string kver = base.starts_with("vmlinuz-") ? base.substr(8) : base;
    if (!o.title) fail(err, "The kernel title must be specified");
    std::string kernel_path = path.starts_with("/") ? path : "/boot/" + path;
    if (!o.bad_image_okay && !s.root().is_file(kernel_path))
        fail(err, "The " + kver + " kernel isn't installed in the machine");
    std::string mid = machine_id(s.root());
    std::string stem = (mid.empty() ? "" : mid + "-") + kver;
    std::string file = v.bls_dir + "/" + stem + ".conf";
    for (int n = 0; s.root().exists(file); ++n) {
        file = v.bls_dir + "/" + stem + "." + std::to_string(n) + "~custom.conf";
        if (!s.root().exists(file)) err << "An entry for kernel " << kver << " already exists, adding " << file << "\n";
    }
    auto loader = [&](const std::string& p) {
        return !v.inv.boot_prefix.empty() && p.starts_with(v.inv.boot_prefix + "/") ? p.substr(v.inv.boot_prefix.size())
                                                                                    : p;
    };
    std::optional<std::size_t> def = v.saved();
    if (!def && !v.order.empty()) def = v.order.front();
    std::string options;
    if (def) {
        options = v.inv.entries[*def].options;
        if (!o.copy_default) options = grub::cmdline_split(options).empty() ? "" : grub::cmdline_split(options)[0];
    }
    options = edit(options, o);
    std::string initrd = o.initrd ? loader(*o.initrd) : loader("/boot/initramfs-" + kver + ".img");
    for (const auto& x : o.extra_initrds)
        initrd += " " + loader(x);
    std::string text = "title " + *o.title + "\nversion " + kver + "\nlinux " + loader(kernel_path) + "\ninitrd " +
                       initrd + "\noptions " + options +
                       "\ngrub_users $grub_users\ngrub_arg --unrestricted\ngrub_class kernel\n";
    sys::Plan p;
    p.title = "grubby --add-kernel " + path;
    p.write_file(file, std::nullopt, text, "new BLS entry");
    if (o.make_default) {
        auto f = grub::read_env_file(s.root(), v.inv.grubenv);
        grub::EnvBlock env = f.block;
        std::string id = file.substr(file.rfind('/') + 1);
        env.set("saved_entry", id.substr(0, id.size() - 5));
        auto e = env_plan(p.title, s.root(), f, env);
        for (auto& c : e.changes)
            p.changes.push_back(std::move(c)); // after the entry it names
    }
    return p;
}

sys::Plan plan_update(const sys::System& s, const View& v, const GrubbyOptions& o, std::ostream& err) {
    auto targets = select(v, *o.update_kernel, err);
    bool all = *o.update_kernel == "ALL";
    sys::Plan p;
    p.title = "grubby --update-kernel=" + *o.update_kernel;
    std::optional<grub::EnvFile> envf;
    std::optional<grub::EnvBlock> env;
    if (v.inv.env) {
        envf = grub::read_env_file(s.root(), v.inv.grubenv);
        env = envf->block;
    }
    std::string last_options;
    for (auto i : targets) {
        const Entry& e = v.inv.entries[i];
        auto before = s.root().read_required(e.file, 1u << 20);
        auto b = kernel::BlsEntry::parse(before);
        std::string options = b.options();
        if (o.args || o.remove_args) {
            bool indirect = options.find("$kernelopts") != std::string::npos;
            if (indirect && !all && env) {
                options.replace(options.find("$kernelopts"), 11, env->get("kernelopts").value_or(""));
                options = edit(options, o);
            } else if (indirect && all) {
                options = grub::cmdline_remove(options, words(o.remove_args));
            } else {
                options = edit(options, o);
            }
            b.set("options", options);
        }
        if (o.initrd) {
            std::string initrd = !v.inv.boot_prefix.empty() && o.initrd->starts_with(v.inv.boot_prefix + "/")
                                     ? o.initrd->substr(v.inv.boot_prefix.size())
                                     : *o.initrd;
            b.set("initrd", initrd);
        }
        last_options = options;
        p.write_file(e.file, before, b.text(), "entry " + e.id);
    }
    if (all && (o.args || o.remove_args)) {
        if (env && env->get("kernelopts")) env->set("kernelopts", edit(*env->get("kernelopts"), o));
        auto cmdline = s.root().read("/etc/kernel/cmdline", 1u << 16);
        std::string current = cmdline.value_or(last_options);
        if (!cmdline) { // created from the entries' arguments, without GRUB-only variables
            std::string clean;
            for (const auto& w : grub::cmdline_split(current))
                if (!w.starts_with("$")) clean += (clean.empty() ? "" : " ") + w;
            current = clean;
        } else {
            current = edit(current.substr(0, current.find('\n')), o);
        }
        p.write_file("/etc/kernel/cmdline", cmdline, current + "\n", "arguments of kernels installed from now on");
        if (!o.no_etc_grub_update && s.root().is_file(grub::GrubDefaults::kPath)) {
            auto setting = grub::GrubDefaults::load(s.root()).get("GRUB_CMDLINE_LINUX");
            if (setting && setting->value) {
                auto c = config_set_plan(s, "GRUB_CMDLINE_LINUX", edit(*setting->value, o), "");
                for (auto& ch : c.changes)
                    p.changes.push_back(std::move(ch));
            }
        }
    }
    if (env) {
        auto e = env_plan(p.title, s.root(), *envf, *env);
        for (auto& c : e.changes)
            p.changes.push_back(std::move(c));
    }
    return p;
}

sys::Plan plan_remove(const sys::System& s, const View& v, const GrubbyOptions& o, std::ostream& err) {
    auto targets = select(v, *o.remove_kernel, err);
    sys::Plan p;
    p.title = "grubby --remove-kernel=" + *o.remove_kernel;
    auto def = v.saved();
    bool removes_default = def && std::find(targets.begin(), targets.end(), *def) != targets.end();
    if (removes_default) { // never a saved_entry that names a missing file
        auto f = grub::read_env_file(s.root(), v.inv.grubenv);
        grub::EnvBlock env = f.block;
        env.unset("saved_entry");
        auto e = env_plan(p.title, s.root(), f, env);
        for (auto& c : e.changes)
            p.changes.push_back(std::move(c));
    }
    for (auto i : targets)
        p.remove_file(v.inv.entries[i].file, s.root().read(v.inv.entries[i].file, 1u << 20),
                      "BLS entry " + v.inv.entries[i].id);
    return p;
}

} // namespace

int run_grubby_bls(const GrubbyOptions& o, const Globals& g, std::ostream& out, std::ostream& err) {
    try {
        sys::System sys(g.root);
        View v = load(sys.root(), o);
        if (o.default_kernel || o.default_index || o.default_title) {
            auto d = v.saved();
            if (o.default_index) {
                out << (d ? std::to_string(v.index_of(*d)) : std::string()) << "\n";
                return 0;
            }
            if (!d && !v.order.empty()) d = v.order.front();
            if (!d) return 0;
            out << (o.default_kernel ? shown(v, v.inv.entries[*d].linux) : v.inv.entries[*d].title) << "\n";
            return 0;
        }
        if (o.info) {
            std::vector<std::size_t> which;
            if (*o.info == "DEFAULT") {
                if (auto d = v.saved()) which.push_back(*d);
            } else {
                which = select(v, *o.info, err);
            }
            for (auto i : which)
                print_info(out, v, i);
            return 0;
        }
        if (o.set_default || o.set_default_index) {
            std::string sel = o.set_default ? *o.set_default : std::to_string(*o.set_default_index);
            return plan_and_apply(g, o, out, err, [&](sys::System& s, Context&) {
                View now = load(s.root(), o);
                auto hits = select(now, sel, err);
                sys::Plan p;
                p.title = "grubby --set-default " + sel;
                set_saved(p, s, now, hits.front(), err);
                return p;
            });
        }
        if (o.add_kernel)
            return plan_and_apply(g, o, out, err,
                                  [&](sys::System& s, Context&) { return plan_add(s, load(s.root(), o), o, err); });
        if (o.update_kernel)
            return plan_and_apply(g, o, out, err,
                                  [&](sys::System& s, Context&) { return plan_update(s, load(s.root(), o), o, err); });
        if (o.remove_kernel)
            return plan_and_apply(g, o, out, err,
                                  [&](sys::System& s, Context&) { return plan_remove(s, load(s.root(), o), o, err); });
        err << "no action specified\n";
        return 1;
    } catch (const Failed& f) {
        return f.code;
    } catch (const Error& e) {
        err << "grubby: " << e.what() << "\n";
        return 1;
    }
}

} // namespace bootsmith::cli
