// libFuzzer's entry for one target; BOOTSMITH_FUZZ_TARGET names it (fuzz/CMakeLists.txt).
// A bootsmith::Error is how the parsers refuse bad input; anything else escaping is a crash.
#include "fuzz.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    try {
        bootsmith::fuzz::BOOTSMITH_FUZZ_TARGET(bootsmith::fuzz::Input(data, size));
    } catch (const bootsmith::Error&) {}
    return 0;
}
