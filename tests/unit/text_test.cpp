#include "bootsmith/text.hpp"

#include <gtest/gtest.h>

using namespace bootsmith;

TEST(Text, HexRoundTrip) {
    EXPECT_EQ(hex(std::string("\x07\x00\xff", 3)), "0700ff");
    std::string out;
    EXPECT_TRUE(unhex("0700FF", out));
    EXPECT_EQ(out, std::string("\x07\x00\xff", 3));
    EXPECT_FALSE(unhex("070", out));
    EXPECT_FALSE(unhex("0g", out));
}

TEST(Text, Utf8Validity) {
    EXPECT_TRUE(is_utf8("plain ascii"));
    EXPECT_TRUE(is_utf8("Gr\xc3\xbc\xc3\x9f"));
    EXPECT_FALSE(is_utf8("\xc0\xaf"));         // overlong '/'
    EXPECT_FALSE(is_utf8("\xed\xa0\x80"));     // surrogate
    EXPECT_FALSE(is_utf8("\xf4\x90\x80\x80")); // > U+10FFFF
    EXPECT_FALSE(is_utf8("\xe2\x82"));         // truncated
}

TEST(Text, PrintableEscapesControls) {
    EXPECT_EQ(printable(std::string("a\nb\x01\xff", 5)), "a\\x0ab\\x01\\xff");
    EXPECT_EQ(mode_string(0644), "0644");
    EXPECT_EQ(hex_u32(7), "0x00000007");
}

// The eight-bytes-at-a-time check of printable ASCII: each boundary byte at each position of
// a word and of the tail, against the escape the byte must get.
TEST(Text, PrintableEveryBoundaryByteEveryPosition) {
    const std::pair<unsigned char, std::string> cases[] = {
        {0x00, "\\x00"}, {0x1f, "\\x1f"}, {0x20, " "}, {0x7e, "~"}, {0x7f, "\\x7f"}, {0x80, "\\x80"}, {0xff, "\\xff"}};
    for (std::size_t len : {1u, 7u, 8u, 9u, 16u, 21u})
        for (std::size_t at = 0; at < len; ++at)
            for (const auto& [byte, shown] : cases) {
                std::string s(len, 'a');
                s[at] = static_cast<char>(byte);
                std::string want = std::string(at, 'a') + shown + std::string(len - at - 1, 'a');
                EXPECT_EQ(printable(s), want) << "byte " << int(byte) << " at " << at << " of " << len;
            }
}
