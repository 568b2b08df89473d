// `bootsmith grubby ARGS…` (also: the binary invoked as `grubby`): grubby's command line,
// messages and exit codes. grub.cfg mode is C grubby 8.40 (byte for byte on its grub2 test
// suite, tests/cli/grubby_test.cpp); the differences are in how it writes: under the lock,
// after a backup, atomically, never a result that GRUB could not parse.
#include "grubby.hpp"

#include "bootsmith/error.hpp"
#include "bootsmith/grub/grubenv.hpp"
#include "bootsmith/grub/menu.hpp"
#include "bootsmith/kernel/grubby_cfg.hpp"
#include "bootsmith/sys/lock.hpp"

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <iostream>
#include <iterator>
#include <ostream>
#include <type_traits>

namespace bootsmith::cli {

namespace {

constexpr const char* kVersion = "grubby version 8.40\n";

// --- popt ---------------------------------------------------------------------------------

enum class Arg { none, string, integer };

struct OptionSpec {
    const char* name;
    char short_name;
    Arg arg;
    const char* arg_name; ///< for --help
    const char* help;
    std::function<void(GrubbyOptions&, const std::string&)> set;
};

template <class T> auto store(std::optional<T> GrubbyOptions::*field) {
    return [field](GrubbyOptions& o, const std::string& v) {
        if constexpr (std::is_same_v<T, int>)
            o.*field = static_cast<int>(std::strtoll(v.c_str(), nullptr, 0)); // checked by popt_int
        else
            o.*field = v;
    };
}
auto flag(bool GrubbyOptions::*field) {
    return [field](GrubbyOptions& o, const std::string&) { o.*field = true; };
}
auto loader(const char* name) {
    return [name](GrubbyOptions& o, const std::string&) { o.other_loaders.emplace_back(name); };
}

const std::vector<OptionSpec>& option_table() {
    static const std::vector<OptionSpec> t = {
        {"add-kernel", 0, Arg::string, "kernel-path", "add an entry for the specified kernel",
         store(&GrubbyOptions::add_kernel)},
        {"add-multiboot", 0, Arg::string, nullptr, "add an entry for the specified multiboot kernel",
         store(&GrubbyOptions::add_multiboot)},
        {"args", 0, Arg::string, "args",
         "default arguments for the new kernel or new arguments for kernel being updated", store(&GrubbyOptions::args)},
        {"mbargs", 0, Arg::string, nullptr,
         "default arguments for the new multiboot kernel or new arguments for multiboot kernel being updated",
         store(&GrubbyOptions::mbargs)},
        {"mounts", 0, Arg::string, "mounts", "path to fake /proc/mounts file (for testing only)",
         store(&GrubbyOptions::mounts)},
        {"bad-image-okay", 0, Arg::none, nullptr, "don't sanity check images in boot entries (for testing only)",
         flag(&GrubbyOptions::bad_image_okay)},
        {"boot-filesystem", 0, Arg::string, "bootfs", "filesystem which contains /boot directory (for testing only)",
         store(&GrubbyOptions::boot_filesystem)},
        {"bootloader-probe", 0, Arg::none, nullptr, "check which bootloader is installed on boot sector",
         flag(&GrubbyOptions::bootloader_probe)},
        {"bls-directory", 'b', Arg::string, "path", "path to the BLS entries (grubby-bls)",
         store(&GrubbyOptions::bls_directory)},
        {"config-file", 'c', Arg::string, "path", "path to grub config file to update (\"-\" for stdin)",
         store(&GrubbyOptions::config_file)},
        {"copy-default", 0, Arg::none, nullptr,
         "use the default boot entry as a template for the new entry being added; if the default is not a linux "
         "image, or if the kernel referenced by the default image does not exist, the first linux entry whose "
         "kernel does exist is used as the template",
         flag(&GrubbyOptions::copy_default)},
        {"debug", 0, Arg::none, nullptr, "print debugging information for failures", flag(&GrubbyOptions::debug)},
        {"default-kernel", 0, Arg::none, nullptr, "display the path of the default kernel",
         flag(&GrubbyOptions::default_kernel)},
        {"default-index", 0, Arg::none, nullptr, "display the index of the default kernel",
         flag(&GrubbyOptions::default_index)},
        {"default-title", 0, Arg::none, nullptr, "display the title of the default kernel",
         flag(&GrubbyOptions::default_title)},
        {"devtree", 0, Arg::string, "dtb-path", "device tree file for new stanza", store(&GrubbyOptions::devtree)},
        {"devtreedir", 0, Arg::string, "dtb-path", "device tree directory for new stanza",
         store(&GrubbyOptions::devtree)},
        {"elilo", 0, Arg::none, nullptr, "configure elilo bootloader", loader("--elilo")},
        {"efi", 0, Arg::none, nullptr, "force grub2 stanzas to use efi", flag(&GrubbyOptions::efi)},
        {"env", 0, Arg::string, "path", "path for environment data", store(&GrubbyOptions::env)},
        {"extlinux", 0, Arg::none, nullptr, "configure extlinux bootloader (from syslinux)", loader("--extlinux")},
        {"grub", 0, Arg::none, nullptr, "configure grub bootloader", loader("--grub")},
        {"grub2", 0, Arg::none, nullptr, "configure grub2 bootloader", flag(&GrubbyOptions::grub2)},
        {"info", 0, Arg::string, "kernel-path", "display boot information for specified kernel",
         store(&GrubbyOptions::info)},
        {"initrd", 0, Arg::string, "initrd-path", "initrd image for the new kernel", store(&GrubbyOptions::initrd)},
        {"extra-initrd", 'i', Arg::string, "initrd-path", "auxiliary initrd image for things other than the new kernel",
         nullptr},
        {"lilo", 0, Arg::none, nullptr, "configure lilo bootloader", loader("--lilo")},
        {"make-default", 0, Arg::none, nullptr, "make the newly added entry the default boot entry",
         flag(&GrubbyOptions::make_default)},
        {"no-etc-grub-update", 0, Arg::none, nullptr,
         "do not update GRUB_CMDLINE_LINUX in /etc/default/grub (grubby-bls)",
         flag(&GrubbyOptions::no_etc_grub_update)},
        {"output-file", 'o', Arg::string, "path", "path to output updated config file (\"-\" for stdout)",
         store(&GrubbyOptions::output_file)},
        {"remove-args", 0, Arg::string, nullptr, "remove kernel arguments", store(&GrubbyOptions::remove_args)},
        {"remove-mbargs", 0, Arg::string, nullptr, "remove multiboot kernel arguments",
         store(&GrubbyOptions::remove_mbargs)},
        {"remove-kernel", 0, Arg::string, "kernel-path", "remove all entries for the specified kernel",
         store(&GrubbyOptions::remove_kernel)},
        {"remove-multiboot", 0, Arg::string, nullptr, "remove all entries for the specified multiboot kernel",
         store(&GrubbyOptions::remove_multiboot)},
        {"set-default", 0, Arg::string, "kernel-path",
         "make the first entry referencing the specified kernel the default", store(&GrubbyOptions::set_default)},
        {"set-default-index", 0, Arg::integer, "entry-index", "make the given entry index the default entry",
         store(&GrubbyOptions::set_default_index)},
        {"set-index", 0, Arg::integer, "entry-index", "use the given index when creating a new entry",
         store(&GrubbyOptions::set_index)},
        {"silo", 0, Arg::none, nullptr, "configure silo bootloader", loader("--silo")},
        {"title", 0, Arg::string, "entry-title", "title to use for the new kernel entry", store(&GrubbyOptions::title)},
        {"update-kernel", 0, Arg::string, "kernel-path", "updated information for the specified kernel",
         store(&GrubbyOptions::update_kernel)},
        {"version", 'v', Arg::none, nullptr, "print the version of this program and exit", nullptr},
        {"yaboot", 0, Arg::none, nullptr, "configure yaboot bootloader", loader("--yaboot")},
        {"zipl", 0, Arg::none, nullptr, "configure zipl bootloader", loader("--zipl")},
        {"help", '?', Arg::none, nullptr, "Show this help message", nullptr},
        {"usage", 0, Arg::none, nullptr, "Display brief usage message", nullptr},
    };
    return t;
}

void print_help(std::ostream& out) {
    out << "Usage: grubby [OPTION...]\n";
    auto row = [&](const OptionSpec& s) {
        std::string left = s.short_name ? std::string("  -") + s.short_name + ", --" : std::string("      --");
        left += s.name;
        if (s.arg != Arg::none) left += std::string("=") + (s.arg_name ? s.arg_name : "STRING");
        if (left.size() < 38) left.resize(38, ' ');
        out << left << " " << s.help << "\n";
    };
    for (const auto& s : option_table())
        if (std::string_view(s.name) != "help" && std::string_view(s.name) != "usage") row(s);
    out << "\nHelp options:\n";
    for (const auto& s : option_table())
        if (std::string_view(s.name) == "help" || std::string_view(s.name) == "usage") row(s);
}

/// popt's integer: strtoll base 0, the whole string, within int.
std::optional<int> popt_int(const std::string& v, const char*& problem) {
    errno = 0;
    char* end = nullptr;
    long long n = std::strtoll(v.c_str(), &end, 0);
    if (!end || *end != '\0') {
        problem = "invalid numeric value";
        return std::nullopt;
    }
    if (errno == ERANGE || n > INT_MAX || n < INT_MIN) {
        problem = "number too large or too small";
        return std::nullopt;
    }
    return static_cast<int>(n);
}

struct Fail {
    int code;
};

[[noreturn]] void fail(std::ostream& err, const std::string& message, int code = 1) {
    err << message << "\n";
    throw Fail {code};
}

/// A path grubby was given, as a system path of the root: relative to the working
/// directory on the live system, to the root otherwise (as grub-editenv's FILE).
std::string system_path(const sys::Root& root, const std::string& p) {
    return root.is_live() ? std::filesystem::absolute(p).native() : sys::normalise(p);
}

/// Without --boot-filesystem grubby compares the devices of / and /boot: kernel paths in
/// grub.cfg are relative to /boot when it is a file system of its own. Here that is decided
/// from the root's mount table (proc/self/mountinfo): /boot listed as a mount point. A root
/// without one (a directory tree, an image) has no separate /boot.
std::string detect_boot_prefix(const sys::Root& root) {
    std::optional<std::string> info;
    try {
        info = root.read("/proc/self/mountinfo", 16u << 20);
    } catch (const Error&) {
        return "";
    }
    if (!info) return "";
    std::string_view rest = *info;
    while (!rest.empty()) {
        std::size_t nl = rest.find('\n');
        std::string_view line = rest.substr(0, nl);
        rest = nl == std::string_view::npos ? std::string_view {} : rest.substr(nl + 1);
        // id parent major:minor root mount-point …
        std::size_t p = 0;
        for (int field = 0; field < 4 && p != std::string_view::npos; ++field) {
            p = line.find(' ', p);
            if (p != std::string_view::npos) ++p;
        }
        if (p == std::string_view::npos) continue;
        std::string_view mount = line.substr(p, line.find(' ', p) - p);
        if (mount == "/boot") return "/boot";
    }
    return "";
}

bool has_bls_entries(const sys::Root& root) {
    for (const auto& e : root.list("/boot/loader/entries"))
        if (e.name.ends_with(".conf") &&
            (e.type == sys::FileInfo::Type::regular || e.type == sys::FileInfo::Type::symlink))
            return true;
    return false;
}

/// grubby's grub2FindConfig, inside the root.
std::optional<std::string> find_config(const sys::Root& root) {
    for (const char* p : {"/etc/grub2-efi.cfg", "/etc/grub2.cfg", "/boot/grub2/grub.cfg", "/boot/grub2-efi/grub.cfg"})
        if (root.is_file(p)) return p;
    if (root.is_dir("/etc/grub.d")) return "/boot/grub/grub.cfg";
    std::string d = grub::default_grubcfg_path(root);
    if (!d.empty()) return d;
    return std::nullopt;
}

/// The first saved_entry line of a grubenv (what grubby's `grub2-editenv list | grep` sees).
std::optional<std::string> first_saved_entry(const grub::EnvBlock& b) {
    for (const auto& v : b.list())
        if (v.name == "saved_entry") return v.value;
    return std::nullopt;
}

int run_cfg(const GrubbyOptions& o, Context& ctx) {
    std::ostream& out = ctx.out();
    std::ostream& err = ctx.err();
    sys::System& sys = ctx.system();
    const sys::Root& root = sys.root();

    if (o.other_loaders.size() + (o.grub2 ? 1 : 0) > 1) fail(err, "grubby: cannot specify multiple bootloaders");
    if (o.bootloader_probe && o.config_file) fail(err, "grubby: cannot specify config file with --bootloader-probe");
    if (!o.other_loaders.empty())
        fail(err, "grubby: " + o.other_loaders.front() + " is not supported: only grub2 configurations are");
    if (o.add_multiboot || o.mbargs || o.remove_mbargs || o.remove_multiboot)
        fail(err, "grubby: multiboot entries are not supported");

    const bool display = o.default_kernel || o.default_index || o.default_title || o.info;
    if (o.bootloader_probe) {
        if (display || o.add_kernel || o.remove_kernel || o.make_default || o.set_default ||
            (o.set_default_index && *o.set_default_index >= 0))
            fail(err, "grubby: --bootloader-probe may not be used with specified option");
        if (root.is_dir("/etc/grub.d")) out << "grub2\n";
        return 0;
    }
    if ((o.default_kernel || o.info) && (o.add_kernel || o.remove_kernel))
        fail(err, "grubby: --default-kernel and --info may not be used when adding or removing kernels");
    if (o.add_kernel && !o.title) fail(err, "grubby: kernel title must be specified");
    if (!o.add_kernel &&
        (o.copy_default || (o.initrd && !o.update_kernel) || o.make_default || !o.extra_initrds.empty()))
        fail(err, "grubby: kernel path expected");
    if (o.add_kernel && o.update_kernel) fail(err, "grubby: --add-kernel and --update-kernel maynot be used together");
    bool make_default = o.make_default;
    std::optional<std::string> set_default = o.set_default;
    const int default_index = o.set_default_index.value_or(-1);
    if (make_default && set_default) fail(err, "grubby: --make-default and --default-kernel may not be used together");
    if (set_default && o.remove_kernel && *set_default == *o.remove_kernel)
        fail(err, "grubby: cannot make removed kernel the default");
    if (set_default && o.add_kernel && *set_default == *o.add_kernel) {
        make_default = true;
        set_default.reset();
    } else if (set_default && default_index >= 0) {
        fail(err, "grubby: --set-default and --set-default-index may not be used together");
    }
    if (o.config_file && *o.config_file == "-" && !o.output_file)
        fail(err, "grubby: output file must be specified if stdin is used");
    if (!o.remove_kernel && !o.add_kernel && !o.default_kernel && !set_default && !o.info && !o.update_kernel &&
        !o.default_index && !o.default_title && default_index == -1)
        fail(err, "grubby: no action specified");

    std::string prefix;
    if (o.boot_filesystem) {
        prefix = *o.boot_filesystem;
        if (!prefix.empty() && prefix.back() == '/') prefix.pop_back();
    } else {
        prefix = detect_boot_prefix(root);
    }

    std::string config_arg;
    if (o.config_file) {
        config_arg = *o.config_file;
    } else if (auto found = find_config(root)) {
        config_arg = *found;
    } else {
        out << "Could not find bootloader configuration file.\n";
        return 1;
    }
    const bool from_stdin = config_arg == "-";
    const std::string config_path = from_stdin ? "-" : system_path(root, config_arg);
    const std::string output_arg = o.output_file.value_or(config_arg);
    const bool to_stdout = output_arg == "-";
    const std::string output_path = to_stdout ? "-" : system_path(root, output_arg);
    const std::string env_path = o.env ? system_path(root, *o.env) : grub::default_grubenv_path(root);

    // What is read to be written is read under the lock.
    auto held = [&]() -> std::optional<sys::Lock> {
        if (display) return std::nullopt;
        return ctx.lock();
    }();

    std::string text;
    if (from_stdin) {
        text.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
    } else {
        std::optional<std::string> r;
        try {
            r = root.read(config_path);
        } catch (const Error& e) {
            // grubby's message for what open() refuses; the seam's (naming the file) otherwise.
            if (std::string_view(e.what()).find("is a directory") != std::string_view::npos)
                fail(err, "error opening " + config_arg + " for read: Is a directory");
            fail(err, std::string("grubby: ") + e.what());
        }
        if (!r) fail(err, "error opening " + config_arg + " for read: No such file or directory");
        text = std::move(*r);
    }
    if (auto problem = kernel::grubby_cfg_problem(text)) fail(err, "grubby: " + config_arg + ": " + *problem);

    kernel::GrubbyHost host;
    // grubby reads grubenv through grub2-editenv: one that is not a block has no saved_entry.
    std::optional<grub::EnvFile> env;
    try {
        env = grub::read_env_file(root, env_path);
        host.saved_entry = first_saved_entry(env->block);
    } catch (const Error&) {
        env.reset();
    }
    try {
        std::string mounts_path = o.mounts ? system_path(root, *o.mounts) : "/proc/mounts";
        host.mounts = root.read(mounts_path, 16u << 20).value_or("");
    } catch (const Error&) {
        host.mounts.clear();
    }
    host.readable = [&root](const std::string& p) {
        try {
            return root.exists(p);
        } catch (const Error&) {
            return false;
        }
    };
    host.efi = o.efi;
    host.debug = o.debug;
    host.command_line = o.command_line;

    auto cfg = kernel::GrubbyCfg::parse(text, host);
    auto flush = [&] { err << cfg.take_diagnostics(); };

    if (o.default_kernel) {
        std::string s = cfg.default_kernel_text(prefix, o.bad_image_okay);
        flush();
        out << s;
        return 0;
    }
    if (o.default_title) {
        out << cfg.default_title_text();
        return 0;
    }
    if (o.default_index) {
        out << cfg.default_index_text();
        return 0;
    }
    if (o.info) {
        auto s = cfg.info(*o.info, prefix);
        if (!s) fail(err, "grubby: kernel not found");
        out << *s;
        return 0;
    }

    std::optional<int> template_index;
    if (o.copy_default) {
        template_index = cfg.find_template(prefix, false, o.bad_image_okay);
        flush();
        if (!template_index) return 1;
    }
    if (o.remove_kernel) cfg.remove(*o.remove_kernel, prefix);
    const int new_index = o.set_index.value_or(0);
    cfg.set_default(o.add_kernel.has_value(), set_default, make_default, prefix, o.bad_image_okay, default_index,
                    new_index);
    cfg.set_fallback(o.add_kernel.has_value());
    flush();
    if (o.update_kernel) {
        bool ok = cfg.update_args(*o.update_kernel, prefix, o.args, o.remove_args);
        flush();
        if (!ok) return 1;
        if (o.initrd) cfg.update_initrd(*o.update_kernel, prefix, *o.initrd, o.title);
    }
    if (o.add_kernel) {
        kernel::GrubbyCfg::NewKernel k;
        k.kernel = *o.add_kernel;
        k.title = *o.title;
        k.args = o.args;
        k.initrd = o.initrd;
        k.extra_initrds = o.extra_initrds;
        k.devtree = o.devtree;
        k.index = new_index;
        k.template_index = template_index;
        bool ok = cfg.add_kernel(k, prefix);
        flush();
        if (!ok) return 1;
    }
    if (cfg.live_count() == 0)
        fail(err, "grubby: doing this would leave no kernel entries. Not writing out new config.");

    auto written = cfg.write();
    if (auto problem = kernel::grubby_cfg_problem(written.text))
        fail(err, "grubby: refusing to write " + output_arg + ": the result would not be valid GRUB script (" +
                      *problem + ")");

    sys::Plan plan;
    plan.title = "grubby";
    if (!to_stdout) {
        std::optional<std::string> before =
            output_path == config_path ? std::optional<std::string>(text) : root.read(output_path);
        plan.write_file(output_path, before, written.text, "grub.cfg", true, 0644);
    }
    if (written.saved_entry) {
        // grubby runs `grub2-editenv ENV set saved_entry=…` and ignores its failure.
        const std::string tool = "grub2-editenv: error: ";
        if (!env) {
            err << tool << "invalid environment block.\n";
        } else if (!root.is_dir(std::filesystem::path(env_path).parent_path().native())) {
            err << tool << "cannot open `" << env_path << ".new': No such file or directory.\n";
        } else {
            try {
                env->block.set("saved_entry", *written.saved_entry);
                plan.write_file(env_path, env->bytes, env->block.bytes(), "GRUB environment block (saved_entry)",
                                false);
            } catch (const Error&) {
                err << tool << "environment block too small.\n";
            }
        }
    }
    if (to_stdout) out << written.text;
    if (!plan.empty()) {
        if (ctx.globals().dry_run)
            out << sys::render_text(plan, sys, {ctx.color()}) << "Dry run: nothing was written.\n";
        else
            sys::apply(sys, plan, ctx.argv());
    }
    return 0;
}

} // namespace

int parse_grubby_options(const std::vector<std::string>& args, GrubbyOptions& o, std::ostream& out, std::ostream& err) {
    o.argv = args;
    o.command_line.clear();
    for (std::size_t i = 0; i < args.size(); ++i)
        o.command_line += (i ? " " : "") + args[i];
    auto bad = [&](const std::string& what, const char* problem) {
        err << "grubby: bad argument " << what << ": " << problem << "\n";
        return 1;
    };
    auto by_long = [](std::string_view name) -> const OptionSpec* {
        for (const auto& s : option_table())
            if (name == s.name) return &s;
        return nullptr;
    };
    auto by_short = [](char c) -> const OptionSpec* {
        for (const auto& s : option_table())
            if (s.short_name == c) return &s;
        return nullptr;
    };
    // Applies one option; returns an exit code when the run ends here.
    auto apply = [&](const OptionSpec& s, const std::string& value, const std::string& shown) -> int {
        std::string_view name = s.name;
        if (name == "version") {
            out << kVersion;
            return 0;
        }
        if (name == "help") {
            print_help(out);
            return 0;
        }
        if (name == "usage") {
            out << "Usage: grubby [OPTION...]\n";
            return 0;
        }
        if (name == "extra-initrd") {
            if (o.extra_initrds.size() >= 16) {
                err << "grubby: extra initrd maximum is " << o.extra_initrds.size() << "\n";
                return 1;
            }
            o.extra_initrds.push_back(value);
            return -1;
        }
        if (s.arg == Arg::integer) {
            const char* problem = nullptr;
            if (!popt_int(value, problem)) return bad(shown, problem);
        }
        s.set(o, value);
        return -1;
    };

    std::vector<std::string> leftovers;
    bool rest = false;
    for (std::size_t i = 0; i < args.size();) {
        const std::string& a = args[i++];
        if (rest || a.size() < 2 || a[0] != '-') {
            leftovers.push_back(a);
            continue;
        }
        if (a == "--") {
            rest = true;
            continue;
        }
        if (a[1] == '-') {
            std::string body = a.substr(2);
            std::size_t eq = body.find('=');
            const OptionSpec* s = by_long(std::string_view(body).substr(0, eq));
            if (!s) return bad(a, "unknown option");
            if (s->arg == Arg::none) {
                if (eq != std::string::npos) return bad(a, "option does not take an argument");
                if (int rc = apply(*s, "", a); rc >= 0) return rc;
                continue;
            }
            if (eq != std::string::npos) {
                if (int rc = apply(*s, body.substr(eq + 1), a); rc >= 0) return rc;
                continue;
            }
            if (i == args.size()) return bad(a, "missing argument");
            const std::string& v = args[i++];
            if (int rc = apply(*s, v, v); rc >= 0) return rc;
            continue;
        }
        // Short options, possibly grouped: -c FILE, -cFILE, -c=FILE.
        for (std::size_t c = 1; c < a.size();) {
            const OptionSpec* s = by_short(a[c]);
            if (!s) return bad(a, "unknown option");
            ++c;
            if (s->arg == Arg::none) {
                if (c < a.size() && a[c] == '=') return bad(a, "option does not take an argument");
                if (int rc = apply(*s, "", a); rc >= 0) return rc;
                continue;
            }
            if (c < a.size()) {
                if (int rc = apply(*s, a.substr(c + (a[c] == '=' ? 1 : 0)), a); rc >= 0) return rc;
            } else {
                if (i == args.size()) return bad(a, "missing argument");
                const std::string& v = args[i++];
                if (int rc = apply(*s, v, v); rc >= 0) return rc;
            }
            break;
        }
    }
    if (!leftovers.empty()) {
        err << "grubby: unexpected argument " << leftovers.front() << "\n";
        return 1;
    }
    return -1;
}

int run_grubby(const std::vector<std::string>& args, const Globals& g, std::ostream& out, std::ostream& err) {
    GrubbyOptions o;
    if (int rc = parse_grubby_options(args, o, out, err); rc >= 0) return rc;
    try {
        std::vector<std::string> argv {"grubby"};
        argv.insert(argv.end(), args.begin(), args.end());
        Context ctx(g, argv, out, err);
        if (!o.config_file && (o.bls_directory || has_bls_entries(ctx.system().root())))
            return run_grubby_bls(o, g, out, err);
        return run_cfg(o, ctx);
    } catch (const Fail& f) {
        return f.code;
    } catch (const Error& e) {
        err << "grubby: " << e.what() << "\n";
        return 1;
    }
}

Command grubby_command() {
    Verb v;
    v.synopsis = "ARGS…";
    v.summary = "grubby's command line, for scripts";
    v.run = [](Context&, const po::variables_map&) { return 0; }; // dispatched in run() before parsing
    Command c = make_command("grubby", "grubby-compatible front end for existing scripts");
    c.verbs = {v};
    c.passthrough = true;
    c.passthrough_run = run_grubby;
    c.hidden = true;
    return c;
}

} // namespace bootsmith::cli
