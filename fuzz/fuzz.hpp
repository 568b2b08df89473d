// The fuzz entry points: one per parser, each taking one input. The libFuzzer executables
// (libfuzzer_main.cpp) call them, and so does the unit test that replays every seed and every
// input a fuzzer once crashed on (tests/unit/fuzz_replay_test.cpp).
//
// An entry returns normally, or lets a bootsmith::Error out for input it refuses. Anything
// else — another exception, a failed invariant (fuzz::Violation), a sanitizer report — is a bug.
#pragma once

#include "bootsmith/error.hpp"

#include <cstddef>
#include <cstdint>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace bootsmith::fuzz {

using Input = std::span<const std::uint8_t>;

/// An invariant of a parser that does not hold for an input.
class Violation : public std::logic_error {
public:
    using std::logic_error::logic_error;
};

inline void check(bool ok, const char* what) {
    if (!ok) throw Violation(what);
}

inline std::string_view as_text(Input in) {
    return {reinterpret_cast<const char*>(in.data()), in.size()};
}

/// Runs `f`, taking a bootsmith::Error as the expected outcome for bad input.
template <class F> void refusal_ok(F&& f) {
    try {
        f();
    } catch (const Error&) {}
}

void load_option(Input in);  ///< EFI_LOAD_OPTION (Boot#### data) and the readers of damaged ones
void device_path(Input in);  ///< an EFI device path: checked, decoded, formatted by libefivar
void grubenv(Input in);      ///< a grubenv block, read and edited
void default_grub(Input in); ///< /etc/default/grub (sh), evaluated and edited; kernel command lines
void grub_cfg(Input in);     ///< grub.cfg (GRUB script) → menu, default resolution
void grubby_cfg(Input in);   ///< grub.cfg in C grubby's model, queried, edited and written
void bls(Input in);          ///< a BLS entry, its file name, and the version comparisons
void mbr(Input in);          ///< sector 0 (MBR, boot code) and the GRUB core.img check on an image
void disk(Input in);         ///< an image file probed by libblkid and bootsmith's GPT checks
void fat(Input in);          ///< a FAT12/16/32 image: open, list every directory, read every file

struct Target {
    const char* name;
    void (*run)(Input);
};
/// Every target, by name (the names of fuzz/corpus/<name>/ and fuzz/regressions/<name>/).
const std::vector<Target>& targets();

} // namespace bootsmith::fuzz
