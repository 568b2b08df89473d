// `bootsmith disk esp`, `disk mbr DEV`, the ESP and boot-code lines of `status` and the
// partition match of `boot list -v`, on copies of the four fixture roots. Oracles: mtools
// (mdir) for the ESP's files, sfdisk --json for the MBR entries.
#include "testutil.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

using bootsmith::test::FixtureCopy;
using bootsmith::test::line_count;
using bootsmith::test::RunResult;
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

const std::string kDebianEsp = "5f2b8c1a-3e47-4d6a-9b0c-7e8f9a1b2c3d";
const std::vector<std::string> kToolEnv = {"MTOOLS_SKIP_CHECK=1", "MTOOLSRC=/dev/null", "LC_ALL=C", "TZ=UTC"};

/// bootsmith --root R ARGS…
RunResult bs(const FixtureCopy& r, std::vector<std::string> args) {
    args.insert(args.begin(), {"--root", r.root.string()});
    return bootsmith::test::run(args);
}

RunResult sh(const std::string& script) {
    return bootsmith::test::run({"-c", script}, kToolEnv, "/bin/sh");
}

void expect_one_line_error(const RunResult& r, int code, const std::string& needle) {
    EXPECT_EQ(r.status, code) << r.out << r.err;
    EXPECT_EQ(line_count(r.err), 1u) << r.err;
    EXPECT_NE(r.err.find(needle), std::string::npos) << r.err;
}

/// Overwrites bytes of a file in place.
void patch(const fs::path& p, std::uint64_t offset, const std::string& bytes) {
    std::fstream f(p, std::ios::in | std::ios::out | std::ios::binary);
    ASSERT_TRUE(f) << p;
    f.seekp(static_cast<std::streamoff>(offset));
    f.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

std::string u32le(std::uint32_t v) {
    return {static_cast<char>(v & 0xff), static_cast<char>((v >> 8) & 0xff), static_cast<char>((v >> 16) & 0xff),
            static_cast<char>(v >> 24)};
}

/// Drops the lines mounting `mount_point` from the root's mountinfo.
void unmount(const FixtureCopy& r, const std::string& mount_point) {
    auto text = r.file("proc/self/mountinfo");
    std::istringstream in(text);
    std::string out, line;
    while (std::getline(in, line))
        if (line.find(" " + mount_point + " ") == std::string::npos) out += line + "\n";
    bootsmith::test::write_file(r.root / "proc/self/mountinfo", out);
}

bool has_code(const json& findings, const std::string& code) {
    return std::any_of(findings.begin(), findings.end(), [&](const json& f) { return f["code"] == code; });
}

std::set<std::string> codes(const json& findings) {
    std::set<std::string> out;
    for (const auto& f : findings)
        out.insert(f["code"].get<std::string>());
    return out;
}

/// The *.efi files one directory below EFI/ as mdir lists them (lowercased paths).
std::set<std::string> mdir_loaders(const fs::path& image, std::uint64_t offset) {
    auto r = sh("mdir -/ -b -i '" + image.string() + "@@" + std::to_string(offset) + "' ::");
    std::set<std::string> out;
    std::istringstream in(r.out);
    std::string line;
    while (std::getline(in, line)) {
        if (!line.starts_with("::/")) continue;
        std::string p = line.substr(2);
        std::string low = p;
        std::transform(low.begin(), low.end(), low.begin(), [](unsigned char c) { return std::tolower(c); });
        if (low.size() > 4 && low.ends_with(".efi") && std::count(low.begin(), low.end(), '/') == 3) out.insert(low);
    }
    return out;
}

std::set<std::string> loader_paths(const json& esp) {
    std::set<std::string> out;
    for (const auto& l : esp["loaders"]) {
        std::string p = l["path"];
        std::transform(p.begin(), p.end(), p.begin(), [](unsigned char c) { return std::tolower(c); });
        out.insert(p);
    }
    return out;
}

bool have(const char* tool) {
    return sh(std::string("command -v ") + tool).status == 0;
}

} // namespace

// ---------------------------------------------------------------------------------------
// disk esp

