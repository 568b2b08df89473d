// placeholder: filled in by issue 5
#include "app.hpp"

namespace bootsmith::cli {

Command kernel_command() {
    return make_command("kernel", "Kernels, BLS entries, default and one-shot kernel, kernel arguments",
                        "kernel management arrives with issue 5");
}

} // namespace bootsmith::cli
