#include "app.hpp"

#include "bootsmith/error.hpp"
#include "bootsmith/sys/lock.hpp"
#include "bootsmith/version.hpp"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <iostream>
#include <sstream>

namespace bootsmith::cli {

namespace {

constexpr auto kStyle = po::command_line_style::unix_style ^ po::command_line_style::allow_guessing;

bool env_no_color() {
    const char* v = std::getenv("NO_COLOR"); // https://no-color.org: set and non-empty
    return v != nullptr && *v != '\0';
}

bool terminal_colour(int fd) {
    if (env_no_color() || ::isatty(fd) != 1) return false;
    const char* term = std::getenv("TERM");
    return term == nullptr || std::string_view(term) != "dumb";
}

/// Folds one parse's global options into `g` (a later occurrence wins).
void merge_globals(const po::variables_map& vm, Globals& g) {
    auto flag = [&](const char* name, bool& target) {
        if (vm.count(name) && vm[name].as<bool>()) target = true;
    };
    flag("dry-run", g.dry_run);
    flag("json", g.json);
    flag("yes", g.yes);
    flag("quiet", g.quiet);
    flag("verbose", g.verbose);
    if (vm.count("root")) {
        g.root = vm["root"].as<std::string>();
        if (g.root.empty()) throw Error(Exit::usage, "--root: empty directory name");
    }
    if (vm.count("lock-timeout")) {
        double t = vm["lock-timeout"].as<double>();
        if (!(t >= 0 && t <= 86400)) throw Error(Exit::usage, "--lock-timeout: expected 0 to 86400 seconds");
        g.lock_timeout = t;
    }
}

bool wants(const po::variables_map& vm, const char* name) {
    return vm.count(name) && vm[name].as<bool>();
}

std::string usage_hint(const std::string& where) {
    return "try '" + where + " --help'";
}

/// Turns a Boost.Program_options exception into our one-line usage error.
Error usage_error(const po::error& e, const std::string& where) {
    if (const auto* u = dynamic_cast<const po::unknown_option*>(&e))
        return Error(Exit::usage, "unknown option '" + u->get_option_name() + "'", usage_hint(where));
    if (dynamic_cast<const po::too_many_positional_options_error*>(&e))
        return Error(Exit::usage, "too many arguments for '" + where + "'", usage_hint(where));
    return Error(Exit::usage, e.what(), usage_hint(where));
}

const Command* find_command(const std::string& name) {
    for (const auto& c : commands())
        if (c.name == name) return &c;
    return nullptr;
}

const Verb* find_verb(const Command& c, const std::string& name) {
    for (const auto& v : c.verbs)
        if (v.name == name) return &v;
    return nullptr;
}

bool direct(const Command& c) {
    return c.verbs.size() == 1 && c.verbs.front().name.empty();
}

void top_help(std::ostream& o) {
    o << "Usage: bootsmith [GLOBAL OPTIONS] COMMAND [VERB] [ARGS]\n\n"
         "Manage how a Linux server boots: UEFI boot entries, GRUB's files, kernels and\n"
         "the disks they live on. Every change can be previewed with --dry-run; every\n"
         "read can answer in JSON with --json.\n\nCommands:\n";
    for (const auto& c : commands()) {
        if (c.hidden) continue;
        std::string name = c.name;
        name.resize(std::max<std::size_t>(14, name.size() + 2), ' ');
        o << "  " << name << c.summary << (c.unavailable.empty() ? "" : " (not available yet)") << "\n";
    }
    o << "\n"
      << global_options() << "\nExit codes: 0 ok, 1 refused, 2 usage, 65 bad data, 66 no input, 69 unavailable,\n"
      << "70 internal error, 74 I/O error, 75 locked (try again), 77 permission denied.\n"
      << "See bootsmith(1) and 'bootsmith COMMAND --help'.\n";
}

void command_help(std::ostream& o, const Command& c) {
    o << "Usage: bootsmith [GLOBAL OPTIONS] " << c.name << " VERB [ARGS]\n\n" << c.summary << ".\n";
    if (!c.unavailable.empty()) o << "\nNot available yet: " << c.unavailable << "\n";
    if (!c.verbs.empty()) {
        o << "\nVerbs:\n";
        for (const auto& v : c.verbs) {
            std::string name = v.name;
            name.resize(12, ' ');
            o << "  " << name << v.summary << "\n";
        }
    }
    o << "\nGlobal options: see 'bootsmith --help'.\n";
}

void verb_help(std::ostream& o, const Command& c, const Verb& v, const po::options_description& own) {
    std::string where = "bootsmith " + c.name + (v.name.empty() ? "" : " " + v.name);
    o << "Usage: bootsmith [GLOBAL OPTIONS] " << c.name << (v.name.empty() ? "" : " " + v.name)
      << (v.synopsis.empty() ? "" : " " + v.synopsis) << "\n\n"
      << v.summary << ".\n";
    if (!own.options().empty()) o << "\n" << own;
    o << "\n" << global_options();
}

int report(const Error& e, std::ostream& out, std::ostream& err, bool json) {
    bool colour = terminal_colour(STDERR_FILENO);
    err << "bootsmith: " << (colour ? "\033[31merror:\033[0m " : "error: ") << e.what();
    if (!e.hint().empty()) err << " (" << e.hint() << ")";
    err << "\n";
    if (json) {
        Json j;
        j["schema"] = "bootsmith.error/1";
        j["error"] = {{"exit_code", static_cast<int>(e.code())},
                      {"kind", std::string(exit_name(e.code()))},
                      {"message", e.what()},
                      {"hint", e.hint()}};
        out << to_text(j) << "\n";
    }
    return static_cast<int>(e.code());
}

} // namespace

// ---------------------------------------------------------------------------------------
// Context

Context::Context(Globals g, std::vector<std::string> argv, std::ostream& out, std::ostream& err)
    : g_(std::move(g)), argv_(std::move(argv)), out_(out), err_(err) {
    color_out_ = &out_ == &std::cout && !g_.json && terminal_colour(STDOUT_FILENO);
}

Context::~Context() = default;

sys::System& Context::system() {
    if (!system_) system_ = std::make_unique<sys::System>(g_.root);
    return *system_;
}

void Context::print_json(const Json& j) {
    // Serialised straight into the stream, as to_text() would (indent 2, UTF-8 kept, invalid
    // bytes replaced): a 1 MB document (kernel list --json on 500 entries) needs no 1–2 MB
    // string besides the tree. (nlohmann's serializer is public API only through dump(), which
    // returns a string; its stream operator would throw on invalid UTF-8.)
    nlohmann::detail::serializer<Json> s(nlohmann::detail::output_adapter<char>(out_), ' ',
                                         Json::error_handler_t::replace);
    s.dump(j, true, false, 2);
    out_ << "\n";
}

void Context::warn(const std::string& message) {
    if (!g_.quiet) err_ << "bootsmith: warning: " << message << "\n";
}

int Context::mutate(const std::function<sys::Plan(sys::System&)>& make) {
    sys::System& s = system();
    auto held = lock();
    sys::Plan plan = make(s);
    for (const auto& n : plan.notes)
        if (!g_.json) warn(n);

    if (g_.json) {
        Json j = sys::render_json(plan, s);
        j["dry_run"] = g_.dry_run;
        j["applied"] = false;
        if (!g_.dry_run && !plan.empty()) {
            auto r = sys::apply(s, plan, argv_);
            j["applied"] = true;
            j["backup"] = r.backup_dir;
        }
        print_json(j);
        return 0;
    }
    if (plan.empty()) {
        if (!g_.quiet) out_ << "Nothing to change.\n";
        return 0;
    }
    if (g_.dry_run) {
        sys::Plan shown = plan;
        shown.notes.clear(); // already printed as warnings
        out_ << sys::render_text(shown, s, {color_out_});
        if (!g_.quiet) out_ << "Dry run: nothing was written.\n";
        return 0;
    }
    auto r = sys::apply(s, plan, argv_);
    if (g_.verbose) {
        sys::Plan shown = plan;
        shown.notes.clear();
        out_ << sys::render_text(shown, s, {color_out_});
    }
    if (!g_.quiet)
        out_ << "Applied: " << plan.title << " (" << r.applied << (r.applied == 1 ? " change" : " changes")
             << "); previous content saved in " << s.root().display(r.backup_dir) << "\n";
    return 0;
}

std::optional<sys::Lock> Context::lock() {
    if (g_.dry_run) return std::nullopt;
    // Only writers lock. On the live system they need root: refuse before the lock file is
    // created (or waited for), not after the plan (sys::apply checks again).
    if (system().is_live() && ::geteuid() != 0)
        throw Error(Exit::no_perm, "changing the live system (--root /) needs root",
                    "run as root, or preview with --dry-run");
    auto ms = std::chrono::milliseconds(static_cast<long long>(std::llround(g_.lock_timeout * 1000)));
    return std::optional<sys::Lock>(std::in_place, system().root(), ms);
}

bool Context::confirm(const std::string& question) {
    if (g_.yes) return true;
    if (::isatty(STDIN_FILENO) == 1 && ::isatty(STDERR_FILENO) == 1 && !g_.json) {
        out_ << std::flush;
        err_ << question << " [y/N] " << std::flush;
        std::string answer;
        std::getline(std::cin, answer);
        if (answer == "y" || answer == "Y" || answer == "yes") return true;
    }
    throw Error(Exit::refused, question + ": not confirmed", "pass --yes to consent");
}

// ---------------------------------------------------------------------------------------
// Table and dispatch

po::options_description global_options() {
    po::options_description d("Global options");
    d.add_options()                                                                                           //
        ("root", po::value<std::string>()->value_name("DIR"), "manage the system whose / is DIR (default /)") //
        ("dry-run", po::bool_switch(), "print the plan of changes; write nothing")                            //
        ("json", po::bool_switch(), "answer in JSON (see README, JSON conventions)")                          //
        ("yes", po::bool_switch(), "consent to risky steps without asking")                                   //
        ("quiet,q", po::bool_switch(), "print only errors")                                                   //
        ("verbose,v", po::bool_switch(), "more detail")                                                       //
        ("lock-timeout", po::value<double>()->value_name("SECONDS"),
         "wait this long for another bootsmith to finish (default 30)") //
        ("version", po::bool_switch(), "print the version and exit")    //
        ("help,h", po::bool_switch(), "show help (at any level: bootsmith boot --help)");
    return d;
}

const std::vector<Command>& commands() {
    static const std::vector<Command> table = [] {
        std::vector<Command> t;
        t.push_back(status_command());
        t.push_back(boot_command());
        t.push_back(grub_command());
        t.push_back(efibootmgr_command());
        t.push_back(kernel_command());
        t.push_back(disk_command());
        t.push_back(history_command());
        t.push_back(undo_command());
        t.push_back(grub_editenv_command());
        t.push_back(grubby_command());
        for (auto& g : pending_groups())
            t.push_back(std::move(g));
        t.push_back(complete_command());
        return t;
    }();
    return table;
}

int run(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
    if (!args.empty() && args.front() == "__complete") {
        // The words are the user's half-typed command line: never parse them as our options.
        std::vector<std::string> words(args.begin() + 1, args.end());
        if (!words.empty() && words.front() == "--") words.erase(words.begin());
        for (const auto& line : completion_candidates(words))
            out << line << "\n";
        return 0;
    }
    // `bootsmith [GLOBAL OPTIONS] efibootmgr ARGS…`: efibootmgr's options are not ours.
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string& a = args[i];
        if (a == "--root" || a == "--lock-timeout") {
            ++i;
            continue;
        }
        if (a.starts_with("-")) continue;
        const Command* pass = find_command(a);
        if (pass == nullptr || !pass->passthrough_run) break;
        std::vector<std::string> head(args.begin(), args.begin() + static_cast<std::ptrdiff_t>(i));
        head.push_back("status"); // parse the globals with a command that takes nothing else
        Globals g;
        try {
            po::variables_map vm;
            po::store(po::command_line_parser(head).options(global_options()).style(kStyle).allow_unregistered().run(),
                      vm);
            merge_globals(vm, g);
            for (const auto& h : head)
                if (h.starts_with("-") && h != "--root" && h != "--lock-timeout" && !h.starts_with("--root=") &&
                    !h.starts_with("--lock-timeout=") &&
                    global_options().find_nothrow(h.substr(h.find_first_not_of('-')), false) == nullptr &&
                    h.find_first_not_of('-') != std::string::npos && h.size() > 2)
                    throw Error(Exit::usage, "unknown option '" + h + "'", usage_hint("bootsmith"));
        } catch (const po::error& e) {
            return report(usage_error(e, "bootsmith"), out, err, false);
        } catch (const Error& e) {
            return report(e, out, err, false);
        }
        std::vector<std::string> rest(args.begin() + static_cast<std::ptrdiff_t>(i) + 1, args.end());
        return pass->passthrough_run(rest, g, out, err);
    }
    Globals g;
    bool json_hint = false;
    for (const auto& a : args)
        json_hint |= a == "--json"; // for errors before parsing completes
    try {
        // Stage 1: global options anywhere, the command word, and everything else kept in order.
        po::options_description stage1 = global_options();
        // Internal names no option of a verb can collide with (`kernel add --args`).
        stage1.add_options()("@command", po::value<std::string>())("@args", po::value<std::vector<std::string>>());
        po::positional_options_description pos;
        pos.add("@command", 1).add("@args", -1);
        po::parsed_options parsed(nullptr);
        po::variables_map vm;
        try {
            parsed =
                po::command_line_parser(args).options(stage1).positional(pos).style(kStyle).allow_unregistered().run();
            po::store(parsed, vm);
        } catch (const po::error& e) {
            throw usage_error(e, "bootsmith");
        }
        merge_globals(vm, g);
        bool help = wants(vm, "help");

        if (wants(vm, "version")) {
            out << "bootsmith " << kVersion << "\n";
            return 0;
        }
        std::vector<std::string> rest = po::collect_unrecognized(parsed.options, po::include_positional);
        if (!vm.count("@command")) {
            if (!rest.empty())
                throw Error(Exit::usage, "unknown option '" + rest.front() + "'", usage_hint("bootsmith"));
            if (help) {
                top_help(out);
                return 0;
            }
            throw Error(Exit::usage, "no command given", usage_hint("bootsmith"));
        }
        const std::string name = vm["@command"].as<std::string>();
        // Tokens before the command word are options stage 1 did not know.
        auto at = std::find(rest.begin(), rest.end(), name);
        if (at != rest.begin())
            throw Error(Exit::usage, "unknown option '" + rest.front() + "'", usage_hint("bootsmith"));
        rest.erase(rest.begin());

        const Command* cmd = find_command(name);
        if (cmd == nullptr) throw Error(Exit::usage, "unknown command '" + name + "'", usage_hint("bootsmith"));
        if (!cmd->unavailable.empty()) {
            if (help) {
                command_help(out, *cmd);
                return 0;
            }
            throw Error(Exit::usage, "'" + name + "' is not available yet: " + cmd->unavailable,
                        usage_hint("bootsmith"));
        }

        const Verb* verb = nullptr;
        std::string where = "bootsmith " + name;
        if (direct(*cmd)) {
            verb = &cmd->verbs.front();
        } else {
            if (rest.empty() || rest.front().starts_with("-")) {
                if (help || rest.empty()) {
                    if (!help) throw Error(Exit::usage, "'" + name + "' needs a verb", usage_hint(where));
                    command_help(out, *cmd);
                    return 0;
                }
                throw Error(Exit::usage, "'" + name + "' needs a verb before '" + rest.front() + "'",
                            usage_hint(where));
            }
            verb = find_verb(*cmd, rest.front());
            if (verb == nullptr)
                throw Error(Exit::usage, "unknown verb '" + rest.front() + "' for '" + name + "'", usage_hint(where));
            rest.erase(rest.begin());
            where += " " + verb->name;
        }

        // Stage 2: the verb's own options, plus the globals again (they may follow the verb).
        po::options_description own("Options"), hidden, all;
        po::positional_options_description vpos;
        if (verb->options) verb->options(own, hidden, vpos);
        all.add(global_options()).add(own).add(hidden);
        po::variables_map vvm;
        try {
            po::store(po::command_line_parser(rest).options(all).positional(vpos).style(kStyle).run(), vvm);
            po::notify(vvm);
        } catch (const po::error& e) {
            throw usage_error(e, where);
        }
        merge_globals(vvm, g);
        if (help || wants(vvm, "help")) {
            verb_help(out, *cmd, *verb, own);
            return 0;
        }
        json_hint = g.json;
        std::vector<std::string> full {"bootsmith"};
        full.insert(full.end(), args.begin(), args.end());
        Context ctx(g, std::move(full), out, err);
        return verb->run(ctx, vvm);
    } catch (const Error& e) {
        return report(e, out, err, json_hint || g.json);
    } catch (const std::bad_alloc&) {
        return report(Error(Exit::software, "out of memory"), out, err, json_hint || g.json);
    } catch (const std::exception& e) {
        return report(Error(Exit::software, std::string("internal error: ") + e.what(), "please report this as a bug"),
                      out, err, json_hint || g.json);
    }
}

int run(int argc, char** argv) {
    std::vector<std::string> args(argv + 1, argv + argc);
    std::string_view self = argc > 0 ? argv[0] : "";
    if (auto slash = self.rfind('/'); slash != std::string_view::npos) self.remove_prefix(slash + 1);
    for (const auto& c : commands())
        if (c.passthrough_run && self == c.name) { // installed as efibootmgr, grub-editenv: the live system
            int rc = c.passthrough_run(args, Globals {}, std::cout, std::cerr);
            std::cout.flush();
            return rc;
        }
    int rc = run(args, std::cout, std::cerr);
    std::cout.flush();
    return rc;
}

} // namespace bootsmith::cli
