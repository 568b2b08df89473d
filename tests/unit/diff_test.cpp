// unified_diff() against the real tools: GNU diff -u output for unambiguous edits, and
// GNU patch applying our diffs for random ones.
#include "bootsmith/sys/diff.hpp"

#include "testutil.hpp"

#include <gtest/gtest.h>

#include <random>

using bootsmith::sys::unified_diff;
using bootsmith::test::TempDir;

namespace {

/// GNU diff -u with its two header lines replaced by ours.
std::string gnu_diff(const std::string& a, const std::string& b) {
    TempDir t;
    bootsmith::test::write_file(t / "a", a);
    bootsmith::test::write_file(t / "b", b);
    auto r = bootsmith::test::run({"-u", (t / "a").string(), (t / "b").string()}, {}, "/usr/bin/diff");
    std::string out = r.out;
    for (int i = 0; i < 2; ++i)
        out.erase(0, out.find('\n') + 1);
    return "--- a/f\n+++ b/f\n" + out;
}

std::string patched(const std::string& a, const std::string& diff) {
    TempDir t;
    bootsmith::test::write_file(t / "a", a);
    bootsmith::test::write_file(t / "p", diff);
    auto r = bootsmith::test::run({"-s", "-o", (t / "out").string(), (t / "a").string(), (t / "p").string()}, {},
                                  "/usr/bin/patch");
    EXPECT_EQ(r.status, 0) << r.err << r.out << diff;
    return bootsmith::test::exists(t / "out") ? bootsmith::test::read_file(t / "out") : std::string("<no output>");
}

} // namespace

TEST(UnifiedDiff, EqualTextsGiveNothing) {
    std::string a = "x\n";
    EXPECT_EQ(unified_diff("/f", &a, &a), "");
}

TEST(UnifiedDiff, MatchesGnuDiffOnSimpleEdits) {
    const std::vector<std::pair<std::string, std::string>> cases = {
        {"a\nb\nc\n", "a\nB\nc\n"},
        {"1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\n12\n", "1\n2\n3\nfour\n5\n6\n7\n8\n9\n10\neleven\n12\n"},
        {"1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\n12\n13\n14\n15\n16\n",
         "0\n1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\n12\n13\n14\n15\n16\n17\n"},
        {"keep\nlast", "keep\nlast\n"}, // newline added at end of file
        {"keep\nlast\n", "keep\nlast"}, // newline removed
        {"", "new\nfile\n"},            // from empty
        {"only\n", ""},                 // to empty
        {"GRUB_DEFAULT=0\nGRUB_TIMEOUT=5\n", "GRUB_DEFAULT=saved\nGRUB_TIMEOUT=5\n"},
    };
    for (const auto& [a, b] : cases)
        EXPECT_EQ(unified_diff("/f", &a, &b), gnu_diff(a, b)) << "before:\n" << a << "after:\n" << b;
}

TEST(UnifiedDiff, CreationAndRemovalUseDevNull) {
    std::string b = "one\ntwo\n";
    EXPECT_EQ(unified_diff("/etc/x", nullptr, &b), "--- /dev/null\n+++ b/etc/x\n@@ -0,0 +1,2 @@\n+one\n+two\n");
    EXPECT_EQ(unified_diff("/etc/x", &b, nullptr), "--- a/etc/x\n+++ /dev/null\n@@ -1,2 +0,0 @@\n-one\n-two\n");
}

TEST(UnifiedDiff, PatchReproducesRandomEdits) {
    std::mt19937 rng(12345);
    std::uniform_int_distribution<int> pick(0, 9);
    for (int round = 0; round < 60; ++round) {
        std::string a, b;
        int n = 5 + pick(rng) * 6;
        for (int i = 0; i < n; ++i) {
            std::string line = "line " + std::to_string(pick(rng)) + "\n";
            a += line;
            int r = pick(rng);
            if (r == 0) continue;                                    // deleted
            if (r == 1) b += "inserted " + std::to_string(i) + "\n"; // inserted
            b += r == 2 ? "changed " + std::to_string(i) + "\n" : line;
        }
        if (round % 7 == 0 && !b.empty()) b.pop_back(); // no newline at end
        std::string d = unified_diff("/f", &a, &b);
        if (a == b) {
            EXPECT_EQ(d, "");
            continue;
        }
        EXPECT_EQ(patched(a, d), b) << d;
    }
}
