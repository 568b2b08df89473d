// The completion engine behind completions/ (the shells themselves: tests/completions/).
#include "app.hpp"
#include "disk.hpp"
#include "testutil.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <sstream>

using bootsmith::cli::completion_candidates;

namespace {

bool offers(const std::vector<std::string>& c, const std::string& value) {
    return std::any_of(c.begin() + 1, c.end(),
                       [&](const std::string& l) { return l.substr(0, l.find('\t')) == value; });
}

} // namespace

TEST(Complete, CommandsButNotHiddenOnes) {
    auto c = completion_candidates({""});
    ASSERT_FALSE(c.empty());
    EXPECT_EQ(c[0], ":words");
    for (const char* cmd : {"status", "boot", "grub", "kernel", "disk"})
        EXPECT_TRUE(offers(c, cmd)) << cmd;
    EXPECT_FALSE(offers(c, "__complete"));
}

TEST(Complete, OptionValues) {
    using V = std::vector<std::string>;
    EXPECT_EQ(completion_candidates({"--root", ""}), V {":dirs"});
    EXPECT_EQ(completion_candidates({"--root="}), V {":dirs"});
    EXPECT_EQ(completion_candidates({"--lock-timeout", ""}), V {":none"});
    EXPECT_EQ(completion_candidates({"--lock-timeout=1"}), V {":none"});
    EXPECT_EQ(completion_candidates({"status", "--root", ""}), V {":dirs"});
}

TEST(Complete, OptionsAndValuesAreSkippedWhenFindingTheCommand) {
    auto c = completion_candidates({"--root", "/tmp", "--json", "status", "--"});
    EXPECT_TRUE(offers(c, "--json"));
    EXPECT_TRUE(offers(c, "--dry-run"));
    EXPECT_TRUE(offers(completion_candidates({"--root=/tmp", "disk", ""}), "mbr"));
    EXPECT_TRUE(offers(completion_candidates({"-q", ""}), "status"));
}

TEST(Complete, AfterDoubleDashEverythingIsAnArgument) {
    auto c = completion_candidates({"--", "--ro"});
    EXPECT_FALSE(offers(c, "--root"));
}

// `disk list DEV`: the verb's own callback (the engine offers nothing for the disk group while
// it is marked "not available yet").
TEST(Complete, DiskListOffersTheDisksOfTheRoot) {
    bootsmith::cli::Globals g;
    g.root = (bootsmith::test::fixtures() / "debian12-uefi").string();
    std::ostringstream out, err;
    bootsmith::cli::Context ctx(g, {}, out, err);
    auto v = bootsmith::cli::disk_list_verb();
    ASSERT_TRUE(v.complete);
    auto c = v.complete(ctx, {});
    ASSERT_EQ(c.size(), 1u);
    EXPECT_EQ(c[0].substr(0, c[0].find('\t')), "/dev/sda");

    g.root = (bootsmith::test::fixtures() / "fedora-bls-uefi").string();
    bootsmith::cli::Context fedora(g, {}, out, err);
    c = v.complete(fedora, {});
    ASSERT_EQ(c.size(), 1u);
    EXPECT_EQ(c[0].substr(0, c[0].find('\t')), "/dev/vda");
}
