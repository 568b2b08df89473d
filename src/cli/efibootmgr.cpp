// `bootsmith efibootmgr ARGS…` (also: the binary invoked as `efibootmgr`): efibootmgr 17's
// common options with its own output, messages and exit codes, so provisioning scripts keep
// working — but every change goes through plans, backups and the lock like any bootsmith
// change. The behaviour copied here is pinned by tests/conformance (EFIBOOTMGR17.md lists
// what was observed of the real tool). Deliberate differences, each safer than the original:
// `-t` refuses values above 65535 instead of wrapping them; `-B` also drops a BootNext that
// names the deleted entry; `-D` writes BootOrder once instead of deleting and re-creating it;
// an entry that cannot be parsed is listed (marked) instead of ending the listing.
#include "app.hpp"

#include "bootsmith/efi/boot_manager.hpp"
#include "bootsmith/error.hpp"
#include "bootsmith/sys/lock.hpp"
#include "bootsmith/text.hpp"

#include <getopt.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <map>
#include <ostream>
#include <sstream>

namespace bootsmith::cli {

namespace {

using efi::BootEntry;
using efi::BootState;

constexpr const char* kDefaultLoader = "\\EFI\\debian\\grub.efi"; // Debian's build of efibootmgr

/// Ends the efibootmgr run with a given exit code (its messages are already printed).
struct Exit_ {
    int code;
};

/// What the command line asked for (efibootmgr's opts).
struct Opts {
    int num = -1;
    int active = -1;
    bool delete_entry = false;
    bool create = false, no_order = false;
    bool delete_order = false;
    std::optional<std::string> order;
    bool keep = false;
    bool dedupe = false;
    bool delete_next = false;
    long next = -1;
    bool delete_timeout = false;
    bool set_timeout = false;
    unsigned long timeout = 0;
    bool quiet = false;
    int verbose = 0;
    bool version = false;
    std::string disk = "/dev/sda";
    int part = -1;
    std::string loader = kDefaultLoader;
    std::string label = "Linux";
    std::vector<std::string> unsupported;
    std::vector<std::string> extra_args;
};

/// Overlay of pending changes on a variable store, so that each efibootmgr step sees the
/// steps before it even in a dry run.
class Overlay final : public sys::VarStore {
public:
    explicit Overlay(sys::VarStore& base) : base_(base) {}
    std::string_view backend() const override { return base_.backend(); }
    std::string location() const override { return base_.location(); }
    bool available() const override { return base_.available(); }
    sys::VarListing list() const override {
        auto l = base_.list();
        for (const auto& [id, v] : changed_) {
            auto it = std::find(l.vars.begin(), l.vars.end(), id);
            if (v && it == l.vars.end()) l.vars.push_back(id);
            if (!v && it != l.vars.end()) l.vars.erase(it);
        }
        std::sort(l.vars.begin(), l.vars.end());
        return l;
    }
    std::optional<sys::Variable> get(const sys::VarId& id) const override {
        if (auto it = changed_.find(id); it != changed_.end()) return it->second;
        return base_.get(id);
    }
    void set(const sys::Variable& v) override { changed_[v.id] = v; }
    void remove(const sys::VarId& id) override { changed_[id] = std::nullopt; }

private:
    sys::VarStore& base_;
    std::map<sys::VarId, std::optional<sys::Variable>> changed_;
};

/// efibootmgr's print_error_arrow: message, the text, then a caret under `offset`.
void error_arrow(std::ostream& err, const std::string& text, std::size_t offset, const std::string& message) {
    err << message << text << "\n" << std::string(message.size() + 2 + offset, ' ') << "^\n";
}

/// strtoul(…, 16) as efibootmgr uses it: the value, and where parsing stopped.
std::pair<unsigned long, std::size_t> hex_value(const std::string& s, bool& range_error) {
    errno = 0;
    char* end = nullptr;
    unsigned long v = std::strtoul(s.c_str(), &end, 16);
    range_error = v == ULONG_MAX && errno == ERANGE;
    return {v, static_cast<std::size_t>(end - s.c_str())};
}

std::uint16_t loose_num(const BootEntry& e) {
    return e.loose_number();
}

const BootEntry* by_num(const BootState& s, unsigned long n) {
    for (const auto& e : s.entries)
        if (loose_num(e) == n) return &e;
    return nullptr;
}

bool hex_could_be_lower(std::uint16_t n) {
    return (n & 0xf) > 9 || ((n >> 4) & 0xf) > 9 || ((n >> 8) & 0xf) > 9 || ((n >> 12) & 0xf) > 9;
}

std::string num_lower(std::uint16_t n) {
    char buf[8];
    std::snprintf(buf, sizeof buf, "%04x", n);
    return buf;
}

std::string hex_upper(unsigned long n, bool pad) {
    char buf[32];
    std::snprintf(buf, sizeof buf, pad ? "%04lX" : "%lX", n);
    return buf;
}

/// efibootmgr's listing of one entry. Returns false when the entry cannot be shown as
/// efibootmgr would (it stops its listing there; we mark the line and go on).
std::string entry_line(const BootEntry& e, bool verbose) {
    const auto& d = e.var.data;
    std::string line = e.name;
    if (d.size() < 6) return line + "  (corrupt: " + e.corrupt + ")\n";
    bool active = (d[0] & efi::load_attr::active) != 0;
    line += active ? "* " : "  ";
    auto desc = verbose ? efi::read_description(d) : efi::read_description_to_end(d);
    if (!desc) return e.name + "  (corrupt: " + e.corrupt + ")\n";
    line += *desc;
    if (!verbose) return line + "\n";
    auto path = efi::read_path(d);
    std::optional<std::string> text;
    if (path) text = efi::format_path(*path);
    if (!text)
        return line + "\t(corrupt: " + (e.corrupt.empty() ? "device path cannot be formatted" : e.corrupt) + ")\n";
    line += "\t" + *text;
    std::size_t data_at = static_cast<std::size_t>(path->data() - d.data()) + path->size();
    line += efi::efibootmgr_data_text(efi::ByteView(d).subspan(data_at));
    return line + "\n";
}

/// Lowercase-hex warnings, as efibootmgr 17 prints them on every run past option parsing.
void lowercase_warnings(const BootState& s, std::ostream& out, std::ostream& err) {
    bool any = false;
    for (const auto& e : s.entries) {
        std::string_view digits = std::string_view(e.name).substr(4, 4);
        if (std::any_of(digits.begin(), digits.end(), [](char c) { return c >= 'a' && c <= 'f'; })) {
            err << "** Warning ** : " << e.name.substr(0, 8) << " is not UEFI Spec compliant (lowercase hex in name)\n";
            any = true;
        }
    }
    if (any) out << "** Warning ** : please recreate these using efibootmgr to remove this warning.\n";
}

void listing(const BootState& s, bool verbose, std::ostream& out) {
    // BootState holds BootNext/BootCurrent/Timeout only when they are exactly 2 bytes,
    // which is also when efibootmgr prints them.
    if (s.next) out << "BootNext: " << efi::number_text(*s.next) << "\n";
    if (s.current) out << "BootCurrent: " << efi::number_text(*s.current) << "\n";
    if (s.timeout) out << "Timeout: " << *s.timeout << " seconds\n";
    if (!s.order_var)
        out << "No BootOrder is set; firmware will attempt recovery\n";
    else if (!s.order->empty())
        out << "BootOrder: " << efi::order_text(*s.order) << "\n";
    for (const auto& e : s.entries)
        out << entry_line(e, verbose);
}

/// Parses an -o list as efibootmgr's parse_order does, with its messages and exit 8.
std::vector<std::uint16_t> parse_order(const std::string& text, const BootState& s, std::ostream& err) {
    // First pass: every item must be non-empty.
    for (std::size_t i = 0; i <= text.size();) {
        std::size_t comma = text.find(',', i);
        if (comma == std::string::npos) comma = text.size();
        if (comma == i) {
            error_arrow(err, text, i, "Malformed BootOrder order");
            throw Exit_ {8};
        }
        i = comma + 1;
    }
    std::vector<std::uint16_t> out;
    for (std::size_t i = 0; i <= text.size();) {
        std::size_t comma = text.find(',', i);
        if (comma == std::string::npos) comma = text.size();
        std::string item = text.substr(i, comma - i);
        std::string shown = text.substr(0, comma); // efibootmgr has cut the text at this item
        bool range = false;
        auto [value, used] = hex_value(item, range);
        if (range || used != item.size()) {
            error_arrow(err, shown, i + used, "Invalid BootOrder order");
            throw Exit_ {8};
        }
        if (value > 0xffff) {
            err << "efibootmgr: Invalid BootOrder order entry value: " << hex_upper(value, false) << "\n";
            error_arrow(err, shown, i, "Invalid BootOrder order");
            throw Exit_ {8};
        }
        if (by_num(s, value) == nullptr) {
            error_arrow(err, shown, i, "Invalid BootOrder order entry value");
            err << "efibootmgr: entry " << hex_upper(value, true) << " does not exist\n";
            throw Exit_ {8};
        }
        out.push_back(static_cast<std::uint16_t>(value));
        i = comma + 1;
    }
    return out;
}

/// A hex entry number option (-b, -n) with efibootmgr's messages and exit codes.
long hex_option(const std::string& arg, const char* what, int bad_exit, int big_exit, std::ostream& err) {
    bool range = false;
    auto [v, used] = hex_value(arg, range);
    if (range || used != arg.size()) {
        error_arrow(err, arg, used, std::string("Invalid ") + what + " value");
        throw Exit_ {bad_exit};
    }
    if (v > 0xffff) {
        err << "Invalid " << what << " value: " << hex_upper(v, false) << "\n\n";
        throw Exit_ {big_exit};
    }
    return static_cast<long>(v);
}

Opts parse_options(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
    Opts o;
    std::vector<std::string> storage {"efibootmgr"};
    storage.insert(storage.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& s : storage)
        argv.push_back(s.data());
    argv.push_back(nullptr);
    static const struct option longs[] = {
        {"active", no_argument, nullptr, 'a'},
        {"inactive", no_argument, nullptr, 'A'},
        {"bootnum", required_argument, nullptr, 'b'},
        {"delete-bootnum", no_argument, nullptr, 'B'},
        {"create", no_argument, nullptr, 'c'},
        {"create-only", no_argument, nullptr, 'C'},
        {"remove-dups", no_argument, nullptr, 'D'},
        {"disk", required_argument, nullptr, 'd'},
        {"iface", required_argument, nullptr, 'i'},
        {"edd-device", required_argument, nullptr, 'E'},
        {"edd30", required_argument, nullptr, 'e'},
        {"gpt", no_argument, nullptr, 'g'},
        {"keep", no_argument, nullptr, 'k'},
        {"loader", required_argument, nullptr, 'l'},
        {"label", required_argument, nullptr, 'L'},
        {"mirror-below-4G", required_argument, nullptr, 'm'},
        {"mirror-above-4G", required_argument, nullptr, 'M'},
        {"bootnext", required_argument, nullptr, 'n'},
        {"delete-bootnext", no_argument, nullptr, 'N'},
        {"bootorder", required_argument, nullptr, 'o'},
        {"delete-bootorder", no_argument, nullptr, 'O'},
        {"part", required_argument, nullptr, 'p'},
        {"quiet", no_argument, nullptr, 'q'},
        {"timeout", required_argument, nullptr, 't'},
        {"delete-timeout", no_argument, nullptr, 'T'},
        {"unicode", no_argument, nullptr, 'u'},
        {"UCS-2", no_argument, nullptr, 'u'},
        {"verbose", optional_argument, nullptr, 'v'},
        {"version", no_argument, nullptr, 'V'},
        {"write-signature", no_argument, nullptr, 'w'},
        {"append-binary-args", required_argument, nullptr, '@'},
        {"driver", no_argument, nullptr, 'r'},
        {"sysprep", no_argument, nullptr, 'y'},
        {"help", no_argument, nullptr, 'h'},
        {nullptr, 0, nullptr, 0},
    };
    optind = 0; // glibc: start a fresh scan
    opterr = 1; // glibc prints "efibootmgr: unrecognized option …" itself, as efibootmgr does
    for (;;) {
        int c = getopt_long(static_cast<int>(argv.size() - 1), argv.data(),
                            "AaBb:cCDd:e:E:gH:i:l:L:M:m:n:No:Op:qt:TuU:v::Vw@:hry", longs, nullptr);
        if (c == -1) break;
        std::string arg = optarg != nullptr ? optarg : "";
        switch (c) {
        case 'a': o.active = 1; break;
        case 'A': o.active = 0; break;
        case 'B': o.delete_entry = true; break;
        case 'b': o.num = static_cast<int>(hex_option(arg, "bootnum", 28, 29, err)); break;
        case 'c': o.create = true; break;
        case 'C':
            o.create = true;
            o.no_order = true;
            break;
        case 'D': o.dedupe = true; break;
        case 'd': o.disk = arg; break;
        case 'k': o.keep = true; break;
        case 'l': o.loader = arg; break;
        case 'L': o.label = arg; break;
        case 'N': o.delete_next = true; break;
        case 'n': o.next = hex_option(arg, "BootNext", 35, 36, err); break;
        case 'o': o.order = arg; break;
        case 'O': o.delete_order = true; break;
        case 'p': {
            unsigned v = 0;
            if (std::sscanf(arg.c_str(), "%u", &v) != 1) {
                err << "invalid numeric value " << arg << "\n\n";
                throw Exit_ {37};
            }
            o.part = static_cast<int>(v);
            break;
        }
        case 'q': o.quiet = true; break;
        case 't': {
            // efibootmgr reads "%u" and stores it modulo 65536 (70000 → 4464, -1 → 65535);
            // a wrapped Timeout is never what was meant, so it is refused here.
            long long v = 0;
            char extra = 0;
            int got = std::sscanf(arg.c_str(), "%lld%c", &v, &extra);
            if (got < 1) {
                err << "invalid numeric value " << arg << "\n\n";
                throw Exit_ {38};
            }
            if (got != 1 || v < 0 || v > 65535) {
                err << "efibootmgr: Timeout " << arg
                    << " is out of range 0-65535 (efibootmgr would store it wrapped; bootsmith refuses)\n";
                throw Exit_ {38};
            }
            o.set_timeout = true;
            o.timeout = static_cast<unsigned long>(v);
            break;
        }
        case 'T': o.delete_timeout = true; break;
        case 'v':
            o.verbose += 1;
            if (optarg != nullptr) {
                unsigned v = 0;
                if (std::sscanf(optarg, "%u", &v) != 1) {
                    err << "invalid numeric value " << arg << "\n\n";
                    throw Exit_ {39};
                }
                o.verbose = static_cast<int>(v);
            }
            break;
        case 'V': o.version = true; break;
        case 'h':
            out << "efibootmgr version 17 (bootsmith "
                << "compatibility front end)\n"
                << "usage: efibootmgr [options]\n"
                << "Supported here: -a -A -b -B -c -C -d -D -l -L -n -N -o -O -p -q -t -T -v -V --keep.\n"
                << "See 'bootsmith boot --help' for the full boot entry manager.\n";
            throw Exit_ {0};
        case '?': out << "efibootmgr version 17\nusage: efibootmgr [options]\n"; throw Exit_ {1};
        default: o.unsupported.push_back(std::string(1, static_cast<char>(c))); break;
        }
    }
    for (int i = optind; i < static_cast<int>(argv.size() - 1); ++i)
        o.extra_args.emplace_back(argv[static_cast<std::size_t>(i)]);
    return o;
}

/// Applies one step's plan to the overlay and (unless a dry run) to the system.
class Steps {
public:
    Steps(sys::System& sys, bool dry_run, std::vector<std::string> argv)
        : sys_(sys), overlay_(sys.vars()), dry_run_(dry_run), argv_(std::move(argv)) {}

