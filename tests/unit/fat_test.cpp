// The FAT reader against images made by the real tools (mkfs.fat, mtools), with mtools as
// the oracle for every listing and every file's bytes; then hostile images.
#include "bootsmith/disk/fat.hpp"
#include "bootsmith/error.hpp"
#include "testutil.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <random>
#include <set>
#include <sstream>

using namespace bootsmith;
using bootsmith::disk::FatType;
using bootsmith::disk::FatVolume;
using bootsmith::test::TempDir;
namespace fs = std::filesystem;

namespace {

const std::vector<std::string> kToolEnv = {"MTOOLS_SKIP_CHECK=1", "MTOOLSRC=/dev/null", "LC_ALL=C", "TZ=UTC",
                                           "SOURCE_DATE_EPOCH=1704067200"};

test::RunResult sh(const std::string& script) {
    return test::run({"-c", script}, kToolEnv, "/bin/sh");
}

bool have_tools() {
    return sh("command -v mkfs.fat && command -v mmd && command -v mcopy && command -v mdir && command -v mshowfat")
               .status == 0;
}

std::string pseudo_random(std::size_t n, unsigned seed) {
    std::mt19937 rng(seed);
    std::string s(n, '\0');
    for (auto& c : s)
        c = static_cast<char>(rng() & 0xFF);
    return s;
}

/// An image file, the file system's byte offset inside it, and its length.
struct Image {
    TempDir dir;
    fs::path path = dir / "disk.img";
    std::uint64_t offset = 0;
    std::uint64_t length = 0;
    std::string at() const { return "'" + path.string() + "@@" + std::to_string(offset) + "'"; }

    /// Runs a shell script in the image directory; fails the test on a non-zero exit.
    std::string run(const std::string& script) const {
        auto r = sh("cd '" + dir.path().string() + "' && " + script);
        EXPECT_EQ(r.status, 0) << script << "\n" << r.err;
        return r.out;
    }
    FatVolume open(const sys::ReadFile& f) const { return FatVolume::open(f, offset, length, "disk.img"); }
    sys::ReadFile file() const { return sys::Root(dir.path()).open_read("disk.img"); }

