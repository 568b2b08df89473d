// Sector 0: MBR parsing, boot-code identification, following GRUB 2 to core.img.
// Oracles: sfdisk --json (partition fields) and blkid -p (PTUUID) on images sfdisk made.
#include "bootsmith/disk/mbr.hpp"
#include "bootsmith/text.hpp"

#include "testutil.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <fstream>
#include <memory>
#include <random>
#include <stdexcept>

using namespace bootsmith::disk;
using bootsmith::test::TempDir;
namespace fs = std::filesystem;

namespace {

constexpr const char* kSfdisk = "/usr/sbin/sfdisk";
constexpr const char* kBlkid = "/usr/sbin/blkid";
const fs::path kGrubDir = "/usr/lib/grub/i386-pc";

fs::path data_dir() {
    return fs::path(__FILE__).parent_path().parent_path() / "data" / "disk" / "bootcode";
}

bool have(const fs::path& p) {
    return fs::exists(p);
}

/// Bytes [offset, offset+len) of a file (fewer at its end).
std::string read_range(const fs::path& p, std::uint64_t offset, std::size_t len) {
    std::ifstream in(p, std::ios::binary);
    if (!in) throw std::runtime_error("cannot open " + p.string());
    in.seekg(static_cast<std::streamoff>(offset));
    std::string buf(len, '\0');
    in.read(buf.data(), static_cast<std::streamsize>(len));
    buf.resize(static_cast<std::size_t>(std::max<std::streamsize>(in.gcount(), 0)));
    return buf;
}

void write_range(const fs::path& p, std::uint64_t offset, std::string_view bytes) {
    std::fstream f(p, std::ios::binary | std::ios::in | std::ios::out);
    ASSERT_TRUE(f) << p;
    f.seekp(static_cast<std::streamoff>(offset));
    f.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

SectorReader file_reader(const fs::path& p) {
    return [p](std::uint64_t lba, std::size_t count) { return read_range(p, lba * 512, count * 512); };
}

std::uint64_t sectors_of(const fs::path& p) {
    return fs::file_size(p) / 512;
}

bool has_code(const std::vector<Finding>& fs_, const std::string& code) {
    return std::any_of(fs_.begin(), fs_.end(), [&](const Finding& f) { return f.code == code; });
}
std::string codes(const std::vector<Finding>& fs_) {
    std::string s;
    for (const auto& f : fs_)
        s += std::string(to_string(f.severity)) + ":" + f.code + " ";
    return s;
}
bool any_at_least_warning(const std::vector<Finding>& fs_) {
    return std::any_of(fs_.begin(), fs_.end(), [](const Finding& f) { return f.severity != Severity::info; });
}

/// A 512-byte sector with `code` at 0 and 55AA at the end.
std::string sector_with(std::string_view code) {
    std::string s(512, '\0');
    std::copy_n(code.begin(), std::min<std::size_t>(code.size(), 440), s.begin());
    s[510] = '\x55';
    s[511] = '\xAA';
    return s;
}

void put_le(std::string& s, std::size_t at, std::uint64_t v, std::size_t width) {
    for (std::size_t i = 0; i < width; ++i)
        s[at + i] = static_cast<char>(v >> (8 * i) & 0xFF);
}

/// Sets primary entry n (1…4) of a sector.
void put_entry(std::string& s, unsigned n, std::uint8_t flag, std::uint8_t type, std::uint32_t start,
               std::uint32_t size) {
    std::size_t at = 0x1BE + 16 * (n - 1);
    s[at] = static_cast<char>(flag);
    s[at + 4] = static_cast<char>(type);
    put_le(s, at + 8, start, 4);
    put_le(s, at + 12, size, 4);
}

/// Sector 0 of a disk image and its parse (disk size from the file).
struct Image {
    fs::path path;
    std::uint64_t sectors;
    std::string s0;
    Mbr mbr;
    explicit Image(fs::path p)
        : path(std::move(p)), sectors(sectors_of(path)), s0(read_range(path, 0, 512)), mbr(parse_mbr(s0, sectors)) {}
    SectorReader reader() const { return file_reader(path); }
};

#define SKIP_WITHOUT_SFDISK_BLKID()                                                                                    \
    if (!have(kSfdisk) || !have(kBlkid)) GTEST_SKIP() << "sfdisk/blkid missing (packages fdisk, util-linux)"

/// Puts the byte tests of GRUB 2 (1.99 – 2.12) boot code into a sector.
void make_grub(std::string& s) {
    s.replace(0, 3, "\xEB\x63\x90");
    s.replace(0x80, 2, std::string("\x00\x20", 2));
    s.replace(0x180, 35, std::string("GRUB \0Geom\0Hard Disk\0Read\0 Error\r\n", 35));
}

/// Runs `sh -c CMD`; the result's output.
bootsmith::test::RunResult sh(const std::string& cmd) {
    return bootsmith::test::run({"-c", cmd}, {}, "/bin/sh");
}

/// A sparse image of `mib` MiB partitioned by `sfdisk` from `script`.
fs::path make_image(const TempDir& dir, const std::string& name, unsigned mib, const std::string& script) {
    fs::path img = dir / name;
    bootsmith::test::write_file(dir / (name + ".sfdisk"), script);
    auto r = sh("truncate -s " + std::to_string(mib) + "M '" + img.string() + "' && " + kSfdisk + " -q '" +
                img.string() + "' < '" + (dir / (name + ".sfdisk")).string() + "'");
    EXPECT_EQ(r.status, 0) << r.err;
    return img;
}

nlohmann::json sfdisk_json(const fs::path& img, bool nested_dos = false) {
    std::vector<std::string> args;
    if (nested_dos) args = {"--label-nested", "dos"};
    args.insert(args.end(), {"--json", img.string()});
    auto r = bootsmith::test::run(args, {}, kSfdisk);
    EXPECT_EQ(r.status, 0) << r.err;
    return nlohmann::json::parse(r.out)["partitiontable"];
}

/// Every used entry of `m` matches sfdisk's listing (start, size, type, bootable), in order.
void expect_matches_sfdisk(const Mbr& m, const nlohmann::json& pt) {
    ASSERT_EQ(pt["label"], "dos");
    EXPECT_EQ(pt["id"], bootsmith::hex_u32(m.disk_signature));
    std::vector<const MbrEntry*> used;
    for (const auto& e : m.entries)
        if (e.used()) used.push_back(&e);
    const auto& parts = pt["partitions"];
    ASSERT_EQ(used.size(), parts.size());
    for (std::size_t i = 0; i < used.size(); ++i) {
        const auto& p = parts[i];
        SCOPED_TRACE(p.dump());
        EXPECT_EQ(p["node"].get<std::string>().back() - '0', static_cast<int>(used[i]->number));
        EXPECT_EQ(p["start"].get<std::uint64_t>(), used[i]->start);
        EXPECT_EQ(p["size"].get<std::uint64_t>(), used[i]->sectors);
        EXPECT_EQ(p["type"].get<std::string>(), bootsmith::hex(std::string(1, static_cast<char>(used[i]->type))));
        EXPECT_EQ(p.value("bootable", false), used[i]->active());
    }
}

/// One value of `blkid -p` on a whole image ("" when blkid has none).
std::string blkid_value(const fs::path& img, const std::string& tag = "PTUUID") {
    auto r = bootsmith::test::run({"-p", "-o", "value", "-s", tag, img.string()}, {}, kBlkid);
    std::string out = r.out;
    while (!out.empty() && out.back() == '\n')
        out.pop_back();
    return out;
}

/// The GPT partitions of an image, from sfdisk --json.
std::vector<GptPartition> gpt_of(const fs::path& img) {
    std::vector<GptPartition> out;
    auto pt = sfdisk_json(img);
    for (const auto& p : pt["partitions"])
        out.push_back({p["start"].get<std::uint64_t>(), p["size"].get<std::uint64_t>(), p["type"].get<std::string>()});
    return out;
}

} // namespace

// ---- Boot code -------------------------------------------------------------------------------

TEST(MbrBootCode, SyslinuxSamplesFromCorpus) {
    const std::pair<const char*, Loader> cases[] = {
        {"syslinux-6.04-mbr.bin", Loader::syslinux_mbr},
        {"syslinux-6.04-gptmbr.bin", Loader::syslinux_gptmbr},
        {"syslinux-6.04-altmbr.bin", Loader::syslinux_altmbr},
    };
    for (const auto& [file, loader] : cases) {
        SCOPED_TRACE(file);
        std::string code = bootsmith::test::read_file(data_dir() / file);
        ASSERT_GE(code.size(), 439u);
        BootCode b = identify_boot_code(sector_with(code));
        EXPECT_EQ(b.loader, loader) << b.id;
        EXPECT_EQ(b.first_bytes, "33c0fa8ed88ed0bc");
        EXPECT_FALSE(b.kernel_sector);
        // The bare file (439 / 440 bytes) is recognised as well.
        EXPECT_EQ(identify_boot_code(code).loader, loader);
    }
    std::string alt = sector_with(bootsmith::test::read_file(data_dir() / "syslinux-6.04-altmbr.bin"));
    alt[0x1B7] = 2;
    EXPECT_EQ(identify_boot_code(alt).altmbr_partition, 2);
}

TEST(MbrBootCode, GrubBootImgFromGrubPcBin) {
    if (!have(kGrubDir / "boot.img")) GTEST_SKIP() << kGrubDir << "/boot.img missing (package grub-pc-bin)";
    std::string img = bootsmith::test::read_file(kGrubDir / "boot.img");
    BootCode b = identify_boot_code(img);
    EXPECT_EQ(b.loader, Loader::grub2);
    EXPECT_EQ(b.id, "grub2");
    ASSERT_TRUE(b.kernel_sector);
    EXPECT_EQ(*b.kernel_sector, 1u); // pristine file
    EXPECT_EQ(b.boot_drive, 0xFF);
    EXPECT_FALSE(b.grub_hard_disk_jump); // EB 05 in the pristine file
    EXPECT_FALSE(any_at_least_warning(b.findings)) << codes(b.findings);
}

TEST(MbrBootCode, NoneAndUnknown) {
    BootCode zero = identify_boot_code(std::string(512, '\0'));
    EXPECT_EQ(zero.loader, Loader::none);
    EXPECT_TRUE(has_code(zero.findings, "mbr.bootcode-none"));
    BootCode junk = identify_boot_code(sector_with("\x01\x02\x03\x04\x05\x06\x07\x08\x09"));
    EXPECT_EQ(junk.loader, Loader::unknown);
    EXPECT_EQ(junk.id, "unknown");
    EXPECT_EQ(junk.first_bytes, "0102030405060708");
    EXPECT_TRUE(has_code(junk.findings, "mbr.bootcode-unknown"));
    BootCode empty = identify_boot_code("");
    EXPECT_EQ(empty.loader, Loader::none);
    EXPECT_TRUE(has_code(empty.findings, "mbr.bootcode-short"));
}

// One synthetic sector per row of disk.md §3.1 that has a byte test.
TEST(MbrBootCode, SignatureTableRows) {
    using namespace std::string_literals;
    struct Row {
        std::vector<std::pair<std::size_t, std::string>> bytes;
        Loader loader;
        const char* id;
    };
    const std::string grub_strings = "GRUB \0Geom\0Hard Disk\0Read\0 Error\r\n"s;
    const std::string nt6 = "\x33\xC0\x8E\xD0\xBC\x00\x7C\x8E"s;
    const Row rows[] = {
        {{{0, "\xEB\x63\x90"}, {0x80, "\x00\x20"s}, {0x180, grub_strings}}, Loader::grub2, "grub2"},
        {{{0, "\xEB\x63\x90"}, {0x80, "\x7C\x3C"}}, Loader::grub2_197, "grub2-1.97"},
        {{{0, "\xEB\x4C\x90"}}, Loader::grub2_196, "grub2-1.96"},
        {{{0, "\xEB\x48\x90"}, {0x100, grub_strings}}, Loader::grub_legacy, "grub-legacy"},
        {{{0, "\x33\xC0\xFA"}, {0x5B, "\xE8\x21\x01"}}, Loader::syslinux_old, "syslinux-4"},
        {{{0, "\x33\xC0\xFA"}, {0x5B, "\xBB\x00\x7C"s}}, Loader::syslinux_old, "syslinux-4"},
        {{{0, nt6}, {0xF0, "\xFB\x54"}}, Loader::windows_vista, "windows-vista"},
        {{{0, nt6}, {0xF0, "\x43\x50"}}, Loader::windows_7, "windows-7"},
        {{{0, nt6}}, Loader::windows_nt6, "windows-nt6"},
        {{{0, "\x33\xC0\x8E\xD0\xBC\x00\x7C\xFB"s}}, Loader::windows_xp, "windows-xp"},
        {{{0, "\xFA\x33\xC0"}}, Loader::msdos, "msdos"},
        {{{0, "\xFA\xB8\x00\x10"s}}, Loader::libparted, "libparted"},
        {{{0, "\xFA\xB8\x00\x00"s}}, Loader::freedos, "freedos"},
        {{{0, "\xFC\x31\xC0\x8E\xC0\x8E\xD8\x8E"}}, Loader::freebsd_boot0, "freebsd-boot0"},
        {{{0, "\x31\xC0\x8E\xD0\xBC\x00\x7C\x8E"s}}, Loader::netbsd, "netbsd"},
        {{{0, "\xEA\x05\x00"s}}, Loader::openbsd, "openbsd"},
        {{{0, "\xEB\x04"}}, Loader::solaris, "solaris"},
        {{{0, "\xFA\xEB"}}, Loader::lilo, "lilo"},
        {{{0, "\xFA\xFC"}}, Loader::reactos, "reactos"},
        {{{0, "\xEB\x5E\x80"}}, Loader::grub4dos, "grub4dos"},
        {{{0, "\x0E\xBE"}}, Loader::thinkpad, "thinkpad"},
        {{{0, "\x33\xC0\x90"}}, Loader::diskcryptor, "diskcryptor"},
        {{{0, "\xEA\x1E"}}, Loader::truecrypt, "truecrypt"},
        {{{0, "\xB8\x00"s}}, Loader::plop, "plop"},
        {{{0, "\xFC\x33"}}, Loader::gag, "gag"},
        {{{0, "\xFC\xEB"}}, Loader::bootit_ng, "bootit-ng"},
        {{{0, "\xEB\x52\x90NTFS    "}}, Loader::vbr_ntfs, "vbr-ntfs"},
        {{{0, "\xEB\x76\x90"
              "EXFAT   "}},
         Loader::vbr_exfat,
         "vbr-exfat"},
        {{{0, "\xEB\x3C\x90"}, {0x36, "FAT12   "}}, Loader::vbr_fat, "vbr-fat"},
        {{{0, "\xEB\x58\x90"}, {0x52, "FAT32   "}}, Loader::vbr_fat, "vbr-fat"},
    };
    for (const auto& row : rows) {
        std::string s(512, '\0');
        for (const auto& [at, bytes] : row.bytes)
            s.replace(at, bytes.size(), bytes);
        BootCode b = identify_boot_code(s);
        EXPECT_EQ(b.loader, row.loader) << row.id << " got " << b.id;
        EXPECT_EQ(b.id, row.id);
    }
}

// ---- Fixture images --------------------------------------------------------------------------

TEST(MbrFixtures, BiosMbrGrubInMbrGap) {
    fs::path sda = bootsmith::test::fixtures() / "bios-mbr/dev/sda";
    ASSERT_TRUE(have(sda)) << "build the fixtures target first";
    Image d(sda);
    EXPECT_EQ(d.mbr.kind, MbrKind::dos);
    EXPECT_EQ(d.mbr.disk_signature, 0x5e1f7c3au);
    EXPECT_TRUE(d.mbr.entries[0].active());
    EXPECT_EQ(d.mbr.entries[0].type, 0x83);
    EXPECT_EQ(d.mbr.entries[0].name, "Linux");
    EXPECT_EQ(d.mbr.entries[0].start, 2048u);
    EXPECT_FALSE(d.mbr.entries[1].used());
    EXPECT_TRUE(d.mbr.findings.empty()) << codes(d.mbr.findings);
    if (have(kSfdisk)) expect_matches_sfdisk(d.mbr, sfdisk_json(sda));
    if (have(kBlkid)) {
        EXPECT_EQ(blkid_value(sda), "5e1f7c3a");
    }

    BootCode b = identify_boot_code(d.s0);
    EXPECT_EQ(b.loader, Loader::grub2);
    EXPECT_EQ(b.kernel_sector, 1u);
    EXPECT_EQ(b.boot_drive, 0xFF);
    EXPECT_TRUE(b.grub_hard_disk_jump);

    GrubCore g = check_grub_core(b, d.mbr, {}, d.reader(), d.sectors);
    EXPECT_TRUE(g.found);
    EXPECT_EQ(g.diskboot_variant, "upstream");
    EXPECT_EQ(g.blocklist_start, 2u);
    EXPECT_EQ(g.blocklist_length, 52u);
    EXPECT_EQ(g.blocklist_segment, 0x820);
    EXPECT_EQ(g.sectors, 53u);
    EXPECT_TRUE(g.lzma_decompress);
    EXPECT_EQ(g.location, CoreLocation::mbr_gap);
    EXPECT_TRUE(has_code(g.findings, "mbr.grub-core-in-mbr-gap"));
    EXPECT_FALSE(any_at_least_warning(g.findings)) << codes(g.findings);
}

TEST(MbrFixtures, Debian12UefiProtective) {
    fs::path sda = bootsmith::test::fixtures() / "debian12-uefi/dev/sda";
    ASSERT_TRUE(have(sda)) << "build the fixtures target first";
    Image d(sda);
    EXPECT_EQ(d.mbr.kind, MbrKind::protective);
    EXPECT_EQ(d.mbr.entries[0].type, 0xEE);
    EXPECT_EQ(d.mbr.entries[0].start, 1u);
    EXPECT_EQ(d.mbr.entries[0].sectors, d.sectors - 1);
    EXPECT_FALSE(d.mbr.first_partition_start());
    EXPECT_TRUE(d.mbr.findings.empty()) << codes(d.mbr.findings);
    if (have(kSfdisk)) expect_matches_sfdisk(d.mbr, sfdisk_json(sda, true));
    BootCode b = identify_boot_code(d.s0);
    EXPECT_EQ(b.loader, Loader::none);
    GrubCore g = check_grub_core(b, d.mbr, {}, d.reader(), d.sectors);
    EXPECT_FALSE(g.found);
    EXPECT_TRUE(has_code(g.findings, "mbr.not-grub"));
}

TEST(MbrFixtures, Centos7BiosDos) {
    fs::path sda = bootsmith::test::fixtures() / "centos7-bios/dev/sda";
    ASSERT_TRUE(have(sda)) << "build the fixtures target first";
    Image d(sda);
    EXPECT_EQ(d.mbr.kind, MbrKind::dos);
    EXPECT_EQ(d.mbr.disk_signature, 0x7c3e9a51u);
    EXPECT_TRUE(d.mbr.entries[0].active());
    EXPECT_EQ(d.mbr.entries[1].type, 0x83);
    EXPECT_EQ(d.mbr.first_partition_start(), 2048u);
    EXPECT_TRUE(d.mbr.findings.empty()) << codes(d.mbr.findings);
    if (have(kSfdisk)) expect_matches_sfdisk(d.mbr, sfdisk_json(sda));
    if (have(kBlkid)) {
        EXPECT_EQ(blkid_value(sda), "7c3e9a51");
    }
    EXPECT_EQ(identify_boot_code(d.s0).loader, Loader::none);
}

// ---- sfdisk-made images (oracle: sfdisk --json, blkid -p) ------------------------------------

TEST(MbrSfdisk, DosFourPrimaries) {
    SKIP_WITHOUT_SFDISK_BLKID();
    TempDir dir;
    fs::path img = make_image(dir, "dos.img", 64,
                              "label: dos\nlabel-id: 0xdeadbeef\n"
                              "start=2048, size=20480, type=ef, bootable\n"
                              "start=22528, size=8192, type=82\n"
                              "start=30720, size=40960, type=8e\n"
                              "start=71680, type=fd\n");
    Image d(img);
    EXPECT_EQ(d.mbr.kind, MbrKind::dos);
    EXPECT_EQ(d.mbr.disk_signature, 0xdeadbeefu);
    EXPECT_EQ(blkid_value(img), "deadbeef");
    expect_matches_sfdisk(d.mbr, sfdisk_json(img));
    EXPECT_EQ(d.mbr.entries[0].name, "EFI System");
    EXPECT_EQ(d.mbr.entries[1].name, "Linux swap");
    EXPECT_EQ(d.mbr.entries[2].name, "Linux LVM");
    EXPECT_EQ(d.mbr.entries[3].name, "Linux RAID autodetect");
    EXPECT_TRUE(d.mbr.findings.empty()) << codes(d.mbr.findings);
    EXPECT_EQ(identify_boot_code(d.s0).loader, Loader::none);

    // Syslinux mbr.bin written the way disk.md §8.4 does (bytes 0–439 only).
    write_range(img, 0, bootsmith::test::read_file(data_dir() / "syslinux-6.04-mbr.bin"));
    d.s0 = read_range(img, 0, 512);
    EXPECT_EQ(identify_boot_code(d.s0).loader, Loader::syslinux_mbr);
    expect_matches_sfdisk(parse_mbr(d.s0, d.sectors), sfdisk_json(img));
}

TEST(MbrSfdisk, HybridMbr) {
    SKIP_WITHOUT_SFDISK_BLKID();
    TempDir dir;
    fs::path img = make_image(dir, "hybrid.img", 32,
                              "label: dos\nlabel-id: 0x01020304\n"
                              "start=1, size=2047, type=ee\n"
                              "start=2048, size=8192, type=ef\n"
                              "start=10240, type=83, bootable\n");
    Image d(img);
    EXPECT_EQ(d.mbr.kind, MbrKind::hybrid);
    EXPECT_TRUE(has_code(d.mbr.findings, "mbr.hybrid"));
    EXPECT_EQ(d.mbr.first_partition_start(), 2048u);
    // libblkid calls any table with an EE entry "PMBR" and, finding no GPT behind it, reports no
    // PTUUID; the signature is checked against sfdisk's "id" instead.
    EXPECT_EQ(blkid_value(img, "PTTYPE"), "PMBR");
    EXPECT_EQ(d.mbr.disk_signature, 0x01020304u);
    expect_matches_sfdisk(d.mbr, sfdisk_json(img));
}

TEST(MbrSfdisk, ProtectiveMbr) {
    SKIP_WITHOUT_SFDISK_BLKID();
    TempDir dir;
    fs::path img = make_image(dir, "gpt.img", 16, "label: gpt\nstart=2048, size=4096\n");
    Image d(img);
    EXPECT_EQ(d.mbr.kind, MbrKind::protective);
    EXPECT_EQ(d.mbr.entries[0].sectors, d.sectors - 1);
    EXPECT_TRUE(d.mbr.findings.empty()) << codes(d.mbr.findings);
    expect_matches_sfdisk(d.mbr, sfdisk_json(img, true));
    // blkid reports the GPT disk GUID for such a disk, not the MBR signature.
    EXPECT_EQ(blkid_value(img).size(), 36u);
    // The disk as it was before a resize: the entry no longer covers it.
    EXPECT_TRUE(has_code(parse_mbr(d.s0, d.sectors * 2).findings, "mbr.protective-size"));
}

// GRUB 2 installed by hand into a BIOS boot partition (disk.md §8.4), then broken.
TEST(MbrSfdisk, GrubInBiosBootPartition) {
    if (!have(kSfdisk)) GTEST_SKIP() << "sfdisk missing (package fdisk)";
    for (const char* f : {"boot.img", "diskboot.img", "lzma_decompress.img"})
        if (!have(kGrubDir / f)) GTEST_SKIP() << kGrubDir / f << " missing (package grub-pc-bin)";
    TempDir dir;
    fs::path img = make_image(dir, "bb.img", 16,
                              "label: gpt\n"
                              "start=2048, size=2048, type=21686148-6449-6E6F-744E-656564454649\n"
                              "start=4096, type=0FC63DAF-8483-4772-8E79-3D69D8477DE4\n");
    std::string boot = bootsmith::test::read_file(kGrubDir / "boot.img").substr(0, 440);
    std::string s0 = read_range(img, 0, 512);
    std::copy(s0.begin() + 3, s0.begin() + 0x5A, boot.begin() + 3);
    put_le(boot, 0x5C, 2048, 8);
    boot[0x64] = '\xFF';
    boot[0x66] = boot[0x67] = '\x90';
    write_range(img, 0, boot);
    std::string diskboot = bootsmith::test::read_file(kGrubDir / "diskboot.img");
    diskboot.resize(512, '\0');
    put_le(diskboot, 0x1F4, 2049, 8);
    put_le(diskboot, 0x1FC, 20, 2);
    put_le(diskboot, 0x1FE, 0x820, 2);
    write_range(img, 2048 * 512, diskboot);
    write_range(img, 2049 * 512, bootsmith::test::read_file(kGrubDir / "lzma_decompress.img").substr(0, 512));

    Image d(img);
    const Mbr& m = d.mbr;
    ASSERT_EQ(m.kind, MbrKind::protective);
    BootCode b = identify_boot_code(d.s0);
    ASSERT_EQ(b.loader, Loader::grub2);
    EXPECT_EQ(b.kernel_sector, 2048u);
    std::vector<GptPartition> gpt = gpt_of(img);
    ASSERT_EQ(gpt.size(), 2u);
    GrubCore g = check_grub_core(b, m, gpt, d.reader(), d.sectors);
    EXPECT_TRUE(g.found);
    EXPECT_TRUE(g.lzma_decompress);
    EXPECT_EQ(g.sectors, 21u);
    EXPECT_EQ(g.location, CoreLocation::bios_boot_partition);
    EXPECT_TRUE(has_code(g.findings, "mbr.grub-core-in-bios-boot"));
    EXPECT_FALSE(any_at_least_warning(g.findings)) << codes(g.findings); // 2048 sectors: not "under 1 MiB"

    // Without the BIOS boot partition in the list, core.img sits outside every partition.
    GrubCore none = check_grub_core(b, m, {gpt[1]}, d.reader(), d.sectors);
    EXPECT_TRUE(has_code(none.findings, "mbr.gpt-no-bios-boot"));
    EXPECT_EQ(none.location, CoreLocation::elsewhere);

    // core.img wiped: the boot code points at zeros.
    write_range(img, 2048 * 512, std::string(512, '\0'));
    GrubCore gone = check_grub_core(b, m, gpt, d.reader(), d.sectors);
    EXPECT_FALSE(gone.found);
    EXPECT_TRUE(has_code(gone.findings, "mbr.grub-core-missing"));
}

// ---- Hostile input ---------------------------------------------------------------------------

TEST(MbrHostile, RandomSectors) {
    std::mt19937_64 rng(20261125);
    std::uniform_int_distribution<int> byte(0, 255);
    for (int i = 0; i < 4000; ++i) {
        std::string s(512, '\0');
        for (char& c : s)
            c = static_cast<char>(byte(rng));
        if (i % 2 == 0) {
            s[510] = '\x55';
            s[511] = '\xAA';
        }
        if (i % 4 == 0) make_grub(s);
        if (i % 8 == 0) put_le(s, 0x5C, rng() % 4096, 8); // a kernel_sector that is mostly on the disk
        std::uint64_t disk = (i % 3 == 0) ? 0 : rng() % 100000;
        Mbr m = parse_mbr(s, disk);
        EXPECT_EQ(m.kind == MbrKind::none, !m.has_signature);
        for (const auto& f : m.findings)
            EXPECT_EQ(f.code.rfind("mbr.", 0), 0u) << f.code;
        BootCode b = identify_boot_code(s);
        EXPECT_FALSE(b.id.empty());
        if (i % 4 == 0) {
            EXPECT_EQ(b.loader, Loader::grub2);
        }
        // A disk whose sectors are random, short, or unreadable.
        int mode = (i / 3) % 3;
        SectorReader read = [&](std::uint64_t, std::size_t count) -> std::string {
            if (mode == 1) throw std::runtime_error("I/O error");
            std::string r(mode == 2 ? rng() % 600 : count * 512, '\0');
            for (char& c : r)
                c = static_cast<char>(byte(rng));
            if (!r.empty() && rng() % 2)
                r.replace(0, std::min<std::size_t>(4, r.size()), "\x52\x56\xBE\x1B",
                          std::min<std::size_t>(4, r.size()));
            return r;
        };
        std::vector<GptPartition> gpt;
        if (i % 5 == 0) gpt.push_back({rng(), rng(), std::string(kBiosBootGuid)});
        GrubCore g = check_grub_core(b, m, gpt, read, disk);
        if (!g.found) {
            EXPECT_EQ(g.location, CoreLocation::unknown);
        }
    }
}

TEST(MbrHostile, TruncatedSectors) {
    std::string s0 = sector_with("\xEB\x63\x90");
    put_entry(s0, 1, 0x80, 0x83, 2048, 4096);
    for (std::size_t n = 0; n <= s0.size(); ++n) {
        // A copy on the heap of exactly n bytes, so ASan sees any read past it.
        std::unique_ptr<char[]> buf(new char[std::max<std::size_t>(n, 1)]);
        std::copy_n(s0.data(), n, buf.get());
        std::string_view v(buf.get(), n);
        Mbr m = parse_mbr(v, 1 << 20);
        if (n < 512) {
            EXPECT_EQ(m.kind, MbrKind::none);
            EXPECT_TRUE(has_code(m.findings, "mbr.short"));
        } else {
            EXPECT_EQ(m.kind, MbrKind::dos);
        }
        identify_boot_code(v);
    }
}

TEST(MbrHostile, EntriesPastEndOverlapAndBadFlags) {
    std::string s = sector_with("");
    put_entry(s, 1, 0x80, 0x83, 2048, 100000);
    put_entry(s, 2, 0x81, 0x83, 50000, 10);              // inside entry 1, bad flag
    put_entry(s, 3, 0x80, 0x07, 0xFFFFFF00, 0xFFFFFFFF); // far past the end
    put_entry(s, 4, 0x00, 0x00, 5, 5);                   // unused but not zero
    Mbr m = parse_mbr(s, 65536);
    EXPECT_EQ(m.kind, MbrKind::dos);
    EXPECT_TRUE(has_code(m.findings, "mbr.entry-beyond-disk")) << codes(m.findings);
    EXPECT_TRUE(has_code(m.findings, "mbr.entries-overlap"));
    EXPECT_TRUE(has_code(m.findings, "mbr.bad-boot-flag"));
    EXPECT_TRUE(has_code(m.findings, "mbr.multiple-active"));
    EXPECT_TRUE(has_code(m.findings, "mbr.empty-entry-not-zero"));
    EXPECT_EQ(m.entries[2].end(), 0xFFFFFF00ull + 0xFFFFFFFFull); // no 32-bit wrap

    std::string z = sector_with("");
    put_entry(z, 1, 0x00, 0x83, 0, 0);
    Mbr mz = parse_mbr(z, 100);
    EXPECT_TRUE(has_code(mz.findings, "mbr.entry-at-lba0"));
    EXPECT_TRUE(has_code(mz.findings, "mbr.entry-zero-size"));

    std::string nosig = s;
    nosig[511] = 0;
    Mbr mn = parse_mbr(nosig, 65536);
    EXPECT_EQ(mn.kind, MbrKind::none);
    EXPECT_TRUE(has_code(mn.findings, "mbr.no-signature"));
}

TEST(MbrHostile, GrubPointingNowhere) {
    std::string s = sector_with("");
    make_grub(s);
    put_entry(s, 1, 0x80, 0x83, 2048, 4096);
    const std::uint64_t lbas[] = {0, 1, 5000, 1ull << 40, ~0ull};
    for (std::uint64_t lba : lbas) {
        put_le(s, 0x5C, lba, 8);
        s[0x64] = '\x80';
        Mbr m = parse_mbr(s, 8192);
        BootCode b = identify_boot_code(s);
        ASSERT_EQ(b.loader, Loader::grub2);
        EXPECT_TRUE(has_code(b.findings, "mbr.grub-fixed-drive"));
        SectorReader zeros = [](std::uint64_t, std::size_t count) { return std::string(count * 512, '\0'); };
        GrubCore g = check_grub_core(b, m, {}, zeros, 8192);
        EXPECT_FALSE(g.found) << lba;
        EXPECT_TRUE(std::any_of(g.findings.begin(), g.findings.end(), [](const Finding& f) {
            return f.severity == Severity::error;
        })) << codes(g.findings);
        // Unknown disk size: the same without the size checks, still no crash.
        check_grub_core(b, m, {}, zeros, 0);
    }
    // A diskboot.img whose blocklist runs into partition 1, read through a short / failing reader.
    put_le(s, 0x5C, 2000, 8);
    BootCode b = identify_boot_code(s);
    Mbr m = parse_mbr(s, 8192);
    SectorReader core = [](std::uint64_t lba, std::size_t) {
        std::string r(512, '\0');
        if (lba == 2000) {
            r.replace(0, 4, "\x52\x56\xBE\x1B");
            put_le(r, 0x1F4, 2001, 8);
            put_le(r, 0x1FC, 100, 2);
            put_le(r, 0x1FE, 0x820, 2);
        }
        return r;
    };
    GrubCore g = check_grub_core(b, m, {}, core, 8192);
    EXPECT_TRUE(g.found);
    EXPECT_TRUE(has_code(g.findings, "mbr.grub-core-overlaps-partition")) << codes(g.findings);
    EXPECT_TRUE(has_code(g.findings, "mbr.grub-lzma-missing"));
    SectorReader failing = [](std::uint64_t, std::size_t) -> std::string { throw std::runtime_error("EIO"); };
    EXPECT_TRUE(has_code(check_grub_core(b, m, {}, failing, 8192).findings, "mbr.grub-core-unreadable"));
    SectorReader shorty = [](std::uint64_t, std::size_t) { return std::string(100, '\x52'); };
    EXPECT_TRUE(has_code(check_grub_core(b, m, {}, shorty, 8192).findings, "mbr.grub-core-unreadable"));
}