    /// The variables as the steps so far left them (read once, re-read after a change).
    const BootState& state() {
        if (!state_) state_ = efi::load_boot_state(overlay_);
        return *state_;
    }
    const sys::VarStore& store() const { return overlay_; }

    void apply(sys::Plan p) {
        if (p.empty()) return;
        if (!dry_run_) sys::apply(sys_, p, argv_);
        for (const auto& c : p.changes) {
            const auto& v = std::get<sys::VarChange>(c);
            if (v.after)
                overlay_.set(*v.after);
            else
                overlay_.remove(v.id);
        }
        state_.reset();
        all_.title = all_.title.empty() ? p.title : all_.title + "; " + p.title;
        for (auto& c : p.changes)
            all_.changes.push_back(std::move(c));
        for (auto& n : p.notes)
            all_.notes.push_back(std::move(n));
    }
    const sys::Plan& plan() const { return all_; }

private:
    sys::System& sys_;
    Overlay overlay_;
    bool dry_run_;
    std::vector<std::string> argv_;
    sys::Plan all_;
    std::optional<BootState> state_;
};

sys::Plan single(std::string title) {
    sys::Plan p;
    p.title = std::move(title);
    return p;
}

int run_steps(Context& ctx, const Opts& o) {
    sys::System& sys = ctx.system();
    std::ostream& out = ctx.out();
    std::ostream& err = ctx.err();
    if (!sys.vars().available()) {
        err << "EFI variables are not supported on this system.\n";
        return 2;
    }
    if (!o.unsupported.empty()) {
        err << "efibootmgr: option -" << o.unsupported.front()
            << " is not supported by bootsmith's efibootmgr (see 'bootsmith boot --help')\n";
        return 2;
    }
    if (!o.extra_args.empty()) {
        err << "efibootmgr: extra arguments (optional data) are not supported here; use 'bootsmith boot create "
               "--data-text' or '--data-hex'\n";
        return 2;
    }
    // A listing reads only: no lock, no lock file (efibootmgr works for any reader).
    bool mutating = o.delete_entry || o.active >= 0 || o.create || o.delete_order || o.order || o.dedupe ||
                    o.delete_next || o.delete_timeout || o.next >= 0 || o.set_timeout;
    auto held = mutating ? ctx.lock() : std::optional<sys::Lock> {};
    Steps steps(sys, ctx.globals().dry_run, ctx.argv());
    // A change planned past an unreadable BootOrder, BootNext or Timeout could leave it
    // naming a deleted entry (`bootsmith boot` refuses the same way).
    if (mutating) steps.state().require_readable();
    lowercase_warnings(steps.state(), out, err);

    if (o.delete_entry) {
        if (o.num == -1) {
            err << "You must specify an entry to delete (see the -b option).\n";
            return 3;
        }
        const BootState& s = steps.state();
        auto n = static_cast<std::uint16_t>(o.num);
        const BootEntry* e = s.find_name("Boot" + efi::number_text(n));
        if (e == nullptr && hex_could_be_lower(n)) e = s.find_name("Boot" + num_lower(n));
        if (e == nullptr) {
            err << "Could not delete variable: No such file or directory\n";
            return 15;
        }
        // Unlike efibootmgr, a BootNext naming the entry goes too (plan_delete's order:
        // BootNext, BootOrder without every copy of the number, then the variable).
        auto p = efi::plan_delete(s, {e}, /*force=*/true, /*loose_numbers=*/true);
        steps.apply(std::move(p));
    }

    if (o.active >= 0) {
        if (o.num == -1) {
            err << "You must specify a entry to activate (see the -b option\n";
            return 4;
        }
        const BootState& s = steps.state();
        const BootEntry* e = by_num(s, static_cast<unsigned long>(o.num));
        if (e == nullptr) {
            char buf[64];
            std::snprintf(buf, sizeof buf, "%x", o.num);
            err << "efibootmgr: Boot entry " << buf << " not found\n";
            err << "Could not set active state for %s%04X: No such file or directory\n";
            return 16;
        }
        if (e->var.data.size() >= 4) {
            auto v = efi::with_active(*e, o.active == 1);
            sys::Plan p = single(std::string(o.active == 1 ? "enable " : "disable ") + e->name);
            p.set_var(e->var, v, efi::summarize(e->var), efi::summarize(v));
            steps.apply(std::move(p));
        }
    }

    if (o.create) {
        const BootState& s = steps.state();
        for (const auto& e : s.entries)
            if (auto d = efi::read_description(e.var.data); d && *d == o.label)
                err << "** Warning ** : " << e.name << " has same label " << o.label << "\n";
        try {
            efi::CreateSpec spec;
            std::vector<std::string> notes;
            spec.loader = efi::normalise_loader(o.loader, notes);
            spec.label = o.label;
            spec.allow_duplicate = true; // efibootmgr creates duplicates; `bootsmith boot create` refuses them
            spec.add_to_order = !o.no_order;
            spec.hd = efi::hard_drive_for(sys.root(), o.disk, o.part < 0 ? 1u : static_cast<std::uint32_t>(o.part));
            if (o.num != -1 && s.number_taken(static_cast<std::uint16_t>(o.num))) {
                err << "efibootmgr: Cannot create Boot" << efi::number_text(static_cast<std::uint16_t>(o.num))
                    << ": already exists.\n";
                return 40;
            }
            std::uint16_t number = 0;
            if (o.num != -1) spec.number = static_cast<std::uint16_t>(o.num);
            auto p = efi::plan_create(s, spec, number);
            for (const auto& n : notes)
                err << "efibootmgr: " << n << "\n";
            steps.apply(std::move(p));
        } catch (const Error& e) {
            err << "efibootmgr: " << e.what() << "\n";
            err << "efibootmgr: Could not prepare Boot variable: " << e.what() << "\n";
            return 5;
        }
    }

    if (o.delete_order) {
        const BootState& s = steps.state();
        if (!s.order_var) return 1; // efibootmgr 17 exits 1 without a word here
        sys::Plan p = single("delete BootOrder");
        p.delete_var(*s.order_var, efi::summarize(*s.order_var));
        steps.apply(std::move(p));
    }

    if (o.order) {
        const BootState& s = steps.state();
        auto order = parse_order(*o.order, s, err);
        if (o.keep && s.order_var)
            for (auto n : *s.order)
                if (std::find(order.begin(), order.end(), n) == order.end()) order.push_back(n);
        if (!order.empty()) {
            sys::Plan p = single("set BootOrder " + efi::order_text(order));
            // efibootmgr always writes BootOrder with NV|BS|RT.
            auto v = efi::order_variable(order, std::nullopt);
            p.set_var(s.order_var, v, s.order_var ? efi::summarize(*s.order_var) : "", efi::summarize(v));
            steps.apply(std::move(p));
        }
    }

    if (o.dedupe) {
        const BootState& s = steps.state();
        if (s.order_var) {
            std::vector<std::uint16_t> order;
            for (auto n : *s.order)
                if (std::find(order.begin(), order.end(), n) == order.end()) order.push_back(n);
            sys::Plan p = single("remove duplicates from BootOrder");
            efi::set_boot_order(p, s, order, "");
            steps.apply(std::move(p));
        }
    }

    if (o.delete_next) {
        const BootState& s = steps.state();
        if (!s.next_var) {
            err << "Could not delete BootNext: No such file or directory\n";
            return 10;
        }
        steps.apply(efi::plan_next(s, std::nullopt));
    }

    if (o.delete_timeout) {
        const BootState& s = steps.state();
        if (!s.timeout_var) {
            err << "Could not delete Timeout: No such file or directory\n";
            return 11;
        }
        steps.apply(efi::plan_timeout(s, std::nullopt));
    }

    if (o.next >= 0) {
        const BootState& s = steps.state();
        if (by_num(s, static_cast<unsigned long>(o.next)) == nullptr) {
            err << "Boot entry " << hex_upper(static_cast<unsigned long>(o.next), false) << " does not exist\n";
            return 12;
        }
        auto v = efi::u16_variable("BootNext", static_cast<std::uint16_t>(o.next), std::nullopt);
        sys::Plan p = single("set BootNext " + efi::number_text(static_cast<std::uint16_t>(o.next)));
        p.set_var(s.next_var, v, s.next_var ? efi::summarize(*s.next_var) : "", efi::summarize(v));
        steps.apply(std::move(p));
    }

    if (o.set_timeout) {
        const BootState& s = steps.state();
        auto v = efi::u16_variable("Timeout", static_cast<std::uint16_t>(o.timeout), std::nullopt);
        sys::Plan p = single("set Timeout " + std::to_string(o.timeout));
        p.set_var(s.timeout_var, v, s.timeout_var ? efi::summarize(*s.timeout_var) : "", efi::summarize(v));
        steps.apply(std::move(p));
    }

    if (ctx.globals().dry_run) {
        if (ctx.globals().json) {
            Json j = sys::render_json(steps.plan(), sys);
            j["dry_run"] = true;
            j["applied"] = false;
            ctx.print_json(j);
        } else if (steps.plan().empty()) {
            if (!o.quiet) listing(steps.state(), o.verbose >= 1, out);
        } else {
            out << sys::render_text(steps.plan(), sys, {ctx.color()});
            out << "Dry run: nothing was written.\n";
        }
        return 0;
    }
    if (ctx.globals().json) { // --json: what was applied, as any bootsmith change reports it
        Json j = sys::render_json(steps.plan(), sys);
        j["dry_run"] = false;
        j["applied"] = !steps.plan().empty();
        ctx.print_json(j);
        return 0;
    }
    if (!o.quiet) listing(steps.state(), o.verbose >= 1, out);
    return 0;
}

} // namespace

int run_efibootmgr(const std::vector<std::string>& args, const Globals& g, std::ostream& out, std::ostream& err) {
    std::vector<std::string> argv {"efibootmgr"};
    argv.insert(argv.end(), args.begin(), args.end());
    try {
        Opts o = parse_options(args, out, err);
        if (o.version) {
            out << "version 17\n";
            return 0;
        }
        Context ctx(g, argv, out, err);
        return run_steps(ctx, o);
    } catch (const Exit_& e) {
        return e.code;
    } catch (const Error& e) {
        err << "efibootmgr: " << e.what() << (e.hint().empty() ? "" : " (" + e.hint() + ")") << "\n";
        return static_cast<int>(e.code());
    }
}

} // namespace bootsmith::cli

namespace bootsmith::cli {

Command efibootmgr_command() {
    Verb v;
    v.synopsis = "[efibootmgr options]";
    v.summary = "efibootmgr 17's options and output (-v -o -n -N -b -B -a -A -t -T -D -c -C -d -p -l -L -q)";
    v.run = [](Context&, const po::variables_map&) { return 0; }; // dispatched in run() before parsing
    Command c = make_command("efibootmgr", "efibootmgr-compatible front end for existing scripts");
    c.verbs = {v};
    c.passthrough = true;
    c.passthrough_run = run_efibootmgr;
    return c;
}

} // namespace bootsmith::cli