    void patch(std::uint64_t pos, const std::string& bytes) const {
        std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
        f.seekp(static_cast<std::streamoff>(offset + pos));
        f.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    }
    std::string peek(std::uint64_t pos, std::size_t n) const {
        std::ifstream f(path, std::ios::binary);
        f.seekg(static_cast<std::streamoff>(offset + pos));
        std::string s(n, '\0');
        f.read(s.data(), static_cast<std::streamsize>(n));
        return s;
    }
};

std::string le(std::uint64_t v, int n) {
    std::string s;
    for (int i = 0; i < n; ++i)
        s += static_cast<char>((v >> (8 * i)) & 0xFF);
    return s;
}

/// mkfs.fat -F BITS on SIZE_KIB KiB at OFFSET_SECTORS inside a disk of DISK_MIB MiB, then a
/// tree with long names, mixed case, nested directories, a multi-cluster file, a
/// fragmented file, an empty file and a directory spanning several clusters.
void build(Image& img, int bits, std::uint64_t size_kib, std::uint64_t offset_sectors, std::uint64_t disk_mib,
           const std::string& mkfs_extra = "") {
    img.offset = offset_sectors * 512;
    img.length = size_kib * 1024;
    test::write_file(img.dir / "in/BOOTX64.EFI", pseudo_random(70000, 1));
    test::write_file(img.dir / "in/shimx64.efi", pseudo_random(5000, 2));
    test::write_file(img.dir / "in/A Long File Name With Spaces.txt", "long name\n");
    test::write_file(img.dir / "in/MixedCase.Conf", "mixed\n");
    test::write_file(img.dir / "in/big.bin", pseudo_random(300000, 3));
    test::write_file(img.dir / "in/empty", "");
    test::write_file(img.dir / "in/hole1", pseudo_random(9000, 4));
    test::write_file(img.dir / "in/frag.bin", pseudo_random(3000, 5));
    test::write_file(img.dir / "in/after", pseudo_random(9000, 6));
    test::write_file(img.dir / "in/frag2.bin", pseudo_random(60000, 7));
    for (int i = 0; i < 40; ++i)
        test::write_file(img.dir / ("in/many/Entry number " + std::to_string(i) + ".txt"), std::to_string(i));
    const std::string at = img.at();
    std::ostringstream s;
    s << "set -e; truncate -s " << disk_mib << "M disk.img; mkfs.fat -F " << bits << " -i 1234ABCD -n 'MY VOL' "
      << mkfs_extra << " --offset=" << offset_sectors << " disk.img " << size_kib << " >/dev/null 2>&1\n"
      << "mmd -i " << at << " ::/EFI ::/EFI/BOOT ::/EFI/debian ::/Nested ::/Nested/Deeper ::/Nested/Deeper/Deepest\n"
      << "cd in\n"
      << "mcopy -i " << at << " BOOTX64.EFI ::/EFI/BOOT/\n"
      << "mcopy -i " << at << " shimx64.efi ::/EFI/debian/\n"
      << "mcopy -i " << at << " 'A Long File Name With Spaces.txt' MixedCase.Conf big.bin empty ::/\n"
      << "mcopy -i " << at << " hole1 frag.bin after ::/Nested/Deeper/Deepest/\n"
      << "mdel -i " << at
      << " ::/Nested/Deeper/Deepest/hole1\n"
      // FAT32: mtools allocates after FSInfo's next-free hint; "unknown" makes it reuse the hole.
      << "if [ " << bits << " = 32 ]; then bps=$(od -An -tu2 -j" << img.offset + 11 << " -N2 ../disk.img);"
      << " printf '\\377\\377\\377\\377' | dd of=../disk.img bs=1 seek=$((" << img.offset
      << " + bps + 492)) conv=notrunc 2>/dev/null; fi\n"
      << "mcopy -o -i " << at << " frag2.bin ::/Nested/Deeper/Deepest/frag.bin\n"
      << "mcopy -s -i " << at << " many ::/Many\n";
    img.run(s.str());
}

/// Every path below `dir` the way `mdir -/ -b` prints it ("::/EFI/", "::/EFI/BOOT/BOOTX64.EFI").
/// (A corrupt image may hold a directory that contains itself: `depth` bounds the walk.)
void walk(const FatVolume& v, const std::string& dir, std::set<std::string>& out, int depth = 8) {
    for (const auto& e : v.list(dir)) {
        const std::string p = dir + (dir == "/" ? "" : "/") + e.name;
        out.insert("::" + p + (e.directory ? "/" : ""));
        if (e.directory && depth > 0) walk(v, p, out, depth - 1);
    }
}

std::set<std::string> lines(const std::string& text) {
    std::set<std::string> out;
    std::istringstream in(text);
    for (std::string l; std::getline(in, l);)
        if (!l.empty()) out.insert(l);
    return out;
}

/// Compares the volume with mtools: the recursive listing, then every file's bytes.
void check_against_mtools(const Image& img, FatType type) {
    auto f = img.file();
    auto v = img.open(f);
    EXPECT_EQ(v.type(), type);
    EXPECT_EQ(v.volume_id(), 0x1234ABCDu);
    EXPECT_EQ(v.uuid(), "1234-ABCD");
    EXPECT_EQ(v.label(), "MY VOL");

    std::set<std::string> mine;
    walk(v, "/", mine);
    const auto oracle = lines(img.run("mdir -/ -b -i " + img.at() + " ::/"));
    EXPECT_EQ(mine, oracle);
    EXPECT_GT(mine.size(), 50u);

    int files = 0;
    for (const auto& p : mine) {
        if (p.back() == '/') continue;
        const std::string path = p.substr(2);
        const std::string expected = img.run("mcopy -n -i " + img.at() + " '::" + path + "' -");
        EXPECT_EQ(v.read(path), expected) << path;
        auto st = v.stat(path);
        ASSERT_TRUE(st) << path;
        EXPECT_EQ(st->size, expected.size()) << path;
        const auto by_short = v.stat(p.substr(2, p.rfind('/') - 1) + st->short_name); // "/EFI/BOOT/" + 8.3
        ASSERT_TRUE(by_short) << path << " by its 8.3 name " << st->short_name;
        EXPECT_EQ(by_short->name, st->name);
        ++files;
    }
    EXPECT_GT(files, 45);

    // Firmware-style lookups: any case, backslashes; lowercase 8.3 names keep their case.
    EXPECT_EQ(v.read("\\efi\\boot\\bootx64.efi"), pseudo_random(70000, 1));
    EXPECT_EQ(v.read("/EFI/DEBIAN/SHIMX64.EFI"), pseudo_random(5000, 2));
    auto shim = v.stat("efi/debian/shimx64.efi");
    ASSERT_TRUE(shim);
    EXPECT_EQ(shim->name, "shimx64.efi");
    EXPECT_EQ(shim->short_name, "SHIMX64.EFI");
    auto longname = v.stat("/a long file name with spaces.TXT");
    ASSERT_TRUE(longname);
    EXPECT_EQ(longname->name, "A Long File Name With Spaces.txt");
    EXPECT_EQ(v.read("/Nested/Deeper/Deepest/frag.bin"), pseudo_random(60000, 7));
    EXPECT_EQ(v.read("/big.bin"), pseudo_random(300000, 3));
    EXPECT_EQ(v.read("/empty"), "");
    EXPECT_EQ(v.stat("/Nested/Deeper/Deepest/hole1"), std::nullopt);
    EXPECT_EQ(v.stat("/big.bin/x"), std::nullopt);
    EXPECT_EQ(v.list("/Many").size(), 40u);
    EXPECT_TRUE(v.stat("/")->directory);
    EXPECT_EQ(test::code_of([&] { v.read("/EFI"); }), Exit::data);
    EXPECT_EQ(test::code_of([&] { v.read("/missing"); }), Exit::no_input);
    EXPECT_EQ(test::code_of([&] { v.list("/big.bin"); }), Exit::data);
    EXPECT_EQ(test::code_of([&] { v.read("/big.bin", 1000); }), Exit::data);

    // The fragmented file really is fragmented (mshowfat prints one <a-b> per run).
    const std::string runs = img.run("mshowfat -i " + img.at() + " ::/Nested/Deeper/Deepest/frag.bin");
    EXPECT_GT(std::count(runs.begin(), runs.end(), '<'), 1) << runs;
}

#define REQUIRE_TOOLS()                                                                                                \
    if (!have_tools()) GTEST_SKIP() << "mkfs.fat (dosfstools) or mtools not installed"

/// The error `f` throws: Exit::data with the display name in the message, in under 2 s.
std::string data_error(const std::function<void()>& f) {
    const auto start = std::chrono::steady_clock::now();
    try {
        f();
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), Exit::data) << e.what();
        EXPECT_EQ(std::string(e.what()).rfind("disk.img: ", 0), 0u) << e.what();
        EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
        return e.what();
    }
    ADD_FAILURE() << "no error";
    return {};
}

