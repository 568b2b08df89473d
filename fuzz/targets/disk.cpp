// Disks: sector 0 and GRUB's core.img (mbr.cpp), partition tables through libblkid with
// bootsmith's GPT checks (disk_list.cpp, partition_table.cpp), the FAT reader (fat.cpp).
#include "../fuzz.hpp"
#include "bootsmith/disk/disk_list.hpp"
#include "bootsmith/disk/fat.hpp"
#include "bootsmith/disk/mbr.hpp"
#include "bootsmith/disk/partition_table.hpp"
#include "bootsmith/sys/root.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <system_error>

namespace bootsmith::fuzz {

namespace {

namespace fs = std::filesystem;

/// A root directory made once per process (in /dev/shm when there is one: every input is
/// written to a file there), removed at exit.
class TempRoot {
public:
    TempRoot() {
        const char* tmp = std::getenv("TMPDIR");
        std::string base = fs::is_directory("/dev/shm") ? "/dev/shm" : (tmp != nullptr ? tmp : "/tmp");
        std::string templ = base + "/bootsmith-fuzz-XXXXXX";
        if (::mkdtemp(templ.data()) == nullptr) throw std::system_error(errno, std::generic_category(), "mkdtemp");
        dir_ = templ;
        fs::create_directories(dir_ / "dev");
    }
    ~TempRoot() {
        std::error_code ec;
        fs::remove_all(dir_, ec);
    }
    TempRoot(const TempRoot&) = delete;
    TempRoot& operator=(const TempRoot&) = delete;
    const fs::path& dir() const { return dir_; }

private:
    fs::path dir_;
};

/// Writes `in` over `fd` (truncated to its size first).
void put(int fd, Input in) {
    if (::ftruncate(fd, 0) != 0) throw std::system_error(errno, std::generic_category(), "ftruncate");
    std::size_t done = 0;
    while (done < in.size()) {
        ssize_t n = ::pwrite(fd, in.data() + done, in.size() - done, static_cast<off_t>(done));
        if (n <= 0) throw std::system_error(errno, std::generic_category(), "pwrite");
        done += static_cast<std::size_t>(n);
    }
}

} // namespace

void mbr(Input in) {
    std::string_view image = as_text(in);
    const std::uint64_t sectors = image.size() / 512;
    disk::Mbr m = disk::parse_mbr(image, sectors);
    (void)m.first_partition_start();
    for (const auto& e : m.entries)
        (void)e.end();
    disk::BootCode code = disk::identify_boot_code(image);
    check(!code.id.empty(), "identify_boot_code names what it found");
    disk::SectorReader read = [&](std::uint64_t lba, std::size_t count) -> std::string {
        if (lba == 7) throw Error(Exit::io, "disk.img: sector 7: Input/output error");
        if (lba >= sectors) return {};
        std::uint64_t n = std::min<std::uint64_t>(count, sectors - lba);
        return std::string(image.substr(lba * 512, n * 512));
    };
    // As an msdos disk, and as a GPT disk with a BIOS boot partition and a Linux one.
    (void)disk::check_grub_core(code, m, {}, read, sectors);
    std::vector<disk::GptPartition> gpt = {{34, 2014, std::string(disk::kBiosBootGuid)},
                                           {2048, 4096, "0FC63DAF-8483-4772-8E79-3D69D8477DE4"}};
    (void)disk::check_grub_core(code, m, gpt, read, 0);
}

void disk(Input in) {
    static TempRoot root_dir;
    const fs::path image = root_dir.dir() / "dev" / "sda";
    {
        int fd = ::open(image.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
        if (fd < 0) throw std::system_error(errno, std::generic_category(), "open");
        put(fd, in);
        ::close(fd);
    }
    sys::Root root(root_dir.dir());
    check(disk::disk_devices(root) == std::vector<std::string> {"/dev/sda"}, "the image is the root's disk");
    disk::DiskInfo d = disk::inspect_disk(root, "/dev/sda");
    check(d.bytes == in.size(), "the disk's size");
    for (const auto& p : d.partitions)
        (void)disk::partition_type_name(p.type);
    refusal_ok([&] {
        disk::PartitionTable t = disk::read_partition_table(root, "/dev/sda");
        (void)t.find(1);
    });
}

void fat(Input in) {
    static const int fd = ::memfd_create("bootsmith-fuzz-fat", MFD_CLOEXEC);
    if (fd < 0) throw std::system_error(errno, std::generic_category(), "memfd_create");
    put(fd, in);
    // The image is the input padded with zeros to the size its boot sector declares (at most
    // 64 MiB): a seed can be the head of a FAT16 or FAT32 image whose tail is empty.
    if (in.size() >= 0x24) {
        auto le = [&](std::size_t at, int n) {
            std::uint64_t v = 0;
            for (int i = n - 1; i >= 0; --i)
                v = v << 8 | in[at + static_cast<std::size_t>(i)];
            return v;
        };
        const std::uint64_t total = le(0x13, 2) != 0 ? le(0x13, 2) : le(0x20, 4);
        const std::uint64_t declared = std::min<std::uint64_t>(total * le(0x0B, 2), 64u << 20);
        if (declared > in.size() && ::ftruncate(fd, static_cast<off_t>(declared)) != 0)
            throw std::system_error(errno, std::generic_category(), "ftruncate");
    }
    // A ReadFile closes its descriptor: give it a copy.
    sys::ReadFile file(::dup(fd), "disk.img");
    disk::FatVolume v = disk::FatVolume::open(file, 0, file.size(), "disk.img");
    (void)disk::fat_type_name(v.type());
    (void)v.uuid();
    refusal_ok([&] { (void)v.label(); });
    // Every directory (breadth first, at most 16 of them) listed, and in each the first 4 entries
    // looked up and the first 8 files read (at most 64 KiB each): a lookup walks the path from
    // the root directory, so doing it for every entry makes a directory of many entries quadratic.
    std::vector<std::string> dirs = {"/"};
    for (std::size_t i = 0; i < dirs.size() && i < 16; ++i) {
        std::vector<disk::FatDirEntry> entries;
        try {
            entries = v.list(dirs[i]);
        } catch (const Error&) {
            continue;
        }
        std::size_t looked_up = 0, read = 0;
        for (const auto& e : entries) {
            if (e.name.empty() || e.name.find_first_of("/\\") != std::string::npos) continue;
            std::string path = (dirs[i] == "/" ? "" : dirs[i]) + "/" + e.name;
            if (looked_up++ < 4) refusal_ok([&] { (void)v.stat(path); });
            if (e.directory)
                dirs.push_back(path);
            else if (read++ < 8)
                refusal_ok([&] { (void)v.read(path, 64u << 10); });
        }
    }
    refusal_ok([&] { (void)v.stat("/EFI/BOOT/BOOTX64.EFI"); });
}

} // namespace bootsmith::fuzz
