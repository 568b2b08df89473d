// Command groups whose issues have not landed yet answer "not available yet" (exit 2).
#include "app.hpp"

namespace bootsmith::cli {

std::vector<Command> pending_groups() {
    return {};
}

} // namespace bootsmith::cli
