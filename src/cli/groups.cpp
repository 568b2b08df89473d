// Command groups whose issues have not landed yet answer "not available yet" (exit 2).
#include "app.hpp"

namespace bootsmith::cli {

std::vector<Command> pending_groups() {
    return {
        make_command("disk", "Partition tables, the ESP and the MBR", "disk inspection arrives with issue 6"),
    };
}

} // namespace bootsmith::cli
