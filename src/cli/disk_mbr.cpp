// bootsmith disk mbr — placeholder until its part of issue 6 lands (the group is marked
// "not available yet" in disk.cpp meanwhile).
#include "disk.hpp"

#include "bootsmith/error.hpp"

namespace bootsmith::cli {

Verb disk_mbr_verb() {
    Verb v = make_verb("mbr", "DEV", "Sector 0: the MBR entries and the boot code installed, with GRUB's core.img");
    v.options = [](auto&, auto& hidden, auto& pos) { any_args(hidden, pos); };
    v.run = [](Context&, const po::variables_map&) -> int {
        throw Error(Exit::usage, "'disk mbr' is not available yet");
    };
    return v;
}

} // namespace bootsmith::cli
