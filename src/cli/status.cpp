// bootsmith status
#include "app.hpp"

#include "bootsmith/status/status.hpp"

#include <ostream>

namespace bootsmith::cli {

Command status_command() {
    Verb v;
    v.summary = "Show the firmware mode, boot loader files, EFI boot entries and kernels";
    v.run = [](Context& ctx, const po::variables_map&) {
        auto s = status::gather(ctx.system());
        if (ctx.globals().json)
            ctx.print_json(status::to_json(s));
        else if (!ctx.globals().quiet)
            ctx.out() << status::to_text(s, ctx.color());
        return 0;
    };
    Command c = make_command("status", "Summary of how this system boots");
    c.verbs = {v};
    return c;
}

} // namespace bootsmith::cli
