// `bootsmith efibootmgr`: what tests/conformance does not cover (creation, dry runs, the
// binary installed as `efibootmgr`). Creation is checked against the real tools' reading
// of what bootsmith wrote: efibootmgr -v and efibootdump -f.
#include "testutil.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <unistd.h>

#include <filesystem>

using bootsmith::test::run;
using bootsmith::test::TempDir;
namespace fs = std::filesystem;

namespace {

struct Root {
    TempDir dir;
    fs::path root;
    Root() : root(dir / "debian12-uefi") {
        bootsmith::test::copy_tree(bootsmith::test::fixtures() / "debian12-uefi", root);
    }
    fs::path efivars() const { return root / bootsmith::test::kEfivars; }
    bootsmith::test::RunResult operator()(std::vector<std::string> args) const {
        args.insert(args.begin(), {"--root", root.string(), "efibootmgr"});
        return run(args);
    }
    /// The real efibootmgr on this root's variables.
    bootsmith::test::RunResult oracle(std::vector<std::string> args) const {
        return run(args, {"LC_ALL=C", "EFIVARFS_PATH=" + efivars().string() + "/"}, "/usr/bin/efibootmgr");
    }
};

bool have(const char* tool) {
    return ::access(tool, X_OK) == 0;
}

} // namespace

TEST(Efibootmgr, CreatePrependsAndTheRealToolsReadIt) {
    if (!have("/usr/bin/efibootmgr") || !have("/usr/bin/efibootdump")) GTEST_SKIP() << "efibootmgr not installed";
    Root r;
    auto res = r({"-c", "-d", "/dev/sda", "-p", "1", "-L", "debian grub", "-l", "\\EFI\\debian\\grubx64.efi", "-v"});
    ASSERT_EQ(res.status, 0) << res.err;
    EXPECT_TRUE(res.out.starts_with("BootCurrent: 0000\nTimeout: 5 seconds\nBootOrder: 0003,0000,0001,0002\n"))
        << res.out;
    // The real efibootmgr lists the new entry exactly as bootsmith does …
    auto real = r.oracle({"-v"});
    EXPECT_EQ(real.status, 0);
    EXPECT_EQ(real.out, res.out);
    EXPECT_NE(real.out.find("Boot0003* debian grub\tHD(1,GPT,5f2b8c1a-3e47-4d6a-9b0c-7e8f9a1b2c3d,0x800,0x14000)/"
                            "File(\\EFI\\debian\\grubx64.efi)\n"),
              std::string::npos)
        << real.out;
    // … and efibootdump reads the variable file as a valid load option.
    auto dump = run({"-f", (r.efivars() / ("Boot0003-" + bootsmith::test::kGlobalGuid)).string()}, {"LC_ALL=C"},
                    "/usr/bin/efibootdump");
    EXPECT_EQ(dump.status, 0) << dump.err;
    EXPECT_NE(dump.out.find("debian grub"), std::string::npos) << dump.out;
    EXPECT_NE(dump.out.find("File(\\EFI\\debian\\grubx64.efi)"), std::string::npos) << dump.out;
}

TEST(Efibootmgr, CreateOnlyAndSameLabelWarning) {
    Root r;
    auto res = r({"-C", "-L", "debian", "-l", "\\EFI\\debian\\grubx64.efi", "-q"});
    ASSERT_EQ(res.status, 0) << res.err;
    EXPECT_EQ(res.out, "");
    EXPECT_NE(res.err.find("** Warning ** : Boot0000 has same label debian"), std::string::npos) << res.err;
    auto after = run({"--root", r.root.string(), "boot", "order"});
    EXPECT_EQ(after.out, "0000,0001,0002\n"); // -C leaves BootOrder alone
    EXPECT_TRUE(bootsmith::test::exists(r.efivars() / ("Boot0003-" + bootsmith::test::kGlobalGuid)));
    auto taken = r({"-b", "0001", "-c", "-l", "\\x.efi"});
    EXPECT_EQ(taken.status, 40);
}

