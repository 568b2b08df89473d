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
