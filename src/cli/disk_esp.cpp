// bootsmith disk esp — placeholder until its part of issue 6 lands (the group is marked
// "not available yet" in disk.cpp meanwhile).
#include "disk.hpp"

#include "bootsmith/error.hpp"

namespace bootsmith::cli {

Verb disk_esp_verb() {
    Verb v = make_verb("esp", "", "The EFI system partition(s): where, what file system, which loaders");
    v.options = [](auto&, auto& hidden, auto& pos) { any_args(hidden, pos); };
    v.run = [](Context&, const po::variables_map&) -> int {
        throw Error(Exit::usage, "'disk esp' is not available yet");
    };
    return v;
}

} // namespace bootsmith::cli
