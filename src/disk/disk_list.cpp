// `disk list`: libblkid reads the partition table and the file systems; the few checks
// written by hand here are for what libblkid reads past without saying (notes/disk.md §1.6):
// it silently takes the backup GPT when the primary is damaged, drops GPT entries outside
// the usable area, and sees no GPT at all when the protective MBR is missing.
#include "bootsmith/disk/disk_list.hpp"

#include "bootsmith/disk/mbr.hpp" // mbr_type_name
#include "bootsmith/error.hpp"

#include <blkid/blkid.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstring>
#include <memory>

namespace bootsmith::disk {

namespace {

struct ProbeDeleter {
    void operator()(blkid_struct_probe* p) const { blkid_free_probe(p); }
};
using Probe = std::unique_ptr<blkid_struct_probe, ProbeDeleter>;

std::uint64_t le(const std::string& s, std::size_t off, int width) {
    std::uint64_t v = 0;
    for (int i = width - 1; i >= 0; --i)
        v = (v << 8) | static_cast<unsigned char>(s[off + static_cast<std::size_t>(i)]);
    return v;
}

std::string lower(std::string s) {
    for (char& c : s)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return s;
}

void add(DiskInfo& d, Severity s, std::string code, std::string message) {
    d.findings.push_back(Finding {s, std::move(code), std::move(message)});
}

// ---------------------------------------------------------------------------------------
// Sector size

/// sys/block/<name>/queue/logical_block_size inside the root, for a /dev/<name> device.
std::optional<unsigned> sysfs_sector_size(const sys::Root& root, std::string_view device) {
    if (!device.starts_with("/dev/")) return std::nullopt;
    std::string name(device.substr(5));
    if (name.empty() || name.find('/') != std::string::npos) return std::nullopt;
    std::optional<std::string> v;
    try {
        v = root.read("/sys/block/" + name + "/queue/logical_block_size", 64);
    } catch (const Error&) {
        return std::nullopt;
    }
    if (!v) return std::nullopt;
    unsigned n = 0;
    for (char c : *v) {
        if (c == '\n') break;
        if (c < '0' || c > '9' || n > 1u << 20) return std::nullopt;
        n = n * 10 + static_cast<unsigned>(c - '0');
    }
    if (n < 512 || n > 65536 || (n & (n - 1)) != 0) return std::nullopt;
    return n;
}

// ---------------------------------------------------------------------------------------
// Our own look at a GPT header: only for what libblkid hides (see the file comment).

struct GptHeader {
    bool signature = false;
    bool header_crc = false;
    bool array_crc = false;
    bool array_read = false; ///< the array could be read whole (sane count/size, inside the disk)
    std::uint64_t my_lba = 0, alternate_lba = 0, first_usable = 0, last_usable = 0, entries_lba = 0;
    std::uint32_t entries = 0, entry_size = 0;
    std::string array;
    bool valid() const { return signature && header_crc && array_crc; }
};

GptHeader read_gpt_header(const sys::ReadFile& f, std::uint64_t lba, unsigned ss, std::uint64_t bytes) {
    GptHeader h;
    if (lba == 0 || (lba + 1) * ss > bytes) return h;
    std::string s = f.read_at(lba * ss, ss);
    if (s.size() < 92 || s.compare(0, 8, "EFI PART") != 0) return h;
    h.signature = true;
    std::uint32_t hsize = static_cast<std::uint32_t>(le(s, 12, 4));
    std::uint32_t crc = static_cast<std::uint32_t>(le(s, 16, 4));
    if (hsize >= 92 && hsize <= s.size()) {
        std::string copy = s.substr(0, hsize);
        std::memset(copy.data() + 16, 0, 4);
        h.header_crc = crc32(copy) == crc;
    }
    h.my_lba = le(s, 24, 8);
    h.alternate_lba = le(s, 32, 8);
    h.first_usable = le(s, 40, 8);
    h.last_usable = le(s, 48, 8);
    h.entries_lba = le(s, 72, 8);
    h.entries = static_cast<std::uint32_t>(le(s, 80, 4));
    h.entry_size = static_cast<std::uint32_t>(le(s, 84, 4));
    std::uint32_t array_crc = static_cast<std::uint32_t>(le(s, 88, 4));
    // Hostile headers: refuse absurd arrays instead of reading gigabytes.
    std::uint64_t len = std::uint64_t {h.entries} * h.entry_size;
    if (h.entry_size >= 128 && h.entry_size % 8 == 0 && h.entries > 0 && len <= (16u << 20) && h.entries_lba != 0 &&
        h.entries_lba <= bytes / ss && len <= bytes - h.entries_lba * ss) {
        h.array = f.read_at(h.entries_lba * ss, static_cast<std::size_t>(len));
        h.array_read = h.array.size() == len;
        h.array_crc = h.array_read && crc32(h.array) == array_crc;
    }
    return h;
}

bool all_zero(std::string_view s) {
    return std::all_of(s.begin(), s.end(), [](char c) { return c == 0; });
}

/// Numbers of the used GPT entries outside the header's usable area (or last < first):
/// libblkid skips them without a word.
std::vector<std::string> entries_outside_usable(const GptHeader& h) {
    std::vector<std::string> out;
    if (!h.array_read) return out;
    for (std::uint32_t i = 0; i < h.entries; ++i) {
        std::size_t o = std::size_t {i} * h.entry_size;
        if (all_zero(std::string_view(h.array).substr(o, 16))) continue;
        std::uint64_t first = le(h.array, o + 32, 8), last = le(h.array, o + 40, 8);
        if (first < h.first_usable || last > h.last_usable || last < first)
            out.push_back("#" + std::to_string(i + 1) + " (LBA " + std::to_string(first) + "–" + std::to_string(last) +
                          ")");
    }
    return out;
}

std::string why_bad(const GptHeader& h) {
    if (!h.signature) return "no \"EFI PART\" signature";
    if (!h.header_crc) return "header CRC32 mismatch";
    if (!h.array_read) return "partition entry array unreadable";
    return "partition entry array CRC32 mismatch";
}

bool has_protective_entry(const std::string& s0) {
    if (s0.size() < 512 || s0.compare(510, 2, "\x55\xaa") != 0) return false;
    for (int i = 0; i < 4; ++i)
        if (static_cast<unsigned char>(s0[0x1BE + 16 * i + 4]) == 0xEE) return true;
    return false;
}

/// Why neither GPT header is usable, for gpt.unreadable.
std::string gpt_why(const sys::ReadFile& f, const DiskInfo& d) {
    GptHeader h = read_gpt_header(f, 1, d.sector_size, d.bytes);
    if (!h.signature) return "no GPT header at LBA 1 nor at the last LBA";
    if (h.alternate_lba >= d.sectors())
        return "the primary header's backup LBA " + std::to_string(h.alternate_lba) +
               " is beyond the end of the disk (" + std::to_string(d.sectors()) + " sectors): truncated?";
    return "neither GPT header is valid";
}

void check_gpt(DiskInfo& d, const sys::ReadFile& f, const std::string& what) {
    const unsigned ss = d.sector_size;
    const std::uint64_t last = d.bytes / ss - 1;
    GptHeader primary = read_gpt_header(f, 1, ss, d.bytes);
    const bool backup_used = d.table_offset != std::uint64_t {ss};
    if (backup_used) {
        add(d, Severity::error, "gpt.backup-in-use",
            what + ": the primary GPT header at LBA 1 is damaged (" + why_bad(primary) +
                "); the partitions shown come from the backup header at LBA " + std::to_string(d.table_offset / ss));
        if (!primary.signature)
            add(d, Severity::error, "gpt.primary-missing", what + ": no GPT header at LBA 1");
        else if (!primary.header_crc)
            add(d, Severity::error, "gpt.primary-header-crc", what + ": primary GPT header CRC32 mismatch");
        else if (!primary.array_crc)
            add(d, Severity::error, "gpt.primary-array-crc",
                what + ": primary GPT partition entry array CRC32 mismatch (or unreadable)");
    }
    // The header libblkid used, and the other one.
    GptHeader used = backup_used ? read_gpt_header(f, d.table_offset / ss, ss, d.bytes) : primary;
    if (!backup_used) {
        std::uint64_t alt = primary.alternate_lba;
        GptHeader backup = read_gpt_header(f, alt, ss, d.bytes);
        if (alt != last)
            add(d, Severity::warning, "gpt.backup-not-at-end",
                what + ": the backup GPT header is at LBA " + std::to_string(alt) + ", not at the last LBA " +
                    std::to_string(last) + " (disk grown or image truncated?)");
        if (!backup.signature)
            add(d, Severity::error, "gpt.backup-missing",
                what + ": no backup GPT header at LBA " + std::to_string(alt) + " (AlternateLBA of the primary)");
        else if (!backup.header_crc)
            add(d, Severity::error, "gpt.backup-header-crc", what + ": backup GPT header CRC32 mismatch");
        else if (!backup.array_crc)
            add(d, Severity::error, "gpt.backup-array-crc",
                what + ": backup GPT partition entry array CRC32 mismatch (or unreadable)");
    }
    if (used.valid()) {
        std::vector<std::string> out = entries_outside_usable(used);
        if (!out.empty()) {
            std::string list;
            for (const auto& e : out)
                list += (list.empty() ? "" : ", ") + e;
            add(d, Severity::error, "gpt.entry-outside-usable",
                what + ": GPT entries outside the usable area LBA " + std::to_string(used.first_usable) + "–" +
                    std::to_string(used.last_usable) + " (not shown, libblkid ignores them): " + list);
        }
    }
}

// ---------------------------------------------------------------------------------------
// libblkid

struct TableProbe {
    int rc = 1;
    Probe pr;
    blkid_partlist list = nullptr;
    blkid_parttable table = nullptr;
    std::string type;
};

TableProbe probe_table(int fd, unsigned ss, bool force_gpt) {
    TableProbe t;
    t.pr.reset(blkid_new_probe());
    if (!t.pr) throw Error(Exit::software, "libblkid: cannot allocate a probe");
    if (blkid_probe_set_device(t.pr.get(), fd, 0, 0) != 0) {
        t.rc = -1;
        return t;
    }
    blkid_probe_set_sectorsize(t.pr.get(), ss);
    blkid_probe_enable_superblocks(t.pr.get(), 0);
    blkid_probe_enable_partitions(t.pr.get(), 1);
    blkid_probe_set_partitions_flags(t.pr.get(), BLKID_PARTS_ENTRY_DETAILS | BLKID_PARTS_MAGIC |
                                                     (force_gpt ? BLKID_PARTS_FORCE_GPT : 0));
    t.rc = blkid_do_safeprobe(t.pr.get());
    if (t.rc != 0) return t;
    t.list = blkid_probe_get_partitions(t.pr.get());
    t.table = t.list != nullptr ? blkid_partlist_get_table(t.list) : nullptr;
    if (t.table != nullptr) {
        const char* ty = blkid_parttable_get_type(t.table);
        t.type = ty != nullptr ? ty : "";
    }
    return t;
}

std::optional<Filesystem> probe_filesystem(int fd, std::uint64_t offset, std::uint64_t size, unsigned ss) {
    Probe pr(blkid_new_probe());
    if (!pr) throw Error(Exit::software, "libblkid: cannot allocate a probe");
    if (size == 0 ||
        blkid_probe_set_device(pr.get(), fd, static_cast<blkid_loff_t>(offset), static_cast<blkid_loff_t>(size)) != 0)
        return std::nullopt;
    blkid_probe_set_sectorsize(pr.get(), ss);
    blkid_probe_enable_partitions(pr.get(), 0);
    blkid_probe_enable_superblocks(pr.get(), 1);
    blkid_probe_set_superblocks_flags(pr.get(), BLKID_SUBLKS_LABEL | BLKID_SUBLKS_UUID | BLKID_SUBLKS_TYPE |
                                                    BLKID_SUBLKS_VERSION | BLKID_SUBLKS_USAGE);
    if (blkid_do_safeprobe(pr.get()) != 0) return std::nullopt;
    auto value = [&](const char* name) {
        const char* v = nullptr;
        return blkid_probe_lookup_value(pr.get(), name, &v, nullptr) == 0 && v != nullptr ? std::string(v)
                                                                                          : std::string();
    };
    Filesystem fs {value("TYPE"), value("VERSION"), value("UUID"), value("LABEL"), value("USAGE")};
    if (fs.type.empty()) return std::nullopt;
    return fs;
}

std::vector<std::string> flag_names(bool gpt, std::uint64_t flags) {
    std::vector<std::string> out;
    if (!gpt) {
        if (flags & 0x80) out.push_back("bootable");
        return out;
    }
    if (flags & 1) out.push_back("required");
    if (flags & 2) out.push_back("no-block-io");
    if (flags & 4) out.push_back("legacy-bios-bootable");
    for (int b = 3; b < 64; ++b)
        if ((flags >> b) & 1) out.push_back((b >= 48 ? "GUID:" : "bit:") + std::to_string(b));
    return out;
}

void read_partitions(DiskInfo& d, const TableProbe& t) {
    const bool gpt = d.table_type == "gpt";
    const unsigned ss = d.sector_size;
    int n = blkid_partlist_numof_partitions(t.list);
    for (int i = 0; i < n; ++i) {
        blkid_partition par = blkid_partlist_get_partition(t.list, i);
        if (par == nullptr) continue;
        ListedPartition p;
        p.number = static_cast<std::uint32_t>(blkid_partition_get_partno(par));
        // libblkid counts in 512-byte units whatever the sector size (notes §1.3)
        std::uint64_t start512 = static_cast<std::uint64_t>(blkid_partition_get_start(par));
        std::uint64_t size512 = static_cast<std::uint64_t>(blkid_partition_get_size(par));
        p.start = start512 * 512 / ss;
        p.size = size512 * 512 / ss;
        if (const char* ts = blkid_partition_get_type_string(par)) {
            p.type = lower(ts);
        } else {
            char buf[8];
            std::snprintf(buf, sizeof buf, "0x%02x", blkid_partition_get_type(par) & 0xff);
            p.type = buf;
        }
        p.type_name = partition_type_name(p.type);
        if (const char* u = blkid_partition_get_uuid(par)) p.partuuid = lower(u);
        if (const char* nm = blkid_partition_get_name(par)) p.name = nm;
        p.flags = blkid_partition_get_flags(par);
        p.flag_names = flag_names(gpt, p.flags);
        p.bootable = !gpt && (p.flags & 0x80) != 0;
        p.extended = blkid_partition_is_extended(par) != 0;
        p.logical = blkid_partition_is_logical(par) != 0;
        blkid_parttable own = blkid_partition_get_table(par);
        if (own != nullptr && own != t.table) {
            // a nested label (BSD inside an MBR slice): find the slice that holds it
            for (const auto& q : d.partitions)
                if (!q.extended && q.parent == 0 && p.start >= q.start && p.start < q.start + q.size)
                    p.parent = q.number;
        }
        d.partitions.push_back(std::move(p));
    }
}

void check_extents(DiskInfo& d, const std::string& what) {
    const std::uint64_t sectors = d.sectors();
    for (const auto& p : d.partitions) {
        if (p.start + p.size > sectors)
            add(d, Severity::error, "part.beyond-disk",
                what + ": partition " + std::to_string(p.number) + " (sectors " + std::to_string(p.start) + "–" +
                    std::to_string(p.start + p.size - (p.size ? 1 : 0)) + ") ends beyond the end of the disk (" +
                    std::to_string(sectors) + " sectors)");
    }
    // Overlaps between partitions of the same level: an extended partition holds its logical
    // ones and a BSD slice its nested label, so those pairs are left out.
    for (std::size_t i = 0; i < d.partitions.size(); ++i) {
        const auto& a = d.partitions[i];
        if (a.extended || a.size == 0) continue;
        for (std::size_t j = i + 1; j < d.partitions.size(); ++j) {
            const auto& b = d.partitions[j];
            if (b.extended || b.size == 0) continue;
            if (a.parent != b.parent || a.number == b.parent || b.number == a.parent) continue;
            if (a.start < b.start + b.size && b.start < a.start + a.size)
                add(d, Severity::error, "part.overlap",
                    what + ": partitions " + std::to_string(a.number) + " and " + std::to_string(b.number) +
                        " overlap");
        }
    }
}

} // namespace

std::uint32_t crc32(std::string_view data) {
    static const auto table = [] {
        std::array<std::uint32_t, 256> t {};
        for (std::uint32_t i = 0; i < 256; ++i) {
            std::uint32_t c = i;
            for (int k = 0; k < 8; ++k)
                c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            t[i] = c;
        }
        return t;
    }();
    std::uint32_t c = 0xFFFFFFFFu;
    for (char ch : data)
        c = table[(c ^ static_cast<unsigned char>(ch)) & 0xFF] ^ (c >> 8);
    return c ^ 0xFFFFFFFFu;
}

std::string partition_type_name(std::string_view type) {
    struct Known {
        std::string_view id, name;
    };
    static constexpr Known kGpt[] = {
        {"c12a7328-f81f-11d2-ba4b-00a0c93ec93b", "EFI System"},
        {"21686148-6449-6e6f-744e-656564454649", "BIOS boot"},
        {"024dee41-33e7-11d3-9d69-0008c781f39f", "MBR partition scheme"},
        {"0fc63daf-8483-4772-8e79-3d69d8477de4", "Linux filesystem"},
        {"0657fd6d-a4ab-43c4-84e5-0933c84b4f4f", "Linux swap"},
        {"e6d6d379-f507-44c2-a23c-238f2a3df928", "Linux LVM"},
        {"a19d880f-05fc-4d3b-a006-743f0f84911e", "Linux RAID"},
        {"ca7d7ccb-63ed-4c53-861c-1742536059cc", "Linux LUKS"},
        {"8da63339-0007-60c0-c436-083ac8230908", "Linux reserved"},
        {"bc13c2ff-59e6-4262-a352-b275fd6f7172", "Linux extended boot (XBOOTLDR)"},
        {"933ac7e1-2eb4-4f13-b844-0e14e2aef915", "Linux home"},
        {"3b8f8425-20e0-4f3b-907f-1a25a76f98e8", "Linux server data"},
        {"4d21b016-b534-45c2-a9fb-5c16e091fd2d", "Linux variable data"},
        {"7ec6f557-3bc5-4aca-b293-16ef5df639d1", "Linux temporary data"},
        {"4f68bce3-e8cd-4db1-96e7-fbcaf984b709", "Linux root (x86-64)"},
        {"44479540-f297-41b2-9af7-d131d5f0458a", "Linux root (x86)"},
        {"b921b045-1df0-41c3-af44-4c6f280d3fae", "Linux root (ARM-64)"},
        {"69dad710-2ce4-4e3c-b16c-21a1d49abed3", "Linux root (ARM)"},
        {"8484680c-9521-48c6-9c11-b0720656f69e", "Linux /usr (x86-64)"},
        {"ebd0a0a2-b9e5-4433-87c0-68b6b72699c7", "Microsoft basic data"},
        {"e3c9e316-0b5c-4db8-817d-f92df00215ae", "Microsoft reserved"},
        {"de94bba4-06d1-4d40-a16a-bfd50179d6ac", "Windows recovery environment"},
        {"5808c8aa-7e8f-42e0-85d2-e1e90434cfb3", "Microsoft LDM metadata"},
        {"af9b60a0-1431-4f62-bc68-3311714a69ad", "Microsoft LDM data"},
        {"83bd6b9d-7f41-11dc-be0b-001560b84f0f", "FreeBSD boot"},
        {"516e7cb4-6ecf-11d6-8ff8-00022d09712b", "FreeBSD data"},
        {"516e7cb5-6ecf-11d6-8ff8-00022d09712b", "FreeBSD swap"},
        {"516e7cb6-6ecf-11d6-8ff8-00022d09712b", "FreeBSD UFS"},
        {"516e7cb8-6ecf-11d6-8ff8-00022d09712b", "FreeBSD Vinum"},
        {"516e7cba-6ecf-11d6-8ff8-00022d09712b", "FreeBSD ZFS"},
        {"48465300-0000-11aa-aa11-00306543ecac", "Apple HFS/HFS+"},
        {"7c3457ef-0000-11aa-aa11-00306543ecac", "Apple APFS"},
        {"9e1a2d38-c612-4316-aa26-8b49521e5a8b", "PowerPC PReP boot"},
    };
    std::string t = lower(std::string(type));
    if (t.starts_with("0x")) {
        unsigned v = 0;
        if (t.size() != 4 || std::sscanf(t.c_str() + 2, "%x", &v) != 1) return "";
        std::string n = mbr_type_name(static_cast<std::uint8_t>(v));
        return n == "unknown" ? "" : n;
    }
    for (const auto& k : kGpt)
        if (k.id == t) return std::string(k.name);
    return "";
}

std::string device_path(std::string_view arg) {
    if (arg.find('/') != std::string_view::npos) return sys::normalise(arg);
    return "/dev/" + std::string(arg);
}

std::vector<std::string> disk_devices(const sys::Root& root) {
    std::vector<std::string> out;
    bool sysfs = false;
    for (const auto& e : root.list("/sys/block")) {
        sysfs = true;
        std::string dev = "/dev/" + e.name;
        std::optional<std::string> size;
        try {
            size = root.read("/sys/block/" + e.name + "/size", 64);
        } catch (const Error&) {}
        if (size && (size->empty() || (*size)[0] == '0')) continue; // idle loop devices, empty drives
        // A disk the kernel names is listed whatever its node turned out to be (a directory, a
        // symlink loop): the listing reports it as unreadable rather than hiding it. Only a
        // missing node leaves it out, as in a container that sees the host's sysfs.
        std::optional<sys::FileInfo> st;
        try {
            st = root.stat(dev);
        } catch (const Error&) {
            out.push_back(dev);
            continue;
        }
        if (st) out.push_back(dev);
    }
    if (!sysfs)
        for (const auto& e : root.list("/dev")) {
            std::string dev = "/dev/" + e.name;
            auto st = root.stat(dev);
            if (st && (st->type == sys::FileInfo::Type::block || st->type == sys::FileInfo::Type::regular))
                out.push_back(dev);
        }
    return out;
}

DiskInfo inspect_disk(const sys::Root& root, std::string_view device) {
    const std::string what = root.display(device);
    DiskInfo d;
    d.device = sys::normalise(device);
    auto st = root.stat(device);
    if (!st) throw Error(Exit::no_input, what + ": no such device or image");
    if (st->type != sys::FileInfo::Type::block && st->type != sys::FileInfo::Type::regular)
        throw Error(Exit::data, what + (st->type == sys::FileInfo::Type::directory ? ": is a directory, " : ": ") +
                                    "not a block device or an image file");
    sys::ReadFile f = root.open_read(device);
    d.bytes = f.size();

    // The logical sector size: sysfs in the root, the device's own, or where the GPT is.
    struct stat fst {};
    int ioss = 0;
    if (auto s = sysfs_sector_size(root, d.device)) {
        d.sector_size = *s;
        d.sector_size_source = "sysfs";
    } else if (::fstat(f.fd(), &fst) == 0 && S_ISBLK(fst.st_mode) && ::ioctl(f.fd(), BLKSSZGET, &ioss) == 0 &&
               ioss >= 512) {
        d.sector_size = static_cast<unsigned>(ioss);
        d.sector_size_source = "device";
    } else if (d.bytes >= 4096 + 8 && f.read_at(512, 8) != "EFI PART" && f.read_at(4096, 8) == "EFI PART") {
        d.sector_size = 4096;
        d.sector_size_source = "gpt";
    } else {
        d.sector_size = 512;
        d.sector_size_source = f.read_at(512, 8) == "EFI PART" ? "gpt" : "default";
    }

    if (d.bytes == 0) {
        add(d, Severity::error, "disk.empty", what + ": 0 bytes, nothing on it");
        return d;
    }
    if (d.bytes < 2ull * d.sector_size) {
        add(d, Severity::error, "disk.no-table",
            what + ": " + std::to_string(d.bytes) + " bytes, too small to hold a partition table");
        return d;
    }

    TableProbe t = probe_table(f.fd(), d.sector_size, false);
    if (t.rc == -1) throw Error(Exit::io, what + ": libblkid could not probe it");
    if (t.rc == -2) {
        add(d, Severity::error, "disk.ambiguous", what + ": ambiguous: more than one kind of partition table found");
        return d;
    }
    if (t.rc == 0 && t.table != nullptr && t.type == "PMBR" && d.sector_size == 512 &&
        f.read_at(4096, 8) == "EFI PART") {
        // sysfs says 512 but the GPT sits at byte 4096: a 4Kn image behind a 512 sysfs entry
        add(d, Severity::warning, "disk.sector-size-mismatch",
            what + ": the GPT header is at byte 4096 (4096-byte sectors) but the sector size is " +
                std::to_string(d.sector_size) + " (" + d.sector_size_source + "); read with 4096");
        d.sector_size = 4096;
        d.sector_size_source = "gpt";
        t = probe_table(f.fd(), d.sector_size, false);
    }
    if (t.rc == 1 || t.table == nullptr) {
        // No table. A GPT without its protective MBR is found only when forced (notes §1.6).
        TableProbe forced = probe_table(f.fd(), d.sector_size, true);
        if (forced.rc == 0 && forced.table != nullptr && forced.type == "gpt") {
            add(d, Severity::error, "gpt.no-protective-mbr",
                what + ": GPT without a protective MBR in sector 0 (found only when forced; firmware and "
                       "partitioning tools may see no partitions)");
            t = std::move(forced);
        } else if (has_protective_entry(f.read_at(0, 512))) {
            // libblkid rejects a protective MBR whose GPT is unreadable (e.g. sized beyond the end)
            d.table_type = "PMBR";
            add(d, Severity::error, "gpt.unreadable",
                what + ": protective MBR but no readable GPT (" + gpt_why(f, d) + ")");
            return d;
        } else {
            d.filesystem = probe_filesystem(f.fd(), 0, d.bytes, d.sector_size);
            if (!d.filesystem)
                add(d, Severity::warning, "disk.no-table", what + ": no partition table or file system found");
            return d;
        }
    }
    d.table_type = t.type;
    const char* id = blkid_parttable_get_id(t.table);
    d.table_id = id != nullptr ? lower(id) : "";
    blkid_loff_t off = blkid_parttable_get_offset(t.table);
    d.table_offset = off > 0 ? static_cast<std::uint64_t>(off) : 0;

    if (d.table_type == "PMBR") {
        add(d, Severity::error, "gpt.unreadable",
            what + ": protective MBR but no readable GPT (" + gpt_why(f, d) + ")");
    } else {
        read_partitions(d, t);
    }
    if (d.table_type == "gpt") check_gpt(d, f, what);
    if (d.table_type == "dos") {
        if (d.table_id.empty() || d.table_id == "00000000")
            add(d, Severity::warning, "dos.no-disk-signature",
                what + ": MBR disk signature is 0: no PARTUUIDs, and firmware may not tell the disk apart");
        if (d.table_id == "00000000") d.table_id.clear();
    }
    check_extents(d, what);

    // The file system in each partition, probed inside the partition's byte window.
    for (auto& p : d.partitions) {
        if (p.extended || p.size == 0) continue;
        std::uint64_t off_b = p.start * d.sector_size;
        if (off_b >= d.bytes) continue;
        std::uint64_t len = std::min<std::uint64_t>(p.size * d.sector_size, d.bytes - off_b);
        p.filesystem = probe_filesystem(f.fd(), off_b, len, d.sector_size);
    }
    return d;
}

} // namespace bootsmith::disk
