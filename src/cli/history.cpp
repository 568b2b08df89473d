// bootsmith history, bootsmith undo [ID]
#include "app.hpp"

#include "bootsmith/error.hpp"
#include "bootsmith/history/history.hpp"

#include <ostream>

namespace bootsmith::cli {

Command history_command() {
    Verb v;
    v.summary = "List the plans bootsmith applied (from its backups), newest first";
    v.run = [](Context& ctx, const po::variables_map&) {
        auto& s = ctx.system();
        auto h = history::load(s.root());
        if (ctx.globals().json) {
            ctx.print_json(history::to_json(h, s));
        } else if (!ctx.globals().quiet) {
            if (h.empty())
                ctx.out() << "No plans applied yet (nothing in " << s.root().display(sys::kBackupsDir) << ").\n";
            else
                ctx.out() << history::to_text(h);
        }
        return 0;
    };
    Command c = make_command("history", "Plans applied so far, from the backups (for undo)");
    c.verbs = {v};
    return c;
}

Command undo_command() {
    Verb v = make_verb("", "[ID] [--force]", "Put back what a plan changed (default: the newest one not undone)");
    v.options = [](po::options_description& o, auto& hidden, auto& pos) {
        o.add_options()("force", po::bool_switch(),
                        "undo even what changed since the plan was applied, or a plan already undone");
        any_args(hidden, pos);
    };
    v.complete = [](Context& ctx, const std::vector<std::string>& args) {
        std::vector<std::string> out;
        if (!args.empty()) return out;
        for (const auto& e : history::load(ctx.system().root()))
            if (e.usable()) out.push_back(e.id + "\t" + (e.undone_by.empty() ? "" : "(undone) ") + e.title);
        return out;
    };
    v.run = [](Context& ctx, const po::variables_map& vm) {
        auto args = strings_of(vm, "args");
        if (args.size() > 1) throw Error(Exit::usage, "undo takes one ID", "see 'bootsmith history'");
        std::string id = args.empty() ? std::string() : args[0];
        bool force = flag_of(vm, "force");
        return ctx.mutate([&](sys::System& sys) {
            auto h = history::load(sys.root());
            std::vector<std::string> notes;
            const auto& e = history::pick(h, id, force, notes);
            sys::Plan p = history::plan_undo(sys, e, force);
            p.notes.insert(p.notes.begin(), notes.begin(), notes.end());
            return p;
        });
    };
    Command c = make_command("undo", "Undo an applied plan, as a plan of its own");
    c.verbs = {v};
    return c;
}

} // namespace bootsmith::cli
