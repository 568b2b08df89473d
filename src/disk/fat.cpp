// Read-only FAT12/16/32 (see fat.hpp). Layout facts: Microsoft "FAT32 File System
// Specification" 1.03; FAT type and limits follow Linux fs/fat and libblkid.
#include "bootsmith/disk/fat.hpp"

#include "bootsmith/error.hpp"
#include "bootsmith/text.hpp"

#include <algorithm>
#include <array>
#include <cstdio>

namespace bootsmith::disk {

namespace {

constexpr std::uint32_t kDirEntry = 32;
constexpr std::uint32_t kMaxDirEntries = 65536; // the specification's limit (2 MiB directories)
constexpr std::size_t kFatWindow = 64 * 1024;

std::uint32_t le16(std::string_view s, std::size_t at) {
    return static_cast<std::uint32_t>(static_cast<unsigned char>(s[at])) |
           static_cast<std::uint32_t>(static_cast<unsigned char>(s[at + 1])) << 8;
}

std::uint32_t le32(std::string_view s, std::size_t at) {
    return le16(s, at) | le16(s, at + 2) << 16;
}

std::uint8_t byte(std::string_view s, std::size_t at) {
    return static_cast<unsigned char>(s[at]);
}

bool power_of_two(std::uint32_t v) {
    return v != 0 && (v & (v - 1)) == 0;
}

char lower(char c) {
    return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

bool iequal(std::string_view a, std::string_view b) {
    return a.size() == b.size() &&
           std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) { return lower(x) == lower(y); });
}

std::string rtrim(std::string s) {
    while (!s.empty() && (s.back() == ' ' || s.back() == '\0'))
        s.pop_back();
    return s;
}

/// UCS-2/UTF-16 units up to the first 0x0000 as UTF-8 (unpaired surrogates → U+FFFD).
std::string utf16_to_utf8(const std::vector<std::uint16_t>& units) {
    std::string out;
    for (std::size_t i = 0; i < units.size() && units[i] != 0; ++i) {
        std::uint32_t u = units[i];
        if (u >= 0xD800 && u <= 0xDBFF && i + 1 < units.size() && units[i + 1] >= 0xDC00 && units[i + 1] <= 0xDFFF) {
            append_utf8(out, 0x10000 + ((u - 0xD800) << 10) + (units[i + 1] - 0xDC00u));
            ++i;
        } else if (u >= 0xD800 && u <= 0xDFFF) {
            append_utf8(out, 0xFFFD);
        } else {
            append_utf8(out, u);
        }
    }
    return out;
}

/// Appends one 8.3 name part without its padding (trailing spaces and NULs): OEM bytes ≥ 0x80
/// have no code page here and become U+FFFD.
void append_short_part(std::string& out, std::string_view raw, bool lowercase) {
    while (!raw.empty() && (raw.back() == ' ' || raw.back() == '\0'))
        raw.remove_suffix(1);
    for (char c : raw) {
        if (static_cast<unsigned char>(c) >= 0x80)
            append_utf8(out, 0xFFFD);
        else
            out += lowercase ? lower(c) : c;
    }
}

/// An 8.3 name as "BASE.EXT" ("BASE" when the extension is blank), each part lowercased when
/// asked (the NTRes case flags).
std::string short_name(std::string_view base, std::string_view ext, bool lower_base, bool lower_ext) {
    std::string out;
    out.reserve(12);
    append_short_part(out, base, lower_base);
    const std::size_t dot = out.size();
    out += '.';
    append_short_part(out, ext, lower_ext);
    if (out.size() == dot + 1) out.pop_back();
    return out;
}

std::uint8_t lfn_checksum(std::string_view short_name11) {
    std::uint8_t sum = 0;
    for (char c : short_name11)
        sum = static_cast<std::uint8_t>(((sum & 1) << 7) + (sum >> 1) + static_cast<unsigned char>(c));
    return sum;
}

/// Path components; "" and "." dropped, ".." removes the previous one.
std::vector<std::string> split_path(std::string_view path) {
    std::vector<std::string> parts;
    std::string cur;
    auto flush = [&] {
        if (cur == "..") {
            if (!parts.empty()) parts.pop_back();
        } else if (!cur.empty() && cur != ".") {
            parts.push_back(cur);
        }
        cur.clear();
    };
    for (char c : path) {
        if (c == '/' || c == '\\')
            flush();
        else
            cur += c;
    }
    flush();
    return parts;
}

std::string hex8(std::uint32_t v) {
    std::array<char, 16> buf {};
    std::snprintf(buf.data(), buf.size(), "%04X-%04X", v >> 16, v & 0xFFFF);
    return buf.data();
}

} // namespace

