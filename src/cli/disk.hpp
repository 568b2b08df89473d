// The disk group: one verb per file (disk_list.cpp, disk_esp.cpp, disk_mbr.cpp), put
// together in disk.cpp.
#pragma once

#include "app.hpp"

namespace bootsmith::cli {

Verb disk_list_verb(); ///< bootsmith disk list [DEV…]
Verb disk_esp_verb();  ///< bootsmith disk esp
Verb disk_mbr_verb();  ///< bootsmith disk mbr DEV

} // namespace bootsmith::cli