TEST(DiskEsp, DebianMountedEsp) {
    FixtureCopy r("debian12-uefi");
    auto res = bs(r, {"disk", "esp", "--json"});
    ASSERT_EQ(res.status, 0) << res.err;
    auto j = json::parse(res.out);
    EXPECT_EQ(j["schema"], "bootsmith.disk-esp/1");
    EXPECT_EQ(j["firmware"]["platform_size"], 64);
    EXPECT_EQ(j["disks"], json({"/dev/sda"}));
    ASSERT_EQ(j["esps"].size(), 1u) << res.out;
    const auto& e = j["esps"][0];
    EXPECT_EQ(e["device"], "/dev/sda1");
    EXPECT_EQ(e["disk"], "/dev/sda");
    EXPECT_EQ(e["partition"], 1);
    EXPECT_EQ(e["table"], "gpt");
    EXPECT_EQ(e["type"], "c12a7328-f81f-11d2-ba4b-00a0c93ec93b");
    EXPECT_EQ(e["partuuid"], kDebianEsp);
    EXPECT_EQ(e["start"], 2048);
    EXPECT_EQ(e["sectors"], 81920);
    EXPECT_EQ(e["mount_point"], "/boot/efi");
    EXPECT_EQ(e["read_via"], "mount");
    EXPECT_EQ(e["fat"]["type"], "FAT32");
    EXPECT_EQ(e["fat"]["clusters"], 80628); // minfo: 81920 - 32 - 2 * 630 sectors, 1 sector per cluster
    EXPECT_EQ(e["fat"]["uuid"], "7A3E-21C4");
    EXPECT_EQ(e["fat"]["label"], "");
    EXPECT_EQ(e["fallback"], "/EFI/BOOT/BOOTX64.EFI");
    // 40 MiB is under the recommended 100 MiB; nothing else is wrong with it.
    EXPECT_EQ(codes(e["findings"]), std::set<std::string>({"esp.small"})) << e["findings"];
    EXPECT_TRUE(j["findings"].empty()) << j["findings"];
    std::map<std::string, json> by_path;
    for (const auto& l : e["loaders"])
        by_path[l["path"]] = l;
    ASSERT_EQ(by_path.size(), 7u) << e["loaders"];
    EXPECT_EQ(by_path["/EFI/debian/shimx64.efi"]["kind"], "shim");
    EXPECT_EQ(by_path["/EFI/debian/shimx64.efi"]["arch"], "x64");
    EXPECT_EQ(by_path["/EFI/debian/shimx64.efi"]["machine"], "0x8664");
    EXPECT_EQ(by_path["/EFI/debian/grubx64.efi"]["kind"], "grub");
    EXPECT_EQ(by_path["/EFI/debian/mmx64.efi"]["kind"], "mokmanager");
    EXPECT_EQ(by_path["/EFI/debian/fbx64.efi"]["kind"], "shim-fallback");
    const auto& boot = by_path["/EFI/BOOT/BOOTX64.EFI"];
    EXPECT_EQ(boot["fallback"], true);
    EXPECT_EQ(boot["kind"], "shim");
    EXPECT_EQ(boot["kind_source"], "copy");
    EXPECT_EQ(boot["same_as"], "/EFI/debian/shimx64.efi");

    auto text = bs(r, {"disk", "esp"});
    ASSERT_EQ(text.status, 0) << text.err;
    EXPECT_NE(text.out.find("ESP /dev/sda1  mounted at /boot/efi (vfat)"), std::string::npos) << text.out;
    EXPECT_NE(text.out.find("file system: FAT32, 80628 clusters of 512 bytes"), std::string::npos) << text.out;
    EXPECT_NE(text.out.find("(copy of /EFI/debian/shimx64.efi) [fallback]"), std::string::npos) << text.out;
    EXPECT_NE(text.out.find("warning esp.small"), std::string::npos) << text.out;
}

TEST(DiskEsp, LoadersAgreeWithMtoolsOnBothUefiRoots) {
    if (!have("mdir")) GTEST_SKIP() << "mtools (mdir) is not installed: no oracle";
    for (auto [name, disk] : {std::pair {"debian12-uefi", "sda"}, std::pair {"fedora-bls-uefi", "vda"}}) {
        FixtureCopy r(name);
        auto oracle = mdir_loaders(r.root / "dev" / disk, 2048 * 512);
        ASSERT_FALSE(oracle.empty()) << name;
        // Through the mount point (the fixture tree)…
        auto mounted = json::parse(bs(r, {"disk", "esp", "--json"}).out)["esps"][0];
        EXPECT_EQ(mounted["read_via"], "mount");
        EXPECT_EQ(loader_paths(mounted), oracle) << name;
        // …and from the FAT on the disk once it is not mounted.
        unmount(r, "/boot/efi");
        auto res = bs(r, {"disk", "esp", "--json"});
        ASSERT_EQ(res.status, 0) << res.err;
        auto e = json::parse(res.out)["esps"][0];
        EXPECT_EQ(e["read_via"], "disk") << name;
        EXPECT_TRUE(e["mount_point"].is_null());
        EXPECT_EQ(loader_paths(e), oracle) << name;
        EXPECT_TRUE(has_code(e["findings"], "esp.not-mounted"));
        EXPECT_EQ(e["fallback"], "/EFI/BOOT/BOOTX64.EFI") << name;
        // Same kinds either way.
        std::map<std::string, std::string> kinds_mounted, kinds_disk;
        for (const auto& m : mounted["loaders"])
            kinds_mounted[*loader_paths(json {{"loaders", {m}}}).begin()] = m["kind"];
        for (const auto& m : e["loaders"])
            kinds_disk[*loader_paths(json {{"loaders", {m}}}).begin()] = m["kind"];
        EXPECT_EQ(kinds_mounted, kinds_disk) << name;
    }
}