std::string_view fat_type_name(FatType t) {
    switch (t) {
    case FatType::fat12: return "FAT12";
    case FatType::fat16: return "FAT16";
    case FatType::fat32: return "FAT32";
    }
    return "FAT";
}

void FatVolume::fail(const std::string& what) const {
    throw Error(Exit::data, display_ + ": " + what);
}

std::string FatVolume::bytes(std::uint64_t pos, std::size_t len) const {
    if (pos > length_ || len > length_ - pos)
        fail("read of " + std::to_string(len) + " bytes at " + std::to_string(pos) + " lies outside the file system (" +
             std::to_string(length_) + " bytes)");
    std::string s = file_->read_at(offset_ + pos, len);
    if (s.size() != len)
        fail("truncated: " + std::to_string(len) + " bytes wanted at " + std::to_string(pos) + ", got " +
             std::to_string(s.size()));
    return s;
}

FatVolume FatVolume::open(const sys::ReadFile& file, std::uint64_t offset, std::uint64_t length, std::string display) {
    FatVolume v(file, std::move(display));
    const std::uint64_t file_size = file.size();
    if (offset > file_size) v.fail("starts at byte " + std::to_string(offset) + ", beyond the end of the image");
    v.offset_ = offset;
    v.length_ = std::min(length, file_size - offset);
    if (v.length_ < 512) v.fail(std::to_string(v.length_) + " bytes, too small for a FAT boot sector");
    const std::string bs = v.bytes(0, 512);

    const std::uint32_t bps = le16(bs, 0x0B);
    const std::uint32_t spc = byte(bs, 0x0D);
    const std::uint32_t reserved = le16(bs, 0x0E);
    const std::uint32_t nfats = byte(bs, 0x10);
    const std::uint32_t root_entries = le16(bs, 0x11);
    const std::uint32_t fatsz16 = le16(bs, 0x16);
    const std::uint32_t fatsz32 = le32(bs, 0x24);
    const std::uint64_t total_sectors = le16(bs, 0x13) != 0 ? le16(bs, 0x13) : le32(bs, 0x20);
    const bool fat32_layout = fatsz16 == 0;
    const std::uint64_t fatsz = fat32_layout ? fatsz32 : fatsz16;

    const std::string bad = "not a valid FAT file system: ";
    if (bps != 512 && bps != 1024 && bps != 2048 && bps != 4096)
        v.fail(bad + "bytes per sector " + std::to_string(bps) + " (expected 512, 1024, 2048 or 4096)");
    if (!power_of_two(spc)) v.fail(bad + "sectors per cluster " + std::to_string(spc) + " is not a power of two");
    if (reserved == 0) v.fail(bad + "no reserved sectors");
    if (nfats == 0) v.fail(bad + "number of FATs is 0");
    if (fatsz == 0) v.fail(bad + "FAT size is 0");
    if (total_sectors == 0) v.fail(bad + "total sector count is 0");
    if (!fat32_layout && root_entries == 0) v.fail(bad + "FAT12/16 root directory has no entries");

    const std::uint64_t root_sectors = (std::uint64_t {root_entries} * kDirEntry + bps - 1) / bps;
    const std::uint64_t first_data = reserved + nfats * fatsz + root_sectors; // < 2^16 + 2^8·2^32 + 2^16
    if (first_data >= total_sectors)
        v.fail(bad + "data area starts at sector " + std::to_string(first_data) + ", beyond the " +
               std::to_string(total_sectors) + " sectors of the volume");
    const std::uint64_t volume_bytes = total_sectors * bps;
    if (volume_bytes > v.length_)
        v.fail("the file system needs " + std::to_string(volume_bytes) + " bytes but only " +
               std::to_string(v.length_) + " are available (truncated image or wrong partition size?)");
    v.length_ = volume_bytes;

    std::uint64_t clusters = (total_sectors - first_data) / spc;
    if (fat32_layout)
        v.type_ = FatType::fat32;
    else
        v.type_ = clusters < 4085 ? FatType::fat12 : FatType::fat16;
    const std::uint64_t max_clusters = v.type_ == FatType::fat12   ? 0xFF4
                                       : v.type_ == FatType::fat16 ? 0xFFF4
                                                                   : 0x0FFFFFF6;
    if (clusters == 0) v.fail(bad + "no data clusters");
    if (clusters > max_clusters)
        v.fail(bad + std::to_string(clusters) + " clusters, more than " + std::string(fat_type_name(v.type_)) +
               " can address");
    // Like Linux: a FAT too small for the cluster count limits the usable clusters.
    const std::uint64_t fat_bytes = fatsz * bps;
    const std::uint64_t fat_slots = v.type_ == FatType::fat12   ? fat_bytes * 2 / 3
                                    : v.type_ == FatType::fat16 ? fat_bytes / 2
                                                                : fat_bytes / 4;
    if (fat_slots < 3) v.fail(bad + "FAT too small for any cluster");
    clusters = std::min(clusters, fat_slots - 2);

    std::uint32_t active_fat = 0;
    const std::size_t ext = fat32_layout ? 0x42 : 0x26;
    if (fat32_layout) {
        const std::uint32_t flags = le16(bs, 0x28);
        if (flags & 0x80) active_fat = flags & 0x0F;
        if (active_fat >= nfats)
            v.fail(bad + "active FAT " + std::to_string(active_fat) + " of " + std::to_string(nfats));
        v.root_cluster_ = le32(bs, 0x2C);
        if (v.root_cluster_ < 2 || v.root_cluster_ > clusters + 1)
            v.fail(bad + "root directory cluster " + std::to_string(v.root_cluster_) + " out of range 2.." +
                   std::to_string(clusters + 1));
    }
    if (byte(bs, ext) == 0x29 || byte(bs, ext) == 0x28) v.volume_id_ = le32(bs, ext + 1);
    if (byte(bs, ext) == 0x29) {
        std::string l = rtrim(bs.substr(ext + 5, 11));
        if (l != "NO NAME") v.bpb_label_ = l;
    }

    v.bytes_per_sector_ = bps;
    v.cluster_bytes_ = bps * spc;
    v.clusters_ = static_cast<std::uint32_t>(clusters);
    v.fat_bytes_ = fat_bytes;
    v.fat_start_ = (reserved + active_fat * fatsz) * bps;
    v.root_start_ = (reserved + nfats * fatsz) * bps;
    v.root_entries_ = root_entries;
    v.data_start_ = first_data * bps;
    return v;
}

