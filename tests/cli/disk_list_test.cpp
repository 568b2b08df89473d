// `bootsmith disk list` on the fixture roots (build/fixtures/*) and the loose disk images
// (build/fixtures/disks/*.img, passed as DEV with --root build/fixtures/disks).
#include "testutil.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <set>

using bootsmith::test::fixtures;
using bootsmith::test::run;
using nlohmann::json;

namespace {

bootsmith::test::RunResult list(const std::string& root, std::vector<std::string> args) {
    args.insert(args.begin(), {"--root", (fixtures() / root).string(), "disk", "list"});
    return run(args);
}

json list_json(const std::string& root, std::vector<std::string> args = {}) {
    args.push_back("--json");
    auto r = list(root, args);
    EXPECT_EQ(r.status, 0) << r.err;
    json j = json::parse(r.out);
    EXPECT_EQ(j["schema"], "bootsmith.disk-list/1");
    return j;
}

std::set<std::string> codes(const json& disk) {
    std::set<std::string> out;
    for (const auto& f : disk["findings"])
        out.insert(f["code"].get<std::string>());
    return out;
}

json disk_of(const std::string& image) {
    json j = list_json("disks", {"/" + image});
    EXPECT_EQ(j["disks"].size(), 1u);
    return j["disks"][0];
}

void expect_one_line_error(const bootsmith::test::RunResult& r, int code, const std::string& needle) {
    EXPECT_EQ(r.status, code) << r.err;
    EXPECT_EQ(bootsmith::test::line_count(r.err), 1u) << r.err;
    EXPECT_NE(r.err.find(needle), std::string::npos) << r.err;
    EXPECT_TRUE(r.out.empty()) << r.out;
}

} // namespace

TEST(DiskList, DebianUefiGptWithEspBiosBootAndRoot) {
    json d = list_json("debian12-uefi")["disks"];
    ASSERT_EQ(d.size(), 1u);
    EXPECT_EQ(d[0]["device"], "/dev/sda");
    EXPECT_EQ(d[0]["sector_size"], 512);
    EXPECT_EQ(d[0]["sector_size_source"], "sysfs");
    EXPECT_EQ(d[0]["size"], 64u << 20);
    EXPECT_EQ(d[0]["table"]["type"], "gpt");
    EXPECT_EQ(d[0]["table"]["offset"], 512);
    const json& p = d[0]["table"]["partitions"];
    ASSERT_EQ(p.size(), 3u);
    EXPECT_EQ(p[0]["node"], "/dev/sda1");
    EXPECT_EQ(p[0]["start"], 2048);
    EXPECT_EQ(p[0]["size"], 81920);
    EXPECT_EQ(p[0]["type"], "c12a7328-f81f-11d2-ba4b-00a0c93ec93b");
    EXPECT_EQ(p[0]["type_name"], "EFI System");
    EXPECT_EQ(p[0]["name"], "EFI System Partition");
    EXPECT_EQ(p[0]["filesystem"]["type"], "vfat");
    EXPECT_EQ(p[0]["filesystem"]["version"], "FAT32");
    EXPECT_EQ(p[1]["type_name"], "BIOS boot");
    EXPECT_TRUE(p[1]["filesystem"].is_null());
    EXPECT_EQ(p[2]["filesystem"]["type"], "ext4");
    EXPECT_EQ(p[2]["filesystem"]["uuid"], "2d6a4b8e-1f3c-4e5a-9b7d-0c1e2f3a4b5c");
    EXPECT_TRUE(d[0]["findings"].empty()) << d[0]["findings"].dump();
}

TEST(DiskList, FedoraVdaIsFoundThroughSysBlock) {
    json d = list_json("fedora-bls-uefi")["disks"];
    ASSERT_EQ(d.size(), 1u);
    EXPECT_EQ(d[0]["device"], "/dev/vda");
    EXPECT_EQ(d[0]["table"]["type"], "gpt");
    EXPECT_GE(d[0]["table"]["partitions"].size(), 2u);
    EXPECT_EQ(d[0]["table"]["partitions"][0]["node"], "/dev/vda1");
}