TEST(DiskEsp, FedoraEsp) {
    FixtureCopy r("fedora-bls-uefi");
    auto j = json::parse(bs(r, {"disk", "esp", "--json"}).out);
    ASSERT_EQ(j["esps"].size(), 1u);
    const auto& e = j["esps"][0];
    EXPECT_EQ(e["device"], "/dev/vda1");
    EXPECT_EQ(e["partuuid"], "3b6e9d2c-5f8a-4b1e-a4d7-0c3f6a9d2e5b");
    EXPECT_EQ(e["fat"]["uuid"], "5C1D-9E2F");
    EXPECT_EQ(e["mount_point"], "/boot/efi");
    EXPECT_EQ(e["fallback"], "/EFI/BOOT/BOOTX64.EFI");
}

TEST(DiskEsp, NoEspOnBiosRootsIsExit69) {
    for (const char* name : {"bios-mbr", "centos7-bios"}) {
        FixtureCopy r(name);
        auto res = bs(r, {"disk", "esp"});
        expect_one_line_error(res, 69, "no EFI System Partition");
        EXPECT_NE(res.err.find("/dev/sda"), std::string::npos) << res.err;
        EXPECT_NE(res.err.find("BIOS"), std::string::npos) << res.err; // the hint
        auto js = bs(r, {"disk", "esp", "--json"});
        EXPECT_EQ(js.status, 69);
    }
}

TEST(DiskEsp, MissingFallbackAndWrongArchitecture) {
    FixtureCopy r("debian12-uefi");
    fs::remove(r.root / "boot/efi/EFI/BOOT/BOOTX64.EFI");
    auto e = json::parse(bs(r, {"disk", "esp", "--json"}).out)["esps"][0];
    EXPECT_TRUE(e["fallback"].is_null());
    EXPECT_TRUE(has_code(e["findings"], "esp.no-fallback")) << e["findings"];
    // A 64-bit loader named BOOTIA32.EFI on 64-bit firmware: named for ia32, machine x64.
    fs::copy_file(r.root / "boot/efi/EFI/debian/grubx64.efi", r.root / "boot/efi/EFI/BOOT/BOOTIA32.EFI");
    e = json::parse(bs(r, {"disk", "esp", "--json"}).out)["esps"][0];
    EXPECT_TRUE(has_code(e["findings"], "esp.fallback-arch-mismatch")) << e["findings"];
    EXPECT_TRUE(has_code(e["findings"], "esp.no-fallback")) << e["findings"];
}

TEST(DiskEsp, MountedPartitionOfTheWrongType) {
    // Fedora's /boot (vda2, ext4) mounted at /boot/efi instead: not FAT.
    FixtureCopy r("fedora-bls-uefi");
    auto mi = r.file("proc/self/mountinfo");
    auto at = mi.find("252:1 / /boot/efi rw,relatime shared:35 - vfat /dev/vda1");
    ASSERT_NE(at, std::string::npos);
    mi.replace(at, std::string("252:1 / /boot/efi rw,relatime shared:35 - vfat /dev/vda1").size(),
               "252:2 / /boot/efi rw,relatime shared:35 - ext4 /dev/vda2");
    bootsmith::test::write_file(r.root / "proc/self/mountinfo", mi);
    auto j = json::parse(bs(r, {"disk", "esp", "--json"}).out);
    ASSERT_GE(j["esps"].size(), 2u) << j;
    EXPECT_EQ(j["esps"][0]["device"], "/dev/vda2");
    EXPECT_TRUE(has_code(j["esps"][0]["findings"], "esp.not-fat"));
    EXPECT_EQ(j["esps"][1]["device"], "/dev/vda1"); // the real ESP, found by its type
    // And vfat mounted from a partition whose GPT type is not the ESP's.
    mi.replace(mi.find("252:2 / /boot/efi rw,relatime shared:35 - ext4 /dev/vda2"),
               std::string("252:2 / /boot/efi rw,relatime shared:35 - ext4 /dev/vda2").size(),
               "252:3 / /boot/efi rw,relatime shared:35 - vfat /dev/vda3");
    bootsmith::test::write_file(r.root / "proc/self/mountinfo", mi);
    j = json::parse(bs(r, {"disk", "esp", "--json"}).out);
    EXPECT_TRUE(has_code(j["esps"][0]["findings"], "esp.wrong-type")) << j;
}

