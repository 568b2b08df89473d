// The PE machine check behind `disk esp` (disk/esp.hpp), on hand-made headers.
#include "bootsmith/disk/esp.hpp"

#include <gtest/gtest.h>

#include <string>

using bootsmith::disk::fallback_name;
using bootsmith::disk::pe_info;

namespace {

/// MZ, e_lfanew = `lfanew`, "PE\0\0" and the machine there, in `size` bytes.
std::string pe(std::uint16_t machine, std::uint32_t lfanew = 0x40, std::size_t size = 0x200) {
    std::string b(size, '\0');
    b[0] = 'M';
    b[1] = 'Z';
    for (int i = 0; i < 4; ++i)
        b[0x3C + i] = static_cast<char>((lfanew >> (8 * i)) & 0xff);
    if (std::uint64_t {lfanew} + 6 <= size) {
        b.replace(lfanew, 4, std::string("PE\0\0", 4));
        b[lfanew + 4] = static_cast<char>(machine & 0xff);
        b[lfanew + 5] = static_cast<char>(machine >> 8);
    }
    return b;
}

} // namespace

TEST(EspPe, Machines) {
    struct Case {
        std::uint16_t machine;
        const char* arch;
        unsigned bits;
    };
    for (const auto& c : {Case {0x8664, "x64", 64}, Case {0x014c, "ia32", 32}, Case {0xaa64, "aa64", 64},
                          Case {0x01c2, "arm", 32}, Case {0x5064, "riscv64", 64}, Case {0x6264, "loongarch64", 64}}) {
        auto p = pe_info(pe(c.machine));
        EXPECT_TRUE(p.valid);
        EXPECT_EQ(p.machine, c.machine);
        EXPECT_EQ(p.arch, c.arch);
        EXPECT_EQ(p.word_size, c.bits);
    }
    auto odd = pe_info(pe(0x0200)); // IA-64: a PE, but no UEFI fallback name
    EXPECT_TRUE(odd.valid);
    EXPECT_EQ(odd.arch, "");
    EXPECT_EQ(fallback_name("x64"), "BOOTX64.EFI");
    EXPECT_EQ(fallback_name("loongarch64"), "BOOTLOONGARCH64.EFI");
    EXPECT_EQ(fallback_name(""), "");
}

TEST(EspPe, HostileHeaders) {
    EXPECT_FALSE(pe_info("").valid);
    EXPECT_FALSE(pe_info("MZ").valid);
    EXPECT_FALSE(pe_info(std::string(0x200, 'M')).valid);
    // e_lfanew past the end, at the very end, and at 0xffffffff (no overflow).
    EXPECT_FALSE(pe_info(pe(0x8664, 0x1000)).valid);
    EXPECT_FALSE(pe_info(pe(0x8664, 0x1fc)).valid);
    EXPECT_FALSE(pe_info(pe(0x8664, 0xffffffffu)).valid);
    EXPECT_TRUE(pe_info(pe(0x8664, 0x1fa)).valid); // the last place it fits
    auto bad = pe(0x8664);
    bad[0x42] = 'X'; // "PEX\0"
    EXPECT_FALSE(pe_info(bad).valid);
}
