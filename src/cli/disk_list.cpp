// bootsmith disk list — placeholder until its part of issue 6 lands (the group is marked
// "not available yet" in disk.cpp meanwhile).
#include "disk.hpp"

#include "bootsmith/error.hpp"

namespace bootsmith::cli {

Verb disk_list_verb() {
    Verb v = make_verb("list", "[DEV…]", "Disks and their partition tables, with the file system in each partition");
    v.options = [](auto&, auto& hidden, auto& pos) { any_args(hidden, pos); };
    v.run = [](Context&, const po::variables_map&) -> int {
        throw Error(Exit::usage, "'disk list' is not available yet");
    };
    return v;
}

} // namespace bootsmith::cli
