#include "bootsmith/disk/esp.hpp"

#include "bootsmith/disk/mounts.hpp"
#include "bootsmith/error.hpp"

#include <algorithm>
#include <filesystem>
#include <functional>
#include <map>

namespace bootsmith::disk {

namespace {

char lower(char c) {
    return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}
std::string lowered(std::string_view s) {
    std::string out(s);
    for (auto& c : out)
        c = lower(c);
    return out;
}
bool iequal(std::string_view a, std::string_view b) {
    return a.size() == b.size() && lowered(a) == lowered(b);
}
bool istarts(std::string_view s, std::string_view p) {
    return s.size() >= p.size() && iequal(s.substr(0, p.size()), p);
}
bool iends(std::string_view s, std::string_view p) {
    return s.size() >= p.size() && iequal(s.substr(s.size() - p.size()), p);
}
std::uint32_t u32le(std::string_view b, std::size_t at) {
    return static_cast<std::uint32_t>(static_cast<unsigned char>(b[at])) |
           static_cast<std::uint32_t>(static_cast<unsigned char>(b[at + 1])) << 8 |
           static_cast<std::uint32_t>(static_cast<unsigned char>(b[at + 2])) << 16 |
           static_cast<std::uint32_t>(static_cast<unsigned char>(b[at + 3])) << 24;
}

void add(std::vector<Finding>& to, Severity s, std::string code, std::string message) {
    for (const auto& f : to)
        if (f.code == code && f.message == message) return; // the same corruption seen twice
    to.push_back({s, std::move(code), std::move(message)});
}

std::string mib(std::uint64_t sectors) {
    return std::to_string(sectors * 512 / (1024 * 1024)) + " MiB";
}

/// The ESP path "/EFI/debian/x" as '/'-separated components.
std::vector<std::string> components(std::string_view path) {
    std::vector<std::string> out;
    std::size_t i = 0;
    while (i <= path.size()) {
        std::size_t j = path.find_first_of("/\\", i);
        if (j == std::string_view::npos) j = path.size();
        if (j > i) out.emplace_back(path.substr(i, j - i));
        i = j + 1;
    }
    return out;
}

class MountedFiles : public EspFiles {
public:
    MountedFiles(const sys::Root& root, std::string mp) : root_(root), mp_(std::move(mp)) {}
    /// The system path of an ESP path ("" when missing).
    std::string find(std::string_view path) const {
        if (components(path).empty()) return root_.is_dir(mp_) ? mp_ : std::string();
        return find_case_insensitive(root_, mp_, path);
    }
    std::vector<Item> list(std::string_view dir) const override {
        std::vector<Item> out;
        std::string d = find(dir);
        if (d.empty() || !root_.is_dir(d)) return out;
        for (const auto& e : root_.list(d)) {
            Item it;
            it.name = e.name;
            auto st = root_.stat(d + "/" + e.name);
            if (!st) continue;
            it.directory = st->type == sys::FileInfo::Type::directory;
            it.size = it.directory ? 0 : st->size;
            out.push_back(std::move(it));
        }
        return out;
    }
    bool exists(std::string_view path) const override { return !find(path).empty(); }
    std::optional<std::string> read(std::string_view path, std::size_t max) const override {
        std::string p = find(path);
        if (p.empty()) return std::nullopt;
        return root_.read(p, max);
    }
    std::string_view via() const override { return "mount"; }

private:
    const sys::Root& root_;
    std::string mp_;
};

class ImageFiles : public EspFiles {
public:
    explicit ImageFiles(sys::ReadFile f) : file_(std::move(f)) {}
    void open(std::uint64_t offset, std::uint64_t length, std::string display) {
        vol_.emplace(FatVolume::open(file_, offset, length, std::move(display)));
    }
    std::vector<Item> list(std::string_view dir) const override {
        std::vector<Item> out;
        auto st = vol_->stat(dir.empty() ? std::string_view("/") : dir);
        if (!st || !st->directory) return out;
        for (const auto& e : vol_->list(dir.empty() ? std::string_view("/") : dir))
            out.push_back({e.name, e.directory, e.size});
        return out;
    }
    bool exists(std::string_view path) const override { return vol_->stat(path).has_value(); }
    std::optional<std::string> read(std::string_view path, std::size_t max) const override {
        auto st = vol_->stat(path);
        if (!st) return std::nullopt;
        return vol_->read(path, max);
    }
    const FatVolume* fat() const override { return &*vol_; }
    std::string_view via() const override { return "disk"; }

private:
    sys::ReadFile file_;
    std::optional<FatVolume> vol_;
};

/// The loader kind from the file name (lowercase, without directory).
std::string kind_from_name(const std::string& dir, const std::string& name) {
    std::string n = lowered(name);
    std::string d = lowered(dir);
    if (d == "linux") return "uki";
    if (n.starts_with("shim")) return "shim";
    if (n.starts_with("grub") || n.starts_with("gcd")) return "grub";
    if (n.starts_with("systemd-boot")) return "systemd-boot";
    if (n.starts_with("fwupd")) return "fwupd";
    if (n.starts_with("mokmanager") || (n.starts_with("mm") && n.size() <= 12)) return "mokmanager";
    if (n.starts_with("fb") && n.size() <= 12) return "shim-fallback";
    if (n == "bootmgfw.efi" || n == "bootmgr.efi") return "windows";
    return "unknown";
}

/// Markers inside the binary, cheap to find: systemd-boot's LoaderInfo (what bootctl reads)
/// and shim's "UEFI SHIM" / "$Version: x $" banner.
void markers(const std::string& bytes, EspLoader& l) {
    static const std::string sd = "#### LoaderInfo: systemd-boot ";
    if (auto at = bytes.find(sd); at != std::string::npos) {
        auto end = bytes.find(" ####", at + sd.size());
        l.kind = "systemd-boot";
        l.kind_source = "marker";
        if (end != std::string::npos && end - at - sd.size() < 64)
            l.version = bytes.substr(at + sd.size(), end - at - sd.size());
        return;
    }
    if (auto at = bytes.find("UEFI SHIM"); at != std::string::npos) {
        if (l.kind != "shim") {
            l.kind = "shim";
            l.kind_source = "marker";
        }
        static const std::string v = "$Version: ";
        if (auto vat = bytes.find(v, at); vat != std::string::npos && vat - at < 64) {
            auto end = bytes.find(" $", vat + v.size());
            if (end != std::string::npos && end - vat - v.size() < 32)
                l.version = bytes.substr(vat + v.size(), end - vat - v.size());
        }
    }
}

constexpr std::size_t kMaxLoader = 32u << 20;

/// The loaders in EFI/*/*.efi, their PE machine and kind; the fallback check.
void survey_loaders(const EspFiles& files, Esp& esp, std::optional<int> fw_bits, bool deep) {
    std::map<std::size_t, std::vector<std::size_t>> by_hash;
    std::vector<std::string> contents;
    std::string efi_dir;
    for (const auto& top : files.list("/"))
        if (top.directory && iequal(top.name, "EFI")) efi_dir = "/" + top.name;
    if (efi_dir.empty()) {
        add(esp.findings, Severity::warning, "esp.no-efi-dir", "no \\EFI directory: no boot loader installed");
        add(esp.findings, Severity::warning, "esp.no-fallback",
            "no removable-media fallback loader \\EFI\\BOOT\\BOOT<ARCH>.EFI");
        return;
    }
    for (const auto& dir : files.list(efi_dir)) {
        if (!dir.directory) continue;
        for (const auto& f : files.list(efi_dir + "/" + dir.name)) {
            if (f.directory || !iends(f.name, ".efi")) continue;
            EspLoader l;
            l.path = efi_dir + "/" + dir.name + "/" + f.name;
            l.size = f.size;
            l.kind = kind_from_name(dir.name, f.name);
            l.kind_source = l.kind == "unknown" ? "" : "name";
            l.fallback = iequal(dir.name, "BOOT") && istarts(f.name, "BOOT");
            std::string bytes;
            try {
                if (!deep && !l.fallback)
                    ; // listed only (status)
                else if (f.size <= kMaxLoader)
                    bytes = files.read(l.path, kMaxLoader).value_or("");
                else
                    add(esp.findings, Severity::info, "esp.loader-large",
                        l.path + ": " + std::to_string(f.size) + " bytes, not inspected");
            } catch (const Error& e) {
                add(esp.findings, Severity::error, "esp.loader-unreadable", e.what());
            }
            l.pe = pe_info(bytes);
            if (!bytes.empty()) markers(bytes, l);
            if (!bytes.empty() && !l.pe.valid)
                add(esp.findings, Severity::warning, "esp.loader-not-pe", l.path + ": not a PE/COFF executable");
            if (!bytes.empty()) by_hash[std::hash<std::string> {}(bytes)].push_back(esp.loaders.size());
            contents.push_back(std::move(bytes));
            esp.loaders.push_back(std::move(l));
        }
    }
    // Identical files: the one outside \EFI\BOOT (the vendor's own) is the original, the
    // others are copies of it; a copy takes the original's kind (BOOTX64.EFI = shimx64.efi).
    for (const auto& [h, idx] : by_hash) {
        std::vector<std::vector<std::size_t>> groups; // by exact content
        for (auto i : idx) {
            bool placed = false;
            for (auto& g : groups)
                if (contents[g.front()] == contents[i]) {
                    g.push_back(i);
                    placed = true;
                    break;
                }
            if (!placed) groups.push_back({i});
        }
        for (const auto& g : groups) {
            if (g.size() < 2) continue;
            std::size_t orig = g.front();
            for (auto i : g)
                if (!istarts(esp.loaders[i].path, "/EFI/BOOT/")) {
                    orig = i;
                    break;
                }
            for (auto i : g) {
                if (i == orig) continue;
                EspLoader& l = esp.loaders[i];
                l.same_as = esp.loaders[orig].path;
                if ((l.kind == "unknown" || l.fallback) && esp.loaders[orig].kind != "unknown") {
                    l.kind = esp.loaders[orig].kind;
                    l.version = esp.loaders[orig].version;
                    l.kind_source = "copy";
                }
            }
        }
    }

    // The fallback: BOOT<ARCH>.EFI whose word size matches the firmware.
    const EspLoader* best = nullptr;
    for (const auto& l : esp.loaders) {
        if (!l.fallback) continue;
        std::string stem = lowered(l.path.substr(l.path.rfind('/') + 1));
        // The arch its name claims.
        std::string named;
        for (const char* a : {"x64", "ia32", "aa64", "arm", "riscv64", "loongarch64"})
            if (stem == lowered(fallback_name(a))) named = a;
        if (named.empty()) continue;
        if (l.pe.valid && l.pe.arch != named)
            add(esp.findings, Severity::warning, "esp.fallback-arch-mismatch",
                l.path + ": named for " + named + " but its PE machine is " +
                    (l.pe.arch.empty() ? "unknown" : l.pe.arch));
        unsigned bits = (named == "ia32" || named == "arm") ? 32 : 64;
        if (fw_bits && static_cast<unsigned>(*fw_bits) != bits) {
            add(esp.findings, Severity::warning, "esp.fallback-arch-mismatch",
                l.path + ": a " + std::to_string(bits) + "-bit loader, but the firmware is " +
                    std::to_string(*fw_bits) + "-bit");
            continue;
        }
        if (best == nullptr) best = &l;
    }
    if (best != nullptr) {
        esp.fallback = best->path;
    } else {
        std::string want = "\\EFI\\BOOT\\BOOT<ARCH>.EFI";
        if (fw_bits) want += " for " + std::to_string(*fw_bits) + "-bit firmware";
        add(esp.findings, Severity::warning, "esp.no-fallback",
            "no removable-media fallback loader " + want +
                ": firmware that loses its boot entries (or a moved disk) finds nothing to boot");
    }
}

std::optional<std::string> read_small(const sys::Root& root, const std::string& path) {
    try {
        return root.read(path, 4096);
    } catch (const Error&) {
        return std::nullopt;
    }
}

std::string trim(std::string s) {
    while (!s.empty() && (s.back() == '\n' || s.back() == ' ' || s.back() == '\r'))
        s.pop_back();
    return s;
}

struct DiskInfo {
    std::string name;   ///< "sda"
    std::string device; ///< "/dev/sda"
    std::optional<PartitionTable> table;
    bool removable = false;
};

bool is_fat_fs(std::string_view t) {
    return t == "vfat" || t == "msdos" || t == "fat";
}

} // namespace

PeInfo pe_info(std::string_view b) {
    PeInfo pe;
    if (b.size() < 0x40 || b[0] != 'M' || b[1] != 'Z') return pe;
    std::uint32_t lfanew = u32le(b, 0x3C);
    if (lfanew > b.size() || b.size() - lfanew < 6) return pe;
    if (b.substr(lfanew, 4) != std::string_view("PE\0\0", 4)) return pe;
    pe.valid = true;
    pe.machine = static_cast<std::uint16_t>(static_cast<unsigned char>(b[lfanew + 4]) |
                                            static_cast<unsigned char>(b[lfanew + 5]) << 8);
    switch (pe.machine) {
    case 0x8664:
        pe.arch = "x64";
        pe.word_size = 64;
        break;
    case 0x014c:
        pe.arch = "ia32";
        pe.word_size = 32;
        break;
    case 0xaa64:
        pe.arch = "aa64";
        pe.word_size = 64;
        break;
    case 0x01c2:
        pe.arch = "arm";
        pe.word_size = 32;
        break;
    case 0x5064:
        pe.arch = "riscv64";
        pe.word_size = 64;
        break;
    case 0x6264:
        pe.arch = "loongarch64";
        pe.word_size = 64;
        break;
    default: break;
    }
    return pe;
}

std::string fallback_name(std::string_view arch) {
    if (arch.empty()) return {};
    std::string up(arch);
    for (auto& c : up)
        if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    return "BOOT" + up + ".EFI";
}

std::shared_ptr<EspFiles> EspFiles::mounted(const sys::Root& root, std::string mount_point) {
    return std::make_shared<MountedFiles>(root, std::move(mount_point));
}

std::shared_ptr<EspFiles> EspFiles::image(const sys::Root& root, const std::string& disk, std::uint64_t offset,
                                          std::uint64_t length, std::string display) {
    auto f = std::make_shared<ImageFiles>(root.open_read(disk));
    f->open(offset, length, std::move(display));
    return f;
}

std::vector<std::string> root_disks(const sys::Root& root) {
    std::vector<std::string> out;
    for (const auto& e : root.list("/sys/block")) {
        const std::string& n = e.name;
        if (n.starts_with("loop") || n.starts_with("ram") || n.starts_with("zram") || n.starts_with("sr") ||
            n.starts_with("fd") || n.starts_with("dm-"))
            continue;
        // Only images and block devices: opening a FIFO planted as dev/sda would block.
        auto st = root.stat("/dev/" + n);
        if (st && (st->type == sys::FileInfo::Type::regular || st->type == sys::FileInfo::Type::block))
            out.push_back("/dev/" + n);
    }
    return out;
}

std::shared_ptr<EspFiles> open_esp_files(const sys::Root& root, const Esp& esp) {
    if (!esp.mount_point.empty() && is_fat_fs(esp.mount_fs)) return EspFiles::mounted(root, esp.mount_point);
    if (esp.disk.empty() || esp.fat.empty()) return nullptr;
    return EspFiles::image(root, esp.disk, esp.start * 512, esp.sectors * 512, esp.device);
}

EspReport find_esps(const sys::Root& root, bool loaders) {
    EspReport r;
    r.uefi = root.is_dir("/sys/firmware/efi");
    if (auto t = read_small(root, "/sys/firmware/efi/fw_platform_size")) {
        int v = std::atoi(t->c_str());
        if (v == 32 || v == 64) r.firmware_bits = v;
    }

    std::vector<DiskInfo> disks;
    for (const auto& dev : root_disks(root)) {
        DiskInfo d;
        d.device = dev;
        d.name = dev.substr(5);
        r.disks.push_back(dev);
        if (auto rm = read_small(root, "/sys/block/" + d.name + "/removable")) d.removable = trim(*rm) == "1";
        try {
            d.table = read_partition_table(root, dev);
        } catch (const Error& e) {
            add(r.findings, Severity::info, "esp.disk-unreadable", e.what());
        }
        disks.push_back(std::move(d));
    }
    auto mounts = read_mounts(root);

    /// The partition behind a mount source ("/dev/sda1", or by major:minor via sys/dev/block).
    auto partition_of = [&](const Mount& m) -> std::pair<const DiskInfo*, const Partition*> {
        std::string name = m.source.starts_with("/dev/") ? m.source.substr(5) : std::string();
        std::string by_mm;
        if (!m.major_minor.empty()) {
            try {
                auto host = root.resolve("/sys/dev/block/" + m.major_minor);
                if (std::filesystem::exists(host)) by_mm = host.filename().native();
            } catch (const Error&) {}
        }
        for (const auto& d : disks) {
            if (!d.table) continue;
            for (const auto& p : d.table->partitions) {
                std::string pn = partition_name(d.name, p.number);
                if (pn == name || (!by_mm.empty() && pn == by_mm)) return {&d, &p};
            }
        }
        return {nullptr, nullptr};
    };
    auto mount_of = [&](const DiskInfo& d, const Partition& p) -> const Mount* {
        const Mount* found = nullptr;
        for (const auto& m : mounts) {
            auto [dd, pp] = partition_of(m);
            if (dd == &d && pp == &p) {
                // Prefer the ESP mount points when mounted twice.
                if (found == nullptr || m.mount_point == "/efi" || m.mount_point == "/boot/efi") found = &m;
            }
        }
        return found;
    };

    auto fill_partition = [&](Esp& e, const DiskInfo& d, const Partition& p) {
        e.disk = d.device;
        e.device = "/dev/" + partition_name(d.name, p.number);
        e.number = p.number;
        e.table = d.table->type;
        e.type = p.type;
        e.partuuid = p.partuuid;
        e.start = p.start;
        e.sectors = p.size;
        e.sector_size = d.table->sector_size;
        e.removable = d.removable;
    };

    auto inspect = [&](Esp& e, const DiskInfo* d) {
        // The file system, from the disk.
        if (d != nullptr) {
            std::shared_ptr<EspFiles> files;
            try {
                files = EspFiles::image(root, d->device, e.start * 512, e.sectors * 512, e.device);
                const FatVolume* v = files->fat();
                e.fat = std::string(fat_type_name(v->type()));
                e.clusters = v->cluster_count();
                e.cluster_size = v->cluster_size();
                e.uuid = v->uuid();
                e.label = v->label(); // reads the root directory: may find it corrupt
            } catch (const Error& err) {
                if (e.fat.empty() && err.code() == Exit::data)
                    add(e.findings, Severity::error, "esp.not-fat", std::string(err.what()));
                else if (err.code() == Exit::data)
                    add(e.findings, Severity::error, "esp.fs-corrupt", std::string(err.what()));
                else
                    add(e.findings, Severity::info, "esp.fs-unreadable", std::string(err.what()));
            }
            if (files && !e.fat.empty() && (e.mount_point.empty() || !is_fat_fs(e.mount_fs))) {
                e.read_via = "disk";
                try {
                    survey_loaders(*files, e, r.firmware_bits, loaders);
                } catch (const Error& err) {
                    e.loaders.clear();
                    add(e.findings, Severity::error, "esp.fs-corrupt", std::string(err.what()));
                }
            }
        }
        if (!e.mount_point.empty() && is_fat_fs(e.mount_fs)) {
            e.read_via = "mount";
            try {
                survey_loaders(*EspFiles::mounted(root, e.mount_point), e, r.firmware_bits, loaders);
            } catch (const Error& err) {
                add(e.findings, Severity::error, "esp.unreadable", std::string(err.what()));
            }
        }
        // Checks of notes §6.
        if (e.fat == "FAT12" || e.fat == "FAT16") {
            if (!e.removable)
                add(e.findings, Severity::warning, "esp.fat16-fixed-disk",
                    e.device + ": " + e.fat +
                        " on a fixed disk; UEFI requires FAT32 there (FAT12/16 is for removable media)");
        } else if (e.fat == "FAT32" && e.clusters < 65525) {
            add(e.findings, Severity::warning, "esp.fat32-too-few-clusters",
                e.device + ": FAT32 with " + std::to_string(e.clusters) +
                    " clusters; the FAT specification requires at least 65525 (firmware may read it as FAT16)");
        }
        if (e.sectors != 0) {
            std::uint64_t min = e.sector_size >= 4096 ? 260 : 100;
            if (e.sectors * 512 < min * 1024 * 1024)
                add(e.findings, Severity::warning, "esp.small",
                    e.device + ": " + mib(e.sectors) + "; at least " + std::to_string(min) +
                        " MiB is recommended (room for several kernels, UKIs and firmware updates)");
        }
        if (e.table == "dos")
            add(e.findings, Severity::warning, "esp.mbr-type",
                e.device + ": an ESP on an MBR partition (0xef): valid for UEFI, but bootctl and some tools refuse it");
    };

    // 1. The mounted ESP, where bootctl looks: /efi, /boot, /boot/efi.
    std::vector<std::pair<const DiskInfo*, const Partition*>> seen;
    for (const char* mp : {"/efi", "/boot", "/boot/efi"}) {
        const Mount* m = nullptr;
        for (const auto& x : mounts)
            if (x.mount_point == mp) m = &x; // the last one mounted there is visible
        if (m == nullptr) continue;
        bool fat = is_fat_fs(m->fs_type);
        auto [d, p] = partition_of(*m);
        if (d != nullptr && std::find(seen.begin(), seen.end(), std::make_pair(d, p)) != seen.end())
            continue; // the same partition mounted at two of these places
        if (!fat) {
            // /boot on ext4 is normal; only the dedicated ESP mount points must be FAT.
            if (std::string_view(mp) == "/boot") continue;
            if (p != nullptr && iequal(p->type, kEspGuid)) continue; // reported below with the partition
            Esp e;
            e.mount_point = mp;
            e.mount_fs = m->fs_type;
            e.device = m->source;
            if (d != nullptr) fill_partition(e, *d, *p);
            add(e.findings, Severity::error, "esp.not-fat",
                std::string(mp) + " is mounted from " + m->source + " (" + m->fs_type +
                    "), not a FAT EFI System Partition file system");
            if (d != nullptr) seen.emplace_back(d, p);
            r.esps.push_back(std::move(e));
            continue;
        }
        Esp e;
        e.mount_point = mp;
        e.mount_fs = m->fs_type;
        e.device = m->source;
        if (d == nullptr) {
            add(e.findings, Severity::warning, "esp.device-unknown",
                std::string(mp) + " is mounted from " + m->source +
                    ", which is no partition on the disks of this root: its partition type cannot be checked");
        } else {
            fill_partition(e, *d, *p);
            seen.emplace_back(d, p);
            bool esp_type = iequal(p->type, kEspGuid) || iequal(p->type, "0xef");
            if (!esp_type && std::string_view(mp) == "/boot" &&
                (iequal(p->type, "bc13c2ff-59e6-4262-a352-b275fd6f7172") || iequal(p->type, "0xea")))
                continue; // XBOOTLDR, not an ESP
            if (!esp_type && std::string_view(mp) == "/boot" && !root.is_dir("/boot/EFI") &&
                find_case_insensitive(root, "/boot", "EFI").empty())
                continue; // a FAT /boot without \EFI is not an ESP candidate
            if (!esp_type) {
                if (e.table == "gpt")
                    add(e.findings, Severity::error, "esp.wrong-type",
                        e.device + " (mounted at " + mp + ") has partition type " + p->type +
                            ", not the EFI System Partition type " + std::string(kEspGuid));
                else
                    add(e.findings, Severity::error, "esp.mounted-not-esp",
                        e.device + " (mounted at " + mp + ") is MBR partition type " + p->type +
                            ", not 0xef (EFI System)");
            }
        }
        inspect(e, d);
        r.esps.push_back(std::move(e));
    }

    // 2. Every other partition of the ESP type.
    for (const auto& d : disks) {
        if (!d.table) continue;
        for (const auto& p : d.table->partitions) {
            if (!(iequal(p.type, kEspGuid) || (d.table->type == "dos" && iequal(p.type, "0xef")))) continue;
            if (std::find(seen.begin(), seen.end(), std::make_pair(&d, &p)) != seen.end()) continue;
            Esp e;
            fill_partition(e, d, p);
            if (const Mount* m = mount_of(d, p)) {
                e.mount_point = m->mount_point;
                e.mount_fs = m->fs_type;
                if (!is_fat_fs(m->fs_type))
                    add(e.findings, Severity::error, "esp.not-fat",
                        e.device + " is mounted at " + m->mount_point + " as " + m->fs_type + ", not FAT");
            } else {
                add(e.findings, Severity::info, "esp.not-mounted",
                    e.device + " is not mounted; its content was read from the disk");
            }
            inspect(e, &d);
            r.esps.push_back(std::move(e));
        }
    }

    std::size_t real = 0;
    for (const auto& e : r.esps)
        if (!e.fat.empty() || e.read_via == "mount") ++real;
    if (real > 1)
        add(r.findings, Severity::warning, "esp.several",
            std::to_string(real) + " EFI System Partitions: firmware and tools may pick a different one than intended");
    if (r.esps.empty())
        add(r.findings, r.uefi ? Severity::error : Severity::info, "esp.not-found",
            r.uefi ? "no EFI System Partition: nothing FAT mounted at /efi, /boot or /boot/efi and no partition of "
                     "the ESP type on " +
                         std::to_string(r.disks.size()) + " disk(s)"
                   : "no EFI System Partition (a BIOS system does not need one)");
    return r;
}

} // namespace bootsmith::disk