TEST(DiskEsp, HostileImages) {
    // A FAT whose root directory's cluster chain loops (FAT32: cluster 2 → 2).
    {
        FixtureCopy r("debian12-uefi");
        unmount(r, "/boot/efi");
        const std::uint64_t fat = 2048 * 512 + 32 * 512; // reserved sectors: 32 (minfo)
        patch(r.root / "dev/sda", fat + 2 * 4, u32le(2));
        auto res = bs(r, {"disk", "esp", "--json"});
        ASSERT_EQ(res.status, 0) << res.err;
        auto e = json::parse(res.out)["esps"][0];
        EXPECT_TRUE(has_code(e["findings"], "esp.fs-corrupt")) << e["findings"];
        EXPECT_TRUE(e["loaders"].empty());
    }
    // Not a FAT at all: the boot sector wiped.
    {
        FixtureCopy r("debian12-uefi");
        unmount(r, "/boot/efi");
        patch(r.root / "dev/sda", 2048 * 512, std::string(512, '\0'));
        auto res = bs(r, {"disk", "esp", "--json"});
        ASSERT_EQ(res.status, 0) << res.err;
        auto e = json::parse(res.out)["esps"][0];
        EXPECT_TRUE(has_code(e["findings"], "esp.not-fat")) << e["findings"];
        EXPECT_TRUE(e["fat"].is_null());
    }
    // Truncated image: the table is there (primary GPT), the ESP runs past the end.
    {
        FixtureCopy r("debian12-uefi");
        unmount(r, "/boot/efi");
        fs::resize_file(r.root / "dev/sda", 3 * 1024 * 1024);
        auto res = bs(r, {"disk", "esp", "--json"});
        EXPECT_NE(res.status, 70) << res.err;
        EXPECT_LE(line_count(res.err), 1u) << res.err;
        if (res.status == 0) {
            auto j = json::parse(res.out);
            ASSERT_FALSE(j["esps"].empty());
            EXPECT_TRUE(has_code(j["esps"][0]["findings"], "esp.not-fat")) << j;
        }
    }
    // A 0-byte disk: the mounted ESP is still read through its mount point.
    {
        FixtureCopy r("debian12-uefi");
        fs::resize_file(r.root / "dev/sda", 0);
        auto res = bs(r, {"disk", "esp", "--json"});
        ASSERT_EQ(res.status, 0) << res.err;
        auto j = json::parse(res.out);
        EXPECT_TRUE(has_code(j["esps"][0]["findings"], "esp.device-unknown")) << j;
        EXPECT_TRUE(has_code(j["findings"], "esp.disk-unreadable")) << j;
        EXPECT_EQ(j["esps"][0]["fallback"], "/EFI/BOOT/BOOTX64.EFI");
    }
}

TEST(DiskEsp, SeveralEsps) {
    // A second disk carrying Fedora's ESP: found by its type, not mounted, read from the disk.
    FixtureCopy r("debian12-uefi");
    FixtureCopy other("fedora-bls-uefi");
    fs::copy_file(other.root / "dev/vda", r.root / "dev/vdb");
    bootsmith::test::write_file(r.root / "sys/block/vdb/removable", "0\n");
    auto j = json::parse(bs(r, {"disk", "esp", "--json"}).out);
    EXPECT_EQ(j["disks"], json({"/dev/sda", "/dev/vdb"}));
    ASSERT_EQ(j["esps"].size(), 2u) << j;
    EXPECT_EQ(j["esps"][0]["device"], "/dev/sda1"); // the mounted one first
    EXPECT_EQ(j["esps"][1]["device"], "/dev/vdb1");
    EXPECT_EQ(j["esps"][1]["read_via"], "disk");
    EXPECT_EQ(j["esps"][1]["fat"]["uuid"], "5C1D-9E2F");
    EXPECT_TRUE(has_code(j["findings"], "esp.several")) << j["findings"];
    auto st = json::parse(bs(r, {"status", "--json"}).out);
    EXPECT_EQ(st["esp"]["count"], 2);
    EXPECT_EQ(st["esp"]["device"], "/dev/sda1");
}

TEST(DiskEsp, Fat16EspOnAnMbrDisk) {
    if (!have("sfdisk") || !have("mkfs.fat") || !have("mmd")) GTEST_SKIP() << "needs sfdisk, dosfstools, mtools";
    FixtureCopy r("bios-mbr");
    auto img = (r.root / "dev/sdb").string();
    auto mk = sh("truncate -s 32M '" + img +
                 "' && printf 'label: dos\\nlabel-id: 0xdeadbeef\\nstart=2048, size=32768, type=ef\\n' | "
                 "sfdisk -q --no-reread --no-tell-kernel '" +
                 img +
                 "' && "
                 "mkfs.fat -F 16 -S 512 --offset=2048 -i 1234ABCD '" +
                 img +
                 "' 16384 >/dev/null 2>&1 && "
                 "mmd -i '" +
                 img + "@@1048576' ::/EFI ::/EFI/BOOT");
    ASSERT_EQ(mk.status, 0) << mk.err;
    bootsmith::test::write_file(r.root / "sys/block/sdb/removable", "0\n");
    auto res = bs(r, {"disk", "esp", "--json"});
    ASSERT_EQ(res.status, 0) << res.err;
    auto e = json::parse(res.out)["esps"][0];
    EXPECT_EQ(e["device"], "/dev/sdb1");
    EXPECT_EQ(e["table"], "dos");
    EXPECT_EQ(e["type"], "0xef");
    EXPECT_EQ(e["partuuid"], "deadbeef-01");
    EXPECT_EQ(e["fat"]["type"], "FAT16");
    EXPECT_EQ(e["fat"]["uuid"], "1234-ABCD");
    EXPECT_EQ(codes(e["findings"]), std::set<std::string>({"esp.not-mounted", "esp.mbr-type", "esp.fat16-fixed-disk",
                                                           "esp.small", "esp.no-fallback"}))
        << e["findings"];
    // The same partition on removable media: FAT16 is fine there.
    bootsmith::test::write_file(r.root / "sys/block/sdb/removable", "1\n");
    e = json::parse(bs(r, {"disk", "esp", "--json"}).out)["esps"][0];
    EXPECT_FALSE(has_code(e["findings"], "esp.fat16-fixed-disk"));
}

