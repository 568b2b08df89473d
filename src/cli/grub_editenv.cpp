// `bootsmith grub-editenv FILE COMMAND …` (also: the binary invoked as `grub-editenv`):
// grub-editenv 2.06's command line, messages and exit codes, for scripts. The block is the
// same byte for byte; the difference is how it is written: atomically, after a backup,
// under the lock (grub-editenv truncates the file in place).
#include "app.hpp"

#include "bootsmith/error.hpp"
#include "bootsmith/grub/grubenv.hpp"
#include "bootsmith/sys/lock.hpp"

#include <filesystem>
#include <ostream>

namespace bootsmith::cli {

namespace {

constexpr const char* kUsage = "Usage: grub-editenv [OPTION...] FILENAME COMMAND\n"
                               "Try 'grub-editenv --help' or 'grub-editenv --usage' for more information.\n";

struct Done {
    int code;
};

/// grub-editenv's own error line: "grub-editenv: error: <what>."
[[noreturn]] void fail(std::ostream& err, const std::string& what) {
    err << "grub-editenv: error: " << what << ".\n";
    throw Done {1};
}

} // namespace

int run_grub_editenv(const std::vector<std::string>& args, const Globals& g, std::ostream& out, std::ostream& err) {
    try {
        std::vector<std::string> words;
        bool options_done = false;
        for (const auto& a : args) {
            if (!options_done && a == "--") {
                options_done = true;
            } else if (!options_done && (a == "-V" || a == "--version")) {
                out << "grub-editenv (GRUB) 2.06-13+deb12u2\n";
                return 0;
            } else if (!options_done && (a == "--help" || a == "-?" || a == "--usage")) {
                out << "Usage: grub-editenv [OPTION...] FILENAME COMMAND\n"
                       "Tool to edit environment block (bootsmith's grub-editenv: the same commands, written "
                       "atomically).\n\n"
                       "Commands:\n  create\t\t\tCreate a blank environment block file.\n"
                       "  list\t\t\tList the current variables.\n"
                       "  set [NAME=VALUE ...]\tSet variables.\n"
                       "  unset [NAME ...]\tDelete variables.\n";
                return 0;
            } else if (!options_done && (a == "-v" || a == "--verbose")) {
                // grub-editenv's -v only makes its own messages chattier.
            } else if (!options_done && a.size() > 1 && a[0] == '-' && a != "-") {
                err << "grub-editenv: "
                    << (a.starts_with("--") ? "unrecognized option '" + a + "'"
                                            : "invalid option -- '" + a.substr(1, 1) + "'")
                    << "\nTry 'grub-editenv --help' or 'grub-editenv --usage' for more information.\n";
                return 64;
            } else {
                words.push_back(a);
            }
        }
        if (words.empty()) {
            err << "You need to specify at least one command.\n" << kUsage;
            return 64;
        }
        // One word is the command (the file is the default one); otherwise FILE COMMAND ARGS.
        std::string file = words.size() == 1 ? "-" : words[0];
        std::string command = words.size() == 1 ? words[0] : words[1];
        std::vector<std::string> rest(words.begin() + (words.size() == 1 ? 1 : 2), words.end());
        if (command != "create" && command != "list" && command != "set" && command != "unset") {
            err << "Unknown command `" << command << "'.\n" << kUsage;
            return 1;
        }

        Context ctx(
            g,
            [&] {
                std::vector<std::string> v {"grub-editenv"};
                v.insert(v.end(), args.begin(), args.end());
                return v;
            }(),
            out, err);
        sys::System& sys = ctx.system();
        // FILE is the caller's path: relative to the working directory on the live system,
        // a system path inside --root otherwise. "-" is the distribution's default.
        std::string path = file == "-"            ? grub::default_grubenv_path(sys.root())
                           : sys.root().is_live() ? std::filesystem::absolute(file).native()
                                                  : sys::normalise(file);

        // A listing reads one file, replaced only by rename: it needs no lock (nor root).
        auto held = command == "list" ? std::optional<sys::Lock>() : ctx.lock();
        auto before = sys.root().read(path, 1u << 20);
        grub::EnvBlock env = grub::EnvBlock::create();
        if (before && command != "create") {
            try {
                env = grub::EnvBlock::parse(*before, sys.root().display(path));
            } catch (const Error&) {
                fail(err, "invalid environment block");
            }
        }
        if (command == "set") {
            std::vector<grub::EnvVar> vars;
            for (const auto& a : rest) {
                auto v = grub::parse_assignment(a);
                if (!v) fail(err, "invalid parameter " + a);
                vars.push_back(std::move(*v));
            }
            try {
                env.set_all(vars);
            } catch (const Error&) {
                fail(err, "environment block too small");
            }
        } else if (command == "unset") {
            for (const auto& n : rest)
                env.unset(n);
        }

        // A missing file is created by every command, as grub-editenv does.
        sys::Plan plan;
        plan.title = "grub-editenv " + command;
        plan.write_file(path, before, env.bytes(), "GRUB environment block", false);
        if (!plan.empty()) {
            if (!sys.root().is_dir(std::filesystem::path(path).parent_path().native()))
                fail(err, "cannot open `" + path + ".new': No such file or directory");
            if (g.dry_run) {
                out << sys::render_text(plan, sys, {ctx.color()}) << "Dry run: nothing was written.\n";
            } else {
                sys::apply(sys, plan, ctx.argv());
            }
        }
        if (command == "list")
            for (const auto& v : env.list())
                out << v.name << "=" << v.value << "\n";
        return 0;
    } catch (const Done& d) {
        return d.code;
    } catch (const Error& e) {
        err << "grub-editenv: error: " << e.what() << ".\n";
        return 1;
    }
}

Command grub_editenv_command() {
    Verb v;
    v.synopsis = "FILE (create | list | set NAME=VALUE… | unset NAME…)";
    v.summary = "grub-editenv's command line, for scripts (writes atomically)";
    v.run = [](Context&, const po::variables_map&) { return 0; }; // dispatched in run() before parsing
    Command c = make_command("grub-editenv", "grub-editenv-compatible front end for existing scripts");
    c.verbs = {v};
    c.passthrough = true;
    c.passthrough_run = run_grub_editenv;
    return c;
}

} // namespace bootsmith::cli
