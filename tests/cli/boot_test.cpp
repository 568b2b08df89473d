// `bootsmith boot …` on temporary copies of the fixture roots.
#include "testutil.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>

using bootsmith::test::run;
using bootsmith::test::TempDir;
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

struct Root {
    TempDir dir;
    fs::path root;
    explicit Root(const std::string& name = "debian12-uefi") : root(dir / name) {
        bootsmith::test::copy_tree(bootsmith::test::fixtures() / name, root);
    }
    bootsmith::test::RunResult operator()(std::vector<std::string> args) const {
        args.insert(args.begin(), {"--root", root.string()});
        return run(args);
    }
    json list() const {
        auto r = (*this)({"boot", "list", "--json"});
        EXPECT_EQ(r.status, 0) << r.err;
        return json::parse(r.out);
    }
    fs::path var(const std::string& name) const {
        return root / (bootsmith::test::kEfivars + name + "-" + bootsmith::test::kGlobalGuid);
    }
    std::map<std::string, std::string> efivars() const {
        return bootsmith::test::snapshot(root / bootsmith::test::kEfivars);
    }
};

} // namespace

TEST(Boot, ListTextAndJson) {
    Root r;
    auto text = r({"boot", "list"});
    ASSERT_EQ(text.status, 0) << text.err;
    EXPECT_EQ(text.out, "BootCurrent: 0000\nBootNext:    (none)\nTimeout:     5 seconds\nBootOrder:   0000,0001,0002\n"
                        "Boot0000* debian\nBoot0001* UEFI PXEv4 (MAC:525400123456)\nBoot0002  EFI Internal Shell\n");
    auto j = r.list();
    EXPECT_EQ(j["schema"], "bootsmith.boot-list/1");
    EXPECT_EQ(j["boot_current"], "0000");
    EXPECT_TRUE(j["boot_next"].is_null());
    EXPECT_EQ(j["timeout"], 5);
    EXPECT_EQ(j["boot_order"], json({"0000", "0001", "0002"}));
    const auto& e = j["entries"][0];
    EXPECT_EQ(e["description"], "debian");
    EXPECT_EQ(e["attributes"]["active"], true);
    EXPECT_EQ(e["device_path"]["hard_drive"]["partition"], 1);
    EXPECT_EQ(e["device_path"]["hard_drive"]["signature"], "5f2b8c1a-3e47-4d6a-9b0c-7e8f9a1b2c3d");
    EXPECT_EQ(e["device_path"]["hard_drive"]["start"], 2048);
    EXPECT_EQ(e["device_path"]["file"], "\\EFI\\debian\\shimx64.efi");
    EXPECT_EQ(j["entries"][1]["optional_data"]["size"], 16);
    EXPECT_EQ(j["entries"][2]["attributes"]["active"], false);
    auto v = r({"boot", "list", "-v"});
    EXPECT_NE(
        v.out.find(
            "path: HD(1,GPT,5f2b8c1a-3e47-4d6a-9b0c-7e8f9a1b2c3d,0x800,0x14000)/File(\\EFI\\debian\\shimx64.efi)"),
        std::string::npos)
        << v.out;
}

// BootOrder or BootNext naming a Boot#### that does not exist: an error finding each, with a
// stable code, in text and JSON; a consistent store has none.
TEST(Boot, ListReportsOrderAndNextNamingMissingEntries) {
    Root r;
    EXPECT_EQ(r.list()["findings"], json::array());
    fs::remove(r.var("Boot0002"));
    // BootNext = 0x0007 (no such entry): attributes NV+BS+RT, then the number, little-endian.
    bootsmith::test::write_file(r.var("BootNext"), std::string("\x07\x00\x00\x00\x07\x00", 6));
    auto text = r({"boot", "list"});
    ASSERT_EQ(text.status, 0) << text.err;
    EXPECT_NE(text.out.find("error boot.order-missing: BootOrder names Boot0002, which does not exist\n"),
              std::string::npos)
        << text.out;
    EXPECT_NE(text.out.find("error boot.next-missing: BootNext names Boot0007"), std::string::npos) << text.out;
    auto f = r.list()["findings"];
    ASSERT_EQ(f.size(), 2u) << f;
    EXPECT_EQ(f[0]["code"], "boot.order-missing");
    EXPECT_EQ(f[0]["severity"], "error");
    EXPECT_EQ(f[1]["code"], "boot.next-missing");
}

