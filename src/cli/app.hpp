// The command-line frame: global options, the command table, and the Context every verb
// runs in. Verbs live one per file (status.cpp, groups.cpp, …) and only parse, decide and
// print; reading and writing go through the System seam.
#pragma once

#include "bootsmith/json.hpp"
#include "bootsmith/sys/lock.hpp"
#include "bootsmith/sys/plan.hpp"
#include "bootsmith/sys/system.hpp"

#include <boost/program_options.hpp>

#include <functional>
#include <iosfwd>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace bootsmith::cli {

namespace po = boost::program_options;

/// Options accepted before or after the command, at every level.
struct Globals {
    std::string root = "/";
    bool dry_run = false;
    bool json = false;
    bool yes = false;
    bool quiet = false;
    bool verbose = false;
    double lock_timeout = 30.0; ///< seconds to wait for another bootsmith to finish
};

/// Everything a verb may use: parsed globals, the System seam, and the output channels.
class Context {
public:
    Context(Globals g, std::vector<std::string> argv, std::ostream& out, std::ostream& err);
    ~Context();

    const Globals& globals() const { return g_; }
    const std::vector<std::string>& argv() const { return argv_; }
    /// The seam rooted at --root, created on first use.
    sys::System& system();

    std::ostream& out() { return out_; }
    std::ostream& err() { return err_; }
    bool color() const { return color_out_; }

    /// Prints a JSON document on stdout.
    void print_json(const Json& j);
    /// A warning on stderr ("bootsmith: warning: …"), suppressed by --quiet.
    void warn(const std::string& message);

    /// Runs a mutating command: takes the lock (not for --dry-run), lets `make` compute the
    /// plan from the locked state, then prints it (--dry-run) or applies it. Returns the
    /// exit code.
    int mutate(const std::function<sys::Plan(sys::System&)>& make);

    /// The exclusive lock of the root, waiting up to --lock-timeout; nullopt for a dry run
    /// (which writes nothing, not even the lock file).
    std::optional<sys::Lock> lock();

    /// Consent for a risky step: true with --yes; asks on a terminal; otherwise refuses
    /// with Exit::refused naming `question`.
    bool confirm(const std::string& question);

private:
    Globals g_;
    std::vector<std::string> argv_;
    std::ostream& out_;
    std::ostream& err_;
    bool color_out_ = false;
    std::unique_ptr<sys::System> system_;
};

/// A verb: `bootsmith GROUP VERB …` (or a top-level command when it has no group verbs).
struct Verb {
    std::string name;     ///< "" for a command that takes no verb (status)
    std::string synopsis; ///< arguments after the verb, e.g. "[XXXX…]"
    std::string summary;  ///< one line for help and completion
    /// Adds the verb's own options (shown in help), hidden options that name its positional
    /// arguments, and the positional layout.
    std::function<void(po::options_description& visible, po::options_description& hidden,
                       po::positional_options_description& positional)>
        options;
    std::function<int(Context&, const po::variables_map&)> run;
    /// Completion candidates ("value\tdescription") for the positional argument being typed.
    std::function<std::vector<std::string>(Context&, const std::vector<std::string>& args)> complete;
};

/// A command group (boot, grub, kernel, disk) or a single command (status).
struct Command {
    std::string name;
    std::string summary;
    std::string unavailable; ///< non-empty: "not available yet" text (the issue that brings it)
    std::vector<Verb> verbs; ///< one verb with an empty name: the command takes no verb
    bool hidden = false;
    bool passthrough = false; ///< its arguments belong to another tool's syntax (efibootmgr)
    /// For passthrough commands: runs with the tool's own arguments (and the globals given
    /// before the command). Also used when the binary is invoked under the command's name.
    std::function<int(const std::vector<std::string>&, const Globals&, std::ostream&, std::ostream&)> passthrough_run;
};

/// A command with its name and one-line summary; the rest is filled in by the caller.
inline Command make_command(std::string name, std::string summary, std::string unavailable = {}) {
    Command c;
    c.name = std::move(name);
    c.summary = std::move(summary);
    c.unavailable = std::move(unavailable);
    return c;
}

/// A verb with its synopsis and summary; options and run are set by the caller.
inline Verb make_verb(std::string name, std::string synopsis, std::string summary) {
    Verb v;
    v.name = std::move(name);
    v.synopsis = std::move(synopsis);
    v.summary = std::move(summary);
    return v;
}

// Reading a verb's parsed options.
inline std::vector<std::string> strings_of(const po::variables_map& vm, const char* name) {
    return vm.count(name) ? vm[name].as<std::vector<std::string>>() : std::vector<std::string> {};
}
inline std::string string_of(const po::variables_map& vm, const char* name) {
    return vm.count(name) ? vm[name].as<std::string>() : std::string();
}
inline bool flag_of(const po::variables_map& vm, const char* name) {
    return vm.count(name) && vm[name].as<bool>();
}

/// Any number of positional arguments, read back with strings_of(vm, "args").
inline void any_args(po::options_description& hidden, po::positional_options_description& pos) {
    hidden.add_options()("args", po::value<std::vector<std::string>>());
    pos.add("args", -1);
}

/// The command table, in help order.
const std::vector<Command>& commands();

/// Global options as shown in help (no defaults bound, so absence can be detected).
po::options_description global_options();

/// Entry point: parses argv, dispatches, prints errors, returns the exit code.
int run(int argc, char** argv);
int run(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

/// Completion answer for the words after "bootsmith" (the last one is being typed):
/// a directive line, then "candidate\tdescription" lines. See complete.cpp.
std::vector<std::string> completion_candidates(const std::vector<std::string>& words);

/// `bootsmith efibootmgr ARGS…` (efibootmgr.cpp); `args` are efibootmgr's own options.
int run_efibootmgr(const std::vector<std::string>& args, const Globals& g, std::ostream& out, std::ostream& err);
/// `bootsmith grub-editenv ARGS…` (grub_editenv.cpp).
int run_grub_editenv(const std::vector<std::string>& args, const Globals& g, std::ostream& out, std::ostream& err);

/// `bootsmith grubby ARGS…` (grubby.cpp): grubby's options, on BLS and grub.cfg systems.
int run_grubby(const std::vector<std::string>& args, const Globals& g, std::ostream& out, std::ostream& err);

// Command builders, one per file.
Command status_command();
Command boot_command();
Command efibootmgr_command();
Command grub_command();
Command grub_editenv_command();
Command kernel_command();
Command disk_command();
Command grubby_command();
Command history_command();
Command undo_command();
Command complete_command();
std::vector<Command> pending_groups();

/// Hands `value` to the end of the process instead of destroying it. A command about to
/// return holds thousands of small strings (500 BLS entries read): freeing them one by one
/// costs a tenth of the command, while the kernel drops the whole heap at exit for nothing
/// (clang's -disable-free is the same idea). The object stays reachable from a static, so leak
/// checkers do not count it; a process that runs several commands (the unit tests) keeps each.
template <class T> void keep_until_exit(T&& value) {
    static auto* kept = new std::vector<std::decay_t<T>*>();
    kept->push_back(new std::decay_t<T>(std::forward<T>(value)));
}

} // namespace bootsmith::cli