std::string FatVolume::uuid() const {
    return hex8(volume_id_);
}

std::uint32_t FatVolume::fat_entry(std::uint32_t cluster) const {
    const std::uint64_t at = type_ == FatType::fat12   ? cluster + cluster / 2
                             : type_ == FatType::fat16 ? std::uint64_t {cluster} * 2
                                                       : std::uint64_t {cluster} * 4;
    const std::uint64_t width = type_ == FatType::fat32 ? 4 : 2;
    if (at + width > fat_bytes_) fail("cluster " + std::to_string(cluster) + " has no FAT entry");
    if (at < fat_window_start_ || at + width > fat_window_start_ + fat_window_.size()) {
        fat_window_start_ = at - at % kFatWindow;
        const std::uint64_t len = std::min<std::uint64_t>(kFatWindow + 4, fat_bytes_ - fat_window_start_);
        fat_window_ = bytes(fat_start_ + fat_window_start_, static_cast<std::size_t>(len));
    }
    const auto rel = static_cast<std::size_t>(at - fat_window_start_);
    switch (type_) {
    case FatType::fat12: {
        const std::uint32_t v = le16(fat_window_, rel);
        return cluster % 2 ? v >> 4 : v & 0xFFF;
    }
    case FatType::fat16: return le16(fat_window_, rel);
    case FatType::fat32: return le32(fat_window_, rel) & 0x0FFFFFFF;
    }
    return 0;
}

