#include "bootsmith/disk/mbr.hpp"

#include "bootsmith/text.hpp"

#include <algorithm>
#include <exception>

namespace bootsmith::disk {

namespace {

constexpr std::size_t kSector = 512;
constexpr std::size_t kCodeSize = 440;
constexpr std::size_t kTable = 0x1BE;

/// Bounds-checked little-endian reads: 0 when the field does not fit.
std::uint64_t le(std::string_view d, std::size_t at, std::size_t width) {
    if (at > d.size() || d.size() - at < width) return 0;
    std::uint64_t v = 0;
    for (std::size_t i = width; i-- > 0;)
        v = v << 8 | static_cast<unsigned char>(d[at + i]);
    return v;
}
std::uint8_t byte_at(std::string_view d, std::size_t at) {
    return static_cast<std::uint8_t>(le(d, at, 1));
}

/// True when `d` holds `bytes` at `at` (never reads past the end).
bool has_at(std::string_view d, std::size_t at, std::string_view bytes) {
    return at <= d.size() && d.size() - at >= bytes.size() && d.substr(at, bytes.size()) == bytes;
}

bool contains(std::string_view d, std::string_view needle) {
    return d.find(needle) != std::string_view::npos;
}

void add(std::vector<Finding>& out, Severity s, std::string code, std::string message) {
    out.push_back(Finding {s, std::move(code), std::move(message)});
}

std::string lowercase(std::string_view s) {
    std::string r(s);
    for (char& c : r)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return r;
}

std::string entry_label(const MbrEntry& e) {
    return "entry " + std::to_string(e.number);
}

bool is_extended(std::uint8_t t) {
    return t == 0x05 || t == 0x0F || t == 0x85;
}

void check_entries(Mbr& m, std::uint64_t disk_sectors) {
    unsigned active = 0, extended = 0, protective = 0, others = 0;
    for (const auto& e : m.entries) {
        const std::string who = entry_label(e);
        if (e.boot_flag != 0x00 && e.boot_flag != 0x80)
            add(m.findings, Severity::warning, "mbr.bad-boot-flag",
                who + ": boot flag " + hex(std::string(1, static_cast<char>(e.boot_flag))) +
                    " is neither 00 nor 80 (grub-install refuses such a table)");
        if (e.active()) ++active;
        if (!e.used()) {
            if (e.start != 0 || e.sectors != 0)
                add(m.findings, Severity::warning, "mbr.empty-entry-not-zero",
                    who + ": unused (type 00) but has start " + std::to_string(e.start) + " and size " +
                        std::to_string(e.sectors));
            continue;
        }
        if (e.type == 0xEE)
            ++protective;
        else
            ++others;
        if (is_extended(e.type)) ++extended;
        if (e.sectors == 0)
            add(m.findings, Severity::warning, "mbr.entry-zero-size", who + ": type " + e.name + " with 0 sectors");
        if (e.start == 0)
            add(m.findings, Severity::error, "mbr.entry-at-lba0", who + ": starts at LBA 0, over the MBR itself");
        if (disk_sectors != 0 && e.end() > disk_sectors && !(e.type == 0xEE && e.sectors == 0xFFFFFFFF))
            add(m.findings, Severity::error, "mbr.entry-beyond-disk",
                who + ": sectors " + std::to_string(e.start) + "–" + std::to_string(e.end() - 1) +
                    " end beyond the disk (" + std::to_string(disk_sectors) + " sectors)");
    }
    for (std::size_t i = 0; i < m.entries.size(); ++i)
        for (std::size_t j = i + 1; j < m.entries.size(); ++j) {
            const auto &a = m.entries[i], &b = m.entries[j];
            if (!a.used() || !b.used() || a.sectors == 0 || b.sectors == 0) continue;
            if (a.start < b.end() && b.start < a.end())
                add(m.findings, Severity::error, "mbr.entries-overlap",
                    entry_label(a) + " and " + entry_label(b) + " overlap");
        }
    if (active > 1)
        add(m.findings, Severity::warning, "mbr.multiple-active",
            std::to_string(active) + " entries are marked active");
    if (extended > 1)
        add(m.findings, Severity::warning, "mbr.multiple-extended",
            std::to_string(extended) + " extended partitions (at most one is allowed)");

    if (protective == 0) {
        m.kind = MbrKind::dos;
        return;
    }
    if (others > 0) {
        m.kind = MbrKind::hybrid;
        add(m.findings, Severity::warning, "mbr.hybrid",
            "hybrid MBR: a GPT protective entry plus " + std::to_string(others) +
                " other entries (the two tables can disagree)");
        return;
    }
    m.kind = MbrKind::protective;
    if (protective > 1)
        add(m.findings, Severity::warning, "mbr.multiple-protective",
            std::to_string(protective) + " entries of type EE (a protective MBR has one)");
    for (const auto& e : m.entries) {
        if (e.type != 0xEE) continue;
        if (e.start != 1)
            add(m.findings, Severity::warning, "mbr.protective-start",
                entry_label(e) + ": protective entry starts at " + std::to_string(e.start) + ", not 1");
        if (disk_sectors != 0) {
            std::uint64_t want = std::min<std::uint64_t>(disk_sectors - 1, 0xFFFFFFFF);
            if (e.sectors != want && e.sectors != 0xFFFFFFFF)
                add(m.findings, Severity::warning, "mbr.protective-size",
                    entry_label(e) + ": protective entry covers " + std::to_string(e.sectors) + " sectors, not " +
                        std::to_string(want) + " (disk grown or shrunk?)");
        }
        break;
    }
}

} // namespace

std::string_view to_string(Severity s) {
    switch (s) {
    case Severity::error: return "error";
    case Severity::warning: return "warning";
    case Severity::info: return "info";
    }
    return "?";
}

std::string_view to_string(MbrKind k) {
    switch (k) {
    case MbrKind::none: return "none";
    case MbrKind::dos: return "dos";
    case MbrKind::protective: return "protective";
    case MbrKind::hybrid: return "hybrid";
    }
    return "?";
}

std::string_view to_string(CoreLocation l) {
    switch (l) {
    case CoreLocation::unknown: return "unknown";
    case CoreLocation::mbr_gap: return "mbr-gap";
    case CoreLocation::bios_boot_partition: return "bios-boot-partition";
    case CoreLocation::inside_partition: return "inside-partition";
    case CoreLocation::elsewhere: return "elsewhere";
    }
    return "?";
}

std::string mbr_type_name(std::uint8_t type) {
    switch (type) {
    case 0x00: return "empty";
    case 0x01: return "FAT12";
    case 0x04: return "FAT16 <32M";
    case 0x05: return "Extended";
    case 0x06: return "FAT16";
    case 0x07: return "HPFS/NTFS/exFAT";
    case 0x0B: return "W95 FAT32";
    case 0x0C: return "W95 FAT32 (LBA)";
    case 0x0E: return "W95 FAT16 (LBA)";
    case 0x0F: return "W95 Extended (LBA)";
    case 0x27: return "Hidden NTFS WinRE";
    case 0x82: return "Linux swap";
    case 0x83: return "Linux";
    case 0x85: return "Linux extended";
    case 0x8E: return "Linux LVM";
    case 0xA5: return "FreeBSD";
    case 0xA6: return "OpenBSD";
    case 0xA8: return "Darwin UFS";
    case 0xA9: return "NetBSD";
    case 0xAF: return "HFS / HFS+";
    case 0xBF: return "Solaris";
    case 0xDA: return "Non-FS data";
    case 0xEA: return "Linux extended boot";
    case 0xEE: return "GPT protective";
    case 0xEF: return "EFI System";
    case 0xFB: return "VMware VMFS";
    case 0xFD: return "Linux RAID autodetect";
    default: return "unknown";
    }
}

std::optional<std::uint64_t> Mbr::first_partition_start() const {
    std::optional<std::uint64_t> first;
    for (const auto& e : entries)
        if (e.used() && e.type != 0xEE && (!first || e.start < *first)) first = e.start;
    return first;
}

Mbr parse_mbr(std::string_view sector0, std::uint64_t disk_sectors) {
    Mbr m;
    if (sector0.size() < kSector) {
        add(m.findings, Severity::error, "mbr.short",
            "sector 0 is " + std::to_string(sector0.size()) + " bytes, not 512");
        return m;
    }
    sector0 = sector0.substr(0, kSector);
    m.disk_signature = static_cast<std::uint32_t>(le(sector0, 0x1B8, 4));
    for (unsigned i = 0; i < 4; ++i) {
        std::string_view raw = sector0.substr(kTable + 16 * i, 16);
        MbrEntry& e = m.entries[i];
        e.number = i + 1;
        e.boot_flag = byte_at(raw, 0);
        e.type = byte_at(raw, 4);
        for (std::size_t k = 0; k < 3; ++k) {
            e.chs_start[k] = byte_at(raw, 1 + k);
            e.chs_end[k] = byte_at(raw, 5 + k);
        }
        e.start = static_cast<std::uint32_t>(le(raw, 8, 4));
        e.sectors = static_cast<std::uint32_t>(le(raw, 12, 4));
        e.name = mbr_type_name(e.type);
    }
    m.has_signature = has_at(sector0, 0x1FE, "\x55\xAA");
    if (!m.has_signature) {
        add(m.findings, Severity::warning, "mbr.no-signature",
            "no 55AA signature at 0x1FE: no MBR partition table (entries not interpreted)");
        return m;
    }
    check_entries(m, disk_sectors);
    return m;
}

// --- Boot code ------------------------------------------------------------------------

namespace {

using namespace std::string_view_literals;

struct Signature {
    Loader loader;
    const char* id;
    const char* name;
    bool (*match)(std::string_view code);
};

bool grub_strings(std::string_view c) {
    return contains(c, "GRUB ") && contains(c, "Geom") && contains(c, "Hard Disk") && contains(c, "Read") &&
           contains(c, " Error");
}
bool syslinux5(std::string_view c, std::string_view at5b) {
    return has_at(c, 0, "\x33\xC0\xFA") && has_at(c, 0x5B, at5b);
}
bool win_nt6(std::string_view c) {
    return has_at(c, 0, "\x33\xC0\x8E\xD0\xBC\x00\x7C\x8E"sv);
}
bool vbr_jump(std::string_view c) {
    return (byte_at(c, 0) == 0xEB && byte_at(c, 2) == 0x90) || byte_at(c, 0) == 0xE9;
}

// Order matters: specific tests before the short prefixes they would also match.
const Signature kSignatures[] = {
    {Loader::grub2, "grub2", "GRUB 2 (1.99 – 2.12)",
     [](std::string_view c) {
         return has_at(c, 0, "\xEB\x63\x90") && has_at(c, 0x80, "\x00\x20"sv) &&
                has_at(c, 0x180, "GRUB \0Geom\0Hard Disk\0Read\0 Error\r\n"sv);
     }},
    {Loader::grub2_197, "grub2-1.97", "GRUB 2 (1.97 – 1.98)",
     [](std::string_view c) { return has_at(c, 0, "\xEB\x63") && has_at(c, 0x80, "\x7C\x3C"); }},
    {Loader::grub2_196, "grub2-1.96", "GRUB 2 (1.96)", [](std::string_view c) { return has_at(c, 0, "\xEB\x4C"); }},
    {Loader::grub_legacy, "grub-legacy", "GRUB Legacy (stage1)",
     [](std::string_view c) { return has_at(c, 0, "\xEB\x48") && grub_strings(c); }},
    {Loader::syslinux_mbr, "syslinux-mbr", "Syslinux mbr.bin (5.00 or later)",
     [](std::string_view c) { return syslinux5(c, "\xE8\x35\x01"); }},
    {Loader::syslinux_gptmbr, "syslinux-gptmbr", "Syslinux gptmbr.bin (5.10 or later)",
     [](std::string_view c) { return syslinux5(c, "\x0F\xB6\xC6"); }},
    {Loader::syslinux_altmbr, "syslinux-altmbr", "Syslinux altmbr.bin",
     [](std::string_view c) { return syslinux5(c, "\xE8\x10\x01"); }},
    {Loader::syslinux_old, "syslinux-4", "Syslinux 4.04 – 4.07 mbr.bin / gptmbr.bin",
     [](std::string_view c) { return syslinux5(c, "\xE8\x21\x01") || syslinux5(c, "\xBB\x00\x7C"sv); }},
    {Loader::windows_vista, "windows-vista", "Windows Vista",
     [](std::string_view c) { return win_nt6(c) && has_at(c, 0xF0, "\xFB\x54"); }},
    {Loader::windows_7, "windows-7", "Windows 7 / 8 / 2012 or later",
     [](std::string_view c) { return win_nt6(c) && has_at(c, 0xF0, "\x43\x50"); }},
    {Loader::windows_nt6, "windows-nt6", "Windows Vista or later (unrecognised variant)", win_nt6},
    {Loader::windows_xp, "windows-xp", "Windows 2000 / XP / 2003",
     [](std::string_view c) { return has_at(c, 0, "\x33\xC0\x8E\xD0\xBC\x00\x7C\xFB"sv); }},
    {Loader::netbsd, "netbsd", "NetBSD / SUSE generic MBR",
     [](std::string_view c) { return has_at(c, 0, "\x31\xC0\x8E\xD0\xBC\x00\x7C\x8E"sv); }},
    {Loader::freebsd_boot0, "freebsd-boot0", "FreeBSD boot0",
     [](std::string_view c) { return has_at(c, 0, "\xFC\x31\xC0\x8E\xC0\x8E\xD8\x8E"); }},
    {Loader::vbr_ntfs, "vbr-ntfs", "NTFS boot sector at LBA 0 (not an MBR)",
     [](std::string_view c) { return vbr_jump(c) && has_at(c, 3, "NTFS    "); }},
    {Loader::vbr_exfat, "vbr-exfat", "exFAT boot sector at LBA 0 (not an MBR)",
     [](std::string_view c) { return vbr_jump(c) && has_at(c, 3, "EXFAT   "); }},
    {Loader::vbr_fat, "vbr-fat", "FAT boot sector at LBA 0 (superfloppy, not an MBR)",
     [](std::string_view c) { return vbr_jump(c) && (has_at(c, 0x36, "FAT1") || has_at(c, 0x52, "FAT32   ")); }},
    {Loader::grub4dos, "grub4dos", "Grub4Dos", [](std::string_view c) { return has_at(c, 0, "\xEB\x5E\x80"); }},
    {Loader::libparted, "libparted", "libparted MBR boot code",
     [](std::string_view c) { return has_at(c, 0, "\xFA\xB8\x00\x10"sv); }},
    {Loader::freedos, "freedos", "FreeDOS", [](std::string_view c) { return has_at(c, 0, "\xFA\xB8\x00\x00"sv); }},
    {Loader::msdos, "msdos", "MS-DOS 3.30 – Windows 95A", [](std::string_view c) { return has_at(c, 0, "\xFA\x33"); }},
    {Loader::lilo, "lilo", "LILO", [](std::string_view c) { return has_at(c, 0, "\xFA\xEB"); }},
    {Loader::reactos, "reactos", "ReactOS", [](std::string_view c) { return has_at(c, 0, "\xFA\xFC"); }},
    {Loader::diskcryptor, "diskcryptor", "DiskCryptor",
     [](std::string_view c) { return has_at(c, 0, "\x33\xC0\x90"); }},
    {Loader::openbsd, "openbsd", "OpenBSD", [](std::string_view c) { return has_at(c, 0, "\xEA\x05\x00"sv); }},
    {Loader::truecrypt, "truecrypt", "TrueCrypt", [](std::string_view c) { return has_at(c, 0, "\xEA\x1E"); }},
    {Loader::solaris, "solaris", "Solaris", [](std::string_view c) { return has_at(c, 0, "\xEB\x04"); }},
    {Loader::thinkpad, "thinkpad", "ThinkPad recovery MBR",
     [](std::string_view c) { return has_at(c, 0, "\x0E\xBE"); }},
    {Loader::plop, "plop", "Plop Boot Manager", [](std::string_view c) { return has_at(c, 0, "\xB8\x00"sv); }},
    {Loader::gag, "gag", "GAG", [](std::string_view c) { return has_at(c, 0, "\xFC\x33"); }},
    {Loader::bootit_ng, "bootit-ng", "BootIt NG", [](std::string_view c) { return has_at(c, 0, "\xFC\xEB"); }},
};

} // namespace

BootCode identify_boot_code(std::string_view sector0) {
    BootCode b;
    std::string_view code = sector0.substr(0, std::min(sector0.size(), kCodeSize));
    b.first_bytes = hex(code.substr(0, std::min<std::size_t>(code.size(), 8)));
    if (sector0.size() < kCodeSize)
        add(b.findings, Severity::warning, "mbr.bootcode-short",
            "only " + std::to_string(sector0.size()) + " bytes of boot code (440 expected)");
    if (std::all_of(code.begin(), code.end(), [](char c) { return c == 0; })) {
        b.loader = Loader::none;
        b.id = "none";
        b.name = "no boot code";
        add(b.findings, Severity::info, "mbr.bootcode-none", "the boot code area is all zero: no BIOS boot loader");
        return b;
    }
    for (const auto& s : kSignatures) {
        if (!s.match(code)) continue;
        b.loader = s.loader;
        b.id = s.id;
        b.name = s.name;
        break;
    }
    if (b.id.empty()) {
        b.id = "unknown";
        b.name = "unknown boot code";
        add(b.findings, Severity::info, "mbr.bootcode-unknown", "unrecognised boot code starting " + b.first_bytes);
        return b;
    }
    switch (b.loader) {
    case Loader::grub2:
        b.kernel_sector = le(code, 0x5C, 8);
        b.boot_drive = byte_at(code, 0x64);
        b.grub_hard_disk_jump = has_at(code, 0x66, "\x90\x90");
        if (*b.boot_drive != 0xFF)
            add(b.findings, Severity::warning, "mbr.grub-fixed-drive",
                "GRUB boot code is set to BIOS drive " + hex(std::string(1, static_cast<char>(*b.boot_drive))) +
                    " instead of the drive the BIOS booted from");
        break;
    case Loader::syslinux_altmbr:
        if (sector0.size() > 0x1B7) b.altmbr_partition = byte_at(sector0, 0x1B7);
        break;
    case Loader::vbr_fat:
    case Loader::vbr_ntfs:
    case Loader::vbr_exfat:
        add(b.findings, Severity::warning, "mbr.vbr-at-lba0",
            "sector 0 is a file-system boot sector (" + b.name + "), not a partitioned disk's MBR");
        break;
    default: break;
    }
    return b;
}

// --- GRUB core.img --------------------------------------------------------------------

namespace {

struct DiskbootSig {
    const char* bytes;
    const char* variant;
};
const DiskbootSig kDiskboot[] = {
    {"\x52\x56\xBE\x1B", "upstream"},     {"\x52\xE8\x28\x01", "ubuntu"},       {"\x52\xBF\xF4\x81", "rhel7"},
    {"\x52\x56\xBE\x63", "trustedgrub2"}, {"\x52\x56\xBE\x56", "opensuse-tpm"}, {"\x52\x56\xBE\x6F", "unknown-origin"},
};

/// One sector, or "" when the read fails or comes back short (the reason in `why`).
std::string read_sector(const SectorReader& read, std::uint64_t lba, std::string& why) {
    try {
        std::string s = read(lba, 1);
        if (s.size() >= kSector) return s.substr(0, kSector);
        why = "short read (" + std::to_string(s.size()) + " bytes)";
    } catch (const std::exception& e) {
        why = e.what();
    } catch (...) {
        why = "read failed";
    }
    return {};
}

/// Where sectors [first, end) lie, with findings for a place GRUB would not have chosen.
void locate(GrubCore& g, const Mbr& mbr, const std::vector<GptPartition>& gpt, std::uint64_t first, std::uint64_t end) {
    const std::string range = "sectors " + std::to_string(first) + "–" + std::to_string(end - 1);
    bool gpt_disk = mbr.kind == MbrKind::protective || mbr.kind == MbrKind::hybrid || !gpt.empty();
    if (gpt_disk) {
        const GptPartition* bios_boot = nullptr;
        for (const auto& p : gpt) {
            if (lowercase(p.type) != kBiosBootGuid) continue;
            if (!bios_boot) bios_boot = &p;
            if (first >= p.start && p.size >= end - p.start && first - p.start < p.size) {
                g.location = CoreLocation::bios_boot_partition;
                add(g.findings, Severity::info, "mbr.grub-core-in-bios-boot",
                    "core.img (" + range + ") is in the BIOS boot partition");
                if (p.size < 1900)
                    add(g.findings, Severity::warning, "mbr.bios-boot-small",
                        "the BIOS boot partition has " + std::to_string(p.size) +
                            " sectors (under 1 MiB; grub-install warns)");
                return;
            }
        }
        if (!bios_boot)
            add(g.findings, Severity::warning, "mbr.gpt-no-bios-boot",
                "GPT disk with GRUB boot code but no BIOS boot partition: grub-install would fail next time");
        for (const auto& p : gpt)
            if (first < p.start + p.size && p.start < end) {
                g.location = CoreLocation::inside_partition;
                add(g.findings, Severity::warning, "mbr.grub-core-blocklist-install",
                    "core.img (" + range +
                        ") lies inside a GPT partition (blocklist install: breaks when the file moves)");
                return;
            }
        g.location = CoreLocation::elsewhere;
        add(g.findings, Severity::warning, "mbr.grub-core-elsewhere",
            "core.img (" + range + ") is outside every partition and outside a BIOS boot partition");
        return;
    }
    std::optional<std::uint64_t> gap_end = mbr.first_partition_start();
    if (!gap_end || end <= *gap_end) {
        g.location = CoreLocation::mbr_gap;
        add(g.findings, Severity::info, "mbr.grub-core-in-mbr-gap",
            "core.img (" + range + ") is in the post-MBR gap" +
                (gap_end ? " (" + std::to_string(*gap_end - 1) + " sectors)" : std::string()));
        if (gap_end && *gap_end < 1900)
            add(g.findings, Severity::info, "mbr.short-mbr-gap",
                "the post-MBR gap is " + std::to_string(*gap_end - 1) +
                    " sectors; GRUB recommends 1900 or more for larger core images");
        return;
    }
    for (const auto& e : mbr.entries) {
        if (!e.used() || e.type == 0xEE || is_extended(e.type)) continue;
        if (first < e.end() && e.start < end) {
            g.location = CoreLocation::inside_partition;
            bool straddles = first < *gap_end;
            add(g.findings, straddles ? Severity::error : Severity::warning,
                straddles ? "mbr.grub-core-overlaps-partition" : "mbr.grub-core-blocklist-install",
                "core.img (" + range + ") " + (straddles ? "runs from the MBR gap into " : "lies inside ") +
                    entry_label(e) + (straddles ? "" : " (blocklist install: breaks when the file moves)"));
            return;
        }
    }
    g.location = CoreLocation::elsewhere;
    add(g.findings, Severity::warning, "mbr.grub-core-elsewhere",
        "core.img (" + range + ") is neither in the MBR gap nor inside a primary partition");
}

} // namespace

GrubCore check_grub_core(const BootCode& code, const Mbr& mbr, const std::vector<GptPartition>& gpt,
                         const SectorReader& read, std::uint64_t disk_sectors) {
    GrubCore g;
    if (code.loader != Loader::grub2 || !code.kernel_sector) {
        add(g.findings, Severity::info, "mbr.not-grub", "the boot code is not GRUB 2 (" + code.name + ")");
        return g;
    }
    g.kernel_sector = *code.kernel_sector;
    const std::string at = "LBA " + std::to_string(g.kernel_sector);
    if (g.kernel_sector == 0) {
        add(g.findings, Severity::error, "mbr.grub-core-missing", "GRUB boot code points core.img at LBA 0 (the MBR)");
        return g;
    }
    if (disk_sectors != 0 && g.kernel_sector >= disk_sectors) {
        add(g.findings, Severity::error, "mbr.grub-core-beyond-disk",
            "GRUB boot code points core.img at " + at + ", beyond the disk (" + std::to_string(disk_sectors) +
                " sectors)");
        return g;
    }
    std::string why;
    std::string first = read_sector(read, g.kernel_sector, why);
    if (first.empty()) {
        add(g.findings, Severity::error, "mbr.grub-core-unreadable", "cannot read core.img at " + at + ": " + why);
        return g;
    }
    for (const auto& s : kDiskboot)
        if (has_at(first, 0, std::string_view(s.bytes, 4))) g.diskboot_variant = s.variant;
    if (g.diskboot_variant.empty()) {
        add(g.findings, Severity::error, "mbr.grub-core-missing",
            "core.img not found: " + at + " starts " + hex(first.substr(0, 4)) + ", not diskboot.img");
        return g;
    }
    g.found = true;
    g.blocklist_start = le(first, 0x1F4, 8);
    g.blocklist_length = static_cast<std::uint16_t>(le(first, 0x1FC, 2));
    g.blocklist_segment = static_cast<std::uint16_t>(le(first, 0x1FE, 2));
    g.sectors = 1 + std::uint64_t {g.blocklist_length};
    if (g.blocklist_length == 0)
        add(g.findings, Severity::warning, "mbr.grub-blocklist-empty",
            "diskboot.img's blocklist has length 0: core.img was not set up (pristine diskboot.img?)");
    else if (g.blocklist_start != g.kernel_sector + 1)
        add(g.findings, Severity::warning, "mbr.grub-blocklist-mismatch",
            "diskboot.img's blocklist starts at LBA " + std::to_string(g.blocklist_start) + ", not " +
                std::to_string(g.kernel_sector + 1) + " (core.img is not contiguous or was moved)");
    if (g.blocklist_segment != 0x820)
        add(g.findings, Severity::warning, "mbr.grub-blocklist-segment",
            "diskboot.img's load segment is " + hex_u32(g.blocklist_segment) + ", not 0x820");

    std::uint64_t end = g.kernel_sector + g.sectors; // kernel_sector < 2^64 - 2^16 unless disk_sectors is 0
    if (end < g.kernel_sector || (disk_sectors != 0 && end > disk_sectors)) {
        add(g.findings, Severity::error, "mbr.grub-core-beyond-disk",
            "core.img (" + std::to_string(g.sectors) + " sectors from " + at + ") runs past the end of the disk");
        return g;
    }
    if (g.blocklist_length != 0 && (disk_sectors == 0 || g.blocklist_start < disk_sectors)) {
        std::string second = read_sector(read, g.blocklist_start, why);
        g.lzma_decompress = has_at(second, 0, "\xEA\x1C\x82\x00\x00"sv);
        if (!g.lzma_decompress)
            add(g.findings, Severity::warning, "mbr.grub-lzma-missing",
                "core.img's second part (LBA " + std::to_string(g.blocklist_start) +
                    ") does not start with lzma_decompress.img");
    }
    locate(g, mbr, gpt, g.kernel_sector, end);
    return g;
}

} // namespace bootsmith::disk
