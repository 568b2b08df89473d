// placeholder: filled in by issue 5
#include "app.hpp"

namespace bootsmith::cli {

int run_grubby(const std::vector<std::string>&, const Globals&, std::ostream&, std::ostream& err) {
    err << "grubby: not available yet\n";
    return 2;
}

Command grubby_command() {
    Verb v;
    v.synopsis = "ARGS…";
    v.summary = "grubby's command line, for scripts";
    v.run = [](Context&, const po::variables_map&) { return 0; };
    Command c = make_command("grubby", "grubby-compatible front end for existing scripts");
    c.verbs = {v};
    c.passthrough = true;
    c.passthrough_run = run_grubby;
    c.hidden = true;
    return c;
}

} // namespace bootsmith::cli