std::vector<std::uint32_t> FatVolume::chain(std::uint32_t first, std::uint32_t limit, std::string_view what) const {
    const std::uint32_t eoc = type_ == FatType::fat12 ? 0xFF8 : type_ == FatType::fat16 ? 0xFFF8 : 0x0FFFFFF8;
    const std::uint32_t last = clusters_ + 1;
    std::vector<std::uint32_t> out;
    std::vector<bool> seen(std::size_t {clusters_} + 2);
    std::uint32_t c = first;
    while (out.size() < limit) {
        if (c < 2 || c > last)
            fail(std::string(what) + ": cluster " + std::to_string(c) + " out of range 2.." + std::to_string(last));
        if (seen[c]) fail(std::string(what) + ": cluster chain loops back to cluster " + std::to_string(c));
        seen[c] = true;
        out.push_back(c);
        if (out.size() == limit) break;
        const std::uint32_t next = fat_entry(c);
        if (next >= eoc) break;
        if (next == 0) fail(std::string(what) + ": cluster " + std::to_string(c) + " links to a free cluster");
        if (next == eoc - 1) fail(std::string(what) + ": cluster chain reaches a bad cluster");
        c = next;
    }
    return out;
}

std::string FatVolume::read_clusters(const std::vector<std::uint32_t>& clusters, std::uint64_t len) const {
    std::string out;
    out.reserve(static_cast<std::size_t>(len));
    for (std::size_t i = 0; i < clusters.size() && out.size() < len;) {
        std::size_t j = i + 1;
        while (j < clusters.size() && clusters[j] == clusters[j - 1] + 1)
            ++j;
        const std::uint64_t run = std::min<std::uint64_t>(std::uint64_t {j - i} * cluster_bytes_, len - out.size());
        out += bytes(data_start_ + std::uint64_t {clusters[i] - 2} * cluster_bytes_, static_cast<std::size_t>(run));
        i = j;
    }
    return out;
}

std::string FatVolume::directory_bytes(std::uint32_t first_cluster, std::string_view what) const {
    if (first_cluster == 0) {
        if (type_ == FatType::fat32) fail(std::string(what) + ": directory without a cluster");
        return bytes(root_start_, std::size_t {root_entries_} * kDirEntry);
    }
    const std::uint32_t max_clusters = std::max<std::uint32_t>(1, kMaxDirEntries * kDirEntry / cluster_bytes_);
    const auto cs = chain(first_cluster, std::min(clusters_, max_clusters + 1), what);
    if (cs.size() > max_clusters)
        fail(std::string(what) + ": directory larger than " + std::to_string(kMaxDirEntries) + " entries");
    return read_clusters(cs, std::uint64_t {cs.size()} * cluster_bytes_);
}

std::vector<FatDirEntry> FatVolume::parse_directory(const std::string& raw, std::string_view what,
                                                    std::string* label) const {
    std::vector<FatDirEntry> out;
    // The long name being assembled: units by slot, the sequence number expected next
    // (0 = none pending) and the checksum every piece must carry.
    std::vector<std::uint16_t> lfn;
    unsigned lfn_next = 0;
    std::uint8_t lfn_sum = 0;
    static constexpr std::array<std::size_t, 13> kUnits {1, 3, 5, 7, 9, 14, 16, 18, 20, 22, 24, 28, 30};

    for (std::size_t pos = 0; pos + kDirEntry <= raw.size(); pos += kDirEntry) {
        const std::string_view e(raw.data() + pos, kDirEntry);
        const std::uint8_t first = byte(e, 0);
        const std::uint8_t attr = byte(e, 11);
        if (first == 0x00) break;
        if (first == 0xE5) {
            lfn_next = 0;
            continue;
        }
        if ((attr & 0x3F) == 0x0F) {
            const unsigned seq = first & 0x1F;
            if (first & 0x40) {
                if (seq == 0 || seq > 20) {
                    lfn_next = 0;
                    continue;
                }
                lfn.assign(std::size_t {seq} * 13, 0xFFFF);
                lfn_sum = byte(e, 13);
            } else if (lfn_next == 0 || seq != lfn_next || byte(e, 13) != lfn_sum) {
                lfn_next = 0; // an orphan or out-of-order piece: drop the whole run
                continue;
            }
            for (std::size_t k = 0; k < kUnits.size(); ++k)
                lfn[(seq - 1) * 13 + k] = static_cast<std::uint16_t>(le16(e, kUnits[k]));
            lfn_next = seq - 1;
            if (lfn_next == 0) lfn_next = 0x100; // complete: waits for its short entry
            continue;
        }
        const bool have_lfn = lfn_next == 0x100;
        lfn_next = 0;
        if (attr & 0x08) {
            if (label && label->empty() && !(attr & 0x10)) *label = rtrim(std::string(e.substr(0, 11)));
            continue;
        }
        const std::string_view name11 = e.substr(0, 11);
        if (name11 == ".          " || name11 == "..         ") continue;
        FatDirEntry d;
        std::array<char, 8> base {};
        std::copy_n(name11.begin(), base.size(), base.begin());
        if (first == 0x05) base[0] = static_cast<char>(0xE5);
        const std::string_view base_v(base.data(), base.size()), ext = name11.substr(8, 3);
        const std::uint8_t ntres = byte(e, 12);
        d.short_name = short_name(base_v, ext, false, false);
        d.name = (ntres & 0x18) != 0 ? short_name(base_v, ext, ntres & 0x08, ntres & 0x10) : d.short_name;
        if (have_lfn && lfn_checksum(name11) == lfn_sum) {
            std::string l = utf16_to_utf8(lfn);
            if (!l.empty()) d.name = std::move(l);
        }
        d.attributes = attr;
        d.directory = attr & 0x10;
        d.first_cluster = le16(e, 26) | (type_ == FatType::fat32 ? le16(e, 20) << 16 : 0);
        d.size = d.directory ? 0 : le32(e, 28);
        out.push_back(std::move(d));
        if (out.size() > kMaxDirEntries) fail(std::string(what) + ": too many directory entries");
    }
    return out;
}