TEST(DiskEsp, MountedTwiceIsOneEspAndAFifoDiskIsSkipped) {
    FixtureCopy r("debian12-uefi");
    auto mi = r.file("proc/self/mountinfo");
    mi += "62 28 8:1 / /efi rw,relatime shared:33 - vfat /dev/sda1 rw\n";
    bootsmith::test::write_file(r.root / "proc/self/mountinfo", mi);
    // A FIFO where a disk would be must not block the search.
    bootsmith::test::write_file(r.root / "sys/block/sdz/removable", "0\n");
    ASSERT_EQ(::mkfifo((r.root / "dev/sdz").c_str(), 0600), 0);
    auto res = bs(r, {"disk", "esp", "--json"});
    ASSERT_EQ(res.status, 0) << res.err;
    auto j = json::parse(res.out);
    ASSERT_EQ(j["esps"].size(), 1u) << j;
    EXPECT_EQ(j["esps"][0]["mount_point"], "/efi"); // bootctl's order: /efi before /boot/efi
    EXPECT_EQ(j["disks"], json({"/dev/sda"}));
    EXPECT_EQ(bs(r, {"status"}).status, 0);
    expect_one_line_error(bs(r, {"disk", "mbr", "/dev/sdz"}), 65, "not a disk");
}

TEST(DiskEsp, TakesNoArguments) {
    FixtureCopy r("debian12-uefi");
    expect_one_line_error(bs(r, {"disk", "esp", "extra"}), 2, "no arguments");
}

// ---------------------------------------------------------------------------------------
// disk mbr

TEST(DiskMbr, GrubInTheMbrGap) {
    FixtureCopy r("bios-mbr");
    auto res = bs(r, {"disk", "mbr", "/dev/sda", "--json"});
    ASSERT_EQ(res.status, 0) << res.err;
    auto j = json::parse(res.out);
    EXPECT_EQ(j["schema"], "bootsmith.disk-mbr/1");
    EXPECT_EQ(j["kind"], "dos");
    EXPECT_EQ(j["disk_signature"], "0x5e1f7c3a");
    EXPECT_EQ(j["boot_code"]["id"], "grub2");
    EXPECT_EQ(j["boot_code"]["kernel_sector"], 1);
    EXPECT_EQ(j["boot_code"]["boot_drive"], "0xff");
    EXPECT_EQ(j["grub_core"]["found"], true);
    EXPECT_EQ(j["grub_core"]["sectors"], 53);
    EXPECT_EQ(j["grub_core"]["location"], "mbr-gap");
    EXPECT_EQ(j["mbr_gap_sectors"], 2047);
    EXPECT_EQ(j["entries"][0]["active"], true);
    EXPECT_EQ(j["entries"][1]["used"], false);
    auto text = bs(r, {"disk", "mbr", "sda"}); // "sda" means /dev/sda
    ASSERT_EQ(text.status, 0) << text.err;
    EXPECT_NE(text.out.find("Boot code:      GRUB 2"), std::string::npos) << text.out;
    EXPECT_NE(text.out.find("core.img in the MBR gap"), std::string::npos) << text.out;
    EXPECT_NE(text.out.find("1  * type 0x83 Linux, start 2048, 63488 sectors"), std::string::npos) << text.out;
}