/// Byte position of the FAT entry of `cluster` in the first FAT (FAT16/32 only).
std::uint64_t fat_entry_pos(const Image& img, std::uint32_t cluster, int bits) {
    const std::string bs = img.peek(0, 512);
    const std::uint64_t bps = static_cast<unsigned char>(bs[11]) | static_cast<unsigned char>(bs[12]) << 8;
    const std::uint64_t reserved = static_cast<unsigned char>(bs[14]) | static_cast<unsigned char>(bs[15]) << 8;
    return reserved * bps + std::uint64_t {cluster} * static_cast<unsigned>(bits / 8);
}

/// Bytes written over a valid boot sector, and what the error message must mention.
struct BootSectorPatch {
    std::uint64_t pos;
    std::string bytes;
    std::string expect;
};

/// Applies each patch to the pristine boot sector in turn; open() must refuse every one.
void expect_open_errors(const Image& img, const std::vector<BootSectorPatch>& patches) {
    const std::string good = img.peek(0, 512);
    for (const auto& c : patches) {
        img.patch(0, good);
        img.patch(c.pos, c.bytes);
        SCOPED_TRACE(c.expect);
        auto f = img.file();
        const std::string msg = data_error([&] { img.open(f); });
        EXPECT_NE(msg.find(c.expect), std::string::npos) << msg;
    }
}