TEST(Boot, NoEfiVariablesOnABiosMachine) {
    Root r("bios-mbr");
    auto res = r({"boot", "list"});
    EXPECT_EQ(res.status, 69);
    EXPECT_NE(res.err.find("no EFI variables"), std::string::npos);
}

TEST(Boot, ShowOneEntry) {
    Root r;
    auto j = json::parse(r({"boot", "show", "1", "--json"}).out);
    EXPECT_EQ(j["schema"], "bootsmith.boot-entry/1");
    EXPECT_EQ(j["name"], "Boot0001");
    EXPECT_EQ(r({"boot", "show", "0042"}).status, 66);
    EXPECT_EQ(r({"boot", "show"}).status, 2);
}

TEST(Boot, EveryMutationDryRunWritesNothing) {
    Root r;
    auto before = bootsmith::test::snapshot(r.root);
    const std::vector<std::vector<std::string>> mutations = {
        {"boot", "create", "--disk", "/dev/sda", "--part", "1", "--loader", "\\EFI\\debian\\grubx64.efi", "--label",
         "grub"},
        {"boot", "delete", "0001"},
        {"boot", "delete", "--label", "EFI Internal Shell"},
        {"boot", "enable", "0002"},
        {"boot", "disable", "0000"},
        {"boot", "rename", "0000", "Debian 12"},
        {"boot", "set-data", "0000", "--text", "\\grubx64.efi"},
        {"boot", "order", "0002,0000,0001"},
        {"boot", "order", "--first", "0002"},
        {"boot", "order", "--remove-stale"},
        {"boot", "next", "0001"},
        {"boot", "timeout", "10"},
        {"boot", "timeout", "--clear"},
        {"boot", "dedupe"},
    };
    for (auto m : mutations) {
        m.insert(m.begin(), "--dry-run");
        auto res = r(m);
        EXPECT_EQ(res.status, 0) << m[2] << ": " << res.err;
        m.push_back("--json");
        auto js = r(m);
        EXPECT_EQ(js.status, 0) << m[2] << ": " << js.err;
        auto j = json::parse(js.out);
        EXPECT_EQ(j["schema"], "bootsmith.plan/1");
        EXPECT_EQ(j["dry_run"], true);
    }
    EXPECT_EQ(bootsmith::test::snapshot(r.root), before);
}

TEST(Boot, CreateReadsThePartitionTableAndOrdersSafely) {
    Root r;
    auto res = r({"--json", "boot", "create", "--disk", "/dev/sda", "--part", "1", "--loader",
                  "/EFI/debian/grubx64.efi", "--label", "debian (grub)", "--position", "1", "--data-hex", "00ff"});
    ASSERT_EQ(res.status, 0) << res.err;
    auto plan = json::parse(res.out);
    ASSERT_EQ(plan["changes"].size(), 2u);
    EXPECT_EQ(plan["changes"][0]["name"], "Boot0003");  // the entry first …
    EXPECT_EQ(plan["changes"][1]["name"], "BootOrder"); // … then the order that names it
    auto j = r.list();
    EXPECT_EQ(j["boot_order"], json({"0000", "0003", "0001", "0002"}));
    const auto& e = j["entries"][1];
    EXPECT_EQ(e["description"], "debian (grub)");
    EXPECT_EQ(e["device_path"]["text"],
              "HD(1,GPT,5f2b8c1a-3e47-4d6a-9b0c-7e8f9a1b2c3d,0x800,0x14000)/File(\\EFI\\debian\\grubx64.efi)");
    EXPECT_EQ(e["optional_data"]["hex"], "00ff");
    // The same HD() as the installer's Boot0000 (the fixture was made to match the disk).
    EXPECT_EQ(e["device_path"]["hard_drive"], j["entries"][0]["device_path"]["hard_drive"]);
}