TEST(DiskMbr, EntriesAgreeWithSfdisk) {
    if (!have("sfdisk")) GTEST_SKIP() << "sfdisk is not installed: no oracle";
    for (const char* name : {"bios-mbr", "centos7-bios"}) {
        FixtureCopy r(name);
        auto oracle = json::parse(sh("sfdisk --json '" + (r.root / "dev/sda").string() + "'").out)["partitiontable"];
        auto j = json::parse(bs(r, {"disk", "mbr", "/dev/sda", "--json"}).out);
        EXPECT_EQ(oracle["label"], "dos");
        EXPECT_EQ(oracle["id"], j["disk_signature"]) << name;
        std::size_t used = 0;
        for (const auto& e : j["entries"])
            if (e["used"] == true) {
                ASSERT_LT(used, oracle["partitions"].size()) << name;
                const auto& p = oracle["partitions"][used++];
                EXPECT_EQ(p["start"], e["start"]) << name;
                EXPECT_EQ(p["size"], e["sectors"]) << name;
                EXPECT_EQ("0x" + p["type"].get<std::string>(), e["type"]) << name;
                EXPECT_EQ(p.value("bootable", false), e["active"]) << name;
            }
        EXPECT_EQ(used, oracle["partitions"].size()) << name;
    }
}

TEST(DiskMbr, EveryFixtureDisk) {
    struct Want {
        const char* root;
        const char* dev;
        const char* kind;
        const char* code;
    };
    for (const auto& w : {Want {"debian12-uefi", "/dev/sda", "protective", "none"},
                          Want {"fedora-bls-uefi", "/dev/vda", "protective", "none"},
                          Want {"centos7-bios", "/dev/sda", "dos", "none"}}) {
        FixtureCopy r(w.root);
        auto res = bs(r, {"disk", "mbr", w.dev, "--json"});
        ASSERT_EQ(res.status, 0) << w.root << res.err;
        auto j = json::parse(res.out);
        EXPECT_EQ(j["kind"], w.kind) << w.root;
        EXPECT_EQ(j["boot_code"]["id"], w.code) << w.root;
        EXPECT_TRUE(j["grub_core"].is_null());
    }
    FixtureCopy r("debian12-uefi");
    auto j = json::parse(bs(r, {"disk", "mbr", "/dev/sda", "--json"}).out);
    EXPECT_EQ(j["table"], "gpt");
    EXPECT_EQ(j["entries"][0]["type"], "0xee");
}

TEST(DiskMbr, CoreImgGone) {
    FixtureCopy r("bios-mbr");
    patch(r.root / "dev/sda", 512, std::string(512, '\0'));
    auto res = bs(r, {"disk", "mbr", "/dev/sda", "--json"});
    ASSERT_EQ(res.status, 0) << res.err;
    auto j = json::parse(res.out);
    EXPECT_EQ(j["grub_core"]["found"], false);
    EXPECT_TRUE(has_code(j["findings"], "mbr.grub-core-missing")) << j["findings"];
    EXPECT_NE(j["summary"].get<std::string>().find("core.img missing"), std::string::npos);
}

TEST(DiskMbr, HostileDevices) {
    FixtureCopy r("bios-mbr");
    bootsmith::test::write_file(r.root / "dev/empty", "");
    expect_one_line_error(bs(r, {"disk", "mbr", "/dev/empty"}), 65, "dev/empty: 0 bytes");
    bootsmith::test::write_file(r.root / "dev/short", std::string(100, 'x'));
    expect_one_line_error(bs(r, {"disk", "mbr", "/dev/short"}), 65, "dev/short: 100 bytes");
    expect_one_line_error(bs(r, {"disk", "mbr", "/dev/nothing"}), 66, "dev/nothing");
    expect_one_line_error(bs(r, {"disk", "mbr", "/dev"}), 65, "not a disk");
    expect_one_line_error(bs(r, {"disk", "mbr"}), 2, "one DEV");
    // Garbage: a sector of 0xff bytes, then a whole 1 MiB of them: no signature, unknown code.
    for (std::size_t n : {std::size_t {512}, std::size_t {1} << 20}) {
        bootsmith::test::write_file(r.root / "dev/junk", std::string(n, '\xff'));
        auto res = bs(r, {"disk", "mbr", "/dev/junk", "--json"});
        ASSERT_EQ(res.status, 0) << res.err;
        auto j = json::parse(res.out);
        EXPECT_EQ(j["kind"], "none");
        EXPECT_EQ(j["boot_code"]["id"], "unknown");
        EXPECT_TRUE(has_code(j["findings"], "mbr.no-signature")) << j["findings"];
    }
    // A 0-byte copy of the real disk.
    fs::resize_file(r.root / "dev/sda", 0);
    expect_one_line_error(bs(r, {"disk", "mbr", "/dev/sda"}), 65, "dev/sda: 0 bytes");
}

TEST(DiskMbr, CompletesTheDisksOfTheRoot) {
    FixtureCopy r("fedora-bls-uefi");
    auto res = bootsmith::test::run({"__complete", "--", "--root", r.root.string(), "disk", "mbr", ""});
    EXPECT_EQ(res.status, 0) << res.err;
    EXPECT_NE(res.out.find("/dev/vda\tdisk\n"), std::string::npos) << res.out;
}

// ---------------------------------------------------------------------------------------
// status