/// Where the fixed root directory of a FAT12/16 image with 512-byte sectors starts.
std::uint64_t fixed_root_pos(const Image& img) {
    const std::string bs = img.peek(0, 512);
    const auto u8 = [&](int i) { return std::uint64_t {static_cast<unsigned char>(bs[i])}; };
    return (u8(14) + (u8(15) << 8) + u8(16) * (u8(22) + (u8(23) << 8))) * 512; // reserved + FATs
}

} // namespace

TEST(FatOracle, Fat12) {
    REQUIRE_TOOLS();
    Image img;
    build(img, 12, 4096, 0, 4);
    check_against_mtools(img, FatType::fat12);
}

TEST(FatOracle, Fat16AtOffset) {
    REQUIRE_TOOLS();
    Image img;
    build(img, 16, 16384, 2048, 20);
    check_against_mtools(img, FatType::fat16);
}

TEST(FatOracle, Fat32AtOffset) {
    REQUIRE_TOOLS();
    Image img;
    build(img, 32, 40960, 2048, 42, "-S 512 -s 1 -h 2048");
    check_against_mtools(img, FatType::fat32);
    auto f = img.file();
    EXPECT_GE(img.open(f).cluster_count(), 65525u);
}

TEST(FatOracle, Fat32With4KSectors) {
    REQUIRE_TOOLS();
    Image img;
    img.offset = 0;
    // (mtools takes a FAT32 BPB with fewer than 65525 clusters for FAT16: 300 MiB, sparse.)
    build(img, 32, 300 * 1024, 0, 300, "-S 4096 -s 1");
    auto f = img.file();
    auto v = img.open(f);
    EXPECT_EQ(v.type(), FatType::fat32);
    EXPECT_EQ(v.read("/big.bin"), pseudo_random(300000, 3));
}

TEST(FatFixture, DebianEsp) {
    const fs::path root = test::fixtures() / "debian12-uefi";
    if (!fs::exists(root / "dev/sda")) GTEST_SKIP() << "fixtures not materialised (build the fixtures target)";
    auto f = sys::Root(root).open_read("/dev/sda");
    auto v = FatVolume::open(f, 2048 * 512, 81920 * 512, "/dev/sda1");
    EXPECT_EQ(v.type(), FatType::fat32);
    EXPECT_EQ(v.uuid(), "7A3E-21C4");
    EXPECT_EQ(v.label(), "");
    for (const std::string dir : {"EFI/debian", "EFI/BOOT"}) {
        std::set<std::string> expected, mine;
        for (const auto& e : fs::directory_iterator(root / "boot/efi" / dir)) {
            expected.insert(e.path().filename().string());
            EXPECT_EQ(v.read(dir + "/" + e.path().filename().string()), test::read_file(e.path())) << e.path();
        }
        for (const auto& e : v.list(dir))
            mine.insert(e.name);
        EXPECT_EQ(mine, expected) << dir;
    }
    const std::set<std::string> debian = {"shimx64.efi", "grubx64.efi", "mmx64.efi",
                                          "fbx64.efi",   "BOOTX64.CSV", "grub.cfg"};
    for (const auto& n : debian)
        EXPECT_TRUE(v.stat("/EFI/debian/" + n)) << n;
    EXPECT_EQ(v.read("/efi/boot/bootx64.efi"), v.read("/EFI/debian/shimx64.efi"));
}

TEST(FatHostile, ClusterLoopInFileAndDirectory) {
    REQUIRE_TOOLS();
    for (int bits : {16, 32}) {
        Image img;
        build(img, bits, bits == 32 ? 40960 : 16384, 0, bits == 32 ? 40 : 16, bits == 32 ? "-s 1" : "-s 1");
        std::uint32_t big = 0, many = 0;
        {
            auto f = img.file();
            auto v = img.open(f);
            big = v.stat("/big.bin")->first_cluster;
            many = v.stat("/Many")->first_cluster;
        }
        img.patch(fat_entry_pos(img, big, bits), le(big, bits / 8));
        img.patch(fat_entry_pos(img, many, bits), le(many, bits / 8));
        auto f = img.file();
        auto v = img.open(f);
        EXPECT_NE(data_error([&] { v.read("/big.bin"); }).find("loops"), std::string::npos);
        EXPECT_NE(data_error([&] { v.list("/Many"); }).find("loops"), std::string::npos);
        EXPECT_NE(data_error([&] { v.stat("/Many/x"); }).find("loops"), std::string::npos);
        EXPECT_EQ(v.read("/EFI/BOOT/BOOTX64.EFI"), pseudo_random(70000, 1)); // the rest still reads
    }
}

