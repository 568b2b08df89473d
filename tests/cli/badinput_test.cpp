// The bad input suite (issue 7, point 3): one row per malformed input — truncated,
// oversized, wrong magic, invalid UTF-8/UCS-2, unbalanced quotes, NUL bytes, 0-byte files,
// directories where files should be, permission denied, symlink loops — in every format
// bootsmith reads. Each row is made in a fresh copy of a fixture root and run through the
// CLI by the commands that read that file (read commands and mutating ones). A refusal must
// be its exit code and one line naming the file; in every case the root must be
// byte-identical afterwards (no backup directory, no temporary file, nothing written).
// Inputs bootsmith legitimately accepts (a finding, a warning) assert that behaviour.
#include "testutil.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <functional>
#include <iostream>
#include <map>
#include <sstream>
#include <stdexcept>

using bootsmith::test::RunResult;
using bootsmith::test::TempDir;
namespace fs = std::filesystem;

namespace {

const std::string kVars = "sys/firmware/efi/efivars/";
const std::string kGuid = "-8be4df61-93ca-11d2-aa0d-00e098032b8c";
const std::string kMid = "4a1f9c3e7b2d4e6f8a0b1c2d3e4f5a6b";
const std::string kRescue = "boot/loader/entries/" + kMid + "-0-rescue.conf";

std::string var(const std::string& name) {
    return kVars + name + kGuid;
}

// ---------------------------------------------------------------------------------------
// The root: a copy of a fixture root. Disk images (dev/) are copied only for the rows that
// read them, and then hole by hole (they are 64 MiB sparse files).

void sparse_copy(const fs::path& from, const fs::path& to) {
    int in = ::open(from.c_str(), O_RDONLY | O_CLOEXEC);
    int out = ::open(to.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (in < 0 || out < 0) throw std::runtime_error("cannot copy " + from.string());
    struct stat st {};
    ::fstat(in, &st);
    std::string buf(1 << 16, '\0');
    for (off_t pos = 0; pos < st.st_size;) {
        off_t data = ::lseek(in, pos, SEEK_DATA);
        if (data < 0) break;
        off_t hole = ::lseek(in, data, SEEK_HOLE);
        for (off_t at = data; at < hole;) {
            ssize_t n = ::pread(in, buf.data(), std::min<off_t>(hole - at, static_cast<off_t>(buf.size())), at);
            if (n <= 0) break;
            if (::pwrite(out, buf.data(), static_cast<std::size_t>(n), at) != n)
                throw std::runtime_error("short write");
            at += n;
        }
        pos = hole;
    }
    if (::ftruncate(out, st.st_size) != 0) throw std::runtime_error("ftruncate");
    ::close(in);
    ::close(out);
}

void copy_root(const fs::path& from, const fs::path& to, bool disks) {
    fs::create_directories(to);
    for (const auto& e : fs::directory_iterator(from)) {
        fs::path dst = to / e.path().filename();
        if (e.path().filename() == "dev") {
            fs::create_directories(dst);
            if (disks)
                for (const auto& d : fs::directory_iterator(e.path()))
                    sparse_copy(d.path(), dst / d.path().filename());
            continue;
        }
        fs::copy(e.path(), dst, fs::copy_options::recursive | fs::copy_options::copy_symlinks);
    }
}

/// path → "mode uid:gid type size hash": equal iff nothing changed (bytes, modes, links).
std::map<std::string, std::string> fingerprint(const fs::path& dir) {
    std::map<std::string, std::string> out;
    for (auto it = fs::recursive_directory_iterator(dir); it != fs::recursive_directory_iterator(); ++it) {
        struct stat st {};
        ::lstat(it->path().c_str(), &st);
        std::string d = std::to_string(st.st_mode) + " " + std::to_string(st.st_uid) + ":" + std::to_string(st.st_gid) +
                        " " + std::to_string(st.st_size);
        if (S_ISLNK(st.st_mode)) {
            d += " -> " + fs::read_symlink(it->path()).string();
        } else if (S_ISREG(st.st_mode)) {
            std::uint64_t h = 1469598103934665603ULL; // FNV-1a
            int fd = ::open(it->path().c_str(), O_RDONLY | O_CLOEXEC);
            if (fd >= 0) {
                char buf[1 << 16];
                for (ssize_t n; (n = ::read(fd, buf, sizeof buf)) > 0;)
                    for (ssize_t i = 0; i < n; ++i)
                        h = (h ^ static_cast<unsigned char>(buf[i])) * 1099511628211ULL;
                ::close(fd);
            } else {
                d += " unreadable";
            }
            d += " " + std::to_string(h);
        } else if (S_ISDIR(st.st_mode) && (st.st_mode & 0500) != 0500) {
            it.disable_recursion_pending();
        }
        out[it->path().lexically_relative(dir).string()] = d;
    }
    return out;
}

// ---------------------------------------------------------------------------------------
// How inputs are made.

using Make = std::function<void(const fs::path& root)>;

void put(const fs::path& root, const std::string& rel, const std::string& bytes) {
    fs::remove(root / rel);
    bootsmith::test::write_file(root / rel, bytes);
}
Make content(const std::string& rel, const std::string& bytes) {
    return [=](const fs::path& root) { put(root, rel, bytes); };
}
Make append(const std::string& rel, const std::string& bytes) {
    return [=](const fs::path& root) { put(root, rel, bootsmith::test::read_file(root / rel) + bytes); };
}
Make truncate_to(const std::string& rel, off_t size) {
    return [=](const fs::path& root) {
        if (::truncate((root / rel).c_str(), size) != 0) throw std::runtime_error("truncate " + rel);
    };
}
Make keep_first(const std::string& rel, std::size_t n) {
    return [=](const fs::path& root) { put(root, rel, bootsmith::test::read_file(root / rel).substr(0, n)); };
}
Make directory(const std::string& rel) {
    return [=](const fs::path& root) {
        fs::remove_all(root / rel);
        fs::create_directories(root / rel);
    };
}
Make symlink_loop(const std::string& rel) {
    return [=](const fs::path& root) {
        fs::remove_all(root / rel);
        fs::create_symlink(fs::path(rel).filename(), root / rel); // names itself
    };
}
Make symlink_to(const std::string& rel, const std::string& target) {
    return [=](const fs::path& root) {
        fs::remove_all(root / rel);
        fs::create_symlink(target, root / rel);
    };
}
Make fifo(const std::string& rel) {
    return [=](const fs::path& root) {
        fs::remove_all(root / rel);
        ::mkfifo((root / rel).c_str(), 0644);
    };
}
/// Unreadable for the unprivileged user the row runs as.
Make no_access(const std::string& rel) {
    return [=](const fs::path& root) { ::chmod((root / rel).c_str(), 0); };
}
/// An efivarfs file: attributes (NV+BS+RT) then `data`.
Make efivar(const std::string& name, const std::string& data) {
    return content(var(name), std::string("\x07\0\0\0", 4) + data);
}
std::string bytes(std::initializer_list<int> b) {
    std::string s;
    for (int c : b)
        s += static_cast<char>(c);
    return s;
}
Make both(Make a, Make b) {
    return [=](const fs::path& root) {
        a(root);
        b(root);
    };
}

/// A grubenv block: header, `vars`, '#' padding to `size`.
std::string grubenv(const std::string& vars, std::size_t size = 1024) {
    std::string s = "# GRUB Environment Block\n"
                    "# WARNING: Do not edit this file by tools other than grub-editenv!!!\n" +
                    vars;
    s.resize(std::max(size, s.size()), '#');
    return s;
}

/// The FAT32 ESP of debian12-uefi's dev/sda (partition 1 at sector 2048) with the root
/// directory's cluster chained to itself.
void fat_cluster_loop(const fs::path& root) {
    int fd = ::open((root / "dev/sda").c_str(), O_RDWR | O_CLOEXEC);
    const off_t part = 2048 * 512;
    unsigned char bpb[512];
    if (fd < 0 || ::pread(fd, bpb, sizeof bpb, part) != 512) throw std::runtime_error("read ESP");
    std::uint32_t reserved = bpb[14] | bpb[15] << 8;
    std::uint32_t root_cluster = bpb[44] | bpb[45] << 8 | bpb[46] << 16 | static_cast<std::uint32_t>(bpb[47]) << 24;
    unsigned char entry[4] = {static_cast<unsigned char>(root_cluster), static_cast<unsigned char>(root_cluster >> 8),
                              static_cast<unsigned char>(root_cluster >> 16),
                              static_cast<unsigned char>(root_cluster >> 24)};
    ::pwrite(fd, entry, 4, part + reserved * 512 + root_cluster * 4);
    ::close(fd);
}

/// Both GPT headers of dev/sda with their CRC broken (one byte of each header's CRC field).
void gpt_bad_crc(const fs::path& root) {
    int fd = ::open((root / "dev/sda").c_str(), O_RDWR | O_CLOEXEC);
    struct stat st {};
    ::fstat(fd, &st);
    for (off_t header : {off_t(512), st.st_size - 512}) {
        unsigned char c = 0;
        ::pread(fd, &c, 1, header + 16);
        c ^= 0xff;
        ::pwrite(fd, &c, 1, header + 16);
    }
    ::close(fd);
}

// ---------------------------------------------------------------------------------------
// The table.

struct Check {
    std::vector<std::string> args;
    int code;
    std::string text;  ///< must appear in stderr (refusals) or stdout+stderr (accepted)
    std::string names; ///< the file (root-relative) or variable the one-line error must name
};

struct Row {
    std::string format;
    std::string name;
    std::string fixture;
    Make make;
    std::vector<Check> checks;
    bool disks = false;        ///< the row needs dev/ (disk images)
    bool unprivileged = false; ///< run as uid/gid 65534 (permission denied is void for root)
    std::string why = {};      ///< for accepted inputs: why accepting is right
};

const std::vector<std::string> kCreate = {"boot", "create",   "--disk",       "/dev/sda", "--part",
                                          "1",    "--loader", "\\EFI\\x.efi", "--label",  "x"};

std::vector<Row> rows() {
    const std::string D = "debian12-uefi", F = "fedora-bls-uefi";
    const std::string env = "boot/grub/grubenv", dg = "etc/default/grub", cfg = "boot/grub/grub.cfg";
    const std::string mi = "proc/self/mountinfo", osr = "etc/os-release", cl = "proc/cmdline";
    const std::string k10 = "boot/vmlinuz-6.1.0-10-amd64";
    const std::vector<std::string> order = {"boot", "order", "0001,0000"};
    const std::vector<std::string> rename = {"boot", "rename", "0001", "x"};
    const std::vector<std::string> list = {"boot", "list", "-v"};
    const std::string corrupt = "Boot0001: corrupt load option";
    // A load option: attributes 1, FilePathListLength, description "A", then `rest`.
    auto option = [](int fpl, const std::string& rest) {
        return bytes({1, 0, 0, 0, fpl & 0xff, fpl >> 8, 'A', 0, 0, 0}) + rest;
    };
    const std::string end = bytes({0x7f, 0xff, 4, 0});
    const std::vector<std::string> env_list = {"grub", "env", "list"}, env_set = {"grub", "env", "set", "a=1"};
    const std::vector<std::string> cfg_list = {"grub", "config", "list"},
                                   cfg_set = {"grub", "config", "set", "GRUB_TIMEOUT", "3"};
    const std::vector<std::string> menu = {"grub", "menu"}, klist = {"kernel", "list"};
    const std::vector<std::string> kargs = {"kernel", "args", "--kernel", "ALL", "--add", "foo=1"};
    const std::vector<std::string> kadd = {"kernel", "add", "--kernel", "/boot/vmlinuz-9.9"};
    return {
        // ---- EFI variables (efivarfs files) -----------------------------------------------
        {"efivars",
         "BootOrder odd length (3 bytes)",
         D,
         efivar("BootOrder", bytes({0, 0, 1})),
         {{list, 0, "BootOrder: 3 bytes, an odd length: the last byte is ignored", ""},
          {{"status"}, 0, "BootOrder: 3 bytes, an odd length", ""}},
         false,
         false,
         "a finding: the firmware reads whole UINT16s too"},
        {"efivars",
         "BootOrder 0-byte file (no attributes)",
         D,
         content(var("BootOrder"), ""),
         {{order, 65, "0 bytes, shorter than the 4-byte attribute header", var("BootOrder")},
          {list, 0, "BootOrder", ""}}},
        {"efivars",
         "BootOrder attributes truncated (2 bytes)",
         D,
         content(var("BootOrder"), bytes({7, 0})),
         {{order, 65, "2 bytes, shorter than the 4-byte attribute header", var("BootOrder")},
          {kCreate, 65, "shorter than the 4-byte attribute header", var("BootOrder")}},
         true},
        {"efivars",
         "BootOrder is a directory",
         D,
         directory(var("BootOrder")),
         {{order, 65, "not a regular file; nothing written", var("BootOrder")},
          {{"efibootmgr", "-b", "0002", "-B"}, 65, "not a regular file; nothing written", var("BootOrder")},
          {list, 0, "problem: BootOrder" + kGuid + ": not a regular file", ""}}},
        {"efivars",
         "BootOrder symlink loop",
         D,
         symlink_loop(var("BootOrder")),
         {{order, 65, "too many levels of symbolic links", var("BootOrder")},
          {{"boot", "delete", "0002"}, 65, "too many levels of symbolic links", var("BootOrder")},
          {{"efibootmgr", "-o", "0001,0002"}, 65, "too many levels of symbolic links", var("BootOrder")}}},
        {"efivars",
         "BootOrder symlink out of the root",
         D,
         symlink_to(var("BootOrder"), "../../../../../../.."),
         {{order, 77, "path leaves the root", var("BootOrder")}}},
        {"efivars",
         "Boot0001 truncated load option (inside the description)",
         D,
         keep_first(var("Boot0001"), 4 + 14),
         {{rename, 65, corrupt, "Boot0001"},
          {{"boot", "set-data", "0001", "--clear"}, 65, corrupt, "Boot0001"},
          {{"boot", "show", "0001"}, 0, "<corrupt: ", ""}},
         false,
         false,
         "listed as corrupt, never fatal to a listing (README: boot)"},
        {"efivars",
         "Boot0001 attributes and FilePathListLength only",
         D,
         efivar("Boot0001", bytes({1, 0, 0, 0, 4})),
         {{rename, 65, corrupt, "Boot0001"}, {list, 0, "Boot0001  <corrupt: ", ""}}},
        {"efivars",
         "Boot0001 UCS-2 description without terminator",
         D,
         efivar("Boot0001", bytes({1, 0, 0, 0, 4, 0, 'A', 0, 'B', 0})),
         {{rename, 65, "description has no terminating NUL", "Boot0001"},
          {{"boot", "disable", "0001"}, 65, corrupt, "Boot0001"}}},
        {"efivars",
         "Boot0001 UCS-2 description with an unpaired surrogate",
         D,
         efivar("Boot0001", bytes({1, 0, 0, 0, 4, 0, 0x00, 0xd8, 0, 0}) + end),
         {{{"boot", "list", "--json"}, 0, "\"description\"", ""}},
         false,
         false,
         "firmware shows such names too; JSON stays valid"},
        {"efivars",
         "Boot0001 device path node of length 0",
         D,
         efivar("Boot0001", option(8, bytes({4, 4, 0, 0}) + end)),
         {{rename, 65, corrupt, "Boot0001"}, {list, 0, "Boot0001  <corrupt: ", ""}}},
        {"efivars",
         "Boot0001 device path node longer than the list",
         D,
         efivar("Boot0001", option(8, bytes({4, 4, 0x40, 0}) + end)),
         {{rename, 65, corrupt, "Boot0001"}, {{"boot", "enable", "0001"}, 65, corrupt, "Boot0001"}}},
        {"efivars",
         "Boot0001 FilePathListLength beyond the data",
         D,
         efivar("Boot0001", option(0xff, end)),
         {{rename, 65, corrupt, "Boot0001"}, {list, 0, "Boot0001  <corrupt: ", ""}}},
        {"efivars",
         "Boot0001 device path without an end node",
         D,
         efivar("Boot0001", option(6, bytes({4, 4, 6, 0, 'A', 0}))),
         {{rename, 65, corrupt, "Boot0001"}, {list, 0, "Boot0001  <corrupt: ", ""}}},
        {"efivars",
         "Boot0001 0-byte file",
         D,
         content(var("Boot0001"), ""),
         {{rename, 65, "0 bytes, shorter than the 4-byte attribute header", "Boot0001"},
          {list, 0, "Boot0001  <corrupt: ", ""}}},
        {"efivars",
         "Boot0001 is a directory",
         D,
         directory(var("Boot0001")),
         {{list, 0, "problem: Boot0001" + kGuid + ": not a regular file", ""},
          {rename, 66, "Boot0001: no such boot entry", "Boot0001"}}},
        {"efivars",
         "Boot0001 symlink loop",
         D,
         symlink_loop(var("Boot0001")),
         {{rename, 65, "too many levels of symbolic links", var("Boot0001")}, {list, 0, "Boot0001  <corrupt: ", ""}}},
        {"efivars",
         "Boot0001 oversized (1 MiB)",
         D,
         efivar("Boot0001", std::string(1 << 20, 'A')),
         {{rename, 65, "", "Boot0001"}, {list, 0, "Boot0001", ""}}},
        {"efivars",
         "BootNext 1 byte",
         D,
         efivar("BootNext", bytes({5})),
         {{list, 0, "problem: BootNext: 1 bytes, expected 2", ""}, {{"status"}, 0, "BootNext: 1 bytes", ""}},
         false,
         false,
         "a finding; `boot next N` replaces the whole variable"},
        {"efivars",
         "BootNext 0-byte file",
         D,
         content(var("BootNext"), ""),
         {{{"boot", "next", "0001"}, 65, "shorter than the 4-byte attribute header", var("BootNext")},
          {{"boot", "delete", "0002"}, 65, "shorter than the 4-byte attribute header", var("BootNext")}}},
        {"efivars",
         "Timeout 1 byte",
         D,
         efivar("Timeout", bytes({5})),
         {{list, 0, "problem: Timeout: 1 bytes, expected 2", ""}}},
        {"efivars",
         "Timeout 4 bytes",
         D,
         efivar("Timeout", bytes({5, 0, 0, 0})),
         {{list, 0, "problem: Timeout: 4 bytes, expected 2", ""}}},
        {"efivars",
         "Timeout is a directory",
         D,
         directory(var("Timeout")),
         {{{"boot", "timeout", "3"}, 65, "not a regular file; nothing written", var("Timeout")},
          {{"efibootmgr", "-t", "3"}, 65, "not a regular file; nothing written", var("Timeout")}}},
        {"efivars",
         "BootCurrent 1 byte",
         D,
         efivar("BootCurrent", bytes({0})),
         {{list, 0, "BootCurrent: 1 bytes", ""}}},
        {"efivars",
         "BootOrder unreadable (permission denied)",
         D,
         no_access(var("BootOrder")),
         {{list, 0, "ermission denied", ""}, {{"boot", "delete", "0002"}, 77, "ermission denied", var("BootOrder")}},
         false,
         true,
         "listed as a problem; changes refuse"},

        // ---- grubenv ------------------------------------------------------------------
        {"grubenv",
         "0-byte file",
         D,
         content(env, ""),
         {{env_list, 65, "invalid environment block (empty file", env},
          {env_set, 65, "invalid environment block", env}}},
        {"grubenv",
         "wrong magic",
         D,
         content(env, grubenv("saved_entry=0\n").replace(16, 5, "Blocx")),
         {{env_list, 65, "no '# GRUB Environment Block' signature", env},
          {{"grub", "default", "0"}, 65, "invalid environment block", env},
          {{"grub", "next", "0"}, 65, "invalid environment block", env}}},
        {"grubenv",
         "truncated inside the header (20 bytes)",
         D,
         keep_first(env, 20),
         {{env_list, 65, "invalid environment block", env}, {env_set, 65, "invalid environment block", env}}},
        {"grubenv",
         "truncated block (512 bytes)",
         D,
         keep_first(env, 512),
         {{env_list, 0, "the block is 512 bytes, not 1024", ""}},
         false,
         false,
         "GRUB and grub-editenv read and keep any size: a warning"},
        {"grubenv",
         "oversized block (2048 bytes)",
         D,
         content(env, grubenv("a=1\n", 2048)),
         {{env_list, 0, "the block is 2048 bytes, not 1024", ""}},
         false,
         false,
         "GRUB and grub-editenv read and keep any size: a warning"},
        {"grubenv", "oversized file (2 MiB)", D, truncate_to(env, 2 << 20), {{env_list, 65, "", env}}},
        {"grubenv",
         "NUL byte in a variable",
         D,
         content(env, grubenv(std::string("a=x\0y\nb=2\n", 10))),
         {{{"grub", "env", "get", "b"}, 0, "2", ""}},
         false,
         false,
         "GRUB reads the block as bytes"},
        {"grubenv",
         "invalid UTF-8 in a value",
         D,
         content(env, grubenv("a=\xff\xfe\n")),
         {{{"grub", "env", "list", "--json"}, 0, "\"value_hex\": \"fffe\"", ""},
          {{"grub", "env", "get", "a", "--json"}, 0, "\"value_hex\": \"fffe\"", ""}},
         false,
         false,
         "GRUB values are bytes; JSON gives them as hex"},
        {"grubenv",
         "line without '='",
         D,
         content(env, grubenv("noequals\nb=2\n")),
         {{env_list, 0, "has no '='", ""}},
         false,
         false,
         "GRUB ignores it: a warning"},
        {"grubenv",
         "is a directory",
         D,
         directory(env),
         {{env_list, 65, "is a directory, expected a file", env}, {env_set, 65, "is a directory", env}}},
        {"grubenv",
         "symlink loop",
         D,
         symlink_loop(env),
         {{env_list, 65, "too many levels of symbolic links", env},
          {{"grub", "next", "0"}, 65, "too many levels of symbolic links", env}}},
        {"grubenv",
         "FIFO",
         D,
         fifo(env),
         {{env_list, 65, "is not a regular file", env}, {env_set, 65, "is not a regular file", env}}},
        {"grubenv",
         "unreadable (permission denied)",
         D,
         no_access(env),
         {{env_list, 77, "ermission denied", env}},
         false,
         true},

        // ---- /etc/default/grub -------------------------------------------------------
        {"default-grub",
         "unbalanced double quote",
         D,
         append(dg, "GRUB_X=\"5\n"),
         {{cfg_list, 65, "unterminated double quote", dg}, {cfg_set, 65, "unterminated double quote", dg}}},
        {"default-grub",
         "unbalanced single quote",
         D,
         append(dg, "GRUB_X='5\n"),
         {{{"grub", "cmdline", "add", "quiet"}, 65, "unterminated single quote", dg},
          {{"grub", "cmdline"}, 65, "unterminated single quote", dg}}},
        {"default-grub",
         "NUL byte",
         D,
         append(dg, std::string("GRUB_X=a\0b\n", 11)),
         {{cfg_list, 65, "NUL byte in a shell file", dg}, {cfg_set, 65, "NUL byte", dg}}},
        {"default-grub",
         "unterminated $(",
         D,
         append(dg, "GRUB_X=$(echo\n"),
         {{cfg_list, 65, "unterminated command substitution", dg},
          {{"grub", "config", "unset", "GRUB_TIMEOUT"}, 65, "unterminated command substitution", dg}}},
        {"default-grub",
         "unterminated backtick",
         D,
         append(dg, "GRUB_X=`echo\n"),
         {{cfg_set, 65, "unterminated command substitution", dg}}},
        {"default-grub",
         "is a directory",
         D,
         directory(dg),
         {{cfg_list, 65, "is a directory, expected a file", dg},
          {{"grub", "cmdline", "add", "quiet"}, 65, "is a directory", dg}}},
        {"default-grub",
         "symlink loop",
         D,
         symlink_loop(dg),
         {{{"grub", "config", "get", "GRUB_TIMEOUT"}, 65, "too many levels of symbolic links", dg},
          {cfg_set, 65, "too many levels of symbolic links", dg}}},
        {"default-grub",
         "oversized (1 MiB + 1)",
         D,
         truncate_to(dg, (1 << 20) + 1),
         {{cfg_list, 65, "file too large", dg}, {cfg_set, 65, "file too large", dg}}},
        {"default-grub",
         "drop-in with an unbalanced quote",
         D,
         content(dg + ".d/x.cfg", "GRUB_TIMEOUT=\"\n"),
         {{cfg_set, 65, "unterminated double quote", dg + ".d/x.cfg"},
          {cfg_list, 65, "unterminated double quote", dg + ".d/x.cfg"}}},
        {"default-grub",
         "unbalanced quote, reached by kernel args ALL",
         D,
         append(dg, "GRUB_X=\"5\n"),
         {{kargs, 65, "unterminated double quote", dg}}},
        {"default-grub",
         "invalid UTF-8",
         D,
         append(dg, "GRUB_X=\xff\xfe\n"),
         {{{"grub", "config", "get", "GRUB_TIMEOUT"}, 0, "5", ""}},
         false,
         false,
         "sh reads bytes: the value is kept, never re-encoded"},
        {"default-grub",
         "unreadable (permission denied)",
         D,
         no_access(dg),
         {{cfg_list, 77, "ermission denied", dg}},
         false,
         true},

        // ---- grub.cfg ------------------------------------------------------------------
        {"grub.cfg",
         "is a directory",
         D,
         directory(cfg),
         {{menu, 65, "is a directory, expected a file", cfg},
          {{"grub", "default", "0"}, 65, "is a directory", cfg},
          {{"grub", "next", "0"}, 65, "is a directory", cfg}}},
        {"grub.cfg",
         "symlink loop",
         D,
         symlink_loop(cfg),
         {{menu, 65, "too many levels of symbolic links", cfg},
          {{"grub", "default", "0"}, 65, "too many levels", cfg}}},
        {"grub.cfg",
         "oversized (20 MiB)",
         D,
         truncate_to(cfg, 20 << 20),
         {{menu, 65, "file too large", cfg}, {{"grub", "next", "0"}, 65, "file too large", cfg}}},
        {"grub.cfg",
         "unbalanced quote",
         D,
         append(cfg, "menuentry \"x {\n"),
         {{menu, 0, "unterminated double quote: the file ends inside it", ""}},
         false,
         false,
         "GRUB still reads the entries before it: a diagnostic, never a stop (README: grub)"},
        {"grub.cfg",
         "unclosed menuentry brace",
         D,
         append(cfg, "menuentry \"x\" {\n"),
         {{menu, 0, "is not closed before the end of the file", ""}},
         false,
         false,
         "a diagnostic"},
        {"grub.cfg",
         "NUL byte",
         D,
         append(cfg, std::string("menuentry \"a\0b\" {\n}\n", 20)),
         {{menu, 0, "Debian GNU/Linux", ""}},
         false,
         false,
         "a diagnostic; the menu before it stands"},
        {"grub.cfg", "0-byte file", D, content(cfg, ""), {{{"grub", "default", "0"}, 1, "matches no entry", cfg}}},
        {"grub.cfg",
         "unreadable (permission denied)",
         D,
         no_access(cfg),
         {{menu, 77, "ermission denied", cfg}},
         false,
         true},

        // ---- BLS entries (fedora-bls-uefi) ----------------------------------------------------
        {"bls",
         "0-byte entry",
         F,
         content(kRescue, ""),
         {{klist, 0, "no `linux`, `efi` or `uki` key: not bootable", ""}},
         false,
         false,
         "GRUB's blscfg skips it: a warning"},
        {"bls",
         "NUL byte",
         F,
         append(kRescue, std::string("title a\0b\n", 10)),
         {{klist, 0, "NUL byte: readers written in C see the line end there", ""}},
         false,
         false,
         "a warning"},
        {"bls",
         "invalid UTF-8",
         F,
         append(kRescue, "title a\xff\n"),
         {{klist, 0, "not valid UTF-8", ""}},
         false,
         false,
         "a warning"},
        {"bls",
         "entry is a directory",
         F,
         directory(kRescue),
         {{klist, 0, "is a directory, expected a file", ""}, {{"grubby", "--info=ALL"}, 0, "index=0", ""}},
         false,
         false,
         "one unreadable entry is a warning, the others are listed"},
        {"bls",
         "entry symlink loop",
         F,
         symlink_loop(kRescue),
         {{klist, 0, "too many levels of symbolic links", ""}},
         false,
         false,
         "a warning"},
        {"bls",
         "oversized entry (2 MiB)",
         F,
         truncate_to(kRescue, 2 << 20),
         {{klist, 0, "file too large", ""}},
         false,
         false,
         "a warning"},
        {"bls",
         "entry unreadable (permission denied)",
         F,
         no_access(kRescue),
         {{klist, 0, "ermission denied", ""}},
         false,
         true,
         "a warning"},

        // ---- kernel files ----------------------------------------------------------------
        {"kernel",
         "installed kernel is a symlink loop",
         D,
         symlink_loop(k10),
         {{klist, 65, "too many levels of symbolic links", k10},
          {kargs, 65, "too many levels of symbolic links", k10},
          {{"kernel", "default"}, 65, "too many levels of symbolic links", k10}}},
        {"kernel",
         "kernel add: 0-byte image",
         D,
         content("boot/vmlinuz-9.9", ""),
         {{kadd, 65, "0 bytes, not a kernel image", "boot/vmlinuz-9.9"}}},
        {"kernel",
         "kernel add: image is a directory",
         F,
         directory("boot/vmlinuz-9.9"),
         {{kadd, 65, "not a regular file, expected a kernel image", "boot/vmlinuz-9.9"}}},
        {"kernel",
         "kernel add: image is a symlink loop",
         D,
         symlink_loop("boot/vmlinuz-9.9"),
         {{kadd, 65, "too many levels of symbolic links", "boot/vmlinuz-9.9"}}},
        {"kernel",
         "kernel add: image links out of the root",
         D,
         symlink_to("boot/vmlinuz-9.9", "../../../../../../../etc/passwd"),
         {{kadd, 77, "path leaves the root", "boot/vmlinuz-9.9"}}},
        {"kernel",
         "kernel add: initrd is a directory",
         D,
         both(content("boot/vmlinuz-9.9", "kernel"), directory("boot/initrd.img-9.9")),
         {{{"kernel", "add", "--kernel", "/boot/vmlinuz-9.9", "--initrd", "/boot/initrd.img-9.9"},
           66,
           "no such initrd",
           "boot/initrd.img-9.9"}}},

        // ---- disk images (dev/sda) ---------------------------------------------------------
        {"disk",
         "garbage (1 MiB of 0xA5)",
         D,
         content("dev/sda", std::string(1 << 20, '\xa5')),
         {{{"disk", "list"}, 0, "disk.no-table", ""}, {kCreate, 65, "no partition table found", "dev/sda"}},
         true,
         false,
         "disk list reports findings, never stops"},
        {"disk",
         "truncated (1000 bytes)",
         D,
         truncate_to("dev/sda", 1000),
         {{{"disk", "list"}, 0, "too small", ""}, {kCreate, 65, "too small to hold a partition table", "dev/sda"}},
         true},
        {"disk",
         "0 bytes",
         D,
         truncate_to("dev/sda", 0),
         {{{"disk", "list"}, 0, "disk.empty", ""}, {kCreate, 65, "too small to hold a partition table", "dev/sda"}},
         true},
        {"disk",
         "GPT with bad CRCs (both headers)",
         D,
         gpt_bad_crc,
         {{{"disk", "list"}, 0, "gpt.", ""}, {kCreate, 65, "no partition table found", "dev/sda"}},
         true},
        {"disk",
         "ESP (FAT32) with a cluster loop",
         D,
         fat_cluster_loop,
         {{{"disk", "list", "--json"}, 0, "\"vfat\"", ""}},
         true,
         false,
         "no command reads files from the image yet: the table and the file system type are still right"},
        {"disk",
         "is a directory",
         D,
         directory("dev/sda"),
         {{{"disk", "list"}, 0, "dev/sda: is a directory, not a block device or an image file", ""},
          {kCreate, 65, "is neither a regular file nor a block device", "dev/sda"}},
         true},
        {"disk",
         "symlink loop",
         D,
         symlink_loop("dev/sda"),
         {{{"disk", "list"}, 0, "dev/sda: too many levels of symbolic links", ""},
          {kCreate, 65, "too many levels of symbolic links", "dev/sda"}},
         true},
        {"disk",
         "symlink out of the root",
         D,
         symlink_to("dev/sda", "../../../../../../../../dev/zero"),
         {{kCreate, 77, "path leaves the root", "dev/sda"}},
         true},

        // ---- mountinfo ---------------------------------------------------------------------
        {"mountinfo",
         "garbage line",
         D,
         append(mi, "garbage line\n"),
         {{{"status"}, 0, "ESP:          /boot/efi", ""}},
         false,
         false,
         "lines that do not parse are skipped, as libmount does"},
        {"mountinfo",
         "truncated (100 bytes)",
         D,
         keep_first(mi, 100),
         {{{"status"}, 0, "Kernels:", ""}},
         false,
         false,
         "a cut line is skipped"},
        {"mountinfo",
         "NUL bytes",
         D,
         append(mi, std::string("\0\0\0", 3)),
         {{{"status"}, 0, "Kernels:", ""}},
         false,
         false,
         "skipped"},
        {"mountinfo",
         "is a directory",
         D,
         directory(mi),
         {{{"kernel", "list"}, 0, "Debian GNU/Linux", ""}},
         false,
         false,
         "mounts only refine where /boot and the ESP are"},

        // ---- os-release ------------------------------------------------------------------
        {"os-release",
         "unbalanced quote",
         D,
         content(osr, "NAME=\"Debian\n"),
         {{{"status"}, 0, "System:       unknown", ""}},
         false,
         false,
         "informational only"},
        {"os-release",
         "NUL byte",
         D,
         content(osr, std::string("NAME=a\0b\n", 9)),
         {{{"status", "--json"}, 0, "\"os\"", ""}},
         false,
         false,
         "informational only"},
        {"os-release",
         "is a directory",
         D,
         directory(osr),
         {{{"status"}, 0, "System:       unknown", ""}},
         false,
         false,
         "informational only"},

        // ---- /proc/cmdline ---------------------------------------------------------------------
        {"cmdline",
         "0-byte file",
         D,
         content(cl, ""),
         {{klist, 0, "Debian GNU/Linux [default]", ""}},
         false,
         false,
         "nothing is booted as far as bootsmith can tell"},
        {"cmdline",
         "NUL byte",
         D,
         content(cl, std::string("BOOT_IMAGE=/boot/vmlinuz-6.1.0-13-amd64\0 ro", 43)),
         {{klist, 0, "Debian GNU/Linux", ""}},
         false,
         false,
         "the kernel's own file never has one"},
        {"cmdline",
         "invalid UTF-8",
         D,
         content(cl, "BOOT_IMAGE=/boot/vm\xfflinuz ro\n"),
         {{{"kernel", "list", "--json"}, 0, "\"cmdline\"", ""}},
         false,
         false,
         "JSON stays valid"},
        {"cmdline",
         "is a directory",
         D,
         directory(cl),
         {{klist, 0, "is a directory, expected a file", ""},
          {{"kernel", "remove", "booted"}, 66, "no BOOT_IMAGE= in /proc/cmdline", ""}},
         false,
         false,
         "the booted kernel is unknown: a warning; naming it is refused"},
        {"cmdline",
         "oversized (5 MiB)",
         D,
         truncate_to(cl, 5 << 20),
         {{klist, 0, "file too large", ""}},
         false,
         false,
         "a warning"},
    };
}

bool have_setpriv() {
    return ::access("/usr/bin/setpriv", X_OK) == 0;
}

RunResult run_as_nobody(const std::vector<std::string>& args) {
    std::vector<std::string> a = {"--reuid=65534", "--regid=65534", "--clear-groups",
                                  bootsmith::test::binary().string()};
    a.insert(a.end(), args.begin(), args.end());
    return bootsmith::test::run(a, {}, "/usr/bin/setpriv");
}

} // namespace

TEST(BadInput, EveryMalformedInputIsRefusedOrReportedAndChangesNothing) {
    const bool root = ::geteuid() == 0;
    std::map<std::string, std::pair<int, int>> by_format; // tried, passed
    int tried = 0, passed = 0, skipped = 0, checks = 0;
    for (const auto& row : rows()) {
        if (row.unprivileged && root && !have_setpriv()) {
            std::cout << "skipped (root, and no setpriv to drop to uid 65534): " << row.format << ": " << row.name
                      << "\n";
            ++skipped;
            continue;
        }
        ++tried;
        ++by_format[row.format].first;
        bool ok = true;
        TempDir dir;
        const fs::path r = dir / "root";
        copy_root(bootsmith::test::fixtures() / row.fixture, r, row.disks);
        row.make(r);
        if (row.unprivileged) { // uid 65534 must reach the root, and the lock
            for (fs::path p = r; p != dir.path().parent_path(); p = p.parent_path())
                ::chmod(p.c_str(), 0755);
            fs::create_directories(r / "run/lock");
            ::chmod((r / "run").c_str(), 0777);
            ::chmod((r / "run/lock").c_str(), 0777);
        }
        const auto before = fingerprint(r);
        for (const auto& c : row.checks) {
            ++checks;
            std::vector<std::string> args = {"--root", r.string(), "--lock-timeout", "60"};
            args.insert(args.end(), c.args.begin(), c.args.end());
            RunResult res = row.unprivileged && root ? run_as_nobody(args) : bootsmith::test::run(args);
            std::string what = row.format + ": " + row.name + ": bootsmith " + [&] {
                std::string s;
                for (const auto& a : c.args)
                    s += a + " ";
                return s;
            }();
            std::string why;
            if (res.status != c.code)
                why += "exit " + std::to_string(res.status) + ", expected " + std::to_string(c.code) + "; ";
            if (c.code != 0) {
                // Warnings may come first; the error itself is one line.
                std::size_t errors = 0, others = 0;
                std::istringstream lines(res.err);
                for (std::string l; std::getline(lines, l);) {
                    if (l.rfind("bootsmith: error: ", 0) == 0 || l.rfind("grubby: ", 0) == 0 ||
                        l.rfind("efibootmgr: ", 0) == 0)
                        ++errors;
                    else if (l.rfind("bootsmith: warning: ", 0) != 0)
                        ++others;
                }
                if (errors != 1 || others != 0) why += "not a one-line error; ";
                if (!c.names.empty() && res.err.find(c.names) == std::string::npos)
                    why += "the error does not name " + c.names + "; ";
                if (res.err.find(c.text) == std::string::npos) why += "no '" + c.text + "' in stderr; ";
            } else if ((res.out + res.err).find(c.text) == std::string::npos) {
                why += "no '" + c.text + "' in the output; ";
            }
            if (std::find(c.args.begin(), c.args.end(), "--json") != c.args.end() && res.status == 0 &&
                !nlohmann::json::accept(res.out))
                why += "invalid JSON; ";
            if (auto diff = bootsmith::test::tree_diff(before, fingerprint(r)); !diff.empty())
                why += "the root changed:\n" + diff;
            if (!why.empty()) {
                ok = false;
                ADD_FAILURE() << what << "\n  " << why << "\n  stderr: " << res.err
                              << "  stdout: " << res.out.substr(0, 400);
            }
        }
        if (ok) {
            ++passed;
            ++by_format[row.format].second;
        }
    }
    for (const auto& [format, n] : by_format)
        std::cout << "  " << format << ": " << n.first << " tried, " << n.second << " passed\n";
    std::cout << "bad inputs: " << tried << " tried, " << passed << " passed (" << checks << " command runs"
              << (skipped ? ", " + std::to_string(skipped) + " skipped" : std::string()) << ")\n";
    EXPECT_GE(tried, 60);
    EXPECT_EQ(passed, tried);
}