TEST(Boot, CreateRefusesDuplicatesAndBadInputWithoutWriting) {
    Root r;
    auto before = r.efivars();
    auto base = std::vector<std::string> {"boot", "create", "--disk", "/dev/sda", "--part", "1", "--label", "x"};
    auto with = [&](std::vector<std::string> extra) {
        auto a = base;
        a.insert(a.end(), extra.begin(), extra.end());
        return r(a);
    };
    EXPECT_EQ(with({"--loader", "\\EFI\\debian\\shimx64.efi"}).status, 1); // same path as Boot0000
    EXPECT_EQ(with({"--loader", "\\EFI\\..\\x.efi"}).status, 2);
    EXPECT_EQ(with({"--loader", "\\x.efi", "--part", "9"}).status, 2); // --part given twice
    auto nopart = r({"boot", "create", "--disk", "/dev/sda", "--part", "9", "--loader", "\\x.efi", "--label", "x"});
    EXPECT_EQ(nopart.status, 66);
    EXPECT_NE(nopart.err.find("no partition 9"), std::string::npos);
    auto nodisk = r({"boot", "create", "--disk", "/dev/sdz", "--part", "1", "--loader", "\\x.efi", "--label", "x"});
    EXPECT_EQ(nodisk.status, 66);
    EXPECT_EQ(with({"--loader", "\\x.efi", "--label", std::string(1100, 'y')}).status, 2);
    EXPECT_EQ(with({"--loader", "\\x.efi", "--data-hex", "abc"}).status, 2);
    EXPECT_EQ(with({"--loader", "\\x.efi", "--position", "middle"}).status, 2);
    EXPECT_EQ(r.efivars(), before);
}

TEST(Boot, CreateWarnsWhenTheLoaderIsNotOnTheMountedEsp) {
    Root r;
    auto res =
        r({"boot", "create", "--disk", "/dev/sda", "--part", "1", "--loader", "\\EFI\\nothere.efi", "--label", "x"});
    EXPECT_EQ(res.status, 0);
    EXPECT_NE(res.err.find("\\EFI\\nothere.efi is not on partition 1 of /dev/sda (mounted at /boot/efi)"),
              std::string::npos)
        << res.err;
}

TEST(Boot, CreateOnAGarbageDisk) {
    Root r;
    bootsmith::test::write_file(r.root / "dev/sdb", std::string(4096, 'x'));
    bootsmith::test::write_file(r.root / "dev/sdc", "");
    for (const char* dev : {"/dev/sdb", "/dev/sdc"}) {
        auto res = r({"boot", "create", "--disk", dev, "--part", "1", "--loader", "\\x.efi", "--label", "x"});
        EXPECT_EQ(res.status, 65) << res.err;
        EXPECT_EQ(bootsmith::test::line_count(res.err), 1u) << res.err;
        EXPECT_NE(res.err.find(dev), std::string::npos);
    }
}

TEST(Boot, DeleteRemovesFromOrderAndNext) {
    Root r;
    ASSERT_EQ(r({"boot", "next", "0001"}).status, 0);
    auto res = r({"--json", "boot", "delete", "0001"});
    ASSERT_EQ(res.status, 0) << res.err;
    auto plan = json::parse(res.out);
    ASSERT_EQ(plan["changes"].size(), 3u);
    EXPECT_EQ(plan["changes"][0]["name"], "BootNext");
    EXPECT_EQ(plan["changes"][1]["name"], "BootOrder");
    EXPECT_EQ(plan["changes"][2]["name"], "Boot0001");
    auto j = r.list();
    EXPECT_EQ(j["boot_order"], json({"0000", "0002"}));
    EXPECT_TRUE(j["boot_next"].is_null());
    EXPECT_FALSE(bootsmith::test::exists(r.var("Boot0001")));
    auto current = r({"boot", "delete", "0000"});
    EXPECT_EQ(current.status, 1);
    EXPECT_NE(current.err.find("BootCurrent"), std::string::npos);
    EXPECT_EQ(r({"boot", "delete", "0000", "--force"}).status, 0);
    EXPECT_EQ(r({"boot", "delete", "--label", "no such label"}).status, 66);
}

TEST(Boot, EditInPlace) {
    Root r;
    ASSERT_EQ(r({"boot", "rename", "0000", "Debian 12 (shim)"}).status, 0);
    ASSERT_EQ(r({"boot", "disable", "0001"}).status, 0);
    ASSERT_EQ(r({"boot", "enable", "0002"}).status, 0);
    ASSERT_EQ(r({"boot", "set-data", "0000", "--text", "\\grubx64.efi"}).status, 0);
    auto j = r.list();
    EXPECT_EQ(j["entries"][0]["description"], "Debian 12 (shim)");
    EXPECT_EQ(j["entries"][0]["device_path"]["file"], "\\EFI\\debian\\shimx64.efi");
    EXPECT_EQ(j["entries"][0]["optional_data"]["text"], "\\grubx64.efi");
    EXPECT_EQ(j["entries"][0]["optional_data"]["encoding"], "ucs2");
    EXPECT_EQ(j["entries"][1]["attributes"]["active"], false);
    EXPECT_EQ(j["entries"][2]["attributes"]["active"], true);
    ASSERT_EQ(r({"boot", "set-data", "0000", "--clear"}).status, 0);
    EXPECT_EQ(r.list()["entries"][0]["optional_data"]["size"], 0);
    EXPECT_EQ(r({"boot", "set-data", "0000", "--clear", "--hex", "00"}).status, 2);
}