TEST(FatHostile, OutOfRangeAndFreeClusters) {
    REQUIRE_TOOLS();
    Image img;
    build(img, 16, 16384, 0, 16);
    std::uint32_t big = 0, shim = 0;
    {
        auto f = img.file();
        auto v = img.open(f);
        big = v.stat("/big.bin")->first_cluster;
        shim = v.stat("/EFI/debian/shimx64.efi")->first_cluster;
    }
    img.patch(fat_entry_pos(img, big, 16), le(0xFFF0, 2));
    img.patch(fat_entry_pos(img, shim, 16), le(0, 2));
    auto f = img.file();
    auto v = img.open(f);
    EXPECT_NE(data_error([&] { v.read("/big.bin"); }).find("out of range"), std::string::npos);
    EXPECT_NE(data_error([&] { v.read("/EFI/debian/shimx64.efi"); }).find("free cluster"), std::string::npos);
}

TEST(FatHostile, SizeBeyondChainAndBadFirstCluster) {
    REQUIRE_TOOLS();
    Image img;
    build(img, 12, 4096, 0, 4);
    {
        auto f = img.file();
        auto v = img.open(f);
        ASSERT_EQ(v.type(), FatType::fat12);
    }
    const std::uint64_t root_pos = fixed_root_pos(img);
    const auto at = img.peek(root_pos, 512 * 32).find("BIG     BIN");
    ASSERT_NE(at, std::string::npos);
    img.patch(root_pos + at + 28, le(3000000, 4)); // size much larger than its chain
    {
        auto f = img.file();
        auto v = img.open(f);
        EXPECT_NE(data_error([&] { v.read("/big.bin"); }).find("too short"), std::string::npos);
    }
    img.patch(root_pos + at + 26, le(0xFF0, 2)); // first cluster beyond the volume
    auto f = img.file();
    auto v = img.open(f);
    EXPECT_NE(data_error([&] { v.read("/big.bin"); }).find("out of range"), std::string::npos);
}

// A long name whose checksum or sequence does not match its 8.3 entry is dropped: the entry
// shows under its short name, as mtools shows it.
TEST(FatLongNames, BrokenChainFallsBackToShortName) {
    REQUIRE_TOOLS();
    for (int breakage : {0, 1}) {
        Image img;
        build(img, 16, 16384, 0, 16);
        const std::uint64_t root_pos = fixed_root_pos(img);
        const auto at = img.peek(root_pos, 512 * 32).find("ALONGF~1TXT");
        ASSERT_NE(at, std::string::npos);
        // Piece 1's checksum, or piece 2's sequence number, inverted.
        const std::uint64_t pos = root_pos + at - (breakage == 0 ? 32 - 13 : 64);
        img.patch(pos, std::string(1, static_cast<char>(img.peek(pos, 1)[0] ^ 0x1F)));
        auto f = img.file();
        auto v = img.open(f);
        EXPECT_EQ(v.stat("/A Long File Name With Spaces.txt"), std::nullopt);
        auto e = v.stat("/alongf~1.txt");
        ASSERT_TRUE(e);
        EXPECT_EQ(e->name, "ALONGF~1.TXT");
        EXPECT_EQ(v.read("/ALONGF~1.TXT"), "long name\n");
        std::set<std::string> mine;
        for (const auto& d : v.list("/"))
            mine.insert("::/" + d.name + (d.directory ? "/" : ""));
        EXPECT_EQ(mine, lines(img.run("mdir -b -i " + img.at() + " ::/")));
    }
}

