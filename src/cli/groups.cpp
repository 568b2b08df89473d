// Command groups whose issues have not landed yet answer "not available yet" (exit 2).
#include "app.hpp"

namespace bootsmith::cli {

std::vector<Command> pending_groups() {
    return {
        Command {"boot",
                 "UEFI boot entries: BootOrder, Boot####, BootNext, Timeout",
                 "UEFI boot entry management arrives with issue 3",
                 {},
                 false},
        Command {"grub",
                 "GRUB's files: /etc/default/grub, grub.cfg, grubenv",
                 "GRUB file editing arrives with issue 4",
                 {},
                 false},
        Command {"kernel",
                 "Kernels, BLS entries, default and one-shot kernel, kernel arguments",
                 "kernel management arrives with issue 5",
                 {},
                 false},
        Command {"disk", "Partition tables, the ESP and the MBR", "disk inspection arrives with issue 6", {}, false},
    };
}

} // namespace bootsmith::cli