TEST(DiskStatus, EspAndBootCodeOnEveryRoot) {
    struct Want {
        const char* root;
        const char* esp;      // "" = none
        const char* code_row; // the Boot code row
        const char* boot_code;
    };
    for (const auto& w :
         {Want {"debian12-uefi", "/dev/sda1", "Boot code:    /dev/sda: no boot code", "none"},
          Want {"fedora-bls-uefi", "/dev/vda1", "Boot code:    /dev/vda: no boot code", "none"},
          Want {"bios-mbr", "", "Boot code:    /dev/sda: GRUB 2 (1.99 – 2.12), core.img in the MBR gap", "grub2"},
          Want {"centos7-bios", "", "Boot code:    /dev/sda: no boot code", "none"}}) {
        FixtureCopy r(w.root);
        auto res = bs(r, {"status", "--json"});
        ASSERT_EQ(res.status, 0) << w.root << res.err;
        auto j = json::parse(res.out);
        EXPECT_TRUE(j["problems"].empty()) << w.root << j["problems"];
        ASSERT_EQ(j["disks"].size(), 1u) << w.root;
        EXPECT_EQ(j["disks"][0]["boot_code"], w.boot_code) << w.root;
        auto text = bs(r, {"status"});
        EXPECT_NE(text.out.find(w.code_row), std::string::npos) << w.root << "\n" << text.out;
        if (*w.esp) {
            EXPECT_EQ(j["esp"]["device"], w.esp) << w.root;
            EXPECT_EQ(j["esp"]["fat"], "FAT32");
            EXPECT_EQ(j["esp"]["mounted_at"], "/boot/efi");
            EXPECT_EQ(j["esp"]["fallback"], "/EFI/BOOT/BOOTX64.EFI");
            EXPECT_EQ(j["esp"]["fallback_present"], true);
            EXPECT_NE(text.out.find(std::string("  partition:  ") + w.esp +
                                    ", FAT32, mounted at /boot/efi, fallback /EFI/BOOT/BOOTX64.EFI"),
                      std::string::npos)
                << text.out;
        } else {
            EXPECT_TRUE(j["esp"]["device"].is_null()) << w.root;
            EXPECT_EQ(j["esp"]["count"], 0);
            EXPECT_NE(text.out.find("ESP:          none found"), std::string::npos) << text.out;
        }
    }
    // The MBR details of the BIOS root in JSON.
    FixtureCopy r("bios-mbr");
    auto j = json::parse(bs(r, {"status", "--json"}).out);
    EXPECT_EQ(j["disks"][0]["mbr"], "dos");
    EXPECT_EQ(j["disks"][0]["core_img"], "mbr-gap");
}

TEST(DiskStatus, MissingFallbackShows) {
    FixtureCopy r("debian12-uefi");
    fs::remove(r.root / "boot/efi/EFI/BOOT/BOOTX64.EFI");
    auto j = json::parse(bs(r, {"status", "--json"}).out);
    EXPECT_EQ(j["esp"]["fallback_present"], false);
    std::vector<std::string> f = j["esp"]["findings"];
    EXPECT_NE(std::find(f.begin(), f.end(), "warning esp.no-fallback"), f.end());
    EXPECT_NE(bs(r, {"status"}).out.find("no fallback loader"), std::string::npos);
}

// ---------------------------------------------------------------------------------------
// boot list -v

TEST(DiskBootList, VerboseMatchesThePartition) {
    for (auto [name, dev] : {std::pair {"debian12-uefi", "/dev/sda1"}, std::pair {"fedora-bls-uefi", "/dev/vda1"}}) {
        FixtureCopy r(name);
        auto text = bs(r, {"boot", "list", "-v"});
        ASSERT_EQ(text.status, 0) << text.err;
        EXPECT_NE(text.out.find(std::string("      partition: ") + dev), std::string::npos) << text.out;
        EXPECT_NE(text.out.find("shimx64.efi exists (checked through the mount point)"), std::string::npos) << text.out;
        auto j = json::parse(bs(r, {"boot", "list", "-v", "--json"}).out);
        const auto& d = j["entries"][0]["disk"];
        EXPECT_EQ(d["matched"], true) << j;
        EXPECT_EQ(d["matched_by"], "partuuid");
        EXPECT_EQ(d["device"], dev);
        EXPECT_EQ(d["file_exists"], true);
        EXPECT_TRUE(d["findings"].empty()) << d;
        // Entries without HD() get no "disk", and without -v nothing changes.
        EXPECT_FALSE(j["entries"][1].contains("disk"));
        auto plain = json::parse(bs(r, {"boot", "list", "--json"}).out);
        EXPECT_FALSE(plain["entries"][0].contains("disk"));
        EXPECT_EQ(bs(r, {"boot", "list"}).out.find("partition:"), std::string::npos);
    }
}