TEST(FatHostile, TruncatedImage) {
    REQUIRE_TOOLS();
    Image img;
    build(img, 16, 16384, 2048, 20);
    fs::resize_file(img.path, img.offset + 8 * 1024 * 1024);
    auto f = img.file();
    EXPECT_NE(data_error([&] { img.open(f); }).find("truncated"), std::string::npos);
    // A partition length shorter than the file system is refused the same way.
    EXPECT_NE(data_error([&] { FatVolume::open(f, img.offset, 4096, "disk.img"); }).find("needs"), std::string::npos);
    EXPECT_NE(data_error([&] { FatVolume::open(f, img.offset + (64u << 20), 1 << 20, "disk.img"); }).find("beyond"),
              std::string::npos);
}

TEST(FatHostile, GarbageBootSector) {
    REQUIRE_TOOLS();
    const std::vector<BootSectorPatch> cases = {
        {0x0B, le(300, 2), "bytes per sector"},
        {0x0B, le(0, 2), "bytes per sector"},
        {0x0D, le(0, 1), "sectors per cluster"},
        {0x0D, le(3, 1), "sectors per cluster"},
        {0x0E, le(0, 2), "reserved"},
        {0x10, le(0, 1), "number of FATs"},
        {0x16, le(0xFFFF, 2), "data area"},
        {0x13, le(0, 2) + le(0, 1) + le(0, 2), "total sector"},
        {0x11, le(0, 2), "root directory"},
        {0x13, le(0xFFFF, 2), "needs"},
    };
    Image img;
    build(img, 16, 16384, 0, 16);
    expect_open_errors(img, cases);
    // FAT32: FAT size beyond the partition, root cluster out of range.
    Image img32;
    build(img32, 32, 40960, 0, 40, "-s 1");
    expect_open_errors(img32, {{0x24, le(0x7FFFFFFF, 4), "data area"},
                               {0x2C, le(0x0FFFFFF0, 4), "root directory cluster"},
                               {0x2C, le(1, 4), "root directory cluster"},
                               {0x28, le(0x8F, 2), "active FAT"}});
}

TEST(FatHostile, EmptyZeroAndAllOnes) {
    TempDir dir;
    test::write_file(dir / "disk.img", "");
    {
        auto f = sys::Root(dir.path()).open_read("disk.img");
        EXPECT_NE(data_error([&] { FatVolume::open(f, 0, 1 << 20, "disk.img"); }).find("too small"), std::string::npos);
    }
    test::write_file(dir / "disk.img", std::string(1 << 20, '\0'));
    {
        auto f = sys::Root(dir.path()).open_read("disk.img");
        data_error([&] { FatVolume::open(f, 0, 1 << 20, "disk.img"); });
    }
    test::write_file(dir / "disk.img", std::string(1 << 20, '\xFF'));
    auto f = sys::Root(dir.path()).open_read("disk.img");
    EXPECT_NE(data_error([&] { FatVolume::open(f, 0, 1 << 20, "disk.img"); }).find("bytes per sector"),
              std::string::npos);
}

// Random bytes over the boot sector, FATs and root directory of a valid image: every
// outcome is a result or Error(data / no_input), never a crash or a hang.
TEST(FatHostile, RandomCorruption) {
    REQUIRE_TOOLS();
    Image img;
    build(img, 12, 1024, 0, 1);
    const std::string good = img.peek(0, 64 * 1024);
    std::mt19937 rng(42);
    const auto start = std::chrono::steady_clock::now();
    int opened = 0;
    for (int round = 0; round < 300; ++round) {
        std::string bad = good;
        const int flips = 1 + static_cast<int>(rng() % 8);
        for (int i = 0; i < flips; ++i)
            bad[rng() % (round % 3 == 0 ? 512 : bad.size())] = static_cast<char>(rng() & 0xFF);
        img.patch(0, bad);
        auto f = img.file();
        try {
            auto v = img.open(f);
            ++opened;
            std::set<std::string> seen;
            walk(v, "/", seen);
            for (const auto& p : seen)
                if (p.back() != '/') v.read(p.substr(2));
            (void)v.label();
        } catch (const Error& e) {
            EXPECT_TRUE(e.code() == Exit::data || e.code() == Exit::no_input) << e.what();
        }
    }
    EXPECT_GT(opened, 50);
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(30));
}