TEST(Boot, OrderNextTimeoutAndTheirErrors) {
    Root r;
    EXPECT_EQ(r({"boot", "order"}).out, "0000,0001,0002\n");
    ASSERT_EQ(r({"boot", "order", "2,0,1"}).status, 0);
    EXPECT_EQ(r.list()["boot_order"], json({"0002", "0000", "0001"}));
    EXPECT_EQ(r({"boot", "order", "0000,0000"}).status, 2);
    EXPECT_EQ(r({"boot", "order", "0000,0009"}).status, 66);
    EXPECT_EQ(r({"boot", "order", "0000,zz"}).status, 2);
    ASSERT_EQ(r({"boot", "order", "--first", "0001"}).status, 0);
    EXPECT_EQ(r.list()["boot_order"], json({"0001", "0002", "0000"}));
    EXPECT_EQ(r({"boot", "next", "0007"}).status, 66);
    for (const char* bad : {"65536", "70000", "-1", "5s", ""})
        EXPECT_EQ(r({"boot", "timeout", bad}).status, 2) << bad;
    ASSERT_EQ(r({"boot", "timeout", "65535"}).status, 0);
    EXPECT_EQ(r.list()["timeout"], 65535);
    ASSERT_EQ(r({"boot", "timeout", "--clear"}).status, 0);
    EXPECT_TRUE(r.list()["timeout"].is_null());
}

TEST(Boot, CorruptVariablesAreListedNotFatal) {
    Root r;
    bootsmith::test::write_file(r.var("Boot0005"), std::string("\x07\0\0\0\x01\0\x5e\0t\0", 10));
    bootsmith::test::write_file(r.var("BootNext"), std::string("\x07\0\0\0\x01", 5));
    auto res = r({"boot", "list", "--json"});
    ASSERT_EQ(res.status, 0) << res.err;
    auto j = json::parse(res.out);
    EXPECT_EQ(j["entries"].size(), 4u);
    EXPECT_FALSE(j["entries"][3]["corrupt"].is_null());
    EXPECT_EQ(j["problems"].size(), 1u); // the 1-byte BootNext
    auto text = r({"boot", "list"});
    EXPECT_NE(text.out.find("Boot0005  <corrupt:"), std::string::npos) << text.out;
    // Editing the corrupt entry is refused; deleting it works.
    EXPECT_EQ(r({"boot", "rename", "5", "x"}).status, 65);
    EXPECT_EQ(r({"boot", "delete", "5"}).status, 0);
}

TEST(Boot, BackupAndRestore) {
    Root r;
    fs::path file = r.dir / "boot-backup.json";
    auto before = r.efivars();
    ASSERT_EQ(r({"boot", "backup", file.string()}).status, 0);
    auto backup = json::parse(bootsmith::test::read_file(file));
    EXPECT_EQ(backup["schema"], "bootsmith.efi-backup/1");
    ASSERT_EQ(r({"boot", "delete", "0001"}).status, 0);
    ASSERT_EQ(r({"boot", "timeout", "1"}).status, 0);
    auto dry = r({"--dry-run", "boot", "restore", file.string()});
    EXPECT_EQ(dry.status, 0);
    EXPECT_NE(dry.out.find("create EFI variable Boot0001"), std::string::npos) << dry.out;
    ASSERT_EQ(r({"boot", "restore", file.string()}).status, 0);
    EXPECT_EQ(r.efivars(), before);
    bootsmith::test::write_file(r.dir / "bad.json", "{not json");
    EXPECT_EQ(r({"boot", "restore", (r.dir / "bad.json").string()}).status, 65);
    EXPECT_EQ(r({"boot", "restore", (r.dir / "missing.json").string()}).status, 66);
}
