// libFuzzer's entry for one target; BOOTSMITH_FUZZ_TARGET names it (fuzz/CMakeLists.txt).
#include "fuzz.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    bootsmith::fuzz::BOOTSMITH_FUZZ_TARGET(bootsmith::fuzz::Input(data, size));
    return 0;
}