const std::vector<FatDirEntry>& FatVolume::directory(std::uint32_t first_cluster, std::string_view what) const {
    for (const auto& [cluster, entries] : directories_)
        if (cluster == first_cluster) return entries;
    std::vector<FatDirEntry> entries = parse_directory(directory_bytes(first_cluster, what), what);
    if (directory_entries_ + entries.size() > kMaxDirEntries) {
        directories_.clear();
        directory_entries_ = 0;
    }
    directory_entries_ += entries.size();
    return directories_.emplace_back(first_cluster, std::move(entries)).second;
}

FatDirEntry FatVolume::root_entry() const {
    FatDirEntry root;
    root.name = "/";
    root.short_name = "/";
    root.directory = true;
    root.attributes = 0x10;
    root.first_cluster = type_ == FatType::fat32 ? root_cluster_ : 0;
    return root;
}

std::string FatVolume::label() const {
    std::string l;
    parse_directory(directory_bytes(root_entry().first_cluster, "/"), "/", &l);
    l = rtrim(l);
    if (l == "NO NAME") l.clear();
    return l.empty() ? bpb_label_ : l;
}

std::optional<FatDirEntry> FatVolume::stat(std::string_view path) const {
    FatDirEntry cur = root_entry();
    std::string where;
    for (const auto& part : split_path(path)) {
        if (!cur.directory) return std::nullopt;
        where += "/" + part;
        const auto& entries = directory(cur.first_cluster, where);
        auto it = std::find_if(entries.begin(), entries.end(), [&](const FatDirEntry& d) {
            return iequal(d.name, part) || iequal(d.short_name, part);
        });
        if (it == entries.end()) return std::nullopt;
        cur = *it;
    }
    return cur;
}

std::vector<FatDirEntry> FatVolume::list(std::string_view dir_path) const {
    const auto d = stat(dir_path);
    if (!d) throw Error(Exit::no_input, display_ + ": " + std::string(dir_path) + ": no such directory");
    if (!d->directory) fail(std::string(dir_path) + ": not a directory");
    return directory(d->first_cluster, dir_path);
}

std::string FatVolume::read(std::string_view path, std::size_t max) const {
    const auto d = stat(path);
    if (!d) throw Error(Exit::no_input, display_ + ": " + std::string(path) + ": no such file");
    if (d->directory) fail(std::string(path) + ": is a directory");
    if (d->size > max)
        fail(std::string(path) + ": " + std::to_string(d->size) + " bytes, more than the limit of " +
             std::to_string(max));
    if (d->size == 0) return {};
    const std::uint64_t needed = (std::uint64_t {d->size} + cluster_bytes_ - 1) / cluster_bytes_;
    if (needed > clusters_)
        fail(std::string(path) + ": size " + std::to_string(d->size) + " is larger than the volume");
    const auto cs = chain(d->first_cluster, static_cast<std::uint32_t>(needed), path);
    if (cs.size() < needed)
        fail(std::string(path) + ": cluster chain of " + std::to_string(cs.size()) + " clusters is too short for " +
             std::to_string(d->size) + " bytes");
    return read_clusters(cs, d->size);
}

} // namespace bootsmith::disk
