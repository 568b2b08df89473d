// bootsmith disk: partition tables, the ESP and the MBR, read-only.
#include "disk.hpp"

namespace bootsmith::cli {

Command disk_command() {
    Command c = make_command("disk", "Partition tables, the ESP and the MBR", "disk inspection arrives with issue 6");
    c.verbs.push_back(disk_list_verb());
    c.verbs.push_back(disk_esp_verb());
    c.verbs.push_back(disk_mbr_verb());
    return c;
}

} // namespace bootsmith::cli