TEST(DiskList, BiosMbrRootsAreDosWithPartuuidsFromTheSignature) {
    json d = list_json("bios-mbr")["disks"][0];
    EXPECT_EQ(d["table"]["type"], "dos");
    EXPECT_EQ(d["table"]["id"], "5e1f7c3a");
    EXPECT_EQ(d["table"]["partitions"][0]["partuuid"], "5e1f7c3a-01");
    EXPECT_EQ(d["table"]["partitions"][0]["type"], "0x83");
    EXPECT_EQ(d["table"]["partitions"][0]["bootable"], true);
    EXPECT_EQ(d["table"]["partitions"][0]["filesystem"]["label"], "debian-root");

    json c = list_json("centos7-bios", {"sda"})["disks"][0];
    EXPECT_EQ(c["table"]["type"], "dos");
    EXPECT_EQ(c["table"]["partitions"].size(), 2u);
}

TEST(DiskList, TextLooksLikeSfdiskAndLsblk) {
    auto r = list("debian12-uefi", {});
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_NE(r.out.find("Disk /dev/sda: 64M, 67108864 bytes, 131072 sectors"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("Disklabel type: gpt"), std::string::npos);
    EXPECT_NE(r.out.find("/dev/sda1 2048  83967  81920   40M  EFI System"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("FSTYPE FSVER"), std::string::npos);
    EXPECT_NE(r.out.find("vfat   FAT32"), std::string::npos) << r.out;
    EXPECT_EQ(r.out.find("Findings"), std::string::npos);
}

TEST(DiskList, MbrEspFat16) {
    json d = disk_of("mbr-esp.img");
    EXPECT_EQ(d["table"]["id"], "deadbeef");
    const json& p = d["table"]["partitions"];
    ASSERT_EQ(p.size(), 2u);
    EXPECT_EQ(p[0]["type"], "0xef");
    EXPECT_EQ(p[0]["type_name"], "EFI System");
    EXPECT_EQ(p[0]["filesystem"]["version"], "FAT16");
    EXPECT_EQ(p[0]["filesystem"]["label"], "MBRESP");
    EXPECT_EQ(p[1]["flag_names"], json::array({"bootable"}));
    EXPECT_TRUE(d["findings"].empty());
}

TEST(DiskList, FourKnGptIsReadAt4096) {
    json d = disk_of("gpt-4kn.img");
    EXPECT_EQ(d["sector_size"], 4096);
    EXPECT_EQ(d["sector_size_source"], "gpt");
    EXPECT_EQ(d["table"]["type"], "gpt");
    EXPECT_EQ(d["table"]["id"], "4b4e0000-1111-4222-8333-000000004096");
    const json& p = d["table"]["partitions"];
    ASSERT_EQ(p.size(), 2u);
    EXPECT_EQ(p[0]["start"], 256); // logical sectors, as fdisk -b 4096 shows
    EXPECT_EQ(p[0]["size"], 5120);
    EXPECT_EQ(p[0]["filesystem"]["version"], "FAT32");
    EXPECT_EQ(p[0]["filesystem"]["label"], "ESP4K");
}

TEST(DiskList, GptAttributesAndTypeNames) {
    json p = disk_of("gpt-small.img")["table"]["partitions"];
    EXPECT_EQ(p[1]["flag_names"], json::array({"legacy-bios-bootable"}));
    EXPECT_EQ(p[2]["flag_names"], json::array({"required", "GUID:60"}));
    EXPECT_EQ(p[2]["type_name"], "Linux root (x86-64)");
}

TEST(DiskList, SyslinuxBootCodeDoesNotChangeTheTable) {
    json a = disk_of("mbr-esp.img"), b = disk_of("mbr-syslinux.img");
    a.erase("device");
    b.erase("device");
    a["table"]["partitions"][0].erase("node");
    b["table"]["partitions"][0].erase("node");
    a["table"]["partitions"][1].erase("node");
    b["table"]["partitions"][1].erase("node");
    EXPECT_EQ(a, b);
}

TEST(DiskList, DamagedPrimaryGptIsReportedNotHidden) {
    for (auto [img, code] :
         std::vector<std::pair<std::string, std::string>> {{"gpt-primary-zeroed.img", "gpt.primary-missing"},
                                                           {"gpt-primary-crc.img", "gpt.primary-header-crc"},
                                                           {"gpt-array-crc.img", "gpt.primary-array-crc"}}) {
        json d = disk_of(img);
        auto c = codes(d);
        EXPECT_TRUE(c.count("gpt.backup-in-use")) << img << d["findings"].dump();
        EXPECT_TRUE(c.count(code)) << img << d["findings"].dump();
        EXPECT_EQ(d["table"]["offset"], (32u << 20) - 512) << img;
        EXPECT_EQ(d["table"]["partitions"].size(), 3u) << img; // from the backup
    }
}

TEST(DiskList, OtherDamage) {
    EXPECT_EQ(codes(disk_of("gpt-no-pmbr.img")), std::set<std::string> {"gpt.no-protective-mbr"});
    EXPECT_EQ(codes(disk_of("gpt-overlap.img")), std::set<std::string> {"part.overlap"});
    json o = disk_of("gpt-outside.img");
    EXPECT_EQ(codes(o), std::set<std::string> {"gpt.entry-outside-usable"});
    EXPECT_EQ(o["table"]["partitions"].size(), 2u);
    EXPECT_EQ(codes(disk_of("mbr-overlap.img")), std::set<std::string> {"part.overlap"});
    EXPECT_EQ(codes(disk_of("mbr-beyond-end.img")), std::set<std::string> {"part.beyond-disk"});
    json n = disk_of("mbr-nosig.img");
    EXPECT_EQ(codes(n), std::set<std::string> {"dos.no-disk-signature"});
    EXPECT_TRUE(n["table"]["id"].is_null());
    EXPECT_TRUE(n["table"]["partitions"][0]["partuuid"].is_null());
    auto r = list("disks", {"/gpt-overlap.img"});
    EXPECT_NE(r.out.find("error part.overlap: "), std::string::npos) << r.out;
}

TEST(DiskList, UnreadableImagesAreOneLineErrors) {
    const std::string dir = (fixtures() / "disks").string();
    expect_one_line_error(list("disks", {"/empty.img"}), 65, dir + "/empty.img: 0 bytes");
    expect_one_line_error(list("disks", {"/tiny.img"}), 65, dir + "/tiny.img: 300 bytes");
    expect_one_line_error(list("disks", {"/garbage.img"}), 65, dir + "/garbage.img: no partition table");
    expect_one_line_error(list("disks", {"/gpt-truncated.img"}), 65, dir + "/gpt-truncated.img: protective MBR");
    expect_one_line_error(list("disks", {"/nonexistent.img"}), 66, dir + "/nonexistent.img: no such device");
    expect_one_line_error(list("debian12-uefi", {"sdz"}), 66, "/dev/sdz: no such device");
}

TEST(DiskList, WithoutSysBlockEveryImageInDevIsListedAndBadOnesAreFindings) {
    bootsmith::test::TempDir t;
    std::filesystem::create_directories(t / "dev");
    for (const char* n : {"gpt-small.img", "empty.img", "garbage.img"})
        std::filesystem::copy_file(fixtures() / "disks" / n, t / "dev" / n);
    auto r = run({"--root", t.path().string(), "disk", "list", "--json"});
    ASSERT_EQ(r.status, 0) << r.err;
    json d = json::parse(r.out)["disks"];
    ASSERT_EQ(d.size(), 3u);
    EXPECT_EQ(d[0]["device"], "/dev/empty.img");
    EXPECT_EQ(codes(d[0]), std::set<std::string> {"disk.empty"});
    EXPECT_EQ(codes(d[1]), std::set<std::string> {"disk.no-table"});
    EXPECT_EQ(d[2]["table"]["type"], "gpt");
}