TEST(Efibootmgr, DryRunShowsThePlanAndWritesNothing) {
    Root r;
    auto before = bootsmith::test::snapshot(r.root);
    auto res = run(
        {"--root", r.root.string(), "--dry-run", "efibootmgr", "-b", "0002", "-a", "-o", "0002,0000,0001", "-t", "3"});
    ASSERT_EQ(res.status, 0) << res.err;
    EXPECT_NE(res.out.find("set EFI variable Boot0002"), std::string::npos) << res.out;
    EXPECT_NE(res.out.find("after:  attributes 0x00000007, 6 bytes: 0002,0000,0001"), std::string::npos) << res.out;
    EXPECT_NE(res.out.find("Dry run: nothing was written."), std::string::npos);
    auto js = run({"--root", r.root.string(), "--dry-run", "--json", "efibootmgr", "-t", "3"});
    EXPECT_EQ(nlohmann::json::parse(js.out)["changes"][0]["name"], "Timeout");
    EXPECT_EQ(bootsmith::test::snapshot(r.root), before);
}

TEST(Efibootmgr, TimeoutOutOfRangeIsRefused) {
    Root r;
    auto before = bootsmith::test::snapshot(r.root);
    for (const char* t : {"70000", "-1", "65536"}) {
        auto res = r({"-t", t});
        EXPECT_EQ(res.status, 38) << t;
        EXPECT_NE(res.err.find("out of range"), std::string::npos) << res.err;
    }
    EXPECT_EQ(bootsmith::test::snapshot(r.root), before);
}

TEST(Efibootmgr, InstalledUnderTheNameEfibootmgr) {
    if (!have("/usr/bin/efibootmgr")) GTEST_SKIP() << "efibootmgr not installed";
    Root r;
    TempDir bin;
    fs::create_symlink(bootsmith::test::binary(), bin / "efibootmgr");
    // As efibootmgr it manages the live system through libefivar, which honours EFIVARFS_PATH.
    std::vector<std::string> env {"LC_ALL=C", "EFIVARFS_PATH=" + r.efivars().string() + "/"};
    auto ours = run({"-v"}, env, (bin / "efibootmgr").string());
    auto real = run({"-v"}, env, "/usr/bin/efibootmgr");
    EXPECT_EQ(ours.status, 0) << ours.err;
    EXPECT_EQ(ours.out, real.out);
    EXPECT_EQ(run({"-V"}, env, (bin / "efibootmgr").string()).out, "version 17\n");
}

TEST(Efibootmgr, UnsupportedOptionsAndArgumentsAreRefused) {
    Root r;
    EXPECT_EQ(r({"-r"}).status, 2);
    EXPECT_EQ(r({"-c", "-l", "\\x.efi", "root=/dev/sda2"}).status, 2);
    auto unknown = r({"--bogus"});
    EXPECT_EQ(unknown.status, 1);
    EXPECT_NE(unknown.err.find("unrecognized option '--bogus'"), std::string::npos) << unknown.err;
    EXPECT_EQ(run({"__complete", "--", "efibootmgr", "-"}).out, ":none\n");
}

TEST(Efibootmgr, AListingTakesNoLockAndWritesNothing) {
    Root r;
    auto before = bootsmith::test::snapshot(r.root);
    EXPECT_EQ(r({"-v"}).status, 0);
    EXPECT_EQ(bootsmith::test::snapshot(r.root), before);
    EXPECT_FALSE(bootsmith::test::exists(r.root / "run/lock/bootsmith.lock"));
}

TEST(Efibootmgr, JsonReportsWhatWasApplied) {
    Root r;
    auto res = run({"--root", r.root.string(), "--json", "efibootmgr", "-t", "7"});
    ASSERT_EQ(res.status, 0) << res.err;
    auto j = nlohmann::json::parse(res.out);
    EXPECT_EQ(j["applied"], true);
    EXPECT_EQ(j["changes"][0]["name"], "Timeout");
}