TEST(DiskBootList, FileCheckedOnTheDiskWhenNotMounted) {
    FixtureCopy r("debian12-uefi");
    unmount(r, "/boot/efi");
    auto d = json::parse(bs(r, {"boot", "list", "-v", "--json"}).out)["entries"][0]["disk"];
    EXPECT_EQ(d["file_exists"], true) << d;
    EXPECT_EQ(d["file_checked_via"], "disk");
    EXPECT_TRUE(d["mount_point"].is_null());
}

TEST(DiskBootList, MissingFileOfAnActiveEntry) {
    FixtureCopy r("debian12-uefi");
    fs::remove(r.root / "boot/efi/EFI/debian/shimx64.efi");
    auto res = bs(r, {"boot", "list", "-v"});
    ASSERT_EQ(res.status, 0) << res.err;
    EXPECT_NE(res.out.find("error boot.file-missing: Boot0000: \\EFI\\debian\\shimx64.efi does not exist"),
              std::string::npos)
        << res.out;
    auto d = json::parse(bs(r, {"boot", "list", "-v", "--json"}).out)["entries"][0]["disk"];
    EXPECT_EQ(d["file_exists"], false);
    EXPECT_EQ(d["findings"][0]["severity"], "error");
}

TEST(DiskBootList, HdMatchesNoPartition) {
    FixtureCopy r("debian12-uefi");
    FixtureCopy other("fedora-bls-uefi");
    fs::remove(r.root / "dev/sda");
    fs::copy_file(other.root / "dev/vda", r.root / "dev/sda");
    auto d = json::parse(bs(r, {"boot", "list", "-v", "--json"}).out)["entries"][0]["disk"];
    EXPECT_EQ(d["matched"], false);
    EXPECT_TRUE(has_code(d["findings"], "boot.hd-no-partition")) << d;
    EXPECT_NE(bs(r, {"boot", "list", "-v"}).out.find("error boot.hd-no-partition"), std::string::npos);
}

TEST(DiskBootList, HdStartDisagreesWithTheTable) {
    // Move the ESP's GPT entry start by rewriting the table with sfdisk (same PARTUUID).
    if (!have("sfdisk")) GTEST_SKIP() << "sfdisk is not installed";
    FixtureCopy r("debian12-uefi");
    auto img = (r.root / "dev/sda").string();
    auto dump = sh("sfdisk -d '" + img + "'");
    ASSERT_EQ(dump.status, 0) << dump.err;
    std::string script = dump.out;
    auto at = script.find("start=        2048, size=       81920");
    ASSERT_NE(at, std::string::npos) << script;
    script.replace(at, std::string("start=        2048, size=       81920").size(),
                   "start=        2048, size=       81000");
    bootsmith::test::write_file(r.root / "t.sfdisk", script);
    auto w = sh("sfdisk -q --no-reread --no-tell-kernel '" + img + "' < '" + (r.root / "t.sfdisk").string() + "'");
    ASSERT_EQ(w.status, 0) << w.err;
    auto d = json::parse(bs(r, {"boot", "list", "-v", "--json"}).out)["entries"][0]["disk"];
    EXPECT_EQ(d["matched"], true);
    EXPECT_EQ(d["size"], 81000);
    EXPECT_TRUE(has_code(d["findings"], "boot.hd-mismatch")) << d;
}

TEST(DiskBootList, MbrSignatureThenStartAndSize) {
    // An entry made by `boot create` for partition 1 of an MBR disk (CentOS's image as sdb).
    FixtureCopy r("debian12-uefi");
    FixtureCopy centos("centos7-bios");
    fs::copy_file(centos.root / "dev/sda", r.root / "dev/sdb");
    bootsmith::test::write_file(r.root / "sys/block/sdb/removable", "0\n");
    auto made = bs(r, {"--yes", "boot", "create", "--disk", "/dev/sdb", "--part", "1", "--loader", "\\EFI\\x.efi",
                       "--label", "mbrtest"});
    ASSERT_EQ(made.status, 0) << made.err;
    auto j = json::parse(bs(r, {"boot", "list", "-v", "--json"}).out);
    json d;
    for (const auto& e : j["entries"])
        if (e["description"] == "mbrtest") d = e["disk"];
    ASSERT_TRUE(d.is_object()) << j;
    EXPECT_EQ(d["matched"], true);
    EXPECT_EQ(d["matched_by"], "mbr-signature+start");
    EXPECT_EQ(d["device"], "/dev/sdb1");
    EXPECT_EQ(d["partuuid"], "7c3e9a51-01");
    EXPECT_TRUE(d["file_exists"].is_null()); // ext4: the file cannot be looked up
    EXPECT_TRUE(has_code(d["findings"], "boot.file-unchecked")) << d;
    // The debian entry (now second in BootOrder) still matches sda1.
    EXPECT_EQ(j["entries"][0]["description"], "mbrtest");
    EXPECT_EQ(j["entries"][1]["disk"]["device"], "/dev/sda1");
}
